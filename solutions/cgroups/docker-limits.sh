# The lab container's own Docker engine runs a container with limits; find the files it wrote.
cg init
setsid -f dockerd </dev/null >/var/log/dockerd.log 2>&1
timeout 300 sh -c 'until docker info >/dev/null 2>&1; do sleep 1; done'
docker image inspect busybox >/dev/null 2>&1 || docker import /opt/busybox.tar busybox
docker run -d --name limited --memory 64m --cpus 0.5 --pids-limit 32 busybox sleep 1d
pid=$(docker inspect --format '{{.State.Pid}}' limited)
cat "/proc/$pid/cgroup"
