# Each step stands alone (the self-test leaves any one out): make what it builds on if missing.
ns=$(kubectl config view --minify --output 'jsonpath={..namespace}')
kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"
kubectl get deployment web >/dev/null 2>&1 || kubectl create deployment web --image k2c.local/web:1
kubectl rollout status deployment/web --timeout 180s
# The guide's commands.
pod=$(kubectl get pods -l app=web --field-selector status.phase=Running \
  -o jsonpath='{.items[0].metadata.name}')
kubectl delete pod "$pod"    # returns once the pod is gone
sleep 2                      # the controllers notice within a second or so
kubectl get pods -l app=web
kubectl rollout status deployment/web --timeout 180s
kubectl get events --sort-by .lastTimestamp | tail -n 8
