"""`vipps-lint rules` and `vipps-lint explain RULE`: the rule pages, generated from the rules.

Like `ruff rule CODE`, a page answers: what it does, why it matters, an example, what to
use instead, and whether it can be fixed automatically — and, since our examples are
real requests, what vipps-lint actually says about the bad one.
"""

from __future__ import annotations

import json
from typing import Optional

from vipps_lint.checks.rules import Rule
from vipps_lint.models import NO_BODY


def scope_text(rule: Rule) -> str:
    scope = rule.scope
    parts = (
        list(scope.get("endpoints", []))
        + list(scope.get("operations", []))
        + [f"{api} API" for api in scope.get("apis", [])]
    )
    if rule.builtin and not parts:
        return {
            "schema": "every request with a schema",
            "routing": "every request",
            "headers": "curl and .http requests, other dumps with headers",
            "responses": "requests with a logged response",
            "credentials": "dumps of calls to api.vipps.no",
        }.get(rule.builtin, "every request")
    return ", ".join(parts) or "every request"


def rules_json(rules: dict[str, Rule]) -> list[dict]:
    return [
        {
            "id": rule.id,
            "title": rule.title,
            "severity": rule.severity,
            "scope": scope_text(rule),
            "since": rule.since,
            "autofix": rule.autofix,
            "docs": rule.docs,
        }
        for rule in rules.values()
    ]


def rules_markdown(rules: dict[str, Rule]) -> str:
    lines = ["| rule | severity | checks | applies to | fix |", "| --- | --- | --- | --- | --- |"]
    for rule in rules.values():
        lines.append(
            f"| `{rule.id}` | {rule.severity} | {rule.title} | {scope_text(rule)} | {'yes' if rule.autofix else ''} |"
        )
    return "\n".join(lines) + "\n"


def rules_table(rules: dict[str, Rule], stream, width: Optional[int] = None, terminal: Optional[bool] = None) -> None:
    """The rule list: whole rows when piped; on a terminal, laid out for its width (the
    "applies to" column goes first, then each rule becomes a heading with its title below)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream, highlight=False, soft_wrap=False, width=width, force_terminal=terminal)
    if not console.is_terminal:
        # Piped or redirected (`vipps-lint rules | grep …`): whole rows, one line each, never
        # wrapped or cut to a width (like `ruff rule --all`), and no trailing blanks.
        rows = [("rule", "severity", "checks", "applies to", "fix")]
        rows += [
            (rule.id, rule.severity, rule.title, scope_text(rule), "yes" if rule.autofix else "")
            for rule in rules.values()
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        for row in rows:
            stream.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n")
        return
    styles = {"error": "red", "warning": "yellow", "info": "blue"}
    id_width = max((len(rule_id) for rule_id in rules), default=4)
    fixed = id_width + len("severity") + len("fix") + 3 * 2  # the columns that never wrap, and the gaps
    if console.width >= fixed + 2 + 36 + 30:
        columns = ("checks", "applies to")
    elif console.width >= fixed + 36:
        columns = ("checks",)
    else:
        # Too narrow for a table: each rule as a line of its own, its title indented below.
        from rich.text import Text

        for rule in rules.values():
            console.print(
                Text.assemble(
                    (rule.id, "magenta"),
                    "  ",
                    (rule.severity, styles[rule.severity]),
                    "  [fix]" if rule.autofix else "",
                )
            )
            console.print(Text("    " + rule.title), overflow="fold")
        return
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold", expand=False)
    table.add_column("rule", style="magenta", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    for name in columns:
        table.add_column(name, ratio=2 if name == "checks" else 1, overflow="fold")
    table.add_column("fix", no_wrap=True)
    for rule in rules.values():
        cells = {"checks": rule.title, "applies to": scope_text(rule)}
        table.add_row(
            rule.id,
            f"[{styles[rule.severity]}]{rule.severity}[/]",
            *(cells[name] for name in columns),
            "yes" if rule.autofix else "",
        )
    console.print(table)


def _example_findings(rule: Rule, request) -> list:
    """What vipps-lint says about an example, with only this rule enabled."""
    from vipps_lint.checks.examples import example_as_of
    from vipps_lint.pipeline import Linter, Settings

    linter = Linter(Settings(select=[rule.id], as_of=example_as_of(rule)))
    return linter.lint_request(request) or []


def explain_rule(rule: Rule, stream, example_findings=None) -> None:
    """`example_findings(rule, request)`: what vipps-lint says about a bad example (default:
    a linter with only this rule; the HTML report shares one linter among its rules)."""
    from rich.console import Console
    from rich.syntax import Syntax
    from rich.text import Text

    from vipps_lint.checks.examples import example_requests

    console = Console(file=stream, highlight=False, soft_wrap=True, emoji=False, markup=False)

    def heading(text: str) -> None:
        console.print()
        console.print(Text(text, style="bold underline"))

    console.print(Text.assemble((f"{rule.id}", "bold magenta"), ": ", (rule.title, "bold")))
    facts = [f"severity: {rule.severity}", f"applies to: {scope_text(rule)}"]
    if rule.since:
        facts.append(f"enforced by the API since {rule.since}")
    facts.append("autofix: yes (--fix)" if rule.autofix else "autofix: no")
    console.print(Text(" · ".join(facts), style="dim"))

    heading("Why is this a problem?")
    console.print(rule.why)
    for kind, title in (("bad", "Example"), ("good", "Use instead")):
        heading(title)
        for request in example_requests(rule, kind):
            if request.method or request.url:
                console.print(Text(f"{request.method or ''} {request.url or ''}".strip(), style="bold"))
                for name, value in request.headers:
                    console.print(Text(f"{name}: {value}"))
            elif request.endpoint_hint:
                console.print(Text(f"{request.endpoint_hint}", style="bold"))
            if request.has_body:
                console.print(
                    Syntax(json.dumps(request.body, indent=2, ensure_ascii=False), "json", background_color="default")
                )
            if request.response is not None:
                console.print(Text(f"→ HTTP {request.response.status}", style="bold"))
                if request.response.body is not NO_BODY:
                    console.print(
                        Syntax(
                            json.dumps(request.response.body, indent=2, ensure_ascii=False),
                            "json",
                            background_color="default",
                        )
                    )
            console.print()
            if kind == "bad":
                for finding in (example_findings or _example_findings)(rule, request):
                    console.print(
                        Text.assemble(
                            ("vipps-lint: ", "dim"), (f"{finding.severity}[{finding.rule}] ", "bold"), finding.message
                        )
                    )
                    if finding.hint:
                        console.print(Text.assemble(("  hint: ", "cyan"), finding.hint))
                console.print()
    if rule.how_to_fix:
        heading("How to fix")
        console.print(rule.how_to_fix)
    heading("Learn more")
    console.print(rule.docs)
    console.print(Text(f"Defined in {shown_path(rule.file)}" + (f":{rule.line}" if rule.line else ""), style="dim"))


def shown_path(file: str) -> str:
    """Shipped rule files by their place in the repository (rules/x.yaml), others as given."""
    from pathlib import Path

    from vipps_lint.data import rules_dir

    path = Path(file)
    return f"rules/{path.name}" if path.parent == rules_dir() else file


def configured_rules(rule_dirs) -> tuple[dict[str, Rule], list]:
    """The shipped rules and those in `rule_dirs`; without --rules, the configuration's rule
    directories count too, so `explain` knows a team's own rules. Load errors are printed."""
    import click

    from vipps_lint.checks.rules import load_rules
    from vipps_lint.config import load_effective

    _config, effective = load_effective(None, False, {"rules": list(rule_dirs)} if rule_dirs else {})
    rules, errors = load_rules(effective["rules"][0])
    for error in errors:
        click.echo(str(error), err=True)
    return rules, errors


def list_rules(rule_dirs, output_format: str) -> int:
    """`vipps-lint rules`: every rule, as a table, JSON or Markdown; the exit status."""
    import sys

    import click

    from vipps_lint.status import status

    rules, errors = configured_rules(rule_dirs)
    if output_format == "json":
        click.echo(json.dumps(rules_json(rules), indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        click.echo(rules_markdown(rules), nl=False)
    else:
        rules_table(rules, sys.stdout)
    return status(bool(errors), False)


def explain_command(rule_id: str, rule_dirs) -> int:
    """`vipps-lint explain RULE`: the rule's page, masked; the exit status."""
    import difflib
    import sys

    from vipps_lint.secrets import Masker, MaskingStream
    from vipps_lint.status import Incomplete, status

    rules, errors = configured_rules(rule_dirs)
    if rule_id not in rules:
        close = difflib.get_close_matches(rule_id, list(rules), n=1)
        suggestion = f"; did you mean {close[0]}?" if close else "; `vipps-lint rules` lists them"
        raise Incomplete(f"error: unknown rule '{rule_id}'{suggestion}")
    masked = MaskingStream(sys.stdout, Masker())  # examples may hold credential-shaped values
    explain_rule(rules[rule_id], masked)
    masked.finish()
    return status(bool(errors), False)
