"""Every rule's own examples: each bad one fires the rule, no good one does.

The examples are what `vipps-lint explain` shows, so this keeps the docs honest.
"""

from __future__ import annotations

import json

import pytest

from vipps_lint.checks.examples import example_as_of, example_requests
from vipps_lint.checks.rules import RuleLoader, load_rules, rule_files
from vipps_lint.data import rules_dir
from vipps_lint.pipeline import Linter, Settings

RULES, LOAD_ERRORS = load_rules(validate_shipped=True)
LINTER = Linter(Settings())


def test_shipped_rule_files_are_valid_against_the_meta_schema():
    assert LOAD_ERRORS == []
    loader = RuleLoader(validate=True)
    for path in rule_files(rules_dir()):
        loader.load_file(path)
    assert loader.errors == []


def test_rule_ids_are_unique_and_documented():
    assert len(RULES) >= 12
    for rule in RULES.values():
        assert rule.docs.startswith("https://")
        assert rule.why and rule.title
        assert rule.examples["bad"] and rule.examples["good"]


_DATED_LINTERS = {}


def _fired(rule_id, request):
    as_of = example_as_of(RULES[rule_id])
    linter = LINTER if as_of is None else _DATED_LINTERS.setdefault(as_of, Linter(Settings(as_of=as_of)))
    findings = linter.lint_request(request) or []
    return [finding for finding in findings if finding.rule == rule_id]


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_bad_examples_fire_the_rule(rule_id):
    rule = RULES[rule_id]
    for request in example_requests(rule, "bad"):
        fired = _fired(rule_id, request)
        assert fired, f"{rule_id}: bad example did not fire: {json.dumps(request.body)[:200]}"
        for finding in fired:
            assert finding.message and "{{" not in finding.message
            assert finding.hint is None or "{{" not in finding.hint


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_good_examples_do_not_fire_the_rule(rule_id):
    rule = RULES[rule_id]
    for request in example_requests(rule, "good"):
        assert _fired(rule_id, request) == [], f"{rule_id}: good example fired"
