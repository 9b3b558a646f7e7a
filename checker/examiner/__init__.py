"""The examiner: what a check asks for to see the learner's environment, from inside or outside.

A check asks for the ``examiner`` fixture and speaks of the environment through it::

    @pytest.mark.task("veth-pair")
    def test_the_file_names_the_peer(examiner):
        name = examiner.read("/root/veth.txt")          # the learner's file
        link = examiner.ip("-j", "link", "show", name)  # `ip` in the environment's network

The same check runs two ways, with the same verdict:

- **outside** (``lab grade`` on a Docker environment): every command runs in the examiner
  container (`checker.examiner.container`), on the Docker host, with the grader's own tools.
  The learner's files are read through ``/proc/PID/root``, the environment's network and UTS
  namespaces are entered with ``nsenter`` (the examiner's own binaries, its own mount and PID
  namespaces, invisible from the environment), its named network namespaces through their
  ``nsfs`` files, its inner Docker engine through its socket with the examiner's docker client.
  Nothing the learner installed, shadowed or replaced is run.
- **inside** (``lab check``, and any ssh, local or kubectl target): the same helpers run in the
  learner's own shell, as a learner would type them. Over ssh the tools are first verified
  (`verify_tools`): a fixed PATH and the package manager's checksums; failures are flagged.

PIDs are always this examiner's: ``examiner.init`` is the environment's first process
(``1`` inside), ``examiner.pids()`` lists the environment's processes, and
``examiner.pid(n)`` turns a PID as the environment names it (``docker inspect``'s
``State.Pid`` of an inner container) into one this examiner's ``/proc`` knows.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

VANTAGES = ("inside", "outside")
# Where the examiner container mounts every cgroup hierarchy of the host, read-only.
CGROUP_TOP = "/run/k2c/cgroup"
# The one PATH commands get on targets whose tools must be trusted without an examiner.
FIXED_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
_NSPID = re.compile(r"^NSpid:\s+(.*)$", re.M)


@dataclass(frozen=True)
class Place:
    """Where an environment is, as the examiner container sees it (outside only)."""

    init: int  # host PID of the environment's first process
    cgroup: str  # the environment's cgroup path below each hierarchy's root ("/docker/ID")
    v2: bool  # the host runs the unified cgroup hierarchy


@dataclass
class Examiner:
    """The learner's environment, seen from inside it or examined from outside.

    Attributes:
        host: the testinfra Host whose shell runs every command (the examiner container's
            outside, the learner's own inside).
        spec: the environment's target spec.
        vantage: ``outside`` (the grader's tools, out of the learner's reach) or ``inside``.
        place: where the environment is, outside.
        flags: integrity problems found on the way (tools that failed verification).
    """

    host: Any
    spec: str
    vantage: str = "inside"
    place: Place | None = None
    flags: list[str] = field(default_factory=list)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def outside(self) -> bool:
        """True when the verdicts come from outside the learner's reach."""
        return self.vantage == "outside"

    @property
    def init(self) -> int:
        """PID of the environment's first process, in this examiner's numbering."""
        return self.place.init if self.place else 1

    @property
    def root(self) -> str:
        """Prefix that turns a path of the environment into one this examiner can open."""
        return f"/proc/{self.init}/root" if self.place else ""

    def node(self, name: str) -> Examiner | None:
        """The examiner of another container of the same environment (a node), or None inside.

        Outside, the same examiner shell looks at container ``name`` (its place read from the
        Docker engine, as this one's); inside there is none: the learner's shell reaches other
        nodes over the environment's network.

        Raises:
            checker.examiner.container.ExaminerUnavailable: that container does not run.
        """
        if self.place is None:
            return None
        from checker.examiner import container

        return Examiner(self.host, f"docker://{name}", self.vantage, container.place(name))

    # Files -------------------------------------------------------------------------------

    def path(self, path: str) -> str:
        """The learner's file ``path`` (absolute, as the environment names it), reachable here.

        Outside, absolute symlinks inside the learner's tree resolve in the examiner's own
        root: a learner's symlink can make a check read the examiner's file, never run it.
        """
        if not path.startswith("/"):
            raise ValueError(f"an environment's path must be absolute: {path!r}")
        return self.root + path

    def read(self, path: str, limit: int = 1 << 22) -> str | None:
        """Text of the learner's regular file ``path`` (at most ``limit`` bytes), or None.

        A FIFO, a device or a directory planted there reads as None: it can neither hang the
        examiner nor pass for a file.
        """
        result = self.run(
            f"test -f %s && head -c {int(limit)} %s", self.path(path), self.path(path)
        )
        return result.stdout if result.rc == 0 else None

    def exists(self, path: str, kind: str = "e") -> bool:
        """Whether ``path`` exists in the environment (``kind``: test(1)'s e, d, f, x...)."""
        return self.run(f"test -{kind} %s", self.path(path)).rc == 0

    # Commands ----------------------------------------------------------------------------

    def run(self, command: str, *args: str, **kwargs: Any) -> Any:
        """Run a command with this examiner's tools in its own namespaces (files, /proc).

        ``command`` is a shell command; ``%s`` placeholders take ``args``, quoted.
        """
        if self.vantage == "inside" and self._fixed_path:
            command = f"PATH={FIXED_PATH}; " + command
        return self.host.run(command, *args, **kwargs)

    def check_output(self, command: str, *args: str) -> str:
        """Run like :meth:`run`; return stripped stdout, failing the check on a non-zero exit."""
        result = self.run(command, *args)
        assert result.rc == 0, f"`{result.command}` exited {result.rc}: {result.stderr[:200]}"
        return str(result.stdout).strip()

    def net(self, command: str, *args: str, **kwargs: Any) -> Any:
        """Run a command in the environment's network and UTS namespaces (its ``ip``, ping...)."""
        if self.place is None:
            return self.run(command, *args, **kwargs)
        inner = self.host.backend.get_command(command, *args)
        return self.host.run("nsenter -t %s -n -u -- sh -c %s", str(self.init), inner, **kwargs)

    def ip(self, *args: str) -> Any:
        """Run ``ip ARGS`` in the environment's network namespace, seeing its named ones.

        ``ip netns list``, ``ip -n red ...`` and ``ip netns list-id`` name the learner's network
        namespaces, outside too: each of /run/netns is bound (an nsfs file may be bound across
        mount namespaces) into a private mount namespace of the examiner's.
        """
        command = "ip " + " ".join(shlex.quote(arg) for arg in args)
        if self.place is None:
            return self.run(command)
        theirs = self.path("/run/netns")
        bind = (
            f'for f in {theirs}/*; do [ -e "$f" ] || continue; n=${{f##*/}}; '
            ': > "/run/netns/$n" && mount -c --bind "$f" "/run/netns/$n"; done; '
        )
        script = f"mount -t tmpfs none /run/netns && {bind}exec {command}"
        return self.host.run(
            "nsenter -t %s -n -- unshare -m --propagation private sh -c %s",
            str(self.init),
            script,
        )

    def in_netns(self, name: str, command: str) -> Any:
        """Run a shell command inside the learner's named network namespace ``name``."""
        return self.run("nsenter --net=%s -- sh -c %s", self.path(f"/run/netns/{name}"), command)

    def in_namespaces(self, pid: int, flags: str, command: str) -> Any:
        """Run a shell command in some namespaces of process ``pid`` (``flags``: ``-n -u``...).

        The command is still this examiner's: only the namespaces named by ``flags`` change.
        """
        return self.run(f"nsenter -t %s {flags} -- sh -c %s", str(pid), command)

    def docker(self, *args: str, limit: float | None = None) -> Any:
        """Run ``docker ARGS`` against the environment's own (inner) Docker engine.

        Outside, the examiner's docker client speaks to the engine's socket through
        /proc/PID/root; inside, the environment's ``docker`` runs. ``limit``: seconds after
        which the client is stopped (exit status 124): a failure, not a hung target.
        """
        quoted = " ".join(shlex.quote(arg) for arg in args)
        if not limit:
            return self.run(f"{self._docker} {quoted}")
        # The session waits longer than the limit (its own default is shorter): `timeout` stops
        # the client first, and the check reads its 124.
        return self.run(f"timeout {limit:g} {self._docker} {quoted}", timeout=limit + 15)

    def docker_pipe(self, args: list[str], pipe: str) -> Any:
        """Run ``docker ARGS | PIPE`` (the pipe's tools are this examiner's too)."""
        quoted = " ".join(shlex.quote(arg) for arg in args)
        return self.run(f"{self._docker} {quoted} | {pipe}")

    @property
    def _docker(self) -> str:
        """The docker client command line that reaches the environment's engine."""
        if self.place is None:
            return "docker"
        return f"docker -H unix://{self.path('/run/docker.sock')}"

    # Processes ---------------------------------------------------------------------------

    def each_process(self, body: str, before: str = "") -> Any:
        """Run a shell ``body`` once per process of the environment, ``$p`` its PID (one trip).

        Outside, the environment's processes are those of its cgroup (the kernel's list,
        nested PID namespaces included); inside, those of ``/proc``. ``before`` runs first.
        """
        if self.place is None:
            loop = "for d in /proc/[0-9]*; do p=${d#/proc/}; " + body + "; done"
        else:
            top = shlex.quote(self._cgroup_dir("pids"))
            loop = (
                f"for p in $(find {top} -name cgroup.procs -exec cat {{}} + 2>/dev/null "
                "| sort -un); do " + body + "; done"
            )
        return self.run(f"{before}; {loop}" if before else loop)

    def pids(self) -> list[int]:
        """PIDs of the environment's processes, in this examiner's numbering."""
        out = self.each_process('echo "$p"').stdout
        return sorted({int(word) for word in out.split() if word.isdigit()})

    def pid(self, theirs: int) -> int | None:
        """Return this examiner's PID of the process the environment calls ``theirs``, or None."""
        if self.place is None:
            return theirs
        out = self.each_process(
            'printf "%s " "$p"; sed -n "s/^NSpid://p" "/proc/$p/status" 2>/dev/null'
        ).stdout
        level = self._level()
        for line in out.splitlines():
            words = line.split()
            if len(words) > level + 1 and words[level + 1] == str(theirs):
                return int(words[0])
        return None

    def _level(self) -> int:
        """How deep the environment's PID namespace is below the examiner's."""
        if "level" not in self._cache:
            status = self.run("cat /proc/%s/status", str(self.init)).stdout
            self._cache["level"] = nspid_level(status)
        return int(self._cache["level"])

    # Cgroups -----------------------------------------------------------------------------

    @property
    def cgroup_v2(self) -> bool:
        """True when the environment's cgroups are the unified (v2) hierarchy."""
        if self.place is not None:
            return self.place.v2
        if "v2" not in self._cache:
            fstype = self.run("stat -fc %T /sys/fs/cgroup").stdout.strip()
            self._cache["v2"] = fstype == "cgroup2fs"
        return bool(self._cache["v2"])

    def cgroup_root(self, controller: str) -> str:
        """The directory of the environment's own cgroup for ``controller``.

        Inside, the environment's /sys/fs/cgroup (a private cgroup namespace shows its own
        cgroup as the root); outside, the same cgroup in the host's hierarchies, read-only.
        """
        if self.place is None:
            return "/sys/fs/cgroup" if self.cgroup_v2 else f"/sys/fs/cgroup/{controller}"
        return self._cgroup_dir(controller)

    def cgroup_of(self, pid: int, controller: str) -> str | None:
        """The directory of process ``pid``'s cgroup for ``controller``, or None.

        Inside, /proc/PID/cgroup names it from the environment's cgroup namespace root, which
        its /sys/fs/cgroup shows (the labs run in a private cgroup namespace).
        """
        text = self.run("cat /proc/%s/cgroup", str(pid)).stdout
        for line in text.splitlines():
            hierarchy, _, rest = line.partition(":")
            controllers, _, path = rest.partition(":")
            v2_line = hierarchy == "0" and not controllers
            if (self.cgroup_v2 and v2_line) or controller in controllers.split(","):
                base = (
                    self.cgroup_root(controller)
                    if self.place is None
                    else self._hierarchy(controller)
                )
                return base.rstrip("/") + (path if path != "/" else "")
        return None

    def _hierarchy(self, controller: str) -> str:
        assert self.place is not None
        return f"{CGROUP_TOP}/unified" if self.place.v2 else f"{CGROUP_TOP}/{controller}"

    def _cgroup_dir(self, controller: str) -> str:
        assert self.place is not None
        return self._hierarchy(controller) + self.place.cgroup

    # Identity and integrity --------------------------------------------------------------

    def identity_script(self) -> str:
        """The identity script (`checker.classroom.probe`), reading through this examiner.

        Outside, the nonce is PID 1's environment as the kernel keeps it (/proc/PID/environ in
        the examiner's own /proc, which no mount in the environment covers), and the hostname
        is the one of its UTS namespace.
        """
        if self.place is None:
            from checker.classroom.probe import IDENTITY_SCRIPT

            return IDENTITY_SCRIPT
        from checker.classroom.probe import identity_script

        return identity_script(
            environ=f"/proc/{self.init}/environ",
            hostname=f"nsenter -t {self.init} -u cat /proc/sys/kernel/hostname",
            root=self.root,
        )

    @property
    def _fixed_path(self) -> bool:
        return bool(self._cache.get("fixed_path"))

    def verify_tools(self, tools: tuple[str, ...]) -> list[str]:
        """Inside a machine the learner controls: trust only package-verified tools.

        Fixes PATH for every later command, then asks the package manager which package owns
        each tool and whether its files still match their checksums (``dpkg --verify``).

        Returns:
            One flag per tool that failed (also kept in :attr:`flags`).
        """
        self._cache["fixed_path"] = True
        names = " ".join(shlex.quote(tool) for tool in tools)
        # Debian merged /bin into /usr/bin, but dpkg still knows many files by their /bin path.
        script = (
            f"for t in {names}; do "
            'b=$(command -v "$t") || continue; '
            'r=$(readlink -f "$b"); known=; pkg=; '
            'for c in "$r" "${r#/usr}" "$b" "${b#/usr}"; do '
            'pkg=$(dpkg -S "$c" 2>/dev/null | head -n1 | cut -d: -f1); '
            '[ -n "$pkg" ] && { known=$c; break; }; done; '
            '[ -n "$known" ] || { echo "$t: $r belongs to no package"; continue; }; '
            'dpkg --verify "$pkg" 2>/dev/null | grep -q "^..5.* $known\\$" '
            '&& echo "$t: $known differs from package $pkg"; done; true'
        )
        result = self.run(script)
        found = [line.strip() for line in str(result.stdout).splitlines() if line.strip()]
        if result.rc != 0 and not found:
            found = [f"tools could not be verified (exit {result.rc})"]
        self.flags.extend(found)
        return found


def nspid_level(status: str) -> int:
    r"""How many PID namespaces deep a process is, from its /proc/PID/status text.

    >>> nspid_level("Name: sh\nNSpid:\t4242\t1\n")
    1
    """
    found = _NSPID.search(status)
    return len(found[1].split()) - 1 if found else 0
