"""Stage 5: print a `Report`.

One module per format. Each defines `render(report, stream, options)`, writing to a text
stream; `options` is a `ReportOptions`. To add a format, write the module and add it to
`FORMATS` (the name is what `--format` takes).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Optional

FORMATS = {"text": "text", "json": "json_report"}


@dataclass
class ReportOptions:
    color: Optional[bool] = None  # None: only when writing to a terminal (and NO_COLOR unset)
    quiet: bool = False
    fail_on: str = "error"
    # Masks secrets in a text (set by cli.write_report). Reporters that cut raw file text
    # into pieces (a code frame's window) mask the whole line first, so no piece of a
    # secret survives the cut; everything written is masked again on the way out.
    mask: Optional[Callable[[str], str]] = None


def reporter(name: str):
    return importlib.import_module(f"vipps_lint.reporters.{FORMATS[name]}")
