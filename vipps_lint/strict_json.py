"""JSON as the API reads it: Python's `json` accepts more, and some of it crashes later.

`json.loads` takes `NaN`, `Infinity` and `-Infinity` (not JSON at all), turns `1e400` into
an infinite float, and raises a plain ValueError (not a JSONDecodeError, so readers missed
it) for an integer longer than Python's digit limit, or a RecursionError for deep nesting.
Every reader parses through `loads`/`DECODER` here, which raise `json.JSONDecodeError` with
the position of the offending text for each of these, so they are one clear input error.
"""

from __future__ import annotations

import json
import math
import re
import sys

_LONG_INTEGER = re.compile(r"-?\d{%d,}" % (getattr(sys, "get_int_max_str_digits", lambda: 4300)() or 4300))


_CONTROL_IN_STRING = "a control character (a tab, a line break) inside a string; write it escaped, as \\t or \\n"


# Valid JSON that no reader takes: said as it is, not as "invalid JSON".
TOO_DEEP = "the JSON is nested too deeply to read (no request body nests hundreds of levels deep)"
_TOO_LONG = "digits or more is too long to read"


def problem(message: str, invalid: str = "invalid JSON") -> str:
    """The words for a JSONDecodeError's `msg` in an input error line: `invalid: msg`, or
    the message alone for valid JSON that is not read (too deep, a number too long)."""
    if message == TOO_DEEP or message.endswith(_TOO_LONG):
        return message
    return f"{invalid}: {message}"


class _Rejected(ValueError):
    def __init__(self, message: str, literal: str):
        super().__init__(message)
        self.literal = literal


def _constant(name: str):
    raise _Rejected(f"{name} is not a JSON number (write a number, or a string)", name)


def _float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise _Rejected(f"the number {literal[:40]} is too large for any JSON parser to read", literal)
    return value


def _position_of(text: str, literal: str, start: int = 0) -> int:
    found = text.find(literal, start)
    return found if found >= 0 else start


class StrictDecoder(json.JSONDecoder):
    """`raw_decode` with the rules above (used by the readers that scan a document in parts)."""

    def __init__(self):
        super().__init__(parse_constant=_constant, parse_float=_float)

    def raw_decode(self, text: str, index: int = 0):
        try:
            return super().raw_decode(text, index)
        except json.JSONDecodeError as error:
            if error.msg == "Invalid control character at":  # the json module's words, cut before its position
                raise json.JSONDecodeError(_CONTROL_IN_STRING, text, error.pos) from None
            raise
        except _Rejected as error:
            raise json.JSONDecodeError(str(error), text, _position_of(text, error.literal, index)) from None
        except RecursionError:
            raise json.JSONDecodeError(TOO_DEEP, text, index) from None
        except ValueError:  # an integer over Python's digit limit
            match = _LONG_INTEGER.search(text, index)
            where = match.start() if match else index
            digits = _LONG_INTEGER.pattern.split(",")[0].rsplit("{", 1)[1]
            raise json.JSONDecodeError(f"a number of {digits} {_TOO_LONG}", text, where) from None

    def decode(self, text: str, _w=None):
        value, end = self.raw_decode(text, json.decoder.WHITESPACE.match(text, 0).end())
        end = json.decoder.WHITESPACE.match(text, end).end()
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
        return value


DECODER = StrictDecoder()


def loads(text):
    """`json.loads` for input text: a JSONDecodeError for everything the API would not read."""
    if isinstance(text, (bytes, bytearray)):
        text = text.decode("utf-8")
    return DECODER.decode(text)
