"""The process exit codes of `lab`: one per kind of outcome, so scripts can tell them apart."""

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit status of every `lab` command."""

    OK = 0  # the command did what was asked; for check/grade: every task passed
    CHECKS_FAILED = 1  # the checks ran and at least one task is not passed
    USAGE = 2  # bad command line, unknown lab or task (click uses 2 as well)
    TARGET_ERROR = 3  # the target could not be reached, built or started
    CONTENT_ERROR = 4  # a lab's manifest, checks or solutions are broken
    INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
