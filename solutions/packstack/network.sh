# Task network: the learner's network, subnet and a router to the external network public.
source /root/keystonerc_learner
openstack network create k2c-net
openstack subnet create --network k2c-net --subnet-range 10.10.0.0/24 k2c-subnet
openstack router create k2c-router
openstack router set --external-gateway public k2c-router
openstack router add subnet k2c-router k2c-subnet
