"""Valid requests of today's API lint clean: the old (2023-24) schemas' mistakes, one test each.

Each case failed with the schemas built from the 2023-24 spec copies (the message it got is
quoted) and passes with the ones built from the newest specs. The bodies are those of
`fixtures/current/valid-today.http`, where each request names its source.
"""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, REPO, run_json

CURRENT = FIXTURES / "current" / "valid-today.http"


def _schema(name: str) -> dict:
    return json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))


def _lint(endpoint: str, body: dict) -> list[tuple[str, str]]:
    _, report = run_json("--as-of", "2026-11-29", "--endpoint", endpoint, "-", input=json.dumps(body))
    return [(finding["rule"], finding["pointer"]) for finding in report["findings"]]


AGREEMENT = {"merchantRedirectUrl": "https://example.com/vipps/agreement-result", "productName": "Acme Power"}
PAYMENT = {
    "amount": {"currency": "NOK", "value": 49900},
    "paymentMethod": {"type": "WALLET"},
    "userFlow": "WEB_REDIRECT",
    "reference": "acme-shop-123-order-0001",
    "returnUrl": "https://example.com/vipps/return",
}


@pytest.mark.parametrize(
    "endpoint, body, old_error",
    [
        # Old: 'pricing.currency is "DKK", which is not one of the values the API allows' (NOK only).
        (
            "POST /recurring/v3/agreements",
            {
                **AGREEMENT,
                "pricing": {"type": "LEGACY", "amount": 9900, "currency": "DKK"},
                "interval": {"unit": "MONTH", "count": 1},
            },
            "currency must be NOK",
        ),
        (
            "POST /recurring/v3/agreements",
            {
                **AGREEMENT,
                "pricing": {"type": "VARIABLE", "suggestedMaxAmount": 20000, "currency": "EUR"},
                "interval": {"unit": "MONTH", "count": 1},
            },
            "currency must be NOK",
        ),
        # Old: FLEXIBLE not an allowed pricing type; interval and merchantAgreementUrl required.
        (
            "POST /recurring/v3/agreements",
            {**AGREEMENT, "pricing": {"type": "FLEXIBLE", "currency": "NOK"}},
            "FLEXIBLE rejected, interval and merchantAgreementUrl required",
        ),
        # Old: 'due is required' for every charge.
        (
            "POST /recurring/v3/agreements/agr_5kSeqz/charges",
            {"type": "UNSCHEDULED", "amount": 4900, "description": "Parking", "transactionType": "DIRECT_CAPTURE"},
            "due is required",
        ),
        # Old: 'reference is 64 characters; at most 50 are allowed'.
        ("POST /epayment/v1/payments", {**PAYMENT, "reference": "a" * 64}, "at most 50"),
        # Old: 'minimumUserAge is not a field …', 'shipping is not a field …', CARD_PASSTHROUGH not allowed.
        ("POST /epayment/v1/payments", {**PAYMENT, "minimumUserAge": 18}, "unknown minimumUserAge"),
        (
            "POST /epayment/v1/payments",
            {
                **PAYMENT,
                "profile": {"scope": "name address"},
                "shipping": {
                    "dynamicOptions": {
                        "callbackUrl": "https://example.com/vipps/shipping",
                        "callbackAuthorizationToken": "5f1f7a3e",
                    }
                },
            },
            "unknown shipping",
        ),
        (
            "POST /epayment/v1/payments",
            {
                **PAYMENT,
                "paymentMethod": {"type": "CARD_PASSTHROUGH"},
                "cardPassthrough": {
                    "pspReference": "psp-reference",
                    "cardCallbackUrl": "https://example.com/card",
                    "allowedCardTypes": ["VISA_DEBIT"],
                },
            },
            "CARD_PASSTHROUGH not allowed",
        ),
        # Old: 'type is not a field of the body …' (InitiateSessionRequest had no type).
        (
            "POST /checkout/v3/session",
            {
                "type": "PAYMENT",
                "merchantInfo": {
                    "callbackUrl": "https://example.com/cb",
                    "returnUrl": "https://example.com/r",
                    "callbackAuthorizationToken": "6b1e3f0a",
                },
                "transaction": {
                    "amount": {"value": 29900, "currency": "NOK"},
                    "reference": "acme-order-1301",
                    "paymentDescription": "Socks",
                },
            },
            "type unknown",
        ),
    ],
)
def test_valid_current_requests_have_no_schema_findings(endpoint, body, old_error):
    found = _lint(endpoint, body)
    assert [finding for finding in found if finding[0].startswith(("schema-", "route-"))] == [], old_error


def test_the_newest_schemas_hold_what_the_old_ones_got_wrong():
    agreement = _schema("recurring-v3/DraftAgreementV3.json")["$defs"]
    assert agreement["CurrencyV3"]["enum"] == ["NOK", "EUR", "DKK"]
    assert sorted(agreement["PricingTypeV3"]["enum"]) == ["FLEXIBLE", "LEGACY", "VARIABLE"]
    assert "interval" not in agreement["DraftAgreementV3"].get("required", [])
    assert "merchantAgreementUrl" not in agreement["DraftAgreementV3"].get("required", [])
    assert "countryCode" not in agreement["DraftAgreementV3"]["properties"]
    charge = _schema("recurring-v3/CreateChargeV3.json")["$defs"]["CreateChargeV3"]
    assert "due" not in charge["required"] and "processingMode" in charge["properties"]
    payment = _schema("epayment-v1/createPayment.json")
    assert payment["$defs"]["Reference"]["maxLength"] == 64
    create = payment["$defs"]["CreatePaymentRequest"]["properties"]
    assert {"minimumUserAge", "shipping", "cardPassthrough"} <= set(create)
    assert "CARD_PASSTHROUGH" in payment["$defs"]["PaymentMethodType"]["enum"]


def test_the_current_fixture_lints_clean_through_the_cli():
    status, report = run_json("--as-of", "2026-11-29", str(CURRENT))
    assert report["summary"]["requests"] == 8
    assert report["findings"] == [] and status == 0
