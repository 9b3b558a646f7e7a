# Task uts: a long-lived process in a UTS namespace of its own, under the hostname lab-uts.
setsid -f unshare --uts sh -c 'hostname lab-uts && exec sleep infinity' </dev/null >/dev/null 2>&1

# setsid -f returns at once: wait (up to 60 s) until a process outside PID 1's UTS namespace
# reports the new hostname, so checks run right after this step see the finished state.
for _ in $(seq 600); do
  for pid in $(pgrep --inverse --ns 1 --nslist uts); do
    [ "$(nsenter --target "$pid" --uts hostname)" = lab-uts ] && exit 0
  done
  sleep 0.1
done
echo "uts: no process with hostname lab-uts appeared" >&2
exit 1
