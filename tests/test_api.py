"""The Python API (`vipps_lint.lint_request`, `vipps_lint.Linter`) as its users see it:
the same findings as the CLI on the same request, every body form, configuration like
the CLI's, masking, and the compiled linter kept per configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import vipps_lint
from vipps_lint.cli import main
from vipps_lint.models import Request
from vipps_lint.sources import ReadOptions, expand_paths, read_source

from conftest import bench_module

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

EPAYMENT_URL = "https://apitest.vipps.no/epayment/v1/payments"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcmVmbGlnaHQtdGVzdCJ9.c2lnbmF0dXJlLXByZWZsaWdodA"
GOOD_HEADERS = bench_module("corpus").shop_headers(TOKEN)
KEY = GOOD_HEADERS["Ocp-Apim-Subscription-Key"]


def body(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def key(finding) -> tuple:
    return finding.rule, finding.severity, finding.part, finding.pointer, finding.header, finding.message, finding.hint


def test_the_public_names_are_exported_and_typed():
    for name in ("lint_request", "Linter", "Finding", "Findings", "PreflightError", "ConfigError", "BodyError", "Fix"):
        assert getattr(vipps_lint, name) is getattr(vipps_lint.api, name)
    assert (REPO / "vipps_lint" / "py.typed").is_file()
    with pytest.raises(AttributeError):
        vipps_lint.no_such_name  # noqa: B018 - the attribute lookup is what must raise


def test_a_good_request_has_no_findings():
    findings = vipps_lint.lint_request("POST", EPAYMENT_URL, GOOD_HEADERS, body("epayment/create-good.json"))
    assert list(findings) == []
    assert findings.linted and findings.operation == "POST /epayment/v1/payments"
    assert not findings.fails("info") and findings.worst is None and findings.text() == ""


def test_a_bad_body_gives_findings_with_every_field():
    findings = vipps_lint.lint_request(
        "POST", EPAYMENT_URL, GOOD_HEADERS, body("epayment/create-bad-phone-and-return.json")
    )
    by_rule = {finding.rule: finding for finding in findings}
    phone = by_rule["epayment-phone-msisdn"]
    assert (phone.severity, phone.part, phone.pointer, phone.header) == ("error", "body", "/customer/phoneNumber", None)
    assert "+47 912 34 567" in phone.message and "4791234567" in phone.hint
    assert phone.fix is not None and phone.fix.value == "4791234567"
    assert phone.line is not None and phone.column is not None  # in json.dumps(body, indent=2)
    assert by_rule["epayment-return-url"].fix.value.startswith("https://example.com/vipps/return")
    assert findings.fails("error") and findings.worst == "error"
    assert phone.to_dict()["fix"] == {"value": "4791234567", "description": phone.fix.description}
    assert str(phone).startswith("error[epayment-phone-msisdn] ")


@pytest.mark.parametrize("form", ["bytes", "str", "parsed"])
def test_body_as_bytes_str_or_parsed_gives_the_same_findings(form):
    data = body("epayment/create-bad-phone-and-return.json")
    text = json.dumps(data, indent=2)
    given = {"bytes": text.encode(), "str": text, "parsed": data}[form]
    findings = vipps_lint.lint_request("POST", EPAYMENT_URL, GOOD_HEADERS, given)
    assert sorted(map(key, findings)) == sorted(
        map(key, vipps_lint.lint_request("POST", EPAYMENT_URL, GOOD_HEADERS, data))
    )
    phone = next(finding for finding in findings if finding.rule == "epayment-phone-msisdn")
    line = text.splitlines()[phone.line - 1]
    assert line[phone.column - 1 :].startswith('"+47 912 34 567"')


def _cli_findings(path: Path) -> list[dict]:
    result = CliRunner().invoke(main, ["check", "--isolated", "--format", "json", str(path)])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)["findings"]


@pytest.mark.parametrize("dump", ["http/vipps-payments.http", "curl/create-payment.sh", "curl/ecom-and-klarna.curl"])
def test_same_findings_as_the_cli_on_the_same_requests(dump):
    """Each request of a dump, sent through the API as a client would send it, gets the
    findings `vipps-lint check` reports for it (the dump-format rules aside)."""
    path = FIXTURES / dump
    source = next(iter(expand_paths([str(path)])))
    requests = [item for item in read_source(source, ReadOptions()) if isinstance(item, Request)]
    assert requests
    cli = _cli_findings(path)
    compared = 0
    for request in requests:
        if request.meta.unknown_at_lint_time or request.url is None:
            continue
        raw = request.meta.body_text
        findings = vipps_lint.lint_request(
            request.method,
            request.url,
            request.headers,
            raw if raw is not None else (None if not request.has_body else request.body),
        )
        expected = sorted(
            (
                item["rule"],
                item["severity"],
                item["part"],
                item["pointer"],
                item["header"],
                item["message"],
                item["hint"],
            )
            for item in cli
            if item["request"]["index"] == request.index and item["rule"] != "unresolved-variable"
        )
        assert sorted(map(key, findings)) == expected, (request.index, request.url)
        compared += 1
    assert compared >= 1


def test_headers_none_means_unknown_and_empty_means_none_were_sent():
    data = body("epayment/create-good.json")
    assert not [f for f in vipps_lint.lint_request("POST", EPAYMENT_URL, None, data) if f.part == "header"]
    missing = {f.rule for f in vipps_lint.lint_request("POST", EPAYMENT_URL, {}, data) if f.part == "header"}
    assert {"header-authorization-bearer", "header-subscription-key", "header-idempotency-key"} <= missing


def test_headers_as_pairs_or_a_clients_headers_object():
    requests = pytest.importorskip("requests")
    data = body("epayment/create-good.json")
    pairs = list(GOOD_HEADERS.items())
    case_insensitive = requests.structures.CaseInsensitiveDict(GOOD_HEADERS)
    for headers in (pairs, case_insensitive):
        assert list(vipps_lint.lint_request("POST", EPAYMENT_URL, headers, data)) == []


def test_a_request_to_another_api_is_not_linted():
    findings = vipps_lint.lint_request("POST", "https://api.example.com/orders", {}, {"phoneNumber": "+47 91 23 45 67"})
    assert findings.linted is False and list(findings) == []


def test_endpoint_says_which_call_a_bare_body_is_for():
    data = body("ecom/initiate-http-urls.json")
    findings = vipps_lint.lint_request("POST", "/some/internal/path", None, data, endpoint="POST /ecomm/v2/payments")
    assert "ecom-callback-https" in {finding.rule for finding in findings}


def test_a_body_that_is_not_json_raises_body_error_with_its_position():
    with pytest.raises(vipps_lint.BodyError) as raised:
        vipps_lint.lint_request("POST", EPAYMENT_URL, GOOD_HEADERS, '{"amount": {"value": 100,}}')
    assert raised.value.line == 1 and raised.value.column is not None
    assert "not valid JSON" in str(raised.value)
    # A form body is not JSON and not meant to be: nothing to judge in it.
    findings = vipps_lint.lint_request(
        "POST",
        "https://apitest.vipps.no/accesstoken/get",
        {"Content-Type": "application/x-www-form-urlencoded"},
        b"grant_type=client_credentials",
    )
    assert findings.linted


def test_secrets_are_masked_in_messages_hints_urls_and_the_text_report():
    headers = dict(GOOD_HEADERS, Authorization=f"Bearer {TOKEN} extra")
    url = f"{EPAYMENT_URL}?access_token={TOKEN}"
    findings = vipps_lint.lint_request("POST", url, headers, body("epayment/create-bad-phone-and-return.json"))
    assert findings
    everything = findings.text() + findings.url + json.dumps([finding.to_dict() for finding in findings])
    assert TOKEN not in everything and TOKEN[:4] + "…" in everything
    assert "request:" in findings.text() and "hint:" in findings.text()


def test_a_fix_that_would_carry_a_secret_is_masked_too():
    # Fixing http:// to https:// keeps the query: the fix (value and description) is what the
    # hooks log and the proxy writes to its log and 400 body, so it is masked like the message.
    secret = "CLIENTSECRETvalue1234567890abcdef"
    data = body("epayment/create-bad-phone-and-return.json")
    data["returnUrl"] = f"http://example.com/return?client_secret={secret}"
    findings = vipps_lint.lint_request("POST", EPAYMENT_URL, GOOD_HEADERS, data)
    fixed = next(f for f in findings if f.rule == "epayment-return-url").fix
    assert fixed is not None and fixed.value.startswith("https://example.com/return?client_secret=CLIE…")
    everything = repr(findings) + json.dumps([finding.to_dict() for finding in findings])
    assert secret not in everything and secret[4:20] not in everything


def test_linter_is_configured_like_the_cli(tmp_path):
    data = body("epayment/create-bad-phone-and-return.json")
    only_phone = vipps_lint.Linter(select=["epayment-phone"])
    assert {f.rule for f in only_phone.lint_request("POST", EPAYMENT_URL, GOOD_HEADERS, data)} == {
        "epayment-phone-msisdn"
    }
    config = tmp_path / "pyproject.toml"
    config.write_text(
        '[tool.vipps-lint]\nignore = ["epayment-return-url"]\nfail-on = "warning"\n'
        '[tool.vipps-lint.severity]\nepayment-phone-msisdn = "warning"\n'
    )
    configured = vipps_lint.Linter(config)
    assert configured.fail_on == "warning"
    findings = configured.lint_request("POST", EPAYMENT_URL, GOOD_HEADERS, data)
    assert "epayment-return-url" not in {f.rule for f in findings}
    assert next(f for f in findings if f.rule == "epayment-phone-msisdn").severity == "warning"
    # Keyword arguments override the file, as command-line options do.
    assert vipps_lint.Linter(config, fail_on="error").fail_on == "error"
    mapping = vipps_lint.Linter({"ignore": ["epayment"]})
    assert not [
        f for f in mapping.lint_request("POST", EPAYMENT_URL, GOOD_HEADERS, data) if f.rule.startswith("epayment")
    ]


def test_bad_configuration_raises_config_error_at_once(tmp_path):
    with pytest.raises(vipps_lint.ConfigError, match="matches no rule"):
        vipps_lint.Linter(select=["epayment-phone-msisdnn"])
    broken = tmp_path / ".vipps-lint.yaml"
    broken.write_text("fail-on: sometimes\n")
    with pytest.raises(vipps_lint.ConfigError, match="fail-on"):
        vipps_lint.Linter(broken)
    with pytest.raises(vipps_lint.ConfigError, match="unknown configuration key"):
        vipps_lint.Linter({"selct": ["x"]})
    with pytest.raises(ValueError):
        vipps_lint.Linter(fail_on="fatal")


def test_the_compiled_linter_is_kept_per_configuration(tmp_path):
    from vipps_lint import api

    assert api.linter_for(None) is api.linter_for(None)
    assert api.linter_for({"ignore": ["header"]}) is api.linter_for({"ignore": ["header"]})
    assert api.linter_for({"ignore": ["header"]}) is not api.linter_for(None)
    config = tmp_path / ".vipps-lint.yaml"
    config.write_text("ignore: [header]\n")
    first = api.linter_for(str(config))
    assert api.linter_for(str(config)) is first
    config.write_text("ignore: [header, schema]\n# edited\n")
    assert api.linter_for(str(config)) is not first  # an edited file is read again
    own = vipps_lint.Linter()
    assert api.linter_for(own) is own


def test_lint_response_explains_a_vipps_problem_with_its_error_code():
    linter = vipps_lint.Linter()
    problem = {
        "type": "https://developer.vippsmobilepay.com/docs/APIs/epayment-api/errors",
        "title": "Bad Request",
        "detail": "Invalid phone number",
        "status": 400,
        "traceId": "a1b2c3",
        "extraDetails": [{"name": "ErrorCode", "reason": "4070"}],
    }
    findings = linter.lint_response(
        "POST", EPAYMENT_URL, 400, {"Content-Type": "application/problem+json"}, json.dumps(problem)
    )
    assert [f.rule for f in findings] == ["response-client-error"]
    assert "4070" in findings[0].message and "MSISDN" in findings[0].hint
    assert list(linter.lint_response("POST", EPAYMENT_URL, 200, {}, b"{}")) == []


def test_a_linter_pickles_as_its_configuration_and_lints_batches():
    """What a Spark job or a worker pool needs: the linter travels as its settings and is
    compiled again where it lands; a batch of rows never stops at a bad one."""
    import pickle

    linter = vipps_lint.Linter({"ignore": ["header"]}, fail_on="warning")
    copy = pickle.loads(pickle.dumps(linter))
    assert copy is not linter and copy.fail_on == "warning" and copy.rules == linter.rules
    rows = [
        {"method": "POST", "url": EPAYMENT_URL, "headers": GOOD_HEADERS, "body": body("epayment/create-good.json")},
        {"method": "POST", "url": EPAYMENT_URL, "body": '{"amount": '},
        {"method": "POST", "url": EPAYMENT_URL, "body": json.dumps(body("epayment/create-bad-phone-and-return.json"))},
    ]
    good, broken, bad = copy.lint_batch(rows)
    assert list(good) == [] and broken.errors and "not valid JSON" in broken.errors[0]
    assert "epayment-phone-msisdn" in {finding.rule for finding in bad}


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ('{"amount": {"currency": "NOK", "value": NaN}}', "request:1:41: the body is not valid JSON: NaN"),
        (
            '{"amount": {"currency": "NOK", "value": 1e400}}',
            "request:1:41: the body is not valid JSON: the number 1e400",
        ),
        ({"amount": {"currency": "NOK", "value": float("nan")}}, "NaN and Infinity are not JSON numbers"),
        ({"amount": {"currency": "NOK", "value": float("inf")}}, "NaN and Infinity are not JSON numbers"),
    ],
)
def test_nan_and_infinite_numbers_are_a_body_error_not_a_crash(body, said):
    with pytest.raises(vipps_lint.BodyError) as raised:
        vipps_lint.lint_request("POST", EPAYMENT_URL, GOOD_HEADERS, body)
    assert said in str(raised.value)


def test_a_parsed_body_nested_past_the_recursion_limit_is_a_body_error():
    deep: dict = {}
    inner = deep
    for _ in range(5000):
        inner["a"] = {}
        inner = inner["a"]
    with pytest.raises(vipps_lint.BodyError, match="nested too deeply"):
        vipps_lint.lint_request("POST", EPAYMENT_URL, GOOD_HEADERS, deep)


@pytest.mark.parametrize("form", ["escaped text", "parsed"])
def test_a_lone_surrogate_is_linted_and_shown_escaped_not_a_crash(form):
    # RE2 (the schema patterns) reads UTF-8, which has no form for "\ud800": it once raised UnicodeEncodeError.
    data = body("epayment/create-good.json")
    data["reference"] = "\ud800abcdefgh"
    sent = json.dumps(data) if form == "escaped text" else data
    findings = vipps_lint.lint_request("POST", EPAYMENT_URL, GOOD_HEADERS, sent)
    [pattern] = [finding for finding in findings if finding.rule == "schema-pattern"]
    assert pattern.pointer == "/reference" and "\\ud800abcdefgh" in pattern.message
    json.dumps([finding.to_dict() for finding in findings], ensure_ascii=False).encode(
        "utf-8"
    )  # writable as a log line
