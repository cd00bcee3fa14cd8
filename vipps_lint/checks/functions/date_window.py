"""`date`: a date (or date-time) in the right format, within a window from today.

"Today" is the run's `--as-of` date (default: the real today), so a check of a log from
last June, or of a fixture, gives the same answer on every day.

Problem codes: `format` (not `YYYY-MM-DD`, or not a real date), `too-soon` (fewer than
`minDays` days after today: a date in the past, or too close), `too-late` (more than
`maxDays` days after today). `{{detail}}` says the window as dates ("between 2026-11-30
and 2028-11-28").

    functionOptions:
      format: date          # date: YYYY-MM-DD; date-time: RFC 3339 (only its date is compared)
      minDays: 1
      maxDays: 730
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from vipps_lint.checks.functions import Violation
from vipps_lint.lazy_re import lazy_compile

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "format": {"enum": ["date", "date-time"]},
        "minDays": {"type": "integer"},
        "maxDays": {"type": "integer"},
    },
}

_DATE = lazy_compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_TIME = lazy_compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$")


def compile(options):
    kind = options.get("format", "date")
    shape = _DATE if kind == "date" else _DATE_TIME
    wanted = "YYYY-MM-DD" if kind == "date" else "an RFC 3339 date-time like 2026-12-24T12:00:00Z"
    min_days, max_days = options.get("minDays"), options.get("maxDays")

    def parse(text):
        match = shape.match(text) if len(text) <= 40 else None
        if match is None:
            return None
        try:
            if kind == "date":
                return date(*(int(part) for part in match.groups()))
            return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00").replace("t", "T")).date()
        except ValueError:
            return None

    def check(value, context):
        if not isinstance(value, str):
            return
        day = parse(value.strip())
        if day is None:
            yield Violation("format", f"must be {wanted}")
            return
        today = context.today
        earliest = today + timedelta(days=min_days) if min_days is not None else None
        latest = today + timedelta(days=max_days) if max_days is not None else None
        window = " and ".join(
            part
            for part in (
                earliest and f"on or after {earliest.isoformat()}",
                latest and f"on or before {latest.isoformat()}",
            )
            if part
        )
        if earliest is not None and day < earliest:
            yield Violation(
                "too-soon", f"is {_relative(day, today)}; it must be {window}", detail=f"as of {today.isoformat()}"
            )
        elif latest is not None and day > latest:
            yield Violation(
                "too-late", f"is {_relative(day, today)}; it must be {window}", detail=f"as of {today.isoformat()}"
            )

    return check


def _relative(day: date, today: date) -> str:
    days = (day - today).days
    if days == 0:
        return "today"
    if days == -1:
        return "yesterday"
    if days < 0:
        return f"{-days} days ago"
    if days == 1:
        return "tomorrow"
    return f"{days} days ahead"
