# Task user: an unprivileged user, learner, is root inside a user namespace of its own.
id learner >/dev/null 2>&1 || useradd --create-home learner
setsid -f runuser -u learner -- unshare --user --map-root-user sleep infinity \
  </dev/null >/dev/null 2>&1

# setsid -f returns at once: wait (up to 60 s) until a process outside PID 1's user namespace
# maps root inside to learner's UID outside.
uid=$(id -u learner)
for _ in $(seq 600); do
  for pid in $(pgrep --inverse --ns 1 --nslist user); do
    awk -v uid="$uid" '$1 == 0 && $2 == uid { found = 1 } END { exit !found }' \
      "/proc/$pid/uid_map" && exit 0
  done
  sleep 0.1
done
echo "user: no user namespace mapping root to learner appeared" >&2
exit 1
