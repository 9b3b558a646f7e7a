# A 32 MiB memory limit, then a process that wants 100 MiB at once: the kernel OOM-kills it.
cg new k2c-mem
cg set k2c-mem memory.max 32M
cg run k2c-mem dd if=/dev/zero of=/dev/null bs=100M count=1 || echo "dd ended with status $?"
cg show k2c-mem memory
