# Each step stands alone (the self-test leaves any one out): make what it builds on if missing.
ns=$(kubectl config view --minify --output 'jsonpath={..namespace}')
kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"
# The guide's commands.
kubectl apply -f - <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: k2c.local/web:1
          ports:
            - containerPort: 8080
          resources:
            requests: {cpu: 50m, memory: 16Mi}
            limits: {cpu: 200m, memory: 32Mi}
EOF
kubectl rollout status deployment/web --timeout 600s
kubectl get deployment,replicaset,pods -l app=web -o wide
# In one pod of the Deployment: cgroup v2 first, then v1. 33554432 bytes is 32Mi; the CPU
# quota is 20000 µs of each 100000.
kubectl exec deployment/web -- sh -c 'cat /sys/fs/cgroup/memory.max 2>/dev/null ||
  cat /sys/fs/cgroup/memory/memory.limit_in_bytes'
kubectl exec deployment/web -- sh -c 'cat /sys/fs/cgroup/cpu.max 2>/dev/null ||
  cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us'
