# Three replicas, at most one per node, port 80 published on 8080 in the mode this kernel allows.
docker service create -q --name web --replicas 3 --replicas-max-per-node 1 \
  --publish "published=8080,target=80,mode=$(publish-mode)" registry:5000/web:1
for node in manager worker1 worker2; do curl -s "http://$node:8080/cgi-bin/whoami"; done
