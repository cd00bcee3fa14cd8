"""Stage 1: turn inputs (files, directories, stdin) into `Request` values.

One module per dump format, registered in `READERS` (format name → module). Each reader
module defines:

- `NAME`: the format name used by `--input-format` (e.g. "json", "har"), its key in `READERS`.
- `TRAITS`: a `ReaderTraits` saying what its requests support (fixes in place, `{{variables}}`,
  positions), so later stages never test format names.
- `PATTERNS`: file-name globs picked up when a directory is walked.
- `SNIFFED_PATTERNS` (optional): globs picked up only when `sniff` says yes (`*.sh`: only
  shell scripts that hold curl commands), so walking a repository lints no random files.
- `sniff(head: str, path: str | None) -> bool`: does this text (the first few KiB) look
  like this format? Readers are asked in `READERS` order; the first yes wins.
- `read(source: SourceFile, options: ReadOptions) -> Iterator[Request | InputError]`.
  A reader never raises for bad input: it yields an `InputError` (file, line, column,
  what is wrong) and carries on with the rest of the file where it can.

- `sections(source, count) -> list[Section]` (optional): for a line-based format, cut a
  large file into about `count` runs of whole lines; `read` then reads only
  `source.section` when it is set. `--jobs` workers lint the sections of one large log in
  parallel, and the pipeline numbers their requests on as if one reader had read the file.

A file named explicitly that no reader sniffs goes to the first reader whose
`SNIFFED_PATTERNS` match its name (an `openapi.yaml` that is not OpenAPI is told so), else
to the bare-body reader, which says what is wrong.

To add a format, write the module and add it to `READERS` (CONTRIBUTING.md has an example).
"""

from __future__ import annotations

import fnmatch
import importlib
import os
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Iterable, Iterator, Optional, Union

from vipps_lint.safe_io import (
    MAX_FILE_BYTES,
    MAX_STDIN_BYTES,
    open_regular,
    read_limited,
    read_stream_limited,
    regular_file_problem,
)

if TYPE_CHECKING:
    from vipps_lint.models import InputError, Request, SourceFile
# (vipps_lint.models is imported where an error or a source is made: `vipps-lint --version`
# reads READERS for its choices and needs nothing else of the package.)

# Format name (`--input-format`) → reader module. Sniffed in this order, so most specific
# first: a Postman collection or a HAR file is also JSON.
READERS = {
    "openapi": "openapi_doc",
    "har": "har",
    "postman": "postman",
    "ndjson": "ndjson",
    "curl": "curl",
    "http": "http_file",
    "json": "json_body",
}

SNIFF_BYTES = 8192

# Directories never worth walking into.
SKIPPED_DIRECTORIES = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}


@dataclass
class ReadOptions:
    input_format: Optional[str] = None  # force a reader instead of sniffing
    postman_env: Optional[str] = None  # an exported Postman environment
    max_body_bytes: int = 10 * 1024 * 1024
    # OpenAPI $refs and curl's -d @file may name files outside the input's folder (--allow-outside-files).
    allow_outside_files: bool = False
    extra: dict = field(default_factory=dict)


@cache
def reader_module(name: str):
    """The reader of a format name (`--input-format`)."""
    return importlib.import_module(f"vipps_lint.sources.{READERS[name]}")


def format_names() -> list[str]:
    return list(READERS)


def reader_traits(name: str):
    """What the reader of a format name declares (`ReaderTraits`)."""
    return reader_module(name).TRAITS


def walk(directory: str, errors: Optional[list] = None, keep=None) -> Iterator[str]:
    """The files below `directory` that some reader takes, in a stable order.

    A subdirectory that cannot be listed, and an entry that some reader would take but that
    is no regular file (a FIFO, a device), are not skipped silently: each is an InputError
    appended to `errors` (when given) as the walk reaches it.

    `keep(path, is_dir)` (vipps_lint.selection: excludes, .gitignore) may leave out files and
    whole directories; without it, the directories in SKIPPED_DIRECTORIES are left out.
    """
    from vipps_lint.models import InputError

    modules = [reader_module(name) for name in READERS]
    # All readers' globs as one regex: a directory of 10,000 bodies is matched 10,000 times.
    taken = re.compile(
        "|".join(fnmatch.translate(os.path.normcase(pattern)) for module in modules for pattern in module.PATTERNS)
    )
    sniffed = [(pattern, module) for module in modules for pattern in getattr(module, "SNIFFED_PATTERNS", ())]

    def unreadable(error: OSError) -> None:
        if errors is not None:
            where = _shown(error.filename or directory)
            errors.append(InputError(where, f"cannot read directory: {error.strerror or error}"))

    for root, dirs, files in os.walk(directory, onerror=unreadable):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and (keep(os.path.join(root, d), True) if keep is not None else d not in SKIPPED_DIRECTORIES)
        )
        for filename in sorted(files):
            path = os.path.join(root, filename)
            if not (
                taken.match(os.path.normcase(filename))
                or any(fnmatch.fnmatch(filename, pattern) for pattern, _ in sniffed)
            ):
                continue
            if keep is not None and not keep(path, False):
                continue
            problem = regular_file_problem(path)
            if problem:
                if errors is not None:
                    errors.append(InputError(_shown(path), problem))
            elif taken.match(os.path.normcase(filename)) or any(
                fnmatch.fnmatch(filename, pattern) and _sniffs(module, path) for pattern, module in sniffed
            ):
                yield path


def _sniffs(module, path: str) -> bool:
    from vipps_lint.models import SourceFile

    head = read_head(SourceFile(path, path))
    return isinstance(head, bytes) and module.sniff(head.decode("utf-8", errors="replace").lstrip("\ufeff"), None)


def expand_paths(paths: Iterable[str], keep=None) -> Iterator[Union[SourceFile, InputError]]:
    """Each named file, each matching file below each named directory (`keep`: see `walk`),
    and stdin for '-'."""
    from vipps_lint.models import InputError, SourceFile

    for path in paths:
        if path == "-":
            try:
                data = read_stream_limited(sys.stdin.buffer, MAX_STDIN_BYTES)
            except OSError as error:
                yield InputError("-", f"cannot read: {error.strerror or error}")
                continue
            yield SourceFile("-", None, data)  # bytes: decoded by the reader like a file
        elif os.path.isdir(path):
            errors: list[InputError] = []
            for found in walk(path, errors, keep):
                yield from errors
                errors.clear()
                yield SourceFile(_shown(found), found)
            yield from errors
        elif os.path.exists(path):
            problem = regular_file_problem(path)
            yield InputError(path, problem) if problem else SourceFile(_shown(path), path)
        else:
            yield InputError(path, "no such file or directory")


def _shown(path: str) -> str:
    """`check .` shows fixtures/a.json, not ./fixtures/a.json: as the user would type it."""
    return path[2:] if path.startswith("." + os.sep) and len(path) > 2 else path


def read_head(source: SourceFile) -> Union[bytes, InputError]:
    if isinstance(source.text, (bytes, str)):
        head = source.text[:SNIFF_BYTES]
        return head.encode() if isinstance(head, str) else head
    try:
        with open_regular(source.path) as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as error:
        from vipps_lint.models import InputError

        return InputError(source.display, f"cannot read: {error.strerror or error}")
    if len(head) < SNIFF_BYTES:
        source.prefetched = head  # the whole file: its reader need not open it again
    return head


def choose_reader(source: SourceFile, options: ReadOptions):
    """The reader module for a source, or an InputError saying why there is none."""
    if options.input_format:
        if options.input_format in READERS:
            return reader_module(options.input_format)
        from vipps_lint.models import InputError

        return InputError(source.display, f"unknown input format '{options.input_format}'")
    head = read_head(source)
    if not isinstance(head, bytes):  # an InputError
        return head
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    for name in READERS:
        module = reader_module(name)
        if module.sniff(text, source.path):
            return module
    filename = os.path.basename(source.path or "")
    for name in READERS:
        module = reader_module(name)
        if any(fnmatch.fnmatch(filename, pattern) for pattern in getattr(module, "SNIFFED_PATTERNS", ())):
            return module  # named explicitly: it explains why the file is not its format
    return reader_module("json")  # the bare-body reader explains what is wrong


def read_source(source: SourceFile, options: ReadOptions) -> Iterator[Union[Request, InputError]]:
    reader = choose_reader(source, options)
    if not hasattr(reader, "read"):  # an InputError: no reader
        yield reader
        return
    yield from reader.read(source, options)


def decode_text(source: SourceFile, data: bytes) -> Union[str, InputError]:
    """Input bytes as text: UTF-8 (a BOM is allowed and dropped); binary and bad UTF-8 are errors."""
    if b"\x00" in data[:SNIFF_BYTES]:
        from vipps_lint.models import InputError

        return InputError(source.display, "binary file (contains NUL bytes), not a JSON request or dump", 1, 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        from vipps_lint.models import InputError

        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return InputError(
            source.display, f"invalid UTF-8: byte 0x{data[error.start]:02x} cannot be decoded", line, column
        )
    return text[1:] if text.startswith("\ufeff") else text


def read_all_text(source: SourceFile) -> Union[str, InputError]:
    """The whole input as text (for readers that need it all)."""
    if isinstance(source.text, str):
        return source.text
    if isinstance(source.text, bytes):
        data = source.text
    elif source.prefetched is not None:
        data, source.prefetched = source.prefetched, None
    else:
        try:
            data = read_limited(source.path, MAX_FILE_BYTES)
        except OSError as error:
            from vipps_lint.models import InputError

            return InputError(source.display, f"cannot read: {error.strerror or error}")
    text = decode_text(source, data)
    if isinstance(text, str) and source.path is None:
        source.text = text  # stdin cannot be read again for code frames
    return text
