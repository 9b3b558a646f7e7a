"""Task cache: a code change rebuilds the app without rebuilding its dependency layer."""

from typing import Any

import pytest

STEP = "install-deps"


def _is_the_step(created_by: str) -> bool:
    return STEP in created_by and "#(nop)" not in created_by


def layer_from_history(engine: Any, name: str) -> str:
    """The diff ID of the layer of the `RUN ./install-deps.sh` step, or "".

    The classic builder keeps each step's image: the step's line in `docker history` names it,
    and that image's top layer is the step's layer. Images from BuildKit or a pull have no such
    images (`<missing>`): their config, from `docker save`, says the same thing more slowly.
    """
    result = engine.run("history", "--no-trunc", "--format", "{{.ID}}|{{.CreatedBy}}", name)
    for line in result.stdout.splitlines():
        image_id, _, created_by = line.partition("|")
        if _is_the_step(created_by):
            if not image_id.startswith("sha256:"):
                return layer_from_config(engine.image_config(name) or {})
            layers = ((engine.image(image_id) or {}).get("RootFS") or {}).get("Layers") or [""]
            return str(layers[-1])
    return ""


def layer_from_config(config: dict[str, Any]) -> str:
    """The step's layer in an image config: history and diff IDs line up, empty layers aside."""
    layers = iter((config.get("rootfs") or {}).get("diff_ids") or [])
    found = ""
    for entry in config.get("history") or []:
        if not isinstance(entry, dict) or entry.get("empty_layer"):
            continue
        layer = next(layers, "")
        if _is_the_step(str(entry.get("created_by", ""))):
            found = str(layer)
    return found


@pytest.mark.task("cache")
def test_code_change_reuses_the_dependency_layer(engine):
    """app:1 and app:2 differ (the code changed) but share the layer of installed dependencies."""
    ids = {}
    for name in ("app:1", "app:2"):
        ids[name] = (engine.image(name) or {}).get("Id")
        assert ids[name], (
            f"No image {name} in the lab's engine: build app:1, change app.sh, build app:2."
        )
    assert ids["app:1"] != ids["app:2"], (
        "app:1 and app:2 are the same image: change app.sh between the two builds."
    )
    layers = {name: layer_from_history(engine, name) for name in ids}
    for name, layer in layers.items():
        assert layer, f"{name} has no layer made by a `RUN ./{STEP}.sh` step."
    assert layers["app:1"] == layers["app:2"], (
        f"The layer of `RUN ./{STEP}.sh` differs between app:1 ({layers['app:1'][:19]}) and "
        f"app:2 ({layers['app:2'][:19]}): the code change invalidated it. Copy only what that "
        "step needs before it, and the code after it."
    )
