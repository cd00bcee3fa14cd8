"""The fast validity paths of the schema check (issue 13) judge exactly as `jsonschema` does.

Three ways answer "is this body valid?" (vipps_lint/checks/compiled_schema.py): jsonschema-rs
on a rewritten schema (long runs), the Python predicate (short runs; and values jsonschema-rs
cannot read), and `jsonschema` itself, which alone writes the findings, skipping the parts of
a body the predicate finds valid; and `schema_errors.compile_errors`, which finds the errors
`jsonschema` finds, without it, for plain JSON bodies (what the check uses where it covers
the schema). Here all of them are compared, for every shipped schema, on the fixtures, on
the benchmark corpora (the default and the findings-heavy one) and on bodies generated from
each schema and mutated — the errors themselves and the problems made of them; and whole
reports with jsonschema-rs, and without it (its import failing), are the same.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, REPO, run_json, value_paths

SCHEMA_FILES = sorted(
    path.relative_to(REPO / "schemas").as_posix()
    for path in (REPO / "schemas").rglob("*.json")
    if path.name not in ("index.json", "rule-file.schema.json")
)


def _schema(name: str) -> dict:
    return json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))


class _Judges:
    """Every path's verdict on one schema, and the problems with and without skipping parts."""

    def __init__(self, schema: dict):
        from vipps_lint.checks.compiled_schema import (
            compile_native,
            compile_part_test,
            compile_predicate,
            format_checker,
            validator_class,
        )
        from vipps_lint.checks.schema_errors import compile_errors

        self.native = compile_native(schema)
        self.predicate = compile_predicate(schema)
        self.errors = compile_errors(schema)
        self.reference = validator_class()(schema, format_checker=format_checker())
        self.skipping = validator_class(compile_part_test(schema))(schema, format_checker=format_checker())

    def agree(self, body) -> bool:
        """Assert the paths agree on `body`; its validity."""
        from vipps_lint.checks.compiled_schema import NATIVE_CANNOT_READ, is_plain_json
        from vipps_lint.checks.schema import _choose, problems

        valid = self.reference.is_valid(body)
        shown = json.dumps(body, ensure_ascii=False, default=repr)[:400]
        assert self.predicate(body) == valid, shown
        try:
            assert self.native(body) == valid, shown
        except NATIVE_CANNOT_READ:
            pass  # the predicate answers for these (test_values_jsonschema_rs_cannot_read_…)
        found = [vars(problem) for problem in problems(self.skipping, body)]
        assert found == [vars(problem) for problem in problems(self.reference, body)], shown
        assert valid == (not found) or not valid, shown  # a valid body has no problems
        if is_plain_json(body):
            errors = self.errors(body)
            assert [_error_shape(error) for error in errors] == [
                _error_shape(error) for error in self.reference.iter_errors(body)
            ], shown
            assert [vars(problem) for problem in _choose(errors)] == found, shown
        return valid


def _error_shape(error, in_context: bool = False) -> tuple:
    """What `schema.problems` reads of an error (`jsonschema`'s or `schema_errors`')."""
    return (
        error.validator,
        error.validator_value,
        list(error.absolute_path),
        error.instance,
        error.schema,
        error.relative_schema_path[0] if in_context else None,
        [_error_shape(sub, in_context=True) for sub in error.context or ()],
        error.message if error.validator not in _DESCRIBED else None,
    )


# Keywords schema._describe words itself; for the others it shows jsonschema's message.
_DESCRIBED = {"required", "additionalProperties", "type", "enum", "const", "minLength", "maxLength", "minItems"}
_DESCRIBED |= {"maxItems", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
_DESCRIBED |= {"format", "oneOf", "anyOf"}


_JUDGES: dict[str, _Judges] = {}


def _judges(name: str) -> _Judges:
    if name not in _JUDGES:
        _JUDGES[name] = _Judges(_schema(name))
    return _JUDGES[name]


def test_every_shipped_schema_compiles_to_both_fast_paths_and_the_error_walker():
    for name in SCHEMA_FILES:
        judges = _judges(name)
        assert judges.native is not None, name
        assert judges.predicate is not None, name
        assert judges.errors is not None, name


# -- the bodies: fixtures, the benchmark corpus, generated from each schema ----------------


def _routed_bodies(paths) -> list[tuple[str, object]]:
    """(schema file, body) of every request the linter validates against a shipped schema."""
    from vipps_lint.checks import schema as schema_check
    from vipps_lint.pipeline import Linter, Settings

    seen: list[tuple[str, object]] = []
    check = schema_check.SchemaCheck.check

    def spy(self, request):
        operation = request.operation
        if request.has_body and operation is not None and operation.schema and request.meta.document_schema is None:
            seen.append((operation.schema, request.body))
        return check(self, request)

    schema_check.SchemaCheck.check = spy
    try:
        Linter(Settings(jobs=1)).run([str(path) for path in paths])
    finally:
        schema_check.SchemaCheck.check = check
    return seen


def test_the_paths_agree_on_every_fixture():
    bodies = _routed_bodies([FIXTURES])
    assert len({name for name, _ in bodies}) >= 5
    verdicts = [_judges(name).agree(body) for name, body in bodies]
    assert True in verdicts and False in verdicts


def _corpus(tmp_path, count=300, defect_rate=0.5, defects_per_request=1):
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import corpus
    finally:
        sys.path.remove(str(REPO / "bench"))
    requests, defects = corpus.generate(
        count, seed=13, defect_rate=defect_rate, defects_per_request=defects_per_request
    )
    corpus.write_bodies(requests, tmp_path)
    return tmp_path / "bodies", defects


def test_the_paths_agree_on_the_benchmark_corpus(tmp_path):
    directory, _defects = _corpus(tmp_path)
    bodies = _routed_bodies([directory])
    assert len(bodies) > 200
    verdicts = [_judges(name).agree(body) for name, body in bodies]
    assert verdicts.count(False) > 50


def test_the_paths_agree_on_the_findings_heavy_corpus(tmp_path):
    directory, _defects = _corpus(tmp_path, count=300, defect_rate=0.45, defects_per_request=3)
    bodies = _routed_bodies([directory])
    verdicts = [_judges(name).agree(body) for name, body in bodies]
    assert verdicts.count(False) > 100


_SAMPLES = {
    "date-time": ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00.5+02:00", "2024-13-01T12:00:00Z", "yesterday"],
    "date": ["2024-05-01", "2024-02-30", "01.05.2024"],
    "email": ["a@example.com", "not an e-mail", "a@b@c"],
    "uri": ["https://example.com/cb", "example.com", "https://ex ample.com"],
    "uuid": ["0b6ea7b2-6d6a-4c4c-8c4a-3f5a1c1e2d3f", "0b6ea7b2-6d6a-4c4c-8c4a-3f5a1c1e2d3", "x" * 36],
}
_ODD_TEXT = st.sampled_from(["", " ", "\n", "12345678\n", "٣٤٥٦٧٨٩٠", "１２３", "æøå", "\r", "a\u2028b", "\u00a0"])


def _string(schema: dict, noisy: bool) -> st.SearchStrategy:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if schema.get("format") in _SAMPLES:
        samples = _SAMPLES[schema["format"]]
        return st.sampled_from(samples if noisy else samples[:1])
    choices = []
    if "pattern" in schema:
        try:  # ASCII: RE2's \d and \w
            flags = re.ASCII if schema["pattern"].isascii() else 0
            choices.append(st.from_regex(re.compile(schema["pattern"], flags), fullmatch=True))
        except re.error:  # a pattern Python's re cannot read (\p{L}): the other strings
            pass
    if not choices or noisy:
        choices.append(st.text(st.characters(codec="utf-8"), min_size=low, max_size=min(high or 40, 80)))
    if noisy:
        # Digits and letters of other scripts where a pattern wants ASCII ones; line ends; spaces.
        choices.append(st.from_regex(r"[0-9٠-٩a-zA-Z]{1,20}", fullmatch=True))
        choices.append(_ODD_TEXT)
    return st.one_of(choices)


def _number(schema: dict, integer: bool, noisy: bool) -> st.SearchStrategy:
    from vipps_lint.checks.compiled_schema import INTEGER_BOUNDS

    low, high = INTEGER_BOUNDS.get(schema.get("format"), (None, None))
    low = max(low, schema["minimum"]) if "minimum" in schema and low is not None else schema.get("minimum", low)
    high = min(high, schema["maximum"]) if "maximum" in schema and high is not None else schema.get("maximum", high)
    if not noisy:
        return st.integers(low, high) if integer else st.floats(low, high, allow_nan=False, allow_infinity=False)
    edges = [0, -1, 1.0, 2.5, 1e20, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 2**64, 2**70, -(2**70)]
    for bound in (low, high, schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")):
        if bound is not None:
            edges += [bound, bound - 1, bound + 1, bound + 0.5]
    return st.one_of(st.sampled_from(edges), st.integers(), st.floats(allow_nan=False, allow_infinity=False))


def _instances(schema, defs: dict, noisy: bool, depth: int = 0) -> st.SearchStrategy:
    """Bodies shaped by the schema: valid but for what the generator cannot know (`noisy`: odd
    values on every field, where jsonschema-rs would read otherwise if it could)."""
    if not isinstance(schema, dict) or depth > 14:
        return st.none()
    if "$ref" in schema:
        return _instances(defs[schema["$ref"].rsplit("/", 1)[1]], defs, noisy, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return st.one_of([_instances(branch, defs, noisy, depth + 1) for branch in schema[key]])
    if "enum" in schema:
        if noisy:
            return st.sampled_from([*schema["enum"], str(schema["enum"][0]).lower(), 7])
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        required = [name for name in schema.get("required", ()) if name in properties]
        return st.fixed_dictionaries(
            {name: _instances(properties[name], defs, noisy, depth + 1) for name in required},
            optional={
                name: _instances(sub, defs, noisy, depth + 1)
                for name, sub in properties.items()
                if name not in required
            },
        )
    if kind == "array":
        low = schema.get("minItems", 0)
        return st.lists(_instances(schema.get("items", {}), defs, noisy, depth + 1), min_size=low, max_size=low + 2)
    if kind == "string":
        return _string(schema, noisy)
    if kind in ("integer", "number"):
        return _number(schema, kind == "integer", noisy)
    if kind == "boolean":
        return st.booleans()
    return st.none()


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=2) | st.dictionaries(st.text(max_size=6), children, max_size=2),
    max_leaves=4,
)


@st.composite
def _bodies(draw, name: str):
    schema = _schema(name)
    body = draw(_instances(schema, schema.get("$defs") or {}, noisy=draw(st.booleans())))
    if draw(st.booleans()):  # one mutation: a value replaced, or a key deleted
        paths = list(value_paths(body))
        path = paths[draw(st.integers(0, len(paths) - 1))]
        if not path:
            return draw(_VALUES)
        parent = body
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(_VALUES)
    return body


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_the_paths_agree_on_bodies_generated_from_each_schema(name):
    valid = []

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(body=_bodies(name))
    def check(body):
        valid.append(_judges(name).agree(body))

    check()
    assert False in valid


# -- edge values: what jsonschema-rs reads differently or not at all -----------------------


_EDGE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "list": {"type": "array", "items": {"type": "string"}},
        "number": {"type": "integer", "format": "int64", "maximum": 2**62},
        "text": {"type": "string", "pattern": "^\\d{2,4}$", "maxLength": 4},
        "words": {"type": "string", "pattern": "^[\\w\\s]+$"},
        "when": {"type": "string", "format": "date"},
    },
}


@pytest.mark.parametrize(
    "body",
    [
        {"list": ("a", "b")},  # a tuple: jsonschema-rs takes it for an array, jsonschema does not
        {"number": Decimal("7")},  # a Decimal: a number to jsonschema-rs, not an integer to jsonschema
        {"number": 2**63},  # over int64
        {"number": 2**70},  # over what older jsonschema-rs reads
        {"number": -(2**63)},
        {"number": 7.0},
        {"number": True},
        {"text": "\ud800\ud800"},  # lone surrogates: no UTF-8 form
        {"\ud800": 1},
        {"text": "٣٤"},  # Arabic-Indic digits: not \d on RE2
        {"text": "12\n"},
        {"words": "a\u00a0b"},  # no-break space: not \s on RE2
        {"words": "ab cd"},
        {"when": "2024-02-30"},
        {"when": __import__("datetime").date(2024, 5, 1)},  # as YAML reads an unquoted date
        {1: "x"},
    ],
    ids=repr,
)
def test_values_jsonschema_rs_cannot_read_or_reads_otherwise_are_judged_as_jsonschema_does(body, monkeypatch):
    from vipps_lint.checks import schema as schema_check

    monkeypatch.setattr(schema_check, "NATIVE_AFTER", 0)
    compiled = schema_check._Compiled(_EDGE_SCHEMA)
    assert compiled.is_valid(body) == compiled.validator.is_valid(body)
    assert compiled.native is not None


def test_plain_patterns_match_what_re2_matches():
    import jsonschema_rs

    from vipps_lint.checks.compiled_schema import compile_pattern, plain_pattern

    patterns = {
        "^\\d{8}$",
        "^[a-zA-Z0-9-]{1,50}$",
        "^\\d+([\\.]\\d{1,8})?$",
        "^(YEAR|MONTH|WEEK|DAY)$",
        "[-a]",
        "[a-]",
        "^a-b/c$",
        "^\\$x$",
        "x{2,}?",
        "^[^0-9]+$",
        "^((?:(\\d{4}-\\d{2}-\\d{2})(T|t)(\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?))(Z|z|([+-](?:2[0-3]|[01][0-9]):[0-5][0-9])))$",
    }

    def collect(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "pattern" and isinstance(value, str):
                    patterns.add(value)
                elif key not in ("enum", "const", "required"):
                    collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    for name in SCHEMA_FILES:
        collect(_schema(name))
    texts = ["", "a", "-", "/", "$x", "12345678", "1234567", "12345678\n", "٣٤٥٦٧٨٩٠", "xx", "x", "a-b/c", "1.5"]
    texts += ["1.123456789", "MONTH", "month", "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.5+24:00", "abc-DEF-123"]
    texts += ["a\nb", "\u00a0", "ab\u2028", "é", "12 34"]
    plain = 0
    for pattern in sorted(patterns):
        translated = plain_pattern(pattern)
        search = compile_pattern(pattern)
        if translated is None or search is None:
            continue
        plain += 1
        validator = jsonschema_rs.Draft202012Validator({"pattern": translated})
        for text in texts:
            assert validator.is_valid(text) == (search(text) is not None), (pattern, translated, text)
    assert plain >= 15


@pytest.mark.parametrize("pattern", ["[]a]", "[a-z-_]", "[\\d-z]", "^.{1,64}$", "^\\w{2}$", "[a&&b]", "^[æøå]+$"])
def test_patterns_whose_meaning_differs_between_engines_stay_on_re2(pattern):
    from vipps_lint.checks.compiled_schema import plain_pattern

    assert plain_pattern(pattern) is None


# -- fallbacks ----------------------------------------------------------------------------


def test_a_schema_jsonschema_rs_is_not_given_is_validated_by_the_predicate_or_jsonschema(monkeypatch):
    from vipps_lint.checks import schema as schema_check
    from vipps_lint.checks.compiled_schema import compile_native

    monkeypatch.setattr(schema_check, "NATIVE_AFTER", 0)
    multiple = {"type": "object", "properties": {"a": {"type": "number", "multipleOf": 0.1}}}
    unknown = {"type": "object", "properties": {"a": {"type": "string", "dependentRequired": {}}}}
    assert compile_native(multiple) is None and compile_native(unknown) is None
    for schema, good, bad in ((multiple, {"a": 0.5}, {"a": 0.35}), (unknown, {"a": "x"}, {"a": 1})):
        compiled = schema_check._Compiled(schema)
        assert compiled.is_valid(good) and not compiled.is_valid(bad)
        assert compiled.native is None
        assert [problem.rule for problem in schema_check.problems(compiled.validator, bad)] in (
            ["schema-range"],
            ["schema-type"],
        )


def test_a_plain_pattern_the_rust_engine_refuses_runs_on_re2(monkeypatch):
    from vipps_lint.checks import compiled_schema

    monkeypatch.setattr(compiled_schema, "plain_pattern", lambda pattern: "(unclosed")
    native = compiled_schema.compile_native({"type": "string", "pattern": "^\\d{2}$"})
    assert native is not None
    assert native("12") and not native("123") and not native("٣٤")


def _report_findings(*args: str) -> list[dict]:
    _, report = run_json(*args)
    return report["findings"]


def test_reports_are_the_same_with_jsonschema_rs_and_without_it(tmp_path, monkeypatch):
    from vipps_lint.checks import schema as schema_check

    directory, defects = _corpus(tmp_path, count=200, defect_rate=0.6)
    args = ("--jobs", "1", str(directory), str(FIXTURES / "schema"))

    monkeypatch.setattr(schema_check, "NATIVE_AFTER", 0)  # jsonschema-rs from the first body
    native = _report_findings(*args)
    monkeypatch.setitem(sys.modules, "jsonschema_rs", None)  # `import jsonschema_rs` fails
    without = _report_findings(*args)
    monkeypatch.setattr(schema_check, "NATIVE_AFTER", 10**9)  # the predicate only (a short run)
    predicate = _report_findings(*args)

    assert native == without == predicate
    found = {(finding["file"], finding["rule"], finding["pointer"]) for finding in native}
    assert any(finding["rule"].startswith("schema-") for finding in native)
    for defect in defects:
        assert (str(tmp_path / defect["file"]), defect["rule"], defect["pointer"]) in found


def test_jsonschema_rs_is_loaded_only_for_a_long_run():
    from vipps_lint.checks import schema as schema_check
    from vipps_lint.models import Request, SourceFile
    from vipps_lint.routing import Router

    operation = Router.load().find("POST", None, "/ecomm/v2/payments")
    body = json.loads((FIXTURES / "schema" / "ecom-v2-good.json").read_text(encoding="utf-8"))
    check = schema_check.SchemaCheck()
    for count in range(schema_check.NATIVE_AFTER + 2):
        assert list(check.check(Request(SourceFile("x", None), 0, body=body, operation=operation))) == []
        compiled = check._compiled[operation.schema]
        assert (compiled.native is not None) == (count >= schema_check.NATIVE_AFTER), count
    assert compiled._validator is None  # valid bodies never need jsonschema


@pytest.mark.skipif(importlib.util.find_spec("jsonschema_rs") is None, reason="jsonschema-rs is not installed")
def test_one_file_does_not_load_jsonschema_rs():
    code = (
        "import sys; from vipps_lint.cli import main\n"
        "try: main(['check', '--format', 'json', '-o', '/dev/null', sys.argv[1]])\n"
        "except SystemExit: pass\n"
        "print('jsonschema_rs' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(FIXTURES / "schema" / "ecom-v2-good.json")],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr
