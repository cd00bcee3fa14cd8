"""Check functions as units: the behaviour each rule relies on."""

from __future__ import annotations

import re

import pytest

from vipps_lint.checks.functions import UNDEFINED, CheckContext, module


def run(name, options, value, parent=None):
    check = module(name).compile(options)
    return [
        (violation.code, violation.fix if violation.fix is not None else None)
        for violation in check(value, CheckContext(parent=parent or {}, parts=("x",)))
    ]


def codes(name, options, value, parent=None):
    return [code for code, _ in run(name, options, value, parent)]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("91234567", []),
        ("+47 91 23 45 67", [("format", "91234567")]),
        ("004791234567", [("format", "91234567")]),
        ("+4791234567", [("format", "91234567")]),
        ("912 34 567", [("format", "91234567")]),
        ("4791234567", [("format", "91234567")]),
        (91234567, []),
    ],
)
def test_ecom_phone_gives_the_exact_eight_digits(value, expected):
    assert run("phone", {"format": "national-no"}, value) == expected


def test_ecom_phone_foreign_and_impossible_numbers_have_their_own_codes():
    assert codes("phone", {"format": "national-no"}, "+46 70 123 45 67") == ["foreign"]
    assert codes("phone", {"format": "national-no"}, "123") == ["invalid"]
    # The right length, but no Norwegian number starts with 1: a test number, not a customer's.
    assert codes("phone", {"format": "national-no"}, "12345678") == ["invalid"]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("4791234567", []),
        ("4540123456", []),
        ("358401234567", []),
        ("46701234567", []),
        ("+47 91 23 45 67", [("format", "4791234567")]),
        ("+4791234567", [("format", "4791234567")]),
        ("0047 912 34 567", [("format", "4791234567")]),
        ("+45 20 12 34 56", [("format", "4520123456")]),
        ("0045 20123456", [("format", "4520123456")]),
        ("+358 40 1234567", [("format", "358401234567")]),
        ("+46 70 123 45 67", [("format", "46701234567")]),
        ("91234567", [("missing-country-code", "4791234567")]),
        ("040 123 4567", [("missing-country-code", "358401234567")]),
    ],
)
def test_msisdn_gives_the_exact_corrected_value(value, expected):
    assert run("phone", {"format": "msisdn"}, value) == expected


@pytest.mark.parametrize("value", ["+45 20 12 34 56", "0045 20123456", "+358 40 1234567", "+47 91 23 45 67"])
def test_a_fix_is_safe_when_the_input_states_the_country(value):
    [violation] = module("phone").compile({"format": "msisdn"})(
        value, CheckContext(parent={}, parts=("phoneNumber",), root={})
    )
    assert violation.safe


@pytest.mark.parametrize("currency", ["NOK", "DKK", "EUR", None])
def test_a_national_number_lists_its_readings_whatever_the_currency_and_is_never_fixed(currency):
    """Any Nordic user can pay any Nordic merchant: the currency does not tell the country."""
    check = module("phone").compile({"format": "msisdn", "currencyAt": ["/amount/currency"]})
    body = {"amount": {"currency": currency}} if currency else {}
    [violation] = check("91234567", CheckContext(parent={}, parts=("customer", "phoneNumber"), root=body))
    assert (violation.code, violation.safe) == ("missing-country-code", False)
    assert '"4791234567"' in violation.detail and '"4591234567"' in violation.detail
    first = violation.detail.split('"')[1]
    assert first == {"DKK": "4591234567"}.get(currency, "4791234567")  # the currency only orders the readings


def test_a_finnish_national_number_gets_the_finnish_reading():
    [violation] = module("phone").compile({"format": "msisdn"})(
        "040 123 4567", CheckContext(parent={}, parts=("phoneNumber",), root={})
    )
    assert (violation.code, violation.fix, violation.safe) == ("missing-country-code", "358401234567", False)
    assert "Finnish mobile" in violation.detail and "Norwegian" not in violation.detail


@pytest.mark.parametrize("value", ["4512345678", "4712345678"])
def test_the_right_format_outside_the_mobile_ranges_is_not_a_format_problem(value):
    """The docs' own example 4712345678 has the format the API checks; only the range rule speaks."""
    assert codes("phone", {"format": "msisdn"}, value) == []
    assert codes("phone", {"format": "msisdn", "check": "mobile-range"}, value) == ["not-mobile"]


def test_the_mobile_range_check_is_quiet_about_mobile_numbers_and_wrong_formats():
    for value in ("4791234567", "4520123456", "358401234567", "46701234567", "91234567", "+47 91 23 45 67", "12"):
        assert codes("phone", {"format": "msisdn", "check": "mobile-range"}, value) == [], value


def test_a_guessed_country_code_is_a_hint_but_never_an_automatic_fix(tmp_path):
    from conftest import run_json

    body = tmp_path / "payment.json"
    body.write_text(
        '{"amount": {"currency": "EUR", "value": 1000}, "paymentMethod": {"type": "WALLET"}, "reference": '
        '"acme-shop-123-order1",'
        ' "customer": {"phoneNumber": "40123456"}, "returnUrl": "https://example.com/r", "userFlow": "WEB_REDIRECT"}'
    )
    _, report = run_json(str(body))
    [finding] = [f for f in report["findings"] if f["rule"] == "epayment-phone-msisdn"]
    assert finding["fix"] is None
    assert finding["hint"] == (
        'Add the country code of the user\'s number: Finnish mobile "35840123456", Norwegian mobile "4740123456"'
        ' or Danish mobile "4540123456" (the currency does not tell which country the user is from)'
    )


def test_msisdn_rejects_other_countries_and_nonsense():
    assert codes("phone", {"format": "msisdn"}, "447911123456") == ["foreign"]
    assert codes("phone", {"format": "msisdn", "countries": ["NO", "DK", "FI"]}, "46701234567") == ["foreign"]
    assert codes("phone", {"format": "msisdn"}, "12") == ["invalid"]


URL = {"schemes": ["https"], "rejectLocal": True, "rejectPrivate": True}


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://example.com/cb", []),
        ("http://example.com/cb?x=1", [("scheme", "https://example.com/cb?x=1")]),
        ("HTTP://Example.com/cb", [("scheme", "https://Example.com/cb")]),
        ("http://localhost:8080/cb", [("local-host", None)]),
        ("https://127.0.0.1/cb", [("local-host", None)]),
        ("https://[::1]/cb", [("local-host", None)]),
        ("https://10.1.2.3/cb", [("private-host", None)]),
        ("https://172.20.0.5/cb", [("private-host", None)]),
        ("https://192.168.0.2/cb", [("private-host", None)]),
        ("https://shop.local/cb", [("private-host", None)]),
        ("https://api.internal/cb", [("private-host", None)]),
        ("https://intranet/cb", [("private-host", None)]),
        ("example.com/cb", [("not-url", None)]),
        ("myapp://done", [("app-scheme", None)]),
    ],
)
def test_url_checks(value, expected):
    found = [(code, fix if isinstance(fix, str) else None) for code, fix in run("url", URL, value)]
    assert found == expected


def test_url_app_scheme_only_when_the_sibling_condition_holds():
    options = {"schemes": ["https"], "appScheme": {"when": [{"field": "isApp", "equals": True}]}}
    assert codes("url", options, "myapp://done", parent={"isApp": True}) == []
    assert codes("url", options, "myapp://done", parent={"isApp": False}) == ["app-scheme"]
    assert codes("url", options, "myapp://done", parent={"isApp": "true"}) == ["app-scheme"]
    # http is not an app scheme: isApp does not make it acceptable.
    assert codes("url", options, "http://example.com", parent={"isApp": True}) == ["scheme"]


def test_url_ignores_missing_and_non_strings():
    assert codes("url", URL, UNDEFINED) == []
    assert codes("url", URL, 42) == []


WORDING = {
    "phrases": {
        "nb": ["gebyrfri*", "uten gebyr*"],
        "en": ["fee-free", "no fee", "no fees"],
        "da": ["gebyrfri*", "uden gebyr*"],
        "fi": ["maksuton*", "ilman kulu*"],
    }
}


@pytest.mark.parametrize(
    "text",
    [
        "Husk: Vipps er alltid gebyrfritt når du betaler til bedrifter.",
        "HUSK: VIPPS ER ALLTID GEBYRFRITT",
        "Betal uten gebyr med Vipps",
        "Always fee free with Vipps MobilePay",
        "Always fee‑free (non-breaking hyphen)",
        "No fees when you pay businesses",
        "MobilePay er altid gebyrfri",
        "Betal uden gebyrer",
        "Vipps MobilePay on aina maksuton",
        "Maksa ilman kuluja",
    ],
)
def test_wording_accepts_fee_free_phrases_in_four_languages(text):
    assert codes("wording", WORDING, text) == []


@pytest.mark.parametrize(
    "value, code",
    [
        (UNDEFINED, "missing"),
        (None, "missing"),
        ("", "empty"),
        ("   ", "empty"),
        ("Betal med Vipps", "silent"),
        ("No feedback needed", "silent"),
    ],
)
def test_wording_flags_missing_empty_and_silent(value, code):
    assert codes("wording", WORDING, value) == [code]


def test_equals_enum_length_type_pattern_defined():
    assert run("equals", {"value": 0}, 500) == [("different", 0)]
    assert codes("equals", {"value": 0}, 0) == []
    assert codes("equals", {"value": 0}, 0.0) == []
    assert codes("equals", {"value": 0}, False) == ["different"]
    assert run("enum", {"values": ["NOK", "DKK", "EUR"]}, "nok") == [("case", "NOK")]
    assert codes("enum", {"values": ["NOK", "DKK", "EUR"]}, "SEK") == ["not-allowed"]
    assert codes("length", {"max": 5}, "abcdef") == ["too-long"]
    assert codes("length", {"min": 2}, ["a"]) == ["too-short"]
    assert run("type", {"type": "integer"}, 499.0) == [("float", 499)]
    assert codes("type", {"type": "integer"}, 499.5) == ["type"]
    assert run("type", {"type": "integer"}, "100") == [("string", 100)]
    assert codes("type", {"type": "string"}, True) == ["type"]
    assert codes("pattern", {"match": "^[a-z]+$"}, "abc") == []
    assert codes("pattern", {"match": "^[a-z]+$", "notMatch": "^0"}, "0A") == ["match", "not-match"]
    assert codes("defined", {}, UNDEFINED) == ["missing"]
    assert codes("defined", {}, "") == ["empty"]
    assert codes("defined", {"allowEmpty": True}, "") == []
    assert codes("undefined", {}, "x") == ["present"]


@pytest.mark.parametrize(
    "options",
    [
        {"format": "national-no"},
        {"format": "msisdn", "countries": ["NO", "DK", "FI"]},
        {"format": "msisdn", "countries": ["FI"]},
    ],
)
def test_numbers_in_the_exact_format_skip_phonenumbers_without_changing_any_result(options):
    """The shortcut for numbers already written as the API wants them agrees with phonenumbers."""
    import random

    fast, slow = module("phone").compile(options), module("phone").compile(options, trust_exact_format=False)
    rng = random.Random(9535)
    samples = [f"{prefix}{rng.randrange(10**6):06d}" for prefix in range(100) for _ in range(3)]
    samples += [country + number for country in ("47", "45", "46", "358") for number in samples[::7]]
    samples += ["00000000", "10000000", "4700000000", "4500000000", " 91234567", "9123456a"]
    context = CheckContext(parent={}, parts=("x",), root={})
    for value in samples:
        assert [vars(v) for v in fast(value, context)] == [vars(v) for v in slow(value, context)], value


def test_the_url_shortcut_for_plain_public_urls_agrees_with_the_full_check():
    from vipps_lint.checks.functions import url

    urls = [
        "https://example.com",
        "https://example.com/",
        "https://Example.COM:8443/x?y=1#z",
        "https://a-b.c-d.example/p",
        "http://example.com/x",
        "https://localhost/x",
        "https://127.0.0.1/x",
        "https://10.0.0.1:443/",
        "https://shop.local/x",
        "https://intranet/x",
        "https://user:pw@example.com/x",
        "https://example.com:99999/x",
        "https://exa_mple.com/x",
        "HTTPS://EXAMPLE.COM/x",
        "https://example.com./x",
        "https://[::1]/x",
        "myapp://return",
        "https://",
        "https://-a.com/",
    ]
    context = CheckContext(parent={"isApp": True}, parts=("x",))
    for options in (
        {"schemes": ["https"]},
        {"schemes": ["https", "http"], "rejectPrivate": False},
        {"appScheme": True},
    ):
        check = url.compile(options)
        for value in urls:
            plain = url._PLAIN_WEB_URL.match(value.strip())
            if plain is None:
                continue
            original = url._PLAIN_WEB_URL
            url._PLAIN_WEB_URL = re.compile(r"(?!)")  # never matches: the full check alone
            try:
                full = [vars(v) for v in url.compile(options)(value, context)]
            finally:
                url._PLAIN_WEB_URL = original
            assert [vars(v) for v in check(value, context)] == full, (options, value)


def test_url_and_wording_remember_verdicts_without_changing_any_result(monkeypatch):
    """A log repeats the same values: a check judges each once, and a remembered verdict (or
    a forgotten one, past the limit) is what a fresh check says."""
    from vipps_lint.checks.functions import url, wording

    monkeypatch.setattr(url, "_PASSED_LIMIT", 3)
    monkeypatch.setattr(wording, "_VERDICTS_LIMIT", 3)
    cases = [
        ("url", {"schemes": ["https"]}, ["https://example.com/cb", "http://example.com/cb", " https://a.example/x "]),
        ("url", {"schemes": ["https"], "ports": [443]}, ["https://example.com:8443/x", "https://example.com/x"]),
        (
            "wording",
            WORDING,
            ["Betal uten gebyr med Vipps", "Betal med Vipps", "ikke gebyrfritt", "Maksa ilman kuluja"],
        ),
    ]
    context = CheckContext(parent={}, parts=("x",), root={})
    for name, options, values in cases:
        check = module(name).compile(options)
        for value in values * 3:
            fresh = module(name).compile(options)
            assert [vars(v) for v in check(value, context)] == [vars(v) for v in fresh(value, context)], value
