echo k2c > /srv/motto
