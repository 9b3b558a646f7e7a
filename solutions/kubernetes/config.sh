# Each step stands alone (the self-test leaves any one out): make what it builds on if missing.
ns=$(kubectl config view --minify --output 'jsonpath={..namespace}')
kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"
kubectl get deployment web >/dev/null 2>&1 || kubectl create deployment web --image k2c.local/web:1
kubectl rollout status deployment/web --timeout 600s
# The guide's commands.
kubectl create configmap web-config --from-literal GREETING='hello from a ConfigMap'
kubectl create secret generic web-secret --from-literal token="s3cret-$RANDOM"
kubectl patch deployment web --patch '
spec:
  template:
    spec:
      containers:
        - name: web
          env:
            - name: GREETING
              valueFrom:
                configMapKeyRef: {name: web-config, key: GREETING}
          volumeMounts:
            - {name: secret, mountPath: /etc/web/secret, readOnly: true}
      volumes:
        - name: secret
          secret: {secretName: web-secret}
'
kubectl rollout status deployment/web --timeout 600s
kubectl exec deployment/web -- wget -q -O- http://127.0.0.1:8080/
kubectl exec deployment/web -- ls /etc/web/secret
