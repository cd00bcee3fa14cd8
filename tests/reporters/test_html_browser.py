"""The HTML report in a real browser: Debian's Chromium, headless, driven by Playwright.

The page is loaded from a file, as a user opens it. Checked: no console errors, the charts
are drawn, the counts equal the JSON report's of the same run, the filters and sorting work,
a hostile body runs nothing, and the page asks for nothing from any network address.
Screenshots are saved as test artifacts (`test-artifacts/`, or $VIPPS_LINT_ARTIFACTS).

`.ci/run` installs Chromium when it is missing; the test is skipped, saying why, only where
no browser can be found.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_html_report import hostile_exchange

from vipps_lint.cli import main

from conftest import FIXTURES, REPO

pytestmark = pytest.mark.slow  # real processes or tools: seconds a test

HOSTILE = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"


def _chromium() -> str:
    candidates = (os.environ.get("VIPPS_LINT_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"))
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.skip("no Chromium on this machine (apt-get install chromium; .ci/run installs it when run as root)")


def _artifacts() -> Path:
    directory = Path(os.environ.get("VIPPS_LINT_ARTIFACTS") or REPO / "test-artifacts")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra installs playwright")
    with sync_api.sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The HTML and JSON reports of one run over fixtures/ and a log with hostile values."""
    work = tmp_path_factory.mktemp("dashboard")
    hostile_log = work / "hostile.ndjson"
    hostile_log.write_text(json.dumps(hostile_exchange(HOSTILE, "2024-06-14T12:00:00Z", title=HOSTILE)) + "\n")
    page, report = work / "report.html", work / "report.json"
    result = CliRunner().invoke(
        main,
        ["check", "--format", "html", "-o", str(page), "--output-json", str(report), str(FIXTURES), str(hostile_log)],
        catch_exceptions=False,
    )
    assert result.exit_code in (1, 2), result.output
    return page, json.loads(report.read_text(encoding="utf-8")), str(hostile_log)


def _open(browser, path: Path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    seen = {"requests": [], "problems": [], "dialogs": []}

    def route(route_request):
        seen["requests"].append(route_request.request.url)
        if route_request.request.url == path.as_uri():
            route_request.continue_()
        else:
            route_request.abort()

    context.route("**/*", route)
    page.on("console", lambda message: message.type in ("error", "warning") and seen["problems"].append(message.text))
    page.on("pageerror", lambda error: seen["problems"].append(str(error)))
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return context, page, seen


def _rows(page) -> int:
    return page.locator("#findings-table tbody tr.finding").count()


def test_the_report_in_chromium(browser, reports):
    path, report, hostile_log = reports
    context, page, seen = _open(browser, path)
    try:
        artifacts = _artifacts()
        page.screenshot(path=str(artifacts / "dashboard.png"))
        page.screenshot(path=str(artifacts / "dashboard-full.png"), full_page=True)

        # Charts drawn: every chart is an SVG with marks in it and room on the page.
        charts = page.locator("svg.chart")
        assert charts.count() == 3  # failure rate per endpoint, timeline, top rules
        for number in range(charts.count()):
            chart = charts.nth(number)
            assert chart.locator("rect").count() > 0
            box = chart.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 20

        # Counts on the page equal the JSON report's.
        summary = report["summary"]
        for key in ("requests", "files", "findings", "error", "warning", "info"):
            shown = page.locator(f'#summary [data-count="{key}"]').inner_text()
            assert int(shown.replace(",", "")) == summary[key], key
        per_rule: dict[str, int] = {}
        for finding in report["findings"]:
            per_rule[finding["rule"]] = per_rule.get(finding["rule"], 0) + 1
        for rule, count in per_rule.items():
            assert int(page.locator(f'#rule-{rule} [data-count="total"]').inner_text().replace(",", "")) == count
        assert _rows(page) == summary["findings"]

        # A filter click narrows the table: severity off, a rule's own findings, an endpoint.
        page.click('button.sev[data-severity="0"]')
        assert _rows(page) == summary["warning"] + summary["info"]
        page.click("#filter-reset")
        assert _rows(page) == summary["findings"]
        rule, count = min(per_rule.items(), key=lambda item: (item[1], item[0]))
        page.click(f"#rule-{rule} a.rule-filter")
        assert _rows(page) == count < summary["findings"]
        page.click("#filter-reset")
        page.select_option("#filter-endpoint", label="POST /epayment/v1/payments")
        endpoint_rows = _rows(page)
        assert 0 < endpoint_rows < summary["findings"]
        endpoints = page.locator("#findings-table tbody td:nth-child(3)").all_inner_texts()
        assert set(endpoints) == {"POST /epayment/v1/payments"}
        page.fill("#filter-text", "phoneNumber")
        assert 0 < _rows(page) < endpoint_rows
        page.click("#filter-reset")

        # Sorting by line, both ways.
        page.click('th[data-sort="3"]')
        lines = [int(text or 0) for text in page.locator("#findings-table tbody td:nth-child(5)").all_inner_texts()]
        assert lines == sorted(lines)
        page.click('th[data-sort="3"]')
        lines = [int(text or 0) for text in page.locator("#findings-table tbody td:nth-child(5)").all_inner_texts()]
        assert lines == sorted(lines, reverse=True)

        # A finding opens its request with the offending value marked, and the hint; a hostile
        # value is shown as text and runs nothing.
        page.click("#filter-reset")
        page.select_option("#filter-file", label=hostile_log)
        page.fill("#filter-text", "returnUrl")
        assert _rows(page) == 1
        page.locator("#findings-table tbody tr.finding").first.click()
        detail = page.locator("#findings-table tbody tr.detail")
        assert detail.count() == 1
        assert "http://example.com/" in detail.locator("mark").first.inner_text()
        assert HOSTILE in detail.inner_text()
        assert "hint:" in detail.inner_text()
        assert page.locator("#findings-table img").count() == 0
        detail.screenshot(path=str(artifacts / "dashboard-finding.png"))

        # The explain link opens the rule's embedded explanation.
        page.click(f"#rule-{rule} a.explain-link")
        assert page.locator(f"#explain-{rule}").get_attribute("open") is not None
        assert f"vipps-lint explain {rule}" in page.locator(f"#explain-{rule} summary").inner_text()

        assert seen["problems"] == []
        assert seen["dialogs"] == []
        assert seen["requests"] == [path.as_uri()]  # nothing but the page itself: no network address at all
    finally:
        context.close()
