"""Every check of a run, compiled once, and which of their problems stand.

The declarative rules run first; then the code checks (`CODE_CHECKS`). Two kinds of code
check give way or take over:

- `DEFERS_TO_DECLARATIVE`: a problem of theirs on a value a declarative rule already
  reported is dropped (the hand-written rule has the better message and hint);
- `SUPERSEDES_OTHERS`: a body problem of theirs replaces every other problem on the same
  value (an unresolved `{{variable}}` explains "not a valid URL"), and so does a value the
  reader marks as unknown at lint time (`RequestMeta.unknown_at_lint_time`) and a placeholder
  (`{{var}}`, `<access_token>`; `placeholders.py`), whatever rules are selected.
"""

from __future__ import annotations

import importlib
from typing import Iterable, Optional

from vipps_lint.checks import CODE_CHECKS, DEFERS_TO_DECLARATIVE, SUPERSEDES_OTHERS
from vipps_lint.checks.engine import RuleSet
from vipps_lint.checks.placeholders import placeholder_pointers
from vipps_lint.models import Problem, Request

# Modules that report rules in code (`builtin: NAME` in rules/), by that name.
_REPORTING_MODULES = {
    "routing": "vipps_lint.routing",
    "suppressions": "vipps_lint.suppressions",
    "session": "vipps_lint.session",
    **{name: f"vipps_lint.checks.{name}" for name in CODE_CHECKS},
}


class RuleIdMismatch(Exception):
    """The rule ids a module reports and the `builtin:` rules documented for it differ."""


class CheckSuite:
    def __init__(self, rules: RuleSet, linter) -> None:
        self.rules = rules
        check_rule_ids(rules.rules)
        # Each code check's `create(linter)` sees the run (its rule set, --spec schemas).
        self.code_checks = []
        for name in CODE_CHECKS:
            checker = importlib.import_module(f"vipps_lint.checks.{name}").create(linter)
            if checker is not None:
                self.code_checks.append((name, checker))

    def problems(self, request: Request, routing: Iterable[Problem] = ()) -> list[Problem]:
        """Routing's problems and those every check finds in a routed request, after the rules above."""
        declarative = list(self.rules.check_declarative(request))
        problems = [*routing, *declarative]
        claimed = {problem.pointer for problem in declarative}
        superseding: dict[Optional[str], set[int]] = {}  # body pointer → ids of the problems that replace the rest
        for name, checker in self.code_checks:
            for problem in checker.check(request):
                if name in DEFERS_TO_DECLARATIVE and problem.pointer in claimed:
                    continue
                if name in SUPERSEDES_OTHERS and problem.part == "body":
                    superseding.setdefault(problem.pointer, set()).add(id(problem))
                problems.append(problem)
        if not any(problem.part == "body" for problem in problems):
            return problems  # what follows only drops body problems: most requests have none
        for pointer in request.meta.unknown_at_lint_time:
            superseding.setdefault(pointer, set())
        if request.has_body:
            for pointer in placeholder_pointers(request.body):  # never judged, whatever is selected
                superseding.setdefault(pointer, set())
        if not superseding:
            return problems
        return [
            problem
            for problem in problems
            if problem.part != "body"
            or problem.pointer not in superseding
            or id(problem) in superseding[problem.pointer]
        ]


def check_rule_ids(rules: dict) -> None:
    """Every id a module reports in code (its `RULES`) is documented as a `builtin:` rule of
    that module, and every `builtin:` rule names a module that reports it: a typo on either
    side raises `RuleIdMismatch` when the rules load, instead of findings silently dropped."""
    documented: dict[str, set[str]] = {}
    for rule_id, rule in rules.items():
        if rule.builtin:
            documented.setdefault(rule.builtin, set()).add(rule_id)
    problems = []
    for name in sorted(set(documented) - set(_REPORTING_MODULES)):
        problems.append(
            f"builtin: {name} (rules {', '.join(sorted(documented[name]))}) names no module that reports rules"
        )
    for name, module_name in _REPORTING_MODULES.items():
        reported = set(importlib.import_module(module_name).RULES)
        for rule_id in sorted(reported - documented.get(name, set())):
            where = rules[rule_id].builtin if rule_id in rules else None
            said = f"its rule says builtin: {where}" if where else "no rule file documents it"
            problems.append(f"{module_name} reports {rule_id!r}, but {said}")
        for rule_id in sorted(documented.get(name, set()) - reported):
            problems.append(f"rule {rule_id!r} says builtin: {name}, but {module_name} does not report it (RULES)")
    if problems:
        raise RuleIdMismatch("; ".join(problems))
