"""Stage 3: run the rules on a routed request and turn what they find into `Finding`s.

Declarative rules (given/when/then) run here; code-based checks (schema validation,
routing, headers, responses) yield `Problem`s that pass through the same `RuleSet.finding`
so selection, severity overrides and positions work the same for every rule.
"""

from __future__ import annotations

import fnmatch
from datetime import date
from typing import Any, Callable, Iterable, Iterator, Optional

from vipps_lint.checks.functions import NO_FIX, UNDEFINED, CheckContext, render_value
from vipps_lint.checks.rules import Rule
from vipps_lint.models import SEVERITIES, Finding, Fix, Problem, Request
from vipps_lint.positions import dotted_path, pointer_from_parts
from vipps_lint.urls import split_url


def selector_matches(selector: str, rule_id: str, known_ids=()) -> bool:
    """A rule id, a glob ('ecom-*') or a prefix of whole words ('ecom' selects 'ecom-url-https').

    A selector that is itself a rule id selects only that rule: 'klarna-vipps-fee' must not
    also select 'klarna-vipps-fee-free-wording'.
    """
    if selector in known_ids:
        return rule_id == selector
    return (
        rule_id == selector or fnmatch.fnmatchcase(rule_id, selector) or rule_id.startswith(selector.rstrip("-") + "-")
    )


class RuleSet:
    def __init__(self, rules: dict[str, Rule], as_of: Optional[date] = None):
        self.rules = rules
        self.enabled = set(rules)
        self._by_operation: dict[str, list[Rule]] = {}
        self._compiled: dict[str, Callable] = {}  # operation id → its rules as one function (compiled_rules)
        # Rules whose `since` is after this date are reported one severity lower (None: today).
        self.as_of = as_of or date.today()
        self.not_yet_enforced = _not_yet_enforced(rules, self.as_of)

    def matching(self, selectors: Iterable[str]) -> frozenset[str]:
        """The ids of the rules any of the selectors selects."""
        selectors = list(selectors)
        return frozenset(
            rule_id
            for rule_id in self.rules
            if any(selector_matches(selector, rule_id, self.rules) for selector in selectors)
        )

    def unknown_selectors(self, selectors: Iterable[str]) -> list[str]:
        return [
            selector
            for selector in selectors
            if not any(selector_matches(selector, rule_id, self.rules) for rule_id in self.rules)
        ]

    def configure(
        self,
        select: Iterable[str] = (),
        ignore: Iterable[str] = (),
        extend_select: Iterable[str] = (),
        severities: Optional[dict[str, str]] = None,
    ) -> None:
        select, ignore, extend_select = list(select), list(ignore), list(extend_select)
        enabled = {
            rule_id
            for rule_id in self.rules
            if not select or any(selector_matches(s, rule_id, self.rules) for s in select)
        }
        enabled |= {
            rule_id for rule_id in self.rules if any(selector_matches(s, rule_id, self.rules) for s in extend_select)
        }
        enabled -= {rule_id for rule_id in self.rules if any(selector_matches(s, rule_id, self.rules) for s in ignore)}
        self.enabled = enabled
        for selector, severity in (severities or {}).items():
            assert severity in SEVERITIES
            for rule_id, rule in self.rules.items():
                if selector_matches(selector, rule_id, self.rules):
                    rule.severity = severity
        self._by_operation.clear()
        self._compiled.clear()

    def declarative_rules_for(self, request: Request) -> list[Rule]:
        operation = request.operation
        if operation is None:
            return []
        found = self._by_operation.get(operation.id)
        if found is None:
            found = [
                rule
                for rule_id, rule in self.rules.items()
                if rule_id in self.enabled
                and not rule.builtin
                and rule.applies_to_endpoint(operation.endpoint, operation.id, operation.api)
            ]
            self._by_operation[operation.id] = found
        return found

    def finding(self, problem: Problem, request: Request) -> Optional[Finding]:
        """The finding for a problem, or None when its rule is not enabled."""
        rule = self.rules.get(problem.rule)
        if rule is None or problem.rule not in self.enabled:
            return None
        key = problem.header if problem.part == "header" else problem.pointer
        finding = Finding(
            rule=rule.id,
            severity=rule.severity,
            message=problem.message,
            request=request,
            part=problem.part,
            pointer=problem.pointer,
            header=problem.header,
            hint=problem.hint,
            position=request.locate(problem.part, key),
            fix=problem.fix,
        )
        since = self.not_yet_enforced.get(rule.id)
        if since is not None:
            _report_as_announced(finding, since, self.as_of)
        return finding

    def check_declarative(self, request: Request) -> list[Problem]:
        """Problems the YAML rules find in a request's body, rule by rule."""
        operation = request.operation
        if not request.has_body or operation is None:
            return []
        run = self._compiled.get(operation.id)
        if run is None:
            from vipps_lint.checks.compiled_rules import compile_rules

            interpreted = {
                "apply_rule": _apply,
                "host_allows": _host_allows,
                "field_value": _field_value,
                "problem": _problem,
            }
            run = compile_rules(self.declarative_rules_for(request), interpreted)
            self._compiled[operation.id] = run
        return run(request.body, request.url, self.as_of)

    def interpret_declarative(self, request: Request) -> Iterator[Problem]:
        """What `check_declarative` finds, rule by rule through `_apply` (what the compiled
        rules are compared with in the tests)."""
        if not request.has_body:
            return
        for rule in self.declarative_rules_for(request):
            if not rule.scope.get("hosts") or _host_allows(rule, request.url):
                yield from _apply(rule, request.body, self.as_of)


_LOWER = {"error": "warning", "warning": "info", "info": "info"}


def _not_yet_enforced(rules: dict[str, Rule], as_of: date) -> dict[str, str]:
    """Rule id → its `since` date, for rules the API starts to enforce after `as_of`."""
    found = {}
    for rule_id, rule in rules.items():
        if rule.since:
            try:
                since = date.fromisoformat(rule.since)
            except ValueError:
                continue
            if since > as_of:
                found[rule_id] = rule.since
    return found


def _report_as_announced(finding: Finding, since: str, as_of: date) -> None:
    """An announced change: one severity lower until it is enforced, and the message says so."""
    finding.severity = _LOWER[finding.severity]
    finding.message += f" (enforced from {since}; a {finding.severity} until then, checking as of {as_of.isoformat()})"


def _host_allows(rule: Rule, url: Optional[str]) -> bool:
    """Whether a rule with `scope.hosts` applies to a request to `url` (one without a host: yes)."""
    host = (split_url(url).hostname or "").lower() if url and "://" in url else None
    return not host or any(fnmatch.fnmatch(host, pattern) for pattern in rule.scope["hosts"])


def _field_value(found: Any, field: str) -> tuple[Any, tuple, Any]:
    """(value, path below the given node, the object holding it) for a `then.field`; a
    path of keys ('profile/scope') walks down, and a missing step makes the value UNDEFINED."""
    if "/" not in field:
        return found.get(field, UNDEFINED), (field,), found
    keys = tuple(field.split("/"))
    parent = found
    for key in keys[:-1]:
        parent = parent.get(key) if isinstance(parent, dict) else None
    value = parent.get(keys[-1], UNDEFINED) if isinstance(parent, dict) else UNDEFINED
    return value, keys, parent if isinstance(parent, dict) else None


def _apply(rule: Rule, body: Any, as_of: Optional[date] = None) -> Iterator[Problem]:
    # Runs for every rule on every request: the path and pointer of a value are spelled
    # out only when it has a violation.
    when = rule.when
    for _expression, query in rule.given:
        for node in query.find(body):
            found = node.value
            if when is not None and not when(found, body):
                continue
            for then in rule.then:
                if then.field is None:
                    value, parts, parent = found, node.location, None
                elif isinstance(found, dict):
                    value, below, parent = _field_value(found, then.field)
                    parts = (*node.location, *below)
                else:
                    continue
                for violation in then.check(value, CheckContext(parent, parts, body, as_of)):
                    yield _problem(rule, violation, value, list(parts), dotted_path(parts))


def _problem(rule: Rule, violation, value: Any, parts: list, path: str) -> Problem:
    has_fix = violation.fix is not NO_FIX
    values = {
        "value": render_value(value),
        "property": str(parts[-1]) if parts else "",
        "path": path,
        "pointer": pointer_from_parts(parts),
        "error": violation.error,
        "fix": render_value(violation.fix) if has_fix else "",
        "since": rule.since or "",
        "detail": violation.detail,
    }
    message_template = rule.message.pick(violation.code)
    message = message_template.render(values) if message_template else f"{path} {violation.error}"
    hint = None
    hint_template = rule.hint.pick(violation.code, has_fix)
    if hint_template is not None:
        hint = hint_template.render(values)
    fix = None
    if has_fix and rule.autofix and violation.safe:
        fix = Fix(violation.fix, f"set {path} to {render_value(violation.fix)}")
    return Problem(rule=rule.id, message=message, part="body", pointer=values["pointer"], hint=hint, fix=fix)
