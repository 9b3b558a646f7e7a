# Task vm-isolation: a hostname and a file, set inside the guest over ssh.
# Self-test: with the boot-vm step left out there is no VM to log in to; leave quietly.
ssh -n -p 2222 -o BatchMode=yes -o ConnectTimeout=5 root@127.0.0.1 true 2>/dev/null || exit 0
ssh -n -p 2222 root@127.0.0.1 'hostname guest1 && echo "written inside $(hostname)" > /root/only-in-the-vm.txt'
ls /root/only-in-the-vm.txt 2>/dev/null || echo "no such file in the lab container: it lives in the guest"
