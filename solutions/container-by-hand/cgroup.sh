# Task cgroup: a memory cgroup of the box's own, limited to 64 MiB.
# Self-test: with the start step left out there is no box to limit; leave quietly.
PID=$(pgrep -o -x httpd) || exit 0
mkdir -p /mnt/cgroup
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
  mount -t cgroup2 cgroup /mnt/cgroup
  mkdir -p /mnt/cgroup/init
  xargs -rn1 < /mnt/cgroup/cgroup.procs > /mnt/cgroup/init/cgroup.procs || true
  echo +memory > /mnt/cgroup/cgroup.subtree_control
  CG=/mnt/cgroup/box
  mkdir -p "$CG"
  echo 64M > "$CG/memory.max"
else
  mount -t cgroup -o memory cgroup /mnt/cgroup
  CG=/mnt/cgroup$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup | sed 's,/$,,')/box
  mkdir -p "$CG"
  echo 64M > "$CG/memory.limit_in_bytes"
fi
echo "$PID" > "$CG/cgroup.procs"
