"""The whole run, left to right: sources → routing → checks → (fixes) → report.

`Linter` holds what is compiled once per run (rules, router, validators); `run` streams
inputs through it and collects a `Report` that any reporter can print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Optional

from vipps_lint.checks import DEFERS_TO_DECLARATIVE
from vipps_lint.checks.engine import RuleSet
from vipps_lint.checks.rules import load_rules
from vipps_lint.models import Finding, InputError, Problem, Report, Request
from vipps_lint.routing import Router, route
from vipps_lint.secrets import collect_secrets
from vipps_lint.sources import ReadOptions, expand_paths, read_source


@dataclass
class Settings:
    """What a run was asked to do (from the command line and, later, configuration)."""

    paths: list[str] = field(default_factory=list)
    endpoint: Optional[str] = None  # for bare bodies
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    severities: dict[str, str] = field(default_factory=dict)
    rule_dirs: list[str] = field(default_factory=list)
    fail_on: str = "error"
    read: ReadOptions = field(default_factory=ReadOptions)


class Linter:
    def __init__(self, settings: Settings):
        self.settings = settings
        rules, self.setup_errors = load_rules(settings.rule_dirs)
        self.rules = RuleSet(rules)
        self.rules.configure(settings.select, settings.ignore, settings.extend_select, settings.severities)
        self.router = Router.load()
        self.code_checks = self._create_code_checks()

    def _create_code_checks(self) -> list[tuple[str, object]]:
        import importlib

        from vipps_lint.checks import CODE_CHECKS

        checks = []
        for name in CODE_CHECKS:
            checker = importlib.import_module(f"vipps_lint.checks.{name}").create(self)
            if checker is not None:
                checks.append((name, checker))
        return checks

    def routing_problems(self, request: Request) -> tuple[bool, list[Problem]]:
        """Route the request; (whether to lint it at all, the problems routing found)."""
        outcome = route(request, self.router, self.settings.endpoint)
        if outcome.kind == "unrelated":
            return False, []
        if outcome.kind == "unknown-path":
            wanted, closest = outcome.detail.split("|", 1)
            hint = f"Did you mean {closest}?" if closest else "See the API reference for the right path"
            return True, [Problem("route-unknown-path", f"{wanted} is not an operation of any Vipps MobilePay API vipps-lint knows", part="url", hint=hint)]
        if outcome.kind == "ambiguous-body":
            return True, [Problem("route-unknown-body", f"this body could be for {outcome.detail}; only checks that need no endpoint ran",
                                  pointer="", hint='Pass --endpoint "METHOD /path" to say which call it is for')]
        if outcome.kind == "unrouted-body":
            return True, [Problem("route-unknown-body", "could not tell which API call this body is for, so no API rules ran",
                                  pointer="", hint='Pass --endpoint "POST /ecomm/v2/payments" (or the call it is for)')]
        return True, []

    def lint_request(self, request: Request) -> Optional[list[Finding]]:
        """Findings for one request, or None when it is for an API we do not lint."""
        lint, problems = self.routing_problems(request)
        if not lint:
            return None
        declarative = list(self.rules.check_declarative(request))
        problems.extend(declarative)
        claimed = {problem.pointer for problem in declarative}
        for name, checker in self.code_checks:
            for problem in checker.check(request):
                if name in DEFERS_TO_DECLARATIVE and problem.pointer in claimed:
                    continue
                problems.append(problem)
        findings = [finding for problem in problems if (finding := self.rules.finding(problem, request)) is not None]
        findings.sort(key=_position_key)
        return findings

    def lint_source(self, items) -> Iterator:
        for item in items:
            if isinstance(item, InputError):
                yield item
            else:
                yield item, self.lint_request(item)

    def run(self, paths: list[str]) -> Report:
        report = Report()
        report.errors.extend(self.setup_errors)
        for source in expand_paths(paths):
            if isinstance(source, InputError):
                report.errors.append(source)
                continue
            report.files += 1
            for item in self.lint_source(read_source(source, self.settings.read)):
                if isinstance(item, InputError):
                    report.errors.append(item)
                    continue
                request, findings = item
                report.secrets.update(collect_secrets(request))
                if findings is None:
                    report.skipped += 1
                    continue
                report.requests += 1
                if request.routing_note:
                    report.inferred += 1
                report.add_response(request)
                report.findings.extend(findings)
        return report


def _position_key(finding: Finding):
    position = finding.position
    return (position.line, position.column) if position else (0, 0)


def exit_status(report: Report, fail_on: str) -> int:
    from vipps_lint.models import SEVERITY_RANK

    if report.errors:
        return 2
    return 1 if report.worst_rank() >= SEVERITY_RANK[fail_on] else 0
