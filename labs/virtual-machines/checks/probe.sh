# The examiner's own measurement for the measure task: start one fresh machine of a kind, time
# it from the command that starts it until it is ready, add up its processes' resident memory,
# then remove it. Prints "SECONDS RSS_KIB". Run as: bash -s KIND < probe.sh
#   vm                QEMU, as the boot-vm task asks, on port 2299: ready when ssh runs a command
#   system-container  LXC from /opt/lxc/debian: ready when its init reports runlevel 2
#   app-container     lxc-execute of one sleep: ready when the application runs
set -u
kind=$1
now() { date +%s%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
# RSS (KiB) of every process in PID $1's PID namespace: a container's processes, all of them.
pidns_rss() {
  local ns
  ns=$(ps -o pidns= -p "$1" | tr -d ' ')
  ps -e -o pidns=,rss= | awk -v ns="$ns" '$1 == ns { s += $2 } END { print s + 0 }'
}
case $kind in
  vm)
    dir=$(mktemp -d)
    trap 'kill "$(cat "$dir/pid" 2>/dev/null)" 2>/dev/null; rm -rf "$dir"' EXIT
    t0=$(now)
    qemu-system-x86_64 -accel kvm -accel tcg -cpu max -m 256 -smp 2 \
      -kernel /opt/vm/vmlinuz -initrd /opt/vm/initrd.img -append console=ttyS0 \
      -nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:2299-:22 \
      -display none -serial none -daemonize -pidfile "$dir/pid" 2>/dev/null || exit 1
    for _ in $(seq 600); do
      ssh -n -p 2299 -i /root/.ssh/id_ed25519 -o BatchMode=yes -o ConnectTimeout=5 \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        root@127.0.0.1 true 2>/dev/null && break
      sleep 0.2
    done
    t1=$(now)
    echo "$(seconds "$t0" "$t1") $(ps -o rss= -p "$(cat "$dir/pid")" | tr -d ' ')"
    ;;
  system-container)
    name=k2c-probe-sys
    trap 'lxc-stop -k -n $name >/dev/null 2>&1; lxc-destroy -n $name >/dev/null 2>&1' EXIT
    lxc-destroy -f -n $name >/dev/null 2>&1
    lxc-create -n $name -t local -- --metadata /opt/lxc/debian/meta.tar.xz \
      --fstree /opt/lxc/debian/rootfs.tar.xz >/dev/null || exit 1
    t0=$(now)
    lxc-start -n $name || exit 1
    for _ in $(seq 600); do
      lxc-attach -n $name -- runlevel 2>/dev/null | grep -q ' 2$' && break
      sleep 0.1
    done
    t1=$(now)
    echo "$(seconds "$t0" "$t1") $(pidns_rss "$(lxc-info -n $name -pH)")"
    ;;
  app-container)
    name=k2c-probe-app
    trap 'lxc-stop -k -n $name >/dev/null 2>&1' EXIT
    t0=$(now)
    lxc-execute -n $name -f /etc/lxc/application.conf -d -- sleep infinity || exit 1
    for _ in $(seq 600); do
      pid=$(lxc-info -n $name -pH 2>/dev/null) && pgrep -P "$pid" -x sleep >/dev/null && break
      sleep 0.01
    done
    t1=$(now)
    echo "$(seconds "$t0" "$t1") $(pidns_rss "$pid")"
    ;;
  *) echo "probe.sh: unknown kind $kind" >&2; exit 2 ;;
esac
