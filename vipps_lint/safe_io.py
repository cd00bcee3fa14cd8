"""Reading files vipps-lint did not write: only regular files, never more than a limit.

Every file vipps-lint reads — inputs, walked entries, `$ref` targets, `curl -d @file`,
`--baseline`, `--config`, `--spec`, `--postman-env`, rule files — goes through `open_regular`
or `read_limited`. A FIFO would block the run forever and `/dev/zero` would fill memory, so a
path is opened without blocking (`O_NONBLOCK`: opening a FIFO with no writer returns at
once) and refused unless `fstat` says it is a regular file; then at most `limit + 1` bytes
are read, so a file over the limit costs one read of the limit, never the whole file.

docs/security.md lists the limits; tests/hardening/test_files.py tests them.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO, Optional

MIB = 1024 * 1024
# A file read whole (a JSON body, a Postman collection, a curl script, an OpenAPI document).
MAX_FILE_BYTES = 64 * MIB
# Configuration, baselines, rule files, Postman environments: small by nature.
MAX_SETTINGS_BYTES = 16 * MIB
# Standard input is read whole (it cannot be read twice); a log piped in may be large.
MAX_STDIN_BYTES = 256 * MIB


class UnsafeFile(OSError):
    """A file that is not read: not a regular file, or larger than the limit.

    An OSError, so every `except OSError` that already turns a read failure into an
    `InputError` reports it the same way; `strerror` is the message.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.strerror = message


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def not_regular(mode: int) -> Optional[str]:
    """Why a file of this mode is not read (None: a regular file)."""
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"{kind}, not a regular file; only regular files are read"


def regular_file_problem(path: str) -> Optional[str]:
    """Why `path` would not be read, without opening it (None: a regular file, or a path whose
    problem opening it will tell)."""
    try:
        return not_regular(os.stat(path).st_mode)
    except (OSError, ValueError):
        return None


def too_large(size: int, limit: int) -> str:
    return f"{size / MIB:.1f} MiB is over the {limit / MIB:.0f} MiB limit; not read"


def open_regular(path: str) -> BinaryIO:
    """The file opened for binary reading, if it is a regular file (else UnsafeFile)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except ValueError as error:  # a NUL byte in the name
        raise UnsafeFile(f"cannot open: {error}") from None
    try:
        problem = not_regular(os.fstat(descriptor).st_mode)
        if problem:
            raise UnsafeFile(problem)
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_limited(path: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The whole regular file, or UnsafeFile when it is not one or is over `limit` bytes."""
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise UnsafeFile(too_large(size, limit))
        data = handle.read(limit + 1)  # the file may have grown since fstat
    if len(data) > limit:
        raise UnsafeFile(too_large(len(data), limit))
    return data


def read_limited_text(path: str, limit: int = MAX_FILE_BYTES, encoding: str = "utf-8-sig") -> str:
    """As `read_limited`, decoded (UnicodeDecodeError for bad text, as `open().read()` raises)."""
    return read_limited(path, limit).decode(encoding)


def read_stream_limited(stream: BinaryIO, limit: int = MAX_FILE_BYTES, what: str = "standard input") -> bytes:
    """At most `limit` bytes of a stream (standard input), else UnsafeFile."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UnsafeFile(f"{what} is over the {limit / MIB:.0f} MiB limit; not read")
    return data


def read_line_limited(handle: BinaryIO, limit: int):
    """Lines of a binary file, each read with at most `limit + 1` bytes in memory: a line over
    the limit is yielded as a `LongLine` (its length), and the rest of it is skipped in blocks."""
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        import codecs  # only for a line over the limit

        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        length, characters = len(line), len(decoder.decode(line))
        while not line.endswith(b"\n"):
            line = handle.readline(MIB)
            if not line:
                break
            length += len(line)
            characters += len(decoder.decode(line))
        yield LongLine(length, characters + len(decoder.decode(b"", final=True)))


class LongLine:
    """A line over the limit: its length in bytes and in decoded characters, not its text."""

    def __init__(self, length: int, characters: int):
        self.length = length
        self.characters = characters


def outside_problem(path: str, root: str, allowed: bool) -> Optional[str]:
    """Why `path` (named inside a file in `root`) is not read: an absolute path, or one whose
    real location (symbolic links followed) is outside `root`'s tree. None when it is inside,
    or when reading outside is `allowed` (--allow-outside-files)."""
    if allowed:
        return None
    if os.path.isabs(path):
        return "an absolute path; files outside the input's folder are read only with --allow-outside-files"
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(root, path))
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        return "outside the input's folder; files there are read only with --allow-outside-files"
    return None
