"""Exit status, decided here for every command.

0 clean, 1 findings at or above --fail-on (for --diff: something to fix), 2 something could
not be linted (unreadable input, broken rule file or configuration, bad option).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from vipps_lint.severities import SEVERITY_RANK

if TYPE_CHECKING:
    from vipps_lint.models import Report

EXIT_CLEAN, EXIT_FINDINGS, EXIT_INCOMPLETE = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report a SIGINT


def status(incomplete: bool, failing: bool) -> int:
    if incomplete:
        return EXIT_INCOMPLETE
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def exit_status(report: Report, fail_on: str, exit_zero: bool = False) -> int:
    """--exit-zero: findings do not fail; inputs that could not be linted still do."""
    return status(bool(report.errors), not exit_zero and report.worst_rank() >= SEVERITY_RANK[fail_on])


class Incomplete(Exception):
    """Stop now with exit status 2; `lines` say why (one `file:line:col: what` line each)."""

    def __init__(self, *lines: str):
        super().__init__("\n".join(lines))
        self.lines = lines


class UsageError(Exception):
    """A command-line option is wrong (exit status 2, shown like click's usage errors);
    `option` None: the command's arguments as a whole."""

    def __init__(self, message: str, option: Optional[str]):
        super().__init__(message)
        self.option = option
