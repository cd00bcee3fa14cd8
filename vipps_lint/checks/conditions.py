"""`when` conditions: a rule (or a check option) applies only if sibling fields say so.

Spectral scopes with JSONPath filters alone; RFC 9535 filters cannot match
case-insensitively (I-Regexp), and "only when `isApp` is true" reads better as data:

    when:
      - field: name
        pattern: "(?i)^\\s*(vipps|mobilepay)\\b"
      - field: isApp
        equals: true

A `field` that starts with `/` is a JSON Pointer from the body's root instead of a key of
the object (`/userFlow` while checking `customer`); `in`/`notIn` compare with a list.
"""

from __future__ import annotations

from typing import Any, Callable

from vipps_lint.positions import pointer_tokens
from vipps_lint.safe_regex import compile_rule_pattern

Predicate = Callable[..., bool]  # (obj, root=None) -> bool

CONDITION_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["field"],
        "additionalProperties": False,
        "properties": {
            "field": {"type": "string", "minLength": 1},
            "equals": {},
            "in": {"type": "array", "minItems": 1},
            "notIn": {"type": "array", "minItems": 1},
            "pattern": {"type": "string"},
            "defined": {"type": "boolean"},
        },
    },
}


def compile_conditions(conditions: list[dict]) -> Predicate:
    """A predicate over an object that is true when every condition holds."""
    tests = [_compile_one(condition) for condition in conditions or ()]
    if len(tests) == 1:  # most rules: called for every object a rule selects
        return tests[0]

    def holds(obj: Any, root: Any = None) -> bool:
        return all(test(obj, root) for test in tests)

    holds.always = not tests  # the compiled rules (compiled_rules.py) skip the call
    return holds


_MISSING = object()


def _compile_one(condition: dict) -> Predicate:
    name = condition["field"]
    checks = []
    if "defined" in condition:
        wanted = condition["defined"]
        checks.append(lambda value: (value is not _MISSING) == wanted)
    if "equals" in condition:
        expected = condition["equals"]
        checks.append(lambda value: value is not _MISSING and value == expected and type(value) is type(expected))
    if "in" in condition:
        choices = condition["in"]
        checks.append(
            lambda value: (
                value is not _MISSING and any(value == choice and type(value) is type(choice) for choice in choices)
            )
        )
    if "notIn" in condition:
        excluded = condition["notIn"]
        checks.append(lambda value: not any(value == choice and type(value) is type(choice) for choice in excluded))
    if "pattern" in condition:
        regex = compile_rule_pattern(condition["pattern"])  # RE2 for a user's rule pack
        checks.append(lambda value: isinstance(value, str) and regex.search(value) is not None)

    tokens = pointer_tokens(name) if name.startswith("/") else None

    if tokens is None and len(checks) == 1:
        (only,) = checks

        def test_field(obj: Any, root: Any = None) -> bool:
            return only(obj.get(name, _MISSING) if isinstance(obj, dict) else _MISSING)

        return test_field

    def test(obj: Any, root: Any = None) -> bool:
        if tokens is None:
            value = obj.get(name, _MISSING) if isinstance(obj, dict) else _MISSING
        else:
            value = root if root is not None else obj
            for token in tokens:
                value = value.get(token, _MISSING) if isinstance(value, dict) else _MISSING
        return all(check(value) for check in checks)

    return test
