"""NDJSON request logs: one JSON object per line, one request per object.

What a line may hold (names are matched as written here; the first one present wins):

- the request at the top level, or under `"request"` (`{"request": {...}, "response": {...}}`);
- `method` (or `verb`), and `url` (or `uri`; a bare path such as `/ecomm/v2/payments` is
  fine — routing matches paths on any host);
- `headers`: an object (`{"Authorization": "Bearer …"}`, a value may be a list of values),
  or a list of `[name, value]` pairs or of `{"name": …, "value": …}` objects (`key` works
  for `name`);
- `body` (or `requestBody`, `payload`): a JSON value, or a string holding JSON;
  `null` or `""` means no body;
- the response: `"response": {"status", "headers", "body"}` (`statusCode`/`status_code`
  work for `status`; `content` for `body`), or a top-level `status` (`statusCode`,
  `status_code`, `responseStatus`) with the response body in `responseBody`/
  `response_body`, or in `response`. A `response` object is the body, not the
  `{status, headers, body}` wrapper, when it has no `body`/`headers`/`content` and either
  has an error body's keys (`title`, `detail`, `type`, `traceId`, `errors`… — an RFC 7807
  problem has a `status` too), repeats the top-level status, or has keys a wrapper does
  not (see `_is_envelope`).

Blank lines are skipped. A line that is not JSON, or not a request, is one `InputError`
(`file:line:col: …`) and the rest of the file is still read.

Positions: a request's position is its line; a body value's position is found in the line
(inside the string literal when the body was logged as a string), a header's at its value
(a missing header: at the headers that lack it).

Streamed: the file is read line by line and no file text is kept, so memory does not grow
with the log (code frames re-read the lines they show). `meta.body_span` holds offsets
into the decoded file text, counted as the file streams by.
"""

from __future__ import annotations

import codecs
import io
import json
import os
from functools import lru_cache
from typing import Any, Iterable, Iterator, Optional, Union

from vipps_lint import strict_json
from vipps_lint.models import (
    NO_BODY,
    BodyText,
    InputError,
    Position,
    ReaderTraits,
    Request,
    RequestMeta,
    Response,
    Section,
    SourceFile,
)
from vipps_lint.positions import (
    JsonStringLocator,
    PointerIndex,
    offset_position,
    pointer_from_parts,
    pointer_offset,
    skip_value,
)
from vipps_lint.safe_io import LongLine, open_regular, read_line_limited
from vipps_lint.sources import ReadOptions
from vipps_lint.sources.timestamps import first_time

NAME = "ndjson"
TRAITS = ReaderTraits(NAME)
PATTERNS = ("*.ndjson", "*.jsonl")

_METHOD_KEYS = ("method", "verb")
_URL_KEYS = ("url", "uri")
_BODY_KEYS = ("body", "requestBody", "payload")
_STATUS_KEYS = ("status", "statusCode", "status_code", "responseStatus")
_RESPONSE_BODY_KEYS = ("responseBody", "response_body")
# A logged response object with one of these is the response, not its body.
_ENVELOPE_PARTS = ("body", "headers", "content")
# What else a logged response (not its body) may hold.
_ENVELOPE_KEYS = frozenset(
    _STATUS_KEYS
    + _ENVELOPE_PARTS
    + ("statusText", "status_text", "statusMessage", "reason", "duration", "durationMs", "elapsed", "time")
)
# Keys of error bodies: RFC 7807 problems (ePayment, Recurring v3, Checkout…) and others.
_PROBLEM_KEYS = (
    "title",
    "detail",
    "type",
    "instance",
    "traceId",
    "errors",
    "extraDetails",
    "message",
    "error",
    "error_description",
)


def sniff(head: str, path: Optional[str]) -> bool:
    """Two or more lines that each hold one JSON object with a method or URL; or a `.ndjson` name."""
    if path is not None and path.endswith((".ndjson", ".jsonl")):
        return True
    first_line, _, rest = head.lstrip().partition("\n")
    # An indented JSON document starts with a line that is not a whole object: no need to parse it.
    if not first_line.startswith("{") or not first_line.rstrip().endswith("}") or not rest.strip():
        return False
    try:
        first = strict_json.loads(first_line)
    except ValueError:
        return False
    request = first.get("request") if isinstance(first.get("request"), dict) else first
    return isinstance(request, dict) and any(key in request for key in _METHOD_KEYS + _URL_KEYS)


def _first(mapping: dict, keys: tuple[str, ...]) -> tuple[Optional[str], Any]:
    for key in keys:
        if key in mapping:
            return key, mapping[key]
    return None, None


@lru_cache(maxsize=64)
def _key_pointer(keys: tuple) -> str:
    """The pointer of a body or response key: one of the few names in this module, so remembered."""
    return pointer_from_parts(list(keys))


def _headers(value: Any) -> Union[list[tuple[str, str]], str]:
    """The header list, or what is wrong with the logged headers."""
    return _header_entries(value, None)


def _header_path(value: Any, name: str) -> list:
    """Where in the logged headers the first value of header `name` sits (for a finding's position)."""
    paths: dict[str, list] = {}
    _header_entries(value, paths)
    return paths.get(name.lower(), [])


_TEXT = {str}


def _header_entries(value: Any, paths: Optional[dict]) -> Union[list[tuple[str, str]], str]:
    """The header list; fills `paths` (lowercased name → path of its first value) when it is not None."""
    if value is None:
        return []
    if isinstance(value, dict):
        if paths is None and set(map(type, value.values())) <= _TEXT:
            return list(value.items())  # every value a string, as most logs write them
        headers = []
        for name, item in value.items():
            if isinstance(item, list):
                for index, single in enumerate(item):
                    headers.append((name, "" if single is None else str(single)))
                    if paths is not None:
                        paths.setdefault(name.lower(), [name, index])
            else:
                headers.append((name, item if type(item) is str else "" if item is None else str(item)))
                if paths is not None:
                    paths.setdefault(name.lower(), [name])
        return headers
    if isinstance(value, list):
        headers = []
        for index, item in enumerate(value):
            if isinstance(item, (list, tuple)) and len(item) == 2:
                name, single, path = item[0], item[1], [index, 1]
            elif isinstance(item, dict) and ("name" in item or "key" in item):
                name, single, path = item.get("name", item.get("key")), item.get("value"), [index, "value"]
            else:
                return f"headers[{index}] is not a [name, value] pair or a {{name, value}} object"
            name = str(name)
            headers.append((name, "" if single is None else str(single)))
            if paths is not None:
                paths.setdefault(name.lower(), path)
        return headers
    return "headers must be an object or a list of [name, value] pairs"


class NdjsonLocator:
    """Positions inside one line of the log; the line is kept only while a request with
    findings is. Each finding's position is computed once, when it is made (a header's path
    in the logged headers only then too); the line is scanned once, at the first finding
    (and a body written as a string, decoded once)."""

    def __init__(
        self,
        line: str,
        line_number: int,
        request_pointer: list,
        logged_headers: Any,
        body_pointer: Optional[str],
        response_body_pointer: Optional[str],
    ):
        self.line = line
        self.line_number = line_number
        self.request_pointer = request_pointer
        self.logged_headers = logged_headers
        self.body_pointer = body_pointer
        self.response_body_pointer = response_body_pointer
        self._index: Optional[PointerIndex] = None
        self._string_bodies: dict[int, JsonStringLocator] = {}

    def _at(self, offset: Optional[int]) -> Optional[Position]:
        return None if offset is None else offset_position(self.line, offset, self.line_number)

    def _offset(self, pointer: str) -> Optional[int]:
        if self._index is None:
            self._index = PointerIndex(self.line)
        return self._index.offset(pointer)

    def locate(self, part: str, key: Optional[str]) -> Optional[Position]:
        if part == "header" and key is not None:
            # A missing header is shown at the headers that lack it.
            pointer = pointer_from_parts(self.request_pointer + ["headers"] + _header_path(self.logged_headers, key))
            return self._at(self._offset(pointer))
        if part == "url":
            return self._at(self._offset(pointer_from_parts(self.request_pointer + ["url"])))
        pointer = self.body_pointer if part == "body" else self.response_body_pointer if part == "response" else None
        if pointer is None or key is None:
            return None
        start = self._offset(pointer)
        if start is None:
            return None
        if self.line[start] == '"':
            string_body = self._string_bodies.get(start)
            if string_body is None:
                string_body = self._string_bodies[start] = JsonStringLocator(self.line, start, self.line_number)
            return string_body.locate("body", key)
        return self._at(self._index.nearest(key, start))


def _body(value: Any) -> tuple[Any, Optional[str], Optional[str]]:
    """(parsed body or NO_BODY, the body's text when it was a string, what is wrong)."""
    if value is None or value == "":
        return NO_BODY, None, None
    if isinstance(value, str):
        try:
            return strict_json.loads(value), value, None
        except ValueError as error:
            return NO_BODY, value, f"body is a string but not JSON: {getattr(error, 'msg', error)}"
    return value, None, None


def _is_envelope(logged: dict, top: dict) -> bool:
    """Is a `response` object the logged response (`{status, headers, body}`), or the
    response *body* — an RFC 7807 problem also has a `status`?

    An envelope has `body`, `headers` or `content`, or nothing but a status and other
    envelope keys (`statusText`…). A body has a problem's keys (`title`, `detail`, `type`,
    `traceId`, `errors`…), or repeats the status the line gives at the top level.
    """
    if any(key in logged for key in _ENVELOPE_PARTS):
        return True
    key, status = _first(logged, _STATUS_KEYS)
    if key is None or any(name in logged for name in _PROBLEM_KEYS):
        return False
    _, top_status = _first(top, _STATUS_KEYS)
    if top_status is not None and str(top_status) == str(status):
        return False
    return all(name in _ENVELOPE_KEYS for name in logged)


def _response(top: dict, entry: dict) -> tuple[Optional[Response], Optional[str]]:
    """The logged response, if any, and the JSON Pointer of its body in the line."""
    logged = top.get("response")
    if isinstance(logged, dict) and _is_envelope(logged, top):
        _, status = _first(logged, _STATUS_KEYS)
        headers = _headers(logged.get("headers"))
        if isinstance(headers, str):
            headers = []
        if "body" in logged:
            body_pointer, raw_body = "/response/body", logged.get("body")
        elif (
            isinstance(logged.get("content"), dict) and "text" in logged["content"]
        ):  # HAR-like {"content": {"text": …}}
            body_pointer, raw_body = "/response/content/text", logged["content"]["text"]
        elif "content" in logged and not isinstance(logged["content"], dict):
            body_pointer, raw_body = "/response/content", logged["content"]
        else:
            body_pointer, raw_body = None, None
    else:
        _, status = _first(top, _STATUS_KEYS)
        if status is None:
            _, status = _first(entry, _STATUS_KEYS)
        headers = None
        key, raw_body = _first(top, _RESPONSE_BODY_KEYS)
        body_pointer = _key_pointer((key,)) if key is not None else None
        if key is None and logged is not None:
            body_pointer, raw_body = "/response", logged
            if status is None and isinstance(logged, dict) and isinstance(logged.get("status"), int):
                status = logged["status"]  # an RFC 7807 body's status is the response's
    body, text, _ = _body(raw_body)
    if status is None and body is NO_BODY:
        return None, None
    try:
        status = int(status) if status is not None else None
    except (TypeError, ValueError):
        status = None
    return Response(
        status=status, headers=headers or [], body=body, body_text=text
    ), body_pointer if body is not NO_BODY else None


def parse_line(
    source: SourceFile, line: str, line_number: int, index: int, line_offset: int
) -> Union[Request, InputError, None]:
    """The request one log line holds (None for a blank line)."""
    line = line.rstrip("\r\n")
    if not line.strip():
        return None
    indent = len(line) - len(line.lstrip())
    try:
        top = strict_json.loads(line)
    except json.JSONDecodeError as error:
        return InputError(source.display, strict_json.problem(error.msg), line_number, error.colno)
    except RecursionError:
        return InputError(source.display, strict_json.TOO_DEEP, line_number, indent + 1)
    if not isinstance(top, dict):
        return InputError(
            source.display,
            "expected a JSON object with method, url, headers and body on this line",
            line_number,
            indent + 1,
        )
    entry, entry_parts = (top["request"], ["request"]) if isinstance(top.get("request"), dict) else (top, [])
    _, method = _first(entry, _METHOD_KEYS)
    _, url = _first(entry, _URL_KEYS)
    if not method and not url:
        return InputError(
            source.display, "no method or url: expected one request object per line", line_number, indent + 1
        )
    headers = _headers(entry.get("headers"))
    if isinstance(headers, str):
        return InputError(source.display, headers, line_number, indent + 1)
    body_key, raw_body = _first(entry, _BODY_KEYS)
    body, body_text, problem = _body(raw_body)
    body_pointer = _key_pointer((*entry_parts, body_key)) if body_key is not None else None
    if problem is not None:
        offset = pointer_offset(line, body_pointer) if body_pointer else None
        return InputError(source.display, problem, line_number, (offset or indent) + 1)
    response, response_body_pointer = _response(top, entry)
    request = Request(
        source=source,
        index=index,
        method=str(method).upper() if method else None,
        url=str(url) if url else None,
        headers=headers,
        body=body,
        position=Position(line_number, indent + 1),
        response=response,
        # A line without a headers field says nothing about them: header rules are not run on it.
        meta=RequestMeta(TRAITS, line=line_number, headers_recorded=entry.get("headers") is not None),
    )
    sent = first_time(top) if entry is top else first_time(top) or first_time(entry)
    if sent is not None:
        request.meta.time = sent  # for the HTML report's timeline
    request.locator = NdjsonLocator(
        line,
        line_number,
        entry_parts,
        entry.get("headers"),
        body_pointer if body is not NO_BODY else None,
        response_body_pointer,
    )
    if body is not NO_BODY and body_pointer is not None:
        # Finding the body in the line costs four times its parsing; only --fix needs it.
        request.meta.defer_body(lambda: _body_place(line, line_offset, body_pointer, body_text))
    return request


def _body_place(line: str, line_offset: int, body_pointer: str, body_text: Optional[str]) -> Optional[BodyText]:
    start = pointer_offset(line, body_pointer)
    if start is None:
        return None
    end = skip_value(line, start)
    return BodyText(
        body_text if body_text is not None else line[start:end],
        (line_offset + start, line_offset + end),
        "json-string" if body_text is not None else "raw",
    )


def sections(source: SourceFile, count: int) -> list[Section]:
    """About `count` runs of whole lines, with the line and character they start at.

    One pass over the file counts lines and decoded characters (constant memory).
    """
    size = os.path.getsize(source.path)
    boundaries = [0]
    with open(source.path, "rb") as handle:
        for part in range(1, count):
            handle.seek(max(size * part // count, boundaries[-1]))
            while True:  # on to the start of the next whole line, 1 MiB at a time (a line may be huge)
                block = handle.readline(1 << 20)
                if not block or block.endswith(b"\n"):
                    break
            if boundaries[-1] < handle.tell() < size:
                boundaries.append(handle.tell())
        boundaries.append(size)
        handle.seek(0)
        # utf-8-sig: a BOM is not part of the text that offsets count (see `read`).
        decoder = codecs.getincrementaldecoder("utf-8-sig")("replace")
        found, line, offset = [], 1, 0
        for start, end in zip(boundaries, boundaries[1:]):
            found.append(Section(start, end, line, offset))
            remaining = end - start
            while remaining:
                block = handle.read(min(1 << 20, remaining))
                if not block:
                    break
                remaining -= len(block)
                line += block.count(b"\n")
                offset += len(decoder.decode(block))
    return found


def _too_long(source: SourceFile, length: int, options: ReadOptions, line_number: int) -> InputError:
    return InputError(
        source.display,
        f"line is {length / 1024 / 1024:.1f} MiB; requests over "
        f"{options.max_body_bytes / 1024 / 1024:.0f} MiB are not linted",
        line_number,
        1,
    )


def _lines(source: SourceFile, limit: int) -> Iterator[Union[bytes, LongLine]]:
    """The file's lines; a line over `limit` bytes is a LongLine, never read into memory whole."""
    if source.section is not None:
        with open_regular(source.path) as handle:
            handle.seek(source.section.start)
            position = source.section.start
            for raw in read_line_limited(handle, limit):
                if position >= source.section.end:
                    return
                position += raw.length if isinstance(raw, LongLine) else len(raw)
                yield raw
        return
    if source.prefetched is not None:  # a small log: sniffing read all of it
        data, source.prefetched = source.prefetched, None
        yield from io.BytesIO(data)  # lines end at \n only, as when the file is read line by line
        return
    if isinstance(source.text, (bytes, str)):  # stdin, already in memory
        data = source.text.encode() if isinstance(source.text, str) else source.text
        # Code frames need it as text: stdin cannot be read again.
        source.text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
        yield from data.splitlines(keepends=True)
        return
    with open_regular(source.path) as handle:
        yield from read_line_limited(handle, limit)


def read(source: SourceFile, options: ReadOptions) -> Iterator[Union[Request, InputError]]:
    # A section's requests are numbered from 0; the pipeline numbers them on across sections.
    offset, first_line = 0, 1
    if source.section is not None:
        offset, first_line = source.section.first_offset, source.section.first_line
    yield from read_lines(source, _lines(source, options.max_body_bytes), options, first_line, offset)


def read_lines(
    source: SourceFile,
    raw_lines: Iterable[Union[bytes, LongLine]],
    options: ReadOptions,
    first_line: int = 1,
    offset: int = 0,
    at_file_start: Optional[bool] = None,
) -> Iterator[Union[Request, InputError]]:
    """The requests of a run of whole lines (bytes, each ending in "\n" but perhaps the file's
    last) that starts at line `first_line` and character `offset` of the file (`at_file_start`:
    whether that is the file's start, where a BOM is dropped; by default when `first_line` is 1);
    numbered from 0. `read` gives it the file's lines; the Spark engine (vipps_lint.spark) the
    lines of one split of a log, numbered from 1 and renumbered later."""
    index = 0
    if at_file_start is None:
        at_file_start = first_line == 1
    try:
        for line_number, raw in enumerate(raw_lines, start=first_line):
            source.consumed += raw.length if isinstance(raw, LongLine) else len(raw)  # for the progress display
            if isinstance(raw, LongLine):
                yield _too_long(source, raw.length, options, line_number)
                offset += raw.characters
                continue
            if at_file_start and line_number == first_line and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                yield InputError(
                    source.display,
                    f"invalid UTF-8: byte 0x{raw[error.start]:02x} cannot be decoded",
                    line_number,
                    error.start + 1,
                )
                offset += len(raw.decode("utf-8", errors="replace"))
                continue
            if len(raw) > options.max_body_bytes:
                yield _too_long(source, len(raw), options, line_number)
            elif "\x00" in line:
                yield InputError(
                    source.display,
                    "binary data (NUL bytes) on this line, not a JSON request",
                    line_number,
                    line.index("\x00") + 1,
                )
            else:
                item = parse_line(source, line, line_number, index, offset)
                if item is not None:
                    yield item
                    if isinstance(item, Request):
                        index += 1
            offset += len(line)
    except OSError as error:
        yield InputError(source.display, f"cannot read: {error.strerror or error}")
