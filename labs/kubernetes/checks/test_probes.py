"""Task probes: readiness and liveness probes that ask the app itself, and pods Ready by them."""

import shlex

import pytest
from kubelab import APP, ASKED, CONTAINER, container, deployment, is_ready, running_pods


def _probe_url(probe: dict, ports: list[dict]) -> str | None:
    """The URL an httpGet probe asks, from inside the pod; None for other kinds of probe."""
    http = probe.get("httpGet")
    if not http:
        return None
    port = http.get("port")
    if not str(port).isdigit():  # a named port: look its number up in the container's ports
        port = next((p["containerPort"] for p in ports if p.get("name") == port), port)
    return f"http://127.0.0.1:{port}{http.get('path', '/')}"


@pytest.mark.task("probes")
def test_both_probes_are_set(cluster):
    """Container web has a readinessProbe and a livenessProbe."""
    spec = container(deployment(cluster))
    missing = [kind for kind in ("readinessProbe", "livenessProbe") if kind not in spec]
    assert not missing, (
        f"Container {CONTAINER} of {APP} has no {' and no '.join(missing)}: readiness decides "
        "whether a pod gets traffic, liveness whether the kubelet restarts it."
    )


@pytest.mark.task("probes")
def test_probes_ask_the_app(cluster):
    """What each probe asks answers inside running pods, and every running pod is Ready."""
    deploy = deployment(cluster)
    spec = container(deploy)
    pods = running_pods(cluster, deploy)
    assert pods, f"No running pod of {APP} to probe."
    for kind in ("readinessProbe", "livenessProbe"):
        assert kind in spec, f"Container {CONTAINER} has no {kind}."
        url = _probe_url(spec[kind], spec.get("ports", []))
        for pod in pods[:ASKED]:
            name = pod["metadata"]["name"]
            if url is not None:
                answer = cluster.exec(name, f"timeout 3 wget -q -O- {shlex.quote(url)}")
                assert answer.rc == 0, (
                    f"The {kind} asks {url} but nothing answers it in pod {name}: "
                    "the app serves /healthz on port 8080."
                )
    not_ready = [p["metadata"]["name"] for p in pods if not is_ready(p)]
    assert not not_ready, (
        f"Pods {', '.join(not_ready)} are not Ready: `kubectl describe pod` shows the probe's "
        "failures in its events."
    )
