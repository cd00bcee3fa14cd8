"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

    ::error file=requests/pay.json,line=7,col=23,title=ecom-callback-https::merchantInfo…

Errors become `::error`, warnings `::warning`, info findings `::notice`; inputs that could
not be read are `::error` annotations titled `vipps-lint`. The hint follows the message on
its own line. Values are escaped as the Actions toolkit does (`%`, CR and LF everywhere; `:`
and `,` too inside properties), so a message can never end or forge a command. A plain
summary line closes the output.
"""

from __future__ import annotations

from typing import Optional

from vipps_lint.models import Report

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, file: str, line: Optional[int], column: Optional[int], title: str) -> str:
    from vipps_lint.reporters import relative_to_cwd

    # Annotations name files relative to the checkout (the working directory in CI).
    properties = [f"file={escape_property(relative_to_cwd(file) or file)}"]
    if line is not None:
        properties.append(f"line={line}")
        if column is not None:
            properties.append(f"col={column}")
    properties.append(f"title={escape_property(title)}")
    return f"::{kind} {','.join(properties)}::{escape_data(message)}"


def needs(options) -> tuple[str, ...]:
    """What the fix stage computes for this report: the summary line's fixable count."""
    return ("fixable",)


def render(report: Report, stream, options) -> None:
    from vipps_lint.reporters.text import summary_line

    for error in report.errors:
        stream.write(command("error", error.message, error.file, error.line, error.column, "vipps-lint") + "\n")
    for finding in report.findings:
        position = finding.position
        message = finding.message + (f"\nhint: {finding.hint}" if finding.hint else "")
        stream.write(
            command(
                COMMANDS[finding.severity],
                message,
                finding.file,
                position.line if position else None,
                position.column if position else None,
                finding.rule,
            )
            + "\n"
        )
    stream.write(summary_line(report) + "\n")
