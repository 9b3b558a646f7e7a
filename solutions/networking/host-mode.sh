# A web server in the machine's own network namespace: no veth, no NAT, no -p.
docker rm -f hostweb >/dev/null 2>&1 || true
docker run -d --name hostweb --network host k2c/box \
  sh -c 'echo "hello from hostweb" > /www/index.html && exec httpd -f -p 8081 -h /www'
