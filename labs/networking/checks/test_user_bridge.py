"""Task user-bridge: containers on a user-defined bridge reach each other by name."""

import pytest


@pytest.mark.task("user-bridge")
def test_api_and_client_share_the_user_defined_bridge_appnet(engine):
    """Network `appnet` is a bridge network, and both `api` and `client` are attached to it."""
    appnet = engine.inspect("network", "appnet")
    assert appnet is not None, "The inner Docker engine has no network named `appnet`."
    assert appnet.get("Driver") == "bridge", (
        f"Network `appnet` uses the {appnet.get('Driver')!r} driver; create it as a bridge."
    )
    for name in ("api", "client"):
        assert "appnet" in engine.running(name).networks, (
            f"Container `{name}` is not attached to `appnet` (run it with --network appnet)."
        )


@pytest.mark.task("user-bridge")
def test_client_fetches_http_from_api_by_name(examiner):
    """From inside `client`, http://api/ answers: the name resolves and the server serves."""
    # busybox's own `timeout`, inside `client`: its `wget -T` crashes (busybox 1.35).
    out = examiner.docker("exec", "client", "timeout", "3", "wget", "-qO-", "http://api/", limit=10)
    assert out.rc == 0, (
        "From container `client`, `wget -O - http://api/` failed: "
        f"{(out.stderr.strip() or f'exit status {out.rc}')[:200]}"
    )
    assert out.stdout.strip(), "From container `client`, http://api/ answered an empty page."
