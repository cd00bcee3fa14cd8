"""`when` conditions: a rule (or a check option) applies only if sibling fields say so.

Spectral scopes with JSONPath filters alone; RFC 9535 filters cannot match
case-insensitively (I-Regexp), and "only when `isApp` is true" reads better as data:

    when:
      - field: name
        pattern: "(?i)^\\s*(vipps|mobilepay)\\b"
      - field: isApp
        equals: true
"""

from __future__ import annotations

import re
from typing import Any, Callable

Predicate = Callable[[Any], bool]

CONDITION_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["field"],
        "additionalProperties": False,
        "properties": {"field": {"type": "string"}, "equals": {}, "pattern": {"type": "string"}, "defined": {"type": "boolean"}},
    },
}


def compile_conditions(conditions: list[dict]) -> Predicate:
    """A predicate over an object that is true when every condition holds."""
    tests = [_compile_one(condition) for condition in conditions or ()]

    def holds(obj: Any) -> bool:
        return all(test(obj) for test in tests)

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
    if "pattern" in condition:
        regex = re.compile(condition["pattern"])
        checks.append(lambda value: isinstance(value, str) and regex.search(value) is not None)

    def test(obj: Any) -> bool:
        value = obj.get(name, _MISSING) if isinstance(obj, dict) else _MISSING
        return all(check(value) for check in checks)

    return test
