"""HAR 1.2 files: what browser devtools (Chrome, Firefox), mitmproxy, Charles and
Playwright save as "HTTP Archive".

Read from each `log.entries[]`: `request.method`, `url`, `headers` (HTTP/2 pseudo-headers
such as `:authority` are left out), the body from `request.postData.text` (also when
`encoding` is `base64`) or the form `params`, and the `response` (status, headers,
`content.text`, parsed when it is JSON). A request's name is its page's title
(`pageref` → `log.pages[].title`).

Positions: a request is at the line of its entry; a body finding points into the
`postData.text` string, mapped from the decoded body back to the escaped text in the file.

Memory: a browser session can hold tens of thousands of entries, so the file is never
parsed as one tree, nor held whole. It is decoded a piece at a time, and the entries array
is walked through that window: each entry is parsed on its own, linted, and dropped with
the text before it. A request keeps only its own entry's text, to place its findings.

Bad input (yielded as `InputError`, the other entries still read): a file that is not
HAR, a truncated file, an entry without `request`, a JSON body that does not parse, a
binary or gzip-compressed body sent as JSON.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
from typing import Any, Iterator, Optional, Union

from vipps_lint import strict_json
from vipps_lint.lazy_re import lazy_compile
from vipps_lint.models import NO_BODY, InputError, Position, ReaderTraits, Request, RequestMeta, Response, SourceFile
from vipps_lint.positions import (
    AnchoredRequestLocator,
    ScanError,
    decode_string_literal,
    object_members,
    pointer_offset,
    position_after,
    skip_value,
    value_span,
)
from vipps_lint.safe_io import MAX_FILE_BYTES, MIB, open_regular
from vipps_lint.sources import SNIFF_BYTES, ReadOptions, read_all_text
from vipps_lint.sources.timestamps import parse_time

NAME = "har"
TRAITS = ReaderTraits(
    NAME, not_fixable="the body is base64-encoded or form fields, which --fix does not rewrite; apply the hint by hand"
)
PATTERNS = ("*.har",)

_HAR_START = lazy_compile(r'^\s*\{\s*"log"\s*:\s*\{')


def sniff(head: str, path: Optional[str]) -> bool:
    return bool(_HAR_START.match(head)) or (
        path is not None and path.lower().endswith(".har") and head.lstrip().startswith("{")
    )


def read(source: SourceFile, options: ReadOptions) -> Iterator[Union[Request, InputError]]:
    window = _open(source)
    if isinstance(window, InputError):
        yield window
        return
    while True:
        try:
            pages, entries_start = _find_pages_and_entries(window.text)
        except ScanError as error:
            if window.extend(0):
                continue
            yield _scan_error(source, window, error, "not a HAR file")
            return
        # No entries yet may only mean that the window ends before them (right after `"log":`).
        if entries_start is not None or not window.extend(0):
            break
    if entries_start is None:
        yield InputError(source.display, 'not a HAR file: no "log.entries" array', 1, 1)
        return
    titles = _page_titles(pages)
    try:
        for index, (start, end, entry) in enumerate(_entries(window, entries_start)):
            yield from _read_entry(source, window, index, start, end, entry, titles, options)
    except ScanError as error:
        yield _scan_error(source, window, error, "invalid HAR")


# Bytes read at a time: the window over the file holds a few pieces of this size, and the
# entry being read.
READ_SIZE = 1 << 20


class _Window:
    """A file's text, decoded a piece at a time. `text` holds the part not yet behind the
    reader; `offset` (in the whole text) and `start_position` place it in the file."""

    def __init__(self, pieces: Iterator[str]):
        self._pieces = pieces
        self.text = next(pieces, "")
        self.offset = 0
        self.start_position = Position(1, 1)
        # The last position asked for: offsets are asked for in file order, so each newline is counted once.
        self._anchor, self._anchor_position = 0, self.start_position

    def position(self, offset: int) -> Position:
        """The file position of `offset` in `text`."""
        if offset < self._anchor:
            return position_after(self.text, offset, 0, self.start_position)
        self._anchor_position = position_after(self.text, offset, self._anchor, self._anchor_position)
        self._anchor = offset
        return self._anchor_position

    def extend(self, keep_from: int) -> bool:
        """Read more of the file, forgetting the text before `keep_from` (offsets into `text`
        move back by as much). At least as much is read as is kept, so an entry larger than
        a piece is read in a few steps, not one per piece. False at the end of the file."""
        kept = self.text[keep_from:]
        if len(kept) > MAX_FILE_BYTES:  # one entry (or the text before the entries) this large is refused
            raise ScanError(f"one entry is over the {MAX_FILE_BYTES // MIB} MiB limit; not read further", keep_from)
        pieces, wanted = [kept], max(READ_SIZE, len(kept))
        for piece in self._pieces:
            pieces.append(piece)
            wanted -= len(piece)
            if wanted <= 0:
                break
        if len(pieces) == 1:
            return False
        self.start_position = self.position(keep_from)
        self.offset += keep_from
        self.text = "".join(pieces)
        self._anchor, self._anchor_position = 0, self.start_position
        return True


def _open(source: SourceFile) -> Union[_Window, InputError]:
    if (
        source.text is not None
        or source.path is None
        or source.prefetched is not None
        or not _decodes_cleanly(source.path)
    ):
        # In memory already, or not readable as UTF-8: read_all_text says why, as for every reader.
        text = read_all_text(source)
        if isinstance(text, InputError):
            return text
        if source.path is None:
            source.text = text
        return _Window(iter([text]))
    return _Window(_decoded_pieces(source.path))


def _decodes_cleanly(path: str) -> bool:
    """Whether the file is UTF-8 text throughout (checked a piece at a time, before any entry
    is linted, so a file that is not text is one error, as from every reader)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open_regular(path) as handle:
            if b"\x00" in handle.read(SNIFF_BYTES):
                return False
            handle.seek(0)
            for data in iter(lambda: handle.read(READ_SIZE), b""):
                decoder.decode(data)
            decoder.decode(b"", final=True)
    except (OSError, UnicodeDecodeError):
        return False
    return True


def _decoded_pieces(path: str) -> Iterator[str]:
    # "replace" never applies to a file checked by _decodes_cleanly, unless it changes meanwhile.
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    at_start = True
    with open_regular(path) as handle:
        for data in iter(lambda: handle.read(READ_SIZE), b""):
            text = decoder.decode(data)
            if at_start and text:
                text, at_start = text.removeprefix("\ufeff"), False
            if text:
                yield text
        text = decoder.decode(b"", final=True)
        if text:
            yield text.removeprefix("\ufeff") if at_start else text


_WHITESPACE = lazy_compile(r"[ \t\n\r]*")
_DECODER = strict_json.DECODER


def _skip_whitespace(text: str, offset: int) -> int:
    return _WHITESPACE.match(text, offset).end()


def _entries(window: _Window, array_start: int) -> Iterator[tuple[int, int, Any]]:
    """(start, end, entry) for each entry of the array at `array_start`, each parsed on its
    own, offsets into `window.text` as it is while the entry is handled.
    An entry that does not parse (even with the rest of the file read) is yielded as its
    `json.JSONDecodeError`, and the walk stops there."""
    text = window.text
    offset = _skip_whitespace(text, array_start)
    if offset >= len(text) or text[offset] != "[":
        raise ScanError("expected a JSON array", offset)
    offset = _skip_whitespace(text, offset + 1)
    while True:
        text = window.text
        if offset >= len(text):
            if window.extend(offset):
                offset = _skip_whitespace(window.text, 0)
                continue
            raise ScanError("the text ends inside an array (truncated?)", len(text))
        if text[offset] == "]":
            return
        try:
            entry, end = _DECODER.raw_decode(text, offset)
            complete = end < len(text)  # a number at the end of the window may go on in the next piece
        except json.JSONDecodeError as error:
            entry, end, complete = error, None, False
        except RecursionError:
            entry, end, complete = json.JSONDecodeError("nested too deeply", text, offset), None, False
        if not complete and window.extend(offset):
            offset = 0
            continue
        if end is None:
            yield offset, skip_value(text, offset), entry
            return
        yield offset, end, entry
        after = _skip_whitespace(text, end)
        while after >= len(window.text) and window.extend(end):
            end = 0
            after = _skip_whitespace(window.text, end)
        text = window.text
        if after >= len(text):
            raise ScanError("the text ends inside an array (truncated?)", len(text))
        if text[after] == ",":
            offset = _skip_whitespace(text, after + 1)
        elif text[after] != "]":
            raise ScanError("expected ',' or ']'", after)
        else:
            offset = after


def _find_pages_and_entries(text: str) -> tuple[Optional[str], Optional[int]]:
    """The `log.pages` JSON text and where `log.entries` starts, without scanning entries.
    (Every exporter we know writes `pages` before `entries`; pages written after them are
    not read, and requests then have no name.)"""
    for key, start, _ in object_members(text, 0, stop_at="log"):
        if key == "log":
            pages, entries = None, None
            for log_key, value_start, value_end in object_members(text, start, stop_at="entries"):
                if log_key == "pages":
                    pages = text[value_start:value_end]
                elif log_key == "entries":
                    entries = value_start
            return pages, entries
    return None, None


def _page_titles(pages: Optional[str]) -> dict[str, str]:
    try:
        parsed = strict_json.loads(pages) if pages else []
    except json.JSONDecodeError:
        return {}
    return {
        page["id"]: page.get("title")
        for page in parsed
        if isinstance(page, dict) and "id" in page and page.get("title")
    }


def _scan_error(source: SourceFile, window: _Window, error: ScanError, what: str) -> InputError:
    position = window.position(min(error.offset, len(window.text)))
    return InputError(source.display, f"{what}: {error}", position.line, position.column)


def _describe(index: int, request: dict) -> str:
    # `index` counts from 0 (Request.index); people count entries from 1.
    index += 1
    url = str(request.get("url") or "").split("?", 1)[0]
    method = request.get("method") or ""
    return f"entry {index} ({method} {url})".replace(" )", ")") if url or method else f"entry {index}"


def _read_entry(source, window, index, start, end, entry, titles, options) -> Iterator[Union[Request, InputError]]:
    position = window.position(start)
    if isinstance(entry, json.JSONDecodeError):
        if end >= len(window.text):
            yield InputError(
                source.display,
                f"entry {index + 1} is cut off: the file ends inside it (truncated HAR?)",
                position.line,
                position.column,
            )
        else:
            where = position_after(window.text, entry.pos, start, position)
            yield InputError(
                source.display, f"entry {index + 1}: {strict_json.problem(entry.msg)}", where.line, where.column
            )
        return
    request = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(request, dict):
        yield InputError(
            source.display,
            f'entry {index + 1} has no "request" object, so it cannot be linted',
            position.line,
            position.column,
        )
        return
    if not isinstance(request.get("url"), str) or not request["url"].strip():
        # Without a URL no API call can be told; HAR 1.2 requires request.url.
        yield InputError(
            source.display,
            f'entry {index + 1} has no "request.url" (HAR 1.2 requires it), so it cannot be linted',
            position.line,
            position.column,
        )
        return
    # The window moves on; what places this request's findings is its own entry's text.
    text = window.text[start:end]
    headers = _headers(request.get("headers"))
    post_data = request.get("postData") if isinstance(request.get("postData"), dict) else {}
    body, body_text, problem = _body(post_data, headers, options)
    describe = _describe(index, request)
    if problem is not None:
        where = _body_error_position(text, position, problem)
        yield InputError(source.display, f"{describe}: {problem[0]}", where.line, where.column)
        return
    headers_pointers = [
        (name, f"/request/headers/{number}/value") for number, name in _header_positions(request.get("headers"))
    ]
    embedded = (
        isinstance(post_data.get("text"), str)
        and post_data.get("encoding") != "base64"
        and body is not NO_BODY
        and body_text is not None
    )
    meta = RequestMeta(TRAITS, time=parse_time(entry.get("startedDateTime")))  # time: the HTML report's timeline
    if body_text is not None:
        meta.body_text = body_text
    known = {}
    if embedded:
        span = _post_data_text_span(text, post_data["text"])
        if span is not None:
            file_offset = window.offset + start
            meta.body_span = (file_offset + span[0], file_offset + span[1])
            meta.body_embedding = "json-string"
            known["/request/postData/text"] = span[0]
    yield Request(
        source=source,
        index=index,
        method=request.get("method"),
        url=request.get("url"),
        headers=headers,
        body=body,
        name=titles.get(entry.get("pageref")),
        position=position,
        locator=AnchoredRequestLocator(
            text,
            0,
            position,
            body="/request/postData/text" if embedded else None,
            response="/response/content/text",
            url="/request/url",
            headers=headers_pointers,
            known=known,
        ),
        response=_response(entry.get("response")),
        meta=meta,
    )


_POST_DATA_TEXT = lazy_compile(r'"postData"\s*:\s*\{[^"]*(?:"(?:[^"\\]|\\.)*"[^"]*)*?"text"\s*:\s*(?=")')


def _post_data_text_span(text: str, expected: str) -> Optional[tuple[int, int]]:
    """Where `postData.text` is written in an entry's text: found with a regular expression
    (the full walk is slow on big entries) and confirmed by decoding it (with the C scanner,
    which also finds its end); the walk is the fallback."""
    match = _POST_DATA_TEXT.search(text)
    if match is not None:
        try:
            value, end = _DECODER.raw_decode(text, match.end())
        except ValueError:
            value = None
        if value == expected:
            return match.end(), end
    return value_span(text, "/request/postData/text")


def _header_positions(raw: Any) -> list[tuple[int, str]]:
    if not isinstance(raw, list):
        return []
    return [
        (position, item["name"])
        for position, item in enumerate(raw)
        if isinstance(item, dict) and isinstance(item.get("name"), str) and not item["name"].startswith(":")
    ]


def _headers(raw: Any) -> list[tuple[str, str]]:
    if not isinstance(raw, list):
        return []
    return [
        (item["name"], str(item.get("value", "")))
        for item in raw
        if isinstance(item, dict) and isinstance(item.get("name"), str) and not item["name"].startswith(":")
    ]


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return next((value for key, value in headers if key.lower() == name), "")


def _looks_gzipped(text: str) -> bool:
    return text.startswith("\x1f\x8b") or text.startswith("\x1f\ufffd\x08")


def _decode_content(text: str, encoding: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(text, problem): base64 content decoded; binary content is a problem, not text."""
    if encoding != "base64":
        return text, None
    try:
        data = base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        return None, "the base64 body cannot be decoded"
    if data[:2] == b"\x1f\x8b":
        return None, "the body is gzip-compressed binary data, not JSON (export the HAR with decoded bodies)"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, "the body is binary data, not JSON text"


def _body(post_data: dict, headers, options: ReadOptions):
    """(body, body text, problem) for a HAR postData; problem is (message, offset in the decoded text or None)."""
    text = post_data.get("text")
    mime = (post_data.get("mimeType") or _header(headers, "content-type")).lower()
    if not isinstance(text, str):
        params = post_data.get("params")
        if isinstance(params, list) and params:
            return {str(p.get("name")): p.get("value", "") for p in params if isinstance(p, dict)}, None, None
        return NO_BODY, None, None
    if not text:
        return NO_BODY, text, None
    decoded, problem = _decode_content(text, post_data.get("encoding"))
    expects_json = "json" in mime or (not mime and text.lstrip()[:1] in ("{", "["))
    if problem is not None:
        return (NO_BODY, None, (problem, None)) if expects_json else (NO_BODY, None, None)
    text = decoded
    if _looks_gzipped(text) or "\x00" in text:
        if expects_json or "gzip" in _header(headers, "content-encoding").lower():
            what = "gzip-compressed" if _looks_gzipped(text) else "binary"
            return (
                NO_BODY,
                None,
                (f"the request body is {what} data, not JSON (export the HAR with decoded bodies)", None),
            )
        return NO_BODY, None, None
    if not expects_json:
        return NO_BODY, text, None
    if len(text) > options.max_body_bytes:
        return (
            NO_BODY,
            None,
            (
                f"body is {len(text) / 1024 / 1024:.1f} MiB; bodies over "
                f"{options.max_body_bytes / 1024 / 1024:.0f} MiB are not linted",
                None,
            ),
        )
    try:
        return strict_json.loads(text), text, None
    except json.JSONDecodeError as error:
        return NO_BODY, None, (strict_json.problem(error.msg, "the request body is not valid JSON"), error.pos)
    except RecursionError:
        return NO_BODY, None, ("the request body is nested too deeply to be a request body", None)


def _body_error_position(text: str, position: Position, problem) -> Position:
    """Where in the file a body problem is: inside postData.text when we know the offset.
    `text` is the entry's, which starts at `position`."""
    literal = pointer_offset(text, "/request/postData/text")
    if literal is None:
        return position
    if problem[1] is not None:
        decoded = decode_string_literal(text, literal)
        if decoded is not None and decoded[1]:
            offsets = decoded[1]
            return position_after(text, offsets[min(problem[1], len(offsets) - 1)], 0, position)
    return position_after(text, literal, 0, position)


def _response(raw: Any) -> Optional[Response]:
    if not isinstance(raw, dict):
        return None
    status = raw.get("status")
    headers = _headers(raw.get("headers"))
    content = raw.get("content") if isinstance(raw.get("content"), dict) else {}
    text = content.get("text")
    body: Any = NO_BODY
    if isinstance(text, str) and text:
        text, _ = _decode_content(text, content.get("encoding"))
        mime = (content.get("mimeType") or _header(headers, "content-type")).lower()
        if text is not None and ("json" in mime or text.lstrip()[:1] in ("{", "[")):
            try:
                body = strict_json.loads(text)
            except (json.JSONDecodeError, RecursionError):
                body = NO_BODY
    else:
        text = None
    return Response(
        status=status if isinstance(status, int) and status > 0 else None, headers=headers, body=body, body_text=text
    )
