"""Where a JSON Pointer's value sits in JSON text.

Parsing with `json.loads` throws positions away, and keeping them for every value would
cost time on every request. Findings are rare, so we parse fast and, only for a finding,
walk the original text to the pointed value: skipping siblings by scanning, never building
them.
"""

from __future__ import annotations

import json
import re
from typing import Optional

from vipps_lint.models import Position

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"[^\s,\]}]+")
_STRUCTURE = re.compile(r'["{}\[\]]')


def pointer_tokens(pointer: str) -> list[str]:
    """Split an RFC 6901 pointer ('/a/b~1c') into unescaped tokens (['a', 'b/c'])."""
    if not pointer:
        return []
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:]]


def pointer_from_parts(parts) -> str:
    """The RFC 6901 pointer for a sequence of object keys and array indexes."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _skip_ws(text: str, offset: int) -> int:
    return _WHITESPACE.match(text, offset).end()


_DECODER = json.JSONDecoder()


def _skip_value(text: str, offset: int) -> int:
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


def value_end(text: str, offset: int) -> int:
    """Offset just past the JSON value that starts at `offset` (scanned, not parsed)."""
    return _skip_value(text, offset)


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
                    key = json.loads(key_match.group())
                    offset = _skip_ws(text, key_match.end())
                    offset = _skip_ws(text, offset + 1)  # past ':'
                    if key == token:
                        found = offset
                    offset = _skip_ws(text, _skip_value(text, offset))
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
                    offset = _skip_ws(text, _skip_value(text, offset))
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


class JsonTextLocator:
    """Locates body pointers in JSON text that starts at (first_line, first_column) of a file."""

    def __init__(self, text: str, first_line: int = 1, first_column: int = 1, start: int = 0):
        self.text = text
        self.first_line = first_line
        self.first_column = first_column
        self.start = start

    def locate(self, part: str, key: Optional[str]) -> Optional[Position]:
        if part != "body" or key is None:
            return None
        offset = nearest_pointer_offset(self.text, key, self.start)
        return None if offset is None else offset_position(self.text, offset, self.first_line, self.first_column)


def nearest_pointer_offset(text: str, pointer: str, start: int = 0) -> Optional[int]:
    """Offset of the value at `pointer`, or of its nearest ancestor that exists: a missing
    value (a required field, say) is shown at the object that lacks it."""
    while True:
        offset = pointer_offset(text, pointer, start)
        if offset is not None or not pointer:
            return offset
        pointer = pointer.rsplit("/", 1)[0]


_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|.)", re.DOTALL)


def string_literal_offset(literal: str, decoded_index: int) -> int:
    """Offset inside a JSON string literal (`"…"`, quotes included) of the character that has
    index `decoded_index` in the decoded string: escapes (`\\n`, `\\"`, `\\u00f8`) are one
    character decoded but several in the literal."""
    offset, decoded = 1, 0
    while decoded < decoded_index and offset < len(literal) - 1:
        escape = _ESCAPE.match(literal, offset) if literal[offset] == "\\" else None
        if escape is not None:
            code = literal[offset + 2 : offset + 6] if escape.group().startswith("\\u") else ""
            # A surrogate pair (\ud83d\ude00) is two escapes but one decoded character.
            if code and 0xD800 <= int(code, 16) <= 0xDBFF and literal.startswith("\\u", escape.end()):
                offset = escape.end() + 6
            else:
                offset = escape.end()
        else:
            offset += 1
        decoded += 1
    return offset


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

    def locate(self, part: str, key: Optional[str]) -> Optional[Position]:
        if part != "body" or key is None:
            return None
        match = _STRING.match(self.text, self.literal_start)
        if match is None:
            return None
        literal = match.group()
        decoded = json.loads(literal)
        offset = nearest_pointer_offset(decoded, key)
        if offset is None:
            return None
        return offset_position(self.text, self.literal_start + string_literal_offset(literal, offset), self.first_line, self.first_column)
