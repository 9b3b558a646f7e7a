# The guide's commands.
ns=$(kubectl config view --minify --output 'jsonpath={..namespace}')
echo "this context works in namespace $ns"
kubectl create namespace "$ns"
kubectl apply -f - <<'EOF'
apiVersion: v1
kind: ResourceQuota
metadata:
  name: budget
spec:
  hard:
    pods: "10"
    services: "5"
EOF
kubectl describe resourcequota budget
