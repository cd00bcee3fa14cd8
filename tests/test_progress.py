"""The progress display: on a terminal's stderr only, never piped, with --quiet or --no-progress,
never in the report on stdout; `--jobs` workers count into the parent's display.

The display waits about a second before it appears; these tests set that delay to 0
(VIPPS_LINT_PROGRESS_DELAY) so that nothing here depends on timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, bench_module

pty = pytest.importorskip("pty", reason="pseudo-terminals are POSIX only")


def _log(path: Path, requests: int) -> Path:
    corpus = bench_module("corpus")
    generated, _ = corpus.generate(requests)
    corpus.write_ndjson(generated, path)
    return path


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> Path:
    return _log(tmp_path_factory.mktemp("progress") / "day.ndjson", 600)


def _run(*args: str, terminal: bool) -> tuple[int, str, str]:
    """Run `vipps-lint check ARGS` with stdout piped and stderr on a pseudo-terminal (or piped)."""
    environment = dict(os.environ, VIPPS_LINT_PROGRESS_DELAY="0", TERM="xterm-256color", COLUMNS="120")
    environment["PYTHONPATH"] = str(REPO) + os.pathsep + environment.get("PYTHONPATH", "")
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        environment.pop(name, None)
    command = [sys.executable, "-m", "vipps_lint", "check", *args]
    if not terminal:
        result = subprocess.run(command, capture_output=True, env=environment, cwd=REPO, timeout=300)
        return result.returncode, result.stdout.decode(), result.stderr.decode()
    controller, terminal_end = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=terminal_end, env=environment, cwd=REPO)
    os.close(terminal_end)
    stdout: list[bytes] = []
    reader = threading.Thread(target=lambda: stdout.append(process.stdout.read()))
    reader.start()
    shown = []
    while True:
        try:
            data = os.read(controller, 65536)
        except OSError:  # the terminal is closed once the process has ended
            break
        if not data:
            break
        shown.append(data)
    os.close(controller)
    process.wait(timeout=300)
    reader.join()
    return process.returncode, stdout[0].decode(), b"".join(shown).decode(errors="replace")


def test_shown_on_a_terminal_for_a_log_bytes_and_rate_and_never_in_the_report(log):
    status, out, err = _run("--format", "json", str(log), terminal=True)
    assert status == 1
    assert "requests/s" in err and "MiB of" in err and "vipps-lint" in err
    assert "━" in err  # the bar
    report = json.loads(out)  # stdout is the report alone
    assert report["summary"]["requests"] == 600
    assert "\x1b" not in out and "requests/s" not in out


def test_shown_for_a_directory_as_files_done_of_found():
    status, out, err = _run("--format", "json", str(FIXTURES), terminal=True)
    summary = json.loads(out)["summary"]
    # The display counts every file the walk found, the ones skipped as not Vipps requests too.
    found = summary["files"] + summary.get("files_skipped", 0)
    assert f"of {found} files" in err and "requests/s" in err


@pytest.mark.parametrize("option", ["--quiet", "--no-progress"])
def test_absent_on_a_terminal_with_quiet_or_no_progress(log, option):
    status, out, err = _run(option, str(log), terminal=True)
    assert status == 1 and out
    assert "requests/s" not in err and "━" not in err


def test_absent_when_stderr_is_piped(log):
    status, out, err = _run("--format", "json", str(log), terminal=False)
    assert status == 1 and json.loads(out)["summary"]["requests"] == 600
    assert err == ""


def test_jobs_workers_report_their_progress_to_the_parent(tmp_path):
    """With --jobs, forked workers lint the sections of a large log; what they count reaches the
    parent's counters (shared memory), which is all the display reads."""
    from vipps_lint import progress, workers
    from vipps_lint.pipeline import Linter, Settings

    big = _log(tmp_path / "big.ndjson", 6000)
    size = big.stat().st_size
    assert size >= workers.PARALLEL_MIN_BYTES
    linter = Linter(Settings(jobs=2))
    linter.progress = tracker = progress.Tracker()
    parent = os.getpid()
    linted_in = []
    original = Linter.lint_file

    def lint_file(self, source):
        linted_in.append(os.getpid())
        return original(self, source)

    try:
        Linter.lint_file = lint_file
        report = linter.run([str(big)])
    finally:
        Linter.lint_file = original
    assert report.requests == 6000
    assert linted_in == [] and parent  # only forked workers linted: the parent never appended to its list
    assert tracker.counts() == (1, size, 6000)


def test_tracker_counts_bytes_as_a_log_streams(tmp_path):
    from vipps_lint import progress
    from vipps_lint.pipeline import Linter, Settings

    log = _log(tmp_path / "log.ndjson", 700)
    linter = Linter(Settings(jobs=1))
    linter.progress = tracker = progress.Tracker()
    seen = []
    original = tracker.advance

    def advance(source):
        original(source)
        seen.append(tracker.counts()[1])

    tracker.advance = advance
    linter.run([str(log)])
    assert 0 < seen[300] < seen[-1] < log.stat().st_size  # bytes grew while the file was read, in batches
    assert tracker.counts() == (1, log.stat().st_size, 700)
