# Task secgroup: a security group letting SSH and ping in.
source /root/keystonerc_learner
openstack security group create k2c-ssh
openstack security group rule create --protocol tcp --dst-port 22 k2c-ssh
openstack security group rule create --protocol icmp k2c-ssh
