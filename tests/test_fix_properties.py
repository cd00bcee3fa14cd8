"""Property tests for the fix engine: for generated bodies in any layout,
fix(fix(x)) == fix(x), and the fixed body differs from the original only at the fixed pointers."""

from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vipps_lint.fixes import plan_file
from vipps_lint.models import SourceFile
from vipps_lint.pipeline import Linter, Settings
from vipps_lint.positions import pointer_tokens, resolve_pointer
from vipps_lint.sources import ReadOptions, json_body

LINTER = Linter(Settings())

URLS = st.sampled_from(
    [
        "http://example.com/vipps/cb",
        "https://example.com/vipps/cb",
        "http://shop.example.no/a?b=c&d=e",
        "http://localhost:8080/cb",
        "http://10.0.0.5/cb",
        "HTTP://EXAMPLE.COM/X",
        "http://bløtkake.example/æ",
    ]
)
ECOM_PHONES = st.sampled_from(["91234567", "+47 91 23 45 67", "004791234567", "4791234567", "912 34 567", 91234567])
MSISDNS = st.sampled_from(["4791234567", "+47 912 34 567", "91234567", "+45 40 12 34 56", "004791234567"])
FEES = st.sampled_from([0, 0.0, 1500, 2.5, "10"])


def _ecom():
    return st.fixed_dictionaries(
        {
            "customerInfo": st.fixed_dictionaries({"mobileNumber": ECOM_PHONES}),
            "merchantInfo": st.fixed_dictionaries(
                {
                    "merchantSerialNumber": st.just("123456"),
                    "callbackPrefix": URLS,
                    "fallBack": URLS,
                    "paymentType": st.just("eComm Regular Payment"),
                }
            ),
            "transaction": st.fixed_dictionaries(
                {
                    "amount": st.integers(100, 10**6),
                    "orderId": st.just("acme-1"),
                    "transactionText": st.text(max_size=8),
                }
            ),
        }
    ).map(lambda body: ("POST /ecomm/v2/payments", body))


def _epayment():
    return st.fixed_dictionaries(
        {
            "amount": st.just({"currency": "NOK", "value": 100}),
            "customer": st.fixed_dictionaries({"phoneNumber": MSISDNS}),
            "paymentMethod": st.just({"type": "WALLET"}),
            "reference": st.just("acme-1"),
            "returnUrl": URLS,
            "userFlow": st.just("WEB_REDIRECT"),
        }
    ).map(lambda body: ("POST /epayment/v1/payments", body))


def _klarna():
    method = st.fixed_dictionaries(
        {
            "name": st.sampled_from(["Vipps", "MobilePay", "PayPal"]),
            "redirect_url": URLS,
            "fee": FEES,
            "description": st.just("Vipps er alltid gebyrfritt"),
        }
    )
    return st.fixed_dictionaries(
        {"purchase_country": st.just("NO"), "external_payment_methods": st.lists(method, min_size=1, max_size=3)}
    ).map(lambda body: ("POST https://api.klarna.com/checkout/v3/orders", body))


@st.composite
def layouts(draw, bodies):
    endpoint, body = draw(bodies)
    shuffled = _shuffle(draw, body)
    indent = draw(st.sampled_from([None, 0, 1, 2, 4, "\t"]))
    separators = (
        draw(st.sampled_from([(",", ":"), (", ", ": "), (" , ", " : ")]))
        if indent is None
        else (",", draw(st.sampled_from([": ", ":", " :  "])))
    )
    text = json.dumps(shuffled, indent=indent, separators=separators, ensure_ascii=draw(st.booleans()))
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    text = draw(st.sampled_from(["", "\n", "  \r\n"])) + text + draw(st.sampled_from(["", "\n", "\r\n\r\n"]))
    return endpoint, text


def _shuffle(draw, value):
    if isinstance(value, dict):
        keys = draw(st.permutations(list(value)))
        return {key: _shuffle(draw, value[key]) for key in keys}
    if isinstance(value, list):
        return [_shuffle(draw, item) for item in value]
    return value


def fix(text: str, endpoint: str):
    source = SourceFile("body.json", None, text)
    [request] = list(json_body.read(source, ReadOptions()))
    findings = LINTER.lint_request(request, endpoint)
    plan = plan_file(source, text, findings)
    assert plan.refused == []
    return plan.fixed, plan.fixed_findings, [f for f in findings if f.fix is not None]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layouts(st.one_of(_ecom(), _epayment(), _klarna())))
def test_fixing_is_idempotent_and_touches_only_the_fixed_pointers(case):
    endpoint, text = case
    fixed, fixed_findings, fixable = fix(text, endpoint)
    assert len(fixed_findings) == len(fixable)  # every fix that was offered is applied
    again, fixed_again, _ = fix(fixed, endpoint)
    assert again == fixed and fixed_again == []

    original, result = json.loads(text), json.loads(fixed)
    expected = copy.deepcopy(original)
    for finding in fixed_findings:
        *parents, last = pointer_tokens(finding.pointer)
        container = resolve_pointer(expected, "".join("/" + token for token in parents)) if parents else expected
        container[int(last) if isinstance(container, list) else last] = finding.fix.value
    assert result == expected
    assert list(result) == list(original)  # key order kept
    # Outside the edited values, the text is the same: same whitespace and line endings.
    assert fixed.count("\r\n") == text.count("\r\n") and fixed.count("\n") == text.count("\n")
    assert fixed.startswith(text[: len(text) - len(text.lstrip())])
