"""The schema check's detailed errors without `jsonschema`, for the derived schemas.

An invalid body used to cost `jsonschema`'s `iter_errors` (~300 µs: a validator evolved and
a `$ref` resolved through `referencing` at every step, though the valid parts were skipped),
the largest cost of a run over a log full of mistakes. `compile_errors` turns a derived
schema into a walker that yields, for a body made of plain JSON values, the errors
`jsonschema` (with `validator_class` and `format_checker`) yields: the same keywords, in the
same order (each schema's keywords in its own order, `properties` in the schema's order),
with the same `validator`, `validator_value`, `instance`, `schema`, `absolute_path` and, for
`anyOf`/`oneOf`, the same `context` — what `schema.problems` reads. It walks the whole body
(skipping the valid parts with the predicate costs more than walking them here): per JSON
type of a value, only the keywords that can fail on it are tried.

It covers the keywords `compile_predicate` covers (`_SUPPORTED`), `$ref` to the root's
`$defs` only, `$schema` at the root only; for any other schema it returns None and the check
keeps `jsonschema`. The test-suite compares both on the fixtures, the benchmark corpus and
mutated bodies of every shipped schema (tests/checks/test_schema_fast_path.py), and on every
keyword it reads (tests/checks/test_schema_errors.py).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Optional

from vipps_lint.checks.compiled_schema import (
    _SUPPORTED,
    FORMATS,
    Unsupported,
    _compile,
    _is_number,
    _json_equal,
    _references,
    _typed,
    compile_pattern,
)

# (instance, absolute path, where the errors go)
Walker = Callable[[Any, tuple, list], None]


class SchemaError:
    """What `schema.problems` reads of a `jsonschema.ValidationError`.

    `relative_schema_path` holds only its first part (the branch index of an error in an
    `anyOf`/`oneOf` context, the only part read); `message` is `jsonschema`'s wording, made
    when asked for (only for keywords `schema._describe` has no words of its own for)."""

    __slots__ = (
        "validator",
        "validator_value",
        "instance",
        "schema",
        "absolute_path",
        "relative_schema_path",
        "context",
    )

    def __init__(self, validator, validator_value, instance, schema, absolute_path, context=()):
        self.validator = validator
        self.validator_value = validator_value
        self.instance = instance
        self.schema = schema
        self.absolute_path = absolute_path
        self.relative_schema_path: tuple = ()
        self.context = context

    @property
    def message(self) -> str:
        return _message(self)


def _message(error: SchemaError) -> str:
    """`jsonschema` 4's message for the error (its `_keywords.py`)."""
    keyword, expected, instance = error.validator, error.validator_value, error.instance
    if keyword is None:
        return f"False schema does not allow {instance!r}"
    if keyword == "uniqueItems":
        return f"{instance!r} has non-unique elements"
    if keyword == "minProperties":
        return f"{instance!r} {'should be non-empty' if expected == 1 else 'does not have enough properties'}"
    if keyword == "maxProperties":
        return f"{instance!r} {'is expected to be empty' if expected == 0 else 'has too many properties'}"
    if keyword == "not":
        return f"{instance!r} should not be valid under {expected!r}"
    if keyword == "items":
        rest = instance if len(instance) != 1 else instance[0]
        return f"Expected at most 0 items but found {len(instance)} extra: {rest!r}"
    return f"{instance!r} is not valid under the schema's {keyword}"  # words schema._describe has its own for


def compile_errors(schema: Any) -> Optional[Callable[[Any], list]]:
    """`errors(body)` for a whole derived schema, or None where it leaves the errors to `jsonschema`.

    The body must be plain JSON (`compiled_schema.is_plain_json`): the checks here are
    `jsonschema`'s for those values only."""
    if not isinstance(schema, dict):
        return None
    defs = schema.get("$defs") or {}
    if not isinstance(defs, dict):
        return None
    reference, _compiled = _references(defs)
    walkers: dict[str, Walker] = {}
    try:
        _check_keys(schema, root=True)
        for definition in defs.values():
            _check_keys(definition, root=False)
        builder = _Builder(defs, reference, walkers)
        root = builder.walker(schema)
        for name in defs:
            if name not in walkers:
                walkers[name] = builder.walker(defs[name])
    except (Unsupported, KeyError, TypeError):
        return None

    def errors(body: Any) -> list:
        found: list = []
        root(body, (), found)
        return found

    return errors


def _check_keys(schema: Any, root: bool) -> None:
    """Every keyword, at every depth, one this module reads as `jsonschema` does."""
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict) or not set(schema) <= _SUPPORTED:
        raise Unsupported
    if "$schema" in schema and not root:
        raise Unsupported  # jsonschema would switch dialect there
    for key, value in schema.items():
        if key in ("properties", "$defs"):
            if not isinstance(value, dict):
                raise Unsupported
            if key == "properties":
                for sub in value.values():
                    _check_keys(sub, root=False)
        elif key in ("items", "additionalProperties", "not"):
            if not isinstance(value, bool):
                _check_keys(value, root=False)
        elif key in ("allOf", "anyOf", "oneOf"):
            if not isinstance(value, list) or not value:
                raise Unsupported
            for sub in value:
                _check_keys(sub, root=False)
        elif key == "$ref":
            name = value[len("#/$defs/") :] if isinstance(value, str) and value.startswith("#/$defs/") else ""
            if not name or any(char in name for char in "~%/#"):
                raise Unsupported  # a pointer that needs unescaping, or another document


class _Builder:
    def __init__(self, defs: dict, reference, walkers: dict[str, Walker]):
        self.defs = defs
        self.reference = reference
        self.walkers = walkers
        self.predicates: dict[int, tuple[Any, Callable[[Any], bool]]] = {}

    def predicate(self, schema: Any) -> Callable[[Any], bool]:
        entry = self.predicates.get(id(schema))
        if entry is None:
            entry = self.predicates[id(schema)] = (schema, _compile(schema, self.reference))
        return entry[1]

    def descend(self, schema: Any) -> Walker:
        """The walker for a subschema one step down the path (a property's, an item's)."""
        if schema is False:

            def refuse(instance, path, out):
                # jsonschema's descend yields a false schema's error before it adds the step
                # to the path: the error is shown at the value that holds this one.
                out.append(SchemaError(None, None, instance, False, path[:-1]))

            return refuse
        return self.walker(schema)

    def walker(self, schema: Any) -> Walker:
        if schema is True:
            return lambda instance, path, out: None
        if schema is False:

            def refuse(instance, path, out):
                out.append(SchemaError(None, None, instance, False, path))

            return refuse
        # Per JSON type of the value, the keywords that can fail on it, in the schema's order
        # (`maxLength` says nothing of a number; `type: string` nothing of a string).
        steps: dict[type, list] = {kind: [] for kind in _JSON_TYPES}
        for key, value in schema.items():
            step = self.step(key, value, schema)
            if step is None:
                continue
            kinds, fails, nested = step
            for kind in kinds:
                steps[kind].append((fails, key, value, nested))
        by_type = {kind: tuple(found) for kind, found in steps.items()}

        def walk(instance, path, out):
            for fails, key, value, nested in by_type[type(instance)]:
                if nested is not None:
                    nested(instance, path, out)
                elif fails(instance):
                    out.append(SchemaError(key, value, instance, schema, path))

        return walk

    def step(self, key: str, value: Any, schema: dict) -> Optional[tuple]:
        """One keyword of `schema`: (the JSON types it can fail on, `fails(value)` for a keyword
        with one error at the value, or the walker that appends its errors as `jsonschema`'s
        keyword function yields them)."""
        if key in ("$schema", "$defs"):
            return None
        if key == "$ref":
            return _JSON_TYPES, None, self.ref(value[len("#/$defs/") :])
        if key == "properties":
            return _OBJECT, None, self.properties(value, schema)
        if key == "additionalProperties":
            walk = self.additional(value, schema)
            return None if walk is None else (_OBJECT, None, walk)
        if key == "items":
            return _ARRAY, None, self.items(value, schema)
        if key in ("allOf", "anyOf", "oneOf"):
            return _JSON_TYPES, None, self.branches(key, value, schema)
        if key == "not":
            negated = self.predicate(value)
            return _JSON_TYPES, negated, None
        if key == "required":
            return _OBJECT, None, self.required(value, schema)
        kinds, fails = _fails(key, value)
        return (kinds, fails, None) if kinds else None

    def ref(self, name: str) -> Walker:
        if name not in self.defs:
            raise Unsupported
        walkers = self.walkers

        def follow(instance, path, out):
            walk = walkers.get(name)
            if walk is None:
                walk = walkers[name] = self.walker(self.defs[name])
            walk(instance, path, out)

        return follow

    def properties(self, properties: dict, schema: dict) -> Walker:
        children = tuple((name, self.descend(sub)) for name, sub in properties.items())

        def walk(instance, path, out):
            if type(instance) is dict:
                for name, descend in children:
                    if name in instance:
                        descend(instance[name], (*path, name), out)

        return walk

    def additional(self, additional: Any, schema: dict) -> Optional[Walker]:
        known = schema.get("properties", {})
        if isinstance(additional, dict):
            descend = self.descend(additional)

            def walk(instance, path, out):
                if type(instance) is dict:
                    # A set, in the order jsonschema's set has them (built the same way).
                    extras = set(name for name in instance if name not in known)
                    for extra in extras:
                        descend(instance[extra], (*path, extra), out)

            return walk
        if additional is False:

            def refuse(instance, path, out):
                if type(instance) is dict:
                    for name in instance:
                        if name not in known:
                            out.append(SchemaError("additionalProperties", additional, instance, schema, path))
                            return

            return refuse
        if additional is True:
            return None
        raise Unsupported

    def items(self, items: Any, schema: dict) -> Walker:
        if items is False:

            def refuse(instance, path, out):
                if type(instance) is list and instance:
                    out.append(SchemaError("items", items, instance, schema, path))

            return refuse
        descend = self.descend(items)

        def walk(instance, path, out):
            if type(instance) is list:
                for index, item in enumerate(instance):
                    descend(item, (*path, index), out)

        return walk

    def branches(self, key: str, branches: list, schema: dict) -> Walker:
        if any(branch is False for branch in branches):
            raise Unsupported  # jsonschema's error for it has neither path step nor branch index
        walkers = tuple(self.descend(branch) for branch in branches)
        if key == "allOf":

            def every(instance, path, out):
                for walk in walkers:
                    walk(instance, path, out)

            return every
        valid = tuple(self.predicate(branch) for branch in branches)

        def some(instance, path, out):
            context: list = []
            for index, walk in enumerate(walkers):
                errors: list = []
                walk(instance, path, errors)
                if not errors:
                    break
                for error in errors:
                    error.relative_schema_path = (index,)
                context.extend(errors)
            else:
                out.append(SchemaError(key, branches, instance, schema, path, context))
                return
            if key == "oneOf" and any(test(instance) for test in valid[index + 1 :]):
                out.append(SchemaError(key, branches, instance, schema, path))

        return some

    def required(self, required: Any, schema: dict) -> Walker:
        if not isinstance(required, list):
            raise Unsupported
        names = tuple(required)

        def walk(instance, path, out):
            if type(instance) is dict:
                for name in names:
                    if name not in instance:
                        out.append(SchemaError("required", required, instance, schema, path))

        return walk


_NUMBERS = (int, float)
_JSON_TYPES = (dict, list, str, int, float, bool, type(None))
_OBJECT, _ARRAY, _STRING = (dict,), (list,), (str,)
_TYPE_OF_KIND = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "null": (type(None),),
    "number": _NUMBERS,
    "integer": (int,),
}
_KINDS = {
    **dict.fromkeys(("minLength", "maxLength", "pattern"), _STRING),
    **dict.fromkeys(("minItems", "maxItems", "uniqueItems"), _ARRAY),
    **dict.fromkeys(("minProperties", "maxProperties"), _OBJECT),
    **dict.fromkeys(("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"), _NUMBERS),
}


def _fails(key: str, expected: Any) -> tuple[tuple, Callable[[Any], bool]]:
    """(The JSON types a keyword can fail on, whether a plain JSON value of them fails it, as
    `jsonschema`'s keyword function judges it)."""
    if key == "type":
        from vipps_lint.checks.compiled_schema import _TYPES

        names = [expected] if isinstance(expected, str) else expected
        tests = tuple(_TYPES[name] for name in names)
        accepted = {kind for name in names for kind in _TYPE_OF_KIND[name]}
        # A float is an integer when it is whole (2.0): that one depends on the value.
        kinds = tuple(kind for kind in _JSON_TYPES if kind not in accepted)
        if len(tests) == 1:
            test = tests[0]
            return kinds, lambda instance: not test(instance)
        return kinds, lambda instance: not any(test(instance) for test in tests)
    if key == "enum":
        if not isinstance(expected, list):
            raise Unsupported
        if all(isinstance(option, str) for option in expected):
            allowed = frozenset(expected)
            return _JSON_TYPES, lambda instance: not (isinstance(instance, str) and instance in allowed)
        # (the predicate's JSON equality: importing jsonschema's would cost a pre-commit run
        # its import, for the enums with a null that ePayment's schemas have)
        return _JSON_TYPES, lambda instance: not any(_json_equal(option, instance) for option in expected)
    if key == "const":
        if isinstance(expected, str):
            return _JSON_TYPES, lambda instance: not (isinstance(instance, str) and instance == expected)
        return _JSON_TYPES, lambda instance: not _json_equal(instance, expected)
    kinds = _KINDS.get(key)
    if key in ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"):
        if not _is_number(expected):
            raise Unsupported
        if key.startswith("min"):
            return kinds, lambda instance: len(instance) < expected
        return kinds, lambda instance: len(instance) > expected
    if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
        if not _is_number(expected):
            raise Unsupported
        return kinds, {
            "minimum": lambda instance: instance < expected,
            "maximum": lambda instance: instance > expected,
            "exclusiveMinimum": lambda instance: instance <= expected,
            "exclusiveMaximum": lambda instance: instance >= expected,
            "multipleOf": lambda instance: _not_multiple(instance, expected),
        }[key]
    if key == "uniqueItems":

        def repeated(instance) -> bool:
            from jsonschema._utils import uniq  # only for uniqueItems

            return not uniq(instance)

        return (kinds if expected else ()), repeated
    if key == "pattern":
        if not isinstance(expected, str):
            raise Unsupported
        search = compile_pattern(expected)
        if search is None:
            return (), _never  # not checked on any path (see compile_pattern)
        return kinds, _remembered(lambda instance: search(instance) is None)
    if key == "format":
        if not isinstance(expected, str):
            raise Unsupported
        fmt = FORMATS.get(expected)
        if fmt is None:
            return (), _never  # format_checker does not check it
        check = _typed(fmt[0], fmt[1])
        return (_NUMBERS if fmt[0] is int else _STRING), lambda instance: not check(instance)
    raise Unsupported


# A log repeats its values (the merchant serial number, the currency, the phone number of a
# test user), and RE2 through its Python binding costs several µs a call.
_REMEMBERED_LENGTH = 200
_REMEMBERED_COUNT = 256  # per pattern keyword (96 in the shipped schemas): a few MB at most


def _remembered(fails: Callable[[str], bool]) -> Callable[[str], bool]:
    """`fails` for strings, remembering the answers for short ones (a bounded number of them)."""
    answers: dict[str, bool] = {}

    def remembered(instance: str) -> bool:
        answer = answers.get(instance)
        if answer is None:
            answer = fails(instance)
            if len(instance) <= _REMEMBERED_LENGTH:
                if len(answers) >= _REMEMBERED_COUNT:
                    answers.clear()
                answers[instance] = answer
        return answer

    return remembered


def _never(instance) -> bool:
    return False


def _not_multiple(instance, divisor) -> bool:
    if isinstance(divisor, float):
        quotient = instance / divisor
        try:
            return int(quotient) != quotient
        except OverflowError:
            return (Fraction(instance) / Fraction(divisor)).denominator != 1
    return bool(instance % divisor)
