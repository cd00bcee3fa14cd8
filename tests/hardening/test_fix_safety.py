"""--fix rewrites a user's file only when it can do so safely, and says why when it cannot."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys

import pytest
from click.testing import CliRunner

from vipps_lint import fixes
from vipps_lint.cli import main
from vipps_lint.safe_io import UnsafeFile

from conftest import FIXTURES, REPO

BAD = (FIXTURES / "ecom" / "initiate-http-urls.json").read_text()


def fix(path):
    result = CliRunner().invoke(main, ["check", "--fix", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


@pytest.fixture
def body(tmp_path):
    path = tmp_path / "body.json"
    path.write_text(BAD)
    return path


def test_a_fix_keeps_the_mode(body):
    os.chmod(body, 0o640)
    result = fix(body)
    assert "Fixed" in result.stderr
    assert "https://example.com/vipps/callbacks" in body.read_text()
    assert stat.S_IMODE(os.stat(body).st_mode) == 0o640


def test_a_read_only_file_is_reported_not_rewritten(body):
    os.chmod(body, 0o444)
    result = fix(body)
    assert "the file is read-only; not rewritten" in result.stderr
    assert body.read_text() == BAD


def test_a_file_with_hard_links_is_refused(body, tmp_path):
    os.link(body, tmp_path / "other-name.json")
    result = fix(body)
    assert "hard links; rewriting it would break them" in result.stderr
    assert body.read_text() == BAD == (tmp_path / "other-name.json").read_text()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="changing a file's owner needs root")
def test_the_owner_is_kept(body):
    os.chown(body, 4321, 4321)
    fix(body)
    assert "https://example.com/vipps/callbacks" in body.read_text()
    assert (os.stat(body).st_uid, os.stat(body).st_gid) == (4321, 4321)


def test_a_file_edited_during_the_run_is_not_overwritten(body):
    with pytest.raises(UnsafeFile, match="changed since it was read"):
        fixes.write_atomically(str(body), "{}", expected=BAD.replace("http://", "ftp://"))
    assert body.read_text() == BAD


def test_an_edit_between_lint_and_write_is_kept(body, monkeypatch):
    real = fixes.write_atomically

    def edit_first(path, text, expected=None):
        with open(path, "a") as stream:
            stream.write("\n")  # the user's editor saves meanwhile
        return real(path, text, expected)

    monkeypatch.setattr(fixes, "write_atomically", edit_first)
    result = fix(body)
    assert "the file changed since it was read; not rewritten" in result.stderr
    assert body.read_text() == BAD + "\n"


def test_no_temporary_file_is_left_when_interrupted(body, monkeypatch):
    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(fixes.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fixes.write_atomically(str(body), "{}", expected=BAD)
    assert sorted(path.name for path in body.parent.iterdir()) == ["body.json"]
    assert body.read_text() == BAD


# A real process, stopped in the middle of writing the fixed file: os.fsync (called once the
# temporary file holds the new text) says so on stdout and waits on stdin, which the test
# never writes to; the signal is sent only once the line is read, so no sleep decides it.
_STOPPED_WHILE_WRITING = """
import os, signal, sys
from vipps_lint.cli import main

# Ctrl-C as in a terminal, even if the test runner's process ignores SIGINT (a child inherits that).
signal.signal(signal.SIGINT, signal.default_int_handler)

def fsync_then_wait(fd):
    print("writing", flush=True)
    sys.stdin.buffer.read(1)

os.fsync = fsync_then_wait
sys.argv = ["vipps-lint", "check", "--fix", sys.argv[1]]
main()
"""


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize(
    "signum, status",
    [(signal.SIGTERM, -signal.SIGTERM), (signal.SIGINT, 130)],  # ended by SIGTERM (143 in a shell); Ctrl-C: 130
    ids=["SIGTERM", "SIGINT"],
)
def test_a_signal_while_writing_leaves_no_temporary_file_and_the_file_intact(body, signum, status):
    environment = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen(
        [sys.executable, "-c", _STOPPED_WHILE_WRITING, str(body)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    try:
        assert process.stdout.readline() == b"writing\n", process.stderr.read()
        assert [path.name for path in body.parent.iterdir() if path.name.startswith(".vipps-lint-fix-")]
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == status, stderr
    assert b"Traceback" not in stderr
    assert sorted(path.name for path in body.parent.iterdir()) == ["body.json"]
    assert body.read_text() == BAD
