# Task measure: start one of each kind, time it until it is ready, add up the resident memory
# (RSS) of its processes, and write the three rows to /root/measurements.csv.
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
mib() { awk '{ s += $1 } END { printf "%.1f", s / 1024 }'; }
# wait_for SECONDS COMMAND...: run COMMAND until it succeeds; give up after SECONDS.
wait_for() {
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$end" ] || { echo "$*: not ready in time" >&2; return 1; }
    sleep 0.05
  done
}
# Every process in PID $1's PID namespace (a container's processes): "pidns rss" per process.
container_mib() {
  local ns
  ns=$(ps -o pidns= -p "$1" | tr -d ' ')
  ps -e -o pidns=,rss= | awk -v ns="$ns" '$1 == ns { print $2 }' | mib
}

# A VM: a second one, like the first, on port 2223; ready when ssh runs a command in it.
mkdir -p /root/vm
start=$(date +%s.%N)
qemu-system-x86_64 -accel kvm -accel tcg -cpu max -m 256 -smp 2 \
  -kernel /opt/vm/vmlinuz -initrd /opt/vm/initrd.img -append console=ttyS0 \
  -nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:2223-:22 \
  -display none -serial none -daemonize -pidfile /root/vm/measure.pid
vm_ready() {
  ssh -n -p 2223 -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@127.0.0.1 true
}
wait_for 600 vm_ready
vm_start=$(elapsed "$start")
vm_mib=$(ps -o rss= -p "$(cat /root/vm/measure.pid)" | mib)
kill "$(cat /root/vm/measure.pid)"

# A system container: a second one, sys2; ready when its init reports runlevel 2.
lxc-create -n sys2 -t local -- \
  --metadata /opt/lxc/debian/meta.tar.xz --fstree /opt/lxc/debian/rootfs.tar.xz
start=$(date +%s.%N)
lxc-start -n sys2
sys_ready() { lxc-attach -n sys2 -- runlevel 2>/dev/null | grep -q ' 2$'; }
wait_for 300 sys_ready
sys_start=$(elapsed "$start")
sys_mib=$(container_mib "$(lxc-info -n sys2 -pH)")
lxc-stop -n sys2 -k

# An application container: one process (sleep) under LXC's minimal init, on the lab
# container's own files; ready when the application runs.
start=$(date +%s.%N)
lxc-execute -n app1 -f /etc/lxc/application.conf -d -- sleep infinity
app_ready() { pid=$(lxc-info -n app1 -pH 2>/dev/null) && pgrep -P "$pid" -x sleep >/dev/null; }
wait_for 60 app_ready
app_start=$(elapsed "$start")
app_mib=$(container_mib "$pid")
lxc-stop -n app1 -k

{
  echo "kind,start_seconds,memory_mib"
  echo "vm,$vm_start,$vm_mib"
  echo "system-container,$sys_start,$sys_mib"
  echo "app-container,$app_start,$app_mib"
} > /root/measurements.csv
cat /root/measurements.csv
