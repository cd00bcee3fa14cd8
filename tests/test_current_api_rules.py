"""The rules for what today's API rejects (issue 10), through the real CLI in process.

Their examples run in test_rule_examples.py and their fixtures in test_fixtures.py; these
tests pin what a user sees: the exact message and hint, what --fix does and does not change.
"""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner
from conftest import FIXTURES

from vipps_lint.cli import main

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
    assert finding["hint"] == ('Add the country code of the user\'s number: Finnish mobile "358401234567"'
                               " (the currency does not tell which country the user is from)")
    before = target.read_text()
    CliRunner().invoke(main, ["check", "--fix", str(target)], catch_exceptions=False)
    assert target.read_text() == before


def test_a_danish_number_outside_the_mobile_ranges_is_a_warning_not_an_error():
    [finding] = findings(FIXTURES / "phones" / "epayment-dkk-outside-mobile-range.json")
    assert (finding["rule"], finding["severity"]) == ("epayment-phone-mobile-range", "warning")
    assert finding["message"] == ('customer.phoneNumber "4512345678" has the right format, but +45 12345678 is in no Danish number'
                                  " range, so it is unlikely to reach a Vipps MobilePay user")
