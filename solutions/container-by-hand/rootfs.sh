# Task rootfs: a root filesystem made of one static busybox binary and its applet links.
mkdir -p /srv/box/rootfs
cd /srv/box/rootfs
mkdir -p bin sbin usr/bin usr/sbin proc sys dev tmp etc root www
chmod 1777 tmp
cp /bin/busybox bin/busybox
chroot . /bin/busybox --install -s
echo 'root:x:0:0:root:/root:/bin/sh' > etc/passwd
echo '<h1>Hello from a container built by hand</h1>' > www/index.html
