# A user-defined bridge: its containers get Docker's embedded DNS and find each other by name.
docker rm -f api client >/dev/null 2>&1 || true
docker network rm appnet >/dev/null 2>&1 || true
docker network create appnet
docker run -d --name api --network appnet k2c/box \
  sh -c 'echo "hello from api" > /www/index.html && exec httpd -f -p 80 -h /www'
docker run -d --name client --network appnet k2c/box sleep infinity
