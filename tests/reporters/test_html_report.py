"""`--format html`: the API Dashboard page — its data, its safety, its size caps.

The page in a real browser (charts drawn, counts, filters, no network) is tested in
test_html_browser.py; here: what the page holds, read with the standard HTML parser.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from vipps_lint.cli import main
from vipps_lint.models import Finding, Position, Report, Request, SourceFile
from vipps_lint.reporters import ReportOptions
from vipps_lint.reporters import html as html_report
from vipps_lint.sources.timestamps import parse_time

from conftest import FIXTURES


class _Page(HTMLParser):
    """What the browser would see: script elements (with their text), external references, text."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.references: list[str] = []
        self.text: list[str] = []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self._in_script = {"attrs": attributes, "text": ""}
            self.scripts.append(self._in_script)
        for name in ("src", "href", "action", "data", "poster"):
            value = attributes.get(name)
            if value and tag != "a":  # links are followed only when clicked; everything else would load
                self.references.append(f"{tag} {name}={value}")
        if tag == "link":
            self.references.append(f"link {attributes}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            self._in_script["text"] += data
        else:
            self.text.append(data)


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args], catch_exceptions=False)
    return result.exit_code, result.output


def _html_and_json(tmp_path, *inputs: str) -> tuple[str, dict]:
    html_file, json_file = tmp_path / "report.html", tmp_path / "report.json"
    status, output = _check("--format", "html", "-o", str(html_file), "--output-json", str(json_file), *inputs)
    assert status in (0, 1, 2), output
    return html_file.read_text(encoding="utf-8"), json.loads(json_file.read_text(encoding="utf-8"))


def _data(page: str) -> dict:
    parsed = _Page()
    parsed.feed(page)
    (data,) = [script["text"] for script in parsed.scripts if script["attrs"].get("type") == "application/json"]
    return json.loads(data)


def test_timestamps_of_logs():
    assert parse_time("2024-06-14T08:02:11.204Z") == pytest.approx(1718352131.204)
    assert (
        parse_time("2024-06-14T10:02:11+02:00")
        == parse_time("2024-06-14T08:02:11Z")
        == parse_time("2024-06-14 08:02:11")
    )
    assert parse_time(1718352131) == parse_time(1718352131000) == parse_time("1718352131000") == 1718352131
    for not_a_time in (None, True, 12, "yesterday", "2024-13-40T00:00:00Z", "9" * 400, 2e12 * 1e9, {"a": 1}):
        assert parse_time(not_a_time) is None


def test_the_page_is_self_contained_and_its_script_is_the_only_one_allowed(tmp_path):
    page, _ = _html_and_json(tmp_path, str(FIXTURES))
    parsed = _Page()
    parsed.feed(page)
    assert parsed.references == []
    assert "@import" not in page and "url(" not in page
    assert [script["attrs"].get("type") for script in parsed.scripts] == ["application/json", None]
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in policy and "connect-src" not in policy  # no fetch, no XHR, no beacon
    import base64
    import hashlib

    code = parsed.scripts[1]["text"]
    assert f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'" in policy


def test_counts_per_endpoint_rule_and_the_table_match_the_json_report(tmp_path):
    page, report = _html_and_json(tmp_path, str(FIXTURES / "ndjson"), str(FIXTURES / "har"))
    summary = report["summary"]
    for key in ("requests", "files", "findings", "error", "warning", "info"):
        assert f'data-count="{key}">{summary[key]:,}<' in page
    data = _data(page)
    assert len(data["rows"]) == data["total"] == summary["findings"]
    per_rule: dict[str, int] = {}
    for finding in report["findings"]:
        per_rule[finding["rule"]] = per_rule.get(finding["rule"], 0) + 1
    for rule, count in per_rule.items():
        row = re.search(rf'<tr id="rule-{re.escape(rule)}".*?data-count="total">([\d,]+)<', page).group(1)
        assert int(row.replace(",", "")) == count
        assert f'id="explain-{rule}"' in page  # the rule's explain text is in the page


def test_endpoints_show_statuses_error_codes_with_meaning_and_since_when(tmp_path):
    page, _ = _html_and_json(tmp_path, str(FIXTURES / "ndjson" / "2024-06-14-shop.ndjson"))
    row = re.search(r'<tr data-endpoint="POST /epayment/v1/payments">.*?</tr>', page).group(0)
    assert 'data-count="calls">1<' in row and 'data-count="failed">1<' in row and "100.0%" in row
    assert "4070 × 1" in row and "invalid phone number" in row  # the Vipps error code, explained
    assert "400 × 1" in row
    lookups = re.search(r'<tr data-endpoint="GET /epayment/v1/payments/\{[Rr]eference\}">.*?</tr>', page).group(0)
    assert 'data-count="calls">1<' in lookups and 'data-count="failed">0<' in lookups and "200 × 1" in lookups
    assert "2024-06-14 10:05 UTC" in row  # failing since
    assert 'href="#rule-epayment-phone-msisdn"' in row  # which rule would have prevented it
    ecom = re.search(r'<tr data-endpoint="POST /ecomm/v2/payments">.*?</tr>', page).group(0)
    assert "InvalidRequest × 1" in ecom and "callbackPrefix: must be a valid HTTPS URL" in ecom


def test_timeline_from_log_times_and_none_without(tmp_path):
    page, report = _html_and_json(tmp_path, str(FIXTURES / "ndjson" / "2024-06-14-shop.ndjson"))
    assert '<section id="timeline">' in page
    assert "2024-06-14 08:02 UTC to 2024-06-14 16:12 UTC, one bar per 5 minutes" in page
    bars = re.findall(r"<title>(2024-06-14 [^<]+)</title>", page)
    assert (
        sum(int(re.search(r"([\d,]+) requests?", bar).group(1)) for bar in set(bars)) == report["summary"]["requests"]
    )
    bodies, _ = _html_and_json(tmp_path, str(FIXTURES / "epayment"))
    assert 'id="timeline"' not in bodies  # bare bodies carry no time


def test_timeline_bucket_size_follows_the_span():
    assert html_report.timeline_buckets({100: [1, 0, 0], 150: [2, 1, 3]})[0] == 1
    size, _, buckets = html_report.timeline_buckets({0: [1, 0, 0], 60 * 24 * 7: [1, 1, 1]})
    assert size == 60 and len(buckets) <= html_report.MAX_BUCKETS and sum(b[0] for b in buckets) == 2
    size, _, buckets = html_report.timeline_buckets({0: [1, 0, 0], 60 * 24 * 365 * 20: [1, 0, 0]})
    assert len(buckets) <= html_report.MAX_BUCKETS and size % 10080 == 0


def hostile_exchange(hostile: str, ts: str, **answer) -> dict:
    """A logged ePayment create call (and its 400 answer, `answer` its body) with `hostile`
    in the reference, the return URL and the answer: values every report shows."""
    return {
        "ts": ts,
        "method": "POST",
        "url": "https://apitest.vipps.no/epayment/v1/payments",
        "headers": {"Content-Type": "application/json"},
        "body": {
            "amount": {"currency": "NOK", "value": 100},
            "paymentMethod": {"type": "WALLET"},
            "reference": hostile,
            "returnUrl": "http://example.com/" + hostile,
            "userFlow": "WEB_REDIRECT",
        },
        "response": {"status": 400, "body": answer},
    }


def test_request_values_are_text_never_markup(tmp_path):
    hostile = "</script><script>alert(1)</script><img src=x onerror=alert(2)><!--"
    line = hostile_exchange(hostile, "2024-06-14T08:00:00Z", title=hostile, detail=hostile)
    log = tmp_path / "hostile.ndjson"
    unknown_path = {
        "method": "GET",
        "url": "https://apitest.vipps.no/epayment/v1/<script>alert(3)</script>",
        "status": 404,
    }
    log.write_text(json.dumps(line) + "\n" + json.dumps(unknown_path) + "\n")
    page, report = _html_and_json(tmp_path, str(log))
    assert report["summary"]["findings"] >= 2
    parsed = _Page()
    parsed.feed(page)
    assert len(parsed.scripts) == 2 and parsed.references == []
    # Raw only inside the JSON data, which cannot end its script element (`<\/`)…
    outside_data = re.sub(
        r'(<script type="application/json" id="findings-data">).*?(</script>)', r"\1\2", page, flags=re.DOTALL
    )
    assert "<img" not in outside_data and "<script>alert" not in outside_data
    assert "</script" not in re.search(r'id="findings-data">(.*?)</script>', page, re.DOTALL).group(1)
    data = _data(page)
    assert any(hostile in json.dumps(data["details"], ensure_ascii=False) for _ in [0])  # shown as text, in full
    # …and escaped where the page is HTML: the endpoint of the unknown path is text of the page.
    assert "GET /epayment/v1/<script>alert(3)</script>" in "".join(parsed.text)
    assert "GET /epayment/v1/&lt;script&gt;alert(3)&lt;/script&gt;" in page


def _report_with(count_by_rule: dict[str, int]) -> Report:
    source = SourceFile("big.ndjson", None)
    report = Report(files=1, requests=sum(count_by_rule.values()))
    line = 0
    for rule, count in count_by_rule.items():
        for _ in range(count):
            line += 1
            request = Request(
                source,
                line - 1,
                "POST",
                "https://apitest.vipps.no/epayment/v1/payments",
                body={"customer": {"phoneNumber": f"+47 {line:08d}"}},
            )
            report.findings.append(
                Finding(
                    rule,
                    "error",
                    f"finding {line}",
                    request,
                    pointer="/customer/phoneNumber",
                    position=Position(line, 1),
                    hint="Send 4791234567",
                )
            )
    return report


def test_beyond_the_cap_the_table_lists_every_rule_and_says_how_many_it_left_out(monkeypatch):
    import io

    monkeypatch.setattr(html_report, "ROW_CAP", 50)
    monkeypatch.setattr(html_report, "DETAIL_CAP", 10)
    report = _report_with({"frequent-rule": 500, "rare-rule": 3, "other-rule": 40})
    out = io.StringIO()
    html_report.render(report, out, ReportOptions())
    page = out.getvalue()
    data = _data(page)
    assert len(data["rows"]) == 50 and data["total"] == 543
    assert {data["rules"][row[0]] for row in data["rows"]} == {"frequent-rule", "rare-rule", "other-rule"}
    assert sum(1 for row in data["rows"] if data["rules"][row[0]] == "rare-rule") == 3
    assert "493 are left out" in page
    assert len(data["details"]) == 10
    assert [row[3] for row in data["rows"]] == sorted(row[3] for row in data["rows"])  # input order


def test_the_offending_value_is_marked_in_the_masked_request():
    report = _report_with({"epayment-phone-msisdn": 1})
    request = report.findings[0].request
    request.headers = [
        ("Authorization", "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVl")
    ]
    detail = html_report.request_detail(report.findings[0], lambda text: text.replace("eyJ0eXAiOiJKV1Qi", "eyJ0…"))
    before, marked, after = detail["body"]
    assert marked == '"+47 00000001"' and '"phoneNumber": ' in before and after.strip().startswith("}")
    assert detail["headers"][0][0].startswith("Authorization: Bearer eyJ0…")


def test_the_explain_text_in_the_page_is_what_explain_prints(tmp_path):
    import html

    page, _ = _html_and_json(tmp_path, str(FIXTURES / "epayment" / "create-bad-phone-and-return.json"))
    for rule in ("epayment-phone-msisdn", "epayment-return-url"):
        embedded = re.search(rf'<details id="explain-{rule}">.*?<pre>(.*?)</pre>', page, re.S).group(1)
        printed = CliRunner().invoke(main, ["explain", rule], env={"NO_COLOR": "1"}).output
        assert html.unescape(embedded) == printed.strip()
        assert f'href="#explain-{rule}"' in page


def test_har_entries_carry_their_time_into_the_timeline():
    from vipps_lint.pipeline import Linter, Settings

    report = Linter(Settings()).run([str(FIXTURES / "har" / "checkout-session.har")])
    assert report.timeline and sum(counts[0] for counts in report.timeline.values()) == report.requests
    assert min(report.timeline) * 60 == parse_time("2026-11-20T10:15:00Z")


@pytest.mark.parametrize("dump", ["2024-06-14-shop.ndjson", "production-live-token.ndjson"])
def test_no_secret_of_a_log_is_in_the_page(tmp_path, dump):
    from vipps_lint.models import Request as RequestType
    from vipps_lint.secrets import collect_secrets
    from vipps_lint.sources import ReadOptions, read_source

    path = FIXTURES / "ndjson" / dump
    secrets = set()
    for item in read_source(SourceFile(str(path), str(path)), ReadOptions()):
        if isinstance(item, RequestType):
            secrets |= collect_secrets(item)
    assert secrets
    page, _ = _html_and_json(tmp_path, str(path))
    data = _data(page)
    assert any(detail["headers"] for detail in data["details"])  # requests with their (masked) headers are shown
    for secret in secrets:
        assert secret not in page and secret[8:] not in page, secret[:4]


def test_a_huge_or_deep_body_is_shown_in_bounded_time_and_size():
    wide = {
        "items": [{"name": f"item {number}", "price": number} for number in range(200_000)],
        "returnUrl": "http://x",
    }
    report = _report_with({"epayment-return-url": 1})
    finding = report.findings[0]
    finding.request.body, finding.pointer = wide, "/returnUrl"
    before, marked, after = html_report.request_detail(finding, lambda text: text)["body"]
    assert marked == '"http://x"' and len(before) + len(after) < 5000
    deep: dict = {}
    inner = deep
    for _ in range(500):
        inner["a"] = {}
        inner = inner["a"]
    pretty = html_report._Pretty(lambda text: text, ["a"])
    pretty.value(deep, [], 0)
    assert "{…}" in "".join(pretty.parts) and pretty.size < 10_000  # cut at MAX_DEPTH levels


def test_control_characters_bidi_overrides_and_lone_surrogates_are_shown_as_escapes(tmp_path):
    # Written as JSON escapes in the log, so the line itself is plain ASCII.
    line = (
        '{"ts": "2024-06-14T08:00:00Z", "method": "POST", "url": "https://apitest.vipps.no/epayment/v1/payments/\\u202eevil",'
        ' "status": 404, "body": {"reference": "a\\u001b[2Jb\\ud800c\\u202ed"}}'
    )
    log = tmp_path / "controls.ndjson"
    log.write_text(line + "\n", encoding="utf-8")
    page, report = _html_and_json(tmp_path, str(log))  # a lone surrogate would not even encode
    assert report["summary"]["findings"] >= 1
    for raw in ("\u202e", "\x1b", "\ud800"):
        assert raw not in page
    assert "\\u202eevil" in page  # the endpoint, escaped
    data = _data(page)
    body = "".join("".join(detail.get("body", [])) for detail in data["details"])
    assert "\\u001b[2J" in body and "\\ud800" in body and "\\u202ed" in body
