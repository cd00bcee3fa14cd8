"""Stage 5: print a `Report`.

One module per format. Each defines `render(report, stream, options)`, writing to a text
stream; `options` is a `ReportOptions`. A reporter reads only the `Report`: what it shows
about fixes is computed by the fix stage first, as its module asks with `needs(options)`
("fixable": the count for the summary line; "replacements": each fix as a file edit).
To add a format, write the module and add it to `FORMATS` (the name is what `--format` takes).

Every report is written through `write_report`, which masks every secret the inputs held.
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
    # Masks secrets in a text (set by write_report). Reporters that cut raw file text
    # into pieces (a code frame's window) mask the whole line first, so no piece of a
    # secret survives the cut; everything written is masked again on the way out.
    mask: Optional[Callable[[str], str]] = None


def reporter(name: str):
    return importlib.import_module(f"vipps_lint.reporters.{FORMATS[name]}")


def write_report(report, output_format: str, stream, options: ReportOptions) -> None:
    """Every report, in every format, is written here: through a stream that masks every
    secret the inputs held (vipps_lint.secrets), so no reporter can leak one."""
    import dataclasses

    from vipps_lint.fixes import annotate
    from vipps_lint.secrets import Masker, MaskingStream

    if output_format == "concise":
        options = dataclasses.replace(options, concise=True)
    module = reporter(output_format)
    needs = module.needs(options) if hasattr(module, "needs") else ()
    annotate(report, [need for need in needs if not _annotated(report, need)])
    masker = Masker(report.secrets)
    # Control characters are escaped in the whole report too (values are escaped already; this
    # is the second line of defence), except where colour needs ESC sequences.
    colored = options.color or (options.color is None and hasattr(stream, "isatty") and stream.isatty())
    masked = MaskingStream(stream, masker, escape=not colored)
    module.render(report, masked, dataclasses.replace(options, mask=masker.mask_text))
    masked.finish()


def _annotated(report, need: str) -> bool:
    if need == "fixable":
        return report.fixable is not None
    # The Spark engine computes replacements on its executors, where the files' text is.
    return need == "replacements" and getattr(report, "replacements_computed", False)


def write_report_file(report, output_format: str, path: str, options: ReportOptions) -> None:
    """`write_report` into a file; Incomplete (exit 2) when it cannot be written."""
    import dataclasses

    from vipps_lint.status import Incomplete

    try:
        with open(path, "w", encoding="utf-8", newline="\n") as stream:
            write_report(report, output_format, stream, dataclasses.replace(options, color=False))
    except OSError as error:
        raise Incomplete(f"{path}: cannot write the {output_format} report: {error.strerror or error}") from None


def write_in_blocks(stream, pieces, block_size: int = 64 * 1024) -> None:
    """The pieces of a report, joined and written a block at a time: every write to the
    (masking) stream has a cost of its own, and a report is many small pieces."""
    block, size = [], 0
    for piece in pieces:
        block.append(piece)
        size += len(piece)
        if size >= block_size:
            stream.write("".join(block))
            block, size = [], 0
    stream.write("".join(block))


def write_errors(report, stream, skip=frozenset()) -> None:
    """The inputs that could not be read, one `file:line:col: what is wrong` line each, masked
    (`skip`: the lines already written)."""
    from vipps_lint.secrets import Masker

    if report.errors:
        masker = Masker(report.secrets)
        for error in report.errors:
            if str(error) not in skip:  # (the lines written already, masked by shape)
                stream.write(error.line_masked(masker) + "\n")
        stream.flush()


def relative_to_cwd(file: str) -> Optional[str]:
    """The input's path relative to the working directory (CI's checkout), '/'-separated,
    or None when it lies outside it (or is stdin)."""
    import os

    if file == "-":
        return None
    relative = os.path.relpath(os.path.abspath(file))
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return None
    return relative.replace(os.sep, "/")
