# Task net: network namespaces red and blue, joined by a veth pair, addressed, pinging.
# Start from scratch when the step runs twice (deleting a namespace also deletes its veth end).
ip netns delete red 2>/dev/null || true
ip netns delete blue 2>/dev/null || true
ip netns add red
ip netns add blue
ip link add veth-red type veth peer name veth-blue
ip link set veth-red netns red
ip link set veth-blue netns blue
ip -n red address add 10.0.0.1/24 dev veth-red
ip -n blue address add 10.0.0.2/24 dev veth-blue
ip -n red link set veth-red up
ip -n blue link set veth-blue up
ip netns exec red ping -c1 -W2 10.0.0.2
