# A long-running process under a memory limit and a CPU quota, fully detached.
cg new k2c-app
cg set k2c-app memory.max 64M
cg set k2c-app cpu.max "50000 100000"
setsid -f cg run k2c-app sleep infinity </dev/null >/dev/null 2>&1
sleep 1
cg ps k2c-app
