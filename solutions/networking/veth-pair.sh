# A container on the default bridge, and the engine-side end of its veth pair.
docker rm -f solo >/dev/null 2>&1 || true
docker run -d --name solo k2c/box sleep infinity
pid=$(docker inspect -f '{{.State.Pid}}' solo)
# Inside the container's network namespace, `eth0@ifN`: N is the peer's index outside.
peer=$(nsenter -t "$pid" -n ip -o link show eth0 | sed -n 's/.*eth0@if\([0-9]*\).*/\1/p')
veth=$(ip -o link | awk -F': ' -v i="$peer" '$1 == i {print $2}')
echo "${veth%@*}" > /root/veth.txt
