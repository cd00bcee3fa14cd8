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


def report_json(report: Report) -> dict:
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
        "findings": [finding_json(finding) for finding in report.findings],
        "errors": [
            {"file": error.file, "message": error.message, "line": error.line, "column": error.column}
            for error in report.errors
        ],
    }


def render(report: Report, stream, options) -> None:
    # Written in blocks: json.dump would hand the (masking) stream every token on its own, and
    # one string of the whole report would hold a day of findings in memory several times over.
    block, size = [], 0
    for piece in json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(report_json(report)):
        block.append(piece)
        size += len(piece)
        if size >= 64 * 1024:
            stream.write("".join(block))
            block, size = [], 0
    block.append("\n")
    stream.write("".join(block))
