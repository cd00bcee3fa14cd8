"""Where a JSON Pointer's value sits in JSON text.

Parsing with `json.loads` throws positions away, and keeping them for every value would
cost time on every request. Findings are rare, so we parse fast and, only for a finding,
walk the original text to the pointed value: skipping siblings by scanning, never building
them.
"""

from __future__ import annotations

import bisect
import re
from typing import Any, Optional

from vipps_lint import strict_json
from vipps_lint.lazy_re import lazy_compile
from vipps_lint.models import Position

_WHITESPACE = lazy_compile(r"[ \t\n\r]*")
_STRING = lazy_compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = lazy_compile(r"[^\s,\]}]+")
_STRUCTURE = lazy_compile(r'["{}\[\]]')


def pointer_tokens(pointer: str) -> list[str]:
    """Split an RFC 6901 pointer ('/a/b~1c') into unescaped tokens (['a', 'b/c'])."""
    if not pointer:
        return []
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:]]


def dotted_path(parts) -> str:
    """merchantInfo.callbackPrefix, external_payment_methods[0].fee — as people write it."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(body)"


def pointer_from_parts(parts) -> str:
    """The RFC 6901 pointer for a sequence of object keys and array indexes."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


_MISSING = object()


def string_leaves(value, parts: Optional[list] = None):
    """(path, string) for every string in a JSON value, in document order."""
    parts = parts or []
    if isinstance(value, str):
        yield parts, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from string_leaves(item, parts + [key])
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from string_leaves(item, parts + [position])


def resolve_pointer(document, pointer: str, default=_MISSING):
    """The value at an RFC 6901 pointer in parsed JSON; `default` (or KeyError) if absent."""
    value = document
    for token in pointer_tokens(pointer):
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        elif default is _MISSING:
            raise KeyError(pointer)
        else:
            return default
    return value


def _key_text(literal: str) -> str:
    """A JSON string literal's value; most keys have no escapes and need no parsing. A key with a
    broken escape (`"\\log"`) is taken as written: the document's parse reports it, with its place."""
    if "\\" not in literal:
        return literal[1:-1]
    try:
        return strict_json.loads(literal)
    except ValueError:
        return literal[1:-1]


def _skip_ws(text: str, offset: int) -> int:
    return _WHITESPACE.match(text, offset).end()


_DECODER = strict_json.DECODER


def skip_value(text: str, offset: int) -> int:
    """Offset just past the JSON value that starts at `offset`."""
    try:
        return _DECODER.raw_decode(text, offset)[1]  # the C scanner: fast on long siblings
    except (ValueError, RecursionError):
        pass  # not valid JSON from here (a template, truncated text): scan it instead
    char = text[offset]
    if char == '"':
        match = _STRING.match(text, offset)
        return match.end() if match else len(text)
    if char not in "{[":
        match = _SCALAR.match(text, offset)
        return match.end() if match else offset + 1
    depth = 0
    while True:
        match = _STRUCTURE.search(text, offset)
        if match is None:
            return len(text)
        char = match.group()
        if char == '"':
            string = _STRING.match(text, match.start())
            offset = string.end() if string else len(text)
            continue
        depth += 1 if char in "{[" else -1
        offset = match.end()
        if depth == 0:
            return offset


def pointer_offset(text: str, pointer: str, start: int = 0) -> Optional[int]:
    """Offset in `text` of the value at `pointer`, or None if the text has no such value.

    With several equal keys in one object, the last wins, as in `json.loads`.
    """
    try:
        offset = _skip_ws(text, start)
        for token in pointer_tokens(pointer):
            char = text[offset]
            if char == "{":
                found = None
                offset = _skip_ws(text, offset + 1)
                while text[offset] != "}":
                    key_match = _STRING.match(text, offset)
                    key = _key_text(key_match.group())
                    offset = _skip_ws(text, key_match.end())
                    offset = _skip_ws(text, offset + 1)  # past ':'
                    if key == token:
                        found = offset
                    offset = _skip_ws(text, skip_value(text, offset))
                    if text[offset] == ",":
                        offset = _skip_ws(text, offset + 1)
                if found is None:
                    return None
                offset = found
            elif char == "[":
                if not token.isdigit():
                    return None
                wanted = int(token)
                offset = _skip_ws(text, offset + 1)
                for _ in range(wanted):
                    if text[offset] == "]":
                        return None
                    offset = _skip_ws(text, skip_value(text, offset))
                    if text[offset] == ",":
                        offset = _skip_ws(text, offset + 1)
                if text[offset] == "]":
                    return None
            else:
                return None
        return offset
    except (IndexError, AttributeError, ValueError):
        return None


def offset_position(text: str, offset: int, first_line: int = 1, first_column: int = 1) -> Position:
    """1-based line and column of `offset`; `first_*` place the text inside a larger file."""
    line = text.count("\n", 0, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    column = offset - line_start + 1
    if line == 0:
        column += first_column - 1
    return Position(first_line + line, column)


class LinePositions:
    """`offset_position(text, offset)` for many offsets of one text: the line breaks are found
    once, and each position costs a binary search, not a count from the start of the file
    (a report with a fix for each of 8,000 requests of a log counted 8,000 times over it)."""

    def __init__(self, text: str):
        self._breaks = [match.start() for match in re.finditer("\n", text)]

    def position(self, offset: int) -> Position:
        line = bisect.bisect_left(self._breaks, offset)  # line breaks before `offset`
        line_start = self._breaks[line - 1] + 1 if line else 0
        return Position(1 + line, offset - line_start + 1)


class JsonTextLocator:
    """Locates body pointers in JSON text that starts at (first_line, first_column) of a file.

    When the parsed text is not the text as written (variables were substituted), pass the
    `written` text and `to_written`, which maps an offset in `text` to one in `written`.
    """

    def __init__(
        self,
        text: str,
        first_line: int = 1,
        first_column: int = 1,
        start: int = 0,
        written: Optional[str] = None,
        to_written=None,
    ):
        self.text = text
        self.first_line = first_line
        self.first_column = first_column
        self.start = start
        self.written = written
        self.to_written = to_written
        self._index: Optional[PointerIndex] = None

    def locate(self, part: str, key: Optional[str]) -> Optional[Position]:
        if part != "body" or key is None:
            return None
        if self._index is None:
            self._index = PointerIndex(self.text)
        offset = self._index.nearest(key, self.start)
        if offset is None:
            return None
        if self.written is not None:
            return offset_position(self.written, self.to_written(offset), self.first_line, self.first_column)
        return offset_position(self.text, offset, self.first_line, self.first_column)


def nearest_pointer_offset(text: str, pointer: str, start: int = 0) -> Optional[int]:
    """Like `pointer_offset`, but a missing value (a required field, say) is found at the
    nearest object that lacks it."""
    while True:
        offset = pointer_offset(text, pointer, start)
        if offset is not None or not pointer:
            return offset
        pointer = pointer.rsplit("/", 1)[0]


# A member's name up to its value; what may follow a value in a container.
_MEMBER_NAME = lazy_compile(r'[ \t\n\r]*("(?:[^"\\]|\\.)*")[ \t\n\r]*:[ \t\n\r]*', re.DOTALL)
_AFTER_VALUE = lazy_compile(r"[ \t\n\r]*([,}\]])")
# A container nested at most a few levels deep, skipped at C speed without building it:
# it ends at the bracket where `skip_value` ends too, JSON or not (brackets are matched,
# strings skipped alike). Each level unrolled, so a failed match never backtracks far.
_STRING_LITERAL = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_NESTED = _STRING_LITERAL
for _ in range(5):
    _NESTED = r'[{\[][^"{}\[\]]*(?:(?:' + _NESTED + r')[^"{}\[\]]*)*[}\]]|' + _STRING_LITERAL
_SHALLOW_CONTAINER = lazy_compile(_NESTED.rsplit("|", 1)[0], re.DOTALL)
_SCALAR_LITERAL = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null"
# A value that holds no other (a string or a JSON scalar).
_PLAIN_VALUE = lazy_compile(rf"{_STRING_LITERAL}|{_SCALAR_LITERAL}", re.DOTALL)
# A whole member or item, with what follows it: one match each, for all but deep values.
_WHOLE_VALUE = rf"({_NESTED}|{_SCALAR_LITERAL})[ \t\n\r]*([,}}\]])"
_WHOLE_MEMBER = lazy_compile(rf"[ \t\n\r]*({_STRING_LITERAL})[ \t\n\r]*:[ \t\n\r]*{_WHOLE_VALUE}", re.DOTALL)
_WHOLE_ITEM = lazy_compile(rf"[ \t\n\r]*{_WHOLE_VALUE}", re.DOTALL)
_IRREGULAR = object()  # a container the member scan does not read: the walk answers instead


def _value_end(text: str, offset: int) -> Optional[int]:
    if text[offset] in "{[":
        shallow = _SHALLOW_CONTAINER.match(text, offset)
        return shallow.end() if shallow else skip_value(text, offset)  # the walk's own skip
    plain = _PLAIN_VALUE.match(text, offset)
    return plain.end() if plain else None


def _children(text: str, offset: int):
    """The value offsets in the container at `offset` (a dict by member name, the last of
    equal names winning; a list by index); None for a scalar; _IRREGULAR for a container
    that is not plain JSON."""
    opener = text[offset]
    try:
        return _scan_children(text, offset, opener)
    except IndexError:  # cut off: the walk may still find what comes before the cut
        return _IRREGULAR


def _scan_children(text: str, offset: int, opener: str):
    if opener == "{":
        members: dict = {}
        position = _skip_ws(text, offset + 1)
        if text[position] == "}":
            return members
        while True:
            whole = _WHOLE_MEMBER.match(text, position)
            if whole is not None:
                members[_key_text(whole.group(1))] = whole.start(2)
                closer, position = whole.group(3), whole.end()
            else:  # a value nested too deep for the pattern, or no JSON
                name = _MEMBER_NAME.match(text, position)
                if name is None:
                    return _IRREGULAR
                start = name.end()
                end = _value_end(text, start)
                after = None if end is None else _AFTER_VALUE.match(text, end)
                if after is None:
                    return _IRREGULAR
                members[_key_text(name.group(1))] = start
                closer, position = after.group(1), after.end()
            if closer == "}":
                return members
            if closer != ",":
                return _IRREGULAR
    if opener == "[":
        items: list = []
        position = _skip_ws(text, offset + 1)
        if text[position] == "]":
            return items
        while True:
            whole = _WHOLE_ITEM.match(text, position)
            if whole is not None:
                items.append(whole.start(1))
                closer, position = whole.group(2), whole.end()
            else:
                start = _skip_ws(text, position)
                end = _value_end(text, start)
                after = None if end is None else _AFTER_VALUE.match(text, end)
                if after is None:
                    return _IRREGULAR
                items.append(start)
                closer, position = after.group(1), after.end()
            if closer == "]":
                return items
            if closer != ",":
                return _IRREGULAR
    return None


class PointerIndex:
    """`pointer_offset` and `nearest_pointer_offset` for one JSON text, each container's
    members scanned once, at the first pointer into it: a request with several findings
    costs one scan of the containers they sit in, not one walk from the start per pointer.

    The answers are the walk's, exactly: a container that is not plain JSON (a template,
    cut-off text, `NaN`…) sends the question to the walk.
    """

    def __init__(self, text: str):
        self.text = text
        self._containers: dict[int, Any] = {}  # container offset → its `_children`

    def offset(self, pointer: str, start: int = 0) -> Optional[int]:
        """`pointer_offset(text, pointer, start)`."""
        text = self.text
        try:
            offset = _skip_ws(text, start)
            for token in pointer_tokens(pointer):
                children = self._containers.get(offset, _UNSCANNED)
                if children is _UNSCANNED:
                    children = self._containers[offset] = _children(text, offset)
                if type(children) is dict:
                    offset = children.get(token)
                    if offset is None:
                        return None
                elif type(children) is list:
                    if not token.isdigit():
                        return None
                    wanted = int(token)  # ValueError for a digit int() does not read ('²'), as in the walk
                    if wanted >= len(children):
                        return None
                    offset = children[wanted]
                elif children is None:
                    return None
                else:
                    return pointer_offset(text, pointer, start)
            return offset
        except (IndexError, ValueError):
            return None

    def nearest(self, pointer: str, start: int = 0) -> Optional[int]:
        """`nearest_pointer_offset(text, pointer, start)`."""
        while True:
            offset = self.offset(pointer, start)
            if offset is not None or not pointer:
                return offset
            pointer = pointer.rsplit("/", 1)[0]


_UNSCANNED = object()


_LITERAL_PIECE = lazy_compile(r'\\u([0-9a-fA-F]{4})|\\(.)|[^"\\]+', re.DOTALL)
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def decode_string_literal(text: str, offset: int) -> Optional[tuple[str, list[int]]]:
    """The value of the JSON string literal whose opening quote is at `offset`, and for each
    of its characters the offset in `text` it was written at (an escape maps to its
    backslash). None when `offset` holds no string literal.

    Bodies embedded in JSON strings (HAR `postData.text`, Postman `body.raw`) are JSON text
    inside JSON text: a pointer is found in the decoded value, then mapped back to the file.
    """
    if offset >= len(text) or text[offset] != '"':
        return None
    chars: list[str] = []
    offsets: list[int] = []
    position = offset + 1
    pending_high = None  # a \uD8xx escape waiting for its low surrogate
    while position < len(text) and text[position] != '"':
        match = _LITERAL_PIECE.match(text, position)
        if match is None:
            return None
        if match.group(1) is not None:
            code = int(match.group(1), 16)
            if 0xDC00 <= code <= 0xDFFF and pending_high is not None:
                chars[-1] = chr(0x10000 + ((ord(chars[-1]) - 0xD800) << 10) + (code - 0xDC00))
                pending_high = None
            else:
                chars.append(chr(code))
                offsets.append(match.start())
                pending_high = code if 0xD800 <= code <= 0xDBFF else None
        elif match.group(2) is not None:
            chars.append(_SIMPLE_ESCAPES.get(match.group(2), match.group(2)))
            offsets.append(match.start())
            pending_high = None
        else:
            chars.append(match.group())
            offsets.extend(range(match.start(), match.end()))
            pending_high = None
        position = match.end()
    return "".join(chars), offsets


def line_column(text: str, offset: int, base_offset: int = 0, base_line: int = 1) -> Position:
    """Position of `offset` in a file's text, counting lines only from a known (offset, line)."""
    line = base_line + text.count("\n", base_offset, offset)
    return Position(line, offset - text.rfind("\n", 0, offset))


class EmbeddedRequestLocator:
    """Positions of a request held in a JSON document: a HAR entry, a Postman item.

    The request's object starts at `start` (on line `line`) of the file's `text`; the other
    arguments are JSON Pointers relative to that object: `body` and `response` point at
    string literals that hold JSON text, `url` at the URL, `headers` lists (name, pointer
    to its value). When the body was changed before parsing (Postman variables),
    `body_text` is the text that was parsed and `body_map` maps its offsets back to the
    decoded literal. Nothing is computed until a finding asks.
    """

    def __init__(
        self,
        text: str,
        start: int,
        line: int,
        body: Optional[str] = None,
        response: Optional[str] = None,
        url: Optional[str] = None,
        headers=(),
        body_text: Optional[str] = None,
        body_map=None,
        known: Optional[dict] = None,
    ):
        self.known = known or {}  # pointer → offset, where the reader already knows it
        self.text = text
        self.start = start
        self.line = line
        self.pointers = {"body": body, "response": response, "url": url}
        self.headers = list(headers)
        self.body_text = body_text
        self.body_map = body_map
        self._index: Optional[PointerIndex] = None
        self._decoded: dict[tuple[str, int], Any] = {}  # (part, literal offset) → decoded, index

    def _offset(self, pointer: str) -> Optional[int]:
        if self._index is None:
            self._index = PointerIndex(self.text)
        return self._index.offset(pointer, self.start)

    def _position(self, offset: Optional[int]) -> Optional[Position]:
        return None if offset is None else line_column(self.text, offset, self.start, self.line)

    def locate(self, part: str, key: Optional[str]) -> Optional[Position]:
        if part == "header":
            wanted = (key or "").lower()
            for name, pointer in self.headers:
                if name.lower() == wanted:
                    return self._position(self._offset(pointer))
            return None
        pointer = self.pointers.get(part)
        if pointer is None:
            return None
        offset = self.known.get(pointer)
        if offset is None:
            offset = self._offset(pointer)
        if part == "url" or offset is None or key is None:
            return self._position(offset)
        decoded = self._decoded.get((part, offset))
        if decoded is None:  # decoded and scanned once for all of the part's findings
            literal = decode_string_literal(self.text, offset)
            if literal is not None:
                value, raw_offsets = literal
                parsed_text = self.body_text if part == "body" and self.body_text is not None else value
                decoded = self._decoded[(part, offset)] = (value, raw_offsets, parsed_text, PointerIndex(parsed_text))
        if decoded is None:
            return self._position(offset)
        value, raw_offsets, parsed_text, index = decoded
        inner = index.nearest(key)
        if inner is None:
            return self._position(offset)
        if parsed_text is not value and self.body_map is not None:
            inner = self.body_map(inner)
        return self._position(raw_offsets[inner] if inner < len(raw_offsets) else offset)


class ScanError(ValueError):
    """JSON text that the structural scanner cannot walk; `offset` is where it stopped."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


def object_members(text: str, offset: int, stop_at: Optional[str] = None):
    """(key, value start, value end) for each member of the object at `offset`, by scanning:
    values are skipped, never parsed, so a huge document is walked without building it.
    The member named `stop_at` is yielded with end None, and the walk ends there (so a huge
    value is not even scanned)."""
    offset = _skip_ws(text, offset)
    if offset >= len(text) or text[offset] != "{":
        raise ScanError("expected a JSON object", offset)
    offset = _skip_ws(text, offset + 1)
    while offset < len(text) and text[offset] != "}":
        key_match = _STRING.match(text, offset)
        if key_match is None:
            raise ScanError("expected a quoted member name", offset)
        offset = _skip_ws(text, key_match.end())
        if offset >= len(text) or text[offset] != ":":
            raise ScanError("expected ':' after a member name", offset)
        start = _skip_ws(text, offset + 1)
        if start >= len(text):
            break
        key = _key_text(key_match.group())
        if key == stop_at:
            yield key, start, None
            return
        end = skip_value(text, start)
        yield key, start, end
        offset = _next_item(text, end, "}")
    _check_closed(text, offset, "an object")


def _next_item(text: str, end: int, closer: str) -> int:
    """Offset of the next member or item after a value ending at `end`, or of the closer."""
    offset = _skip_ws(text, end)
    if offset < len(text) and text[offset] == ",":
        return _skip_ws(text, offset + 1)
    if offset < len(text) and text[offset] != closer:
        raise ScanError(f"expected ',' or '{closer}'", offset)
    return offset


def _check_closed(text: str, offset: int, what: str) -> None:
    if offset >= len(text):
        raise ScanError(f"the text ends inside {what} (truncated?)", len(text))


def value_span(text: str, pointer: str, start: int = 0) -> Optional[tuple[int, int]]:
    """(start, end) offsets of the value at `pointer`, e.g. a string literal with its quotes."""
    offset = pointer_offset(text, pointer, start)
    return None if offset is None else (offset, skip_value(text, offset))


class JsonStringLocator:
    """Locates body pointers in a JSON body that sits inside a JSON string literal of a file
    (an NDJSON `"body": "{\\"amount\\": 100}"`, a HAR `postData.text`).

    `literal_start` is the offset of the literal's opening quote in `text`, which starts at
    (first_line, first_column) of the file. The body is decoded only when a finding needs a
    position.
    """

    def __init__(self, text: str, literal_start: int, first_line: int = 1, first_column: int = 1):
        self.text = text
        self.literal_start = literal_start
        self.first_line = first_line
        self.first_column = first_column
        self._decoded: Any = _UNSCANNED  # (value, raw offsets, PointerIndex of value), or None

    def locate(self, part: str, key: Optional[str]) -> Optional[Position]:
        if part != "body" or key is None:
            return None
        if self._decoded is _UNSCANNED:  # decoded once for all of the body's findings
            decoded = decode_string_literal(self.text, self.literal_start)
            self._decoded = None if decoded is None else (*decoded, PointerIndex(decoded[0]))
        if self._decoded is None:
            return None
        _, raw_offsets, index = self._decoded
        offset = index.nearest(key)
        if offset is None or offset >= len(raw_offsets):
            return None
        return offset_position(self.text, raw_offsets[offset], self.first_line, self.first_column)


def position_after(text: str, offset: int, anchor: int, anchor_position: Position) -> Position:
    """Position of `offset`, counted from an `anchor` before it whose position is known.

    Only the text between the two is read: in a file written on one line, looking back for
    the line start would read everything before `offset`, for every request of a dump.
    """
    newline = text.rfind("\n", anchor, offset)
    if newline < 0:
        return Position(anchor_position.line, anchor_position.column + offset - anchor)
    return Position(anchor_position.line + text.count("\n", anchor, offset), offset - newline)


class AnchoredRequestLocator(EmbeddedRequestLocator):
    """An `EmbeddedRequestLocator` that knows the column of the request's start too, so a
    finding's position costs the size of the request, not of the file before it; `text`
    may also be the request's own text (start 0) cut out of a file that is not kept."""

    def __init__(self, text: str, start: int, position: Position, **parts):
        super().__init__(text, start, position.line, **parts)
        self.column = position.column

    def _position(self, offset: Optional[int]) -> Optional[Position]:
        if offset is None or offset < self.start:
            return super()._position(offset)
        return position_after(self.text, offset, self.start, Position(self.line, self.column))
