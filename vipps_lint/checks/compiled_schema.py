"""A derived request schema compiled to one Python predicate: is this body valid?

Nearly every body a linter sees is valid, and `jsonschema` spends most of its time on
bookkeeping for errors that never come (~10x slower than this on an eCom body). So the
schema check asks this predicate first and runs `jsonschema` — for its detailed errors —
only when the predicate says no. The predicate must never be more lenient than
`jsonschema` (the test-suite compares the two on mutated bodies); for a keyword it does not
know, `compile_predicate` returns None and the check uses `jsonschema` alone.

The formats both paths check are defined here (`FORMATS`), so they agree.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any, Callable, Optional

Predicate = Callable[[Any], bool]

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$")


def _is_date_time(value: str) -> bool:
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value[:19].replace("t", "T").replace(" ", "T"))
    except ValueError:
        return False
    return True


def _is_date(value: str) -> bool:
    try:
        return len(value) == 10 and date.fromisoformat(value) is not None
    except ValueError:
        return False


def _is_uuid(value: str) -> bool:
    try:
        return len(value) == 36 and uuid.UUID(value) is not None
    except ValueError:
        return False


def _in_range(bits: int):
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return lambda value: low <= value <= high


# format → (the JSON type it applies to, check, what a valid value looks like)
FORMATS: dict[str, tuple[type, Callable[[Any], bool], str]] = {
    "date-time": (str, _is_date_time, "an RFC 3339 date-time, like 2024-05-01T12:00:00Z"),
    "date": (str, _is_date, "a date, like 2024-05-01"),
    "email": (str, lambda value: bool(_EMAIL.match(value)), "an e-mail address"),
    "uri": (str, lambda value: bool(_URI.match(value)), "an absolute URI, like https://example.com/path"),
    "uuid": (str, _is_uuid, "a UUID, like 0b6ea7b2-6d6a-4c4c-8c4a-3f5a1c1e2d3f"),
    "int32": (int, _in_range(32), "a 32-bit integer (-2147483648 to 2147483647)"),
    "int64": (int, _in_range(64), "a 64-bit integer"),
}


_PATTERNS: dict[str, Optional[Callable]] = {}


def compile_pattern(pattern: str) -> Optional[Callable]:
    """`search` for a schema's regular expression, or None when it cannot be evaluated safely.

    Every schema pattern runs on RE2 (vipps_lint/safe_regex.py): a spec's or an OpenAPI
    document's pattern comes from input, and RE2 takes linear time for any pattern. It reads
    ECMA-262's `\\p{L}` (the Partner API uses it), and its `$` is the end of the text, as in
    ECMA-262. A pattern RE2 cannot run (lookaround, backreferences) was reported when the
    schema was derived, and is not checked.
    """
    if pattern not in _PATTERNS:
        from vipps_lint.safe_regex import UnsafePattern, compile_bounded

        try:
            _PATTERNS[pattern] = compile_bounded(pattern)
        except UnsafePattern:
            _PATTERNS[pattern] = None
    return _PATTERNS[pattern]


def validator_class():
    """Draft 2020-12, with `pattern` compiled by `compile_pattern` (so both paths agree)."""
    from jsonschema import Draft202012Validator, ValidationError, validators

    def pattern(validator, expected, instance, schema):
        search = compile_pattern(expected)
        if search is not None and isinstance(instance, str) and search(instance) is None:
            yield ValidationError(f"{instance!r} does not match {expected!r}")

    return validators.extend(Draft202012Validator, {"pattern": pattern})


def format_checker():
    """A jsonschema FormatChecker that checks exactly FORMATS."""
    from jsonschema import FormatChecker  # start-up time

    checker = FormatChecker(formats=())
    for name, (kind, check, _description) in FORMATS.items():
        checker.checks(name)(_typed(kind, check))
    return checker


def _typed(kind: type, check):
    def run(value) -> bool:
        if kind is int:
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (isinstance(value, float) and not value.is_integer())
            ):
                return True  # not an integer: `type` says so
            return check(int(value))
        return not isinstance(value, kind) or check(value)

    return run


class Unsupported(Exception):
    pass


_SUPPORTED = {
    "$schema",
    "$defs",
    "$ref",
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "format",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "minProperties",
    "maxProperties",
}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPES: dict[str, Predicate] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "number": _is_number,
    "integer": lambda value: (
        (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())
    ),
}


def _json_equal(left, right) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_json_equal(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_json_equal(a, b) for a, b in zip(left, right))
    if _is_number(left) and _is_number(right):
        return left == right
    return type(left) is type(right) and left == right


def compile_predicate(schema: dict) -> Optional[Predicate]:
    """The predicate for a whole derived schema (with its `$defs`), or None if unsupported."""
    defs = schema.get("$defs") or {}
    compiled: dict[str, Predicate] = {}

    def reference(name: str) -> Predicate:
        if name not in defs:
            raise Unsupported

        def follow(value):
            predicate = compiled.get(name)
            if predicate is None:
                predicate = compiled[name] = _compile(defs[name], reference)
            return predicate(value)

        return follow

    try:
        predicate = _compile(schema, reference)
        for name in defs:  # compile everything now: unsupported keywords show up at once
            compiled.setdefault(name, _compile(defs[name], reference))
    except Unsupported:
        return None
    return predicate


def _all(checks: list[Predicate]) -> Predicate:
    if not checks:
        return lambda value: True
    if len(checks) == 1:
        return checks[0]
    checks_tuple = tuple(checks)

    def run(value) -> bool:
        return all(check(value) for check in checks_tuple)

    return run


def _compile(schema: Any, reference) -> Predicate:
    if schema is True:
        return lambda value: True
    if schema is False:
        return lambda value: False
    if not isinstance(schema, dict) or not set(schema) <= _SUPPORTED:
        raise Unsupported
    checks: list[Predicate] = []
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/"):
            raise Unsupported
        checks.append(reference(ref[len("#/$defs/") :]))
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        tests = tuple(_TYPES[kind] for kind in kinds)
        checks.append(tests[0] if len(tests) == 1 else (lambda value: any(test(value) for test in tests)))
    if "enum" in schema:
        options = schema["enum"]
        if all(isinstance(option, str) for option in options):
            allowed = frozenset(options)
            checks.append(lambda value: isinstance(value, str) and value in allowed)
        else:
            checks.append(lambda value: any(_json_equal(value, option) for option in options))
    if "const" in schema:
        constant = schema["const"]
        checks.append(lambda value: _json_equal(value, constant))
    checks.extend(_object_checks(schema, reference))
    checks.extend(_string_checks(schema))
    checks.extend(_number_checks(schema))
    checks.extend(_array_checks(schema, reference))
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            branches = tuple(_compile(branch, reference) for branch in schema[key])
            if key == "allOf":
                checks.append(_all(list(branches)))
            elif key == "anyOf":
                checks.append(lambda value, branches=branches: any(branch(value) for branch in branches))
            else:
                checks.append(lambda value, branches=branches: sum(1 for branch in branches if branch(value)) == 1)
    if "not" in schema:
        negated = _compile(schema["not"], reference)
        checks.append(lambda value: not negated(value))
    return _all(checks)


def _object_checks(schema: dict, reference) -> list[Predicate]:
    keys = ("properties", "required", "additionalProperties", "minProperties", "maxProperties")
    if not any(key in schema for key in keys):
        return []
    properties = {name: _compile(sub, reference) for name, sub in (schema.get("properties") or {}).items()}
    required = tuple(schema.get("required") or ())
    additional = schema.get("additionalProperties", True)
    closed = additional is False
    extra = None if isinstance(additional, bool) else _compile(additional, reference)
    low, high = schema.get("minProperties", 0), schema.get("maxProperties")

    def check(value) -> bool:
        if not isinstance(value, dict):
            return True
        for name in required:
            if name not in value:
                return False
        if len(value) < low or (high is not None and len(value) > high):
            return False
        for name, item in value.items():
            predicate = properties.get(name)
            if predicate is not None:
                if not predicate(item):
                    return False
            elif closed or (extra is not None and not extra(item)):
                return False
        return True

    return [check]


def _string_checks(schema: dict) -> list[Predicate]:
    checks = []
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low is not None or high is not None:
        low = low or 0
        checks.append(
            lambda value: not isinstance(value, str) or (len(value) >= low and (high is None or len(value) <= high))
        )
    search = compile_pattern(schema["pattern"]) if "pattern" in schema else None
    if search is not None:
        checks.append(lambda value: not isinstance(value, str) or search(value) is not None)
    fmt = FORMATS.get(schema.get("format"))
    if fmt is not None:
        checks.append(_typed(fmt[0], fmt[1]))
    return checks


def _number_checks(schema: dict) -> list[Predicate]:
    checks = []
    for key, compare in (
        ("minimum", lambda value, bound: value >= bound),
        ("maximum", lambda value, bound: value <= bound),
        ("exclusiveMinimum", lambda value, bound: value > bound),
        ("exclusiveMaximum", lambda value, bound: value < bound),
    ):
        if key in schema:
            bound = schema[key]
            checks.append(lambda value, bound=bound, compare=compare: not _is_number(value) or compare(value, bound))
    if "multipleOf" in schema:
        divisor = schema["multipleOf"]

        def multiple(value) -> bool:
            if not _is_number(value):
                return True
            if isinstance(divisor, float):
                quotient = value / divisor
                try:
                    return int(quotient) == quotient
                except OverflowError:
                    return False
            return not value % divisor

        checks.append(multiple)
    return checks


def _array_checks(schema: dict, reference) -> list[Predicate]:
    checks = []
    if "items" in schema:
        item = _compile(schema["items"], reference)
        checks.append(lambda value: not isinstance(value, list) or all(item(entry) for entry in value))
    low, high = schema.get("minItems"), schema.get("maxItems")
    if low is not None or high is not None:
        low = low or 0
        checks.append(
            lambda value: not isinstance(value, list) or (len(value) >= low and (high is None or len(value) <= high))
        )
    if schema.get("uniqueItems"):
        checks.append(
            lambda value: (
                not isinstance(value, list)
                or all(not _json_equal(value[i], value[j]) for i in range(len(value)) for j in range(i + 1, len(value)))
            )
        )
    return checks
