"""When a logged request was sent: `Request.meta.time`, seconds since the epoch (UTC).

Logs write it in many ways; the readers that have one (NDJSON lines, HAR entries'
`startedDateTime`) hand it here. What is understood:

- ISO 8601 / RFC 3339: `2024-06-14T08:02:11.204Z`, `2024-06-14 08:02:11+02:00` (a time
  without an offset is taken as UTC, as log shippers write it);
- a number (or a string of digits): Unix seconds, or milliseconds / microseconds when it
  is too large to be seconds (what JavaScript's `Date.now()` and many loggers write).

Anything else is no time (None): a timestamp is only used for the HTML report's
timeline, so a strange one never makes a request unreadable.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

# The keys a log line's time may be under, most usual first.
TIME_KEYS = ("ts", "timestamp", "@timestamp", "time", "startedDateTime", "date", "datetime")

_MIN_SECONDS = 946_684_800  # 2000-01-01: earlier "times" are durations or counters
_MAX_SECONDS = 4_102_444_800  # 2100-01-01
_MAX_TEXT = 40  # no timestamp is longer; do not hand long strings to the parser


def parse_time(value: Any) -> Optional[float]:
    """Seconds since the epoch, or None when `value` is no timestamp."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_number(float(value))
    if not isinstance(value, str) or not value or len(value) > _MAX_TEXT:
        return None
    text = value.strip()
    if text.isdigit() or (text[:1] == "-" and text[1:].isdigit()):
        return _from_number(float(text))
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    seconds = moment.timestamp()
    return seconds if _MIN_SECONDS <= seconds <= _MAX_SECONDS else None


def _from_number(number: float) -> Optional[float]:
    for scale in (1, 1e3, 1e6):
        seconds = number / scale
        if _MIN_SECONDS <= seconds <= _MAX_SECONDS:
            return seconds
    return None


def first_time(mapping: dict) -> Optional[float]:
    """The time under the first of `TIME_KEYS` that `mapping` has, if it parses."""
    for key in TIME_KEYS:
        if key in mapping:
            return parse_time(mapping[key])
    return None
