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
parsed as one tree. The entries array is walked by a scanner that only finds where each
entry starts and ends; each entry is then parsed on its own and dropped when linted.

Bad input (yielded as `InputError`, the other entries still read): a file that is not
HAR, a truncated file, an entry without `request`, a JSON body that does not parse, a
binary or gzip-compressed body sent as JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Iterator, Optional, Union

from vipps_lint.models import NO_BODY, InputError, Request, Response, SourceFile
from vipps_lint.positions import EmbeddedRequestLocator, ScanError, array_values, decode_string_literal, line_column, object_members, pointer_offset, value_span
from vipps_lint.sources import ReadOptions, read_all_text

NAME = "har"
PATTERNS = ("*.har",)

_HAR_START = re.compile(r'^\s*\{\s*"log"\s*:\s*\{')


def sniff(head: str, path: Optional[str]) -> bool:
    return bool(_HAR_START.match(head)) or (path is not None and path.lower().endswith(".har") and head.lstrip().startswith("{"))


def read(source: SourceFile, options: ReadOptions) -> Iterator[Union[Request, InputError]]:
    text = read_all_text(source)
    if isinstance(text, InputError):
        yield text
        return
    if source.path is None:
        source.text = text
    try:
        pages, entries_start = _find_pages_and_entries(text)
    except ScanError as error:
        yield _scan_error(source, text, error, "not a HAR file")
        return
    if entries_start is None:
        yield InputError(source.display, 'not a HAR file: no "log.entries" array', 1, 1)
        return
    titles = _page_titles(pages)
    line, counted_to = 1, 0
    try:
        for index, (start, end, entry) in enumerate(array_values(text, entries_start)):
            line += text.count("\n", counted_to, start)
            counted_to = start
            yield from _read_entry(source, text, index, start, end, entry, line, titles, options)
    except ScanError as error:
        yield _scan_error(source, text, error, "invalid HAR")


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
        parsed = json.loads(pages) if pages else []
    except json.JSONDecodeError:
        return {}
    return {page["id"]: page.get("title") for page in parsed if isinstance(page, dict) and "id" in page and page.get("title")}


def _scan_error(source: SourceFile, text: str, error: ScanError, what: str) -> InputError:
    position = line_column(text, min(error.offset, len(text)))
    return InputError(source.display, f"{what}: {error}", position.line, position.column)


def _describe(index: int, request: dict) -> str:
    url = str(request.get("url") or "").split("?", 1)[0]
    method = request.get("method") or ""
    return f"entry {index} ({method} {url})".replace(" )", ")") if url or method else f"entry {index}"


def _read_entry(source, text, index, start, end, entry, line, titles, options) -> Iterator[Union[Request, InputError]]:
    column = start - text.rfind("\n", 0, start)
    if isinstance(entry, json.JSONDecodeError):
        if end >= len(text):
            yield InputError(source.display, f"entry {index} is cut off: the file ends inside it (truncated HAR?)", line, column)
        else:
            where = line_column(text, entry.pos, start, line)
            yield InputError(source.display, f"entry {index}: invalid JSON: {entry.msg}", where.line, where.column)
        return
    request = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(request, dict):
        yield InputError(source.display, f'entry {index} has no "request" object, so it cannot be linted', line, column)
        return
    headers = _headers(request.get("headers"))
    post_data = request.get("postData") if isinstance(request.get("postData"), dict) else {}
    body, body_text, problem = _body(post_data, headers, options)
    describe = _describe(index, request)
    if problem is not None:
        where = _body_error_position(text, start, line, column, problem)
        yield InputError(source.display, f"{describe}: {problem[0]}", where.line, where.column)
        return
    headers_pointers = [(name, f"/request/headers/{position}/value") for position, name in _header_positions(request.get("headers"))]
    embedded = isinstance(post_data.get("text"), str) and post_data.get("encoding") != "base64" and body is not NO_BODY and body_text is not None
    meta: dict[str, Any] = {"format": NAME}
    if body_text is not None:
        meta["body_text"] = body_text
    known = {}
    if embedded:
        span = _post_data_text_span(text, start, end, post_data["text"])
        if span is not None:
            meta["body_span"] = span
            meta["body_embedding"] = "json-string"
            known["/request/postData/text"] = span[0]
    yield Request(
        source=source,
        index=index,
        method=request.get("method"),
        url=request.get("url"),
        headers=headers,
        body=body,
        name=titles.get(entry.get("pageref")),
        position=line_column(text, start, start, line),
        locator=EmbeddedRequestLocator(text, start, line, body="/request/postData/text" if embedded else None,
                                       response="/response/content/text", url="/request/url", headers=headers_pointers, known=known),
        response=_response(entry.get("response")),
        meta=meta,
    )


_POST_DATA_TEXT = re.compile(r'"postData"\s*:\s*\{[^"]*(?:"(?:[^"\\]|\\.)*"[^"]*)*?"text"\s*:\s*(?=")')
_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _post_data_text_span(text: str, start: int, end: int, expected: str) -> Optional[tuple[int, int]]:
    """Where `postData.text` is written: found with a regular expression (the full walk is
    slow on big files) and confirmed by decoding it; the walk is the fallback."""
    match = _POST_DATA_TEXT.search(text, start, end)
    if match is not None:
        literal = _STRING_LITERAL.match(text, match.end())
        if literal is not None and json.loads(literal.group()) == expected:
            return literal.start(), literal.end()
    return value_span(text, "/request/postData/text", start)


def _header_positions(raw: Any) -> list[tuple[int, str]]:
    if not isinstance(raw, list):
        return []
    return [(position, item["name"]) for position, item in enumerate(raw)
            if isinstance(item, dict) and isinstance(item.get("name"), str) and not item["name"].startswith(":")]


def _headers(raw: Any) -> list[tuple[str, str]]:
    if not isinstance(raw, list):
        return []
    return [(item["name"], str(item.get("value", ""))) for item in raw
            if isinstance(item, dict) and isinstance(item.get("name"), str) and not item["name"].startswith(":")]


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
            return NO_BODY, None, (f"the request body is {what} data, not JSON (export the HAR with decoded bodies)", None)
        return NO_BODY, None, None
    if not expects_json:
        return NO_BODY, text, None
    if len(text) > options.max_body_bytes:
        return NO_BODY, None, (f"body is {len(text) / 1024 / 1024:.1f} MiB; bodies over {options.max_body_bytes / 1024 / 1024:.0f} MiB are not linted", None)
    try:
        return json.loads(text), text, None
    except json.JSONDecodeError as error:
        return NO_BODY, None, (f"the request body is not valid JSON: {error.msg}", error.pos)
    except RecursionError:
        return NO_BODY, None, ("the request body is nested too deeply to be a request body", None)


def _body_error_position(text: str, start: int, line: int, column: int, problem):
    """Where in the file a body problem is: inside postData.text when we know the offset."""
    from vipps_lint.models import Position

    literal = pointer_offset(text, "/request/postData/text", start)
    if literal is None:
        return Position(line, column)
    if problem[1] is not None:
        decoded = decode_string_literal(text, literal)
        if decoded is not None and decoded[1]:
            offsets = decoded[1]
            return line_column(text, offsets[min(problem[1], len(offsets) - 1)], start, line)
    return line_column(text, literal, start, line)


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
                body = json.loads(text)
            except (json.JSONDecodeError, RecursionError):
                body = NO_BODY
    else:
        text = None
    return Response(status=status if isinstance(status, int) and status > 0 else None, headers=headers, body=body, body_text=text)
