"""Task registry: web:1 and web:2 built from /root/web and pushed to the lab's registry."""

import pytest
from conftest import REGISTRY, parse_json


@pytest.mark.task("registry")
def test_the_registry_holds_both_versions_of_web(swarm):
    """registry:5000 answers the distribution API and lists web with tags 1 and 2."""
    status, _ = swarm.get("registry", 5000, "/v2/")
    assert status == 200, (
        f"The registry at {REGISTRY} does not answer (HTTP {status or 'nothing'}): its node is "
        f"container {swarm.container_of('registry')} on your machine; `docker start` it."
    )
    status, body = swarm.get("registry", 5000, "/v2/web/tags/list")
    found = parse_json(body) if status == 200 else None
    tags = set(found.get("tags") or []) if isinstance(found, dict) else set()
    missing = sorted({"1", "2"} - tags)
    assert not missing, (
        f"The registry holds web with tags {sorted(tags) or 'none'}: build /root/web as "
        f"{REGISTRY}/web:{missing[0]} and `docker push` it."
    )


@pytest.mark.task("registry")
def test_the_pushed_versions_serve_their_version(swarm):
    """web:2 was built with VERSION=2: the registry's two tags are two different images."""
    digests = {}
    for tag in ("1", "2"):
        headers = swarm.headers(
            "registry",
            5000,
            f"/v2/web/manifests/{tag}",
            "Accept: application/vnd.docker.distribution.manifest.v2+json",
        )
        digests[tag] = next(
            (
                line.split(":", 1)[1].strip()
                for line in headers.splitlines()
                if line.lower().startswith("docker-content-digest:")
            ),
            "",
        )
    assert digests["1"], "The registry serves no manifest for web:1."
    assert digests["2"], "The registry serves no manifest for web:2."
    assert digests["1"] != digests["2"], (
        "web:1 and web:2 in the registry are the same image: build web:2 with "
        "--build-arg VERSION=2 and push it again."
    )
