cd /root/layers
cat Dockerfile
docker build -t bloated:1 .
docker history bloated:1
cat > Dockerfile <<'DOCKERFILE'
FROM k2c/busybox
# Download, use and clean up in ONE step: the archive never reaches a layer.
RUN head -c 5000000 /dev/zero > /tmp/archive.bin \
 && sha256sum /tmp/archive.bin > /srv/checksum.txt \
 && rm /tmp/archive.bin
CMD ["cat", "/srv/checksum.txt"]
DOCKERFILE
docker build -t trimmed:1 .
docker history trimmed:1
docker image ls
