"""Task registry: an image pushed to a local registry, removed, and pulled back by digest."""

import json
import re
import shlex

import pytest

REGISTRY = "http://127.0.0.1:5000"
REPOSITORY = "lab/greeter"
NAME = f"localhost:5000/{REPOSITORY}"
MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def get(examiner, path, *, headers=False):
    """GET a registry API path from the target: (status, headers + body or body)."""
    flag = "-i " if headers else ""
    result = examiner.net(
        f"curl -s -m 3 {flag}-H {shlex.quote('Accept: ' + MANIFEST_V2)} "
        f"-w '\\n%{{http_code}}' {shlex.quote(REGISTRY + path)}"
    )
    text, _, status = result.stdout.rpartition("\n")
    return (int(status) if status.strip().isdigit() else 0), text


def manifest(examiner):
    """The registry's manifest of lab/greeter:1: (digest, config digest), or ("", "")."""
    status, text = get(examiner, f"/v2/{REPOSITORY}/manifests/1", headers=True)
    if status != 200:
        return "", ""
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    digest = next(
        (
            line.split(":", 1)[1].strip()
            for line in head.splitlines()
            if line.lower().startswith("docker-content-digest:")
        ),
        "",
    )
    try:
        config = json.loads(body).get("config", {}).get("digest", "")
    except (ValueError, AttributeError):
        config = ""
    return (digest if DIGEST.match(digest) else ""), str(config)


@pytest.mark.task("registry")
def test_registry_answers_without_login(examiner):
    """A registry answers the distribution API on 127.0.0.1:5000, without authentication."""
    status, _ = get(examiner, "/v2/")
    assert status == 200, (
        f"GET {REGISTRY}/v2/ answered {status or 'nothing'}: no registry runs there "
        "(or it asks for a login; the guide's config has no auth section)."
    )


@pytest.mark.task("registry")
def test_registry_holds_the_pushed_image(examiner):
    """The registry lists lab/greeter with tag 1 and serves its manifest."""
    status, body = get(examiner, "/v2/_catalog")
    assert status == 200, f"GET {REGISTRY}/v2/_catalog answered {status or 'nothing'}."
    assert f'"{REPOSITORY}"' in body, f"The registry's catalog has no {REPOSITORY}: push {NAME}:1."
    digest, _ = manifest(examiner)
    assert digest, f"The registry serves no manifest for {REPOSITORY}:1: push {NAME}:1."


@pytest.mark.task("registry")
def test_image_was_pulled_back_by_digest(engine, examiner):
    """The engine holds lab/greeter by the registry's digest only: removed, then pulled by it."""
    digest, config = manifest(examiner)
    assert digest, f"The registry serves no manifest for {REPOSITORY}:1: push {NAME}:1 first."
    image = engine.image(f"{NAME}@{digest}")
    assert image is not None, (
        f"The lab's engine has no image {NAME}@{digest[:19]}...: pull it back by digest."
    )
    assert image.get("Id") == config, (
        f"The local {NAME}@{digest[:19]}... is not the image the registry holds."
    )
    assert f"{NAME}:1" not in (image.get("RepoTags") or []), (
        f"{NAME}:1 is still tagged locally, so it was never pulled back by digest: "
        f"`docker rmi {NAME}:1`, then `docker pull {NAME}@{digest}`."
    )
