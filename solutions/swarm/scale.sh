# Six replicas of api: the scheduler spreads them over the three nodes.
docker service scale api=6 >/dev/null
docker service ps api
