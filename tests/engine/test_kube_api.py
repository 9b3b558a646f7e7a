"""The API's exec channel without a cluster: its messages, and API servers that cannot be reached.

The network cases are real sockets on this machine: a port nobody listens on, and a listener
that never answers.
"""

import socket

import pytest

from checker.engine import kube_api
from checker.engine.errors import CommandTimeout, TargetUnreachable
from checker.engine.kubeconfig import ApiAccess
from checker.errors import ErrorKind


def test_the_exec_status_gives_the_exit_code():
    # The status messages a v1.20 API server sends on channel 3.
    assert kube_api.exit_status(b'{"metadata":{},"status":"Success"}') == (0, "")
    failure = (
        b'{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit '
        b'code: error executing command [/bin/sh -c exit 7], exit code 7","reason":'
        b'"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"7"}]}}'
    )
    assert kube_api.exit_status(failure)[0] == 7
    code, message = kube_api.exit_status(
        b'{"metadata":{},"status":"Failure","message":"container not found (\\"env\\")"}'
    )
    assert (code, message) == (None, 'container not found ("env")')
    assert kube_api.exit_status(b"not json") == (None, "not json")


def test_the_exec_request_names_the_command_word_by_word():
    access = ApiAccess("127.0.0.1", 6443, "/prefix", None, None, "default")
    path = kube_api.exec_path(access, "ns 1", "pod", "env", ["sudo", "-n", "/bin/sh"])
    assert path == (
        "/prefix/api/v1/namespaces/ns%201/pods/pod/exec?command=sudo&command=-n"
        "&command=%2Fbin%2Fsh&stdin=true&stdout=true&stderr=true&container=env"
    )
    assert ApiAccess("::1", 443, "", None, None, "default").netloc == "[::1]:443"


def test_no_api_server_is_unreachable_in_one_line():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nobody listens there
    access = ApiAccess("127.0.0.1", port, "", None, None, "default")
    with pytest.raises(TargetUnreachable) as refused:
        kube_api.KubeApiChannel.open(access, "ns", "pod", None, ["/bin/sh"], 5, "kubectl://pod")
    assert refused.value.kind == ErrorKind.UNREACHABLE
    assert str(refused.value).startswith("kubectl://pod: cannot reach the API server at http://")
    assert "refused" in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("tls", [False, True])
def test_an_api_server_that_does_not_answer_is_a_timeout(tls):
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT) if tls else None
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # connections are queued, never answered
        access = ApiAccess("127.0.0.1", silent.getsockname()[1], "", context, "127.0.0.1", "x")
        with pytest.raises(CommandTimeout) as late:
            kube_api.KubeApiChannel.open(access, "ns", "pod", None, ["/bin/sh"], 0.5, "k://pod")
    assert late.value.kind == ErrorKind.TIMEOUT
    assert str(late.value) == f"k://pod: the API server at {'https' if tls else 'http'}://" + (
        f"{access.netloc} did not answer within 0.5 s"
    )
