"""The state of the checks across requests (vipps_lint/session.py) in compact form: the bounded
hash-keyed maps forget their oldest keys as an ordered dict would, and the checks find exactly
what the first implementation (dicts of strings and objects, kept here as the reference) found."""

from __future__ import annotations

import json
import random
from collections import OrderedDict
from types import SimpleNamespace

import pytest
from test_session import _create

from vipps_lint import session
from vipps_lint.models import Position, Problem
from vipps_lint.session import RULES, Seen, SessionChecks, _Bounded

from conftest import run_cli


@pytest.mark.parametrize("capacity", [1, 2, 5, 64])
def test_a_bounded_map_keeps_and_forgets_keys_as_an_ordered_dict_does(monkeypatch, capacity):
    monkeypatch.setattr(session, "MAX_KEYS", capacity)
    generator = random.Random(capacity)
    bounded, model = _Bounded(("first", "second")), OrderedDict()
    # Keys that share their low bits probe past each other in the index: most of the keys.
    keys = [generator.getrandbits(128) for _ in range(40)] + [(number << 64) | 5 for number in range(40)]
    for _step in range(3000):
        key = generator.choice(keys)
        row = bounded.get(key)
        assert (row is not None) == (key in model)
        if row is None:
            values = (generator.choice([0, -7, None, 1 << 70, -(1 << 63)]), generator.getrandbits(62))
            bounded.remember(key, *values)
            model[key] = list(values)
            if len(model) > capacity:
                model.popitem(last=False)
        else:
            assert [bounded.value(row, "first"), bounded.value(row, "second")] == model[key]
            changed = generator.choice([None, 3, -(1 << 64), 1 << 63])
            bounded.set(row, "first", changed)
            model[key][0] = changed
        assert list(bounded) == list(model)
    # What does not fit an int64 is kept aside for the keys held, and for no other.
    assert len(bounded.overflow) <= 2 * capacity


def test_a_bounded_map_is_arrays_of_about_fifty_bytes_a_key():
    bounded = _Bounded(("a", "b", "c"))
    for key in range(20_000):
        bounded.remember(key * 0x9E3779B97F4A7C15, key, key, key)
    size = sum(column.buffer_info()[1] * column.itemsize for column in (bounded.rows, bounded.high, bounded.low))
    size += bounded.index.buffer_info()[1] * bounded.index.itemsize
    assert size / 20_000 < 60
    assert all(bounded.get(key * 0x9E3779B97F4A7C15) == key for key in range(0, 20_000, 997))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("capacity", [None, 7])
def test_the_checks_find_what_the_dict_of_strings_implementation_found(monkeypatch, seed, capacity):
    if capacity is not None:
        monkeypatch.setattr(session, "MAX_KEYS", capacity)
    linter = _FakeLinter()
    new, old = SessionChecks(linter), _ReferenceChecks(capacity or session.MAX_KEYS)
    found_new, found_old = [], []
    for display, records in _generated_log(random.Random(seed)):
        found_new += [_shown(finding.problem) for finding in new.feed(SimpleNamespace(display=display), records)]
        found_old += [_shown(problem) for record in records for problem in old.problems(display, record)]
    assert found_new == found_old
    assert {rule for rule, *_rest in found_new} == set(RULES)  # every check had its say


def test_a_log_past_max_keys_forgets_its_oldest_payments(tmp_path, monkeypatch):
    monkeypatch.setattr(session, "MAX_KEYS", 3)
    entries = [_create(f"order-{number}", 1000, f"key-{number}") for number in range(1, 5)]
    entries.append(_create("order-1", 1000, "key-again-1"))  # forgotten: order-1 was the oldest of 4
    entries.append(_create("order-3", 1000, "key-again-3"))  # still remembered
    log = tmp_path / "log.ndjson"
    log.write_text("".join(json.dumps(entry) + "\n" for entry in entries), encoding="utf-8")
    result = run_cli("check", "--jobs", "1", "--format", "json", "--select", "session", str(log))
    findings = json.loads(result.stdout)["findings"]
    assert [(finding["rule"], finding["request"]["index"] + 1) for finding in findings] == [
        ("session-reference-reused", 6)
    ]
    assert "by the create-payment request #3 (" in findings[0]["message"]


class _FakeLinter:
    """What SessionChecks asks of a linter: the enabled rules, and a finding per problem."""

    rules = SimpleNamespace(enabled=set(RULES), finding=lambda problem, request: SimpleNamespace(problem=problem))


def _shown(problem: Problem):
    return (problem.rule, problem.message, problem.hint, problem.pointer, problem.part, problem.header)


def _generated_log(generator: random.Random):
    """Files of records: creates, captures and refunds of a few references and merchants, in
    ePayment and eCom, with keys sent again (retries, and reuses with another request), amounts
    missing or beyond 64 bits, requests without a line, and a file that comes again."""
    files = []
    for display in ["a.ndjson", "b.har", "b.har", "a.ndjson", "c.ndjson"]:
        records, line = [], generator.randint(0, 3)
        for index in range(generator.randint(40, 120)):
            line += generator.randint(1, 3)
            api = generator.choice(["epayment", "ecom"])
            action = generator.choice(["create", "create", "capture", "refund", None])
            key = generator.choice([None, *(f"k{number}" for number in range(12))])
            if action is None and key is None:
                key = "k0"
            amount = generator.choice([None, 0, 100, 250, 400, 1000, 1 << 64, -50])
            position = generator.choice([Position(line, 1), None])
            records.append(
                Seen(
                    index=index,
                    position=position,
                    method="POST",
                    url=f"https://apitest.vipps.no/{api}/{index}",
                    name=None,
                    operation=None,
                    merchant=generator.choice(["123456", "654321", ""]),
                    key=key,
                    key_header=None if key is None else generator.choice(["Idempotency-Key", "X-Request-Id"]),
                    digest=generator.choice([1, 2, 3, -(1 << 63), (1 << 63) - 1]),
                    action=action,
                    api=api if action else None,
                    reference=generator.choice(["r1", "r2", "r3", "r4", "r'5"]) if action else None,
                    amount=amount,
                    line=generator.choice([line, None]) if position is None else line,
                )
            )
        files.append((display, records))
    return files


class _ReferenceChecks:
    """The checks across requests as first written (strings and objects in ordered dicts)."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.keys, self.payments = OrderedDict(), OrderedDict()

    def remember(self, table, slot, here):
        table[slot] = here
        if len(table) > self.capacity:
            table.popitem(last=False)

    def problems(self, file, record):
        here = SimpleNamespace(
            file=file,
            number=record.index + 1,
            line=record.position.line if record.position else record.line,
            digest=record.digest,
            key=record.key,
            amount=None,
            captured=0,
            refunded=0,
        )
        if record.key is not None:
            slot = (record.merchant, record.key)
            earlier = self.keys.get(slot)
            if earlier is not None and earlier.digest != record.digest:
                yield Problem(
                    "session-idempotency-key-reused",
                    f"{record.key_header} {record.key!r} was sent before with a different request, "
                    f"by {_where(earlier)}; the API rejects a reused key with another body (409 Conflict) "
                    f"instead of doing this call",
                    part="header",
                    header=record.key_header,
                    hint=f"Send a new {record.key_header} (a fresh UUID) for every new request; reuse one only "
                    f"to retry exactly the same request",
                )
                return
            if earlier is not None:
                return
            self.remember(self.keys, slot, here)
        if record.action == "create":
            yield from self.create(record, here)
        elif record.action in ("capture", "refund"):
            yield from self.modification(record)

    def create(self, record, here):
        slot = (record.api, record.merchant, record.reference)
        earlier = self.payments.get(slot)
        field = "reference" if record.api == "epayment" else "orderId"
        if earlier is None:
            here.amount = record.amount
            self.remember(self.payments, slot, here)
            return
        if earlier.digest == record.digest and earlier.key == record.key:
            return
        pointer = "/reference" if record.api == "epayment" else "/transaction/orderId"
        yield Problem(
            "session-reference-reused",
            f"{field} {record.reference!r} was used before by the create-payment {_where(earlier)}; "
            f"a {field} is unique per merchant serial number, so the API rejects this second payment",
            pointer=pointer,
            hint=f"Give every payment its own {field} (e.g. your order number plus a suffix for each attempt)",
        )

    def modification(self, record):
        earlier = self.payments.get((record.api, record.merchant, record.reference))
        if earlier is None or earlier.amount is None:
            return
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
            f"{_where(earlier)}; the API rejects this {record.action}",
            pointer=pointer if record.amount is not None else None,
            hint=f"{record.action.capitalize()} at most {max(earlier.amount - done, 0)} "
            f"(what is left of the authorised amount)",
        )


def _where(earlier) -> str:
    place = f"{earlier.file}:{earlier.line}" if earlier.line else earlier.file
    return f"request #{earlier.number} ({place})"


def test_packed_records_come_back_as_they_were_numbered_on():
    import pickle

    from vipps_lint.session import PackedRecords

    records = [
        Seen(number, Position(number + 1, 1), "POST", "u", None, None, "1", f"k{number}", "Idempotency-Key", number)
        for number in range(5)
    ]
    packed = PackedRecords()
    assert not packed
    packed.add(records[:3])
    packed.add([])
    packed.add(records[3:])
    packed = pickle.loads(pickle.dumps(packed))  # as a worker sends it
    packed.renumber += 10
    assert [(record.index, record.key, record.position.line) for record in packed] == [
        (10 + number, f"k{number}", number + 1) for number in range(5)
    ]


def test_packed_records_are_unpickled_a_batch_at_a_time(monkeypatch):
    from vipps_lint.session import PackedRecords

    monkeypatch.setattr(PackedRecords, "BATCH", 2)
    records = [Seen(number, None, "POST", "u", None, None, "1", "k", "Idempotency-Key", number) for number in range(5)]
    packed = PackedRecords(records)
    assert len(packed.batches) == 3
    assert [record.index for record in packed] == list(range(5))
