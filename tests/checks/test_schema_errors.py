"""`schema_errors.compile_errors` finds the errors `jsonschema` finds, for the keywords the
shipped schemas do not use as well (they are compared on every shipped schema in
test_schema_fast_path.py), and leaves to `jsonschema` what it does not read the same way."""

from __future__ import annotations

import datetime
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_schema_fast_path import _error_shape

from vipps_lint.checks.compiled_schema import format_checker, is_plain_json, validator_class
from vipps_lint.checks.schema import _choose, _Compiled, problems
from vipps_lint.checks.schema_errors import compile_errors

from conftest import FIXTURES, REPO

_EVERY_KEYWORD = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["kind", "amount"],
    "minProperties": 2,
    "maxProperties": 6,
    "additionalProperties": False,
    "properties": {
        "kind": {"enum": ["A", "B", 3, None, [1]]},
        "fixed": {"const": {"x": [1, True]}},
        "amount": {"type": ["integer", "null"], "exclusiveMinimum": 0, "exclusiveMaximum": 1000, "multipleOf": 5},
        "ratio": {"type": "number", "multipleOf": 0.1, "minimum": -1, "maximum": 1e30},
        "tags": {"type": "array", "uniqueItems": True, "minItems": 1, "maxItems": 3, "items": {"$ref": "#/$defs/tag"}},
        "none": {"type": "array", "items": False},
        "never": False,
        "free": True,
        "when": {"type": "string", "format": "date-time"},
        "size": {"type": "integer", "format": "int32"},
        "code": {"type": "string", "pattern": "^\\d{2,4}$", "minLength": 2, "maxLength": 4},
        "not": {"not": {"type": "string"}},
        "both": {"allOf": [{"type": "string"}, {"minLength": 3}, {"pattern": "^[a-z]+$"}]},
        "shape": {
            "oneOf": [
                {"$ref": "#/$defs/circle"},
                {"type": "object", "additionalProperties": False, "properties": {"side": {"type": "number"}}},
                {"type": "object", "properties": {"side": {"type": "integer"}}},
            ]
        },
        "any": {"anyOf": [{"type": "string", "enum": ["x", "y"]}, {"type": "integer", "minimum": 10}]},
        "map": {"type": "object", "additionalProperties": {"type": "integer", "maximum": 9}},
    },
    "$defs": {
        "tag": {"type": "string", "minLength": 1, "maxLength": 5},
        "circle": {
            "type": "object",
            "required": ["radius"],
            "additionalProperties": False,
            "properties": {"radius": {"type": "number", "minimum": 0}, "kind": {"const": "circle"}},
        },
    },
}

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 2000),
    st.sampled_from([0.5, 1.0, 0.3, 1e300, 2**31, 2**40, -1, 15, 5.0]),
    st.sampled_from(["", "A", "a", "x", "abc", "ABC", "12", "123456", "2024-05-01T12:00:00Z", "2024-13-01", "circle"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["radius", "side", "kind", "a", "b"]), children, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def _bodies(draw):
    names = [*_EVERY_KEYWORD["properties"], "extra", "Kind"]
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=8))
    return {name: draw(_VALUES) for name in chosen} if draw(st.integers(0, 20)) else draw(_VALUES)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(body=_bodies())
def test_the_errors_are_jsonschemas_for_every_keyword_the_walker_reads(body):
    reference = validator_class()(_EVERY_KEYWORD, format_checker=format_checker())
    errors = compile_errors(_EVERY_KEYWORD)(body)
    assert [_error_shape(error) for error in errors] == [_error_shape(error) for error in reference.iter_errors(body)]
    assert [vars(problem) for problem in _choose(errors)] == [vars(problem) for problem in problems(reference, body)]


@pytest.mark.parametrize(
    "schema",
    [
        {"$id": "https://example.com/s", "type": "object"},
        {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
        {"type": "object", "properties": {"a": {"$schema": "http://json-schema.org/draft-07/schema#"}}},
        {"$defs": {"a/b": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/a~1b"}}},
        {"properties": {"a": {"$ref": "other.json#/x"}}},
        {"properties": {"a": {"$ref": "#/$defs/missing"}}},
        {"type": "object", "if": {"required": ["a"]}, "then": {"required": ["b"]}},
        {"type": "strange"},
        {"type": "object", "additionalProperties": None},
        {"type": "object", "description": "words jsonschema skips but the predicate does not read either"},
    ],
    ids=repr,
)
def test_a_schema_the_walker_does_not_read_leaves_the_errors_to_jsonschema(schema):
    assert compile_errors(schema) is None


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "Q", "amount": 5, "free": Decimal("5")},
        {"kind": "Q", "amount": 5, "free": datetime.date(2024, 5, 1)},
        {"kind": "A", "amount": 5, "tags": ("a", "a")},
    ],
    ids=repr,
)
def test_a_body_that_is_not_plain_json_gets_jsonschemas_errors(body):
    compiled = _Compiled(_EVERY_KEYWORD)
    assert not is_plain_json(body)
    assert [vars(problem) for problem in compiled.problems(body)] == [
        vars(problem) for problem in problems(compiled.validator, body)
    ]


def test_a_schema_the_walker_does_not_read_gets_jsonschemas_errors():
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "dependentRequired": {"a": ["b"]}}
    compiled = _Compiled(schema)
    assert [problem.rule for problem in compiled.problems({"a": 1})] == ["schema-type", "schema-invalid"]
    assert compiled._errors is None


@pytest.mark.parametrize(
    "fixture",
    # order-management's and ePayment's schemas have enums with a null in them
    ["ecom-v2-bad.json", "order-management-v2-bad.json", "epayment-v1-bad.json"],
)
def test_one_file_with_schema_findings_does_not_load_jsonschema(fixture):
    """A pre-commit hook on a body with mistakes: the findings without jsonschema's import."""
    code = (
        "import sys; from vipps_lint.cli import main\n"
        "try: main(['check', '--format', 'json', '-o', '/dev/null', sys.argv[1]])\n"
        "except SystemExit as exit: print(exit.code)\n"
        "print(sorted(name for name in ('jsonschema', 'referencing') if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(FIXTURES / "schema" / fixture)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.stdout.strip().splitlines()[-2:] == ["1", "[]"], result.stderr


def test_remembered_pattern_answers_are_the_patterns_answers(monkeypatch):
    from vipps_lint.checks import schema_errors

    monkeypatch.setattr(schema_errors, "_REMEMBERED_COUNT", 3)
    monkeypatch.setattr(schema_errors, "_REMEMBERED_LENGTH", 4)
    errors = compile_errors({"type": "string", "pattern": "^\\d{2,4}$"})
    texts = ["12", "x", "123", "12345", "1", "12", "٣٤", "x", "123456789", "12345", "1234"] * 2
    assert [bool(errors(text)) for text in texts] == [not (text.isascii() and 2 <= len(text) <= 4) for text in texts]
