"""gateway: the one door of the shop. Clients call it; it calls the services behind it.

GET /api/products                  catalog's product list
GET /api/checkout?item=ID&qty=N    an order, placed through orders (which asks catalog)
GET /health                        200 while the gateway can answer

Where the services answer comes from the environment: CATALOG_URL and ORDERS_URL. A name such
as `catalog` may stand for several replicas: the gateway looks up every address the name has,
takes them in turn (round robin) and, when one does not answer, tries the next.
"""

import itertools
import json
import os
import socket
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT = 8000
turn = itertools.count()


def call(service, path, body=None):
    """Call SERVICE (CATALOG or ORDERS) at PATH on one of its replicas; return its JSON."""
    base = os.environ.get(f"{service}_URL")
    if not base:
        raise RuntimeError(f"{service}_URL is not set: where does {service.lower()} answer?")
    url = urlsplit(base)
    # Every replica's address: Docker's DNS answers a service name with all of them.
    addresses = sorted({info[4][0] for info in socket.getaddrinfo(url.hostname, url.port)})
    start = next(turn)
    errors = []
    for i in range(len(addresses)):
        address = addresses[(start + i) % len(addresses)]
        request = urllib.request.Request(
            f"{url.scheme}://{address}:{url.port}{path}",
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return json.load(response)
        except OSError as exc:  # that replica is gone or stuck: try the next one
            errors.append(f"{address}: {exc}")
    raise RuntimeError(f"no replica of {service.lower()} answered ({'; '.join(errors)})")


class Gateway(BaseHTTPRequestHandler):
    """One request from a client, passed on to the service that can answer it."""

    def do_GET(self):
        """Answer a GET."""
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        try:
            if url.path == "/health":
                self.reply(200, {"status": "ok"})
            elif url.path == "/api/products":
                self.reply(200, call("CATALOG", "/products"))
            elif url.path == "/api/checkout":
                order = {"item": int(query.get("item", 0)), "qty": int(query.get("qty", 1))}
                answer = call("ORDERS", "/orders", order)
                answer["trace"] = [f"gateway@{socket.gethostname()}", *answer.get("trace", [])]
                self.reply(200, answer)
            else:
                self.reply(404, {"error": "not found"})
        except Exception as exc:  # the client gets the reason, not a stack trace
            self.reply(502, {"error": str(exc)})

    def reply(self, status, body):
        """Send BODY as JSON with STATUS."""
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    print(f"gateway listening on port {PORT}", flush=True)
    ThreadingHTTPServer(("", PORT), Gateway).serve_forever()
