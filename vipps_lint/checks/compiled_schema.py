"""A derived request schema compiled to a fast "is this body valid?", two ways.

Nearly every body a linter sees is valid, and `jsonschema` spends most of its time on
bookkeeping for errors that never come. So the schema check asks a fast validity test first
and looks for the detailed errors only when the test says no (`schema_errors.py`, or
`jsonschema` for a schema or body that one does not read):

- `compile_predicate`: the schema as one Python predicate (~10x faster than `jsonschema` on
  an eCom body), ready at once: what a short run (one file from a pre-commit hook) uses;
- `compile_native`: the schema on `jsonschema-rs` (compiled Rust; ~25x faster than the
  predicate), for long runs, once loading its library has paid off (see schema.py).

Neither may ever be more lenient than `jsonschema` (the test-suite compares all three on
fixtures, the benchmark corpus and mutated bodies, for every shipped schema); for a keyword
one does not know, it returns None and the check uses the next. The formats and patterns
every path checks are defined here (`FORMATS`, `compile_pattern`), so they agree: the
schema handed to `jsonschema-rs` asks it to call them rather than use its own.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any, Callable, Optional

from vipps_lint.lazy_re import lazy_compile

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


INTEGER_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _in_range(name: str):
    low, high = INTEGER_BOUNDS[name]
    return lambda value: low <= value <= high


# format → (the JSON type it applies to, check, what a valid value looks like)
FORMATS: dict[str, tuple[type, Callable[[Any], bool], str]] = {
    "date-time": (str, _is_date_time, "an RFC 3339 date-time, like 2024-05-01T12:00:00Z"),
    "date": (str, _is_date, "a date, like 2024-05-01"),
    "email": (str, lambda value: bool(_EMAIL.match(value)), "an e-mail address"),
    "uri": (str, lambda value: bool(_URI.match(value)), "an absolute URI, like https://example.com/path"),
    "uuid": (str, _is_uuid, "a UUID, like 0b6ea7b2-6d6a-4c4c-8c4a-3f5a1c1e2d3f"),
    "int32": (int, _in_range("int32"), "a 32-bit integer (-2147483648 to 2147483647)"),
    "int64": (int, _in_range("int64"), "a 64-bit integer"),
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


def validator_class(part_is_valid: Optional[Callable[[Any, Any], bool]] = None):
    """Draft 2020-12, with `pattern` compiled by `compile_pattern` (so both paths agree).

    With `part_is_valid` (`compile_part_test`), `properties` does not descend into a value
    that is valid for its subschema: the same errors, found without walking the valid parts.
    """
    from jsonschema import Draft202012Validator, ValidationError, validators

    def pattern(validator, expected, instance, schema):
        search = compile_pattern(expected)
        if search is not None and isinstance(instance, str) and search(instance) is None:
            yield ValidationError(f"{instance!r} does not match {expected!r}")

    keywords = {"pattern": pattern}
    if part_is_valid is not None:

        def properties(validator, properties, instance, schema):  # jsonschema's, plus the skip
            if not validator.is_type(instance, "object"):
                return
            for name, subschema in properties.items():
                if name in instance and not part_is_valid(instance[name], subschema):
                    yield from validator.descend(instance[name], subschema, path=name, schema_path=name)

        keywords["properties"] = properties
    return validators.extend(Draft202012Validator, keywords)


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


# What a JSON parser makes. jsonschema-rs reads other Python values its own way (a tuple as an
# array, a Decimal as a number, where `jsonschema` sees neither), so it only judges these.
_JSON_SCALARS = frozenset((str, int, float, bool, type(None)))


def is_plain_json(value: Any) -> bool:
    """Whether the value is made of dict (str keys), list, str, int, float, bool and None only."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) not in _JSON_SCALARS and not is_plain_json(item)):
                return False
        return True
    if kind is list:
        return all(type(item) in _JSON_SCALARS or is_plain_json(item) for item in value)
    return kind in _JSON_SCALARS


# Values jsonschema-rs cannot read: an integer beyond 64 bits (older releases), a lone
# surrogate ("\ud800" in JSON; 0.34, the last release for Python 3.9, lets its
# UnicodeEncodeError out as a SystemError), nesting deeper than the recursion limit.
NATIVE_CANNOT_READ = (ValueError, TypeError, OverflowError, RecursionError, SystemError)


def compile_native(schema: dict) -> Optional[Predicate]:
    """`is_valid` on jsonschema-rs for a whole derived schema, or None: the library is not
    installed, or the schema has a keyword `compile_predicate` does not know either.

    The schema is rewritten first so that jsonschema-rs judges exactly what `jsonschema`
    with `validator_class` and `format_checker` judges: Draft 2020-12 whatever `$schema`
    says; each `pattern` and each format of `FORMATS` becomes a custom format that calls
    the same Python check (RE2 for patterns, not jsonschema-rs's own regex dialect); the
    integer formats become `minimum`/`maximum` for integers; other formats, which
    `format_checker` does not check, are dropped. The predicate raises what it cannot read
    (`NATIVE_CANNOT_READ`); callers then ask the next path.
    """
    try:
        import jsonschema_rs
    except ImportError:
        return None
    for engine_patterns in (True, False):  # a plain pattern the Rust engine refuses: RE2 for all
        formats: dict[str, Callable[[str], bool]] = {}
        try:
            rewritten = _for_native(schema, formats, engine_patterns)
            validator = jsonschema_rs.Draft202012Validator(rewritten, formats=formats, validate_formats=True)
        except Unsupported:
            return None
        except (ValueError, TypeError, jsonschema_rs.ValidationError):
            continue
        return validator.is_valid
    return None


# Keywords whose Rust semantics differ from `jsonschema`'s on some values (multipleOf with a
# float divisor), so a schema with them is left to the predicate.
_NOT_NATIVE = {"multipleOf"}


def _for_native(schema: Any, formats: dict[str, Callable[[str], bool]], engine_patterns: bool = True) -> Any:
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, dict) or not set(schema) <= _SUPPORTED or set(schema) & _NOT_NATIVE:
        raise Unsupported
    rewritten: dict[str, Any] = {}
    extra: list[dict] = []
    for key, value in schema.items():
        if key == "$schema":
            continue  # always Draft 2020-12, as validator_class
        if key == "$ref":
            if not isinstance(value, str) or not value.startswith("#/$defs/"):
                raise Unsupported
            rewritten[key] = value
        elif key in ("properties", "$defs"):
            rewritten[key] = {name: _for_native(sub, formats, engine_patterns) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            rewritten[key] = _for_native(value, formats, engine_patterns)
        elif key in ("allOf", "anyOf", "oneOf"):
            rewritten[key] = [_for_native(sub, formats, engine_patterns) for sub in value]
        elif key == "pattern":
            search = compile_pattern(value) if isinstance(value, str) else None
            if search is None:
                continue  # not checked on any path (see compile_pattern)
            plain = plain_pattern(value) if engine_patterns else None
            if plain is not None:
                extra.append({"pattern": plain})
            else:
                name = f"vipps-lint-pattern:{value}"
                formats[name] = lambda text, search=search: search(text) is not None
                extra.append({"format": name})
        elif key == "format":
            fmt = FORMATS.get(value) if isinstance(value, str) else None
            if fmt is None:
                continue  # a format format_checker does not check
            kind, check, _description = fmt
            if kind is int:
                low, high = INTEGER_BOUNDS[value]
                extra.append({"if": {"type": "integer"}, "then": {"minimum": low, "maximum": high}})
            else:
                name = f"vipps-lint:{value}"
                formats[name] = check
                extra.append({"format": name})
        else:
            rewritten[key] = value
    if extra:
        rewritten["allOf"] = [*rewritten.get("allOf", ()), *extra]
    return rewritten


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
    reference, compiled = _references(defs)
    try:
        predicate = _compile(schema, reference)
        for name in defs:  # compile everything now: unsupported keywords show up at once
            compiled.setdefault(name, _compile(defs[name], reference))
    except Unsupported:
        return None
    return predicate


def compile_part_test(schema: dict) -> Optional[Callable[[Any, Any], bool]]:
    """`valid(value, subschema)` for any part of a derived schema, or None if its `$defs` are
    unsupported. It lets `jsonschema` skip the parts of an invalid body that are valid (where
    it would find nothing, at the cost of most of its time); a part it cannot compile is
    never skipped."""
    defs = schema.get("$defs") or {}
    reference, compiled = _references(defs)
    try:
        for name in defs:
            compiled.setdefault(name, _compile(defs[name], reference))
    except Unsupported:
        return None
    parts: dict[int, tuple[Any, Predicate]] = {}  # by id(); the entry keeps its subschema alive

    def valid(value: Any, subschema: Any) -> bool:
        entry = parts.get(id(subschema))
        if entry is None:
            try:
                entry = (subschema, _compile(subschema, reference))
            except Unsupported:
                entry = (subschema, lambda value: False)
            parts[id(subschema)] = entry
        return entry[1](value)

    return valid


def _references(defs: dict) -> tuple[Callable[[str], Predicate], dict[str, Predicate]]:
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

    return reference, compiled


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


# Characters that mean something to a regex engine, outside and inside a class.
_META = set(".+*?()[]{}|^$\\")
_CLASS_META = set("]\\^-[&~")
_QUANTIFIER = lazy_compile(r"[*+?]|\{\d{1,4}(,\d{0,4})?\}")


def plain_pattern(pattern: str) -> Optional[str]:
    """The pattern for jsonschema-rs's own regex engine when it means the same there as on RE2.

    Calling back into Python for every string (`compile_pattern`) costs more than the rest
    of the validation, and most spec patterns are plain (`^\\d{8}$`, `^[a-zA-Z0-9-]{1,50}$`):
    ASCII literals and classes, `\\d`, groups, alternatives, counted repeats, `^` first and
    `$` last. Those match the same strings in every engine once `\\d` is written `[0-9]`.
    Anything else (`.`, `\\w`, `\\s`, `\\b`, `\\p{L}`, non-ASCII) returns None: RE2's meaning is
    kept by calling it.
    """
    out: list[str] = []
    index, end = 0, len(pattern)
    if pattern.startswith("^"):
        out.append("^")
        index = 1
    if pattern.endswith("$") and not pattern.endswith("\\$") and end > index:
        end -= 1
    atom = False  # whether a quantifier may follow
    while index < end:
        char = pattern[index]
        if char == "\\":
            escaped = _escape(pattern[index + 1 : index + 2], _META)
            if escaped is None:
                return None
            out.append(escaped)
            index += 2
            atom = True
        elif char == "[":
            closing = _class(pattern, index + 1, end)
            if closing is None:
                return None
            text, index = closing
            out.append(text)
            atom = True
        elif char in "*+?{":
            match = _QUANTIFIER.match(pattern, index, end)
            if not atom or match is None:
                return None
            out.append(match.group())
            index = match.end()
            if index < end and pattern[index] == "?":  # lazy: the same strings match
                out.append("?")
                index += 1
            atom = False
        elif char == "(":
            if pattern.startswith("(?:", index):
                out.append("(?:")
                index += 3
            elif pattern.startswith("(?", index):
                return None
            else:
                out.append("(")
                index += 1
            atom = False
        elif char in ")|":
            out.append(char)
            index += 1
            atom = char == ")"
        elif char.isascii() and (char.isalnum() or (char.isprintable() and char not in _META)):
            out.append(char)
            index += 1
            atom = True
        else:
            return None  # `.`, `^`/`$` inside, `}`, a control or non-ASCII character
    if end < len(pattern):
        out.append("$")
    return "".join(out)


def _escape(char: str, meta: set) -> Optional[str]:
    if char == "d":
        return "[0-9]"
    if char and char.isascii() and not char.isalnum() and char.isprintable() and char != " ":
        return "\\" + char if char in meta else char
    return None


def _class(pattern: str, index: int, end: int) -> Optional[tuple[str, int]]:
    """`[…]` of ASCII characters, ranges, escaped punctuation and `\\d`; (its text, where it ends)."""
    out = ["["]
    if pattern.startswith("^", index):
        out.append("^")
        index += 1
    previous = None  # "char", "escape" or "range": what a hyphen would follow
    while index < end:
        char = pattern[index]
        following = pattern[index + 1 : index + 2]
        if char == "]":
            if previous is None:
                return None  # `[]…]`: a literal `]` on RE2, an empty class in ECMA-262
            out.append("]")
            return "".join(out), index + 1
        if char == "\\":
            escaped = _escape(following, _CLASS_META)
            if escaped is None:
                return None
            out.append("0-9" if escaped == "[0-9]" else escaped)
            index += 2
            previous = "escape"
        elif char == "-" and (previous is None or following == "]"):
            out.append("\\-")  # first or last: the hyphen itself
            index += 1
            previous = "char"
        elif char == "-":
            if previous != "char" or not following.isascii() or not following.isalnum():
                return None  # a range from an escape or after a range reads differently per engine
            out.append("-" + following)
            index += 2
            previous = "range"
        elif char in "[&~^" or not char.isascii() or not char.isprintable():
            return None  # nested classes and set operations mean different things per engine
        else:
            out.append(char)
            index += 1
            previous = "char"
    return None
