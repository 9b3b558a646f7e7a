# The application in one file; the project is named after its folder: shop.
cat > /root/shop/docker-compose.yml <<'YAML'
version: "2.4"
services:
  catalog:
    image: shop/catalog:1
  orders:
    image: shop/orders:1
  gateway:
    image: shop/gateway:1
    ports: ["8000:8000"]
YAML
cd /root/shop
docker-compose up -d
timeout 300 sh -c 'until curl -fs localhost:8000/health >/dev/null; do sleep 0.5; done'
docker-compose ps
