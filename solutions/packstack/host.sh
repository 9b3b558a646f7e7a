# Task host: a fully qualified hostname resolving to the host's own address, no NetworkManager,
# SELinux permissive.
fqdn=cloud.k2c.lab
address=$(hostname -I | awk '{print $NF}')   # the last one: the host-only network's, on the VM
hostnamectl set-hostname "$fqdn" 2>/dev/null || true
[ "$(hostname)" = "$fqdn" ] || hostname "$fqdn"   # a container has no hostnamed
# Rewrite /etc/hosts in place (in a container it is a bind mount that cannot be replaced).
grep -v " $fqdn\( \|$\)" /etc/hosts >/tmp/hosts.new || true
echo "$address $fqdn ${fqdn%%.*}" >>/tmp/hosts.new
cat /tmp/hosts.new >/etc/hosts && rm /tmp/hosts.new
if systemctl is-active --quiet NetworkManager; then
  systemctl disable --now NetworkManager
  systemctl enable --now network 2>/dev/null || true
fi
if command -v selinuxenabled >/dev/null && selinuxenabled; then
  setenforce 0
  sed -i 's/^SELINUX=.*/SELINUX=permissive/' /etc/selinux/config
fi
