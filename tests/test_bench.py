"""bench/run.py keeps working (at a tiny size): it runs, checks the seeded defects, and does
not fail when the competitors are not installed. No timing assertions: CI machines vary."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # real processes or tools: seconds a test

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "bench" / "run.py"


def bench(tmp_path: Path, *extra: str, vipps_lint: str | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    summary = tmp_path / "summary.json"
    command = [
        sys.executable,
        str(RUN),
        "--tiny",
        "--repeat",
        "1",
        "--work",
        str(tmp_path / "work"),
        "--json-summary",
        str(summary),
        # Competitors "not installed", whatever this machine has: that must not fail the run.
        "--spectral",
        str(tmp_path / "no-such-spectral"),
        "--check-jsonschema",
        str(tmp_path / "no-such-check-jsonschema"),
        "--vipps-lint",
        vipps_lint or f"{sys.executable} -m vipps_lint",
        *extra,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    return done, json.loads(summary.read_text(encoding="utf-8")) if summary.exists() else {}


def test_tiny_run_finds_every_seeded_defect_without_competitors(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(
        "# Performance\n\n<!-- bench:begin -->\nold table\n<!-- bench:end -->\n\n## Notes\n\nHand-written analysis.\n",
        encoding="utf-8",
    )

    done, summary = bench(tmp_path, "--write-doc", "--doc", str(doc))

    assert done.returncode == 0, done.stdout + done.stderr
    assert summary["ok"] and summary["defects_ok"] and not summary["failures"]
    for name in ("spectral", "check-jsonschema"):
        assert summary["tools"][name].startswith("not installed")
    checks = summary["correctness"]
    both = ("bodies", "ndjson-300", "heavy-bodies", "heavy-ndjson-75", "heavy-ndjson-300")
    assert {*both, "har-300"} <= set(checks)
    for key in (*both, "har-300"):
        assert checks[key]["expected"] > 0
        assert checks[key]["found"] == checks[key]["expected"], checks[key]
        assert checks[key]["extra"] == 0, checks[key]
    # Every kind of seeded defect is in the tiny corpus, so every rule is exercised.
    defects = json.loads((tmp_path / "work" / "defects.json").read_text(encoding="utf-8"))
    assert len({defect["rule"] for defect in defects if defect["index"] < 300}) == 10
    # The findings-heavy corpus: at least 40% of the requests with mistakes, several each.
    heavy = json.loads((tmp_path / "work" / "heavy" / "defects.json").read_text(encoding="utf-8"))
    per_request = Counter(defect["index"] for defect in heavy if defect["index"] < 300)
    assert len(per_request) >= 0.4 * 300 and min(per_request.values()) >= 2
    assert len({defect["rule"] for defect in heavy if defect["index"] < 300}) == 10
    # The targets that need a competitor are "n/a", not failures; every target is there for both corpora.
    statuses = {row["target"]: row["status"] for row in summary["targets"]}
    assert [status for target, status in statuses.items() if "Spectral" in target] == ["n/a", "n/a"]
    for target in ("read+parse floor", "requests/s", "pre-commit"):
        assert len([name for name in statuses if target in name]) == 2, target
    assert any("memory bounded by what the report holds" in name for name in statuses)
    assert "| target (issues 6, 13) | measured | status |" in done.stdout
    assert "not installed" in done.stdout

    text = doc.read_text(encoding="utf-8")
    assert "old table" not in text and "### Targets" in text and "python bench/run.py" in text
    assert text.endswith("## Notes\n\nHand-written analysis.\n")


FAKE_VIPPS_LINT = """\
    import json, sys
    arguments = sys.argv[1:]
    if arguments == ["--version"]:
        print("vipps-lint, version 0.0.0 (fake)")
    elif "--help" in arguments:
        print("Usage: vipps-lint check [OPTIONS] PATHS...")
    elif "-o" in arguments:
        report = {"version": 1, "summary": {}, "findings": [], "errors": []}
        with open(arguments[arguments.index("-o") + 1], "w") as handle:
            json.dump(report, handle)
"""


def test_a_missed_seeded_defect_fails_the_run(tmp_path):
    fake = tmp_path / "fake_vipps_lint.py"
    fake.write_text(textwrap.dedent(FAKE_VIPPS_LINT), encoding="utf-8")

    done, summary = bench(tmp_path, vipps_lint=f"{sys.executable} {fake}")

    assert done.returncode == 1, done.stdout + done.stderr
    assert not summary["ok"] and not summary["defects_ok"]
    assert summary["correctness"]["bodies"]["found"] == 0
    assert summary["correctness"]["heavy-bodies"]["found"] == 0
    assert "seeded defects missed" in done.stdout
