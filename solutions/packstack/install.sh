# Task install: OpenStack all-in-one. On CentOS Stream 9, RDO Epoxy's Packstack (the guide's
# commands); on the CI cloud fixture (labs/packstack/fixture), its stand-in k2c-allinone, which
# starts the services its image installed and configured the way Packstack would.
if command -v k2c-allinone >/dev/null; then
  exec k2c-allinone
fi
dnf config-manager --enable crb
dnf install -y centos-release-openstack-epoxy
dnf update -y
dnf install -y openstack-packstack
python3 -c 'import pkg_resources' 2>/dev/null || dnf install -y python3-setuptools
packstack --allinone
