# Task server: a server booted from the lab's pieces, ACTIVE, with a floating IP from public.
source /root/keystonerc_admin
openstack flavor show m1.tiny >/dev/null 2>&1 \
  || openstack flavor create --ram 512 --disk 1 --vcpus 1 m1.tiny
source /root/keystonerc_learner
openstack server create --flavor m1.tiny --image k2c-cirros --network k2c-net \
  --security-group k2c-ssh --key-name k2c-key --wait k2c-vm
address=$(openstack floating ip create public -f value -c floating_ip_address)
openstack server add floating ip k2c-vm "$address"
