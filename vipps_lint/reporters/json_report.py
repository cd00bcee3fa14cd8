"""`--format json`: the versioned report contract (`report.schema.json`, version 1).

Tools and dashboards parse this; a field's meaning never changes without a new version.
"""

from __future__ import annotations

import json

from vipps_lint import __version__
from vipps_lint.models import Finding, Report


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
    document = report_json(report, listed=False)
    head, tail = json.dumps(document, ensure_ascii=False, indent=2).split('"findings": []', 1)
    block, size = [head, '"findings": '], 0
    if report.findings:
        block.append("[")
        separator = "\n"
        for finding in report.findings:
            text = _indented(finding_json(finding), "    ")
            block.append(separator)
            block.append("    ")
            block.append(text)
            separator = ",\n"
            size += len(text)
            if size >= 64 * 1024:
                stream.write("".join(block))
                block, size = [], 0
        block.append("\n  ]")
    else:
        block.append("[]")
    block.append(tail)
    block.append("\n")
    stream.write("".join(block))


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
