docker run --name scribble k2c/busybox sh -c 'echo "written at run time" > /srv/note.txt && rm /etc/motd'
docker diff scribble
docker run --rm k2c/busybox cat /etc/motd
