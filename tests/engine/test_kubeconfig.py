"""Kubeconfigs read as kubectl reads them, and the pod shell's choice between the API and kubectl.

The certificates are real (made by openssl here), so the TLS contexts are really loaded.
"""

import base64
import ssl
import subprocess
from pathlib import Path

import pytest
import yaml

from checker.engine.kubeconfig import Unsupported, api_access
from checker.engine.shells import KubectlShell, shell_for
from checker.spec import parse_spec


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed CA and a client certificate and key, as PEM files."""
    folder = tmp_path_factory.mktemp("pki")
    for name in ("ca", "client"):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
             f"/CN={name}", "-keyout", folder / f"{name}.key", "-out", folder / f"{name}.crt"],
            check=True, capture_output=True,
        )  # fmt: skip
    return folder


def data(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def write(path: Path, contexts: dict, clusters: dict, users: dict, current: str = "") -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": current,
        "clusters": [{"name": n, "cluster": c} for n, c in clusters.items()],
        "users": [{"name": n, "user": u} for n, u in users.items()],
        "contexts": [{"name": n, "context": c} for n, c in contexts.items()],
    }
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(autouse=True)
def no_proxy_no_kubeconfig(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "KUBECONFIG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("K2C_KUBE_EXEC", raising=False)


def test_inline_certificates_and_the_context_s_namespace(pki: Path, tmp_path: Path):
    path = write(
        tmp_path / "config",
        {"admin": {"cluster": "k", "user": "admin", "namespace": "class"}},
        {"k": {"server": "https://127.0.0.1:6443",
               "certificate-authority-data": data(pki / "ca.crt")}},
        {"admin": {"client-certificate-data": data(pki / "client.crt"),
                   "client-key-data": data(pki / "client.key")}},
        current="admin",
    )  # fmt: skip
    access = api_access(str(path), None)
    assert (access.host, access.port, access.prefix, access.namespace) == (
        "127.0.0.1", 6443, "", "class",
    )  # fmt: skip
    assert access.tls is not None
    assert access.tls.verify_mode == ssl.CERT_REQUIRED
    assert access.tls.check_hostname
    assert [c["subject"] for c in access.tls.get_ca_certs()] == [((("commonName", "ca"),),)]
    assert access.authorization() is None


def test_files_are_relative_to_their_kubeconfig_and_tokens_are_read_afresh(
    pki: Path, tmp_path: Path
):
    (tmp_path / "token").write_text("first\n")
    path = write(
        tmp_path / "config",
        {"dev": {"cluster": "k", "user": "dev"}},
        {"k": {"server": "https://api.example:8443/base/", "certificate-authority":
               str(pki / "ca.crt"), "tls-server-name": "kubernetes"}},
        {"dev": {"tokenFile": "token", "token": "ignored: the file wins"}},
    )  # fmt: skip
    access = api_access(str(path), "dev")
    assert (access.host, access.port, access.prefix) == ("api.example", 8443, "/base")
    assert (access.server_name, access.namespace) == ("kubernetes", "default")
    assert access.authorization() == "Bearer first"
    (tmp_path / "token").write_text("second\n")
    assert access.authorization() == "Bearer second"


def test_insecure_clusters_and_plain_tokens(tmp_path: Path):
    path = write(
        tmp_path / "config",
        {"c": {"cluster": "k", "user": "u"}},
        {"k": {"server": "https://10.0.0.1", "insecure-skip-tls-verify": True}},
        {"u": {"token": "abc"}},
        current="c",
    )
    access = api_access(str(path), None)
    assert access.port == 443
    assert access.tls is not None
    assert access.tls.verify_mode == ssl.CERT_NONE
    assert access.authorization() == "Bearer abc"


def test_kubeconfig_files_merge_the_first_naming_a_thing_winning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    first = write(
        tmp_path / "a", {"c": {"cluster": "k", "user": "u"}},
        {"k": {"server": "http://first:8080"}}, {"u": {}}, current="c",
    )  # fmt: skip
    second = write(
        tmp_path / "b", {"c": {"cluster": "k", "user": "u"}, "other": {"cluster": "k2"}},
        {"k": {"server": "http://second:8080"}, "k2": {"server": "http://third:8080"}}, {},
        current="other",
    )  # fmt: skip
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}:{first}:{second}")
    assert api_access(None, None).host == "first"
    assert api_access(None, "other").host == "third"
    assert api_access(None, "c").tls is None  # plain http


@pytest.mark.parametrize(
    ("user", "cluster", "why"),
    [
        ({"exec": {"command": "aws"}}, {}, "exec credential plugin"),
        ({"auth-provider": {"name": "oidc"}}, {}, "auth-provider"),
        ({"username": "a", "password": "b"}, {}, "user name and password"),
        ({"as": "someone"}, {}, "impersonation"),
        ({}, {"proxy-url": "socks5://jump:1080"}, "proxy"),
        ({"client-certificate-data": "bm90IGEgY2VydA=="}, {}, "not both"),
    ],
)
def test_what_kubectl_must_do(tmp_path: Path, user: dict, cluster: dict, why: str):
    path = write(
        tmp_path / "config",
        {"c": {"cluster": "k", "user": "u"}},
        {"k": {"server": "https://127.0.0.1:6443", "insecure-skip-tls-verify": True, **cluster}},
        {"u": user},
        current="c",
    )
    with pytest.raises(Unsupported, match=why):
        api_access(str(path), None)


def test_a_proxy_in_the_environment_is_kubectl_s_unless_the_server_is_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy:3128")
    for server, proxied in (("https://127.0.0.1:6443", False), ("https://api.school:6443", True)):
        path = write(
            tmp_path / "config", {"c": {"cluster": "k"}},
            {"k": {"server": server, "insecure-skip-tls-verify": True}}, {}, current="c",
        )  # fmt: skip
        if proxied:
            with pytest.raises(Unsupported, match=r"proxy for api\.school"):
                api_access(str(path), None)
        else:
            assert api_access(str(path), None).host == "127.0.0.1"


def test_missing_kubeconfigs_and_contexts_are_kubectl_s_to_explain(tmp_path: Path):
    with pytest.raises(Unsupported, match="no kubeconfig"):
        api_access(str(tmp_path / "none"), None)
    path = write(tmp_path / "config", {}, {}, {})
    with pytest.raises(Unsupported, match="'nope' is not in"):
        api_access(str(path), "nope")
    (tmp_path / "broken").write_text("clusters: [\n")
    with pytest.raises(Unsupported, match="cannot be read"):
        api_access(str(tmp_path / "broken"), None)


def test_the_pod_shell_takes_the_api_path_when_it_can(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = write(
        tmp_path / "config", {"c": {"cluster": "k", "user": "u", "namespace": "ctx"}},
        {"k": {"server": "https://127.0.0.1:6443", "insecure-skip-tls-verify": True}},
        {"u": {"token": "t"}}, current="c",
    )  # fmt: skip
    spec = f"kubectl://web-0?namespace=lab&kubeconfig={path}"
    shell = shell_for(parse_spec(spec).primary)
    assert isinstance(shell, KubectlShell)
    assert shell.api is not None
    assert shell.fallback == ""
    assert (shell.namespace, shell.api.namespace) == ("lab", "ctx")

    monkeypatch.setenv("K2C_KUBE_EXEC", "kubectl")
    forced = shell_for(parse_spec(spec).primary)
    assert isinstance(forced, KubectlShell)
    assert forced.api is None
    assert forced.fallback == "K2C_KUBE_EXEC=kubectl"
    monkeypatch.delenv("K2C_KUBE_EXEC")

    plugin = write(
        tmp_path / "plugin", {"c": {"cluster": "k", "user": "u"}},
        {"k": {"server": "https://127.0.0.1:6443"}}, {"u": {"exec": {"command": "x"}}},
        current="c",
    )  # fmt: skip
    fallback = shell_for(parse_spec(f"kubectl://web-0?kubeconfig={plugin}").primary)
    assert isinstance(fallback, KubectlShell)
    assert fallback.api is None
    assert "exec credential plugin" in fallback.fallback
    assert fallback.argv()[:3] == ["kubectl", f"--kubeconfig={plugin}", "exec"]
