"""Stage 4: apply the safe fixes rules declare (`--fix`), or show them (`--diff`).

A rule with `autofix: true` gives its findings a `Fix` (the corrected value for the
finding's JSON Pointer). Fixing edits the input file *minimally*: the old value's JSON text
is replaced by the JSON text of the new value and every other byte — indentation, key
order, other requests, CRLF line endings, a UTF-8 BOM — stays as it was.

Where a body sits in its file comes from the reader (the agreed interface):

- `request.meta["body_span"] = (start, end)`: character offsets into the decoded file text;
- `request.meta["body_embedding"]`: `"raw"` when the body's JSON text stands verbatim in the
  file (bare JSON, `.http` bodies, NDJSON objects) or `"json-string"` when it sits inside a
  JSON string literal (HAR `postData.text`, NDJSON string bodies; the span then covers the
  literal including its quotes, and the new value is spliced in escaped, leaving the
  literal's other escapes untouched).

Requests without a `body_span` (Postman bodies with substituted variables, base64 HAR
bodies, curl) cannot be edited in place; they are counted as "not fixable here".

Every edit is checked before it is written: the edited body must parse, and hold the new
value at the pointer. Files are written atomically (a temporary file in the same directory,
then `os.replace`, keeping the file's permissions), so a crash never leaves half a file.
Fixing is idempotent: a fixed value no longer produces a finding, so a second run changes
nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Iterable, Optional, Union

from vipps_lint.models import Finding, InputError, Request, SourceFile
from vipps_lint.positions import pointer_offset, resolve_pointer, skip_value


@dataclass
class Edit:
    """Replace text[start:end] of a file with `text`."""

    start: int
    end: int
    text: str
    finding: Finding


@dataclass
class FilePlan:
    """What fixing does to one file."""

    source: SourceFile
    original: str
    fixed: str
    fixed_findings: list[Finding] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why some fixes could not be applied


def json_literal(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _body_value_span(body_text: str, pointer: str) -> Optional[tuple[int, int]]:
    start = pointer_offset(body_text, pointer)
    if start is None:
        return None
    return start, skip_value(body_text, start)


def _string_literal_map(literal: str) -> list[int]:
    """For a JSON string literal, the literal offset where each decoded character starts.

    One extra entry at the end is the offset of the closing quote, so a decoded span
    [a, b) maps to the literal span [map[a], map[b]).
    """
    starts = []
    index = 1  # past the opening quote
    end = len(literal) - 1
    while index < end:
        starts.append(index)
        if literal[index] != "\\":
            index += 1
            continue
        if literal[index + 1] != "u":
            index += 2
            continue
        code = int(literal[index + 2 : index + 6], 16)
        index += 6
        # A surrogate pair is two escapes but one Python character.
        if 0xD800 <= code < 0xDC00 and literal.startswith("\\u", index) and 0xDC00 <= int(literal[index + 2 : index + 6], 16) < 0xE000:
            index += 6
    starts.append(end)
    return starts


def _body_edits(request: Request, findings: list[Finding], file_text: str) -> tuple[list[Edit], list[str]]:
    """File-level edits for the fixable findings of one request, and why any were refused."""
    span = request.meta.get("body_span")
    embedding = request.meta.get("body_embedding", "raw")
    label = f"request #{request.index}" if request.method or request.url else "the body"
    if span is None:
        from vipps_lint.reporters.text import plural  # noqa: PLC0415

        return [], [f"{label}: {plural(len(findings), 'fixable problem')} not fixed: this input format cannot be edited in place"]
    start, end = span
    region = file_text[start:end]
    if embedding == "raw":
        body_text, to_file = region, (lambda offset: start + offset)
    elif embedding == "json-string":
        try:
            body_text = json.loads(region)
        except ValueError:
            body_text = None
        if not isinstance(body_text, str):
            return [], [f"{label}: the body's JSON string could not be read back; not fixed"]
        offsets = _string_literal_map(region)
        to_file = lambda offset: start + offsets[offset]  # noqa: E731
    else:
        return [], [f"{label}: unknown body embedding {embedding!r}; not fixed"]
    edits, refused = [], []
    for finding in findings:
        value_span = _body_value_span(body_text, finding.pointer or "")
        if value_span is None:
            refused.append(f"{label}: {finding.pointer} not found in the body text; not fixed")
            continue
        new_text = json_literal(finding.fix.value)
        if embedding == "json-string":
            new_text = json.dumps(new_text, ensure_ascii=False)[1:-1]
        edits.append(Edit(to_file(value_span[0]), to_file(value_span[1]), new_text, finding))
    return edits, refused


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """`text` with the edits applied; later edits first, so earlier offsets stay valid."""
    for edit in sorted(edits, key=lambda edit: edit.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def _verified(request: Request, edits: list[Edit], fixed_text: str) -> bool:
    """Does the edited body parse and hold every new value?

    Bodies are fixed last to first, so the text before this body has not moved yet.
    """
    start, end = request.meta["body_span"]
    new_end = end + sum(len(edit.text) - (edit.end - edit.start) for edit in edits)
    region = fixed_text[start:new_end]
    try:
        body = json.loads(region)
        if request.meta.get("body_embedding") == "json-string":
            body = json.loads(body)
    except ValueError:
        return False
    return all(resolve_pointer(body, edit.finding.pointer or "", None) == edit.finding.fix.value for edit in edits)


def plan_file(source: SourceFile, text: str, findings: list[Finding]) -> FilePlan:
    """The fixed text of one file, given its fixable findings."""
    by_request: dict[int, tuple[Request, list[Finding]]] = {}
    for finding in findings:
        if finding.fix is None or finding.part != "body":
            continue
        by_request.setdefault(id(finding.request), (finding.request, []))[1].append(finding)
    plan = FilePlan(source, text, text)
    requests = sorted(by_request.values(), key=lambda item: item[0].meta.get("body_span", (-1, -1))[0], reverse=True)
    fixed = text
    for request, request_findings in requests:  # last body first: earlier spans stay valid
        edits, refused = _body_edits(request, request_findings, text)
        plan.refused.extend(refused)
        if not edits:
            continue
        candidate = apply_edits(fixed, edits)
        if not _verified(request, edits, candidate):
            plan.refused.append(f"request #{request.index}: the fixed body would not be valid JSON; not fixed")
            continue
        fixed = candidate
        plan.fixed_findings.extend(edit.finding for edit in edits)
    plan.fixed = fixed
    return plan


def plan_fixes(findings: Iterable[Finding], errors: Iterable[InputError] = ()) -> list[Union[FilePlan, InputError]]:
    """A plan per file that has fixable findings; an InputError for files we must not touch."""
    from vipps_lint.sources import read_all_text  # noqa: PLC0415

    broken = {error.file for error in errors}
    by_file: dict[str, tuple[SourceFile, list[Finding]]] = {}
    for finding in findings:
        if finding.fix is not None:
            by_file.setdefault(finding.file, (finding.request.source, []))[1].append(finding)
    plans: list[Union[FilePlan, InputError]] = []
    for display, (source, file_findings) in by_file.items():
        if source.path is None:
            plans.append(InputError(display, "standard input cannot be fixed in place; save it to a file first"))
            continue
        if display in broken:
            plans.append(InputError(display, "not fixed: part of this file could not be parsed (see the error above)"))
            continue
        text = read_all_text(source)
        if isinstance(text, InputError):
            plans.append(text)
            continue
        plans.append(plan_file(source, text, file_findings))
    return plans


def unified_diff(plan: FilePlan) -> str:
    import difflib  # noqa: PLC0415

    lines = difflib.unified_diff(
        plan.original.splitlines(keepends=True),
        plan.fixed.splitlines(keepends=True),
        fromfile=f"a/{plan.source.display}",
        tofile=f"b/{plan.source.display}",
    )
    text = ""
    for line in lines:
        text += line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
    return text


def write_atomically(path: str, text: str) -> None:
    """Replace the file's text, keeping its BOM and permissions; never half-written."""
    import tempfile  # noqa: PLC0415

    with open(path, "rb") as handle:
        has_bom = handle.read(3) == b"\xef\xbb\xbf"
    data = (b"\xef\xbb\xbf" if has_bom else b"") + text.encode("utf-8")
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode
    handle, temporary = tempfile.mkstemp(prefix=".vipps-lint-fix-", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def edit_for(finding: Finding, file_text: str) -> Optional[Edit]:
    """The file edit that fixes one finding (for SARIF `fixes`), or None when it cannot be made."""
    if finding.fix is None or finding.part != "body":
        return None
    edits, _refused = _body_edits(finding.request, [finding], file_text)
    return edits[0] if edits else None
