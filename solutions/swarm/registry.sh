# Build both versions of the web service and push them to the lab's registry.
cd /root/web
docker build -q -t registry:5000/web:1 .
docker build -q --build-arg VERSION=2 -t registry:5000/web:2 .
docker push -q registry:5000/web:1
docker push -q registry:5000/web:2
curl -s http://registry:5000/v2/web/tags/list
