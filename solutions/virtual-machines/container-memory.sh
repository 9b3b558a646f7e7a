# Task container-memory: a 128 MiB limit in sys1's config, applied by a restart, then a process
# that wants 200 MiB at once: the kernel OOM-kills it inside the container's cgroup.
# Self-test: with the system-container step left out there is no sys1 to limit; leave quietly.
[ -f /var/lib/lxc/sys1/config ] || exit 0
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
  echo "lxc.cgroup2.memory.max = 128M" >> /var/lib/lxc/sys1/config
else
  echo "lxc.cgroup.memory.limit_in_bytes = 128M" >> /var/lib/lxc/sys1/config
fi
lxc-stop -n sys1 -t 30 || true
lxc-start -n sys1
lxc-wait -n sys1 -s RUNNING -t 30
lxc-attach -n sys1 -- dd if=/dev/zero of=/dev/null bs=200M count=1 || echo "dd ended with status $?"
pid=$(lxc-info -n sys1 -pH)
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
  # cgroup v2, one tree: the process's line "0::PATH"; the kernel counts OOM kills in memory.events
  dir=/sys/fs/cgroup$(awk -F: '$1 == 0 { print $3 }' "/proc/$pid/cgroup")
  grep '^oom_kill ' "$dir/memory.events"
else
  # cgroup v1, a tree per controller: the memory controller's line; its memory.oom_control
  dir=/sys/fs/cgroup/memory$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$pid/cgroup")
  grep '^oom_kill ' "$dir/memory.oom_control"
fi
