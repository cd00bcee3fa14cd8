"""`given` queries: the fast child-path evaluator agrees with the RFC 9535 library."""

from __future__ import annotations

import jsonpath_rfc9535
import pytest

from vipps_lint.checks.jsonpath import ChildPathQuery, compile_query

BODIES = [
    {},
    {"merchantInfo": {"callbackPrefix": "https://example.com", "fallBack": None}, "transaction": {"amount": 100}},
    {"external_payment_methods": [{"name": "Vipps", "fee": 0}, {"name": "PayPal"}, "not an object", 3]},
    {"external_payment_methods": {"0": {"name": "keyed, not a list"}}},
    {"a": [[1, 2], {"b": [True, None]}], "b": {"c": {"d": "deep"}}},
    {"merchantInfo": ["a list where an object is expected"]},
]

SIMPLE = [
    "$",
    "$.merchantInfo",
    "$.merchantInfo.callbackPrefix",
    "$.external_payment_methods[*]",
    "$.external_payment_methods[0]",
    "$.external_payment_methods[-1]",
    "$.external_payment_methods[*].name",
    "$['merchantInfo']['fallBack']",
    "$.a[*][*]",
    "$.a[1].b[-2]",
    "$.b.*.d",
    "$.missing[*].x",
    "$.a[7]",
    "$.a[-9]",
]
GENERAL = ["$..name", "$.external_payment_methods[?@.name == 'Vipps']", "$.a[0:1]", "$['merchantInfo','transaction']"]


@pytest.mark.parametrize("expression", SIMPLE)
def test_simple_child_paths_run_fast_and_give_the_librarys_nodes(expression):
    query = compile_query(expression)
    assert isinstance(query, ChildPathQuery)
    library = jsonpath_rfc9535.compile(expression)
    for body in BODIES:
        assert [(node.value, tuple(node.location)) for node in query.find(body)] == [
            (node.value, tuple(node.location)) for node in library.find(body)
        ], body


@pytest.mark.parametrize("expression", GENERAL)
def test_other_queries_are_left_to_the_library(expression):
    assert not isinstance(compile_query(expression), ChildPathQuery)


@pytest.mark.parametrize("expression", ["$.a.", "$..a", "$.1a", "$[01]", "$.a[*", "$['a'", "$.a[-0]"])
def test_malformed_or_unusual_spellings_go_to_the_library_and_its_errors(expression):
    try:
        expected = jsonpath_rfc9535.compile(expression)
    except Exception as error:  # noqa: BLE001 - the library raises several error types
        with pytest.raises(type(error)):
            compile_query(expression)
    else:
        assert [tuple(node.location) for node in compile_query(expression).find(BODIES[4])] == [
            tuple(node.location) for node in expected.find(BODIES[4])
        ]
