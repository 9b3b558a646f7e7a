# Each step stands alone (the self-test leaves any one out): make what it builds on if missing.
ns=$(kubectl config view --minify --output 'jsonpath={..namespace}')
kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"
kubectl get deployment web >/dev/null 2>&1 || kubectl create deployment web --image k2c.local/web:1
kubectl rollout status deployment/web --timeout 600s
# The guide's commands.
kubectl apply -f - <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 8080
EOF
kubectl get service web
kubectl get endpoints web
ip=$(kubectl get service web -o jsonpath='{.spec.clusterIP}')
# From inside a pod, through the Service's address (kube-proxy needs a moment for new rules).
until kubectl exec deployment/web -- timeout 3 wget -q -O- "http://$ip/"; do sleep 1; done
