"""Task config: a ConfigMap and a Secret, and the running pods really see their values."""

import base64
import shlex

import pytest
from kubelab import APP, ASKED, CONTAINER, container, deployment, running_pods

CONFIGMAP, KEY = "web-config", "GREETING"
SECRET, SECRET_KEY = "web-secret", "token"


def _data(cluster, kind, name, key):
    obj = cluster.get(kind, name)
    assert obj is not None, f"No {kind} named {name!r} in namespace {cluster.namespace!r}."
    data = obj.get("data") or {}
    assert key in data, f"{kind} {name} has no key {key!r} (it has: {', '.join(data) or 'none'})."
    value = data[key]
    return base64.b64decode(value).decode("utf-8", "replace") if kind == "Secret" else value


@pytest.mark.task("config")
def test_pods_get_the_greeting(cluster):
    """Running pods have GREETING from the ConfigMap, and their page shows it."""
    greeting = _data(cluster, "ConfigMap", CONFIGMAP, KEY)
    deploy = deployment(cluster)
    env = {e.get("name"): e for e in container(deploy).get("env") or []}
    from_map = (env.get(KEY, {}).get("valueFrom") or {}).get("configMapKeyRef", {})
    env_from = [
        (source.get("configMapRef") or {}).get("name")
        for source in container(deploy).get("envFrom") or []
    ]
    assert from_map.get("name") == CONFIGMAP or CONFIGMAP in env_from, (
        f"Container {CONTAINER} does not take {KEY} from ConfigMap {CONFIGMAP}: add an env "
        f"entry with valueFrom.configMapKeyRef (name {CONFIGMAP}, key {KEY})."
    )
    pods = running_pods(cluster, deploy)
    assert pods, f"No running pod of {APP}'s current revision."
    for pod in pods[:ASKED]:
        name = pod["metadata"]["name"]
        # Debian's static busybox has no printenv applet: the shell expands the variable.
        asked = cluster.exec(name, f'echo "${KEY}"')
        assert asked.rc == 0, f"Could not ask pod {name}: {asked.stderr.strip()[-200:]}"
        seen = asked.stdout.strip()
        assert seen == greeting.strip(), (
            f"Pod {name} sees {KEY}={seen!r}, ConfigMap {CONFIGMAP} says {greeting!r}: pods "
            "read the environment when they start (kubectl rollout restart deployment/web)."
        )
        page = cluster.exec(name, "timeout 3 wget -q -O- http://127.0.0.1:8080/").stdout
        assert greeting.strip() in page, f"Pod {name}'s page does not show the greeting: {page!r}"


def _secret_readers(spec, pod_spec):
    """Shell commands that print the secret's token inside the container, as it consumes it."""
    readers = []
    for e in spec.get("env") or []:
        ref = (e.get("valueFrom") or {}).get("secretKeyRef") or {}
        if ref.get("name") == SECRET and ref.get("key") == SECRET_KEY:
            readers.append(f'echo "${e["name"]}"')
    for source in spec.get("envFrom") or []:
        if (source.get("secretRef") or {}).get("name") == SECRET:
            readers.append(f'echo "${(source.get("prefix") or "") + SECRET_KEY}"')
    volumes = {
        v["name"]
        for v in pod_spec.get("volumes") or []
        if (v.get("secret") or {}).get("secretName") == SECRET
    }
    for mount in spec.get("volumeMounts") or []:
        if mount.get("name") in volumes:
            readers.append(f"cat {shlex.quote(mount['mountPath'].rstrip('/') + '/' + SECRET_KEY)}")
    return readers


@pytest.mark.task("config")
def test_pods_get_the_secret(cluster):
    """Running pods can read the Secret's token, mounted or in their environment."""
    token = _data(cluster, "Secret", SECRET, SECRET_KEY)
    deploy = deployment(cluster)
    readers = _secret_readers(container(deploy), deploy["spec"]["template"]["spec"])
    assert readers, (
        f"Container {CONTAINER} does not use Secret {SECRET}: mount it as a volume (secret."
        f"secretName {SECRET}) or take {SECRET_KEY} from it with secretKeyRef."
    )
    pods = running_pods(cluster, deploy)
    assert pods, f"No running pod of {APP}'s current revision."
    for pod in pods[:ASKED]:
        name = pod["metadata"]["name"]
        seen = cluster.exec(name, readers[0]).stdout.strip()
        assert seen == token.strip(), (
            f"Pod {name} does not see Secret {SECRET}'s {SECRET_KEY} (`{readers[0]}` gave "
            f"{len(seen)} characters): is the pod older than the change?"
        )
