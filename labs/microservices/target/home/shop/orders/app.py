"""orders: prices an order by asking catalog, in the currency its environment names.

POST /orders  {"item": ID, "qty": N}   the order, priced
GET /health                           200 while the service can answer

Its configuration comes from the environment, not from the image, so one image runs anywhere:
CATALOG_URL (where catalog answers, required) and CURRENCY (default USD).
"""

import json
import os
import socket
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = 8002


def catalog(path):
    """GET a path of catalog; return its JSON answer."""
    base = os.environ.get("CATALOG_URL")
    if not base:
        raise RuntimeError("CATALOG_URL is not set: where does catalog answer?")
    with urllib.request.urlopen(base.rstrip("/") + path, timeout=3) as response:
        return json.load(response)


class Orders(BaseHTTPRequestHandler):
    """One request: price an order, or the health check."""

    def do_GET(self):
        """Answer a GET."""
        if self.path == "/health":
            self.reply(200, {"status": "ok", "currency": os.environ.get("CURRENCY", "USD")})
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        """Answer a POST: an order to price."""
        if self.path != "/orders":
            self.reply(404, {"error": "not found"})
            return
        order = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        try:
            product = catalog(f"/products/{int(order['item'])}")
        except Exception as exc:  # the caller gets the reason, not a stack trace
            self.reply(502, {"error": f"catalog: {exc}"})
            return
        qty = int(order.get("qty", 1))
        self.reply(
            200,
            {
                "item": product["name"],
                "qty": qty,
                "total": round(product["price"] * qty, 2),
                "currency": os.environ.get("CURRENCY", "USD"),
                "trace": [f"orders@{socket.gethostname()}", f"catalog@{product['served_by']}"],
            },
        )

    def reply(self, status, body):
        """Send BODY as JSON with STATUS."""
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    print(f"orders listening on port {PORT}", flush=True)
    ThreadingHTTPServer(("", PORT), Orders).serve_forever()
