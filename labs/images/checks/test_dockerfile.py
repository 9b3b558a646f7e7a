"""Task dockerfile: a small web service built from a Dockerfile and running."""

import pytest


@pytest.mark.task("dockerfile")
def test_hello_image_adds_layers_to_the_base(engine):
    """hello:1 is built from a Dockerfile: the base's layers plus some of its own, and a CMD."""
    image = engine.image("hello:1")
    assert image is not None, "No image hello:1 in the lab's engine (docker image ls)."
    base = engine.image(engine.base) or {}
    layers = (image.get("RootFS") or {}).get("Layers") or []
    base_layers = (base.get("RootFS") or {}).get("Layers") or []
    assert len(layers) > len(base_layers), (
        f"hello:1 has {len(layers)} layer(s), no more than {engine.base}: "
        "its Dockerfile should COPY the page in, which adds a layer."
    )
    assert (image.get("Config") or {}).get("Cmd"), "hello:1 has no CMD to start the server."


@pytest.mark.task("dockerfile")
def test_hello_container_answers_http(engine):
    """A container named hello, running hello:1, answers HTTP with a page."""
    url, problem = engine.serving("hello", "hello:1")
    assert not problem, problem
    status, body = engine.http_get(url)
    assert status == 200, f"GET {url} answered {status or 'nothing'}, expected 200 and a page."
    assert body.strip(), f"GET {url} answered 200 with an empty page."
