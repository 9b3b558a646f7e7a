"""Start one class container from an image already built, with the lab's run options.

`environments.start` rebuilds (a cache hit, but a build call per learner) and passes
`systempaths=unconfined` to the Docker API as a security option, which the API refuses: that
option is the docker CLI's spelling of empty MaskedPaths and ReadonlyPaths in the host config.
This module sets those two directly, so privileged labs start here; once `environments.start`
does the same (and takes a prebuilt tag), `fleet` can call it instead.
"""

from __future__ import annotations

from collections.abc import Mapping

from checker import environments
from checker.manifest import Lab

_SYSTEMPATHS = "systempaths=unconfined"


def start_container(lab: Lab, name: str, *, environment: Mapping[str, str],
                    labels: Mapping[str, str]) -> str:
    """Replace any container of that name by a fresh one of the lab's image; return its spec."""
    environments.remove(name)
    options = environments.run_options(lab)
    security = list(options.pop("security_opt") or [])
    unconfined = _SYSTEMPATHS in security
    security = [option for option in security if option != _SYSTEMPATHS]
    api = environments.client().api
    host_config = api.create_host_config(security_opt=security or None, **options)
    if unconfined:
        # What `docker run --security-opt systempaths=unconfined` sends: nothing masked in /proc
        # and /sys, nothing read-only there (namespaces and cgroups labs need both).
        host_config["MaskedPaths"] = []
        host_config["ReadonlyPaths"] = []
    created = api.create_container(
        environments.image_tag(lab), name=name, hostname=name[:63], detach=True,
        environment=dict(environment), labels={environments.LABEL: lab.id, **labels},
        host_config=host_config)
    api.start(created["Id"])
    return f"docker://{name}"
