"""Patterns from input run on RE2, without backtracking: none can hang a run.

Each of these took minutes (or forever) with Python's backtracking `re`; with RE2 they take
linear time, and a pattern RE2 cannot run is refused with a clear line (exit 2).
"""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from vipps_lint.cli import main
from vipps_lint.safe_regex import UnsafePattern, compile_bounded

from conftest import FIXTURES

EVIL = "^(a+)+$"
VALUE = "a" * 40 + "!"
SPEC = (FIXTURES / "openapi" / "epayment-own-spec.yaml").read_text()

PACK = """\
rules:
  - id: acme-order-id
    title: Order ids are ours
    severity: warning
    docs: https://example.com/rules/acme-order-id
    why: Our support team finds payments by order id.
    scope:
      endpoints: ["POST /ecomm/v2/payments"]
    given: $.transaction
    WHEN
    then:
      field: orderId
      function: pattern
      functionOptions: {match: "MATCH"}
    message: "{{path}} is not one of ours; got {{value}}"
    examples:
      bad: [{transaction: {orderId: "BAD"}}]
      good: [{transaction: {orderId: "aaaa"}}]
"""


def invoke(*args):
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def _pack(tmp_path, match=EVIL, when=""):
    pack = tmp_path / "pack"
    pack.mkdir()
    text = PACK.replace("MATCH", match).replace("BAD", VALUE).replace("WHEN", when or "# no condition")
    (pack / "rules.yaml").write_text(textwrap.dedent(text))
    return pack


def test_a_catastrophic_pattern_is_linear_on_re2():
    assert compile_bounded(EVIL)(VALUE) is None
    assert compile_bounded(EVIL)("aaaa") is not None
    assert compile_bounded(r"^[\p{L} ]+$")("Bløt kake") is not None  # ECMA-262's \p{L}, used by the Partner API


@pytest.mark.parametrize("pattern", ["^(?=a)a$", r"(a)\1", "(?<!x)a", "a" * 5000])
def test_patterns_re2_cannot_run_are_refused(pattern):
    with pytest.raises(UnsafePattern, match="at most|cannot be evaluated safely"):
        compile_bounded(pattern)


def test_a_user_rule_packs_match_pattern_runs_bounded(tmp_path):
    pack = _pack(tmp_path)
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"transaction": {"orderId": VALUE}}))
    result = invoke("check", "--rules", pack, "--select", "acme", "--endpoint", "POST /ecomm/v2/payments", body)
    assert result.exit_code == 0, result.stderr  # a warning
    assert "acme-order-id" in result.stdout


def test_a_user_rule_packs_when_pattern_runs_bounded(tmp_path):
    pack = _pack(tmp_path, match="^a", when='when: [{field: orderId, pattern: "' + EVIL + '"}]')
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"transaction": {"orderId": VALUE}}))
    result = invoke("check", "--rules", pack, "--select", "acme", "--endpoint", "POST /ecomm/v2/payments", body)
    assert "Traceback" not in result.stderr
    assert result.exit_code in (0, 2), result.stderr


def test_a_user_pattern_re2_cannot_run_is_a_setup_error(tmp_path):
    pack = _pack(tmp_path, match="^(?=a)a+$")
    result = invoke("check", "--rules", pack, FIXTURES / "ecom" / "initiate-good.json")
    assert result.exit_code == 2
    assert "rules.yaml" in result.stderr and "cannot be evaluated safely" in result.stderr


@pytest.mark.parametrize("how", ["walked document", "--spec"])
def test_a_catastrophic_pattern_in_an_openapi_document_runs_bounded(tmp_path, how):
    spec_text = SPEC.replace("pattern: '^acme-[0-9]{6}$'", f"pattern: '{EVIL}'")
    spec_text = spec_text.replace("reference: acme-shop-123-order128", f"reference: {VALUE}")
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "openapi.yaml").write_text(spec_text)
    if how == "--spec":
        body = tmp_path / "body.json"
        body.write_text(
            json.dumps(
                {
                    "amount": {"currency": "NOK", "value": 100},
                    "paymentMethod": {"type": "WALLET"},
                    "reference": VALUE,
                    "returnUrl": "https://x.example",
                    "userFlow": "WEB_REDIRECT",
                }
            )
        )
        result = invoke("check", "--spec", folder / "openapi.yaml", "--endpoint", "POST /epayment/v1/payments", body)
    else:
        result = invoke("check", folder)
    assert "Traceback" not in result.stderr
    assert "wants a value matching ^(a+)+$" in result.stdout


def test_a_lookaround_in_an_openapi_pattern_is_one_line(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(SPEC.replace("pattern: '^acme-[0-9]{6}$'", "pattern: '^(?=acme)acme-[0-9]{6}$'"))
    result = invoke("check", spec)
    assert result.exit_code == 2
    assert "cannot be evaluated safely" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
