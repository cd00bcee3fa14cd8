"""`--format html`: the retired API Dashboard, rebuilt as one self-contained page.

What someone looking at a day of logs wants to see: which endpoint fails, since when,
with which error, and which of our rules would have prevented it. The page has

- a summary (requests, findings by severity, failed calls, unreadable inputs);
- per endpoint: calls, failed calls, failure rate, HTTP statuses and Vipps error codes
  with what each means (for the requests logged with their response);
- a timeline of requests, failed calls and findings, by minute or coarser as the span
  needs (only when the dump says when requests were sent: NDJSON, HAR);
- per rule: findings by severity, each with its `vipps-lint explain` text embedded and a
  link to the official docs;
- a sortable, filterable table of findings; a row opens the request, masked, with the
  offending value highlighted, and the hint.

Self-contained and offline: no CDN, fonts or images; the charts are inline SVG drawn here,
the table's sorting and filtering is a short inline script, and a Content-Security-Policy
allows nothing else (no fetch, no image, no other script — only that script, by hash).

Light: a day of logs has tens of thousands of findings. Every count covers them all, but
the table lists at most `ROW_CAP` (spread over the rules, so each rule's first findings are
there) and at most `DETAIL_CAP` of them carry the request; the page says how many it left
out. A 100,000-line log with 10% findings gives a page well under 1 MiB.

Safe: every value from a request is masked with the same masker as every other format
(`options.mask`, before any escaping, so an escaped form cannot hide a secret from it; the
output stream masks once more), then escaped: HTML text with `html.escape`, the table's
data as JSON that cannot end its script element (`<\\/`), and the script puts it in the
page with `textContent` only — a body holding `<script>` is shown as text, never run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from vipps_lint import __version__
from vipps_lint.models import NO_BODY, SEVERITIES, Finding, Report, Request

ROW_CAP = 2000  # findings listed in the table
DETAIL_CAP = 300  # of those, findings whose request is shown
DETAIL_LINES = 30  # lines of a request body shown around the offending value
LEAF_CHARS = 240  # a longer string value is cut in the request shown
TOP_ENDPOINTS = 25  # endpoints in the failure-rate chart (the table lists them all)
TOP_RULES = 15  # rules in the top-rules chart
MAX_BUCKETS = 360  # bars in the timeline

_COLORS = {
    "error": "#c62828",
    "warning": "#d98a00",
    "info": "#1e6fb8",
    "requests": "#9aa5b1",
    "failed": "#c62828",
    "findings": "#d98a00",
    "ok": "#2e7d32",
}


def _escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


class _Page:
    """The masked, escaped pieces of the page."""

    def __init__(self, report: Report, options):
        self.report = report
        from vipps_lint.escape import escape_controls_in_lines

        # Masked first (the masker must see a secret as it was), then every control character,
        # bidirectional override and lone surrogate written as a visible escape (`\u202e`):
        # a value can neither reorder what the page shows nor stop it from being written.
        self.raw_mask: Callable[[str], str] = options.mask or (lambda text: text)
        self.mask: Callable[[str], str] = lambda text: escape_controls_in_lines(self.raw_mask(text))
        self.rules = getattr(report, "rules", None) or options.rules or {}

    def text(self, value: Any) -> str:
        """A value from the inputs, masked, as HTML text."""
        return _escape(self.mask(str(value)))


# -- the findings the table lists ---------------------------------------------------------


def listed_findings(findings: list[Finding], cap: Optional[int] = None) -> list[int]:
    """The indexes of the findings the table lists: all when they fit, else round-robin over
    the rules (each rule's first findings, in input order), so a rare rule is never crowded
    out by a frequent one. Returned in input order."""
    cap = ROW_CAP if cap is None else cap
    if len(findings) <= cap:
        return list(range(len(findings)))
    by_rule: dict[str, list[int]] = {}
    for index, finding in enumerate(findings):
        by_rule.setdefault(finding.rule, []).append(index)
    chosen: list[int] = []
    depth = 0
    while len(chosen) < cap:
        added = False
        for indexes in by_rule.values():
            if depth < len(indexes):
                chosen.append(indexes[depth])
                added = True
                if len(chosen) == cap:
                    break
        if not added:
            break
        depth += 1
    return sorted(chosen)


def endpoint_of(request: Request) -> str:
    if request.operation is not None:
        return request.operation.endpoint
    if request.method or request.url:
        from vipps_lint.urls import split_url

        try:
            path = split_url(request.url or "").path
        except ValueError:
            path = ""
        return f"{request.method or '?'} {path or request.url or '?'}"
    return "(bare body, call unknown)"


# -- a request, masked, with the offending value marked ------------------------------------


def _pointer_tokens(pointer: Optional[str]) -> Optional[list[str]]:
    if pointer is None:
        return None
    if pointer == "":
        return []
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:]]


class _Pretty:
    """JSON pretty-printed (2 spaces), each string masked and cut to `LEAF_CHARS`, noting
    where the value at `target` starts and ends."""

    MAX_DEPTH = 40
    # Past this many characters only the way to the marked value is written out: the window
    # shows some 30 lines of it, and a body may be megabytes.
    MAX_CHARS = 64 * 1024

    def __init__(self, mask, target: Optional[list[str]]):
        self.mask = mask
        self.target = target
        self.parts: list[str] = []
        self.size = 0
        self.span: Optional[tuple[int, int]] = None

    def emit(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def leaf(self, value: Any) -> str:
        if isinstance(value, str):
            shown = self.mask(value)
            if len(shown) > LEAF_CHARS:
                shown = shown[:LEAF_CHARS] + "…"
            return json.dumps(shown, ensure_ascii=False)
        return json.dumps(value, ensure_ascii=False)

    def value(self, value: Any, path: list[str], indent: int) -> None:
        marked = self.target is not None and path == self.target
        start = self.size
        on_the_way = self.target is not None and self.target[: len(path)] == path
        elided = self.size > self.MAX_CHARS and not on_the_way and isinstance(value, (dict, list))
        if len(path) > self.MAX_DEPTH or elided:
            self.emit("{…}" if isinstance(value, dict) else "[…]" if isinstance(value, list) else self.leaf(value))
        elif isinstance(value, dict) and value:
            self.emit("{\n")
            for number, (key, item) in enumerate(value.items()):
                self.emit("  " * (indent + 1) + self.leaf(str(key)) + ": ")
                self.value(item, [*path, str(key)], indent + 1)
                self.emit(",\n" if number < len(value) - 1 else "\n")
            self.emit("  " * indent + "}")
        elif isinstance(value, list) and value:
            self.emit("[\n")
            for number, item in enumerate(value):
                self.emit("  " * (indent + 1))
                self.value(item, [*path, str(number)], indent + 1)
                self.emit(",\n" if number < len(value) - 1 else "\n")
            self.emit("  " * indent + "]")
        else:
            self.emit(self.leaf(value))
        if marked:
            self.span = (start, self.size)


def _window(text: str, span: Optional[tuple[int, int]]) -> list[str]:
    """[before, marked, after] of at most about `DETAIL_LINES` lines around the mark."""
    if span is None:
        lines = text.split("\n")
        if len(lines) > DETAIL_LINES:
            text = "\n".join(lines[:DETAIL_LINES]) + f"\n… {len(lines) - DETAIL_LINES} more lines"
        return [text, "", ""]
    before, marked, after = text[: span[0]], text[span[0] : span[1]], text[span[1] :]
    context = DETAIL_LINES // 3
    before_lines = before.split("\n")
    if len(before_lines) > context:
        before = f"… {len(before_lines) - context} lines\n" + "\n".join(before_lines[-context:])
    marked_lines = marked.split("\n")
    if len(marked_lines) > context:
        marked = "\n".join(marked_lines[:context]) + f"\n… {len(marked_lines) - context} more lines"
    after_lines = after.split("\n")
    if len(after_lines) > context:
        after = "\n".join(after_lines[:context]) + f"\n… {len(after_lines) - context} more lines"
    return [before, marked, after]


def request_detail(finding: Finding, mask, raw_mask=None) -> dict:
    """The request of a finding, masked: its first line, its headers, and the body (or the
    response body, for a response finding) as [before, marked, after]."""
    request = finding.request
    first = f"{request.method or ''} {request.url or ''}".strip()
    if not first and request.operation is not None:
        first = f"body for {request.operation.endpoint}"
    headers = []
    marked_header = (finding.header or "").lower() if finding.part == "header" else None
    for name, value in request.headers[:40]:
        line = mask(f"{name}: {value}")
        headers.append([line[:LEAF_CHARS], 1 if marked_header and name.lower() == marked_header else 0])
    detail: dict[str, Any] = {
        "request": mask(first)[:600],
        "url_marked": 1 if finding.part == "url" else 0,
        "headers": headers,
    }
    if finding.part == "response" and request.response is not None:
        response = request.response
        detail["status"] = response.status
        body = response.body
    else:
        body = request.body
    if body is not NO_BODY:
        target = _pointer_tokens(finding.pointer) if finding.part in ("body", "response") else None
        pretty = _Pretty(raw_mask or mask, target)  # its JSON escapes come first, `mask` escapes the rest
        pretty.value(body, [], 0)
        detail["body"] = [mask(piece) for piece in _window("".join(pretty.parts), pretty.span)]
    return detail


# -- charts: inline SVG --------------------------------------------------------------------


def _svg(width: int, height: int, title: str, body: list[str], css_class: str = "chart") -> str:
    return (
        f'<svg class="{css_class}" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{_escape(title)}</title>{"".join(body)}</svg>'
    )


def _label(text: str, limit: int = 42) -> str:
    """Cut in the middle: an endpoint's method and its last path segments say most."""
    if len(text) <= limit:
        return text
    head = limit // 3
    return text[:head] + "…" + text[-(limit - head - 1) :]


def bar_chart(
    rows: list[tuple[str, list[tuple[float, str]], str]],
    title: str,
    maximum: float,
    page: _Page,
    label_width: int = 330,
    width: int = 900,
) -> str:
    """Horizontal bars: (label, [(value, colour)…] stacked, text after the bar)."""
    row_height, top = 22, 4
    height = top + row_height * len(rows) + 4
    scale = (width - label_width - 190) / maximum if maximum else 0  # room for the text after the longest bar
    body = []
    for number, (label, segments, after) in enumerate(rows):
        y = top + number * row_height
        body.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" class="label">{page.text(_label(label))}'
            f"<title>{page.text(label)}</title></text>"
        )
        x = float(label_width)
        for value, colour in segments:
            bar = value * scale
            if bar > 0:
                body.append(
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{max(bar, 1.5):.1f}" height="{row_height - 7}" '
                    f'fill="{colour}"/>'
                )
                x += max(bar, 1.5)
        body.append(f'<text x="{x + 6:.1f}" y="{y + 15}" class="value">{_escape(after)}</text>')
    return _svg(width, height, title, body)


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _when(seconds: Optional[float], with_seconds: bool = False) -> str:
    if seconds is None:
        return ""
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M") + " UTC"


_BUCKET_NAMES = {1: "minute", 5: "5 minutes", 15: "15 minutes", 60: "hour", 360: "6 hours", 1440: "day", 10080: "week"}


def timeline_buckets(timeline: dict[int, list[int]]) -> tuple[int, int, list[list[int]]]:
    """(bucket size in minutes, first bucket's minute, counts per bucket) with at most
    `MAX_BUCKETS` buckets: by minute when the span allows, else coarser."""
    first, last = min(timeline), max(timeline)
    span = last - first + 1
    size = next((size for size in _BUCKET_NAMES if math.ceil(span / size) <= MAX_BUCKETS), None)
    if size is None:
        size = 10080 * math.ceil(span / (10080 * MAX_BUCKETS))
    start = first - first % size
    buckets = [[0, 0, 0] for _ in range((last - start) // size + 1)]
    for minute, counts in timeline.items():
        bucket = buckets[(minute - start) // size]
        for position, count in enumerate(counts):
            bucket[position] += count
    return size, start, buckets


def timeline_chart(timeline: dict[int, list[int]]) -> tuple[str, str]:
    """(the chart, what one bar is)."""
    size, start, buckets = timeline_buckets(timeline)
    width, height, left, bottom, top = 900, 220, 48, 30, 10
    plot_width, plot_height = width - left - 10, height - bottom - top
    peak = max(max(bucket[0], bucket[2]) for bucket in buckets) or 1
    step = plot_width / len(buckets)
    bar = max(step * 0.8, 0.6)
    body = [
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - 10}" y2="{top + plot_height}" class="axis"/>',
        f'<text x="{left - 6}" y="{top + 8}" text-anchor="end" class="value">{peak:,}</text>',
        f'<text x="{left - 6}" y="{top + plot_height}" text-anchor="end" class="value">0</text>',
    ]
    points = []
    for number, (requests, failed, findings) in enumerate(buckets):
        x = left + number * step
        moment = _when((start + number * size) * 60)
        tip = f"{moment}: {_plural(requests, 'request')}, {failed:,} failed, {_plural(findings, 'finding')}"
        if requests:
            h = requests / peak * plot_height
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_height - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{_COLORS["requests"]}"><title>{_escape(tip)}</title></rect>'
            )
        if failed:
            h = failed / peak * plot_height
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_height - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{_COLORS["failed"]}"><title>{_escape(tip)}</title></rect>'
            )
        if findings:
            y = top + plot_height - findings / peak * plot_height
            points.append(
                f'<rect x="{x - 1:.1f}" y="{y - 1.5:.1f}" width="{bar + 2:.1f}" height="3" '
                f'fill="{_COLORS["findings"]}">'
                f"<title>{_escape(tip)}</title></rect>"
            )
    body.extend(points)  # the findings' marks on top of the bars
    ticks = min(6, len(buckets))
    for tick in range(ticks):
        number = round(tick * (len(buckets) - 1) / max(ticks - 1, 1))
        x = left + number * step + bar / 2
        moment = datetime.fromtimestamp((start + number * size) * 60, tz=timezone.utc)
        label = moment.strftime("%H:%M" if size < 1440 else "%Y-%m-%d")
        if tick == 0 or moment.strftime("%H:%M") == "00:00" and size < 1440:
            label = moment.strftime("%Y-%m-%d %H:%M" if size < 1440 else "%Y-%m-%d")
        anchor = "start" if tick == 0 else "end" if tick == ticks - 1 else "middle"
        body.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="{anchor}" class="value">{_escape(label)}</text>')
    return _svg(
        width, height, "Requests, failed calls and findings over time", body, "chart timeline"
    ), _BUCKET_NAMES.get(size, f"{size // 10080} weeks")


# -- the page ------------------------------------------------------------------------------


def _summary(report: Report) -> str:
    failed = sum(stats.failed for stats in report.endpoints.values())
    calls = sum(stats.calls for stats in report.endpoints.values())
    cards = [
        ("requests", report.requests, "requests linted", ""),
        ("files", report.files, "files", ""),
        ("findings", len(report.findings), "findings", ""),
        ("error", report.count("error"), "errors", "error"),
        ("warning", report.count("warning"), "warnings", "warning"),
        ("info", report.count("info"), "info", "info"),
    ]
    if report.endpoints:
        cards.append(("failed", failed, f"failed of {calls:,} logged calls", "error" if failed else ""))
    if report.errors:
        cards.append(("unreadable", len(report.errors), "input problems", "error"))
    if report.skipped:
        cards.append(("skipped", report.skipped, "for other APIs, skipped", ""))
    return "".join(
        f'<div class="card {css}"><span class="number" data-count="{key}">{value:,}</span>'
        f'<span class="what">{_escape(what)}</span></div>'
        for key, value, what, css in cards
    )


def _endpoints(page: _Page, rules_by_endpoint: dict[str, dict[str, int]]) -> str:
    report = page.report
    if not report.endpoints:
        return (
            '<p class="none">No request in these inputs was logged with its response, so there are no calls and '
            "failures per endpoint. HAR files and NDJSON logs with a <code>response</code> (or <code>status</code>) "
            "give them.</p>"
        )
    rows = sorted(report.endpoints.values(), key=lambda stats: (-stats.failed, -stats.calls, stats.endpoint))
    chart_rows = []
    for stats in rows[:TOP_ENDPOINTS]:
        rate = stats.failed / stats.calls if stats.calls else 0
        chart_rows.append(
            (
                stats.endpoint,
                [(rate * 100, _COLORS["failed"] if stats.failed else _COLORS["ok"])],
                f"{stats.failed:,} of {_plural(stats.calls, 'call')} failed ({rate:.0%})",
            )
        )
    parts = [bar_chart(chart_rows, "Failure rate per endpoint", 100, page)]
    if len(rows) > TOP_ENDPOINTS:
        parts.append(
            f'<p class="note">The chart shows the {TOP_ENDPOINTS} endpoints with most failures; the table lists all '
            f"{len(rows):,}.</p>"
        )
    parts.append(
        '<table class="grid" id="endpoint-table"><thead><tr><th>Endpoint</th><th class="n">Calls</th>'
        '<th class="n">Failed</th><th class="n">Failure rate</th><th>HTTP status</th><th>Vipps error codes</th>'
        "<th>Failing since</th><th>Rules that fired here</th></tr></thead><tbody>"
    )
    for stats in rows:
        rate = stats.failed / stats.calls if stats.calls else 0
        statuses = " ".join(
            f'<span class="chip {"bad" if status >= 400 else "good"}">{status} × {count:,}</span>'
            for status, count in sorted(stats.statuses.items())
        )
        codes = "".join(
            f'<div><span class="chip bad">{page.text(code)} × {count:,}</span> {page.text(meaning)}</div>'
            for code, (count, meaning) in sorted(stats.codes.items(), key=lambda item: -item[1][0])
        )
        since = ""
        if stats.failed_from is not None:
            since = _escape(_when(stats.failed_from))
            if stats.failed_until is not None and stats.failed_until - stats.failed_from >= 60:
                since += f"<br><small>last {_escape(_when(stats.failed_until))}</small>"
        fired = rules_by_endpoint.get(stats.endpoint, {})
        top = sorted(fired.items(), key=lambda item: (-item[1], item[0]))[:4]
        rule_links = ", ".join(
            f'<a href="#rule-{_escape(rule)}">{_escape(rule)}</a> × {count:,}' for rule, count in top
        )
        if len(fired) > 4:
            rule_links += f", {len(fired) - 4} more"
        parts.append(
            f'<tr data-endpoint="{page.text(stats.endpoint)}"><td class="endpoint">{page.text(stats.endpoint)}</td>'
            f'<td class="n" data-count="calls">{stats.calls:,}</td>'
            f'<td class="n" data-count="failed">{stats.failed:,}</td><td class="n">{rate:.1%}</td>'
            f"<td>{statuses}</td><td>{codes}</td><td>{since}</td><td>{rule_links}</td></tr>"
        )
    parts.append("</tbody></table>")
    return "".join(parts)


def _timeline(report: Report) -> str:
    if not report.timeline:
        return ""
    chart, bucket = timeline_chart(report.timeline)
    first, last = min(report.timeline), max(report.timeline)
    timed = sum(counts[0] for counts in report.timeline.values())
    untimed = report.requests - timed
    note = f" {_plural(untimed, 'request')} without a time are not shown." if untimed > 0 else ""
    legend = (
        f'<span class="key" style="background:{_COLORS["requests"]}"></span>requests '
        f'<span class="key" style="background:{_COLORS["failed"]}"></span>failed calls '
        f'<span class="key line" style="background:{_COLORS["findings"]}"></span>findings'
    )
    return (
        f'<section id="timeline"><h2>Timeline</h2><p class="note">{_escape(_when(first * 60))} to '
        f"{_escape(_when(last * 60 + 59))}, one bar per {_escape(bucket)}.{_escape(note)} {legend}</p>{chart}</section>"
    )


def _rules(page: _Page, counts: dict[str, dict[str, int]]) -> str:
    if not counts:
        return '<p class="none">No rule found anything.</p>'
    ordered = sorted(counts, key=lambda rule: (-sum(counts[rule].values()), rule))
    chart_rows = [
        (
            rule,
            [(counts[rule].get(level, 0), _COLORS[level]) for level in SEVERITIES],
            f"{sum(counts[rule].values()):,}",
        )
        for rule in ordered[:TOP_RULES]
    ]
    peak = max(sum(counts[rule].values()) for rule in ordered)
    parts = [bar_chart(chart_rows, "Findings per rule, by severity", peak, page, label_width=260)]
    parts.append(
        '<table class="grid" id="rule-table"><thead><tr><th>Rule</th><th>What it checks</th>'
        '<th class="n">Errors</th><th class="n">Warnings</th><th class="n">Info</th><th class="n">Total</th>'
        "<th>Learn more</th></tr></thead><tbody>"
    )
    for rule_id in ordered:
        rule = page.rules.get(rule_id)
        title = rule.title if rule is not None else ""
        docs = rule.docs if rule is not None else None
        cells = "".join(
            f'<td class="n" data-count="{level}">{counts[rule_id].get(level, 0):,}</td>' for level in SEVERITIES
        )
        links = []
        if rule is not None:
            links.append(f'<a href="#explain-{_escape(rule_id)}" class="explain-link">explain</a>')
        if docs and docs.startswith("https://"):
            links.append(f'<a href="{_escape(docs)}" rel="noopener noreferrer" target="_blank">docs ↗</a>')
        parts.append(
            f'<tr id="rule-{_escape(rule_id)}" data-rule="{_escape(rule_id)}">'
            f'<td><a href="#findings" class="rule-filter" data-rule="{_escape(rule_id)}" title="Show its findings">'
            f"{_escape(rule_id)}</a></td><td>{_escape(title)}</td>{cells}"
            f'<td class="n" data-count="total">{sum(counts[rule_id].values()):,}</td><td>{" · ".join(links)}</td></tr>'
        )
    parts.append("</tbody></table>")
    return "".join(parts)


class _ExampleFindings:
    """What vipps-lint says about each rule's bad examples, for the embedded explain texts.

    `vipps-lint explain` lints an example with a linter that has only that rule; building one
    per rule (rule files, router) costs a third of a second, which a page with 40 rules would
    pay 40 times. Here one linter with every rule (per as-of date the examples need) lints the
    example and the rule's own findings are kept; only when that finds none of them (another
    rule's finding took the place) is the rule-alone linter built, so the text is the same.
    """

    def __init__(self):
        self.linters: dict = {}

    def __call__(self, rule, request) -> list:
        import copy

        from vipps_lint.checks.examples import example_as_of
        from vipps_lint.explain import _example_findings
        from vipps_lint.pipeline import Linter, Settings

        as_of = example_as_of(rule)
        linter = self.linters.get(as_of)
        if linter is None:
            linter = self.linters[as_of] = Linter(Settings(as_of=as_of))
        found = [finding for finding in linter.lint_request(copy.copy(request)) or [] if finding.rule == rule.id]
        return found or _example_findings(rule, request)


def _explanations(page: _Page, rule_ids: list[str]) -> str:
    import io

    from vipps_lint.explain import explain_rule

    example_findings = _ExampleFindings()
    parts = []
    for rule_id in rule_ids:
        rule = page.rules.get(rule_id)
        if rule is None:
            continue
        text = io.StringIO()
        try:
            explain_rule(rule, text, example_findings)
        except Exception as error:  # noqa: BLE001 - an example that cannot run must not cost the report
            text.write(f"{rule.id}: {rule.title}\n\n{rule.why}\n\n{rule.how_to_fix or ''}\n\n{rule.docs}\n({error})")
        parts.append(
            f'<details id="explain-{_escape(rule_id)}"><summary><code>vipps-lint explain {_escape(rule_id)}</code> — '
            f"{_escape(rule.title)}</summary><pre>{page.text(text.getvalue().strip())}</pre></details>"
        )
    return "".join(parts)


def _script_json(data: Any) -> str:
    """JSON that is safe inside <script type="application/json">: a script's text ends only at
    `</script`, and `<!--` would change how it is read, so `</` is written `<\\/` (JSON's
    own escape for `/`) and `<!` as `\\u003c!`. Other characters stay as they are: the
    output stream masks the page's text, and an escape (`\\u003c`) in front of a
    placeholder would look like a secret's first characters to it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!", "\\u003c!")


def table_data(page: _Page) -> dict:
    """What the findings table's script needs, compact: names once, rows as arrays."""
    report = page.report
    listed = listed_findings(report.findings)
    names: dict[str, dict[str, int]] = {"rules": {}, "files": {}, "endpoints": {}, "hints": {}}

    def name(kind: str, value: str) -> int:
        table = names[kind]
        if value not in table:
            table[value] = len(table)
        return table[value]

    rows, details = [], []
    # Spread evenly over the listed findings: exactly DETAIL_CAP of them when more are listed.
    for number, index in enumerate(listed):
        finding = report.findings[index]
        position = finding.position
        detail = -1
        if number * DETAIL_CAP // len(listed) != (number - 1) * DETAIL_CAP // len(listed) or number == 0:
            detail = len(details)
            details.append(request_detail(finding, page.mask, page.raw_mask))
        where = finding.header if finding.part == "header" else finding.pointer
        rows.append(
            [
                name("rules", finding.rule),
                SEVERITIES.index(finding.severity),
                name("files", page.mask(finding.file)),
                position.line if position else 0,
                name("endpoints", page.mask(endpoint_of(finding.request))),
                page.mask(finding.message),
                name("hints", page.mask(finding.hint or "")),
                detail,
                page.mask(where)[:200] if where else "",
                finding.request.index + 1,  # shown as "request #N": people count from 1
            ]
        )
    return {
        "severities": list(SEVERITIES),
        **{kind: list(table) for kind, table in names.items()},
        "rows": rows,
        "details": details,
        "total": len(report.findings),
    }


def render(report: Report, stream, options) -> None:
    page = _Page(report, options)
    counts: dict[str, dict[str, int]] = {}
    rules_by_endpoint: dict[str, dict[str, int]] = {}
    for finding in report.findings:
        by_severity = counts.setdefault(finding.rule, {})
        by_severity[finding.severity] = by_severity.get(finding.severity, 0) + 1
        fired = rules_by_endpoint.setdefault(endpoint_of(finding.request), {})
        fired[finding.rule] = fired.get(finding.rule, 0) + 1
    data = table_data(page)
    listed, total = len(data["rows"]), len(report.findings)
    left_out = ""
    if listed < total:
        left_out = (
            f'<p class="note" id="left-out">The table lists {listed:,} of the {total:,} findings '
            f"(the first of each rule, spread over all rules); <strong>{total - listed:,} are left out</strong> "
            f"to keep this page light. Every count "
            f"and chart covers all of them. The JSON report (<code>--output-json</code>) has every finding.</p>"
        )
    details = sum(1 for row in data["rows"] if row[7] >= 0)
    if details < listed:
        left_out += f'<p class="note">{details:,} of the listed findings show their request.</p>'
    errors = ""
    if report.errors:
        items = "".join(f"<li>{page.text(error)}</li>" for error in report.errors[:500])
        more = f"<li>… {len(report.errors) - 500:,} more (listed on stderr)</li>" if len(report.errors) > 500 else ""
        errors = (
            '<section id="input-errors"><h2>Inputs that could not be read</h2>'
            f'<ul class="errors">{items}{more}</ul></section>'
        )
    inputs = ", ".join(page.text(name) for name in report.file_names[:5])
    if len(report.file_names) > 5:
        inputs += f" and {len(report.file_names) - 5:,} more"
    script_hash = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
    policy = (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    stream.write(f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="vipps-lint {_escape(__version__)}">
<title>vipps-lint report: {_plural(report.requests, "request")}, {_plural(total, "finding")}</title>
<style>{_STYLE}</style>
</head>
<body>
<header><h1>vipps-lint report</h1><p class="note">{_plural(report.files, "input")}: {inputs or "—"} · made {generated}
by vipps-lint {_escape(__version__)}</p></header>
<nav><a href="#endpoints">Endpoints</a>{
        '<a href="#timeline">Timeline</a>' if report.timeline else ""
    }<a href="#rules">Rules</a>
<a href="#findings">Findings</a>{
        '<a href="#input-errors">Input problems</a>' if report.errors else ""
    }<a href="#explain">Rule explanations</a></nav>
<main>
<section id="summary"><div class="cards">{_summary(report)}</div></section>
<section id="endpoints"><h2>Calls and failures per endpoint</h2>{_endpoints(page, rules_by_endpoint)}</section>
{_timeline(report)}
<section id="rules"><h2>Findings per rule</h2>{_rules(page, counts)}</section>
<section id="findings"><h2>Findings</h2>{left_out}
<div class="filters" id="filters">
<span class="severity-buttons">{
        "".join(
            f'<button type="button" class="sev {level}" data-severity="{number}" aria-pressed="true">{level}</button>'
            for number, level in enumerate(SEVERITIES)
        )
    }</span>
<label>Endpoint <select id="filter-endpoint"><option value="">all</option></select></label>
<label>Rule <select id="filter-rule"><option value="">all</option></select></label>
<label>File <select id="filter-file"><option value="">all</option></select></label>
<label>Search <input type="search" id="filter-text" placeholder="message, value…"></label>
<button type="button" id="filter-reset">Reset</button>
<span id="shown-count" class="note"></span>
</div>
<table class="grid" id="findings-table"><thead><tr><th data-sort="1">Severity</th><th data-sort="0">Rule</th>
<th data-sort="4">Endpoint</th><th data-sort="2">File</th><th data-sort="3" class="n">Line</th>
<th data-sort="5">Message</th></tr></thead>
<tbody></tbody></table>
<noscript><p>The findings table needs JavaScript; the JSON report lists every finding.</p></noscript>
</section>
{errors}
<section id="explain"><h2>Rule explanations</h2>
<p class="note">What <code>vipps-lint explain RULE</code> says about each rule
that found something.</p>{_explanations(page, sorted(counts))}</section>
</main>
<script type="application/json" id="findings-data">{_script_json(data)}</script>
<script>{_SCRIPT}</script>
</body>
</html>
""")


_STYLE = """
:root{
  --fg:#1f2328;
  --muted:#59636e;
  --line:#d1d9e0;
  --bg:#fff;
  --soft:#f6f8fa;
  --error:#c62828;
  --warning:#9a6100;
  --info:#1e6fb8;
}
*{box-sizing:border-box}
body{
  margin:0;
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:var(--fg);
  background:var(--bg);
}
header{padding:16px 24px 4px;border-bottom:1px solid var(--line)}
h1{margin:0;font-size:22px}
h2{font-size:18px;margin:28px 0 10px}
nav{padding:8px 24px;background:var(--soft);border-bottom:1px solid var(--line);position:sticky;top:0;z-index:2}
nav a{margin-right:16px}
main{padding:0 24px 40px;max-width:1400px}
a{color:#0b5cad}
.note{color:var(--muted);margin:4px 0 10px}
.none{color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin-top:16px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:120px}
.card .number{display:block;font-size:24px;font-weight:600}
.card .what{color:var(--muted)}
.card.error .number{color:var(--error)}
.card.warning .number{color:var(--warning)}
.card.info .number{color:var(--info)}
table.grid{border-collapse:collapse;width:100%;margin:8px 0}
table.grid th,table.grid td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
table.grid th{background:var(--soft);position:sticky;top:38px}
th[data-sort]{cursor:pointer;user-select:none}
th[data-sort]:after{content:" ↕";color:var(--muted)}
th.asc:after{content:" ▲"}
th.desc:after{content:" ▼"}
.n{text-align:right;font-variant-numeric:tabular-nums}
td.endpoint,.mono,pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.chip{
  display:inline-block;
  border-radius:10px;
  padding:0 7px;
  margin:1px 2px;
  font-size:12px;
  background:var(--soft);
  border:1px solid var(--line);
  white-space:nowrap;
}
.chip.bad{background:#fdecea;border-color:#f3b6b0}
.chip.good{background:#e9f5ea;border-color:#b5dcb8}
svg.chart{max-width:100%;height:auto;display:block;margin:6px 0}
svg .label{font-size:12px;font-family:ui-monospace,Menlo,monospace;fill:#1f2328}
svg .value{font-size:11px;fill:#59636e}
svg .axis{stroke:#9aa5b1}
.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;vertical-align:middle}
.key.line{height:3px}
.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:8px 0}
.filters select{max-width:260px}
button.sev{border:1px solid var(--line);border-radius:12px;padding:2px 10px;background:#fff;cursor:pointer}
button.sev[aria-pressed=true].error{background:#fdecea;color:var(--error)}
button.sev[aria-pressed=true].warning{background:#fff4e0;color:var(--warning)}
button.sev[aria-pressed=true].info{background:#e7f0fa;color:var(--info)}
button.sev[aria-pressed=false]{opacity:.45;text-decoration:line-through}
.severity{font-weight:600}
.severity.error{color:var(--error)}
.severity.warning{color:var(--warning)}
.severity.info{color:var(--info)}
tr.finding{cursor:pointer}
tr.finding:hover{background:var(--soft)}
tr.detail td{background:#fbfcfd}
.detail pre{
  margin:4px 0;
  padding:8px;
  background:var(--soft);
  border:1px solid var(--line);
  border-radius:6px;
  white-space:pre-wrap;
  word-break:break-all;
  max-height:420px;
  overflow:auto;
}
#findings-table td:nth-child(6){min-width:380px}
#findings-table td:nth-child(3){min-width:190px}
#findings-table td:nth-child(4){min-width:150px}
#findings-table td.mono{word-break:break-word}
mark{background:#ffe08a;outline:1px solid #d98a00}
.hint{margin:6px 0}
.hint b{color:#0b7285}
details{margin:6px 0;border:1px solid var(--line);border-radius:6px;padding:4px 10px}
details pre{white-space:pre-wrap}
details:target{outline:2px solid #0b5cad}
ul.errors{font-family:ui-monospace,Menlo,monospace;font-size:12.5px}
"""

_SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("findings-data").textContent);
  var body = document.querySelector("#findings-table tbody");
  var shown = document.getElementById("shown-count");
  var selects = {endpoint: [document.getElementById("filter-endpoint"), 4, data.endpoints],
                 rule: [document.getElementById("filter-rule"), 0, data.rules],
                 file: [document.getElementById("filter-file"), 2, data.files]};
  var text = document.getElementById("filter-text");
  var severityOn = [true, true, true];
  var sortColumn = -1, sortDirection = 1;

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }
  Object.keys(selects).forEach(function (key) {
    var select = selects[key][0], names = selects[key][2];
    names.map(function (name, index) { return [name, index]; })
      .sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; })
      .forEach(function (pair) {
        var option = element("option", null, pair[0]);
        option.value = String(pair[1]);
        select.appendChild(option);
      });
    select.addEventListener("change", render);
  });
  text.addEventListener("input", render);

  function cell(row, column) {
    switch (column) {
      case 0: return data.rules[row[0]];
      case 1: return -row[1];
      case 2: return data.files[row[2]];
      case 3: return row[3];
      case 4: return data.endpoints[row[4]];
      default: return row[5];
    }
  }
  function matches(row) {
    if (!severityOn[row[1]]) return false;
    for (var key in selects) {
      var value = selects[key][0].value;
      if (value !== "" && String(row[selects[key][1]]) !== value) return false;
    }
    var wanted = text.value.trim().toLowerCase();
    if (wanted) {
      var haystack = [data.rules[row[0]], data.files[row[2]], data.endpoints[row[4]], row[5], data.hints[row[6]],
                      row[8]]
        .join(" ").toLowerCase();
      if (haystack.indexOf(wanted) < 0) return false;
    }
    return true;
  }
  function detailNode(row) {
    var box = element("div", "detail");
    var detail = row[7] >= 0 ? data.details[row[7]] : null;
    if (row[8]) box.appendChild(element("div", "mono", "at " + row[8]));
    if (detail) {
      var pre = element("pre");
      var first = element(detail.url_marked ? "mark" : "span", null, detail.request);
      pre.appendChild(first);
      pre.appendChild(document.createTextNode("\n"));
      detail.headers.forEach(function (header) {
        pre.appendChild(element(header[1] ? "mark" : "span", null, header[0]));
        pre.appendChild(document.createTextNode("\n"));
      });
      if (detail.status !== undefined) pre.appendChild(document.createTextNode("\n→ HTTP " + detail.status + "\n"));
      if (detail.body) {
        pre.appendChild(document.createTextNode("\n" + detail.body[0]));
        if (detail.body[1]) pre.appendChild(element("mark", null, detail.body[1]));
        pre.appendChild(document.createTextNode(detail.body[2]));
      }
      box.appendChild(pre);
    } else {
      var note = "request #" + row[9] + " (not shown: the page keeps its size down; see the file)";
      box.appendChild(element("div", "note", note));
    }
    var hint = data.hints[row[6]];
    if (hint) {
      var line = element("div", "hint");
      line.appendChild(element("b", null, "hint: "));
      line.appendChild(document.createTextNode(hint));
      box.appendChild(line);
    }
    return box;
  }
  function toggle(tr, row) {
    var next = tr.nextSibling;
    if (next && next.className === "detail") { body.removeChild(next); return; }
    var detailRow = element("tr", "detail"), td = element("td");
    td.colSpan = 6;
    td.appendChild(detailNode(row));
    detailRow.appendChild(td);
    body.insertBefore(detailRow, tr.nextSibling);
  }
  function render() {
    var rows = data.rows.filter(matches);
    if (sortColumn >= 0) {
      rows.sort(function (a, b) {
        var x = cell(a, sortColumn), y = cell(b, sortColumn);
        return (x < y ? -1 : x > y ? 1 : 0) * sortDirection;
      });
    }
    var fragment = document.createDocumentFragment();
    rows.forEach(function (row) {
      var tr = element("tr", "finding");
      tr.appendChild(element("td", "severity " + data.severities[row[1]], data.severities[row[1]]));
      tr.appendChild(element("td", "mono", data.rules[row[0]]));
      tr.appendChild(element("td", "mono", data.endpoints[row[4]]));
      tr.appendChild(element("td", "mono", data.files[row[2]]));
      tr.appendChild(element("td", "n", row[3] ? String(row[3]) : ""));
      tr.appendChild(element("td", null, row[5]));
      tr.addEventListener("click", function () { toggle(tr, row); });
      fragment.appendChild(tr);
    });
    body.textContent = "";
    body.appendChild(fragment);
    shown.textContent = "showing " + rows.length + " of " + data.rows.length + " listed";
    shown.setAttribute("data-shown", String(rows.length));
  }
  Array.prototype.forEach.call(document.querySelectorAll("button.sev"), function (button) {
    button.addEventListener("click", function () {
      var index = Number(button.getAttribute("data-severity"));
      severityOn[index] = !severityOn[index];
      button.setAttribute("aria-pressed", String(severityOn[index]));
      render();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("th[data-sort]"), function (th) {
    th.addEventListener("click", function () {
      var column = Number(th.getAttribute("data-sort"));
      sortDirection = column === sortColumn ? -sortDirection : 1;
      sortColumn = column;
      Array.prototype.forEach.call(document.querySelectorAll("th[data-sort]"), function (other) {
        other.className = "";
      });
      th.className = sortDirection > 0 ? "asc" : "desc";
      render();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("a.rule-filter"), function (link) {
    link.addEventListener("click", function () {
      var index = data.rules.indexOf(link.getAttribute("data-rule"));
      selects.rule[0].value = index >= 0 ? String(index) : "";
      render();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("a.explain-link"), function (link) {
    link.addEventListener("click", function () {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (target) target.open = true;
    });
  });
  document.getElementById("filter-reset").addEventListener("click", function () {
    Object.keys(selects).forEach(function (key) { selects[key][0].value = ""; });
    text.value = "";
    severityOn = [true, true, true];
    Array.prototype.forEach.call(document.querySelectorAll("button.sev"), function (b) {
      b.setAttribute("aria-pressed", "true");
    });
    render();
  });
  render();
})();
"""
