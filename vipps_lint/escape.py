"""Echoed values cannot forge output: control characters are shown, never obeyed.

A HAR page title, a JSON key, a Postman name or a URL path is printed in messages, code
frames, JUnit and GitHub annotations. A raw newline there could start a line
`::error file=…` that GitHub shows as an annotation, ESC sequences could clear the
terminal, a lone surrogate cannot be encoded at all. `escape_controls` writes each such
character as a visible escape (`\\n`, `\\u001b`, `\\u202e`), the way JSON would.
"""

from __future__ import annotations

import re

# C0 controls (tab and newline too: an echoed value is one line), DEL, C1 controls, lone
# surrogates, line and paragraph separators, and the bidirectional overrides that can
# reorder what a terminal shows ("Trojan Source").
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
# The same, less newline and tab: for text made of lines (a report, a code frame's line).
_CONTROLS_IN_LINES = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named:
        return named
    return f"\\u{ord(char):04x}"  # the JSON escape: valid inside a JSON string, readable anywhere else


def escape_controls(text: str) -> str:
    """`text` as one safe line: every control character written as an escape."""
    return _CONTROLS.sub(_escape, text) if _CONTROLS.search(text) else text


def escape_controls_in_lines(text: str) -> str:
    """As `escape_controls`, but newlines and tabs stay (for whole lines of output)."""
    return _CONTROLS_IN_LINES.sub(_escape, text) if _CONTROLS_IN_LINES.search(text) else text


def has_controls(text: str) -> bool:
    return _CONTROLS.search(text) is not None


_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_surrogates(text: str) -> str:
    """Lone surrogates (from a JSON `\\ud800` escape) as the six characters `\\ud800`: text that
    can always be encoded as UTF-8, and inside a JSON string literal the same escape again."""
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text) if _SURROGATE.search(text) else text
