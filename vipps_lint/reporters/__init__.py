"""Stage 5: print a `Report`.

One module per format. Each defines `render(report, stream, options)`, writing to a text
stream; `options` is a `ReportOptions`. To add a format, write the module and add it to
`FORMATS` (the name is what `--format` takes).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Optional

FORMATS = {"text": "text", "json": "json_report"}


@dataclass
class ReportOptions:
    color: Optional[bool] = None  # None: only when writing to a terminal (and NO_COLOR unset)
    quiet: bool = False
    fail_on: str = "error"


def reporter(name: str):
    return importlib.import_module(f"vipps_lint.reporters.{FORMATS[name]}")
