"""Checks across a whole log (vipps_lint/session.py): reused idempotency keys and references,
captures and refunds over the authorised amount — across files, sections and --jobs."""

from __future__ import annotations

import json

from conftest import run_cli

HOST = "https://apitest.vipps.no"
MSN = {"Merchant-Serial-Number": "123456"}


def _create(reference, value, key, **extra):
    return {
        "method": "POST",
        "url": f"{HOST}/epayment/v1/payments",
        "headers": {"Idempotency-Key": key, **MSN},
        "body": {
            "amount": {"currency": "NOK", "value": value},
            "paymentMethod": {"type": "WALLET"},
            "reference": reference,
            "returnUrl": "https://shop.example.com/return",
            "userFlow": "WEB_REDIRECT",
        },
        **extra,
    }


def _modify(action, reference, value, key, **extra):
    return {
        "method": "POST",
        "url": f"{HOST}/epayment/v1/payments/{reference}/{action}",
        "headers": {"Idempotency-Key": key, **MSN},
        "body": {"modificationAmount": {"currency": "NOK", "value": value}},
        **extra,
    }


def _ecom_create(order_id, amount, request_id):
    return {
        "method": "POST",
        "url": f"{HOST}/ecomm/v2/payments",
        "headers": {"X-Request-Id": request_id, **MSN},
        "body": {
            "customerInfo": {"mobileNumber": "91234567"},
            "merchantInfo": {
                "merchantSerialNumber": "123456",
                "callbackPrefix": "https://shop.example.com/vipps",
                "fallBack": "https://shop.example.com/done",
            },
            "transaction": {"orderId": order_id, "amount": amount, "transactionText": "Socks"},
        },
    }


def _write(path, entries):
    path.write_text("".join(json.dumps(entry) + "\n" for entry in entries), encoding="utf-8")


def _session_findings(*paths, jobs="1", cwd=None):
    result = run_cli("check", "--format", "json", "--select", "session", "--jobs", jobs, *map(str, paths), cwd=cwd)
    assert "Traceback" not in result.stderr.decode(), result.stderr.decode()
    report = json.loads(result.stdout)
    return result.returncode, [
        (f["rule"], f["file"], f["request"]["index"], f["line"], f["message"]) for f in report["findings"]
    ]


def test_a_log_with_each_mistake_reports_it_at_the_later_request(tmp_path):
    log = tmp_path / "day.ndjson"
    _write(
        log,
        [
            _create("acme-shop-123-order1", 10000, "k-create-1"),  # 1
            _modify("capture", "acme-shop-123-order1", 6000, "k-capture-1"),  # 2
            _modify("capture", "acme-shop-123-order1", 6000, "k-capture-1"),  # 3: a retry of 2: fine
            _modify("capture", "acme-shop-123-order1", 5000, "k-capture-2"),  # 4: 6000 + 5000 > 10000
            _modify("capture", "acme-shop-123-order1", 4000, "k-capture-3"),  # 5: 6000 + 4000 = 10000: fine
            _modify("refund", "acme-shop-123-order1", 2500, "k-capture-1"),  # 6: key of 2, another request
            _create("acme-shop-123-order1", 10000, "k-create-1"),  # 7: a retry of 1: fine
            _create("acme-shop-123-order1", 12000, "k-create-7"),  # 8: the reference again
            _create("acme-shop-123-order9", 500, "k-create-9", status=400),  # 9: rejected: changes nothing
            _create("acme-shop-123-order9", 500, "k-create-10"),  # 10: so this is the first
            _ecom_create("order-42", 1000, "r-1"),  # 11
            _ecom_create("order-42", 1500, "r-2"),  # 12: the orderId again
        ],
    )
    status, found = _session_findings(log)
    assert status == 1
    assert [(rule, index + 1, line) for rule, _file, index, line, _message in found] == [
        ("session-over-authorized", 4, 4),
        ("session-idempotency-key-reused", 6, 6),
        ("session-reference-reused", 8, 8),
        ("session-reference-reused", 12, 12),
    ]
    messages = [message for *_rest, message in found]
    assert messages[0].startswith(
        "captures for 'acme-shop-123-order1' would add up to 11000 (this one 5000, earlier ones 6000), "
        "more than the 10000 authorised by the create-payment request #1 ("
    )
    assert f"{log.name}:1)" in messages[0] or f"{log}:1)" in messages[0]
    assert "Idempotency-Key 'k-capture-1' was sent before with a different request, by request #2 (" in messages[1]
    assert "reference 'acme-shop-123-order1' was used before by the create-payment request #1 (" in messages[2]
    assert "orderId 'order-42' was used before by the create-payment request #11 (" in messages[3]


def test_across_files_the_earlier_request_is_named_with_its_file(tmp_path):
    first, second = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    _write(first, [_create("acme-shop-123-order1", 10000, "k-1")])
    _write(second, [_modify("refund", "acme-shop-123-order1", 20000, "k-2")])
    status, found = _session_findings("a.ndjson", "b.ndjson", cwd=tmp_path)
    assert [(rule, file, index) for rule, file, index, _line, _message in found] == [
        ("session-over-authorized", "b.ndjson", 0)
    ]
    assert "by the create-payment request #1 (a.ndjson:1)" in found[0][4]
    # The rule can be deselected, and a file's per-file-ignores apply to it.
    result = run_cli(
        "check", "--format", "json", "--ignore", "session-over-authorized", "a.ndjson", "b.ndjson", cwd=tmp_path
    )
    assert "session-over-authorized" not in result.stdout.decode()


def test_a_large_log_gives_the_same_findings_in_sections_with_jobs(tmp_path):
    """The state spans the sections --jobs cuts a large log into: same report with 1 or 2 processes."""
    from vipps_lint.workers import PARALLEL_MIN_BYTES, SECTION_MIN_BYTES

    padding = "x" * 600
    entries = [_create("acme-shop-123-first", 10000, "k-first")]
    for number in range(1, 7000):
        entry = _create(f"acme-shop-123-order{number}", 1000 + number, f"k-{number}")
        entry["body"]["paymentDescription"] = f"order {number} {padding}"[:100]
        entry["note"] = padding
        entries.append(entry)
    entries.append(_modify("capture", "acme-shop-123-order3", 9000, "k-3"))  # the key of request 4, another request
    entries.append(_create("acme-shop-123-first", 10000, "k-again"))  # the first reference again
    entries.append(_modify("capture", "acme-shop-123-first", 20000, "k-last"))  # over the first's 10000
    log = tmp_path / "big.ndjson"
    _write(log, entries)
    assert log.stat().st_size > max(PARALLEL_MIN_BYTES, 2 * SECTION_MIN_BYTES)
    one = _session_findings(log, jobs="1")
    two = _session_findings(log, jobs="2")
    assert one == two
    assert [(rule, index + 1) for rule, _file, index, _line, _message in one[1]] == [
        ("session-idempotency-key-reused", 7001),
        ("session-reference-reused", 7002),
        ("session-over-authorized", 7003),
    ]
    assert "by request #4 (" in one[1][0][4] and "by the create-payment request #1 (" in one[1][1][4]


def test_state_is_bounded_by_keys(monkeypatch):
    from vipps_lint import session

    monkeypatch.setattr(session, "MAX_KEYS", 3)
    bounded = session._Bounded()
    for number in range(10):
        bounded.remember(number, number)
    assert list(bounded) == [7, 8, 9]


def test_a_log_fed_in_batches_gives_what_it_gives_fed_at_once(tmp_path, monkeypatch):
    # Linted in one process, a log's records are fed to the checks across requests a batch at
    # a time (pipeline.SESSION_BATCH), so memory stays flat: batches of 7 and of the whole log
    # find the same, at the same requests, in the same order.
    from vipps_lint import pipeline

    entries = []
    for number in range(60):
        entries.append(_create(f"order-{number}", 1000, f"key-{number}"))
    entries.append(_create("order-3", 1000, "key-new"))  # a reference reused across batches
    entries.append(_create("order-61", 1000, "key-5"))  # a key reused with another body
    entries.append(_modify("capture", "order-10", 1500, "key-capture"))  # over what was authorised
    entries.append(_create("order-62", 1000, "key-62"))
    log = tmp_path / "log.ndjson"
    _write(log, entries)

    def report() -> dict:
        result = run_cli("check", "--jobs", "1", "--format", "json", str(log))
        assert result.returncode == 1, result.stderr
        return json.loads(result.stdout)

    monkeypatch.setattr(pipeline, "SESSION_BATCH", 10**9)
    at_once = report()
    monkeypatch.setattr(pipeline, "SESSION_BATCH", 7)
    in_batches = report()
    assert in_batches == at_once
    rules = [finding["rule"] for finding in at_once["findings"] if finding["rule"].startswith("session-")]
    assert rules == ["session-reference-reused", "session-idempotency-key-reused", "session-over-authorized"]
