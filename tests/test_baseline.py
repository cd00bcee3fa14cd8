"""Baselines through the real CLI: known findings are hidden, new ones fail, and fingerprints
survive line shifts and reordering but not a change of the offending value."""

from __future__ import annotations

import json
import shutil

from conftest import FIXTURES, run_cli, run_json

BAD_ECOM = FIXTURES / "ecom" / "initiate-http-urls.json"


def _rewrite(path, change):
    body = json.loads(path.read_text(encoding="utf-8"))
    change(body)
    path.write_text(json.dumps(body, indent=4), encoding="utf-8")


def test_baseline_hides_known_findings_and_reports_new_ones(tmp_path):
    target = tmp_path / "body.json"
    shutil.copy(BAD_ECOM, target)
    baseline = tmp_path / "vipps-lint-baseline.json"
    result = run_cli("check", "--write-baseline", str(baseline), "body.json", cwd=tmp_path)
    assert result.returncode == 1  # the run itself still reports
    assert "Recorded 3 findings in" in result.stderr.decode()
    data = json.loads(baseline.read_text())
    assert data["version"] == 1 and [entry["count"] for entry in data["findings"]] == [1, 1, 1]
    assert data["findings"] == sorted(
        data["findings"], key=lambda e: (e["file"], e["rule"], e["where"], e["fingerprint"])
    )
    assert {entry["file"] for entry in data["findings"]} == {"body.json"}

    result = run_cli("check", "--baseline", str(baseline), "body.json", cwd=tmp_path)
    assert result.returncode == 0
    assert "No problems found (1 request in 1 file). 3 known findings hidden by the baseline." in result.stdout.decode()

    # Unrelated edits: re-indented (every line moves), keys reordered, another field changed.
    def unrelated(body):
        body["merchantInfo"] = dict(reversed(list(body["merchantInfo"].items())))
        body["transaction"]["amount"] = 12345

    _rewrite(target, unrelated)
    status, report = run_json("--baseline", str(baseline), str(target), cwd=tmp_path)
    assert status == 0 and report["findings"] == []

    # Changing an offending value, or adding a new problem, is new.
    def new_problems(body):
        body["merchantInfo"]["callbackPrefix"] = "http://example.com/other"
        body["merchantInfo"]["consentRemovalPrefix"] = "http://example.com/consent"

    _rewrite(target, new_problems)
    status, report = run_json("--baseline", str(baseline), str(target), cwd=tmp_path)
    assert status == 1
    assert sorted(f["pointer"] for f in report["findings"]) == [
        "/merchantInfo/callbackPrefix",
        "/merchantInfo/consentRemovalPrefix",
    ]

    # From another working directory the baseline still matches (paths are relative to it).
    (tmp_path / "sub").mkdir()
    shutil.copy(BAD_ECOM, target)
    status, report = run_json("--baseline", "../vipps-lint-baseline.json", "../body.json", cwd=tmp_path / "sub")
    assert status == 0 and report["findings"] == []


def test_duplicates_are_counted(tmp_path):
    from vipps_lint.baseline import apply_baseline, baseline_json, fingerprint
    from vipps_lint.models import Finding, Report, Request, SourceFile

    source = SourceFile(str(tmp_path / "dump.har"), str(tmp_path / "dump.har"))

    def finding(index):
        request = Request(
            source=source,
            index=index,
            method="POST",
            url="https://api.vipps.no/ecomm/v2/payments?x=1",
            body={"merchantInfo": {"callbackPrefix": "http://a.example"}},
        )
        return Finding("ecom-callback-https", "error", "m", request, pointer="/merchantInfo/callbackPrefix")

    first, second, third = finding(0), finding(5), finding(9)
    assert fingerprint(first) == fingerprint(second)  # the request's index is not part of its identity
    baseline_path = str(tmp_path / "baseline.json")
    recorded = baseline_json(Report(findings=[first, second]), baseline_path)
    assert [entry["count"] for entry in recorded["findings"]] == [2]
    from collections import Counter

    report = Report(findings=[first, second, third])
    apply_baseline(report, Counter({recorded["findings"][0]["fingerprint"]: 2}), baseline_path)
    assert report.findings == [third] and report.baselined == 2


def test_a_broken_baseline_is_exit_2(tmp_path):
    broken = tmp_path / "baseline.json"
    broken.write_text('{"version": 7}', encoding="utf-8")
    result = run_cli("check", "--baseline", str(broken), str(BAD_ECOM))
    assert result.returncode == 2 and "not a vipps-lint baseline" in result.stderr.decode()
    result = run_cli("check", "--baseline", str(tmp_path / "missing.json"), str(BAD_ECOM))
    assert result.returncode == 2 and "cannot read baseline" in result.stderr.decode()


def test_as_of_reports_announced_rules_one_severity_lower():
    status, report = run_json("--as-of", "2022-09-30", str(BAD_ECOM))
    assert status == 0  # only warnings before the change is enforced
    assert {f["severity"] for f in report["findings"]} == {"warning"}
    assert all(
        f["message"].endswith("(enforced from 2022-10-01; a warning until then, checking as of 2022-09-30)")
        for f in report["findings"]
    )
    status, report = run_json(str(BAD_ECOM))  # default: today
    assert status == 1 and {f["severity"] for f in report["findings"]} == {"error"}
    assert run_cli("check", "--as-of", "soon", str(BAD_ECOM)).returncode == 2


def test_the_baseline_file_of_the_run_is_not_linted_as_an_input(tmp_path):
    shutil.copy(BAD_ECOM, tmp_path / "body.json")
    (tmp_path / "more").mkdir()
    shutil.copy(BAD_ECOM, tmp_path / "more" / "other.json")
    written = run_cli("check", "--format", "concise", "--write-baseline", "base.json", ".", cwd=tmp_path)
    assert written.returncode == 1 and "Recorded 6 findings in base.json." in written.stderr.decode()
    for args in (["."], ["body.json", "more", "base.json"], ["--write-baseline", "base.json", "."]):
        status, report = run_json("--baseline", "base.json", *args, cwd=tmp_path)
        assert status == 0, report
        assert report["findings"] == [] and report["errors"] == []
        assert report["summary"]["files"] == 2  # body.json and more/other.json; never base.json
    # Another JSON file in the folder is still linted (a walk skips `{}`: no Vipps request).
    (tmp_path / "new.json").write_text('{"merchantInfo": {}}', encoding="utf-8")
    status, report = run_json("--baseline", "base.json", ".", cwd=tmp_path)
    assert [(f["file"], f["rule"]) for f in report["findings"]] == [("new.json", "route-unknown-body")]


def test_fix_reports_an_input_error_before_the_not_fixed_line_that_refers_to_it(tmp_path):
    line = json.dumps(
        {"method": "POST", "url": "https://api.vipps.no/ecomm/v2/payments", "body": json.loads(BAD_ECOM.read_text())}
    )
    (tmp_path / "l.ndjson").write_text(line + "\n{bad\n", encoding="utf-8")
    result = run_cli("check", "--fix", "--format", "concise", "l.ndjson", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert lines == [
        "l.ndjson:2:2: invalid JSON: Expecting property name enclosed in double quotes",
        "l.ndjson: not fixed: part of this file could not be parsed (see the error above)",
        "No fixes applied.",
    ]


def test_a_finding_on_a_response_without_a_body_has_the_same_fingerprint_in_every_process():
    # The missing body is a bare object() whose text holds a memory address: it must not reach
    # the fingerprint, or the baseline would never match such a finding in the next run.
    import subprocess
    import sys

    script = """
from vipps_lint.baseline import fingerprint, offending_value
from vipps_lint.models import Finding, Request, Response, SourceFile

request = Request(SourceFile("log.ndjson", None), 0, "POST", "https://api.vipps.no/epayment/v1/payments",
                  response=Response(status=502))
finding = Finding("response-server-error", "error", "failed with HTTP 502", request, part="response")
assert offending_value(finding) is None
print(fingerprint(finding))
"""
    prints = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    }
    assert len(prints) == 1 and len(prints.pop().strip()) == 32


def test_a_value_json_has_no_form_for_is_digested_without_its_memory_address():
    from decimal import Decimal

    from vipps_lint.models import NO_BODY, value_digest_of

    assert value_digest_of(NO_BODY) == value_digest_of(object())  # two objects, two addresses
    assert value_digest_of([NO_BODY]) == value_digest_of([object()])
    assert value_digest_of({"amount": Decimal("1.50")}) == value_digest_of({"amount": Decimal("1.50")})
    assert value_digest_of(Decimal("1.50")) != value_digest_of(Decimal("2.50"))
