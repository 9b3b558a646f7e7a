# Two services and their network, described once in a compose file, deployed as stack shop.
mkdir -p /root/stack
cat > /root/stack/compose.yaml <<YAML
version: "3.8"
services:
  front:
    image: registry:5000/web:1
    ports:
      - {target: 80, published: 8090, mode: $(publish-mode)}
    deploy:
      replicas: 2
      endpoint_mode: $(endpoint-mode)
      placement: {max_replicas_per_node: 1}
  back:
    image: registry:5000/web:2
    deploy:
      replicas: 2
      endpoint_mode: $(endpoint-mode)
YAML
docker stack deploy -c /root/stack/compose.yaml shop
timeout 300 sh -c 'until [ "$(docker service ps -f desired-state=running --format "{{.CurrentState}}" shop_front shop_back | grep -c ^Running)" = 4 ]; do sleep 1; done'
docker stack services shop
