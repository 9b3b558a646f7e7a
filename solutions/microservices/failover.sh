# Kill one replica outright and leave it dead: the gateway skips it, the shop keeps answering.
docker kill "$(docker ps -q --filter label=com.docker.compose.service=catalog | head -n 1)"
for i in 1 2 3 4 5 6; do curl -fs localhost:8000/api/products | grep -o '"served_by": "[^"]*"'; done
