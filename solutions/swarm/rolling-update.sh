# The policy first, in its own update (no task restarts for it), then the new version, then back.
# Two tasks at a time (of three) and the rollback all at once: the reference step stays quick.
docker service update -q --update-parallelism 2 --update-delay 1s \
  --update-failure-action rollback --update-monitor 1s \
  --rollback-parallelism 0 --rollback-monitor 1s web
docker service update -q --image registry:5000/web:2 web
# Each command may return before the swarm marks its update done: wait for it to say so. (Seen on
# a loaded machine: a rollback sent before the update was marked done ended "completed".)
timeout 300 sh -c 'until [ "$(docker service inspect -f "{{.UpdateStatus.State}}" web)" = completed ]; do sleep 1; done'
docker service rollback -q web
timeout 300 sh -c 'until [ "$(docker service inspect -f "{{.UpdateStatus.State}}" web)" = rollback_completed ]; do sleep 1; done'
