"""catalog: the products and their prices. Knows nothing of orders or of the gateway.

GET /products          every product
GET /products/ID       one product
GET /health            200 while the service can answer
"""

import json
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = 8001
PRODUCTS = {
    1: {"id": 1, "name": "kernel mug", "price": 12.5},
    2: {"id": 2, "name": "cgroup sticker", "price": 2.0},
    3: {"id": 3, "name": "namespace hoodie", "price": 39.0},
}


class Catalog(BaseHTTPRequestHandler):
    """One request: the product list, one product, or the health check."""

    def do_GET(self):
        """Answer a GET."""
        parts = self.path.strip("/").split("/")
        if parts == ["health"]:
            self.reply(200, {"status": "ok"})
        elif parts == ["products"]:
            self.reply(200, {"products": list(PRODUCTS.values())})
        elif len(parts) == 2 and parts[0] == "products" and parts[1].isdigit():
            product = PRODUCTS.get(int(parts[1]))
            self.reply(200 if product else 404, product or {"error": "no such product"})
        else:
            self.reply(404, {"error": "not found"})

    def reply(self, status, body):
        """Send BODY as JSON with STATUS."""
        # served_by: which replica answered, so you can see the load spread over replicas.
        data = json.dumps({**body, "served_by": socket.gethostname()}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    print(f"catalog listening on port {PORT}", flush=True)
    ThreadingHTTPServer(("", PORT), Catalog).serve_forever()
