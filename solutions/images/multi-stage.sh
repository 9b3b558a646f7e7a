cd /root/report
cat > Dockerfile <<'DOCKERFILE'
# Stage 1: everything needed to build the report, raw data included.
FROM k2c/busybox AS build
WORKDIR /src
COPY visits.csv build-report.sh ./
RUN ./build-report.sh visits.csv > index.html

# Stage 2: only what the server needs. Stage 1 is left behind.
FROM k2c/busybox
COPY --from=build /src/index.html /var/www/index.html
EXPOSE 80
CMD ["httpd", "-f", "-p", "80", "-h", "/var/www"]
DOCKERFILE
docker build -t report:slim .
docker image ls report
docker run -d --name report report:slim
