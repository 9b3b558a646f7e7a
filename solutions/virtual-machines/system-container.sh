# Task system-container: an LXC container from the Debian root filesystem the image holds,
# booted by its own init (sysvinit).
lxc-create -n sys1 -t local -- \
  --metadata /opt/lxc/debian/meta.tar.xz --fstree /opt/lxc/debian/rootfs.tar.xz
lxc-start -n sys1
lxc-wait -n sys1 -s RUNNING -t 30
lxc-info -n sys1
ps -e -o pid,ppid,args --forest
