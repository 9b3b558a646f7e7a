# A health check per service: the engine runs it every 5 s and reports the result.
cd /root/shop
python3 - <<'PY'
import yaml

ports = {"catalog": 8001, "orders": 8002, "gateway": 8000}
with open("docker-compose.yml") as stream:
    app = yaml.safe_load(stream)
for name, port in ports.items():
    app["services"][name]["healthcheck"] = {
        "test": ["CMD", "wget", "-qO-", f"http://localhost:{port}/health"],
        "interval": "5s",
        "timeout": "2s",
        "retries": 3,
    }
with open("docker-compose.yml", "w") as stream:
    yaml.safe_dump(app, stream, sort_keys=False)
PY
docker-compose up -d
timeout 300 sh -c 'until [ "$(docker ps --filter label=com.docker.compose.project=shop --filter health=healthy -q | wc -l)" -ge 3 ]; do sleep 1; done'
docker-compose ps
