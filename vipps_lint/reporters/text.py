"""`--format text` (the default): a report for people, in the style of Ruff and rustc.

Each finding starts with `file:line:col:` so terminals and editors make it a link, then
the severity, rule id and message; a code frame of the offending line with the value
underlined; where the value is (JSON Pointer) and which request it belongs to; the hint.
Colour only on a terminal, never when NO_COLOR is set.

Shorter variants: `--format concise` prints one line per finding (`file:line:col:
severity[rule] message`) and the summary; `--quiet` prints the same lines and nothing else
(no summary: for scripts and editors). `--statistics` prints a count per rule instead of
each finding (like `ruff --statistics`): count, rule, severity, `[*]` when `--fix` can fix
them, and the rule's title.
"""

from __future__ import annotations

import re
from typing import Optional

from vipps_lint.models import Finding, Report
from vipps_lint.words import plural

_STYLES = {"error": "bold red", "warning": "bold yellow", "info": "bold blue"}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_SCALAR = re.compile(r"[^\s,\]}]+")
# A string inside a JSON string literal (HAR postData.text, Postman body.raw): \"…\"
_EMBEDDED_STRING = re.compile(r'\\"(?:\\\\\\"|[^"])*?\\"')
FRAME_WIDTH = 100


def _console(stream, options):
    import os

    from rich.console import Console  # start-up time

    # NO_COLOR (https://no-color.org) or --no-color: no styling at all, bold and dim included
    # (rich's own no_color drops colours only).
    plain = options.color is False or (options.color is None and bool(os.environ.get("NO_COLOR")))
    console = Console(
        file=stream,
        force_terminal=False if plain else options.color,
        no_color=plain or None,
        highlight=False,
        emoji=False,
        soft_wrap=True,
        markup=False,
    )
    console.on_broken_pipe = _broken_pipe  # rich would exit 1 ("findings"); the CLI makes it exit 2
    return console


def _plain(stream, options) -> bool:
    """Whether the console `_console` makes writes no escape sequences to this stream (rich's
    Console.is_terminal, decided without importing rich; where in doubt, False: ask rich)."""
    import builtins
    import os

    if hasattr(builtins, "get_ipython"):  # IPython or Jupyter: rich has its own ways there
        return False
    if options.color is False or (options.color is None and os.environ.get("NO_COLOR")):
        return True
    if options.color or "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ:
        return False
    try:
        return hasattr(stream, "isatty") and not stream.isatty()
    except ValueError:
        return False


def _broken_pipe() -> None:
    import errno

    raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def location(finding: Finding) -> str:
    position = finding.position
    if position is None:
        return finding.file
    return f"{finding.file}:{position.line}:{position.column}"


def concise_line(finding: Finding) -> str:
    return f"{location(finding)}: {finding.severity}[{finding.rule}] {finding.message}"


def request_label(finding: Finding, note: bool = True) -> str:
    """Which request a finding is about; `note`: with how it was routed ("inferred from the
    body's shape"), which the text report says once per file."""
    request = finding.request
    parts = []
    if request.method or request.url:
        parts.append(f"request #{request.index + 1}")  # people count from 1 (the JSON report's index is 0-based)
        if request.name:
            parts.append(f'"{request.name}"')
        # An OpenAPI example has no URL of its own: its operation's path says which call it is.
        target = request.url or (request.operation.path if request.operation is not None else "")
        parts.append(f"{request.method or ''} {target}".strip())
    elif request.operation is not None:
        parts.append(f"body for {request.operation.endpoint}")
    else:
        parts.append("body")
    if request.routing_note and note:
        parts.append(f"({request.routing_note})")
    return " ".join(parts)


def code_frame(finding: Finding, mask=None) -> Optional[tuple[int, str, int, int]]:
    """(line number, visible text, caret start, caret width) of the offending line.

    `mask` (secrets → `eyJh…`) is applied to the whole line before it is cut to a window,
    keeping the caret on the same value.
    """
    position = finding.position
    if position is None:
        return None
    text = finding.request.source.line_text(position.line)
    if text is None:
        return None
    text = text.replace("\t", " ")
    start = min(position.column - 1, len(text))
    if mask is not None:
        masked_before = mask(text[:start])
        text, start = masked_before + mask(text[start:]), len(masked_before)
    token = _STRING.match(text, start) or _EMBEDDED_STRING.match(text, start) or _SCALAR.match(text, start)
    width = max(1, token.end() - start) if token else 1
    # Minified JSON and HAR bodies put everything on one line: show a window around it.
    offset = max(0, start - FRAME_WIDTH // 3) if len(text) > FRAME_WIDTH else 0
    visible = text[offset : offset + FRAME_WIDTH]
    if offset:
        visible, start = "…" + visible[1:], start - offset
    else:
        start = start - offset
    if len(text) > offset + FRAME_WIDTH:
        visible = visible[:-1] + "…"
    width = max(1, min(width, len(visible) - start))
    return position.line, visible, start, width


def needs(options) -> tuple[str, ...]:
    """What the fix stage computes for this report: the summary line's fixable count."""
    return () if options.quiet else ("fixable",)


def render(report: Report, stream, options) -> None:
    if not report.findings and not (report.endpoints and not (options.quiet or options.statistics or options.concise)):
        # Only the summary line (a clean pre-commit run): importing rich would cost more than the lint.
        if options.quiet:
            return
        if _plain(stream, options):
            stream.write(summary_line(report) + "\n")
            return
    from rich.text import Text  # start-up time

    console = _console(stream, options)
    if options.quiet:
        for finding in report.findings:
            console.print(Text(concise_line(finding)))
        return
    if options.statistics or options.concise:
        lines = (
            statistics_lines(report, options.rules)
            if options.statistics
            else [concise_line(finding) for finding in report.findings]
        )
        for line in lines:
            console.print(Text(line))
        console.print(Text(summary_line(report), style="bold" if report.findings or report.errors else "bold green"))
        return
    noted: set[tuple[str, str]] = set()  # (file, note) said already: once per file is enough
    for finding in report.findings:
        severity_style = _STYLES[finding.severity]
        console.print(
            Text.assemble(
                (location(finding), "bold"),
                ": ",
                (finding.severity, severity_style),
                ("[", "dim"),
                (finding.rule, "magenta"),
                ("] ", "dim"),
                finding.message,
            )
        )
        frame = code_frame(finding, options.mask)
        if frame is not None:
            number, visible, start, width = frame
            gutter = " " * len(str(number))
            console.print(Text.assemble((f" {gutter} |", "blue")))
            console.print(Text.assemble((f" {number} | ", "blue"), visible))
            console.print(Text.assemble((f" {gutter} | ", "blue"), " " * start, ("^" * width, severity_style)))
        where = []
        if finding.part == "header" and finding.header:
            where.append(f"header {finding.header}")
        elif finding.pointer is not None:
            where.append(f"at {finding.pointer or '(whole body)'}")
        note = finding.request.routing_note
        where.append(request_label(finding, note=(finding.file, note) not in noted))
        if note:
            noted.add((finding.file, note))
        pad = " " * (len(str(frame[0])) + 1) if frame else " "
        console.print(Text.assemble((f"{pad} = ", "blue"), ("; ".join(where), "dim")))
        if finding.hint:
            console.print(Text.assemble((f"{pad} = ", "blue"), ("hint: ", "bold cyan"), finding.hint))
        console.print()
    if report.endpoints:
        for line in endpoint_summary(report):
            console.print(Text(line))
        console.print()
    console.print(Text(summary_line(report), style="bold" if report.findings or report.errors else "bold green"))


def endpoint_summary(report: Report) -> list[str]:
    """Calls and failures per endpoint, for the requests logged with a response (what the
    retired API Dashboard showed), most failures first."""
    rows = sorted(report.endpoints.values(), key=lambda stats: (-stats.failed, stats.endpoint))
    width = max(len(stats.endpoint) for stats in rows)
    lines = ["Responses by endpoint:"]
    for stats in rows:
        failures = ", ".join(f"{count}× {status}" for status, count in sorted(stats.failures.items()))
        outcome = f"{stats.failed} failed ({failures})" if stats.failed else "all succeeded"
        lines.append(f"  {stats.endpoint:<{width}}  {plural(stats.calls, 'call'):>9}  {outcome}")
    return lines


def statistics_lines(report: Report, rules: dict) -> list[str]:
    """One line per rule that found something, most frequent first."""
    counts: dict[str, int] = {}
    severities: dict[str, str] = {}
    fixable: dict[str, bool] = {}
    for finding in report.findings:
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
        severities.setdefault(finding.rule, finding.severity)
        fixable[finding.rule] = fixable.get(finding.rule, False) or finding.fix is not None
    ordered = sorted(counts, key=lambda rule_id: (-counts[rule_id], rule_id))
    count_width = max((len(str(count)) for count in counts.values()), default=1)
    rule_width = max((len(rule_id) for rule_id in counts), default=0)
    lines = []
    for rule_id in ordered:
        rule = rules.get(rule_id)
        title = rule.title if rule is not None else ""
        marker = "[*]" if fixable[rule_id] else "   "
        lines.append(
            f"{counts[rule_id]:>{count_width}}  {rule_id:<{rule_width}}  {severities[rule_id]:<7}  {marker} "
            f"{title}".rstrip()
        )
    return lines


def summary_line(report: Report) -> str:
    scope = f"{plural(report.requests, 'request')} in {plural(report.files, 'file')}"
    if report.skipped:
        scope += f", {report.skipped} for other APIs skipped"
    if report.not_requests:
        scope += f"; {plural(report.not_requests, 'file')} skipped: not Vipps requests"
    if report.findings:
        counts = [plural(report.count(level), level) for level in ("error", "warning") if report.count(level)]
        if report.count("info"):
            counts.append(f"{report.count('info')} info")
        text = f"Found {', '.join(counts)} ({scope})."
    elif report.errors:
        # Not "no problems": what could not be read was not checked.
        text = f"No problems found in what could be read ({scope})."
    else:
        text = f"No problems found ({scope})."
    if report.fixable:  # only what --fix can apply in place (not curl bodies, say); see fixes.annotate
        text += f" {report.fixable} fixable with --fix (see them with --diff)."
    if report.baselined:
        text += f" {plural(report.baselined, 'known finding')} hidden by the baseline."
    if report.errors:
        text += f" {unreadable_text(report.errors)}"
    return text


def unreadable_text(errors) -> str:
    """'2 inputs could not be read or parsed', counting files, not problems: one rule file
    with 6 mistakes or one log with 4 bad lines is one input (with 6 or 4 problems)."""
    inputs = len({error.file for error in errors})
    text = f"{plural(inputs, 'input')} could not be read or parsed"
    if len(errors) != inputs:
        return text + f" ({plural(len(errors), 'problem')}, listed on stderr)."
    return text + " (listed on stderr)."
