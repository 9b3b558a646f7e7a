mkdir -p /root/hello
cd /root/hello
cat > index.html <<'HTML'
<!doctype html>
<title>Hello</title>
<h1>Hello from a container image</h1>
HTML
cat > Dockerfile <<'DOCKERFILE'
FROM k2c/busybox
COPY index.html /var/www/index.html
EXPOSE 80
CMD ["httpd", "-f", "-v", "-p", "80", "-h", "/var/www"]
DOCKERFILE
docker build -t hello:1 .
docker run -d --name hello hello:1
