"""--jobs: many files linted by worker processes give the same report, in the same order."""

from __future__ import annotations

import json
import shutil

import pytest

from vipps_lint import workers
from vipps_lint.workers import PARALLEL_MIN_FILES

from conftest import FIXTURES, run_cli, run_cli_process

# The thresholds a log must pass to be cut into sections, made small so a small log is cut
# (the workers are forked from this process, so they see the same values): the sections
# logic is the same at any size, and a log of megabytes would make these tests slow.
SMALL_SECTIONS = {"PARALLEL_MIN_BYTES": 96 * 1024, "SECTION_MIN_BYTES": 32 * 1024}


@pytest.fixture
def small_sections(monkeypatch):
    for name, value in SMALL_SECTIONS.items():
        monkeypatch.setattr(workers, name, value)


def _many_inputs(tmp_path):
    """More files than the parallel threshold: every fixture format, good and bad, and a broken file."""
    originals = sorted(
        path for path in FIXTURES.rglob("*") if path.is_file() and path.suffix != ".yaml" and path.name != "README.md"
    )
    copies = 0
    while copies < PARALLEL_MIN_FILES + 8:
        for original in originals:
            target = tmp_path / f"set{copies // len(originals)}" / original.relative_to(FIXTURES)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(original, target)
            copies += 1
    (tmp_path / "set0" / "broken.json").write_text('{"merchantInfo": ', encoding="utf-8")
    return copies + 1


@pytest.mark.slow  # two real runs over 500 files
def test_workers_give_the_same_report_as_one_process(tmp_path):
    files = _many_inputs(tmp_path)
    one = run_cli_process("check", "--format", "json", "--jobs", "1", ".", cwd=tmp_path)
    two = run_cli_process("check", "--format", "json", "--jobs", "2", ".", cwd=tmp_path)
    assert one.returncode == two.returncode == 2  # the broken file
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr
    summary = json.loads(one.stdout)["summary"]
    # Copies of fixtures/other/ are walked but skipped as no Vipps request (vipps_lint/selection.py).
    assert PARALLEL_MIN_FILES <= summary["files"] + summary["files_skipped"] <= files


@pytest.mark.slow  # two real runs over 500 files
def test_text_report_code_frames_come_through_workers(tmp_path):
    _many_inputs(tmp_path)
    one = run_cli_process("check", "--jobs", "1", ".", cwd=tmp_path)
    two = run_cli_process("check", "--jobs", "2", ".", cwd=tmp_path)
    assert one.stdout == two.stdout
    assert b'"callbackPrefix": "http://' in two.stdout  # a code frame, read in the parent process


def test_jobs_must_be_a_positive_number():
    result = run_cli_process("check", "--jobs", "0", str(FIXTURES / "ecom" / "initiate-good.json"))
    assert result.returncode == 2
    assert b"--jobs" in result.stderr


LOG_LINES = 900


def _large_log(path):
    """A log over PARALLEL_MIN_BYTES: workers lint it in sections. Non-ASCII text, a BOM,
    blank and broken lines, a request for another API, and mistakes spread through it."""
    lines = []
    for number in range(LOG_LINES):
        body = {
            "customerInfo": {"mobileNumber": "+47 91 23 45 67" if number % 97 == 0 else "91234567"},
            "merchantInfo": {
                "merchantSerialNumber": "123456",
                "callbackPrefix": ("http" if number % 89 == 0 else "https") + "://shop.example.com/vipps",
                "fallBack": "https://shop.example.com/ordre/blåbærsyltetøy",
            },
            "transaction": {
                "orderId": f"order-{number}",
                "amount": 1000 + number,
                "transactionText": "Kjøp – takk " * 20,
            },
        }
        entry = {"method": "POST", "url": "https://apitest.vipps.no/ecomm/v2/payments", "body": body, "status": 200}
        if number % 500 == 7:
            entry = {"method": "GET", "url": "https://example.org/other-api", "status": 200}
        lines.append(json.dumps(entry, ensure_ascii=False))
        if number % 700 == 3:
            lines.append("")
        if number % 1100 == 5:
            lines.append('{"method": "POST", "url": ')
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")


def test_a_large_log_is_linted_in_sections_with_the_same_report_and_fixes(tmp_path, small_sections):
    log = tmp_path / "day.ndjson"
    _large_log(log)
    assert log.stat().st_size > max(
        workers.PARALLEL_MIN_BYTES, 2 * workers.SECTION_MIN_BYTES
    )  # so --jobs 2 does cut it
    for args in (["--format", "json"], [], ["--diff"]):
        one = run_cli("check", *args, "--jobs", "1", str(log), cwd=tmp_path)
        two = run_cli("check", *args, "--jobs", "2", str(log), cwd=tmp_path)
        assert (one.returncode, one.stdout, one.stderr) == (two.returncode, two.stdout, two.stderr), args
    report = json.loads(run_cli("check", "--format", "json", "--jobs", "2", str(log), cwd=tmp_path).stdout)
    indexes = [finding["request"]["index"] for finding in report["findings"]]
    assert indexes == sorted(indexes) and max(indexes) > LOG_LINES - 200  # numbered on across sections
    other_api = sum(1 for number in range(LOG_LINES) if number % 500 == 7)
    assert report["summary"]["requests"] == LOG_LINES - other_api and report["summary"]["files"] == 1


def test_the_large_log_really_goes_to_workers_in_sections(tmp_path, small_sections):
    """The equality above means something only if --jobs 2 cuts the log: check that it does."""
    from vipps_lint.pipeline import Linter, Settings
    from vipps_lint.sources import expand_paths
    from vipps_lint.workers import jobs_for, work_units

    log = tmp_path / "day.ndjson"
    _large_log(log)
    linter = Linter(Settings(jobs=2))
    sources = list(expand_paths([str(log)]))
    assert jobs_for(sources, linter.settings.jobs) == 2
    assert len(work_units(sources, 2, linter.settings.read)) > 2


@pytest.mark.slow
def test_a_log_of_megabytes_is_cut_at_the_shipped_thresholds(tmp_path):
    """The real thresholds, through a real process: a log over PARALLEL_MIN_BYTES is cut."""
    log = tmp_path / "day.ndjson"
    _large_log(log)
    text = log.read_text(encoding="utf-8").removeprefix("\ufeff")
    copies = workers.PARALLEL_MIN_BYTES // len(text.encode()) + 1
    log.write_text("\ufeff" + text * copies, encoding="utf-8")
    one = run_cli_process("check", "--format", "json", "--jobs", "1", str(log), cwd=tmp_path)
    two = run_cli_process("check", "--format", "json", "--jobs", "2", str(log), cwd=tmp_path)
    assert (one.returncode, one.stdout, one.stderr) == (two.returncode, two.stdout, two.stderr)
    assert json.loads(two.stdout)["summary"]["requests"] > LOG_LINES * copies * 0.9


def test_a_missing_path_is_reported_where_it_was_named(tmp_path):
    (tmp_path / "first.json").write_text('{"merchantInfo": ', encoding="utf-8")
    (tmp_path / "last.json").write_text('{"transaction": ', encoding="utf-8")
    result = run_cli_process("check", "first.json", "missing.json", "last.json", cwd=tmp_path)
    assert [line.split(":")[0] for line in result.stderr.decode().splitlines()] == [
        "first.json",
        "missing.json",
        "last.json",
    ]
