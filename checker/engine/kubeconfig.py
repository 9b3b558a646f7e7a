"""Read a kubeconfig as kubectl does, for a client that talks to the API server itself.

`api_access` resolves the context (the spec's, else the current one), its cluster and user into
what one HTTPS connection needs: the server's address, a TLS context (certificate authority, file
or data, or none at all when the cluster says insecure-skip-tls-verify; the client certificate and
key, file or data) and a bearer token (``token`` or ``tokenFile``, re-read at every connection),
with the context's namespace. Relative file names are relative to the kubeconfig that names them;
``$KUBECONFIG`` lists files merged as kubectl merges them (the first to name a thing wins).

What a small client should not reimplement raises `Unsupported`, and kubectl does the work:
credential plugins (``exec``, ``auth-provider``), user name and password, impersonation, a proxy
(``proxy-url`` or the environment's for that server), and any kubeconfig kubectl itself would
have to explain (missing, unreadable, naming a context or cluster it lacks).
"""

from __future__ import annotations

import base64
import functools
import ipaddress
import os
import ssl
import tempfile
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

_PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
)


class Unsupported(Exception):
    """A kubeconfig that needs kubectl (the message says why)."""


@dataclass(frozen=True)
class ApiAccess:
    """How to reach one context's API server: address, TLS, credentials, default namespace."""

    host: str
    port: int
    prefix: str  # the server URL's path, if any, before /api
    tls: ssl.SSLContext | None  # None: plain http
    server_name: str | None  # the name the server's certificate is checked against
    namespace: str  # the context's, or "default"
    token: str | None = None
    token_file: str | None = None

    @property
    def netloc(self) -> str:
        """``host:port`` as the Host header spells it (IPv6 in brackets)."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def authorization(self) -> str | None:
        """The Authorization header's value, if the user has a token (the file read now).

        Raises:
            OSError: the token file cannot be read.
        """
        if self.token_file:
            return "Bearer " + Path(self.token_file).read_text(encoding="utf-8").strip()
        return f"Bearer {self.token}" if self.token else None


def kubeconfig_files(kubeconfig: str | None) -> tuple[str, ...]:
    """The files kubectl reads: the one named, else ``$KUBECONFIG``'s, else ``~/.kube/config``."""
    if kubeconfig:
        return (str(Path(kubeconfig).expanduser()),)
    listed = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    return tuple(listed) if listed else (str(Path.home() / ".kube" / "config"),)


def api_access(kubeconfig: str | None, context: str | None) -> ApiAccess:
    """Resolve a context of a kubeconfig (``None``: the current one) into an `ApiAccess`.

    Cached per files (and their modification times), context and proxy settings: a class of
    pods sharing one kubeconfig builds one TLS context.

    Raises:
        Unsupported: kubectl must do it (see the module's docstring).
    """
    files = kubeconfig_files(kubeconfig)
    stamps = []
    for name in files:
        try:
            info = Path(name).stat()
        except OSError:
            stamps.append((0, -1))
        else:
            stamps.append((info.st_mtime_ns, info.st_size))
    proxies = tuple(os.environ.get(variable, "") for variable in _PROXY_VARIABLES)
    return _cached(files, tuple(stamps), context, proxies)


@functools.lru_cache(maxsize=32)
def _cached(
    files: tuple[str, ...], _stamps: tuple[Any, ...], context: str | None, _proxies: tuple[str, ...]
) -> ApiAccess:
    return resolve(_merge(files), context)


def _merge(files: tuple[str, ...]) -> dict[str, Any]:
    """Merge kubeconfig files as kubectl does.

    Each named cluster, user and context comes from the first file naming it (with that file's
    folder, for relative paths); the current context from the first file that sets one.
    """
    merged: dict[str, Any] = {"clusters": {}, "users": {}, "contexts": {}, "current-context": ""}
    found = False
    for name in files:
        path = Path(name)
        try:
            config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            continue
        except (OSError, yaml.YAMLError) as exc:
            raise Unsupported(f"kubeconfig {name} cannot be read: {exc}") from None
        if not isinstance(config, dict):
            raise Unsupported(f"kubeconfig {name} is not a kubeconfig")
        found = True
        merged["current-context"] = merged["current-context"] or config.get("current-context")
        for kind, key in (("clusters", "cluster"), ("users", "user"), ("contexts", "context")):
            for entry in config.get(kind) or ():
                if isinstance(entry, dict) and isinstance(entry.get(key), dict):
                    merged[kind].setdefault(entry.get("name"), (entry[key], path.parent))
    if not found:
        raise Unsupported(f"no kubeconfig at {', '.join(files)}")
    return merged


def resolve(merged: Mapping[str, Any], context: str | None) -> ApiAccess:
    """An `ApiAccess` from merged kubeconfig entries (see `_merge`).

    Raises:
        Unsupported: kubectl must do it.
    """
    name = context or merged["current-context"]
    if not name or name not in merged["contexts"]:
        raise Unsupported(f"context {name!r} is not in the kubeconfig" if name else "no context")
    entry, _ = merged["contexts"][name]
    if entry.get("cluster") not in merged["clusters"]:
        raise Unsupported(f"context {name!r} names no cluster the kubeconfig has")
    cluster, cluster_dir = merged["clusters"][entry["cluster"]]
    user, user_dir = merged["users"].get(entry.get("user"), ({}, Path()))
    for key, what in (
        ("exec", "an exec credential plugin"),
        ("auth-provider", "an auth-provider"),
        ("username", "a user name and password"),
        ("as", "impersonation"),
    ):
        if user.get(key):
            raise Unsupported(f"the user of context {name!r} needs {what}")
    server = urlsplit(str(cluster.get("server") or ""))
    if server.scheme not in ("https", "http") or not server.hostname:
        raise Unsupported(f"the cluster of context {name!r} has no server URL kubectl's way")
    if cluster.get("proxy-url"):
        raise Unsupported(f"the cluster of context {name!r} is reached through a proxy")
    if _proxied(server.scheme, server.hostname):
        raise Unsupported(f"the environment names a proxy for {server.hostname}")
    tls = None
    if server.scheme == "https":
        tls = _tls(cluster, cluster_dir, user, user_dir)
    token_file = user.get("tokenFile")
    return ApiAccess(
        host=server.hostname,
        port=server.port or (443 if server.scheme == "https" else 80),
        prefix=server.path.rstrip("/"),
        tls=tls,
        server_name=cluster.get("tls-server-name") or server.hostname,
        namespace=str(entry.get("namespace") or "default"),
        token=user.get("token"),
        token_file=str(user_dir / token_file) if token_file else None,
    )


def _proxied(scheme: str, host: str) -> bool:
    """True when kubectl would reach ``host`` through a proxy the environment names."""
    proxies = urllib.request.getproxies_environment()
    if scheme not in proxies:
        return False
    try:
        if ipaddress.ip_address(host).is_loopback:
            return False
    except ValueError:
        if host == "localhost":
            return False
    return not urllib.request.proxy_bypass(host)


def _tls(
    cluster: Mapping[str, Any], cluster_dir: Path, user: Mapping[str, Any], user_dir: Path
) -> ssl.SSLContext:
    """The TLS context of a cluster and user: whom to trust, and the client certificate."""
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        if cluster.get("insecure-skip-tls-verify"):
            tls.check_hostname = False
            tls.verify_mode = ssl.CERT_NONE
        elif cluster.get("certificate-authority-data"):
            pem = base64.b64decode(cluster["certificate-authority-data"]).decode()
            tls.load_verify_locations(cadata=pem)
        elif cluster.get("certificate-authority"):
            tls.load_verify_locations(cafile=str(cluster_dir / cluster["certificate-authority"]))
        else:
            tls.load_default_certs()
        cert = _pem(user, "client-certificate", user_dir)
        key = _pem(user, "client-key", user_dir)
        if cert or key:
            if not (cert and key):
                raise Unsupported("the user has a client certificate or key, not both")
            _load_chain(tls, cert, key)
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError; bad base64 a ValueError
        raise Unsupported(f"the kubeconfig's certificates cannot be loaded: {exc}") from None
    return tls


def _pem(user: Mapping[str, Any], key: str, folder: Path) -> bytes | None:
    """A client certificate or key: its ``-data`` (base64 PEM), else the file it names."""
    if user.get(f"{key}-data"):
        return base64.b64decode(user[f"{key}-data"])
    if user.get(key):
        return (folder / user[key]).read_bytes()
    return None


def _load_chain(tls: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    """Load a certificate and key given as bytes (Python's ssl reads them only from files)."""
    with tempfile.TemporaryDirectory(prefix="k2c-kube-") as folder:  # mode 0700
        cert_file, key_file = Path(folder, "cert.pem"), Path(folder, "key.pem")
        key_file.touch(mode=0o600)
        key_file.write_bytes(key)
        cert_file.write_bytes(cert)
        tls.load_cert_chain(cert_file, key_file)
