# A secret kept encrypted in the swarm's store, given only to the service that needs it.
head -c 24 /dev/urandom | base64 | docker secret create db_password -
docker service create -q --name vault --secret db_password registry:5000/web:1
