"""`--format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

Upload it with `github/codeql-action/upload-sarif` and every finding shows inline on the
pull request. The log has one run: the tool with every rule's metadata (id, title, why and
how to fix as text and Markdown, docs URL, default level as configured), one result per finding (rule,
level, message with the hint, the file relative to `%SRCROOT%` with line and column, the
JSON Pointer as a logical location, the baseline fingerprint as a partial fingerprint, and
the replacement for findings with a safe fix) and the inputs that could not be read as
tool execution notifications (then `executionSuccessful` is false, as the exit status 2 says).

Columns count Unicode code points (`columnKind: unicodeCodePoints`), like the other formats.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Optional
from urllib.parse import quote

from vipps_lint import __version__
from vipps_lint.models import Finding, InputError, Report
from vipps_lint.reporters import write_in_blocks

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "vippsLint/v1"


def _artifact_location(file: str) -> dict:
    """The file relative to %SRCROOT% (the working directory) when it lies below it."""
    from vipps_lint.reporters import relative_to_cwd

    if file == "-":
        return {"uri": "stdin"}
    relative = relative_to_cwd(file)
    if relative is None:
        return {"uri": Path(os.path.abspath(file)).as_uri()}
    return {"uri": quote(relative), "uriBaseId": "%SRCROOT%"}


def _region(line: Optional[int], column: Optional[int]) -> Optional[dict]:
    if line is None:
        return None
    region = {"startLine": line}
    if column is not None:
        region["startColumn"] = column
    return region


def _physical_location(file: str, line: Optional[int], column: Optional[int]) -> dict:
    location = {"artifactLocation": _artifact_location(file)}
    region = _region(line, column)
    if region is not None:
        location["region"] = region
    return location


def rule_descriptor(rule) -> dict:
    help_text = rule.why + (f"\n\nHow to fix: {rule.how_to_fix}" if rule.how_to_fix else "")
    help_markdown = (
        f"{rule.why}\n\n"
        + (f"**How to fix**\n\n{rule.how_to_fix}\n\n" if rule.how_to_fix else "")
        + f"[Documentation]({rule.docs})"
    )
    descriptor = {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.why},
        "help": {"text": help_text, "markdown": help_markdown},
        "helpUri": rule.docs,
        # The effective severity: what the configuration ([tool.vipps-lint.severity]) made it.
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["vipps-mobilepay", rule.part], "fixable": rule.autofix},
    }
    if rule.since:
        descriptor["properties"]["since"] = rule.since
    return descriptor


def needs(options) -> tuple[str, ...]:
    """What the fix stage computes for this report: each fix as a replacement in its file."""
    return ("replacements",)


def _fixes(finding: Finding) -> list[dict]:
    """The fix as a SARIF replacement (computed by the fix stage, `fixes.annotate`)."""
    replacement = finding.replacement
    if finding.fix is None or replacement is None:
        return []
    start, end = replacement.start, replacement.end
    region = {"startLine": start.line, "startColumn": start.column, "endLine": end.line, "endColumn": end.column}
    return [
        {
            "description": {"text": finding.fix.description},
            "artifactChanges": [
                {
                    "artifactLocation": _artifact_location(finding.file),
                    "replacements": [{"deletedRegion": region, "insertedContent": {"text": replacement.text}}],
                }
            ],
        }
    ]


def result(finding: Finding, rule_index: dict[str, int]) -> dict:
    from vipps_lint.baseline import fingerprint

    position = finding.position
    request = finding.request
    text = finding.message + (f"\nhint: {finding.hint}" if finding.hint else "")
    where = finding.header if finding.part == "header" else finding.pointer
    entry = {
        "ruleId": finding.rule,
        "level": LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": _physical_location(
                    finding.file, position.line if position else None, position.column if position else None
                ),
                "logicalLocations": [
                    {"fullyQualifiedName": f"{finding.part}:{where if where is not None else ''}", "kind": "element"}
                ],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding)},
        "properties": {
            "part": finding.part,
            "pointer": finding.pointer,
            "header": finding.header,
            "request": {
                "index": request.index,
                "method": request.method,
                "url": request.url,
                "name": request.name,
                "operation": request.operation.id if request.operation else None,
            },
        },
    }
    if finding.rule in rule_index:
        entry["ruleIndex"] = rule_index[finding.rule]
    fixes = _fixes(finding)
    if fixes:
        entry["fixes"] = fixes
    return entry


def _notification(error: InputError) -> dict:
    return {
        "level": "error",
        "message": {"text": error.message},
        "locations": [{"physicalLocation": _physical_location(error.file, error.line, error.column)}],
    }


def sarif_log(report: Report, options) -> dict:
    rules = [options.rules[rule_id] for rule_id in sorted(options.rules)]
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "vipps-lint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [rule_descriptor(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "invocations": [
                    {
                        "executionSuccessful": not report.errors,
                        "toolExecutionNotifications": [_notification(error) for error in report.errors],
                    }
                ],
                "results": [result(finding, rule_index) for finding in report.findings],
                "properties": {"baselinedFindings": report.baselined},
            }
        ],
    }


def render(report: Report, stream, options) -> None:
    # What json.dump writes, in blocks: it writes each token apart (a million writes for
    # 20,000 findings).
    encoded = json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(sarif_log(report, options))
    write_in_blocks(stream, itertools.chain(encoded, ["\n"]))
