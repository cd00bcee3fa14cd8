"""A report's findings keep a `RequestSummary`, not their whole request (issues 11 and 13), and
every output is the same as with whole requests: reports, fingerprints, fix counts and fixes.
The JSON report is streamed, byte for byte what the json module writes."""

from __future__ import annotations

import io
import json

from vipps_lint.baseline import fingerprint
from vipps_lint.fixes import count_fixable, fix_plans
from vipps_lint.models import Finding, Fix, Position, Report, Request, RequestSummary, SourceFile
from vipps_lint.pipeline import Linter, Settings
from vipps_lint.reporters import FORMATS, ReportOptions, write_report
from vipps_lint.reporters.json_report import render, report_json

from conftest import FIXTURES


def _reports(fix_places: bool = True) -> tuple[Report, Report]:
    whole = Linter(Settings()).run([str(FIXTURES)])
    kept = Linter(Settings(whole_requests=False, fix_places=fix_places)).run([str(FIXTURES)])
    return whole, kept


def _written(report: Report, output_format: str) -> str:
    stream = io.StringIO()
    write_report(report, output_format, stream, ReportOptions(color=False, rules={}))
    return stream.getvalue()


def test_findings_keep_a_summary_and_every_output_is_the_same():
    whole, kept = _reports()

    assert len(kept.findings) == len(whole.findings) > 100
    assert all(isinstance(finding.request, Request) for finding in whole.findings)
    assert all(isinstance(finding.request, RequestSummary) for finding in kept.findings)
    assert not any(hasattr(finding.request, name) for finding in kept.findings for name in ("headers", "body"))
    for output_format in sorted(set(FORMATS) - {"html"}):  # the HTML report shows whole requests
        assert _written(kept, output_format) == _written(whole, output_format), output_format
    assert [fingerprint(finding) for finding in kept.findings] == [fingerprint(finding) for finding in whole.findings]
    assert count_fixable(kept) == count_fixable(whole) > 0
    kept_plans, kept_refused = fix_plans(kept)
    whole_plans, whole_refused = fix_plans(whole)
    assert kept_refused == whole_refused
    assert [(plan.source.display, plan.fixed) for plan in kept_plans] == [
        (plan.source.display, plan.fixed) for plan in whole_plans
    ]


def test_without_a_fix_stage_no_body_place_is_kept():
    whole, kept = _reports(fix_places=False)

    fixable = [finding for finding in kept.findings if finding.fix is not None and finding.part == "body"]
    assert fixable and all(finding.request.meta is None for finding in fixable)
    assert [fingerprint(finding) for finding in kept.findings] == [fingerprint(finding) for finding in whole.findings]


def test_findings_of_one_request_share_its_summary():
    _whole, kept = _reports()

    by_request: dict = {}
    for finding in kept.findings:
        by_request.setdefault((finding.file, finding.request.index), set()).add(id(finding.request))
    assert all(len(ids) == 1 for ids in by_request.values())


def test_the_streamed_json_report_is_what_the_json_module_writes():
    source = SourceFile("odd.json", None, "{}")
    request = Request(source, 0, method="POST", url="https://apitest.vipps.no/x", body={})
    odd_values = [
        {"nested": {"list": [1, 2.5, None, True, [], {}], "text": 'é "quoted" \\ \u2028'}},
        float("nan"),
        1e400,
        {1: "a key that is no string"},
        [["deep"], {"a": []}],
        "\ud800",
        10**30,
    ]
    findings = [
        Finding("rule", "error", f"message {number}", request, pointer="/x", position=Position(1, number + 1))
        for number in range(len(odd_values))
    ]
    for finding, value in zip(findings, odd_values):
        finding.fix = Fix(value, "set it")
    for report in (Report(files=1, requests=1, findings=findings), Report(files=1, requests=1)):
        stream = io.StringIO()
        render(report, stream, ReportOptions())
        assert stream.getvalue() == json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n"


def test_the_fixtures_json_report_is_what_the_json_module_writes():
    whole, kept = _reports()
    source = SourceFile('odd "name" é\t.json', None, "{}")
    odd = Request(source, 7, method=None, url='https://x/"\\\u2028\x00', name='naïve "name"', body={})
    whole.findings.append(Finding("r", "info", "tab\there \u00e9 \ud83d\ude00", odd, part="header", header='X-"h"'))
    for report in (whole, kept):
        stream = io.StringIO()
        render(report, stream, ReportOptions())
        assert stream.getvalue() == json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n"
