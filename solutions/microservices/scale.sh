# Three replicas of catalog behind one name; the gateway takes them in turn.
cd /root/shop
docker-compose up -d --scale catalog=3
timeout 300 sh -c 'until [ "$(docker ps -q --filter label=com.docker.compose.service=catalog | wc -l)" = 3 ] && [ -z "$(docker ps -q --filter label=com.docker.compose.service=catalog --filter health=starting)" ]; do sleep 0.5; done'
for i in 1 2 3 4 5 6; do curl -s localhost:8000/api/products | grep -o '"served_by": "[^"]*"'; done
