import pytest


def _read(host, path):
    # Bytes decoded leniently, as a careful check would: the file may hold anything.
    return host.run("cat %s", path).stdout_bytes.decode("utf-8", "surrogateescape")


@pytest.mark.task("banner")
def test_banner_says_hello(host):
    text = _read(host, "/srv/banner")
    assert text.strip() == "hello", f"{text}\n(is what /srv/banner says; expected hello)"


@pytest.mark.task("motto")
def test_motto(host):
    text = _read(host, "/srv/motto")
    assert text.strip() == "k2c", f"{text}\n(is what /srv/motto says; expected k2c)"
