"""Checks across a whole log: mistakes that show only when requests are seen together.

Read from logs of what was sent (NDJSON, HAR), across all the log files of a run. The API
rejects each of these in production:

- `session-idempotency-key-reused`: the same `Idempotency-Key` (eCom: `X-Request-Id`) sent
  again with a different request (ePayment answers 409 Conflict);
- `session-reference-reused`: the same ePayment `reference`, or eCom `orderId`, used by two
  different create-payment requests (unique per merchant serial number);
- `session-over-authorized`: captures, or refunds, for one reference that add up to more
  than the amount the create-payment request authorised.

Each is reported at the later request and names the earlier one (file, request number and
line). An identical retry — same key, same method, path and body — is no mistake. Requests
whose logged response is an error did not take effect and change no state.

How it streams: while a file is linted (in a `--jobs` worker, or a section of a large log),
each request that matters here leaves a small `Seen` record; the parent feeds the records
to `SessionChecks` in input order (sections renumbered as one file), so the outcome is the
same with any number of workers. The state is a few values per key (idempotency key,
reference) and never the requests themselves; each map keeps at most `MAX_KEYS` keys,
dropping the oldest, so a log of any length runs in bounded memory.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass, fields
from typing import Any, Optional

from vipps_lint.models import Finding, Position, Problem, Request

RULES = ("session-idempotency-key-reused", "session-reference-reused", "session-over-authorized")
# The formats that record requests as they were sent (a HAR file, a request log).
LOG_FORMATS = ("ndjson", "har")
MAX_KEYS = 1 << 20

# (API prefix, path ending) → what a POST there does, and where its reference and amount are.
_ACTIONS = (
    ("epayment", "/payments", "create"),
    ("epayment", "/capture", "capture"),
    ("epayment", "/refund", "refund"),
    ("ecom", "/payments", "create"),
    ("ecom", "/capture", "capture"),
    ("ecom", "/refund", "refund"),
)


@dataclass
class Seen:
    """What the checks across requests need to know of one request (picklable, small)."""

    index: int  # 0-based in its file (in its section, until the pipeline renumbers it)
    position: Optional[Position]
    method: Optional[str]
    url: Optional[str]
    name: Optional[str]
    operation: Any  # routing.Operation
    merchant: str  # Merchant-Serial-Number (or the body's merchantSerialNumber), "" when unknown
    key: Optional[str]  # Idempotency-Key, or eCom's X-Request-Id
    key_header: Optional[str]
    digest: str  # of method, path and body: what "the same request" means
    action: Optional[str] = None  # create | capture | refund
    api: Optional[str] = None  # epayment | ecom
    reference: Optional[str] = None
    amount: Optional[int] = None  # minor units; None for "all that remains" (eCom capture without amount)
    line: Optional[int] = None  # the NDJSON line

    def __reduce__(self):
        # Each --jobs worker sends one record for most requests of a log: as a plain tuple of
        # the fields the parent unpickles them four times faster than as a dataclass's dict.
        return Seen, tuple(getattr(self, name) for name in _SEEN_FIELDS)


_SEEN_FIELDS = tuple(field.name for field in fields(Seen))


def _digest(request: Request, path: str) -> str:
    body = request.body if request.has_body else None
    try:
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(body)
    return hashlib.blake2b(f"{request.method} {path}\n{text}".encode("utf-8", "replace"), digest_size=16).hexdigest()


def _path_parameter(template: str, path: str) -> Optional[str]:
    """The value of the template's one {parameter} in a concrete path."""
    wanted, got = template.strip("/").split("/"), path.strip("/").split("/")
    if len(wanted) != len(got):
        return None
    for pattern, value in zip(wanted, got):
        if pattern.startswith("{") and pattern.endswith("}"):
            return value
    return None


def _integer(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def seen(request: Request, router, any_format: bool = False) -> Optional[Seen]:
    """The record of a routed request, or None when no check across requests concerns it.

    Only logs of what was sent count (`LOG_FORMATS`): a `.http` file, a curl script or a
    Postman collection holds requests to send one by one, often with the docs' example key
    or a `{{variable}}` standing for a fresh one each time."""
    operation = request.operation
    if operation is None or not request.method:
        return None
    reader = request.meta.reader
    if not any_format and (reader is None or reader.name not in LOG_FORMATS):
        return None
    if request.response is not None and request.response.status is not None and request.response.status >= 400:
        return None  # it did not take effect
    key_header = (
        "Idempotency-Key"
        if request.header("Idempotency-Key")
        else ("X-Request-Id" if request.header("X-Request-Id") else None)
    )
    key = request.header(key_header) if key_header else None
    action = api = None
    if request.method.upper() == "POST":
        for prefix, ending, kind in _ACTIONS:
            if operation.api.startswith(prefix) and operation.path.endswith(ending):
                action, api = kind, prefix
                break
    if key is None and action is None:
        return None
    path = router.host_and_path(request.url)[1] if request.url else operation.path
    body = request.body if isinstance(request.body, dict) else {}
    merchant = request.header("Merchant-Serial-Number") or ""
    record = Seen(
        request.index,
        request.position,
        request.method,
        request.url,
        request.name,
        operation,
        merchant,
        key,
        key_header,
        _digest(request, path),
        line=request.meta.line,
    )
    if action == "create":
        if api == "epayment":
            amount = body.get("amount")
            record.reference = body.get("reference") if isinstance(body.get("reference"), str) else None
            record.amount = _integer(amount.get("value")) if isinstance(amount, dict) else None
        else:
            transaction = body.get("transaction") if isinstance(body.get("transaction"), dict) else {}
            merchant_info = body.get("merchantInfo") if isinstance(body.get("merchantInfo"), dict) else {}
            record.reference = transaction.get("orderId") if isinstance(transaction.get("orderId"), str) else None
            record.amount = _integer(transaction.get("amount"))
            record.merchant = record.merchant or str(merchant_info.get("merchantSerialNumber") or "")
    elif action in ("capture", "refund"):
        record.reference = _path_parameter(operation.path, path)
        if api == "epayment":
            modification = body.get("modificationAmount")
            record.amount = _integer(modification.get("value")) if isinstance(modification, dict) else None
        else:
            transaction = body.get("transaction") if isinstance(body.get("transaction"), dict) else {}
            record.amount = _integer(transaction.get("amount"))
            merchant_info = body.get("merchantInfo") if isinstance(body.get("merchantInfo"), dict) else {}
            record.merchant = record.merchant or str(merchant_info.get("merchantSerialNumber") or "")
    if action is not None and record.reference is None:
        action = None
    record.action, record.api = action, api
    return record if action is not None or key is not None else None


class _Earlier:
    """What is remembered of a request per idempotency key and per reference: one per key of a
    log, so slotted (a third of the memory of a dataclass's dict)."""

    __slots__ = ("file", "number", "line", "digest", "key", "amount", "captured", "refunded")

    def __init__(
        self,
        file: str,
        number: int,  # 1-based request number
        line: Optional[int],
        digest: str = "",
        key: Optional[str] = None,
        amount: Optional[int] = None,  # authorised
    ):
        self.file, self.number, self.line = file, number, line
        self.digest, self.key, self.amount = digest, key, amount
        self.captured = self.refunded = 0

    def where(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"request #{self.number} ({place})"


class _Bounded(OrderedDict):
    """A map that forgets its oldest keys past MAX_KEYS: memory bounded whatever the log."""

    def remember(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > MAX_KEYS:
            self.popitem(last=False)


class SessionChecks:
    """The state of one run's checks across requests, fed in input order."""

    def __init__(self, linter):
        self.linter = linter
        self.enabled = [rule for rule in RULES if rule in linter.rules.enabled]
        self.keys = _Bounded()  # (merchant, key) → _Earlier
        self.payments = _Bounded()  # (api, merchant, reference) → _Earlier (the create)

    @property
    def active(self) -> bool:
        return bool(self.enabled)

    def feed(self, source, records: list[Seen], ignored: frozenset = frozenset()) -> list[Finding]:
        """The findings for one file's records (`source`: its SourceFile, for code frames)."""
        findings = []
        for record in records:
            for problem in self._problems(source.display, record):
                if problem.rule in ignored:
                    continue
                request = Request(
                    source=source,
                    index=record.index,
                    method=record.method,
                    url=record.url,
                    name=record.name,
                    position=record.position,
                    operation=record.operation,
                )
                request.meta.line = record.line
                finding = self.linter.rules.finding(problem, request)
                if finding is not None:
                    finding.position = record.position
                    findings.append(finding)
        return findings

    def _problems(self, file: str, record: Seen):
        here = _Earlier(
            file, record.index + 1, record.position.line if record.position else record.line, record.digest, record.key
        )
        if record.key is not None:
            slot = (record.merchant, record.key)
            earlier = self.keys.get(slot)
            if earlier is not None and earlier.digest != record.digest:
                yield Problem(
                    "session-idempotency-key-reused",
                    f"{record.key_header} {record.key!r} was sent before with a different request, "
                    f"by {earlier.where()}; the API rejects a reused key with another body (409 Conflict) "
                    f"instead of doing this call",
                    part="header",
                    header=record.key_header,
                    hint=f"Send a new {record.key_header} (a fresh UUID) for every new request; reuse one only "
                    f"to retry exactly the same request",
                )
                return
            if earlier is not None:
                return  # a retry of the same request with its key: the API does it once
            self.keys.remember(slot, here)
        if record.action == "create":
            yield from self._create(record, here)
        elif record.action in ("capture", "refund"):
            yield from self._modification(record, here)

    def _create(self, record: Seen, here: _Earlier):
        slot = (record.api, record.merchant, record.reference)
        earlier = self.payments.get(slot)
        field = "reference" if record.api == "epayment" else "orderId"
        if earlier is None:
            here.amount = record.amount
            self.payments.remember(slot, here)
            return
        if earlier.digest == record.digest and earlier.key == record.key:
            return  # an idempotent retry of the same create
        pointer = "/reference" if record.api == "epayment" else "/transaction/orderId"
        yield Problem(
            "session-reference-reused",
            f"{field} {record.reference!r} was used before by the create-payment {earlier.where()}; "
            f"a {field} is unique per merchant serial number, so the API rejects this second payment",
            pointer=pointer,
            hint=f"Give every payment its own {field} (e.g. your order number plus a suffix for each attempt)",
        )

    def _modification(self, record: Seen, here: _Earlier):
        earlier = self.payments.get((record.api, record.merchant, record.reference))
        if earlier is None or earlier.amount is None:
            return  # the create is not in this log: the authorised amount is unknown
        done = earlier.captured if record.action == "capture" else earlier.refunded
        amount = record.amount if record.amount is not None else max(earlier.amount - done, 0)
        if done + amount <= earlier.amount:
            if record.action == "capture":
                earlier.captured += amount
            else:
                earlier.refunded += amount
            return
        verb = "captures" if record.action == "capture" else "refunds"
        pointer = "/modificationAmount/value" if record.api == "epayment" else "/transaction/amount"
        yield Problem(
            "session-over-authorized",
            f"{verb} for {record.reference!r} would add up to {done + amount} (this one {amount}, "
            f"earlier ones {done}), more than the {earlier.amount} authorised by the create-payment "
            f"{earlier.where()}; the API rejects this {record.action}",
            pointer=pointer if record.amount is not None else None,
            hint=f"{record.action.capitalize()} at most {max(earlier.amount - done, 0)} "
            f"(what is left of the authorised amount)",
        )


def findings_after(linter, earlier: list[Request], request: Request) -> list[Finding]:
    """The findings across requests at `request`, after `earlier` ones (a rule's example of a
    log; a run feeds whole files through `SessionChecks` instead)."""
    checks = SessionChecks(linter)
    for number, before in enumerate(earlier):
        linter.lint_request(before)
        record = seen(before, linter.router, any_format=True)
        if record is not None:
            record.index = number
            checks.feed(before.source, [record])
    record = seen(request, linter.router, any_format=True)
    if record is None:
        return []
    record.index = len(earlier)
    return checks.feed(request.source, [record])
