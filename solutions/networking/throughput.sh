# Two iperf3 servers, one behind the bridge and one on the host network, and a measurement of each.
docker rm -f iperf-bridge iperf-host >/dev/null 2>&1 || true
# --forceflush: the servers' logs are pipes; the check reads them, and so does the loop below.
docker run -d --name iperf-bridge k2c/box iperf3 -s --forceflush
docker run -d --name iperf-host --network host k2c/box iperf3 -s -p 5202 --forceflush
until docker logs iperf-bridge | grep -q listening && docker logs iperf-host | grep -q listening
do sleep 0.2; done
ip=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' iperf-bridge)
bridge=$(docker run --rm k2c/box iperf3 -c "$ip" -t 2 -f g | awk '/receiver/ {print $(NF-2)}')
host=$(docker run --rm --network host k2c/box iperf3 -c 127.0.0.1 -p 5202 -t 2 -f g \
  | awk '/receiver/ {print $(NF-2)}')
printf 'bridge_gbps=%s\nhost_gbps=%s\n' "$bridge" "$host" | tee /root/throughput.txt
