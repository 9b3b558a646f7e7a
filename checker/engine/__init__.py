"""The execution engine: one persistent shell per target, behind an ordinary testinfra Host.

>>> from checker.spec import parse_spec
>>> host = connect(parse_spec("docker://k2c-namespaces"))
>>> host.check_output("hostname")
'k2c-namespaces'
"""

from checker.engine.errors import (
    CommandTimeout,
    DeadlineExceeded,
    EngineError,
    SessionLost,
    TargetUnreachable,
)
from checker.engine.hosts import (
    connect,
    disconnect_all,
    open_host,
    warm,
)

__all__ = [
    "CommandTimeout",
    "DeadlineExceeded",
    "EngineError",
    "SessionLost",
    "TargetUnreachable",
    "connect",
    "disconnect_all",
    "open_host",
    "warm",
]
