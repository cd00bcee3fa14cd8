"""The schema check: clear findings, one per mistake, deferring to YAML rules; the fast
predicate agrees with jsonschema; each validator is compiled once."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, REPO, SHARED, run_cli, run_json, value_paths

FIVE = "fixtures/schema/ecom-v2-five-mistakes.json"
# A Checkout session the API takes, but for its `type` (which the spec requires with a default).
CHECKOUT_SESSION = {
    "merchantInfo": {
        "callbackUrl": "https://example.com/cb",
        "returnUrl": "https://example.com/r",
        "callbackAuthorizationToken": "t",
    },
    "transaction": {
        "amount": {"value": 49900, "currency": "NOK"},
        "reference": "acme-shop-123-order",
        "paymentDescription": "Socks",
    },
}


def test_a_body_with_five_mistakes_gets_five_clear_findings_none_duplicated():
    status, report = run_json(FIVE)
    assert status == 1 and report["errors"] == []
    found = [(f["rule"], f["pointer"], f["message"], f["hint"], f["line"]) for f in report["findings"]]
    assert found == [
        (
            "ecom-mobile-number",
            "/customerInfo/mobileNumber",
            'customerInfo.mobileNumber is "+47 91 23 45 67"; Vipps expects 8 digits without country code or '
            "spaces, so the number will not be prefilled",
            'Send "mobileNumber": "91234567"',
            3,
        ),
        # A required field misspelt: one error at the key typed, not "unknown" plus "missing".
        (
            "schema-required",
            "/merchantInfo/callBackPrefix",
            "merchantInfo.callBackPrefix: did you mean callbackPrefix (required)? The API rejects the request "
            "without it",
            'Rename the field to "callbackPrefix"',
            7,
        ),
        (
            "schema-enum",
            "/merchantInfo/paymentType",
            'merchantInfo.paymentType is "regular", which is not one of the values the API allows',
            'Use one of: "eComm Regular Payment", "eComm Express Payment"',
            9,
        ),
        (
            "schema-length",
            "/transaction/orderId",
            "transaction.orderId is 54 characters; at most 50 are allowed",
            "Shorten it to 50 characters or fewer",
            12,
        ),
        (
            "schema-type",
            "/transaction/amount",
            "transaction.amount must be a whole number of øre (minor units), got 499.5",
            "Amounts are whole numbers in øre (1 kr = 100 øre): 499.50 kr is 49950",
            13,
        ),
    ]
    if (SHARED / "contract" / "report.schema.json").exists():
        from jsonschema import Draft202012Validator

        contract = json.loads((SHARED / "contract" / "report.schema.json").read_text(encoding="utf-8"))
        assert list(Draft202012Validator(contract).iter_errors(report)) == []


def test_the_text_report_reads_well():
    result = run_cli("check", FIVE)
    text = result.stdout.decode()
    assert (
        f"{FIVE}:13:15: error[schema-type] transaction.amount must be a whole number of øre (minor units), got 499.5"
        in text
    )
    assert (
        f"{FIVE}:7:23: error[schema-required] merchantInfo.callBackPrefix: did you mean callbackPrefix (required)?"
        in text
    )
    assert "Traceback" not in result.stderr.decode()


def test_a_yaml_rule_and_a_schema_failure_on_the_same_value_give_one_finding_the_yaml_one():
    _, report = run_json(FIVE)
    on_mobile = [f["rule"] for f in report["findings"] if f["pointer"] == "/customerInfo/mobileNumber"]
    assert on_mobile == ["ecom-mobile-number"]  # the schema's pattern/length failure gives way
    _, report = run_json("--ignore", "ecom-mobile-number", FIVE)
    on_mobile = [(f["rule"], f["message"]) for f in report["findings"] if f["pointer"] == "/customerInfo/mobileNumber"]
    assert on_mobile == [("schema-length", "customerInfo.mobileNumber is 15 characters; at most 8 are allowed")]


def test_schema_rules_can_be_selected_and_ignored_by_prefix():
    _, report = run_json("--select", "schema", FIVE)
    assert {f["rule"] for f in report["findings"]} == {"schema-required", "schema-enum", "schema-length", "schema-type"}
    _, report = run_json("--ignore", "schema", FIVE)
    assert {f["rule"] for f in report["findings"]} == {"ecom-mobile-number"}


def test_oneof_failures_are_explained_by_the_closest_branch():
    body = {
        "pricing": {"type": "LEGACY", "amount": 49900, "currency": "NOK"},
        "interval": {"unit": "MONTH", "count": 1},
        "merchantRedirectUrl": "https://example.com/r",
        "merchantAgreementUrl": "https://example.com/a",
        "productName": "Sub",
        "campaign": {"type": "EVENT_CAMPAIGN", "price": 100, "eventText": "Black Friday", "eventDate": "29.11.2024"},
    }
    _, report = run_json("--endpoint", "POST /recurring/v3/agreements", "-", input=json.dumps(body))
    assert [(f["rule"], f["pointer"]) for f in report["findings"]] == [("schema-format", "/campaign/eventDate")]


def test_a_discriminating_value_no_branch_allows_is_answered_with_every_branch_value():
    # FULL_FLEX_CAMPAIGN was removed from Recurring v3 (2025): the hint names every campaign
    # type the API still takes, not only those of the branch the body comes closest to.
    body = {
        "pricing": {"amount": 49900, "currency": "NOK"},
        "interval": {"unit": "MONTH", "count": 1},
        "merchantRedirectUrl": "https://example.com/r",
        "merchantAgreementUrl": "https://example.com/a",
        "productName": "Sub",
        "campaign": {"type": "FULL_FLEX_CAMPAIGN", "price": 100, "end": "2030-01-01T00:00:00Z"},
    }
    _, report = run_json("--endpoint", "POST /recurring/v3/agreements", "-", input=json.dumps(body))
    (enum,) = [f for f in report["findings"] if f["rule"] == "schema-enum"]
    assert enum["pointer"] == "/campaign/type"
    for campaign in ("PRICE_CAMPAIGN", "PERIOD_CAMPAIGN", "EVENT_CAMPAIGN"):
        assert f'"{campaign}"' in enum["hint"]


def test_each_validator_is_compiled_once_and_lazily():
    from vipps_lint.checks.schema import SchemaCheck
    from vipps_lint.models import Request, SourceFile
    from vipps_lint.routing import Router

    router = Router.load()
    operation = router.find("POST", None, "/ecomm/v2/payments")
    check = SchemaCheck()
    assert check._compiled == {}
    body = json.loads((FIXTURES / "schema" / "ecom-v2-good.json").read_text(encoding="utf-8"))
    for _ in range(3):
        request = Request(SourceFile("x", None), 0, body=body, operation=operation)
        assert list(check.check(request)) == []
    assert list(check._compiled) == [operation.schema]
    compiled = check._compiled[operation.schema]
    assert compiled.predicate is not None and compiled._validator is None  # jsonschema not needed for valid bodies


# -- the fast predicate never disagrees with jsonschema ------------------------------------


def _shipped_cases():
    from vipps_lint.routing import Router

    router = Router.load()
    cases = []
    for path in sorted((FIXTURES / "schema").glob("*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        endpoint, _ = router.infer_from_body(body)
        assert endpoint is not None and endpoint.schema, path
        schema = json.loads((REPO / "schemas" / endpoint.schema).read_text(encoding="utf-8"))
        cases.append((schema, body))
    return cases


CASES = _shipped_cases()
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=60)
    | st.sampled_from(
        ["NOK", "WALLET", "MONTH", "LEGACY", "2024-05-01T00:00:00Z", "https://example.com", "123456", "PCS"]
    ),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


def _mutate(body, path, new, delete):
    body = json.loads(json.dumps(body))
    if not path:
        return new
    parent = body
    for part in path[:-1]:
        parent = parent[part]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return body


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.integers(0, len(CASES) - 1), choice=st.integers(0, 10**6), new=_json_values, delete=st.booleans())
def test_the_fast_predicate_agrees_with_jsonschema(case, choice, new, delete):
    from vipps_lint.checks.schema import _Compiled

    schema, body = CASES[case]
    paths = list(value_paths(body))
    mutated = _mutate(body, paths[choice % len(paths)], new, delete)
    compiled = _COMPILED.setdefault(case, _Compiled(schema))
    assert compiled.predicate is not None
    assert compiled.predicate(mutated) == compiled.validator.is_valid(mutated), json.dumps(mutated)[:300]


_COMPILED: dict = {}


def _findings(endpoint: str, body: dict) -> list[tuple[str, str, str, str]]:
    _, report = run_json("--endpoint", endpoint, "--ignore", "api-", "-", input=json.dumps(body))
    return [(f["rule"], f["pointer"], f["message"], f["hint"]) for f in report["findings"]]


def test_nullable_and_oneof_wrappers_explain_the_real_branch():
    epayment = {
        "amount": {"currency": "NOK", "value": "49900"},
        "paymentMethod": {"type": "wallet"},
        "customer": {"phoneNumber": 4791234567},
        "reference": "acme-shop-123-order-2024-0001",
        "returnUrl": "https://example.com/x",
        "userFlow": "WEB_REDIRECT",
    }
    assert _findings("POST /epayment/v1/payments", epayment) == [
        (
            "schema-type",
            "/amount/value",
            'amount.value must be a whole number of øre (minor units), got "49900"',
            "Send it as a number, without quotes: 49900",
        ),
        (
            "schema-enum",
            "/paymentMethod/type",
            'paymentMethod.type is "wallet", which is not one of the values the API allows',
            'Did you mean "WALLET"? Allowed: "WALLET", "CARD", "CARD_PASSTHROUGH"',
        ),
        # customer is a oneOf (phone number, personal QR, token): the phone-number shape is meant.
        (
            "schema-type",
            "/customer/phoneNumber",
            "customer.phoneNumber must be a string, got 4791234567",
            'Send it as a string, in quotes: "4791234567"',
        ),
    ]
    checkout = {"type": "PAYMENT", **CHECKOUT_SESSION, "configuration": {"elements": "full"}}
    # `elements` is `allOf: [$ref Elements], nullable: true`: the enum is what matters, not "or null".
    assert _findings("POST /checkout/v3/session", checkout) == [
        (
            "schema-enum",
            "/configuration/elements",
            'configuration.elements is "full", which is not one of the values the API allows',
            'Did you mean "Full"? Allowed: "Full", "PaymentAndContactInfo", "PaymentOnly"',
        ),
    ]


def test_a_field_the_spec_requires_but_gives_a_default_may_be_left_out():
    # specs/overlay.yaml: Checkout's type (default PAYMENT) and Recurring's LEGACY pricing.type
    # (default LEGACY) are left out by the official Postman collections; the API fills them in.
    assert _findings("POST /checkout/v3/session", CHECKOUT_SESSION) == []
    agreement = {
        "pricing": {"amount": 49900, "currency": "NOK"},
        "interval": {"unit": "MONTH", "count": 1},
        "merchantRedirectUrl": "https://example.com/r",
        "merchantAgreementUrl": "https://example.com/a",
        "productName": "Socks every month",
    }
    assert _findings("POST /recurring/v3/agreements", agreement) == []
    # The rest of each branch still holds: a LEGACY price needs its amount, a payment session its transaction.
    without_amount = {**agreement, "pricing": {"currency": "NOK"}}
    found = [f[:2] for f in _findings("POST /recurring/v3/agreements", without_amount)]
    assert found == [("schema-required", "/pricing/amount")]
    without_transaction = {key: value for key, value in CHECKOUT_SESSION.items() if key != "transaction"}
    found = [f[:2] for f in _findings("POST /checkout/v3/session", without_transaction)]
    assert ("schema-required", "/transaction") in found


def test_more_required_fields_with_a_default_may_be_left_out():
    # specs/overlay.yaml: QR's requestedData (default [MSISDN]), PSP v3's currency (default NOK).
    assert [
        f[:2]
        for f in _findings("POST /qr/v1/exchange", {"qrCode": "https://qr.vipps.no/28/2/01/031/4791234567"})
        if f[0].startswith("schema-")
    ] == []
    psp = {
        "pspTransactionId": "7686f7788898767977",
        "merchantOrderId": "acme-shop-123-order123abc",
        "amount": 49900,
        "pspRedirectUrl": "https://example.com/psp/redirect",
        "makePaymentUrl": "https://example.com/psp/make-payment",
    }
    assert [f[:2] for f in _findings("POST /psp/v3/psppayments/init", psp) if f[0].startswith("schema-")] == []
