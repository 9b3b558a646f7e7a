# 20 ms of CPU time per 100 ms period, then a busy loop that wants all of it for 3 seconds.
cg new k2c-cpu
cg set k2c-cpu cpu.max "20000 100000"
cg run k2c-cpu timeout 3 sh -c 'while :; do :; done' || echo "timeout ended the loop (status $?)"
cg show k2c-cpu cpu
