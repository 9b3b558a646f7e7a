# 20 ms of CPU time per 100 ms period, then a busy loop that wants all of it for 3 seconds.
cg new k2c-cpu
cg set k2c-cpu cpu.max "20000 100000"
# On a busy machine the loop may not get its 20 ms in any period, and so is never throttled:
# it runs again, up to ten times, until the kernel has throttled it.
for _ in 1 2 3 4 5 6 7 8 9 10; do
  cg run k2c-cpu timeout 3 sh -c 'while :; do :; done' || echo "timeout ended the loop (status $?)"
  cg show k2c-cpu cpu | grep -q 'nr_throttled [1-9]' && break
done
cg show k2c-cpu cpu
