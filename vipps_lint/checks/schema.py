"""Schema check: validate each routed request body against its operation's request schema.

The schemas are derived from the official OpenAPI specs (`vipps-lint schemas build`,
shipped in `schemas/`, or built in memory from `check --spec FILE`); an example read from
an OpenAPI document is validated against the schema *that document* gives its operation
(`Request.meta.document_schema`, see `openapi/own_schemas.py`). Each operation's
schema is compiled once per run (per document), when the first body for it arrives: a fast
validity test (`compiled_schema.py`: a Python predicate, and jsonschema-rs once a run has
many bodies for the schema) answers "valid?" for the common case, and only an invalid body
pays for the detailed errors: those `jsonschema` gives, found by a walker compiled from the
schema (`schema_errors.py`), or by `jsonschema` itself where the walker does not read the
schema or the body.

Every failure becomes one finding at the JSON Pointer of the offending value, with a rule
id per kind (see `rules/schema.yaml`):

| rule | when |
| --- | --- |
| `schema-required` | a required field is missing (shown at the object that lacks it) |
| `schema-type` | a value has the wrong JSON type (`"amount": 499.5` where øre are whole numbers) |
| `schema-enum` | a value is not one of the allowed values (the hint lists them, or the close one) |
| `schema-length` | a string is too short/long, an array has too few/many items |
| `schema-pattern` | a string does not match the spec's pattern (described in words where simple) |
| `schema-range` | a number is below the minimum, above the maximum, or not a multiple |
| `schema-format` | a string/number is not a valid date-time, UUID, URI, int32… |
| `schema-unknown-property` | a field the spec does not define (did-you-mean for near misses) |
| `schema-invalid` | anything else (e.g. a value matching none of several allowed shapes) |

Unknown properties are found by the schema itself: the build adds
`additionalProperties: false` to every object schema that lists its properties.

One value gets at most one schema finding (the most basic problem: a wrong type before a
wrong length), a `oneOf`/`anyOf` failure is explained by the branch the body comes closest
to, and the pipeline drops a schema finding when a YAML rule already reported the same
value (`DEFERS_TO_DECLARATIVE`: the hand-written rule has the better hint).
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Callable, Iterable, Optional

from vipps_lint.checks.compiled_schema import (
    FORMATS,
    NATIVE_CANNOT_READ,
    compile_native,
    compile_part_test,
    compile_predicate,
    format_checker,
    is_plain_json,
    validator_class,
)
from vipps_lint.checks.functions import render_value
from vipps_lint.lazy_re import lazy_compile
from vipps_lint.models import Problem, Request
from vipps_lint.positions import dotted_path, pointer_from_parts

RULES = (
    "schema-required",
    "schema-type",
    "schema-enum",
    "schema-length",
    "schema-pattern",
    "schema-range",
    "schema-format",
    "schema-unknown-property",
    "schema-invalid",
)

# When one value fails several keywords, the most basic problem is the one worth reading.
_PRIORITY = {
    "schema-type": 0,
    "schema-required": 0,
    "schema-unknown-property": 0,
    "schema-enum": 1,
    "schema-format": 2,
    "schema-length": 3,
    "schema-pattern": 4,
    "schema-range": 5,
    "schema-invalid": 6,
}

_TYPE_WORDS = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "object": "an object",
    "array": "an array",
    "boolean": "true or false",
    "null": "null",
}

_AMOUNT_WORDS = lazy_compile(r"amount|price", re.IGNORECASE)


def create(linter) -> Optional[SchemaCheck]:
    if not any(rule_id in linter.rules.enabled for rule_id in RULES):
        return None
    return SchemaCheck(getattr(linter, "spec_schemas", None))


# Loading jsonschema-rs (a 15 MB library) costs about what the Python predicate spends on a
# thousand bodies, so each schema switches to it after this many: one file from a pre-commit
# hook never loads it, a directory of bodies or a log soon does.
NATIVE_AFTER = 500


class _Compiled:
    def __init__(self, schema: dict):
        self.schema = schema
        self.predicate = compile_predicate(schema)
        self.native: Optional[Callable[[Any], bool]] = None
        self._bodies_before_native: Optional[int] = NATIVE_AFTER
        self._validator = None
        self._errors: Optional[Callable[[Any], list]] = None
        self._errors_compiled = False

    @property
    def validator(self):
        if self._validator is None:
            self._validator = validator_class(compile_part_test(self.schema))(
                self.schema, format_checker=format_checker()
            )
        return self._validator

    def problems(self, body: Any) -> list[Problem]:
        """`problems(self.validator, body)`, without `jsonschema` where `schema_errors` covers
        the schema and the body is plain JSON (the same errors, a tenth of the time)."""
        if not self._errors_compiled:
            from vipps_lint.checks.schema_errors import compile_errors

            self._errors = compile_errors(self.schema)
            self._errors_compiled = True
        if self._errors is not None:
            try:
                plain = is_plain_json(body)
            except RecursionError:  # nesting deeper than the stack: what jsonschema makes of it
                plain = False
            if plain:
                return _choose(self._errors(body))
        return problems(self.validator, body)

    def is_valid(self, body: Any) -> bool:
        if self._bodies_before_native is not None:
            if self._bodies_before_native <= 0:
                self._bodies_before_native = None
                self.native = compile_native(self.schema)
            else:
                self._bodies_before_native -= 1
        if self.native is not None:
            try:
                if is_plain_json(body):
                    return self.native(body)
            except NATIVE_CANNOT_READ:
                pass  # the predicate reads every Python value
        if self.predicate is not None:
            return self.predicate(body)
        return self.validator.is_valid(body)


class SchemaCheck:
    def __init__(self, schemas: Optional[dict[str, dict]] = None):
        # In-memory schemas (from --spec) by index name; the others are read from schemas/.
        self.schemas = schemas
        self._compiled: dict[str, Optional[_Compiled]] = {}

    def _load(self, name: str) -> Optional[_Compiled]:
        if name not in self._compiled:
            schema = None
            if self.schemas is not None and name in self.schemas:
                schema = self.schemas[name]
            else:
                from vipps_lint.data import schemas_dir

                try:
                    with open(schemas_dir() / name, encoding="utf-8") as handle:
                        schema = json.load(handle)
                except OSError:
                    schema = None
            self._compiled[name] = _Compiled(schema) if schema is not None else None
        return self._compiled[name]

    def check(self, request: Request) -> Iterable[Problem]:
        if not request.has_body:
            return ()
        own = request.meta.document_schema
        if own is not None:
            # An example in an OpenAPI document: its operation's schema in that document.
            if own.schema is None:
                return ()
            if own.compiled is None:
                own.compiled = _Compiled(own.schema)
            compiled = own.compiled
        else:
            operation = request.operation
            if operation is None or not operation.schema:
                return ()
            compiled = self._load(operation.schema)
        if compiled is None or compiled.is_valid(request.body):
            return ()
        found = compiled.problems(request.body)
        if request.meta.quoted_variables:
            _hint_unquoting(found, request)
        if request.meta.assembled_example:
            # Assembled from the properties' own examples: a field without one is absent, which
            # says nothing about the spec; the values it does give are judged.
            found = [problem for problem in found if problem.rule != "schema-required"]
        return found


def problems(validator, body: Any) -> list[Problem]:
    """One problem per offending value, most basic first, in the order the body has them."""
    return _choose(validator.iter_errors(body))


def _choose(errors: Iterable) -> list[Problem]:
    """The problems of `jsonschema`'s errors (or `schema_errors`' look-alikes), in their order."""
    chosen: dict[str, Problem] = {}
    for error in errors:
        for leaf in _leaves(error):
            for problem in _describe(leaf):
                current = chosen.get(problem.pointer)
                if current is None or _PRIORITY[problem.rule] < _PRIORITY[current.rule]:
                    chosen[problem.pointer] = problem
    return _merge_misspelt(list(chosen.values()))


def _merge_misspelt(found: list[Problem]) -> list[Problem]:
    """`callBackPrefix` sent for a required `callbackPrefix` is one mistake, not two findings."""
    missing = {problem.pointer: problem for problem in found if problem.rule == "schema-required"}
    dropped = set()
    for problem in found:
        if problem.rule != "schema-unknown-property":
            continue
        parent, _, _name = problem.pointer.rpartition("/")
        for pointer in missing:
            suggested = pointer.rpartition("/")[2].replace("~1", "/").replace("~0", "~")
            if pointer.rpartition("/")[0] == parent and f'"{suggested}"' in (problem.hint or ""):
                # The API rejects it for the missing required field: an error at the key typed.
                dropped.add(pointer)
                shown = problem.message.split(" is not a field", 1)[0]
                problem.rule = "schema-required"
                problem.message = (
                    f"{shown}: did you mean {suggested} (required)? The API rejects the request without it"
                )
                problem.hint = f'Rename the field to "{suggested}"'
    return [problem for problem in found if problem.pointer not in dropped]


def _leaves(error) -> list:
    """The errors worth showing: for oneOf/anyOf, those of the branch the value comes closest to."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    branches: dict[int, list] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def distance(item):
        index, errors = item
        depth = len(error.absolute_path)
        own = [sub for sub in errors if len(sub.absolute_path) == depth]
        # The value is not even of the branch's type: the furthest branch.
        wrong_type = any(sub.validator == "type" for sub in own)
        # Fields the branch does not know: the body was not written for this branch.
        unknown = sum(
            len(set(sub.instance) - set(sub.schema.get("properties") or {}))
            for sub in own
            if sub.validator == "additionalProperties" and isinstance(sub.instance, dict)
        )
        # A wrong value in a discriminating field (`type: EVENT_CAMPAIGN`) one level down.
        discriminator = any(
            len(sub.absolute_path) == depth + 1 and sub.validator in ("enum", "const") for sub in errors
        )
        return (wrong_type, unknown, discriminator, len(errors), index)

    _index, best = min(branches.items(), key=distance)
    return [_every_branch_value(leaf, branches.values()) for sub in best for leaf in _leaves(sub)]


def _every_branch_value(leaf, branches) -> Any:
    """A discriminating value (`campaign.type`) that no branch allows: the values of every
    branch, not only of the closest one, so the hint lists all the API takes."""
    if leaf.validator not in ("enum", "const"):
        return leaf
    where = list(leaf.absolute_path)
    values: list = []
    for errors in branches:
        found = [sub for sub in errors if sub.validator in ("enum", "const") and list(sub.absolute_path) == where]
        if not found:  # this branch takes the value: the closest branch's values are the answer
            return leaf
        for value in found[0].validator_value if found[0].validator == "enum" else [found[0].validator_value]:
            if value not in values:
                values.append(value)
    merged = copy.copy(leaf)
    merged.validator, merged.validator_value = "enum", values
    return merged


def _describe(error) -> list[Problem]:
    parts = list(error.absolute_path)
    path = dotted_path(parts)
    pointer = pointer_from_parts(parts)
    value = error.instance
    keyword = error.validator
    expected = error.validator_value
    if keyword == "required":
        return _missing(parts, value, expected, error.schema)
    if keyword in ("additionalProperties", "unevaluatedProperties") and isinstance(value, dict):
        return _unknown(parts, value, error.schema)
    if keyword == "type":
        return [_type_problem(parts, path, pointer, value, expected)]
    if keyword in ("enum", "const"):
        options = expected if keyword == "enum" else [expected]
        return [
            Problem(
                "schema-enum",
                f"{path} is {render_value(value)}, which is not one of the values the API allows",
                pointer=pointer,
                hint=_enum_hint(value, options),
            )
        ]
    if keyword in ("minLength", "maxLength"):
        length = len(value)
        limit = (
            f"at most {expected} {'is' if expected == 1 else 'are'} allowed"
            if keyword == "maxLength"
            else f"at least {expected} {'is' if expected == 1 else 'are'} required"
        )
        unit = "character" if length == 1 else "characters"
        hint = f"Shorten it to {expected} characters or fewer" if keyword == "maxLength" else None
        return [Problem("schema-length", f"{path} is {length} {unit}; {limit}", pointer=pointer, hint=hint)]
    if keyword in ("minItems", "maxItems"):
        limit = f"at most {expected}" if keyword == "maxItems" else f"at least {expected}"
        return [
            Problem(
                "schema-length",
                f"{path} has {len(value)} item{'s' if len(value) != 1 else ''}; {limit} allowed",
                pointer=pointer,
            )
        ]
    if keyword == "pattern":
        return [
            Problem(
                "schema-pattern",
                f"{path} is {render_value(value)}, but the API wants {describe_pattern(expected)}",
                pointer=pointer,
                hint=f"Send a value that matches the regular expression {expected}",
            )
        ]
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
        return [
            Problem(
                "schema-range", f"{path} is {render_value(value)}; {_range_words(keyword, expected)}", pointer=pointer
            )
        ]
    if keyword == "format":
        description = FORMATS[expected][2] if expected in FORMATS else expected
        return [
            Problem("schema-format", f"{path} is {render_value(value)}, which is not {description}", pointer=pointer)
        ]
    if keyword in ("oneOf", "anyOf"):
        if keyword == "oneOf" and not error.context:
            message = (
                f"{path} fits more than one of the alternative shapes the spec allows here (its oneOf), so the API "
                "cannot tell which is meant"
            )
        else:
            message = f"{path} fits none of the alternative shapes the spec allows here"
        return [Problem("schema-invalid", message, pointer=pointer)]
    return [Problem("schema-invalid", f"{path}: {error.message}", pointer=pointer)]


def _missing(parts: list, value: Any, required: list, schema: dict) -> list[Problem]:
    if not isinstance(value, dict):
        return []
    where = dotted_path(parts) if parts else "the body"
    found = []
    for name in required:
        if name in value:
            continue
        kind = ((schema.get("properties") or {}).get(name) or {}).get("type")
        kind_words = f" ({_TYPE_WORDS.get(kind, kind)})" if isinstance(kind, str) else ""
        found.append(
            Problem(
                "schema-required",
                f"{dotted_path([*parts, name])} is required",
                pointer=pointer_from_parts([*parts, name]),
                hint=f'Add "{name}"{kind_words} to {where}',
            )
        )
    return found


def _unknown(parts: list, value: dict, schema: dict) -> list[Problem]:
    known = sorted(
        schema.get("properties") or {}
    )  # the same hint whether the schema was shipped (sorted keys) or built in memory
    found = []
    for name in value:
        if name in known:
            continue
        import difflib  # only for a did-you-mean

        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6) or [
            k for k in known if k.lower() == name.lower()
        ]
        if close:
            hint = f'Did you mean "{close[0]}"? Rename the field'
        elif known:
            listed = ", ".join(known[:12]) + (", …" if len(known) > 12 else "")
            hint = f"Remove it; the fields this object can have are: {listed}"
        else:
            hint = "Remove it"
        where = dotted_path(parts) if parts else "the body"
        found.append(
            Problem(
                "schema-unknown-property",
                f"{dotted_path([*parts, name])} is not a field of {where} in this API call (newest spec): "
                "a misspelt name, or a field the API does not read, so its value does not take effect",
                pointer=pointer_from_parts([*parts, name]),
                hint=hint,
            )
        )
    return found


# The type hints that say to drop the quotes around a value (a quoted template variable gets
# another one: _hint_unquoting).
_AS_NUMBER = "Send it as a number, without quotes"
_UNQUOTED = "Send it without quotes"
_UNQUOTE_HINTS = (_AS_NUMBER, _UNQUOTED)


def _type_problem(parts: list, path: str, pointer: str, value: Any, expected: Any) -> Problem:
    kinds = expected if isinstance(expected, list) else [expected]
    words = " or ".join(_TYPE_WORDS.get(kind, kind) for kind in kinds if kind != "null")
    if "null" in kinds:
        words += " or null"
    is_amount = any(isinstance(part, str) and _AMOUNT_WORDS.search(part) for part in parts[-2:])
    hint = None
    if "integer" in kinds and is_amount and isinstance(value, (int, float, str)) and not isinstance(value, bool):
        message = f"{path} must be a whole number of øre (minor units), got {render_value(value)}"
        number = _as_number(value)
        if isinstance(value, str) and number is not None and float(number).is_integer():
            hint = f"{_AS_NUMBER}: {int(number)}"
        elif number is not None:
            hint = f"Amounts are whole numbers in øre (1 kr = 100 øre): {number:.2f} kr is {round(number * 100)}"
        return Problem("schema-type", message, pointer=pointer, hint=hint)
    if isinstance(value, str) and ("integer" in kinds or "number" in kinds) and _as_number(value) is not None:
        hint = f"{_AS_NUMBER}: {value.strip()}"
    elif "string" in kinds and isinstance(value, (int, float)) and not isinstance(value, bool):
        hint = f'Send it as a string, in quotes: "{render_value(value)}"'
    elif "boolean" in kinds and isinstance(value, str) and value.lower() in ("true", "false"):
        hint = f"{_UNQUOTED}: {value.lower()}"
    return Problem("schema-type", f"{path} must be {words}, got {render_value(value)}", pointer=pointer, hint=hint)


def _hint_unquoting(found: list[Problem], request: Request) -> None:
    """A number or boolean sent as a string because the body writes its variable in quotes
    (`"amount": "{{amount}}"`, as the official PSP collection does): the fix is in the body's
    template, not a value typed in its place."""
    from vipps_lint.positions import pointer_offset

    for problem in found:
        if problem.rule != "schema-type" or not (problem.hint or "").startswith(_UNQUOTE_HINTS):
            continue
        offset = pointer_offset(request.meta.body_text or "", problem.pointer or "")
        name = request.meta.quoted_variables.get(offset) if offset is not None else None
        if name is not None:
            key = (problem.pointer or "").rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
            unquoted = f"{{{{{name}}}}}" if key.isdigit() else f'"{key}": {{{{{name}}}}}'  # (an array item: no key)
            problem.hint = (
                f"Remove the quotes around {{{{{name}}}}} in the body: {unquoted} (a variable is "
                "put in as written, so in quotes its value is sent as a string)"
            )


def _as_number(value: Any) -> Optional[float]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    try:
        return float(value) if isinstance(value, str) and value.strip() else None
    except ValueError:
        return None


def _enum_hint(value: Any, options: list) -> str:
    allowed = ", ".join(render_value(option) for option in options)
    if isinstance(value, str):
        strings = [option for option in options if isinstance(option, str)]
        by_case = [option for option in strings if option.lower() == value.lower()]
        import difflib  # only for a did-you-mean

        close = by_case or difflib.get_close_matches(value, strings, n=1, cutoff=0.6)
        if close:
            return f"Did you mean {render_value(close[0])}? Allowed: {allowed}"
    return f"Use one of: {allowed}"


def _range_words(keyword: str, bound: Any) -> str:
    return {
        "minimum": f"the smallest allowed value is {bound}",
        "maximum": f"the largest allowed value is {bound}",
        "exclusiveMinimum": f"it must be greater than {bound}",
        "exclusiveMaximum": f"it must be less than {bound}",
        "multipleOf": f"it must be a multiple of {bound}",
    }[keyword]


_SIMPLE_PATTERNS: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = (
    (lazy_compile(r"^\^(\\d|\[0-9\])\{(\d+)\}\$$"), lambda m: f"exactly {m.group(2)} digits"),
    (lazy_compile(r"^\^(\\d|\[0-9\])\{(\d+),\}\$$"), lambda m: f"{m.group(2)} or more digits"),
    (
        lazy_compile(r"^\^(\\d|\[0-9\])\{(\d+),(\d+)\}\$$"),
        lambda m: (
            f"exactly {m.group(2)} digits" if m.group(2) == m.group(3) else f"{m.group(2)} to {m.group(3)} digits"
        ),
    ),
    (lazy_compile(r"^\^(\\d|\[0-9\])\+\$$"), lambda m: "digits only"),
    (lazy_compile(r"^\^\[A-Z\]\{(\d+)\}\$$"), lambda m: f"exactly {m.group(1)} capital letters (A-Z)"),
    (lazy_compile(r"^\^\.\{(\d+),(\d+)\}\$$"), lambda m: f"{m.group(1)} to {m.group(2)} characters on one line"),
    (
        lazy_compile(r"^\^\\d\+\(\[\\\.\]\\d\{1,(\d+)\}\)\?\$$"),
        lambda m: f"a number with a dot before at most {m.group(1)} decimals, like 1.5",
    ),
    (lazy_compile(r"^\^\[([-a-zA-Z0-9_.]+)\](?:\{(\d+),(\d+)\}|([*+]))\$$"), lambda m: _class_words(m)),
)

_CLASS_PARTS = (("a-z", "letters"), ("A-Z", "letters"), ("0-9", "digits"))


def _class_words(match: re.Match) -> str:
    content = match.group(1)
    words = []
    for part, word in _CLASS_PARTS:
        if part in content:
            content = content.replace(part, "")
            if word not in words:
                words.append(word)
    words += [f"'{char}'" for char in dict.fromkeys(content)]
    listed = ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]
    if match.group(2):
        return f"{match.group(2)} to {match.group(3)} characters, each one of: {listed}"
    return f"only {listed}" + (" (at least one)" if match.group(4) == "+" else "")


_PATTERN_WORDS: dict[str, str] = {}  # the patterns of the schemas in use: a few dozen


def describe_pattern(pattern: str) -> str:
    """The spec's regular expression in words where it is simple ('exactly 8 digits')."""
    words = _PATTERN_WORDS.get(pattern)
    if words is None:
        words = _PATTERN_WORDS[pattern] = _pattern_words(pattern)
    return words


def _pattern_words(pattern: str) -> str:
    for form, words in _SIMPLE_PATTERNS:
        match = form.match(pattern)
        if match:
            return words(match)
    return f"a value matching {pattern}"
