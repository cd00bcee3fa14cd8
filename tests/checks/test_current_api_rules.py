"""The rules for what today's API rejects (issue 10), through the real CLI in process.

Their examples run in test_rule_examples.py and their fixtures in test_fixtures.py; these
tests pin what a user sees: the exact message and hint, what --fix does and does not change.
"""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from vipps_lint.cli import main

from conftest import FIXTURES

AS_OF = "2026-11-29"  # the day the dated fixtures describe


def check(*args: str):
    """(exit status, JSON report) of `vipps-lint check --format json ARGS`, in process."""
    result = CliRunner().invoke(main, ["check", "--format", "json", "--as-of", AS_OF, *args], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def findings(path, rule=None):
    _, report = check(str(path))
    return [finding for finding in report["findings"] if rule is None or finding["rule"] == rule]


def test_a_number_that_states_its_country_is_fixed(tmp_path):
    target = tmp_path / "payment.json"
    shutil.copy(FIXTURES / "phones" / "epayment-nok-danish-with-plus.json", target)
    [finding] = findings(target, "epayment-phone-msisdn")
    assert finding["hint"] == 'Send "phoneNumber": "4520123456"'
    assert finding["fix"]["value"] == "4520123456"
    CliRunner().invoke(main, ["check", "--fix", str(target)], catch_exceptions=False)
    assert json.loads(target.read_text())["customer"]["phoneNumber"] == "4520123456"


def test_a_norwegian_test_number_in_a_eur_payment_is_never_rewritten(tmp_path):
    target = tmp_path / "payment.json"
    shutil.copy(FIXTURES / "phones" / "epayment-eur-norwegian-test-number.json", target)
    [finding] = findings(target)
    assert (finding["rule"], finding["severity"], finding["fix"]) == ("epayment-phone-mobile-range", "warning", None)
    assert "unlikely to reach" in finding["message"] and "error 4070" not in finding["message"]
    before = target.read_text()
    CliRunner().invoke(main, ["check", "--fix", str(target)], catch_exceptions=False)
    assert target.read_text() == before


def test_a_finnish_national_number_gets_the_finnish_candidate_and_no_fix(tmp_path):
    target = tmp_path / "payment.json"
    shutil.copy(FIXTURES / "phones" / "epayment-eur-finnish-national.json", target)
    [finding] = findings(target)
    assert finding["rule"] == "epayment-phone-msisdn" and finding["fix"] is None
    assert finding["hint"] == (
        'Add the country code of the user\'s number: Finnish mobile "358401234567"'
        " (the currency does not tell which country the user is from)"
    )
    before = target.read_text()
    CliRunner().invoke(main, ["check", "--fix", str(target)], catch_exceptions=False)
    assert target.read_text() == before


def test_a_danish_number_outside_the_mobile_ranges_is_a_warning_not_an_error():
    [finding] = findings(FIXTURES / "phones" / "epayment-dkk-outside-mobile-range.json")
    assert (finding["rule"], finding["severity"]) == ("epayment-phone-mobile-range", "warning")
    assert finding["message"] == (
        'customer.phoneNumber "4512345678" has the right format, but +45 12345678 is in no Danish number'
        " range, so it is unlikely to reach a Vipps MobilePay user"
    )


# The rule language's new parts, as units.


def _violations(name, options, value, parent=None, root=None, as_of=None):
    from datetime import date

    from vipps_lint.checks.functions import CheckContext, module

    check = module(name).compile(options)
    context = CheckContext(
        parent if parent is not None else {},
        ("x",),
        root if root is not None else {},
        date.fromisoformat(as_of) if as_of else None,
    )
    return list(check(value, context))


def test_amount_limits_follow_the_currency():
    options = {"currencyField": "currency", "minimum": {"NOK": 100, "DKK": 1, "EUR": 1}}
    assert [v.code for v in _violations("amount", options, 50, parent={"currency": "NOK"})] == ["below-minimum"]
    assert _violations("amount", options, 50, parent={"currency": "DKK"}) == []
    assert _violations("amount", options, 100, parent={"currency": "NOK"}) == []
    assert _violations("amount", options, 50, parent={"currency": "SEK"}) == []  # no limit known: not judged
    assert _violations("amount", options, "50", parent={"currency": "NOK"}) == []  # the schema reports the type
    [above] = _violations(
        "amount",
        {"currencyAt": ["/pricing/currency"], "maximum": {"EUR": 200000}},
        200001,
        root={"pricing": {"currency": "EUR"}},
    )
    assert (above.code, above.fix, above.detail) == ("above-maximum", 200000, "EUR 2 000.00")


def test_dates_are_judged_as_of_the_given_day():
    options = {"format": "date", "minDays": 1, "maxDays": 731}
    assert [v.code for v in _violations("date", options, "2026-11-28", as_of="2026-11-29")] == ["too-soon"]
    assert [v.code for v in _violations("date", options, "2026-11-29", as_of="2026-11-29")] == ["too-soon"]
    assert _violations("date", options, "2026-11-30", as_of="2026-11-29") == []
    assert _violations("date", options, "2028-11-28", as_of="2026-11-29") == []
    assert [v.code for v in _violations("date", options, "2028-12-01", as_of="2026-11-29")] == ["too-late"]
    assert [v.code for v in _violations("date", options, "2026-12-01T00:00:00Z", as_of="2026-11-29")] == ["format"]
    assert [v.code for v in _violations("date", options, "2026-02-30", as_of="2026-11-29")] == ["format"]
    [yesterday] = _violations("date", options, "2026-11-28", as_of="2026-11-29")
    assert yesterday.error == "is yesterday; it must be on or after 2026-11-30 and on or before 2028-11-29"


def test_words_say_did_you_mean_and_what_is_missing_or_extra():
    options = {
        "allowed": ["name", "address", "email", "phoneNumber", "birthDate"],
        "required": ["name", "address", "email", "phoneNumber"],
        "exact": True,
    }
    [typo] = _violations("words", options, "name adress email phoneNumber")
    assert (typo.code, typo.fix, typo.detail) == (
        "unknown",
        "name address email phoneNumber",
        "did you mean 'address'?",
    )
    assert [v.code for v in _violations("words", options, "name email phoneNumber")] == ["missing"]
    assert [v.code for v in _violations("words", options, "name address email phoneNumber birthDate")] == ["extra"]
    assert _violations("words", options, "phoneNumber email address name") == []


def test_keys_only_and_exactly_one_of():
    [extra] = _violations("keys", {"only": ["status"]}, {"status": "STOPPED", "productName": "x"})
    assert (extra.code, extra.fix) == ("extra", {"status": "STOPPED"})
    one_of = {"exactlyOneOf": ["fixedOptions", "dynamicOptions"]}
    assert [v.code for v in _violations("keys", one_of, {"fixedOptions": [], "dynamicOptions": {}})] == ["several"]
    assert [v.code for v in _violations("keys", one_of, {})] == ["none"]
    assert _violations("keys", one_of, {"fixedOptions": []}) == []


def test_enum_suggests_the_value_a_typo_was_meant_to_be_but_never_applies_it():
    [violation] = _violations(
        "enum",
        {"values": ["epayments.payment.captured.v1", "epayments.payment.created.v1"]},
        "epayments.payment.capturd.v1",
    )
    assert (violation.fix, violation.safe, violation.detail) == (
        "epayments.payment.captured.v1",
        False,
        "did you mean 'epayments.payment.captured.v1'?",
    )


def test_conditions_read_root_pointers_and_lists():
    from vipps_lint.checks.conditions import compile_conditions

    holds = compile_conditions(
        [{"field": "/paymentMethod/type", "equals": "CARD"}, {"field": "userFlow", "notIn": ["WEB_REDIRECT"]}]
    )
    body = {"paymentMethod": {"type": "CARD"}, "userFlow": "QR"}
    assert holds(body, body)
    assert not holds({**body, "userFlow": "WEB_REDIRECT"}, {**body, "userFlow": "WEB_REDIRECT"})
    assert compile_conditions([{"field": "userFlow", "in": ["QR", "PUSH_MESSAGE"]}])({"userFlow": "QR"})
    assert not compile_conditions([{"field": "userFlow", "in": ["QR"]}])({})


def test_ePayment_flow_cases_give_the_exact_message_and_hint():
    [amount] = findings(FIXTURES / "epayment" / "amount-50-ore.json")
    assert amount["message"] == (
        "amount.value is 50, below the NOK minimum of 100 (NOK 1.00); ePayment rejects it (error 6010)."
        " The value is in minor units (øre, cents)"
    )
    assert amount["hint"] == "Send at least 100 (NOK 1.00); if 50 was meant in kroner, multiply it by 100"
    [missing] = findings(FIXTURES / "epayment" / "web-redirect-without-return-url.json")
    assert (
        missing["message"] == "returnUrl is missing, but userFlow WEB_REDIRECT needs it: ePayment rejects the payment"
    )
    [push] = findings(FIXTURES / "epayment" / "push-message-without-customer.json")
    assert (
        push["hint"]
        == 'Add "customer": {"phoneNumber": "4791234567"} with the user\'s number, or use "userFlow": "WEB_REDIRECT"'
    )
    window = findings(FIXTURES / "epayment" / "long-living-bad.json", "epayment-expires-at-window")
    assert window[0]["message"].startswith('expiresAt is "2026-11-28T12:00:00Z", which is yesterday;')
    assert "(error 6120, expiration date is too soon)" in window[0]["message"]


def test_recurring_cases_give_the_exact_message_and_hint():
    [legacy] = findings(FIXTURES / "recurring" / "legacy-without-amount.json")
    assert (
        legacy["message"]
        == "pricing.amount is missing, but LEGACY pricing is a fixed price: the Recurring API rejects the agreement"
    )
    [due] = findings(FIXTURES / "recurring" / "charge-due-yesterday.http")
    assert due["message"] == (
        'due is "2026-11-28", which is yesterday; it must be on or after 2026-11-30 and on or before 2028-11-29'
        " (as of 2026-11-29): the Recurring API rejects a charge due sooner than tomorrow"
    )
    assert due["hint"] == 'Send "due" as YYYY-MM-DD, at least 1 day and at most 2 years after the request is made'
    [stop] = findings(FIXTURES / "recurring" / "stop-agreement-with-changes.http")
    assert stop["rule"] == "recurring-stop-alone" and "also has productName" in stop["message"]
    [country] = findings(FIXTURES / "recurring" / "country-code.json")
    assert (country["rule"], country["severity"]) == ("recurring-country-code-removed", "warning")


def test_the_due_window_moves_with_as_of():
    """The same charge, checked as of the day before it was due, is fine."""
    result = CliRunner().invoke(
        main,
        [
            "check",
            "--format",
            "json",
            "--as-of",
            "2026-11-20",
            str(FIXTURES / "recurring" / "charge-due-yesterday.http"),
        ],
        catch_exceptions=False,
    )
    assert json.loads(result.stdout)["findings"] == []


def test_webhook_on_localhost_with_a_misspelt_event():
    found = {f["rule"]: f for f in findings(FIXTURES / "webhooks" / "register-localhost-misspelt-event.http")}
    assert set(found) == {"webhooks-url-https", "webhooks-event-name"}
    assert (
        found["webhooks-event-name"]["hint"]
        == 'Did you mean "epayments.payment.captured.v1"? Event names are exact, see the events page'
    )
    assert "localhost" in found["webhooks-url-https"]["message"]


def test_misspelt_header_names_get_did_you_mean_and_the_missing_header_names_them():
    found = findings(FIXTURES / "headers" / "capture-misspelt-headers.http")
    typos = sorted(f["message"] for f in found if f["rule"] == "header-name-typo")
    assert typos == [
        (
            "Idempotency_Key is not a header the API reads: did you mean Idempotency-Key? As sent, the API sees no "
            "Idempotency-Key"
        ),
        (
            "MerchantSerialNumber is not a header the API reads: did you mean Merchant-Serial-Number? As sent, the API "
            "sees no Merchant-Serial-Number"
        ),
    ]
    [missing] = [f for f in found if f["rule"] == "header-idempotency-key"]
    assert missing["message"].endswith("(Idempotency_Key was sent: the name must be exactly Idempotency-Key)")


def test_known_header_names_in_any_case_and_the_underscore_names_are_not_typos():
    from vipps_lint.checks.header_names import meant

    for name in (
        "idempotency-key",
        "CONTENT-TYPE",
        "client_id",
        "client_secret",
        "Accept",
        "User-Agent",
        "X-Requested-With",
    ):
        assert meant(name) is None, name
    assert meant("Client-Id") == "client_id"
    assert meant("Ocp-Apim-Subscription-Keys") == "Ocp-Apim-Subscription-Key"
    assert meant("Authorisation") == "Authorization"


def test_userinfo_must_not_send_the_subscription_key_and_is_not_asked_for_it():
    [finding] = findings(FIXTURES / "headers" / "userinfo-with-subscription-key.http")
    assert (finding["rule"], finding["severity"]) == ("header-userinfo-subscription-key", "error")
    assert findings(FIXTURES / "headers" / "userinfo-good.http") == []


def test_both_access_token_forms():
    assert findings(FIXTURES / "headers" / "access-token-headers.http") == []
    assert findings(FIXTURES / "headers" / "access-token-miami-basic.http") == []
    [bearer] = findings(FIXTURES / "headers" / "access-token-miami-bearer.http")
    assert bearer["rule"] == "header-client-credentials" and "Basic scheme" in bearer["message"]


def test_error_codes_from_the_current_errors_page():
    from vipps_lint.checks.responses import code_explanation, epayment_code, explain

    assert (
        code_explanation(6040)[0] == "a captured payment cannot be cancelled" and "refund" in code_explanation(6040)[1]
    )
    assert "same Idempotency-Key" in code_explanation(6280)[1]
    assert code_explanation(6250) and code_explanation(6260) and code_explanation(4160) and code_explanation(3010)
    assert all(code_explanation(code) for code in range(10010, 10071, 10))
    assert code_explanation(6270) is None  # between documented codes, but not on the page
    body = {
        "title": "Bad Request",
        "status": 400,
        "extraDetails": [{"name": "ErrorCode", "reason": "6270"}],
        "traceId": "t-9",
    }
    text, _, hint = explain(body)
    assert "[error 6270: a code vipps-lint does not know (in the payment range)]" in text
    assert "api-guide/errors" in hint
    test_only = {"title": "No cards", "extraDetails": [{"name": "ErrorCode", "reason": "10050"}]}
    assert epayment_code(test_only) == 10050
    assert "[error 10050: no cards (test environment)]" in explain(test_only)[0]
    assert epayment_code({"type": "https://httpstatuses.io/400"}) is None  # an HTTP status, not an error code


def test_urls_the_users_phone_opens_give_the_browser_reason():
    [returned] = findings(FIXTURES / "epayment" / "return-url-localhost.json")
    assert (returned["rule"], returned["severity"]) == ("return-url-local-host", "warning")
    [agreement] = findings(FIXTURES / "recurring" / "agreement-url-localhost.json")
    for finding in (returned, agreement):
        assert "users' phones cannot open" in finding["message"]
        assert "can never reach" not in finding["message"] and "Vipps MobilePay can" not in finding["message"]


def test_ecom_fallback_hint_points_to_universal_links(tmp_path):
    body = json.loads((FIXTURES / "ecom" / "initiate-good.json").read_text(encoding="utf-8"))
    body["merchantInfo"]["fallBack"] = "myshop://vipps/done"
    target = tmp_path / "app.json"
    target.write_text(json.dumps(body), encoding="utf-8")
    [finding] = findings(target, "ecom-fallback-https")
    assert "universal link" in finding["hint"] and '"isApp": true' in finding["hint"]


def test_explain_no_longer_says_an_ecom_order_id_may_hold_underscores_or_dots():
    result = CliRunner().invoke(main, ["explain", "schema-pattern"], catch_exceptions=False)
    assert "`-`, `_` and `.`" not in result.output and "no `_` and no `.`" in result.output


def test_danish_koster_ikke_noget_is_fee_free_wording_and_negations_stay_rejected():
    assert findings(FIXTURES / "klarna" / "order-dk-koster-ikke-noget.json") == []
    [negated] = findings(FIXTURES / "klarna" / "order-dk-ikke-gebyrfri.json")
    assert negated["rule"] == "klarna-vipps-fee-free-wording" and "not fee-free" in negated["message"]


def test_rules_lists_the_new_rules():
    result = CliRunner().invoke(main, ["rules"], catch_exceptions=False)
    for rule_id in (
        "epayment-amount-minimum",
        "epayment-phone-mobile-range",
        "recurring-charge-due",
        "webhooks-event-name",
        "order-management-url-https",
        "header-name-typo",
        "header-userinfo-subscription-key",
        "return-url-local-host",
    ):
        assert rule_id in result.output, rule_id
