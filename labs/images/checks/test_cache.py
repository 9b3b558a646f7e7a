"""Task cache: a code change rebuilds the app without rebuilding its dependency layer."""

from typing import Any

import pytest

STEP = "install-deps"


def dependency_layer(config: dict[str, Any]) -> str:
    """The diff ID of the layer the `RUN ./install-deps.sh` step made, or "".

    History entries and layers line up once the metadata-only entries (`empty_layer`) are
    skipped.
    """
    layers = iter((config.get("rootfs") or {}).get("diff_ids") or [])
    found = ""
    for entry in config.get("history") or []:
        if not isinstance(entry, dict) or entry.get("empty_layer"):
            continue
        layer = next(layers, "")
        created_by = str(entry.get("created_by", ""))
        if STEP in created_by and "#(nop)" not in created_by:
            found = str(layer)
    return found


@pytest.mark.task("cache")
def test_code_change_reuses_the_dependency_layer(engine):
    """app:1 and app:2 differ (the code changed) but share the layer of installed dependencies."""
    configs = {}
    for name in ("app:1", "app:2"):
        configs[name] = engine.image_config(name)
        assert configs[name] is not None, (
            f"No image {name} in the lab's engine: build app:1, change app.sh, build app:2."
        )
    ids = {name: (engine.image(name) or {}).get("Id") for name in configs}
    assert ids["app:1"] != ids["app:2"], (
        "app:1 and app:2 are the same image: change app.sh between the two builds."
    )
    layers = {name: dependency_layer(config) for name, config in configs.items()}
    for name, layer in layers.items():
        assert layer, f"{name} has no layer made by a `RUN ./{STEP}.sh` step."
    assert layers["app:1"] == layers["app:2"], (
        f"The layer of `RUN ./{STEP}.sh` differs between app:1 ({layers['app:1'][:19]}) and "
        f"app:2 ({layers['app:2'][:19]}): the code change invalidated it. Copy only what that "
        "step needs before it, and the code after it."
    )
