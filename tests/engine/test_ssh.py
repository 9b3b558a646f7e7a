"""The ssh path against a real sshd (Debian's openssh-server in a container)."""

import pytest
import testinfra

from checker.engine import CommandTimeout, TargetUnreachable, open_host
from checker.spec import parse_spec

pytestmark = pytest.mark.docker


@pytest.fixture
def spec(ssh_setup):
    """Build an ssh spec for the test sshd: its alias from the ssh_config, plus query options."""

    def build(options: str = "", where: str | None = None) -> str:
        query = f"ssh_config={ssh_setup.config}" + (f"&{options}" if options else "")
        return f"ssh://{where or ssh_setup.alias}?{query}"

    return build


@pytest.fixture
def opened():
    """Open Hosts and close them after the test."""
    hosts = []

    def open_(spec: str, **kwargs):
        hosts.append(open_host(parse_spec(spec), **kwargs))
        return hosts[-1]

    yield open_
    for host in hosts:
        host.backend.close()


def test_ssh_config_names_the_host_user_and_key(opened, spec):
    host = opened(spec())
    assert host.check_output("id -un") == "learner"
    assert host.backend.get_connection_type() == "ssh"


def test_identity_file_and_user_in_the_spec(opened, spec, ssh_setup):
    host = opened(spec(f"ssh_identity_file={ssh_setup.key}", where=f"root@{ssh_setup.ip}"))
    assert host.check_output("id -un") == "root"


@pytest.mark.parametrize(
    ("options", "user"), [("sudo=true", "root"), ("sudo=true&sudo_user=nobody", "nobody")]
)
def test_sudo_runs_the_whole_session_as_another_user(opened, spec, options, user):
    host = opened(spec(options))
    assert host.check_output("id -un") == user
    assert host.run("cat /etc/shadow").succeeded == (user == "root")


def test_output_survives_the_trip_through_ssh(opened, spec):
    host = opened(spec())
    octal = "".join(f"\\{b:03o}" for b in range(256))
    assert host.run(f"printf '{octal}'").stdout_bytes == bytes(range(256))
    result = host.run("head -c 3000000 /dev/zero; printf 'no newline' >&2; exit 9")
    assert (len(result.stdout_bytes), result.stderr, result.rc) == (3_000_000, "no newline", 9)


def test_a_hung_command_is_killed_on_the_machine_and_the_next_one_works(opened, spec, running):
    host = opened(spec())
    with pytest.raises(CommandTimeout):
        host.run("sleep 4343", timeout=1)
    assert host.check_output("echo next") == "next"
    assert running(host, "sleep 4343") == "", "the timed-out command still runs"


def test_a_refused_connection_is_unreachable_with_ssh_s_reason(spec, ssh_setup):
    refused = spec(where=f"root@{ssh_setup.ip}:2222")
    with pytest.raises(TargetUnreachable, match="refused"):
        open_host(parse_spec(refused), timeout=10)


def test_the_ssh_path_answers_like_testinfra_s_ssh_backend(opened, spec):
    engine = opened(spec("sudo=true"))
    stock = testinfra.get_host(spec("sudo=true"))
    for probe in (
        lambda h: h.check_output("id; pwd; echo $HOME"),
        lambda h: (h.file("/etc/shadow").mode, h.file("/etc/shadow").contains("learner")),
        lambda h: (h.user("learner").groups, h.group("graders").members),
        lambda h: (h.package("openssh-server").is_installed, h.system_info.codename),
        lambda h: h.socket("tcp://0.0.0.0:22").is_listening,
    ):
        assert probe(engine) == probe(stock)
