"""The last resort: an unexpected exception ends the run with one line and exit status 2.

Exit 1 means "findings" to CI, so a crash must never exit 1 (Python's default for a
traceback). Inputs that could not be linted are reported one line each by the readers;
this catches what no reader foresaw: a bug, a full disk, a closed standard output.
The line is masked and escaped like every other output (it may quote input).
"""

from __future__ import annotations

import contextlib
import errno
import sys

from vipps_lint.status import EXIT_INCOMPLETE, EXIT_INTERRUPTED


def _safe(text: str) -> str:
    from vipps_lint.escape import escape_controls
    from vipps_lint.secrets import Masker

    try:
        return escape_controls(Masker().mask_text(text))
    except Exception:  # noqa: BLE001 - never fail while reporting a failure
        return text.encode("ascii", "backslashreplace").decode("ascii")


def crash_line(error: BaseException) -> str:
    from vipps_lint import __version__

    what = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    # Where in vipps-lint it happened (the innermost frame of its own code), for the report.
    where, traceback = "", error.__traceback__
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename.replace("\\", "/")
        if "vipps_lint/" in filename:
            where = f" in {filename.rsplit('vipps_lint/', 1)[-1]}:{traceback.tb_lineno}"
        traceback = traceback.tb_next
    return (
        f"vipps-lint: internal error: {_safe(what)[:500]}{where}; please report this line to the vipps-lint "
        f"maintainers (vipps-lint {__version__}, Python {sys.version.split()[0]})"
    )


def internal_error(file: str, error: BaseException):
    """An unexpected exception while linting one file: an InputError for that file (exit 2),
    and the other files are still linted."""
    from vipps_lint.models import InputError

    return InputError(file, crash_line(error).removeprefix("vipps-lint: "))


def _write_stderr(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - stderr closed too: the exit status still says it
        pass


def _closed_output(error: OSError) -> bool:
    return isinstance(error, BrokenPipeError) or error.errno in (errno.EPIPE, errno.ENOSPC, errno.EBADF)


@contextlib.contextmanager
def last_resort():
    """Around a command: exceptions it did not expect become `crash_line` and exit 2."""
    import click

    try:
        yield
    except KeyboardInterrupt:
        # Ctrl-C: the conventional 130 (128 + SIGINT). Click would say "Aborted!" and exit 1,
        # which CI takes for findings.
        _write_stderr("vipps-lint: interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except (
        click.exceptions.ClickException,
        click.exceptions.Exit,
        click.exceptions.Abort,
        SystemExit,
        GeneratorExit,
    ):
        raise
    except OSError as error:
        if _closed_output(error):
            # The report could not be written (the reader of a pipe went away, the disk is full).
            _silence_stdout()
            _write_stderr(f"vipps-lint: cannot write the report: {error.strerror or error}")
        else:
            _write_stderr(crash_line(error))
        sys.exit(EXIT_INCOMPLETE)
    except Exception as error:  # noqa: BLE001 - the point of a last resort
        if sys.stdout is None:  # started with standard output closed (`>&-`)
            _write_stderr("vipps-lint: cannot write the report: standard output is closed")
        else:
            _write_stderr(crash_line(error))
        sys.exit(EXIT_INCOMPLETE)


def _silence_stdout() -> None:
    """After a broken pipe, Python would complain again when it flushes stdout at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
