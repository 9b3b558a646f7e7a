# A web server whose port 80 is published on port 8080 of every address of the machine.
docker rm -f web >/dev/null 2>&1 || true
docker run -d --name web -p 8080:80 k2c/box \
  sh -c 'echo "hello from web" > /www/index.html && exec httpd -f -p 80 -h /www'
