# One image per service, each from its own folder (its own build context).
cd /root/shop
for service in catalog orders gateway; do
  docker build -q -t "shop/$service:1" "$service"
done
docker images shop/*
