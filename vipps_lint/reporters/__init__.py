"""Stage 5: print a `Report`.

One module per format. Each defines `render(report, stream, options)`, writing to a text
stream; `options` is a `ReportOptions`. To add a format, write the module and add it to
`FORMATS` (the name is what `--format` takes).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

FORMATS = {
    "text": "text",
    "concise": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
    "html": "html",
}


@dataclass
class ReportOptions:
    color: Optional[bool] = None  # None: only when writing to a terminal (and NO_COLOR unset)
    quiet: bool = False
    fail_on: str = "error"
    concise: bool = False  # one line per finding, then the summary (`--format concise`)
    statistics: bool = False  # counts per rule instead of each finding (`--statistics`)
    rules: dict[str, Any] = field(default_factory=dict)  # rule id → Rule, for rule metadata (SARIF)
    # Masks secrets in a text (set by cli.write_report). Reporters that cut raw file text
    # into pieces (a code frame's window) mask the whole line first, so no piece of a
    # secret survives the cut; everything written is masked again on the way out.
    mask: Optional[Callable[[str], str]] = None


def reporter(name: str):
    return importlib.import_module(f"vipps_lint.reporters.{FORMATS[name]}")


def relative_to_cwd(file: str) -> Optional[str]:
    """The input's path relative to the working directory (CI's checkout), '/'-separated,
    or None when it lies outside it (or is stdin)."""
    import os  # noqa: PLC0415

    if file == "-":
        return None
    relative = os.path.relpath(os.path.abspath(file))
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return None
    return relative.replace(os.sep, "/")
