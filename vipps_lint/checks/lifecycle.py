"""Code check: calls to APIs that are retired, deprecated or legacy (`rules/lifecycle.yaml`).

The statuses are data (`specs/lifecycle.yaml`), each with its date, successor, docs link
and source. A request routed to such an API, or sent to a retired API's own host (the
pre-merger MobilePay APIs, which no spec describes and routing would otherwise skip as
"another API"), gets one finding that names the date and what to call instead:

| status | rule | severity |
| --- | --- | --- |
| retired | `api-retired` | error: the calls fail |
| deprecated | `api-deprecated` | warning: they work, for now |
| legacy | none | works with no end date (eCom v2: "info at most"; reporting every eCom call would be noise) |
| any, dated after `--as-of` | `api-lifecycle-announced` | info naming the date |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Iterator, Optional

from vipps_lint.models import Problem, Request
from vipps_lint.urls import split_url

RULES = ("api-retired", "api-deprecated", "api-lifecycle-announced")
_RULE_BY_STATUS = {"retired": "api-retired", "deprecated": "api-deprecated"}
_VERB = {"retired": "has been retired", "deprecated": "has been deprecated", "legacy": "is legacy"}
_FUTURE_VERB = {"retired": "will be retired", "deprecated": "will be deprecated", "legacy": "becomes legacy"}
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Status:
    api: str
    name: str
    status: str
    date: Optional[date]
    date_text: Optional[str]  # as the source gives it: "2023-11-01" or "October 2023"
    successor: str
    instead: str
    docs: str
    hosts: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()


def _parse_date(text: Any) -> tuple[Optional[date], Optional[str]]:
    if text is None:
        return None, None
    text = str(text)
    if len(text) == 7:  # YYYY-MM: the month is all the source says
        year, month = int(text[:4]), int(text[5:])
        return date(year, month, 1), f"{_MONTHS[month - 1]} {year}"
    return date.fromisoformat(text), text


def _parse_yaml(name: str, text: str):
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=1)
def statuses() -> tuple[Status, ...]:
    from vipps_lint.data import specs_dir
    from vipps_lint.data_cache import parsed

    with open(specs_dir() / "lifecycle.yaml", encoding="utf-8") as handle:
        text = handle.read()
    data = parsed("lifecycle", {"lifecycle.yaml": text}, _parse_yaml)["lifecycle.yaml"]
    found = []
    for entry in data["apis"]:
        when, text = _parse_date(entry.get("date"))
        found.append(
            Status(
                entry["api"],
                entry["name"],
                entry["status"],
                when,
                text,
                entry["successor"],
                entry["instead"],
                entry["docs"],
                tuple(entry.get("hosts") or ()),
                tuple(entry.get("paths") or ()),
            )
        )
    return tuple(found)


def status_of_api(api: str) -> Optional[Status]:
    return next((status for status in statuses() if status.api == api and not status.hosts), None)


def status_of_host(host: str, path: str) -> Optional[Status]:
    """The retired API a request to another host is for (the most specific path entry wins)."""
    host = host.lower()
    matching = [
        status
        for status in statuses()
        if host in status.hosts and (not status.paths or any(path.startswith(prefix) for prefix in status.paths))
    ]
    return max(matching, key=lambda status: len(status.paths) > 0, default=None)


def problem(status: Status, as_of: date) -> Problem:
    if status.date is not None and status.date > as_of:
        return Problem(
            "api-lifecycle-announced",
            f"{status.name} {_FUTURE_VERB[status.status]} {'in' if ' ' in status.date_text else 'on'} "
            f"{status.date_text} (checking as of "
            f"{as_of.isoformat()}); its successor is {status.successor}",
            part="url",
            hint=f"{status.instead} ({status.docs})",
        )
    since = f" since {status.date_text}" if status.date_text else ""
    consequence = {
        "retired": "calls to it fail",
        "deprecated": "it still answers, but will not for long",
        "legacy": "it keeps working, with no end date",
    }[status.status]
    return Problem(
        _RULE_BY_STATUS[status.status],
        f"{status.name} {_VERB[status.status]}{since}: {consequence}; use {status.successor}",
        part="url",
        hint=f"{status.instead} ({status.docs})",
    )


def retired_host_problem(request: Request, as_of: date) -> Optional[Problem]:
    """For a request routing left to "another API": is it a retired API's own host?"""
    if not request.url or "://" not in request.url:
        return None
    split = split_url(request.url)
    status = status_of_host(split.hostname or "", split.path or "/")
    return problem(status, as_of) if status is not None and status.status in _RULE_BY_STATUS else None


class LifecycleCheck:
    def __init__(self, as_of: date):
        self.as_of = as_of

    def check(self, request: Request) -> Iterator[Problem]:
        if request.operation is None:
            return
        status = status_of_api(request.operation.api)
        if status is not None and status.status in _RULE_BY_STATUS:
            yield problem(status, self.as_of)


def create(linter) -> Optional[LifecycleCheck]:
    return LifecycleCheck(linter.as_of) if set(RULES) & linter.rules.enabled else None
