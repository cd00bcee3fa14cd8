"""Routing compiles an operation's path regex only when a path could match it: the same
operation is found as when every regex is tried in order."""

from __future__ import annotations

import re

from vipps_lint.routing import KLARNA_HOSTS, Router, _path_pattern


def _first_by_regex(patterns, method, host, path):
    """Routing as it was before the literal-start test: each operation's regex in order."""
    host = host.lower() if host else None
    on_external_host = host is not None and host in KLARNA_HOSTS
    for operation, pattern in patterns:
        if method is not None and operation.method != method:
            continue
        if operation.hosts:
            if host is not None and host not in operation.hosts:
                continue
        elif on_external_host:
            continue
        if pattern.match(path):
            return operation
    return None


def _paths(template: str):
    concrete = re.sub(r"\{[^}]*\}", "order-1", template)
    yield concrete
    yield concrete + "/"
    yield concrete.rstrip("/")
    yield concrete.upper()
    yield concrete.lower()
    yield concrete + "/extra"
    yield concrete.replace("order-1", "")
    yield concrete[: len(concrete) // 2]


def test_every_operation_routes_as_by_trying_each_regex():
    router = Router.load()
    patterns = [(operation, _path_pattern(operation)) for operation in router.operations]
    seen = 0
    for operation in router.operations:
        for path in _paths(operation.path):
            for method in (operation.method, None, "PATCH"):
                for host in (None, "api.vipps.no", "api.klarna.com"):
                    assert router._find(method, host, path) == _first_by_regex(patterns, method, host, path), (
                        method,
                        host,
                        path,
                    )
                    seen += 1
    assert seen > 5000
    # a pre-commit run compiles only the regexes of operations a path could be for
    fresh = Router.load()
    assert fresh.find("POST", None, "/ecomm/v2/payments") is not None
    assert 0 < len(fresh._patterns) < 5


def test_a_body_asked_twice_is_inferred_once_and_each_body_gets_its_own_answer():
    router = Router.load()
    ecom = {"merchantInfo": {"merchantSerialNumber": "123456"}, "transaction": {"orderId": "o", "amount": 1}}
    epayment = {"amount": {"currency": "NOK", "value": 1}, "reference": "r", "paymentMethod": {"type": "WALLET"}}
    first = router.infer_from_body(ecom)
    assert first[0] is not None and first[0].api.startswith("ecom")
    fitting = first[1]
    fitting.append("changed by a caller")  # a caller's list is its own
    assert router.infer_from_body(ecom) == (first[0], fitting[:-1])
    other = router.infer_from_body(epayment)
    assert other[0] is not None and other[0].api.startswith("epayment")
    # An equal body that is another object is judged afresh, as is the first one again.
    assert router.infer_from_body(dict(ecom))[0] is first[0]
    assert router.infer_from_body(ecom)[0] is first[0]
    assert router.infer_from_body([ecom]) == (None, [])
