# worker2 takes no more tasks; the ones it ran are shut down and started again elsewhere.
docker node update --availability drain worker2
timeout 300 sh -c 'until [ "$(docker service ps -q -f desired-state=running -f node=worker2 api | wc -l)" = 0 ] && [ "$(docker service ps -f desired-state=running --format "{{.CurrentState}}" api | grep -c ^Running)" = 6 ]; do sleep 1; done'
docker node ps worker2
