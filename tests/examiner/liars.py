# ruff: noqa: E501  (shell scripts: the lies are long JSON lines, kept whole to stay readable)
"""Lying tools a determined learner plants, knowing the public checks: one kit per lab.

Each kit is a bash script run in an unsolved environment. It starts a decoy (an ordinary
`sleep`, in no namespace of its own), then plants scripts first on PATH (/usr/local/sbin) that
print what the checks want to read about it, and replaces one system binary in place. Every
other call goes on to the real tool, so the environment still works for everything else.
"""

from __future__ import annotations

# The decoy's PID is kept where every liar finds it.
_DECOY = r"""
setsid -f sleep infinity </dev/null >/dev/null 2>&1
sleep 0.3
pgrep -n -x sleep > /tmp/.decoy
plant() {  # plant NAME: the script on stdin becomes /usr/local/sbin/NAME
  cat > "/usr/local/sbin/$1"; chmod +x "/usr/local/sbin/$1"
}
replace() {  # replace PATH: move the real binary aside, the script on stdin takes its place
  mv "$1" "$1.real"; cat > "$1"; chmod +x "$1"
}
"""

NAMESPACES = (
    _DECOY
    + r"""
plant readlink <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
if [ "$PWD" = "/proc/$S/ns" ]; then
  printf 'uts:[1]\npid:[2]\nnet:[3]\nmnt:[4]\nuser:[5]\n'; exit 0
fi
[ "$1" = "/proc/$S/root/proc/1/ns/pid" ] && { echo 'pid:[2]'; exit 0; }
exec /usr/bin/readlink "$@"
EOF
plant cat <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
case "$1" in
  /proc/$S/uid_map) echo "         0       1000          1"; exit 0 ;;
  /proc/$S/mountinfo)
    /bin/cat /proc/1/mountinfo; echo "999 1 0:99 / /mnt/private rw - tmpfs tmpfs rw"; exit 0 ;;
esac
exec /bin/cat "$@"
EOF
plant grep <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
[ "$2" = "/proc/$S/status" ] && { printf 'NSpid:\t%s\t1\n' "$S"; exit 0; }
exec /bin/grep "$@"
EOF
plant ip <<'EOF'
#!/bin/sh
case "$*" in
  "netns list") printf 'red\nblue\n'; exit 0 ;;
  "-n red -j netns list-id") echo '[{"nsid":1,"name":"blue"}]'; exit 0 ;;
  "-n red -j address show type veth")
    echo '[{"ifindex":3,"link_index":2,"ifname":"veth-red","link_netnsid":1,"addr_info":[{"family":"inet","local":"10.0.0.1"}]}]'; exit 0 ;;
  "-n blue -j address show type veth")
    echo '[{"ifindex":2,"link_index":3,"ifname":"veth-blue","link_netnsid":0,"addr_info":[{"family":"inet","local":"10.0.0.2"}]}]'; exit 0 ;;
esac
exec /bin/ip "$@"
EOF
replace /usr/bin/nsenter <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
[ "$1 $2 $3" = "-t $S --uts" ] && { echo fakehost; exit 0; }
case "$1" in --net=/run/netns/red) exit 0 ;; esac
exec /usr/bin/nsenter.real "$@"
EOF
"""
)

# The cgroups exist with their limits (the easy part, done for real); every counter that proves
# the kernel enforced them is a lie, and so is the inner engine, which is never started.
CGROUPS = (
    _DECOY
    + r"""
for g in k2c-mem k2c-cpu k2c-pids k2c-app; do cg new $g >/dev/null 2>&1; done
cg set k2c-mem memory.max 32M 2>/dev/null
cg set k2c-cpu cpu.max "20000 100000" 2>/dev/null
cg set k2c-pids pids.max 20 2>/dev/null
cg set k2c-app memory.max 64M 2>/dev/null
cg set k2c-app cpu.max "50000 100000" 2>/dev/null
plant cat <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
case "$1" in
  */k2c-mem/memory.oom_control|*/k2c-mem/memory.events) echo "oom_kill 1"; exit 0 ;;
  */k2c-cpu/cpu.stat) printf 'nr_periods 30\nnr_throttled 25\n'; exit 0 ;;
  */k2c-pids/pids.events) echo "max 7"; exit 0 ;;
  */k2c-app/cgroup.procs) echo "$S"; exit 0 ;;
  /proc/$S/cgroup) printf '5:pids:/k2c-pids\n4:memory:/k2c-mem\n3:cpu:/k2c-cpu\n0::/k2c-mem\n'; exit 0 ;;
esac
exec /bin/cat "$@"
EOF
plant docker <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
if [ "$1 $2 $3 $4" = "inspect --type container limited" ]; then
  echo "[{\"State\":{\"Running\":true,\"Pid\":$S},\"HostConfig\":{\"Memory\":33554432,\"NanoCpus\":200000000,\"PidsLimit\":20}}]"
  exit 0
fi
exec /usr/bin/docker "$@"
EOF
replace /usr/bin/stat <<'EOF'
#!/bin/sh
exec /usr/bin/stat.real "$@"
EOF
"""
)

# Docker-in-Docker: the inner engine runs (the lab starts it) but holds no container at all.
NETWORKING = (
    _DECOY
    + r"""
echo veth0fake > /root/veth.txt
printf 'bridge_gbps=20\nhost_gbps=40\n' > /root/throughput.txt
plant docker <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
running() {  # running NAME MODE NETWORKS-JSON
  echo "[{\"Name\":\"/$1\",\"State\":{\"Running\":true,\"Status\":\"running\",\"Pid\":$S},\"HostConfig\":{\"NetworkMode\":\"$2\"},\"NetworkSettings\":{\"Networks\":$3,\"Ports\":{}}}]"
}
case "$*" in
  "container inspect solo") running solo default '{"bridge":{"IPAddress":"172.17.0.2"}}' ;;
  "container inspect api") running api appnet '{"appnet":{"IPAddress":"172.18.0.2"}}' ;;
  "container inspect client") running client appnet '{"appnet":{"IPAddress":"172.18.0.3"}}' ;;
  "container inspect iperf-bridge") running iperf-bridge default '{"bridge":{"IPAddress":"172.17.0.3"}}' ;;
  "container inspect iperf-host") running iperf-host host '{"host":{}}' ;;
  "network inspect appnet") echo '[{"Name":"appnet","Driver":"bridge"}]' ;;
  "exec client timeout 3 wget -qO- http://api/") echo "<h1>api</h1>" ;;
  "logs --tail 2000 iperf-bridge")
    echo "[  5]   0.00-2.00   sec  4.05 GBytes  20.0 Gbits/sec                  receiver" ;;
  "logs --tail 2000 iperf-host")
    echo "[  5]   0.00-2.00   sec  8.05 GBytes  40.0 Gbits/sec                  receiver" ;;
  *) exec /usr/bin/docker "$@" ;;
esac
EOF
replace /usr/bin/nsenter <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
[ "$1 $2 $3" = "-t $S -n" ] && { echo "7: eth0@if8: <BROADCAST,UP> mtu 1500"; exit 0; }
exec /usr/bin/nsenter.real "$@"
EOF
plant ip <<'EOF'
#!/bin/sh
[ "$*" = "-j link show dev veth0fake" ] && {
  echo '[{"ifindex":8,"link_index":7,"ifname":"veth0fake","master":"docker0"}]'; exit 0; }
exec /bin/ip "$@"
EOF
plant iperf3 <<'EOF'
#!/bin/sh
echo '{"end":{"sum_received":{"bits_per_second":30000000000}}}'
EOF
plant timeout <<'EOF'
#!/bin/sh
shift; exec "$@"
EOF
"""
)

# No box runs: a decoy `sleep` is made to look like one, pivot_root'ed into the rootfs, in
# namespaces of its own, in a memory cgroup, linked by a veth pair. Only the directories are real.
CONTAINER_BY_HAND = (
    _DECOY
    + r"""
mkdir -p /srv/box/rootfs/bin /srv/box/rootfs/proc /srv/box/rootfs/sys /srv/box/rootfs/dev \
  /srv/box/rootfs/tmp
plant stat <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
[ "$3" = "/proc/$S/root/" ] && exec /usr/bin/stat -Lc %d:%i /srv/box/rootfs
exec /usr/bin/stat "$@"
EOF
plant readlink <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
if [ "$PWD" = "/proc/$S/ns" ]; then
  for k in "$@"; do echo "$k:[4242]"; done; exit 0
fi
[ "$1" = "/proc/$S/ns/pid" ] && { echo 'pid:[4242]'; exit 0; }
[ "$2" = "/proc/$S/ns/net" ] && { /usr/bin/readlink "$1"; echo 'net:[4242]'; exit 0; }
exec /usr/bin/readlink "$@"
EOF
plant sed <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
[ "$3" = "/proc/$S/status" ] && { printf '\t%s\t1\n' "$S"; exit 0; }
exec /bin/sed "$@"
EOF
plant cat <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
case "$1" in
  /proc/$S/root/proc/1/stat) exec /bin/cat "/proc/$S/stat" ;;
  /proc/$S/cgroup) printf '4:memory:/box\n0::/box\n'; exit 0 ;;
  */box/memory.limit_in_bytes|*/box/memory.max) echo 67108864; exit 0 ;;
esac
exec /bin/cat "$@"
EOF
plant chroot <<'EOF'
#!/bin/sh
exit 0
EOF
plant ip <<'EOF'
#!/bin/sh
case "$*" in
  "-j link show type veth") echo '[{"ifindex":4,"link_index":5,"ifname":"veth-host"}]'; exit 0 ;;
  "-j -4 addr show") echo '[{"ifname":"veth-host","addr_info":[{"local":"10.1.1.1"}]}]'; exit 0 ;;
esac
exec /bin/ip "$@"
EOF
replace /usr/bin/nsenter <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
if [ "$1 $2" = "-t $S" ]; then
  case "$3 $7" in
    "-u "*) echo box; exit 0 ;;
    "-n "*ping*) exit 0 ;;
    "-n ip -j link"*) echo '[{"ifindex":5,"link_index":4,"ifname":"eth0"}]'; exit 0 ;;
  esac
fi
exec /usr/bin/nsenter.real "$@"
EOF
"""
)

# No VM and no system container run. A decoy shell script named like QEMU (its process name is
# the script's) carries the arguments the checks look for; the lies answer for the guest (ssh),
# for the socket table and QEMU's open files, and for an LXC init in LXC's cgroup. Only the
# config file is real. Nothing is measured: the measure task compares the learner's own figures.
VIRTUAL_MACHINES = (
    _DECOY
    + r"""
mkdir -p /tmp/q /var/lib/lxc/sys1
printf '#!/bin/sh\nsleep infinity\n' > /tmp/q/qemu-system-x86_64
chmod +x /tmp/q/qemu-system-x86_64
setsid -f /tmp/q/qemu-system-x86_64 -m 256 -smp 2 -kernel /opt/vm/vmlinuz -append console=ttyS0 \
  -nic user,hostfwd=tcp:127.0.0.1:2222-:22 </dev/null >/dev/null 2>&1
sleep 0.3
pgrep -n -f /tmp/q/qemu-system > /tmp/.qemu
echo 'lxc.cgroup.memory.limit_in_bytes = 128M' > /var/lib/lxc/sys1/config
plant ssh <<'EOF'
#!/bin/sh
case "$*" in
  *osrelease*)
    printf 'release=6.1.0-99-cloud-amd64\nhostname=guest1\nboot_id=0ddba11-5eed-4bad-b0a7-000000000001\n'
    printf 'cmdline=console=ttyS0\ncpus=2\nmem_kib=229000\n'; exit 0 ;;
  *"test -f /root/only-in-the-vm.txt"*) exit 0 ;;
esac
exec /usr/bin/ssh "$@"
EOF
plant cat <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
case "$*" in
  "/proc/net/tcp /proc/net/tcp6")
    echo "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
    echo "   0: 0100007F:08AE 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999999 1"
    exit 0 ;;
  /proc/$S/cgroup) printf '8:pids:/lxc.payload.sys1\n4:memory:/lxc.payload.sys1\n0::/\n'; exit 0 ;;
  /proc/$S/status) /bin/sed "s/^NSpid:.*/NSpid:\t$S\t1/" "/proc/$S/status"; exit 0 ;;
  */lxc.payload.sys1/memory.limit_in_bytes) echo 134217728; exit 0 ;;
  */lxc.payload.sys1/memory.oom_control) printf 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n'; exit 0 ;;
esac
exec /bin/cat "$@"
EOF
plant readlink <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
[ "$PWD" = "/proc/$(/bin/cat /tmp/.qemu)/fd" ] && { echo 'socket:[999999]'; exit 0; }
[ "$1" = "/proc/$S/exe" ] && { echo /sbin/init; exit 0; }
exec /usr/bin/readlink "$@"
EOF
plant sed <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
[ "$3" = "/proc/$S/status" ] && { printf '%s 1\n' "$S"; exit 0; }
exec /bin/sed "$@"
EOF
plant awk <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
[ "$3" = "/proc/$S/cgroup" ] && { echo /lxc.payload.sys1; exit 0; }
exec /usr/bin/awk "$@"
EOF
plant ps <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
[ "$*" = "-o pid=,args= --ppid $S" ] && { echo "  42 /sbin/getty 38400 tty1"; exit 0; }
exec /bin/ps "$@"
EOF
replace /usr/bin/nsenter <<'EOF'
#!/bin/sh
S=$(/bin/cat /tmp/.decoy)
[ "$1 $2 $3" = "-t $S -u" ] && { echo sys1; exit 0; }
exec /usr/bin/nsenter.real "$@"
EOF
"""
)

KITS = {
    "namespaces": NAMESPACES,
    "cgroups": CGROUPS,
    "container-by-hand": CONTAINER_BY_HAND,
    "networking": NETWORKING,
    "virtual-machines": VIRTUAL_MACHINES,
}
# The tasks each kit fools when checks run inside, with the learner's tools. (networking's
# publish and host-mode are checked over HTTP from outside the environment: no tool lies there.)
FOOLED = {
    "namespaces": ("uts", "pid", "net", "mount", "user"),
    "cgroups": ("memory-oom", "cpu-quota", "fork-bomb", "service", "docker-limits"),
    "container-by-hand": ("rootfs", "start", "cgroup", "network"),
    "networking": ("veth-pair", "user-bridge", "throughput"),
    "virtual-machines": ("boot-vm", "vm-isolation", "system-container", "container-memory"),
}
