mkdir -p /root/registry
cat > /root/registry/config.yml <<'YAML'
version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/docker-registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
YAML
setsid -f docker-registry serve /root/registry/config.yml </dev/null >/var/log/registry.log 2>&1
timeout 300 sh -c 'until curl -fsS http://127.0.0.1:5000/v2/ >/dev/null; do sleep 0.2; done'
docker build -t localhost:5000/lab/greeter:1 - <<'DOCKERFILE'
FROM k2c/busybox
RUN printf '#!/bin/sh\necho Hello from the registry\n' > /usr/local/bin/greet \
 && chmod +x /usr/local/bin/greet
CMD ["greet"]
DOCKERFILE
docker push localhost:5000/lab/greeter:1
curl -s http://127.0.0.1:5000/v2/_catalog
docker rmi localhost:5000/lab/greeter:1
docker pull localhost:5000/lab/greeter:1
digest=$(docker image inspect --format '{{index .RepoDigests 0}}' localhost:5000/lab/greeter:1)
echo "$digest"
docker rmi localhost:5000/lab/greeter:1
docker pull "$digest"
docker run --rm "$digest"
