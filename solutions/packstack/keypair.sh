# Task keypair: the learner's SSH public key, registered in Nova.
source /root/keystonerc_learner
[ -f /root/.ssh/id_rsa.pub ] || ssh-keygen -q -t rsa -N '' -f /root/.ssh/id_rsa
openstack keypair create --public-key /root/.ssh/id_rsa.pub k2c-key
