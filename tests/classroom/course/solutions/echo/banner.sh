echo hello > /srv/banner
