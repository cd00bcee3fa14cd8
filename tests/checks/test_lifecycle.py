"""API lifecycle (specs/lifecycle.yaml), routing findings that match what the API does,
Kustom's hosts for Klarna Checkout, and placeholders that no rule judges."""

from __future__ import annotations

from datetime import date

import pytest

from vipps_lint.checks.lifecycle import statuses
from vipps_lint.models import NO_BODY, Request, SourceFile
from vipps_lint.pipeline import Linter, Settings

from conftest import run_json

_LINTERS: dict = {}


def _lint(method, url, body=NO_BODY, as_of=None, **settings):
    """The findings of one request (None: not an API vipps-lint lints), one linter per settings."""
    key = (as_of, tuple(sorted((name, tuple(value)) for name, value in settings.items())))
    linter = _LINTERS.get(key) or _LINTERS.setdefault(key, Linter(Settings(as_of=as_of, **settings)))
    return linter.lint_request(Request(SourceFile("t", None), 0, method, url, body=body))


def _findings(method, url, body=NO_BODY, as_of=None, **settings):
    return [(f.rule, f.severity, f.message) for f in _lint(method, url, body, as_of, **settings) or []]


def _rules(method, url, body=NO_BODY, as_of=None, prefix=""):
    return [(rule, severity) for rule, severity, _ in _findings(method, url, body, as_of) if rule.startswith(prefix)]


RECURRING_V2 = {
    "price": 49900,
    "currency": "NOK",
    "productName": "Acme Weekly",
    "interval": "MONTH",
    "intervalCount": 1,
    "merchantRedirectUrl": "https://example.com/r",
    "merchantAgreementUrl": "https://example.com/a",
}


@pytest.mark.parametrize(
    "call, day_before, day_of, finding",
    [
        ("POST https://api.vipps.no/recurring/v2/agreements", "2023-10-31", "2023-11-01", "api-retired error"),
        (
            "GET https://api.vipps.no/partner-api/v0/salesunits/123456",
            "2023-09-30",
            "2023-10-01",
            "api-deprecated warning",
        ),
        (
            "POST https://api.vipps.no/checkout/v3/session/x/expire",
            "2026-05-31",
            "2026-06-01",
            "api-deprecated warning",
        ),
        ("POST https://api.mobilepay.dk/v1/payments", "2025-03-30", "2025-03-31", "api-retired error"),
    ],
)
def test_lifecycle_findings_take_effect_on_their_date(call, day_before, day_of, finding):
    method, url = call.split()
    before = _rules(method, url, as_of=date.fromisoformat(day_before), prefix="api-")
    assert before == [("api-lifecycle-announced", "info")]
    assert _rules(method, url, as_of=date.fromisoformat(day_of), prefix="api-") == [tuple(finding.split())]


def test_messages_name_the_date_and_what_to_call_instead():
    [(rule, severity, message)] = [
        f
        for f in _findings(
            "POST", "https://api.vipps.no/recurring/v2/agreements", RECURRING_V2, as_of=date(2026, 11, 29)
        )
        if f[0].startswith("api-")
    ]
    assert message == "Recurring API v2 has been retired since 2023-11-01: calls to it fail; use Recurring API v3"
    merchants = _lint("GET", "https://api.vipps.no/partner-api/v0/merchants/987654321", as_of=date(2026, 11, 29))
    [finding] = [f for f in merchants if f.rule == "api-deprecated"]
    assert "since October 2023" in finding.message and "/management/v1/" in finding.hint
    announced = _findings("GET", "https://api.vipps.no/checkout/v3/session/acme-order-1234", as_of=date(2026, 1, 15))
    assert (
        "api-lifecycle-announced",
        "info",
        "Checkout API v3 will be deprecated in June 2026 (checking as of 2026-01-15); "
        "its successor is Kustom Checkout, or the ePayment API",
    ) in announced


def test_retired_mobilepay_hosts_are_reported_with_their_successor_not_skipped():
    subscriptions = _findings("POST", "https://api.mobilepay.dk/subscriptions/api/providers/abc/agreements")
    assert [(rule, severity) for rule, severity, _ in subscriptions] == [("api-retired", "error")]
    assert "Recurring API v3" in subscriptions[0][2]
    other = _findings("GET", "https://api.sandbox.mobilepay.dk/v3/reporting/transactions")
    assert [(rule, severity) for rule, severity, _ in other] == [("api-retired", "error")]
    assert "api.vipps.no" in other[0][2]
    # Ignored, the rule reports nothing, and the request is another API's again (skipped).
    assert _lint("GET", "https://api.mobilepay.dk/v1/payments/x", ignore=["api-retired"]) is None


def test_legacy_ecom_and_current_apis_get_no_lifecycle_finding():
    assert not _rules("GET", "https://api.vipps.no/ecomm/v2/payments/acme-order-1234/details", prefix="api-")
    assert not _rules("GET", "https://api.vipps.no/epayment/v1/payments/acme-order-1234", prefix="api-")
    ecom = next(status for status in statuses() if status.api == "ecom-v2")
    assert ecom.status == "legacy" and ecom.date is None


def test_every_lifecycle_entry_is_sourced_and_names_its_successor():
    for status in statuses():
        assert status.status in ("current", "legacy", "deprecated", "retired")
        assert status.docs.startswith("https://developer.") and status.successor and status.instead


def test_unknown_path_under_a_known_api_is_an_error_with_did_you_mean():
    [(rule, severity, message)] = _findings(
        "POST", "https://api.vipps.no/epayment/v1/payment", {"amount": {"currency": "NOK", "value": 1000}}
    )
    assert (rule, severity) == ("route-unknown-path", "error")
    assert message == "POST /epayment/v1/payment is not an operation of the epayment-v1 API (it answers 404)"
    assert (
        _lint("POST", "https://api.vipps.no/epayment/v1/payment", {})[0].hint
        == "Did you mean POST /epayment/v1/payments?"
    )
    # Every API with a spec has its prefix: a typo under Management or Login is caught too.
    assert _rules("GET", "https://api.vipps.no/management/v1/sale-units/123456")[0] == ("route-unknown-path", "error")
    # Another company's API under the same path is not Vipps Checkout's.
    assert _rules("GET", "https://api.kustom.co/checkout/v3/orders/abc/lines") == []


def test_announced_operations_and_case_insensitive_gateway_paths_route():
    assert not _rules("GET", "https://api.vipps.no/management/v2/product-orders", prefix="route-unknown-path")
    assert not _rules("POST", "https://api.vipps.no/psp/v3/psppayments/updateStatus", {}, prefix="route-unknown-path")
    assert not _rules("POST", "https://api.vipps.no/miami/v1/token", prefix="route-unknown-path")


def test_klarna_rules_recognise_kustom_hosts():
    order = {
        "purchase_country": "NO",
        "order_lines": [],
        "external_payment_methods": [
            {
                "name": "Vipps",
                "fee": 500,
                "redirect_url": "https://example.com/vipps",
                "description": "Husk: Vipps er alltid gebyrfritt når du betaler til bedrifter.",
            }
        ],
    }
    for host in ("api.kustom.co", "api.playground.kustom.co", "api.klarna.com"):
        assert ("klarna-vipps-fee", "error") in _rules("POST", f"https://{host}/checkout/v3/orders", order), host
    from vipps_lint.checks.rules import load_rules

    rules, _ = load_rules()
    assert rules["klarna-vipps-fee"].docs == "https://developer.vippsmobilepay.com/docs/knowledge-base/payment-rules/"


@pytest.mark.parametrize("selection", [{}, {"ignore": ["unresolved-variable"]}, {"select": ["checkout", "schema"]}])
def test_placeholders_are_never_judged_whatever_is_selected(selection):
    body = {
        "type": "PAYMENT",
        "merchantInfo": {
            "callbackUrl": "{{callbackUrl}}",
            "returnUrl": "<return url>",
            "callbackAuthorizationToken": "{{token}}",
        },
        "transaction": {
            "amount": {"value": "{{amount}}", "currency": "NOK"},
            "reference": "eyJ0eXAi… <truncated>",
            "paymentDescription": "Socks",
        },
    }
    found = _findings("POST", "https://api.vipps.no/checkout/v3/session", body, as_of=date(2026, 1, 1), **selection)
    assert [rule for rule, _, _ in found if rule != "api-lifecycle-announced"] == []


def test_lifecycle_through_the_cli(tmp_path):
    path = tmp_path / "calls.http"
    path.write_text(
        "GET https://api.vipps.no/partner-api/v0/salesunits/123456\n\n###\n\n"
        "GET https://api.mobilepay.dk/v1/payments/abc\n",
        encoding="utf-8",
    )
    status, report = run_json("--as-of", "2026-11-29", "--select", "api-", str(path))
    assert [(f["rule"], f["severity"]) for f in report["findings"]] == [
        ("api-deprecated", "warning"),
        ("api-retired", "error"),
    ]
    assert status == 1
    status, report = run_json("--as-of", "2023-01-01", "--select", "api-", str(path))
    assert [(f["rule"], f["severity"]) for f in report["findings"]] == [
        ("api-lifecycle-announced", "info"),
        ("api-lifecycle-announced", "info"),
    ]
    assert status == 0


def test_a_saved_response_body_is_not_taken_for_a_create_request():
    get_payment = {
        "aggregate": {"authorizedAmount": {"currency": "NOK", "value": 1000}},
        "amount": {"currency": "NOK", "value": 1000},
        "state": "AUTHORIZED",
        "paymentMethod": {"type": "WALLET"},
        "profile": {},
        "pspReference": "6a1e2c3d",
        "reference": "acme-shop-123-order123abc",
    }
    [(rule, severity, message)] = _findings(None, None, get_payment)
    assert (rule, severity) == ("route-unknown-body", "info")
    assert "fields only the API's responses have (state, aggregate, pspReference)" in message
    # The same fields without the response-only ones: a create request, routed by its shape.
    request = {key: get_payment[key] for key in ("amount", "paymentMethod", "reference")}
    assert not [
        rule
        for rule, _, _ in _findings(
            None, None, {**request, "userFlow": "WEB_REDIRECT", "returnUrl": "https://example.com/r"}
        )
        if rule.startswith("route-")
    ]


def test_rule_scopes_match_path_parameters_whatever_the_spec_names_them():
    import dataclasses

    from vipps_lint.checks.rules import load_rules

    rules, _ = load_rules()
    rule = dataclasses.replace(
        rules["epayment-phone-msisdn"], scope={"endpoints": ["POST /epayment/v1/payments/{reference}/capture"]}
    )
    # ePayment 1.8.1 calls the parameter {Reference}; the 2024 spec {reference}.
    assert rule.applies_to_endpoint(
        "POST /epayment/v1/payments/{Reference}/capture", "epayment-v1:capturePayment", "epayment-v1"
    )
    assert not rule.applies_to_endpoint(
        "POST /epayment/v1/payments/{Reference}/refund", "epayment-v1:refundPayment", "epayment-v1"
    )


def test_placeholder_walk_finds_every_kind_and_survives_any_depth():
    from vipps_lint.checks.placeholders import placeholder_pointers

    body = {
        "a": ["{{x}}", {"b": "<access_token>", "c": "https://example.com/<b>x</b>", "d": "eyJ0eXAi… <truncated>"}],
        "e": 5,
        "f": "https://{{host}}/cb",
        "g": "${ORDER_ID}",
        "h": "plain",
    }
    assert placeholder_pointers(body) == {"/a/0", "/a/1/b", "/a/1/d", "/f", "/g"}
    deep = current = {}
    for _ in range(6000):
        current["k"] = {}
        current = current["k"]
    current["v"] = "{{x}}"
    assert placeholder_pointers(deep) == {"/k" * 6000 + "/v"}
