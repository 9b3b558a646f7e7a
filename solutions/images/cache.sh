cd /root/app
cat > Dockerfile <<'DOCKERFILE'
FROM k2c/busybox
WORKDIR /app
# What changes rarely first: the dependency list and the step that installs it...
COPY deps.txt install-deps.sh ./
RUN ./install-deps.sh
# ...what changes every day last, so a code change rebuilds from here only.
COPY app.sh ./
CMD ["./app.sh"]
DOCKERFILE
docker build -t app:1 .
sed -i 's/Hello from app/Hello again from app/' app.sh
docker build -t app:2 .
docker run --rm app:2
