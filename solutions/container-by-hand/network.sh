# Task network: a veth pair from the host into the box, addresses on both ends, a ping.
# Self-test: with the start step left out there is no box to wire; leave quietly.
PID=$(pgrep -o -x httpd) || exit 0
ip link add veth-host type veth peer name veth-box
ip link set veth-box netns "$PID"
ip addr add 10.200.0.1/24 dev veth-host
ip link set veth-host up
nsenter -t "$PID" -n ip addr add 10.200.0.2/24 dev veth-box
nsenter -t "$PID" -n ip link set veth-box up
nsenter -t "$PID" -n ip link set lo up
nsenter -t "$PID" -n ip route add default via 10.200.0.1
nsenter -t "$PID" -n ping -c1 -w5 10.200.0.1
busybox wget -qO- http://10.200.0.2/
