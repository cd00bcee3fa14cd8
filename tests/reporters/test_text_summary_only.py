"""A report with nothing but its summary line is written without rich when rich would write
no escape sequences: the same text, byte for byte, as rich writes."""

from __future__ import annotations

import io

import pytest

from vipps_lint.models import InputError, Report
from vipps_lint.reporters import ReportOptions
from vipps_lint.reporters import text as text_reporter


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


REPORTS = [
    Report(files=1, requests=1),
    Report(files=3, requests=7, skipped=2, not_requests=1, baselined=4, fixable=0),
    Report(files=2, requests=1, errors=[InputError("a.json", "bad"), InputError("a.json", "worse")]),
]
OPTIONS = [
    ReportOptions(),
    ReportOptions(color=False),
    ReportOptions(color=True),
    ReportOptions(quiet=True),
    ReportOptions(concise=True),
    ReportOptions(statistics=True),
]
ENVIRONMENTS = [{}, {"NO_COLOR": "1"}, {"FORCE_COLOR": "1"}, {"FORCE_COLOR": ""}, {"TTY_COMPATIBLE": "0"}]


def _through_rich(report, stream, options) -> None:
    from rich.text import Text

    console = text_reporter._console(stream, options)
    if options.quiet:
        return
    console.print(Text(text_reporter.summary_line(report), style="bold" if report.errors else "bold green"))


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("stream_type", [io.StringIO, _Terminal])
def test_the_summary_only_report_is_what_rich_writes(monkeypatch, environment, stream_type):
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    for report in REPORTS:
        for options in OPTIONS:
            written, expected = stream_type(), stream_type()
            text_reporter.render(report, written, options)
            _through_rich(report, expected, options)
            assert written.getvalue() == expected.getvalue(), (report, options, environment)


def test_a_clean_run_does_not_import_rich(monkeypatch):
    import sys

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    monkeypatch.setitem(sys.modules, "rich", None)  # importing it would raise ImportError
    monkeypatch.setitem(sys.modules, "rich.text", None)
    stream = io.StringIO()
    text_reporter.render(Report(files=1, requests=1), stream, ReportOptions())
    assert stream.getvalue() == "No problems found (1 request in 1 file).\n"
