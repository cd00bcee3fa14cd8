"""Small user-facing promises of the reports and rule pages, through the real CLI."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, run_cli, run_json

GOOD = (FIXTURES / "ecom" / "initiate-http-urls.json").read_bytes()


def test_summary_counts_unreadable_inputs_not_their_problems(tmp_path):
    (tmp_path / "good.json").write_bytes(GOOD)
    (tmp_path / "log.ndjson").write_text(
        '{"method": "GET", "url": "https://api.vipps.no/epayment/v1/payments/x"}\nnot json\n{bad\n[1]\n'
    )
    for format in ("text", "concise"):
        result = run_cli("check", "--format", format, str(tmp_path / "log.ndjson"), str(tmp_path / "good.json"))
        assert result.returncode == 2
        assert result.stderr.decode().count("log.ndjson:") == 3
        assert "1 input could not be read or parsed (3 problems, listed on stderr)." in result.stdout.decode()
    (tmp_path / "broken.json").write_text("{")
    result = run_cli("check", "--format", "concise", str(tmp_path / "log.ndjson"), str(tmp_path / "broken.json"))
    assert "2 inputs could not be read or parsed (4 problems, listed on stderr)." in result.stdout.decode()
    result = run_cli("check", "--format", "concise", str(tmp_path / "broken.json"))
    assert "1 input could not be read or parsed (listed on stderr)." in result.stdout.decode()


def test_rules_piped_prints_whole_rows(tmp_path):
    from vipps_lint.checks.rules import load_rules
    from vipps_lint.explain import scope_text

    rules, _ = load_rules()
    result = run_cli("rules", env={"COLUMNS": "40"})
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert lines[0].split() == ["rule", "severity", "checks", "applies", "to", "fix"]
    assert len(lines) == len(rules) + 1 and "…" not in result.stdout.decode()
    for line, rule in zip(lines[1:], rules.values()):
        assert line.startswith(rule.id + " ") and rule.title in line and scope_text(rule) in line
        assert line == line.rstrip()


def _klarna_order(description: str) -> str:
    entry = {
        "name": "Vipps",
        "redirect_url": "https://example.com/vipps",
        "image_url": "https://example.com/vipps.png",
        "fee": 0,
        "description": description,
    }
    return json.dumps({"purchase_country": "NO", "purchase_currency": "NOK", "external_payment_methods": [entry]})


@pytest.mark.parametrize(
    "description, said",
    [
        ("Vipps is not fee-free", False),
        ("Vipps er ikke gebyrfritt", False),
        ("Vipps er ikke alltid gebyrfritt", False),
        ("MobilePay er ej gebyrfri", False),
        ("Vipps MobilePay ei ole aina maksuton", False),
        ("Vipps MobilePay isn’t free of charge", False),
        ("Husk: Vipps er alltid gebyrfritt når du betaler til bedrifter.", True),
        ("Glem ikke at Vipps er gebyrfritt", True),
        ("Don't forget: Vipps is fee-free", True),
        ("Vipps er ikke bare raskt, men også gebyrfritt", True),
        ("Vipps ei maksa mitään yrityksille maksettaessa", True),
        ("Vipps er ei gebyrfri løsning", True),  # the Norwegian article, not the Finnish "ei"
        ("Vipps is not slow. No fees with Vipps!", True),
    ],
)
def test_fee_free_wording_that_negates_the_phrase_is_reported(tmp_path, description, said):
    body = tmp_path / "order.json"
    body.write_text(_klarna_order(description), encoding="utf-8")
    status, report = run_json(
        "--endpoint", "POST /checkout/v3/orders", "--select", "klarna-vipps-fee-free-wording", str(body)
    )
    messages = [finding["message"] for finding in report["findings"]]
    if said:
        assert status == 0 and messages == []
    else:
        assert len(messages) == 1 and "says that paying with Vipps MobilePay is not fee-free" in messages[0]


def test_wording_without_negations_is_unchanged():
    from vipps_lint.checks.functions import wording

    check = wording.compile({"phrases": {"nb": ["gebyrfri*"]}})
    assert list(check("Vipps er ikke gebyrfritt", None)) == []
    negation_aware = wording.compile({"phrases": {"nb": ["gebyrfri*"]}, "negations": {"nb": ["ikke"]}})
    assert [violation.code for violation in negation_aware("Vipps er ikke gebyrfritt", None)] == ["negated"]
    assert [violation.code for violation in negation_aware("Betal med Vipps", None)] == ["silent"]


def test_header_rules_say_they_apply_to_curl_and_http_requests_without_headers(tmp_path):
    listed = {item["id"]: item for item in json.loads(run_cli("rules", "--format", "json").stdout)}
    assert listed["header-subscription-key"]["scope"] == "curl and .http requests, other dumps with headers"
    assert (
        "applies to: curl and .http requests, other dumps with headers"
        in run_cli("explain", "header-subscription-key").stdout.decode()
    )
    # ...and they do: a curl command with no headers at all is judged.
    (tmp_path / "call.curl").write_text("curl -X GET https://api.vipps.no/epayment/v1/payments/order-1\n")
    _, report = run_json("--select", "header-subscription-key", str(tmp_path / "call.curl"))
    assert [finding["rule"] for finding in report["findings"]] == ["header-subscription-key"]


def test_schema_rules_link_to_docs_right_for_every_api(tmp_path):
    body = tmp_path / "body.json"
    body.write_text('{"amount": {"currency": "NOK", "value": 100}, "paymentMethod": {"type": "WALLET"}}')
    result = run_cli("check", "--format", "sarif", "--endpoint", "POST /epayment/v1/payments", str(body))
    run = json.loads(result.stdout)["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert any(entry["ruleId"] == "schema-required" for entry in run["results"])
    for rule_id, rule in rules.items():
        if rule_id.startswith("schema-"):
            assert rule["helpUri"] == "https://developer.vippsmobilepay.com/docs/APIs/", rule_id


def test_sarif_rule_levels_follow_configured_severities(tmp_path):
    (tmp_path / ".vipps-lint.yaml").write_text("severity:\n  ecom-mobile-number: error\n  ecom-callback-https: info\n")
    (tmp_path / "body.json").write_text(
        json.dumps(
            {
                "merchantInfo": {
                    "merchantSerialNumber": "123456",
                    "callbackPrefix": "http://example.com/vipps",
                    "fallBack": "https://example.com/done",
                },
                "customerInfo": {"mobileNumber": "+47 91 23 45 67"},
                "transaction": {"orderId": "order-12345", "amount": 20000, "transactionText": "One pair of socks"},
            }
        )
    )
    result = run_cli("check", "--format", "sarif", "body.json", cwd=tmp_path)
    run = json.loads(result.stdout)["runs"][0]
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in run["tool"]["driver"]["rules"]}
    assert levels["ecom-mobile-number"] == "error" and levels["ecom-callback-https"] == "note"
    assert levels["ecom-fallback-https"] == "error"  # not overridden: the rule file's
    results = {entry["ruleId"]: entry["level"] for entry in run["results"]}
    assert results["ecom-mobile-number"] == "error" and results["ecom-callback-https"] == "note"
