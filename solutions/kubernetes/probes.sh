# Each step stands alone (the self-test leaves any one out): make what it builds on if missing.
ns=$(kubectl config view --minify --output 'jsonpath={..namespace}')
kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"
kubectl get deployment web >/dev/null 2>&1 || kubectl create deployment web --image k2c.local/web:1
kubectl rollout status deployment/web --timeout 600s
# The guide's commands.
kubectl patch deployment web --patch '
spec:
  template:
    spec:
      containers:
        - name: web
          readinessProbe:
            httpGet: {path: /healthz, port: 8080}
            periodSeconds: 2
            timeoutSeconds: 5
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
            periodSeconds: 5
            timeoutSeconds: 5
            failureThreshold: 6
'
kubectl rollout status deployment/web --timeout 600s
kubectl get pods -l app=web
