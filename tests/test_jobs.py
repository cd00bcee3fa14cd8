"""--jobs: many files linted by worker processes give the same report, in the same order."""

from __future__ import annotations

import json
import shutil

from conftest import FIXTURES, run_cli

from vipps_lint.pipeline import PARALLEL_MIN_FILES


def _many_inputs(tmp_path):
    """More files than the parallel threshold: every fixture format, good and bad, and a broken file."""
    originals = sorted(path for path in FIXTURES.rglob("*") if path.is_file() and path.suffix != ".yaml" and path.name != "README.md")
    copies = 0
    while copies < PARALLEL_MIN_FILES + 8:
        for original in originals:
            target = tmp_path / f"set{copies // len(originals)}" / original.relative_to(FIXTURES)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(original, target)
            copies += 1
    (tmp_path / "set0" / "broken.json").write_text('{"merchantInfo": ', encoding="utf-8")
    return copies + 1


def test_workers_give_the_same_report_as_one_process(tmp_path):
    files = _many_inputs(tmp_path)
    one = run_cli("check", "--format", "json", "--jobs", "1", ".", cwd=tmp_path)
    two = run_cli("check", "--format", "json", "--jobs", "2", ".", cwd=tmp_path)
    assert one.returncode == two.returncode == 2  # the broken file
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr
    assert PARALLEL_MIN_FILES <= json.loads(one.stdout)["summary"]["files"] <= files


def test_text_report_code_frames_come_through_workers(tmp_path):
    _many_inputs(tmp_path)
    one = run_cli("check", "--jobs", "1", ".", cwd=tmp_path)
    two = run_cli("check", "--jobs", "2", ".", cwd=tmp_path)
    assert one.stdout == two.stdout
    assert b'"callbackPrefix": "http://' in two.stdout  # a code frame, read in the parent process


def test_jobs_must_be_a_positive_number():
    result = run_cli("check", "--jobs", "0", str(FIXTURES / "ecom" / "initiate-good.json"))
    assert result.returncode == 2
    assert b"--jobs" in result.stderr
