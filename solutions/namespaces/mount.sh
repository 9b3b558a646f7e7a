# Task mount: a long-lived process in a mount namespace of its own, with a tmpfs on /mnt/private
# that the rest of the container cannot see.
mkdir -p /mnt/private
setsid -f unshare --mount sh -c 'mount -t tmpfs lab-private /mnt/private && exec sleep infinity' \
  </dev/null >/dev/null 2>&1

# setsid -f returns at once: wait (up to 60 s) until a process outside PID 1's mount namespace
# has the tmpfs mounted.
for _ in $(seq 600); do
  for pid in $(pgrep --inverse --ns 1 --nslist mnt); do
    grep -q ' /mnt/private .* lab-private ' "/proc/$pid/mountinfo" && exit 0
  done
  sleep 0.1
done
echo "mount: no process with a private mount on /mnt/private appeared" >&2
exit 1
