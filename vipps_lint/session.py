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
same with any number of workers. The state is a few numbers per key (idempotency key,
reference), kept by a hash of the key in arrays (`_Bounded`: ~70 bytes a key), and never the
requests themselves; each map keeps at most `MAX_KEYS` keys, dropping the oldest, so a log of
any length runs in bounded memory.
"""

from __future__ import annotations

import json
from array import array
from bisect import bisect_right
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, Iterable, Iterator, Optional

from vipps_lint.blake2 import blake2b
from vipps_lint.models import Finding, Position, Problem, Request

RULES = ("session-idempotency-key-reused", "session-reference-reused", "session-over-authorized")
# The formats that record requests as they were sent (a HAR file, a request log).
LOG_FORMATS = ("ndjson", "har")
# Keys per map: both maps full (a log of a million payments and more) hold ~120 MiB.
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
    digest: int  # of method, path and body (64 bits): what "the same request" means
    action: Optional[str] = None  # create | capture | refund
    api: Optional[str] = None  # epayment | ecom
    reference: Optional[str] = None
    amount: Optional[int] = None  # minor units; None for "all that remains" (eCom capture without amount)
    line: Optional[int] = None  # the NDJSON line

    def __reduce__(self):
        # Each --jobs worker sends one record for most requests of a log: as a plain tuple of
        # the fields the parent unpickles them four times faster than as a dataclass's dict.
        return Seen, _seen_values(self)


_SEEN_FIELDS = tuple(field.name for field in fields(Seen))
_seen_values = attrgetter(*_SEEN_FIELDS)  # a record's fields as a tuple, in order


# The body as "the same request" compares it (json.dumps with these options, one encoder).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


class PackedRecords:
    """A file's records as a `--jobs` worker sends them back: pickled a batch at a time (~140
    bytes a record, where the objects take ~770) and unpickled only as they are fed. A result
    waits in the parent until the results before it are merged, the more of them the busier the
    machine: waiting results stay small."""

    __slots__ = ("batches", "renumber")
    BATCH = 1024  # records unpickled at a time

    def __init__(self, records: Iterable[Seen] = ()):
        self.batches: list[bytes] = []
        self.renumber = 0  # added to each record's index (a section numbered on in its file)
        records = list(records)
        for start in range(0, len(records), self.BATCH):
            self.add(records[start : start + self.BATCH])

    def add(self, records: list[Seen]) -> None:
        import pickle  # only in --jobs workers and the parent of a --jobs run (start-up time)

        if records:
            self.batches.append(pickle.dumps(records, pickle.HIGHEST_PROTOCOL))

    def __bool__(self) -> bool:
        return bool(self.batches)

    def __iter__(self) -> Iterator[Seen]:
        import pickle

        for batch in self.batches:
            for record in pickle.loads(batch):
                record.index += self.renumber
                yield record

    def __getstate__(self):
        return self.batches, self.renumber

    def __setstate__(self, state) -> None:
        self.batches, self.renumber = state


def _digest(request: Request, path: str) -> int:
    body = request.body if request.has_body else None
    try:
        text = _CANONICAL.encode(body)
    except (TypeError, ValueError, RecursionError):
        text = repr(body)
    digest = blake2b(f"{request.method} {path}\n{text}".encode("utf-8", "replace"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _path_parameter(template: str, path: str) -> Optional[str]:
    """The value of the template's one {parameter} in a concrete path."""
    wanted, got = template.strip("/").split("/"), path.strip("/").split("/")
    if len(wanted) != len(got):
        return None
    for pattern, value in zip(wanted, got):
        if pattern.startswith("{") and pattern.endswith("}"):
            return value
    return None


# (API, path template) of an operation → (action, API prefix) of a POST there (None, None).
_ACTION_OF: dict[tuple[str, str], tuple[Optional[str], Optional[str]]] = {}


def _action_of(operation) -> tuple[Optional[str], Optional[str]]:
    found = _ACTION_OF.get((operation.api, operation.path))
    if found is None:
        found = next(
            (
                (kind, prefix)
                for prefix, ending, kind in _ACTIONS
                if operation.api.startswith(prefix) and operation.path.endswith(ending)
            ),
            (None, None),
        )
        _ACTION_OF[operation.api, operation.path] = found
    return found


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
    key_header, key = "Idempotency-Key", request.header("Idempotency-Key")
    if not key:
        key_header, key = "X-Request-Id", request.header("X-Request-Id")
        if not key:
            key_header = key = None
    action, api = _action_of(operation) if request.method.upper() == "POST" else (None, None)
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
        # What a capture or refund without a key sends is never compared: no digest for it.
        _digest(request, path) if key is not None or action == "create" else 0,
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


def _fingerprint(text: str) -> int:
    """A 128-bit hash of a text that stands for a key of the maps below (never its strings)."""
    return int.from_bytes(blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(), "big")


# A field's value that the rows' array cannot hold (None, or an amount out of 64-bit range)
# is found in `_Bounded.overflow`; its place in the array holds this stand-in.
_STAND_IN = -(1 << 63)
_HIGHEST = (1 << 63) - 1
_LOW_64 = (1 << 64) - 1


class _Bounded:
    """A map from 128-bit int keys (`_fingerprint`s) to rows of int fields, that forgets its
    oldest key past MAX_KEYS: memory bounded whatever the log.

    One key per payment and idempotency key of a log, so laid out like CPython's compact dict but
    in `array`s, not objects (~70 bytes a key, where an OrderedDict of strings and objects took
    ~600): keys and rows in insertion order (a row's fields side by side in one int64 array),
    reused as a ring once full, so the row to forget is always the oldest; and an open-addressed
    index (linear probing, at most 2/3 full) of row numbers by the key's low bits."""

    def __init__(self, fields: tuple[str, ...] = ("value",)):
        self.capacity = MAX_KEYS
        self.fields = {name: offset for offset, name in enumerate(fields)}
        self.width = len(fields)
        self.rows = array("q")  # row r's fields at [r * width, (r + 1) * width)
        self.overflow: dict[int, Any] = {}  # place in `rows` → value
        self.high, self.low = array("Q"), array("Q")  # the keys
        self.index = array("i", [-1]) * 8  # row numbers (-1: free), from slot key & mask onwards
        self.mask = 7
        self.oldest = 0  # once full: the row the next key replaces

    def __len__(self) -> int:
        return len(self.low)

    def __iter__(self):
        """The keys, oldest first."""
        count = len(self.low)
        for step in range(count):
            row = (self.oldest + step) % count
            yield self.high[row] << 64 | self.low[row]

    def get(self, key: int) -> Optional[int]:
        """The row of a key, or None."""
        low = key & _LOW_64
        index, mask, lows = self.index, self.mask, self.low
        slot = low & mask
        row = index[slot]
        while row >= 0:
            if lows[row] == low and self.high[row] == key >> 64:
                return row
            slot = (slot + 1) & mask
            row = index[slot]
        return None

    def remember(self, key: int, *values) -> int:
        """Add a key that is not in the map, with its fields' values in order; its row."""
        high, low = key >> 64, key & _LOW_64
        row = len(self.low)
        if row < self.capacity:
            self.high.append(high)
            self.low.append(low)
            if None not in values and min(values) > _STAND_IN and max(values) <= _HIGHEST:
                self.rows.extend(values)
            else:
                self.rows.extend((0,) * self.width)
                for offset, value in enumerate(values):
                    self._store(row * self.width + offset, value)
            if 3 * row >= 2 * len(self.index):
                self._grow()
            else:
                index, mask = self.index, self.mask
                slot = low & mask
                while index[slot] >= 0:
                    slot = (slot + 1) & mask
                index[slot] = row
        else:  # full: the oldest key makes room
            row = self.oldest
            self.oldest = (row + 1) % self.capacity
            self._unplace(row)
            self.high[row], self.low[row] = high, low
            self._place(row)
            for offset, value in enumerate(values):
                self._store(row * self.width + offset, value)
        return row

    def value(self, row: int, name: str):
        place = row * self.width + self.fields[name]
        stored = self.rows[place]
        return self.overflow[place] if stored == _STAND_IN else stored

    def set(self, row: int, name: str, value) -> None:
        self._store(row * self.width + self.fields[name], value)

    def _store(self, place: int, value) -> None:
        if self.rows[place] == _STAND_IN:
            del self.overflow[place]
        if value is not None and _STAND_IN < value <= _HIGHEST:
            self.rows[place] = value
        else:
            self.rows[place] = _STAND_IN
            self.overflow[place] = value

    def _place(self, row: int) -> None:
        index, mask = self.index, self.mask
        slot = self.low[row] & mask
        while index[slot] >= 0:
            slot = (slot + 1) & mask
        index[slot] = row

    def _unplace(self, row: int) -> None:
        """Take a row out of the index, shifting back the rows probed past it (no tombstones)."""
        index, mask, lows = self.index, self.mask, self.low
        hole = lows[row] & mask
        while index[hole] != row:
            hole = (hole + 1) & mask
        slot = hole
        while True:
            slot = (slot + 1) & mask
            moved = index[slot]
            if moved < 0:
                break
            # It may fill the hole unless its own slot lies after the hole (cyclically).
            if (slot - (lows[moved] & mask)) & mask >= (slot - hole) & mask:
                index[hole] = moved
                hole = slot
        index[hole] = -1

    def _grow(self) -> None:
        size = 2 * len(self.index)
        self.index = array("i", [-1]) * size
        self.mask = size - 1
        for row in range(len(self.low)):
            self._place(row)


# What is remembered of the request that first sent an idempotency key, and of the request
# that created a payment: where it is (`SessionChecks.where`: its ordinal, for its file and
# request number, and its line) and what makes a later request the same one.
# The maps are keyed by 128-bit hashes of (merchant, key) and (API, merchant, reference): a new
# key meets a remembered other one by chance with odds of at most MAX_KEYS/2¹²⁸ (2⁻¹⁰⁸), which
# would report a reuse that is none or count a capture against another payment. Requests are
# compared by 64-bit digests: two different ones taken for the same one (odds 2⁻⁶⁴, and compared
# only when a key or reference comes again) would hide a reuse.
_KEY_FIELDS = ("digest", "ordinal", "line")
_PAYMENT_FIELDS = (
    "create",  # the create's digest ^ its idempotency key's hash: what "an idempotent retry" is
    "amount",  # authorised (None: unknown)
    "captured",
    "refunded",
    "ordinal",
    "line",
)


class SessionChecks:
    """The state of one run's checks across requests, fed in input order."""

    def __init__(self, linter):
        self.linter = linter
        self.enabled = [rule for rule in RULES if rule in linter.rules.enabled]
        self.keys = _Bounded(_KEY_FIELDS)  # (merchant, key)
        self.payments = _Bounded(_PAYMENT_FIELDS)  # (api, merchant, reference) → the create
        # A request is remembered by an ordinal: the first ordinal of its file's run of records
        # (`starts`, in order; a file fed again starts a new run) plus its index in the file.
        self.starts: list[int] = []
        self.files: list[str] = []  # display names, by run
        self.next_ordinal = 0

    @property
    def active(self) -> bool:
        return bool(self.enabled)

    def feed(self, source, records: Iterable[Seen], ignored: frozenset = frozenset()) -> list[Finding]:
        """The findings for one file's records (`source`: its SourceFile, for code frames)."""
        findings = []
        display = source.display
        start = self.starts[-1] if self.files and self.files[-1] == display else None
        for record in records:
            if start is None or start + record.index < self.next_ordinal - 1:
                start = self.next_ordinal  # a file not fed before this one, or fed again
                self.starts.append(start)
                self.files.append(display)
            ordinal = start + record.index
            if ordinal >= self.next_ordinal:
                self.next_ordinal = ordinal + 1
            problem = self._problem(ordinal, record)
            if problem is None or problem.rule in ignored:
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

    def where(self, table: _Bounded, row: int) -> str:
        """'request #n (file:line)' of a remembered request."""
        ordinal, line = table.value(row, "ordinal"), table.value(row, "line")
        run = bisect_right(self.starts, ordinal) - 1
        file = self.files[run]
        place = f"{file}:{line}" if line else file
        return f"request #{ordinal - self.starts[run] + 1} ({place})"

    def _problem(self, ordinal: int, record: Seen) -> Optional[Problem]:
        """What is wrong with a request given the ones before it (one thing at most)."""
        line = record.position.line if record.position else record.line
        key = None
        if record.key is not None:
            key = _fingerprint(f"{len(record.merchant)}:{record.merchant}{record.key}")
            earlier = self.keys.get(key)
            if earlier is not None and self.keys.value(earlier, "digest") != record.digest:
                return Problem(
                    "session-idempotency-key-reused",
                    f"{record.key_header} {record.key!r} was sent before with a different request, "
                    f"by {self.where(self.keys, earlier)}; the API rejects a reused key with another body "
                    f"(409 Conflict) instead of doing this call",
                    part="header",
                    header=record.key_header,
                    hint=f"Send a new {record.key_header} (a fresh UUID) for every new request; reuse one only "
                    f"to retry exactly the same request",
                )
            if earlier is not None:
                return None  # a retry of the same request with its key: the API does it once
            self.keys.remember(key, record.digest, ordinal, line)
        if record.action == "create":
            # The same create again: the same digest and idempotency key (the key's hash is one
            # of one merchant's, as is the reference).
            same = record.digest ^ (key >> 65) if key is not None else record.digest
            return self._create(record, same, ordinal, line)
        if record.action in ("capture", "refund"):
            return self._modification(record)
        return None

    def _create(self, record: Seen, same: int, ordinal: int, line: Optional[int]) -> Optional[Problem]:
        slot = _fingerprint(f"{record.api} {len(record.merchant)}:{record.merchant}{record.reference}")
        earlier = self.payments.get(slot)
        field = "reference" if record.api == "epayment" else "orderId"
        if earlier is None:
            self.payments.remember(slot, same, record.amount, 0, 0, ordinal, line)
            return None
        if self.payments.value(earlier, "create") == same:
            return None  # an idempotent retry of the same create
        pointer = "/reference" if record.api == "epayment" else "/transaction/orderId"
        return Problem(
            "session-reference-reused",
            f"{field} {record.reference!r} was used before by the create-payment "
            f"{self.where(self.payments, earlier)}; a {field} is unique per merchant serial number, "
            f"so the API rejects this second payment",
            pointer=pointer,
            hint=f"Give every payment its own {field} (e.g. your order number plus a suffix for each attempt)",
        )

    def _modification(self, record: Seen) -> Optional[Problem]:
        payments = self.payments
        slot = _fingerprint(f"{record.api} {len(record.merchant)}:{record.merchant}{record.reference}")
        earlier = payments.get(slot)
        authorised = payments.value(earlier, "amount") if earlier is not None else None
        if authorised is None:
            return None  # the create is not in this log: the authorised amount is unknown
        total = "captured" if record.action == "capture" else "refunded"
        done = payments.value(earlier, total)
        amount = record.amount if record.amount is not None else max(authorised - done, 0)
        if done + amount <= authorised:
            payments.set(earlier, total, done + amount)
            return None
        verb = "captures" if record.action == "capture" else "refunds"
        pointer = "/modificationAmount/value" if record.api == "epayment" else "/transaction/amount"
        return Problem(
            "session-over-authorized",
            f"{verb} for {record.reference!r} would add up to {done + amount} (this one {amount}, "
            f"earlier ones {done}), more than the {authorised} authorised by the create-payment "
            f"{self.where(payments, earlier)}; the API rejects this {record.action}",
            pointer=pointer if record.amount is not None else None,
            hint=f"{record.action.capitalize()} at most {max(authorised - done, 0)} "
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
