# Task image: an image named k2c-cirros, uploaded by the learner. The guide downloads CirrOS;
# this step makes a 1 MiB raw disk instead when no CirrOS file is at hand (the CI fixture has no
# internet, and its fake compute driver boots nothing).
source /root/keystonerc_learner
cd /root
if ! ls cirros-*.img >/dev/null 2>&1; then
  truncate -s 1M cirros-blank.raw
  openstack image create --disk-format raw --container-format bare --file cirros-blank.raw k2c-cirros
  exit
fi
openstack image create --disk-format qcow2 --container-format bare --file cirros-*.img k2c-cirros
