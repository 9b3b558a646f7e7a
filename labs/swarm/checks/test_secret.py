"""Task secret: secret db_password mounted into service vault, on a tmpfs, not in its image."""

import shlex

import pytest


@pytest.mark.task("secret")
def test_vault_is_given_the_secret(swarm):
    """Secret db_password exists and service vault's spec mounts it."""
    ready_swarm = swarm.ready()
    listed = ready_swarm.docker("secret", "ls", "--format", "{{.Name}}")
    assert "db_password" in listed.stdout.split(), (
        "There is no secret db_password: `printf '%s' PASSWORD | docker secret create "
        "db_password -`."
    )
    service = ready_swarm.service("vault")
    assert service is not None, "There is no service vault."
    spec = ((service.get("Spec") or {}).get("TaskTemplate") or {}).get("ContainerSpec") or {}
    names = [s.get("SecretName") for s in spec.get("Secrets") or []]
    assert "db_password" in names, "Service vault is not given db_password: --secret db_password."


@pytest.mark.task("secret")
def test_the_secret_is_a_tmpfs_file_in_the_running_task(swarm):
    """In vault's running container, /run/secrets/db_password is a non-empty file on a tmpfs."""
    ready_swarm = swarm.ready()
    running = [t for t in ready_swarm.running("vault") if t.container and t.node]
    assert running, "No task of vault is running" + (
        f" ({why})." if (why := ready_swarm.stuck("vault")) else "."
    )
    task = running[0]
    path = "/run/secrets/db_password"
    script = f"wc -c < {path}; grep {shlex.quote(path)} /proc/mounts"
    result = ready_swarm.docker("exec", task.container, "sh", "-c", script, node=task.node)
    size = result.stdout.split("\n")[0].strip()
    assert result.rc == 0, f"vault's container on {task.node} has no {path}."
    assert size.isdigit(), f"vault's container on {task.node} cannot read {path}."
    assert int(size) > 0, f"{path} in vault's container on {task.node} is empty."
    assert " tmpfs " in result.stdout, f"{path} in vault's container is not on a tmpfs."
