"""Task service: Service web selects the app's pods, and a request through it reaches them."""

import pytest
from kubelab import APP, deployment, running_pods

ASKS = 3


def _service(cluster):
    service = cluster.get("Service", APP)
    assert service is not None, (
        f"No Service named {APP!r} in namespace {cluster.namespace!r}: pods come and go with "
        "new addresses; a Service is the stable name and address in front of them."
    )
    return service


@pytest.mark.task("service")
def test_service_selects_the_pods(cluster):
    """The Service's selector matches the Deployment's running pods, listed as its endpoints."""
    service = _service(cluster)
    selector = service["spec"].get("selector") or {}
    assert selector, f"Service {APP} has no selector: it would send traffic to no pod."
    pods = running_pods(cluster, deployment(cluster))
    assert pods, f"No running pod of {APP} for the Service to select."
    for pod in pods:
        labels = pod["metadata"].get("labels", {})
        unmatched = {k: v for k, v in selector.items() if labels.get(k) != v}
        assert not unmatched, (
            f"Service {APP}'s selector {selector} does not match pod {pod['metadata']['name']} "
            f"(its labels: {labels}): select the pods by their labels."
        )
    endpoints = cluster.get("Endpoints", APP) or {}
    addresses = {
        address.get("ip")
        for subset in endpoints.get("subsets") or []
        for address in subset.get("addresses") or []
    }
    ready = {pod.get("status", {}).get("podIP") for pod in pods}
    assert addresses & ready, (
        f"Service {APP} has no ready endpoint (kubectl get endpoints {APP}): its pods are not "
        "Ready yet, or the selector does not match them."
    )


@pytest.mark.task("service")
def test_request_through_the_service(cluster):
    """From inside a pod, requests to the Service's cluster IP and port reach the app's pods."""
    service = _service(cluster)
    ip = service["spec"].get("clusterIP")
    ports = service["spec"].get("ports") or []
    assert ip, f"Service {APP} has no cluster IP."
    assert ip != "None", f"Service {APP} is headless (clusterIP: None): give it a cluster IP."
    assert ports, f"Service {APP} has no port."
    port = ports[0]["port"]
    assert port == 80, f"Service {APP} listens on port {port}: make it port 80."
    pods = running_pods(cluster, deployment(cluster))
    assert pods, f"No running pod of {APP} to send a request from."
    # A few tries: a pod that is just being replaced may drop one connection.
    command = " ; ".join([f"timeout 3 wget -q -O- http://{ip}:{port}/"] * ASKS)
    result = cluster.exec(pods[0]["metadata"]["name"], command)
    answers = [line for line in result.stdout.splitlines() if line.startswith("web version")]
    assert answers, (
        f"Nothing answered http://{ip}:{port}/ (Service {APP}): check its targetPort is the "
        f"app's port, 8080 ({result.stderr.strip()[-200:]})."
    )
