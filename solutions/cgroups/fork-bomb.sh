# The limit first, then the bomb inside the cgroup, then defuse it.
cg new k2c-pids
cg set k2c-pids pids.max 20
grep -x 20 "$(cg dir k2c-pids pids)/pids.max"  # the limit is in place: safe to go on
setsid -f cg run k2c-pids bash -c 'bomb() { bomb | bomb & }; bomb' </dev/null >/dev/null 2>&1
sleep 3
cg show k2c-pids pids
cg kill k2c-pids
