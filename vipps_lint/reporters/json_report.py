"""`--format json`: the versioned report contract (`report.schema.json`, version 1).

Tools and dashboards parse this; a field's meaning never changes without a new version.
"""

from __future__ import annotations

import json

from vipps_lint import __version__
from vipps_lint.models import Finding, Report
from vipps_lint.reporters import write_in_blocks


def finding_json(finding: Finding) -> dict:
    request = finding.request
    position = finding.position
    return {
        "rule": finding.rule,
        "severity": finding.severity,
        "message": finding.message,
        "hint": finding.hint,
        "file": finding.file,
        "request": {
            "index": request.index,
            "method": request.method,
            "url": request.url,
            "operation": request.operation.id if request.operation else None,
            "name": request.name,
        },
        "part": finding.part,
        "pointer": finding.pointer,
        "header": finding.header,
        "line": position.line if position else None,
        "column": position.column if position else None,
        "fix": {"value": finding.fix.value, "description": finding.fix.description} if finding.fix else None,
    }


def report_json(report: Report, listed: bool = True) -> dict:
    """The report as JSON data; `listed=False`: with an empty findings list (`render` streams them)."""
    return {
        "version": 1,
        "tool": {"name": "vipps-lint", "version": __version__},
        "summary": {
            "files": report.files,
            "requests": report.requests,
            "findings": len(report.findings),
            "error": report.count("error"),
            "warning": report.count("warning"),
            "info": report.count("info"),
            # Files a directory walk left out as plainly not Vipps requests (package.json…).
            "files_skipped": report.not_requests,
        },
        "findings": [finding_json(finding) for finding in report.findings] if listed else [],
        "errors": [
            {"file": error.file, "message": error.message, "line": error.line, "column": error.column}
            for error in report.errors
        ],
    }


def render(report: Report, stream, options) -> None:
    # Streamed: the findings are encoded one by one as they are written, so a report of a day
    # of findings is never held as dicts and text besides the findings themselves (issue 13).
    # Written in blocks: the (masking) stream gets one write per 64 KiB, not one per token.
    write_in_blocks(stream, _pieces(report))


def _pieces(report: Report):
    document = report_json(report, listed=False)
    head, tail = json.dumps(document, ensure_ascii=False, indent=2).split('"findings": []', 1)
    yield head
    yield '"findings": '
    if report.findings:
        yield "["
        separator = "\n"
        for finding in report.findings:
            yield separator
            yield "    "
            yield finding_text(finding)
            separator = ",\n"
        yield "\n  ]"
    else:
        yield "[]"
    yield tail
    yield "\n"


def finding_text(finding: Finding) -> str:
    """`_indented(finding_json(finding), "    ")`, written straight from the finding: a report
    of a day of findings spends its time here, and the shape is always the same."""
    request = finding.request
    position = finding.position
    operation = request.operation.id if request.operation else None
    fix = finding.fix
    if fix is None:
        fix_text = "null"
    else:
        value = _indented(fix.value, "        ")
        fix_text = (
            f'{{\n        "value": {value},\n        "description": {_plain(fix.description, _IN_REQUEST)}\n      }}'
        )
    return (
        f'{{\n      "rule": {_plain(finding.rule)},\n      "severity": {_plain(finding.severity)},\n'
        f'      "message": {_plain(finding.message)},\n      "hint": {_plain(finding.hint)},\n'
        f'      "file": {_plain(finding.file)},\n      "request": {{\n'
        f'        "index": {_plain(request.index, _IN_REQUEST)},\n'
        f'        "method": {_plain(request.method, _IN_REQUEST)},\n'
        f'        "url": {_plain(request.url, _IN_REQUEST)},\n'
        f'        "operation": {_plain(operation, _IN_REQUEST)},\n'
        f'        "name": {_plain(request.name, _IN_REQUEST)}\n      }},\n'
        f'      "part": {_plain(finding.part)},\n      "pointer": {_plain(finding.pointer)},\n'
        f'      "header": {_plain(finding.header)},\n'
        f'      "line": {_plain(position.line if position else None)},\n'
        f'      "column": {_plain(position.column if position else None)},\n'
        f'      "fix": {fix_text}\n    }}'
    )


def _plain(value, indent: str = "      ") -> str:
    """A finding's field: a string or null quickly, anything else as `_indented` writes it."""
    if type(value) is str:
        return _ENCODE_STRING(value)
    if value is None:
        return "null"
    return _indented(value, indent)


_IN_REQUEST = "        "  # the nesting of the request's and the fix's members


_ENCODE_STRING = json.encoder.encode_basestring  # ensure_ascii=False's string encoder (C when available)
_CONSTANTS = {None: "null", True: "true", False: "false"}


def _indented(value, indent: str) -> str:
    """`value` exactly as `json.dumps(value, ensure_ascii=False, indent=2)` writes it at the
    nesting `indent`: the findings' plain shapes quickly, anything else by the json module."""
    kind = type(value)
    if kind is str:
        return _ENCODE_STRING(value)
    if value is None or kind is bool:
        return _CONSTANTS[value]
    if kind is int:
        return int.__repr__(value)
    if kind is dict and all(type(key) is str for key in value):
        if not value:
            return "{}"
        inner = indent + "  "
        items = [f"{inner}{_ENCODE_STRING(key)}: {_indented(item, inner)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if kind is list:
        if not value:
            return "[]"
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + _indented(item, inner) for item in value) + "\n" + indent + "]"
    # Floats (NaN, Infinity), other keys, other types: as the json module writes them.
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + indent)
