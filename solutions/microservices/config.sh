# The same image, configured by its environment: orders prices in euros.
cd /root/shop
python3 - <<'PY'
import yaml

with open("docker-compose.yml") as stream:
    app = yaml.safe_load(stream)
app["services"]["orders"].setdefault("environment", {})["CURRENCY"] = "EUR"
with open("docker-compose.yml", "w") as stream:
    yaml.safe_dump(app, stream, sort_keys=False)
PY
docker-compose up -d
timeout 300 sh -c 'until docker-compose exec -T orders wget -qO- localhost:8002/health | grep -q EUR; do sleep 0.5; done'
