# Task project: project k2c, user learner with the member role in it, and its credentials file.
source /root/keystonerc_admin
openstack project create --or-show --description "Kernel to Cloud" k2c
openstack user create --or-show --project k2c --password k2c-learner learner
openstack role add --project k2c --user learner member
cat >/root/keystonerc_learner <<RC
export OS_AUTH_URL=$OS_AUTH_URL
export OS_REGION_NAME=RegionOne
export OS_USERNAME=learner
export OS_PASSWORD=k2c-learner
export OS_PROJECT_NAME=k2c
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_IDENTITY_API_VERSION=3
RC
chmod 600 /root/keystonerc_learner
