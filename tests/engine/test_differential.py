"""Differential test: testinfra's modules answer the same through both engines.

The same container is asked the same questions through testinfra's own docker backend (one
``docker exec`` per command) and through the engine (one persistent session); every answer, or
the exception raised instead, must be identical.
"""

from collections.abc import Callable
from typing import Any

import pytest
import testinfra

from checker.engine import open_host
from checker.spec import parse_spec

pytestmark = pytest.mark.docker

Probe = Callable[[Any], Any]


def _process(p: Any) -> tuple[Any, ...]:
    return (p.pid, p.ppid, p.user, p.comm, p.args)


PROBES: dict[str, Probe] = {
    # file
    "file.exists": lambda h: [h.file(p).exists for p in ("/etc/passwd", "/nope", "/run/sshd")],
    "file.kinds": lambda h: [
        (f.is_file, f.is_directory, f.is_symlink, f.is_pipe, f.is_socket, f.is_executable)
        for f in (h.file("/etc/passwd"), h.file("/etc"), h.file("/bin"), h.file("/usr/bin/id"))
    ],
    "file.meta": lambda h: [
        (f.user, f.group, f.uid, f.gid, f.mode, f.size, f.mtime)
        for f in (h.file("/etc/shadow"), h.file("/home/learner"))
    ],
    "file.link": lambda h: (h.file("/bin").linked_to, h.file("/etc/os-release").linked_to),
    "file.content": lambda h: (
        h.file("/etc/hostname").content_string,
        h.file("/etc/passwd").content,
        h.file("/etc/passwd").contains("^learner:"),
        h.file("/etc/passwd").sha256sum,
        h.file("/etc/passwd").md5sum,
    ),
    "file.listdir": lambda h: sorted(h.file("/etc/ssh").listdir()),
    "file.missing_content": lambda h: h.file("/nope").content_string,
    # command
    "command": lambda h: [
        (r.rc, r.stdout, r.stderr)
        for r in (
            h.run("id"),
            h.run("ls /nope"),
            h.run("printf 'a\\0b'"),
            h.command("echo %s", "a b;c"),
        )
    ],
    "command.exists": lambda h: [h.exists(c) for c in ("sshd", "ip", "ss", "nope")],
    "find_command": lambda h: h.find_command("sshd"),
    "check_output": lambda h: h.check_output("uname -r"),
    "check_output.fails": lambda h: h.check_output("false"),
    # user and group
    "user": lambda h: [
        (u.exists, u.name, u.uid, u.gid, u.group, sorted(u.groups), u.home, u.shell, u.password)
        for u in (h.user("root"), h.user("learner"))
    ],
    "user.missing": lambda h: h.user("nobody-here").exists,
    "user.current": lambda h: h.user().name,
    "group": lambda h: [
        (g.exists, g.gid, sorted(g.members)) for g in (h.group("graders"), h.group("root"))
    ],
    "group.missing": lambda h: h.group("nope").exists,
    # process (sshd is the container's main process)
    "process.filter": lambda h: sorted(_process(p) for p in h.process.filter(comm="sshd")),
    "process.get": lambda h: _process(h.process.get(pid=1)),
    # socket
    "socket": lambda h: (
        h.socket("tcp://0.0.0.0:22").is_listening,
        h.socket("tcp://0.0.0.0:2222").is_listening,
        h.socket("tcp://22").is_listening,
    ),
    "socket.listening": lambda h: sorted(h.socket.get_listening_sockets()),
    # package
    "package": lambda h: [
        (p.is_installed, p.version) for p in (h.package("openssh-server"), h.package("sudo"))
    ],
    "package.missing": lambda h: h.package("no-such-package").is_installed,
    # interface
    "interface": lambda h: (
        sorted(h.interface.names()),
        h.interface("lo").exists,
        sorted(h.interface("lo").addresses),
        sorted(h.interface("eth0").addresses),
        h.interface("nope").exists,
    ),
    "interface.default": lambda h: h.interface.default().name,
    # sysctl
    "sysctl": lambda h: (
        h.sysctl("kernel.ostype"),
        h.sysctl("net.ipv4.ip_forward"),
        h.sysctl("kernel.pid_max"),
    ),
    # mount_point
    "mount_point": lambda h: (
        h.mount_point("/").exists,
        h.mount_point("/").filesystem,
        h.mount_point("/proc").filesystem,
        h.mount_point("/nope").exists,
    ),
    "mount_point.all": lambda h: sorted(m.path for m in h.mount_point.get_mountpoints()),
    # service (no systemd here: the SysV implementation, through /usr/sbin/service)
    "service": lambda h: (h.service("ssh").is_running, h.service("ssh").is_enabled),
    "service.missing": lambda h: h.service("nope").is_running,
    # system_info
    "system_info": lambda h: (
        h.system_info.type,
        h.system_info.distribution,
        h.system_info.release,
        h.system_info.codename,
        h.system_info.arch,
    ),
}


def _answer(host: Any, probe: Probe) -> tuple[str, Any]:
    """What the probe returns, or the type and text of what it raises."""
    try:
        return "value", probe(host)
    except Exception as exc:  # the exception is part of the answer
        return type(exc).__name__, str(exc).replace(repr(host.backend), "<backend>")


@pytest.fixture(scope="module")
def both(container):
    """The same container through testinfra's docker backend and through the engine."""
    engine = open_host(parse_spec(container.spec))
    yield testinfra.get_host(container.spec), engine
    engine.backend.close()


@pytest.mark.parametrize("name", PROBES)
def test_both_engines_give_the_same_answer(both, name):
    stock, engine = both
    expected = _answer(stock, PROBES[name])
    assert _answer(engine, PROBES[name]) == expected
    assert expected[0] == "value" or name.endswith(("fails", "missing_content"))
