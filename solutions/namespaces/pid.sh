# Task pid: a long-lived process that is PID 1 of a PID namespace of its own, with its own /proc.
setsid -f unshare --pid --fork --mount-proc sleep infinity </dev/null >/dev/null 2>&1

# setsid -f returns at once: wait (up to 60 s) until a process outside PID 1's PID namespace sees
# a /proc whose PID 1 shares its PID namespace, i.e. until the new /proc is mounted.
for _ in $(seq 600); do
  for pid in $(pgrep --inverse --ns 1 --nslist pid); do
    [ "$(readlink "/proc/$pid/root/proc/1/ns/pid")" = "$(readlink "/proc/$pid/ns/pid")" ] && exit 0
  done
  sleep 0.1
done
echo "pid: no process in a PID namespace of its own with its own /proc appeared" >&2
exit 1
