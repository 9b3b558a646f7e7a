# Form the swarm on the manager, then join each worker, driving its engine from here.
docker swarm init --advertise-addr eth0
token=$(docker swarm join-token -q worker)
for worker in worker1 worker2; do
  docker -H "tcp://$worker:2375" swarm join --token "$token" manager:2377
done
docker node ls
