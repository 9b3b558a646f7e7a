# Each step stands alone (the self-test leaves any one out): make what it builds on if missing.
ns=$(kubectl config view --minify --output 'jsonpath={..namespace}')
kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"
kubectl get deployment web >/dev/null 2>&1 || kubectl create deployment web --image k2c.local/web:1
kubectl rollout status deployment/web --timeout 600s
# The guide's commands.
# A pod being deleted (Terminating) still says Running: take one that is not.
pod=$(kubectl get pods -l app=web --field-selector status.phase=Running -o go-template \
  --template '{{range .items}}{{if not .metadata.deletionTimestamp}}{{.metadata.name}}
{{end}}{{end}}' | head -n 1)
uid=$(kubectl get pod "$pod" -o jsonpath='{.metadata.uid}')
# Note which pod you delete (the check reads this note, then what the cluster recorded).
kubectl create configmap deleted-pod --from-literal pod="$pod" --from-literal uid="$uid"
kubectl delete pod "$pod"    # returns once the pod is gone
kubectl get pods -l app=web
kubectl rollout status deployment/web --timeout 600s
kubectl get events --field-selector involvedObject.kind=ReplicaSet | tail -n 5
