"""Broken rule packs exit 2 naming the file and line; the shipped rules still run."""

from __future__ import annotations

import textwrap

import pytest

from conftest import FIXTURES, run_cli

BAD_ECOM = str(FIXTURES / "ecom" / "initiate-http-urls.json")

VALID_RULE = """\
rules:
  - id: acme-transaction-text
    title: Transaction text names the shop
    severity: warning
    docs: https://example.com/rules/acme-transaction-text
    why: Our support team finds payments by the shop name.
    scope:
      endpoints: ["POST /ecomm/v2/payments"]
    given: $.transaction
    then:
      field: transactionText
      function: pattern
      functionOptions: {match: "^Acme"}
    message: "{{path}} should start with Acme; got {{value}}"
    hint: Start the text with "Acme"
    examples:
      bad: [{transaction: {transactionText: "Socks"}}]
      good: [{transaction: {transactionText: "Acme socks"}}]
"""


def write_pack(tmp_path, text):
    pack = tmp_path / "pack"
    pack.mkdir(exist_ok=True)
    (pack / "rules.yaml").write_text(textwrap.dedent(text))
    return pack


def test_a_user_rule_pack_adds_rules(tmp_path):
    pack = write_pack(tmp_path, VALID_RULE)
    result = run_cli("check", "--rules", str(pack), "--select", "acme", BAD_ECOM)
    assert result.returncode == 0  # a warning only
    assert "warning[acme-transaction-text] transaction.transactionText should start with Acme" in result.stdout.decode()
    assert "acme-transaction-text" in run_cli("rules", "--rules", str(pack)).stdout.decode()


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda t: t.replace("    severity: warning\n", "    severity: fatal\n"),
            "rules.yaml:4:15: rules[0].severity: 'fatal' is not one of",
        ),
        (
            lambda t: t.replace("    title:", "    titel: oops\n    title:"),
            "rules.yaml:2:5: rules[0]: Additional properties are not allowed ('titel' was unexpected)",
        ),
        (
            lambda t: t.replace("function: pattern", "function: regex"),
            "rules.yaml:12:17: rule acme-transaction-text: unknown function 'regex'",
        ),
        (
            lambda t: t.replace("given: $.transaction", "given: $.transaction[?"),
            "rules.yaml:9:12: rule acme-transaction-text: invalid JSONPath",
        ),
        (
            lambda t: t.replace('{match: "^Acme"}', '{match: "^(Acme"}'),
            "rules.yaml:13:32: rule acme-transaction-text: pattern functionOptions: '^(Acme' is not a 'regex'",
        ),
        (
            lambda t: t.replace('{match: "^Acme"}', "{matches: x}"),
            "rules.yaml:13:24: rule acme-transaction-text: pattern functionOptions: Additional properties",
        ),
        (lambda t: t.replace("    why:", "    why: a\n    why:"), "rules.yaml:7:5: duplicate key 'why'"),
        (lambda t: t.replace("    scope:", "    scope: [\n"), "rules.yaml:10:5: invalid YAML"),
        (
            lambda t: t.replace("{{path}} should", "{{field}} should"),
            "rules.yaml:14:14: rule acme-transaction-text: unknown template variable {{field}}",
        ),
        (
            lambda t: t.replace("id: acme-transaction-text", "id: ecom-mobile-number"),
            "rules.yaml:2: rule id 'ecom-mobile-number' is already defined at",
        ),
    ],
)
def test_broken_rule_files_name_file_line_and_problem(tmp_path, mutate, expected):
    pack = write_pack(tmp_path, mutate(VALID_RULE))
    result = run_cli("check", "--rules", str(pack), BAD_ECOM)
    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert "Traceback" not in stderr
    assert expected in stderr, stderr
    assert "error[ecom-callback-https]" in result.stdout.decode()  # the shipped rules still ran


def test_the_norway_problem_is_caught(tmp_path):
    """YAML 1.1 reads a bare NO as false; the meta-schema catches it with a line."""
    text = VALID_RULE.replace(
        'function: pattern\n      functionOptions: {match: "^Acme"}',
        "function: phone\n      functionOptions: {format: msisdn, countries: [NO]}",
    )
    pack = write_pack(tmp_path, text)
    result = run_cli("check", "--rules", str(pack), BAD_ECOM)
    assert result.returncode == 2
    assert (
        "rules.yaml:13:53: rule acme-transaction-text: phone functionOptions: False is not of type 'string'"
        in result.stderr.decode()
    )


def test_missing_rule_directory(tmp_path):
    result = run_cli("check", "--rules", str(tmp_path / "nope"), BAD_ECOM)
    assert result.returncode == 2 and "rule directory does not exist" in result.stderr.decode()


def test_shipped_rule_files_read_fast_give_the_same_data_and_rule_lines_as_the_positioned_loader():
    """Every run reads the shipped rules with libyaml alone (ShippedRuleFile); both readers agree."""
    from vipps_lint.checks.rules import ShippedRuleFile, rule_files
    from vipps_lint.data import rules_dir
    from vipps_lint.yamlpos import load_yaml

    for path in rule_files(rules_dir()):
        text = path.read_text(encoding="utf-8")
        fast, positioned = ShippedRuleFile(text), load_yaml(text)
        assert fast.data == positioned.data, path.name
        for index in range(len(positioned.data["rules"])):
            assert fast.position(f"/rules/{index}") == positioned.position(f"/rules/{index}"), (path.name, index)
        assert fast.position("/rules/0/then") == positioned.position("/rules/0/then")
