"""The shop as one process: the product list and the orders in one program, one port.

Run it with `python3 shop.py` and try `curl localhost:8000/api/products` and
`curl 'localhost:8000/api/checkout?item=2&qty=3'`. The lab splits it into three services.
"""

import json
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PRODUCTS = {
    1: {"id": 1, "name": "kernel mug", "price": 12.5},
    2: {"id": 2, "name": "cgroup sticker", "price": 2.0},
    3: {"id": 3, "name": "namespace hoodie", "price": 39.0},
}


class Shop(BaseHTTPRequestHandler):
    """Both jobs in one handler: a call from one to the other is a function call."""

    def do_GET(self):
        """Answer a GET."""
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        if url.path == "/api/products":
            self.reply(200, {"products": list(PRODUCTS.values())})
        elif url.path == "/api/checkout":
            product = PRODUCTS.get(int(query.get("item", 0)))
            if product is None:
                self.reply(404, {"error": "no such product"})
                return
            qty = int(query.get("qty", 1))
            self.reply(200, {"item": product["name"], "qty": qty, "total": product["price"] * qty})
        else:
            self.reply(404, {"error": "not found"})

    def reply(self, status, body):
        """Send BODY as JSON with STATUS."""
        data = json.dumps({**body, "served_by": socket.gethostname()}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    ThreadingHTTPServer(("", 8000), Shop).serve_forever()
