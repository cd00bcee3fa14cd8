"""Stage 4: apply the safe fixes rules declare (`--fix`), or show them (`--diff`).

A rule with `autofix: true` gives its findings a `Fix` (the corrected value for the
finding's JSON Pointer). Fixing edits the input file *minimally*: the old value's JSON text
is replaced by the JSON text of the new value and every other byte — indentation, key
order, other requests, CRLF line endings, a UTF-8 BOM — stays as it was.

Where a body sits in its file comes from the reader (`RequestMeta`, the agreed interface):

- `request.meta.body_span = (start, end)`: character offsets into the decoded file text;
- `request.meta.body_embedding`: `"raw"` when the body's JSON text stands verbatim in the
  file (bare JSON, `.http` bodies, NDJSON objects) or `"json-string"` when it sits inside a
  JSON string literal (HAR `postData.text`, NDJSON string bodies; the span then covers the
  literal including its quotes, and the new value is spliced in escaped, leaving the
  literal's other escapes untouched).

A `.http` body with `{{variables}}` has no `body_span` (the parsed text is not the written
text), but its `JsonTextLocator` holds both: the substituted `text` and the `written` text,
with `to_written` mapping offsets between them. A fix whose value is written literally (no
`{{variable}}` in its span) is applied to the written text; one whose value comes from a
variable is refused, naming it ("the value comes from {{amount}}"): the fix belongs where the
variable is defined.

Other requests without a `body_span` (Postman bodies with substituted variables, base64 HAR
bodies, curl, OpenAPI examples) cannot be edited in place; the message says why (the reader's
`ReaderTraits.not_fixable`).

This stage also gives the reporters what they show about fixes (`annotate`): how many
findings --fix would fix (the summary line) and each fix as a file replacement (SARIF), so
no reporter reads inputs again or plans fixes itself.

Every edit is checked before it is written: the edited body must parse, and hold the new
value at the pointer. Files are written atomically (a temporary file in the same directory,
then `os.replace`, keeping the file's permissions), so a crash never leaves half a file.
Fixing is idempotent: a fixed value no longer produces a finding, so a second run changes
nothing.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Union

from vipps_lint.models import Finding, InputError, Replacement, Request, SourceFile
from vipps_lint.positions import (
    JsonTextLocator,
    LinePositions,
    pointer_offset,
    resolve_pointer,
    skip_value,
)
from vipps_lint.words import plural


@dataclass
class Edit:
    """Replace text[start:end] of a file with `text`."""

    start: int
    end: int
    text: str
    finding: Finding
    body_start: int = 0  # the same edit in the body's parsed text (templated bodies are
    body_end: int = 0  # verified there: their written text is not JSON)


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
        if (
            0xD800 <= code < 0xDC00
            and literal.startswith("\\u", index)
            and 0xDC00 <= int(literal[index + 2 : index + 6], 16) < 0xE000
        ):
            index += 6
    starts.append(end)
    return starts


def _label(request: Request) -> str:
    if not (request.method or request.url):
        return "the body"
    number = request.index + 1  # people count from 1
    return f'request #{number} "{request.name}"' if request.name else f"request #{number}"


@dataclass
class _Body:
    """Where a request's body is in its file, and how to turn body offsets into file offsets."""

    text: str  # the body's JSON text, as parsed
    to_file: Callable[[int], int]  # offset in `text` → offset in the file
    escape: bool = False  # the body sits in a JSON string literal: new text goes in escaped
    written: Optional[str] = None  # templated bodies: the text as written, and
    to_written: Optional[Callable[[int], int]] = None  # offset in `text` → offset in `written`


def _is_templated(locator) -> bool:
    return (
        isinstance(locator, JsonTextLocator)
        and locator.written is not None
        and locator.to_written is not None
        and not locator.start
    )


def _templated_locator(request: Request) -> Optional[JsonTextLocator]:
    """The locator of a `.http` body whose `{{variables}}` were substituted: it holds the text
    as written and the offset map. Requests linted in --jobs workers come back without their
    locator; the file is then read again (once per file version) to get it."""
    if _is_templated(request.locator):
        return request.locator
    reader = request.meta.reader
    if request.locator is not None or reader is None or reader.fixes != "written" or request.source.path is None:
        return None
    try:
        status = os.stat(request.source.path)
    except OSError:
        return None
    return _written_locators(
        reader.name, request.source.display, request.source.path, status.st_mtime_ns, status.st_size
    ).get(request.index)


@functools.lru_cache(maxsize=32)
def _written_locators(input_format: str, display: str, path: str, _mtime_ns: int, _size: int) -> dict:
    from vipps_lint.sources import ReadOptions, read_source  # only for --jobs results

    found = {}
    for item in read_source(SourceFile(display, path), ReadOptions(input_format=input_format)):
        if isinstance(item, Request) and _is_templated(item.locator):
            found[item.index] = item.locator
    return found


def _templated_body(request: Request, file_text: str) -> Optional[_Body]:
    """A body whose `{{variables}}` were substituted (`.http`): its written text, found in the file."""
    locator = _templated_locator(request)
    if locator is None:
        return None
    # The reader counts lines as str.splitlines does; find the body's first line the same way.
    lines = file_text.splitlines(keepends=True)
    if locator.first_line > len(lines):
        return None
    start = sum(len(line) for line in lines[: locator.first_line - 1]) + locator.first_column - 1
    if not file_text.startswith(locator.written, start):
        return None
    to_written = locator.to_written
    return _Body(
        locator.text, lambda offset: start + to_written(offset), written=locator.written, to_written=to_written
    )


def _locate_body(request: Request, file_text: str) -> Union[_Body, str]:
    """Where the body is in the file, or why it cannot be edited there."""
    span = request.meta.body_span
    if span is None:
        body = _templated_body(request, file_text)
        if body is not None:
            return body
        reader = request.meta.reader
        return (reader and reader.not_fixable) or "vipps-lint cannot map this body back to the text of the file"
    start, end = span
    region = file_text[start:end]
    embedding = request.meta.body_embedding
    if embedding == "raw":
        return _Body(region, lambda offset: start + offset)
    if embedding == "json-string":
        try:
            body_text = json.loads(region)
        except ValueError:
            body_text = None
        if not isinstance(body_text, str):
            return "the body's JSON string could not be read back"
        offsets = _string_literal_map(region)
        return _Body(body_text, lambda offset: start + offsets[offset], escape=True)
    return f"unknown body embedding {embedding!r}"


def _body_edits(request: Request, findings: list[Finding], file_text: str) -> tuple[list[Edit], list[str]]:
    """File-level edits for the fixable findings of one request, and why any were refused."""
    _body, edits, refused = _request_edits(request, findings, file_text)
    return edits, refused


def _request_edits(
    request: Request, findings: list[Finding], file_text: str
) -> tuple[Optional[_Body], list[Edit], list[str]]:
    label = _label(request)
    body = _locate_body(request, file_text)
    if isinstance(body, str):
        return None, [], [f"{label}: {plural(len(findings), 'fixable problem')} not fixed: {body}"]
    edits, refused = [], []
    for finding in findings:
        value_span = _body_value_span(body.text, finding.pointer or "")
        if value_span is None:
            refused.append(f"{label}: {finding.pointer} not found in the body text; not fixed")
            continue
        if body.written is not None:
            why = _templated_value_problem(body, *value_span)
            if why is not None:
                refused.append(f"{label}: {finding.pointer} not fixed: {why}")
                continue
        new_text = json_literal(finding.fix.value)
        if body.escape:
            new_text = json.dumps(new_text, ensure_ascii=False)[1:-1]
        edits.append(Edit(body.to_file(value_span[0]), body.to_file(value_span[1]), new_text, finding, *value_span))
    return body, edits, refused


def _templated_value_problem(body: _Body, start: int, end: int) -> Optional[str]:
    """Why a value of a templated body cannot be replaced in the written text, or None."""
    from vipps_lint.sources.variables import VARIABLE

    written = body.written[body.to_written(start) : body.to_written(end)]
    names = list(dict.fromkeys(VARIABLE.findall(written)))
    if len(names) == 1 and VARIABLE.fullmatch(written.strip('"')):
        return f"the value comes from {{{{{names[0]}}}}}; change it where that variable is defined"
    if names:
        variables = ", ".join("{{%s}}" % name for name in names)
        return (
            f"the value is written with {variables}, and --fix replaces only values written out in full; apply the "
            "hint by hand"
        )
    if written != body.text[start:end]:
        return "the value is not written literally in the file"
    return None


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """`text` with the (non-overlapping) edits applied, in one pass: a log can have thousands."""
    pieces, position = [], 0
    for edit in sorted(edits, key=lambda edit: edit.start):
        pieces += [text[position : edit.start], edit.text]
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)


def _verified(request: Request, body: _Body, edits: list[Edit], file_text: str) -> bool:
    """Does the edited body parse and hold every new value?"""
    try:
        if body.written is not None:  # templated: the substituted text is what parses
            edited = apply_edits(
                body.text,
                [
                    Edit(edit.body_start, edit.body_end, json_literal(edit.finding.fix.value), edit.finding)
                    for edit in edits
                ],
            )
            parsed = json.loads(edited)
        else:  # the file's own text, as it will be written
            start, end = request.meta.body_span
            region = apply_edits(
                file_text[start:end],
                [Edit(edit.start - start, edit.end - start, edit.text, edit.finding) for edit in edits],
            )
            parsed = json.loads(region)
            if body.escape:
                parsed = json.loads(parsed)
    except (ValueError, TypeError, RecursionError):
        return False
    return all(resolve_pointer(parsed, edit.finding.pointer or "", None) == edit.finding.fix.value for edit in edits)


def plan_file(source: SourceFile, text: str, findings: list[Finding]) -> FilePlan:
    """The fixed text of one file, given its fixable findings."""
    by_request: dict[int, tuple[Request, list[Finding]]] = {}
    for finding in findings:
        if finding.fix is None or finding.part != "body":
            continue
        by_request.setdefault(id(finding.request), (finding.request, []))[1].append(finding)
    plan = FilePlan(source, text, text)
    accepted: list[Edit] = []  # every edit's offsets are in `text`; applied together at the end
    for request, request_findings in sorted(by_request.values(), key=lambda item: item[0].index):
        body, edits, refused = _request_edits(request, request_findings, text)
        plan.refused.extend(refused)
        if not edits:
            continue
        if not _verified(request, body, edits, text):
            plan.refused.append(f"{_label(request)}: the fixed body would not be valid JSON; not fixed")
            continue
        accepted.extend(edits)
        plan.fixed_findings.extend(edit.finding for edit in edits)
    plan.fixed = apply_edits(text, accepted)
    return plan


def plan_fixes(findings: Iterable[Finding], errors: Iterable[InputError] = ()) -> list[Union[FilePlan, InputError]]:
    """A plan per file that has fixable findings; an InputError for files we must not touch."""
    from vipps_lint.sources import read_all_text

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
    import difflib

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


def write_atomically(path: str, text: str, expected: Optional[str] = None) -> None:
    """Replace the file's text, keeping its BOM, mode and owner; never half-written.

    Refused (an OSError saying why, the file untouched): a read-only file (no write bit, also
    for root), a file with other hard links (a new file would leave them pointing at the old
    text), an owner that cannot be kept, and a file whose text is no longer `expected` (it
    was edited while vipps-lint ran: that edit must not be overwritten). The temporary file
    is removed when writing fails or is interrupted.

    A symbolic link stays a link: the file it points to is replaced (in its own directory)."""
    import stat
    import tempfile

    from vipps_lint.safe_io import UnsafeFile, read_limited

    path = os.path.realpath(path)
    status = os.stat(path)
    if not status.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeFile("the file is read-only; not rewritten (make it writable to fix it)")
    if status.st_nlink > 1:
        raise UnsafeFile(
            f"the file has {status.st_nlink} hard links; rewriting it would break them, so it is not "
            "rewritten (see --diff for the fixes)"
        )
    current = read_limited(path)
    has_bom = current.startswith(b"\xef\xbb\xbf")
    if expected is not None and current.decode("utf-8", "replace").removeprefix("\ufeff") != expected:
        raise UnsafeFile("the file changed since it was read; not rewritten (run again)")
    data = (b"\xef\xbb\xbf" if has_bom else b"") + text.encode("utf-8")
    directory = os.path.dirname(os.path.abspath(path))
    temporary = None
    with _sigterm_unwinds():
        try:
            # Ctrl-C or SIGTERM between creating the file and knowing its name would leave it
            # behind: they wait (blocked) until `temporary` is set, then unwind through here.
            with _interrupts_deferred():
                handle, temporary = tempfile.mkstemp(prefix=".vipps-lint-fix-", dir=directory)
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, status.st_mode & 0o7777)
            if hasattr(os, "chown"):
                created = os.stat(temporary)
                if (created.st_uid, created.st_gid) != (status.st_uid, status.st_gid):
                    try:
                        os.chown(temporary, status.st_uid, status.st_gid)
                    except OSError:
                        raise UnsafeFile("its owner or group could not be kept; not rewritten") from None
            os.replace(temporary, path)
        except BaseException:  # also Ctrl-C and SIGTERM: no temporary file is left behind
            if temporary is not None and os.path.exists(temporary):
                os.unlink(temporary)
            raise


class _Terminated(BaseException):
    """SIGTERM arrived while a temporary file of --fix existed (see `_sigterm_unwinds`)."""


@contextlib.contextmanager
def _sigterm_unwinds():
    """SIGTERM's default action ends the process at once, which would leave the temporary file
    behind. Meanwhile SIGTERM raises instead, so the file is removed as for Ctrl-C, and then
    the process still ends of SIGTERM, as its sender expects (status 143 in a shell).

    Only the main thread can handle signals; a handler someone else installed (an embedding
    program's) and an ignored SIGTERM are left as they are."""
    import signal
    import threading

    if (
        not hasattr(signal, "SIGTERM")
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def unwind(signum, frame):
        raise _Terminated

    signal.signal(signal.SIGTERM, unwind)
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        raise SystemExit(128 + signal.SIGTERM) from None  # if the signal is not delivered at once
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def _interrupts_deferred():
    """SIGINT and SIGTERM are held back within (they arrive, and raise, when it ends)."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def fixable_in_place(finding: Finding) -> bool:
    """Would --fix apply this finding's fix? Decided from what the reader recorded, without
    reading the file again (so the summary line can count them); --fix itself also checks
    that the edited body parses."""
    request = finding.request
    if finding.fix is None or finding.part != "body" or request.source.path is None:
        return False
    if request.meta.body_span is not None:
        return True
    locator = _templated_locator(request)
    if locator is None:
        return False
    value_span = _body_value_span(locator.text, finding.pointer or "")
    body = _Body(locator.text, lambda offset: offset, written=locator.written, to_written=locator.to_written)
    return value_span is not None and _templated_value_problem(body, *value_span) is None


def count_fixable(report) -> int:
    """How many findings of a report --fix would fix (not in files it refuses to touch)."""
    broken = {error.file for error in report.errors}
    return sum(
        1
        for finding in report.findings
        if finding.fix is not None and finding.file not in broken and fixable_in_place(finding)
    )


def edit_for(finding: Finding, file_text: str) -> Optional[Edit]:
    """The file edit that fixes one finding (for SARIF `fixes`), or None when it cannot be made."""
    if finding.fix is None or finding.part != "body":
        return None
    edits, _refused = _body_edits(finding.request, [finding], file_text)
    return edits[0] if edits else None


def replacement_for(finding: Finding, texts: dict) -> Optional[Replacement]:
    """The fix of one finding as a replacement in its file (SARIF `fixes`), or None.
    `texts` caches each input's text for one report."""
    from vipps_lint.sources import read_all_text  # only for SARIF

    source = finding.request.source
    if finding.fix is None or source.path is None:
        return None
    if source.path not in texts:
        texts[source.path] = read_all_text(source)
    text = texts[source.path]
    edit = edit_for(finding, text) if isinstance(text, str) else None
    if edit is None:
        return None
    lines = texts.get((source.path, "lines"))
    if lines is None:
        lines = texts[(source.path, "lines")] = LinePositions(text)
    return Replacement(lines.position(edit.start), lines.position(edit.end), edit.text)


def annotate(report, needs: Iterable[str]) -> None:
    """What reporters show about fixes, computed here (reporters only read the report):
    "fixable" — `report.fixable`, how many findings --fix would fix; "replacements" — each
    fixable finding's `replacement`."""
    needs = set(needs)
    if "fixable" in needs:
        report.fixable = count_fixable(report)
    if "replacements" in needs:
        texts: dict = {}
        for finding in report.findings:
            finding.replacement = replacement_for(finding, texts)


def fix_plans(report) -> tuple[list[FilePlan], list[str]]:
    """The plans of the files --fix would change, and a line for each input or fix it refuses."""
    plans, refused = [], []
    for plan in plan_fixes(report.findings, report.errors):
        if isinstance(plan, InputError):
            refused.append(str(plan))
            continue
        refused.extend(f"{plan.source.display}: {reason}" for reason in plan.refused)
        if plan.fixed_findings:
            plans.append(plan)
    return plans, refused


def write_plans(plans: list[FilePlan]) -> tuple[list[FilePlan], list[str]]:
    """Write the fixed files; (the plans written, a line for each file that could not be)."""
    written, failed = [], []
    for plan in plans:
        try:
            write_atomically(plan.source.path, plan.fixed, expected=plan.original)
        except OSError as error:
            failed.append(f"{plan.source.display}: cannot write the fixed file: {error.strerror or error}")
            continue
        written.append(plan)
    return written, failed


def problems_in_files(plans: list[FilePlan]) -> str:
    """'3 problems in 2 files', for the --fix and --diff summary lines."""
    return f"{plural(sum(len(plan.fixed_findings) for plan in plans), 'problem')} in {plural(len(plans), 'file')}"
