"""Suppressions where the finding is, like Ruff's `# noqa`.

- `.http`, `.rest`, curl command files and shell scripts: a comment
  `# vipps-lint: ignore[rule-id, other-rule]` (`//` too in `.http`) on the request's line
  or the line right above it. Without `[…]` it ignores every rule for that request.
- OpenAPI documents: `x-vipps-lint-ignore: [rule-id]` on an operation (all its examples) or
  on an example object (the reader puts it in `meta.inline_ignore`).
- Postman collections: the same `vipps-lint: ignore[rule-id]` marker in an item's (or its
  request's) description.
- JSON bodies, NDJSON logs and HAR files have no comments: use per-file-ignores or a baseline.

Selectors are the same as `--ignore` takes (ids, prefixes, globs). An entry that suppressed
nothing in its request is reported as `unused-ignore` (info, at the comment), so stale
ignores do not pile up; list `unused-ignore` in the same marker, or deselect the rule, to
keep one anyway. Entries for rules this run does not check (deselected) are not reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from vipps_lint.lazy_re import lazy_compile
from vipps_lint.models import Finding, Position, Problem, Request

RULE = "unused-ignore"
RULES = (RULE,)
# Formats whose requests are lines of text where a comment can sit.
TEXT_FORMATS = ("http", "curl")

# `# vipps-lint: ignore[a, b]` — bounded: a marker's list is short, and a line may be hostile.
_MARKER = lazy_compile(r"(?:#|//)\s*vipps-lint:\s*ignore(?:\[([^\]\n]{0,500})\])?")
_DESCRIPTION_MARKER = lazy_compile(r"vipps-lint:\s*ignore(?:\[([^\]\n]{0,500})\])?")


@dataclass(frozen=True)
class Marker:
    """One ignore marker: its selectors (empty: every rule), and where it is written."""

    selectors: tuple[str, ...]
    text: str  # as written, for messages
    position: Optional[Position] = None


def _selectors(listed: Optional[str]) -> tuple[str, ...]:
    if listed is None:
        return ()
    return tuple(item.strip() for item in listed.split(",") if item.strip())


def marker_in_line(line: Optional[str]) -> Optional[tuple[Marker, int]]:
    """The marker in a line of a text dump, and its 0-based column."""
    if not line or "vipps-lint" not in line:
        return None
    match = _MARKER.search(line)
    if match is None:
        return None
    return Marker(_selectors(match.group(1)), match.group(0)), match.start()


def is_marker_line(line: str) -> bool:
    """A comment line that is only an ignore marker (so it names no curl command)."""
    found = marker_in_line(line)
    return found is not None and not line[: found[1]].strip()


def marker_in_description(description) -> Optional[Marker]:
    """The marker in a Postman description (a string, or {"content": …})."""
    if isinstance(description, dict):
        description = description.get("content")
    if not isinstance(description, str) or "vipps-lint" not in description:
        return None
    match = _DESCRIPTION_MARKER.search(description[:100_000])
    return Marker(_selectors(match.group(1)), match.group(0)) if match else None


def marker_from_extension(value) -> Optional[Marker]:
    """`x-vipps-lint-ignore: [rule-id]` (a list, or one string with commas)."""
    if isinstance(value, str):
        selectors = _selectors(value)
    elif isinstance(value, list):
        selectors = tuple(str(item).strip() for item in value if str(item).strip())
    else:
        return None
    return Marker(selectors, f"x-vipps-lint-ignore: [{', '.join(selectors)}]")


def markers_for(request: Request) -> list[Marker]:
    """The markers that apply to a request: from its reader, or its text lines."""
    markers = list(request.meta.inline_ignore)
    reader = request.meta.reader
    if reader is not None and reader.name in TEXT_FORMATS and request.position is not None:
        line = request.position.line
        for number in (line, line - 1):
            if number < 1:
                continue
            found = marker_in_line(request.source.line_text(number))
            if found is not None:
                marker, column = found
                markers.append(Marker(marker.selectors, marker.text, Position(number, column + 1)))
    return markers


class Suppressions:
    """Applies a request's markers to its findings (built once per run)."""

    def __init__(self, rules):
        self.rules = rules  # the RuleSet

    def _matches(self, selector: str, rule_id: str) -> bool:
        from vipps_lint.checks.engine import selector_matches

        return selector_matches(selector, rule_id, self.rules.rules)

    def apply(self, request: Request, findings: list[Finding]) -> list[Finding]:
        markers = markers_for(request)
        if not markers:
            return findings
        used: set[tuple[int, str]] = set()  # (marker number, selector) that suppressed something
        kept = []
        for finding in findings:
            suppressed = False
            for number, marker in enumerate(markers):
                if not marker.selectors:
                    suppressed = True
                    used.add((number, ""))
                for selector in marker.selectors:
                    if self._matches(selector, finding.rule):
                        suppressed = True
                        used.add((number, selector))
            if not suppressed:
                kept.append(finding)
        for number, marker in enumerate(markers):
            kept.extend(finding for finding in self._unused(request, number, marker, used) if finding is not None)
        return kept

    def _unused(self, request: Request, number: int, marker: Marker, used: set):
        if RULE not in self.rules.enabled or any(self._matches(selector, RULE) for selector in marker.selectors):
            return
        if not marker.selectors:
            if (number, "") not in used:
                yield self._finding(
                    request,
                    marker,
                    "",
                    f"`{marker.text}` suppressed nothing: this request has no findings",
                    "Remove the comment",
                )
            return
        for selector in marker.selectors:
            if (number, selector) in used:
                continue
            known = [rule_id for rule_id in self.rules.rules if self._matches(selector, rule_id)]
            if not known:
                message = f"{selector} in `{marker.text}` is no rule, so it suppresses nothing"
                hint = "`vipps-lint rules` lists them; fix or remove the name"
            elif not any(rule_id in self.rules.enabled for rule_id in known):
                continue  # a rule this run does not check: it may well fire in a run that does
            else:
                message = f"{selector} in `{marker.text}` suppressed nothing: this request has no {selector} finding"
                hint = f"Remove {selector} from the comment" if len(marker.selectors) > 1 else "Remove the comment"
            yield self._finding(request, marker, selector, message, hint)

    def _finding(self, request: Request, marker: Marker, selector: str, message: str, hint: str) -> Optional[Finding]:
        finding = self.rules.finding(Problem(RULE, message, part="body", pointer=None, hint=hint), request)
        if finding is not None and marker.position is not None:
            finding.position = marker.position
        return finding
