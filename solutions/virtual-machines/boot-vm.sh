# Task boot-vm: QEMU boots Debian's kernel and the lab's initramfs directly (no disk, no
# bootloader), with 256 MiB, 2 vCPUs, the console on the first serial port (kept in a file) and
# host port 2222 forwarded to the guest's ssh. KVM when /dev/kvm works, else emulation (TCG);
# -cpu max gives the guest every CPU feature QEMU knows, RDRAND included: its ssh server needs
# random numbers at boot.
mkdir -p /root/vm
qemu-system-x86_64 \
  -accel kvm -accel tcg -cpu max \
  -m 256 -smp 2 \
  -kernel /opt/vm/vmlinuz -initrd /opt/vm/initrd.img \
  -append "console=ttyS0" \
  -nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:2222-:22 \
  -display none -serial file:/root/vm/console.log \
  -daemonize -pidfile /root/vm/qemu.pid
# Booting takes seconds (tens under emulation): wait until the guest's ssh answers.
for _ in $(seq 300); do
  ssh -n -p 2222 -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=accept-new \
    root@127.0.0.1 true 2>/dev/null && break
  sleep 1
done
ssh -n -p 2222 root@127.0.0.1 'uname -r; cat /proc/cmdline'
