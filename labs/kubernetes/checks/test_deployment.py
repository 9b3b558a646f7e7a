"""Task deployment: Deployment web, with requests and limits that the kernel really applies."""

import pytest
from kubelab import (
    APP,
    ASKED,
    CONTAINER,
    container,
    deployment,
    quantity,
    rollout_summary,
    running_pods,
)

# The pod's own view of its cgroup: v2 files first, then v1's (a node on cgroup v1).
MEMORY_LIMIT = (
    "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes"
)
CPU_LIMIT = (
    "cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo "
    '"$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"'
)


@pytest.mark.task("deployment")
def test_deployment_runs_the_app(cluster, params):
    """Deployment web runs the app's image with at least 2 replicas, all available."""
    deploy = deployment(cluster)
    image = container(deploy).get("image", "")
    assert image.startswith("k2c.local/web:"), (
        f"Container {CONTAINER} runs {image!r}: run the lab's app, {params['app_image']}."
    )
    wanted = deploy["spec"].get("replicas", 1)
    assert wanted >= params["replicas"], (
        f"Deployment {APP} asks for {wanted} replica(s): ask for at least {params['replicas']}, "
        "so that losing one pod loses no service."
    )
    available = deploy.get("status", {}).get("availableReplicas", 0)
    assert available >= params["replicas"], (
        f"Deployment {APP} has {rollout_summary(deploy)}: "
        f"see `kubectl describe pods -l app={APP}` for why pods do not start."
    )


@pytest.mark.task("deployment")
def test_container_has_requests_and_limits(cluster):
    """Container web requests and limits both cpu and memory."""
    resources = container(deployment(cluster)).get("resources", {})
    missing = [
        f"{kind}.{resource}"
        for kind in ("requests", "limits")
        for resource in ("cpu", "memory")
        if resource not in resources.get(kind, {})
    ]
    assert not missing, (
        f"Container {CONTAINER} of {APP} lacks resources.{', resources.'.join(missing)}: "
        "requests are what the scheduler reserves on a node, limits what the kernel enforces."
    )


@pytest.mark.task("deployment")
def test_kernel_enforces_the_limits(cluster, params):
    """Inside running pods, the cgroup's memory and CPU limits are the Deployment's."""
    deploy = deployment(cluster)
    limits = container(deploy).get("resources", {}).get("limits", {})
    for resource in ("memory", "cpu"):
        assert resource in limits, (
            f"Container {CONTAINER} has no {resource} limit for the kernel to enforce."
        )
    assert quantity(limits["memory"]) == quantity(params["memory_limit"]), (
        f"Container {CONTAINER}'s memory limit is {limits['memory']}: make it "
        f"{params['memory_limit']}."
    )
    assert quantity(limits["cpu"]) == quantity(params["cpu_limit"]), (
        f"Container {CONTAINER}'s CPU limit is {limits['cpu']}: make it {params['cpu_limit']}."
    )
    pods = running_pods(cluster, deploy)
    assert pods, (
        f"No running pod of {APP}'s current revision to look inside ({rollout_summary(deploy)})."
    )
    for pod in pods[:ASKED]:
        name = pod["metadata"]["name"]
        memory = cluster.exec(name, MEMORY_LIMIT)
        assert memory.rc == 0, f"Could not read the memory limit inside pod {name}: {memory.stderr}"
        assert memory.stdout.strip() == str(int(quantity(limits["memory"]))), (
            f"Inside pod {name} the kernel's memory limit is {memory.stdout.strip()} bytes, "
            f"not the {limits['memory']} the Deployment asks for: is the pod older than the "
            "limit? (kubectl rollout restart deployment/web)"
        )
        cpu = cluster.exec(name, CPU_LIMIT)
        quota, _, period = cpu.stdout.strip().partition(" ")
        assert quota.isdigit(), (
            f"Inside pod {name} the CPU quota is {cpu.stdout.strip()!r}: no CFS quota is set."
        )
        assert period.isdigit(), f"Inside pod {name} the CFS period reads {period!r}."
        assert abs(int(quota) / int(period) - quantity(limits["cpu"])) < 0.001, (
            f"Inside pod {name} the CPU quota is {quota}/{period} µs, not {limits['cpu']} CPU."
        )
