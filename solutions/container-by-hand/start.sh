# Task start: new PID, mount, UTS, IPC and network namespaces, pivot_root, a /proc of its own.
setsid -f unshare --pid --fork --mount --uts --ipc --net \
  /bin/sh -ec '
    mount --bind /srv/box/rootfs /srv/box/rootfs
    cd /srv/box/rootfs
    mkdir -p .old-root
    pivot_root . .old-root
    cd /
    umount -l /.old-root
    rmdir /.old-root
    mount -t proc proc /proc
    hostname box
    exec httpd -f -h /www
  ' </dev/null >/dev/null 2>&1
for _ in $(seq 600); do pgrep -x httpd >/dev/null && break; sleep 0.1; done
