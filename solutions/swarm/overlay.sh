# An overlay network spanning the nodes, and two services that find each other on it by name.
docker network create -d overlay appnet
docker service create -q --name api --network appnet --endpoint-mode "$(endpoint-mode)" \
  registry:5000/web:1
docker service create -q --name client --network appnet --endpoint-mode "$(endpoint-mode)" \
  registry:5000/web:1 sh -c 'while true; do wget -qO- http://api/cgi-bin/whoami; sleep 1; done'
sleep 3
docker service logs --tail 3 client
