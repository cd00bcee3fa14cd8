"""The compiled declarative rules (checks/compiled_rules.py) find what the rules find one by
one with the RFC 9535 JSONPath library's `given` nodes: the same problems, in the same order,
on every rule's examples, every fixture, and bodies made from them with values changed."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import jsonpath_rfc9535
import pytest

from vipps_lint.checks.engine import _apply, _host_allows
from vipps_lint.checks.examples import example_requests
from vipps_lint.models import InputError, Request
from vipps_lint.pipeline import Linter, Settings
from vipps_lint.sources import read_source

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
LINTER = Linter(Settings())

# What a value may be replaced with: other types, the edge of what the checks accept.
ODD_VALUES = [None, True, 0, -1, 1.5, "", " ", "http://localhost/x", "myapp://back", "{{url}}", [], {}, ["x"], {"a": 1}]


def _by_library(linter: Linter, request: Request) -> list:
    """The problems of the operation's rules, each run by `engine._apply` on the library's nodes."""
    problems = []
    for rule in linter.rules.declarative_rules_for(request):
        if rule.scope.get("hosts") and not _host_allows(rule, request.url):
            continue
        library_rule = dataclasses.replace(
            rule, given=[(expression, jsonpath_rfc9535.compile(expression)) for expression, _query in rule.given]
        )
        problems.extend(_apply(library_rule, request.body, linter.rules.as_of))
    return problems


def _routed(linter: Linter, request: Request):
    lint, _problems = linter.routing_problems(request)
    return request if lint and request.operation is not None and request.has_body else None


def _fixture_requests(linter: Linter) -> list[Request]:
    found = []
    for source in linter.settings.selection.expand([str(FIXTURES)]):
        if isinstance(source, InputError):
            continue
        for item in read_source(source, linter.settings.read):
            if isinstance(item, Request) and _routed(linter, item) is not None:
                found.append(item)
    return found


def _example_requests(linter: Linter) -> list[Request]:
    found = []
    for rule in linter.rules.rules.values():
        for kind in ("bad", "good"):
            for request in example_requests(rule, kind):
                if _routed(linter, request) is not None:
                    found.append(request)
    return found


def _variants(body):
    """The body with each value in turn replaced by each of ODD_VALUES, or removed."""

    def places(value, path=()):
        if isinstance(value, dict):
            for key, child in value.items():
                yield (*path, key)
                yield from places(child, (*path, key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                yield (*path, index)
                yield from places(child, (*path, index))

    for path in list(places(body)):
        for replacement in [*ODD_VALUES, KeyError]:
            variant = copy.deepcopy(body)
            parent = variant
            for step in path[:-1]:
                parent = parent[step]
            if replacement is KeyError:
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(replacement)
            yield variant


def _same_problems(linter: Linter, request: Request) -> None:
    compiled = linter.rules.check_declarative(request)
    assert compiled == list(linter.rules.interpret_declarative(request)), request.source.display
    assert compiled == _by_library(linter, request), request.source.display
    # Again, with the values the functions found good remembered (`check.passes`: not called for them).
    assert linter.rules.check_declarative(request) == compiled, request.source.display


def test_every_fixture_and_every_rule_example_give_the_same_problems():
    requests = _fixture_requests(LINTER) + _example_requests(LINTER)
    assert len(requests) > 100
    assert sum(bool(LINTER.rules.check_declarative(request)) for request in requests) > 50  # not all clean
    for request in requests:
        _same_problems(LINTER, request)


@pytest.mark.slow
def test_bodies_with_values_changed_give_the_same_problems():
    requests = _fixture_requests(LINTER) + _example_requests(LINTER)
    seen = set()
    for request in requests:
        key = (request.operation.id, json.dumps(request.body, sort_keys=True))
        if key in seen:
            continue
        seen.add(key)
        for variant in _variants(request.body):
            _same_problems(LINTER, dataclasses.replace(request, body=variant))


RULE_PACK = """\
rules:
  - id: custom-fee-filter
    title: A filter query, which the JSONPath library evaluates
    severity: warning
    docs: https://example.com/rules
    why: A filter is not a plain child path.
    scope: {endpoints: ["POST /checkout/v3/session"]}
    given: ["$.merchantInfo", "$..callbackUrl", "$.configuration[?@.showOrderSummary == true]"]
    then: {function: undefined}
    message: "{{path}} is here"
    examples: {bad: [{}], good: [{}]}
  - id: custom-host-scoped
    title: Only on some hosts
    severity: info
    docs: https://example.com/rules
    why: A rule scoped to hosts.
    scope: {endpoints: ["POST /checkout/v3/session"], hosts: ["*.example.com"]}
    given: $.merchantInfo
    then: [{field: callbackUrl, function: undefined}, {field: a/b, function: undefined}]
    message: "{{path}} is here"
    examples: {bad: [{}], good: [{}]}
  - id: custom-wildcards
    title: Wildcards and indexes
    severity: info
    docs: https://example.com/rules
    why: Every kind of child step.
    scope: {endpoints: ["POST /checkout/v3/session"]}
    given: ["$.*", "$.merchantInfo[0]", "$.list[-1][*]", "$[*].x"]
    when: [{field: nope, defined: false}, {field: /merchantInfo/returnUrl, defined: true}]
    then: [{function: undefined}, {field: x/y, function: undefined}]
    message: "{{path}} is here"
    examples: {bad: [{}], good: [{}]}
"""


@pytest.mark.parametrize(
    "url", ["https://api.example.com/checkout/v3/session", "https://apitest.vipps.no/checkout/v3/session"]
)
def test_rules_the_compiler_leaves_to_the_interpreter_run_in_their_place(tmp_path, url):
    (tmp_path / "custom.yaml").write_text(RULE_PACK, encoding="utf-8")
    linter = Linter(Settings(rule_dirs=[str(tmp_path)]))
    assert not linter.setup_errors
    body = json.loads((FIXTURES / "checkout" / "session-bad.json").read_text(encoding="utf-8"))
    body["list"] = [1, {"x": {"y": 2}}, [{"x": 1}, 2]]
    body["configuration"] = [{"showOrderSummary": True}, {"showOrderSummary": False}]
    request = Request(source=None, index=0, method="POST", url=url, headers=[], body=body)
    assert _routed(linter, request) is not None
    problems = linter.rules.check_declarative(request)
    assert {"custom-fee-filter", "custom-wildcards"} <= {problem.rule for problem in problems}
    assert ("custom-host-scoped" in {problem.rule for problem in problems}) == ("example.com" in url)
    _same_problems(linter, request)
    for variant in _variants(body):
        _same_problems(linter, dataclasses.replace(request, body=variant))


def test_a_child_path_too_deep_to_generate_code_for_is_interpreted(tmp_path):
    # Python refuses code nested 100 levels deep: a user's rule with a long path must still run.
    deep = "$" + ".*" * 60 + ".x"
    pack = f"""rules:
  - id: custom-deep
    title: A very deep path
    severity: info
    docs: https://example.com/rules
    why: Nested sixty levels.
    scope: {{endpoints: ["POST /checkout/v3/session"]}}
    given: ["{deep}", "$.merchantInfo"]
    then: [{{field: callbackUrl, function: undefined}}]
    message: "{{{{path}}}} is here"
    examples: {{bad: [{{}}], good: [{{}}]}}
"""
    (tmp_path / "custom.yaml").write_text(pack, encoding="utf-8")
    linter = Linter(Settings(rule_dirs=[str(tmp_path)]))
    assert not linter.setup_errors
    body = json.loads((FIXTURES / "checkout" / "session-bad.json").read_text(encoding="utf-8"))
    request = Request(source=None, index=0, method="POST", url=None, headers=[], body=body)
    assert _routed(linter, request) is not None
    assert "custom-deep" in {problem.rule for problem in linter.rules.check_declarative(request)}
    _same_problems(linter, request)
