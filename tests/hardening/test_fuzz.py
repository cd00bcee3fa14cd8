"""Fuzzing every reader and every loader: no input may crash vipps-lint, whatever its bytes.

Property-based fuzzing with Hypothesis from the seed corpus in `fuzz-corpus/` (one small
file per input format and per file vipps-lint loads besides its inputs, in the repository):
each example takes a seed and mutates it — inserts bytes that readers treat specially
(quotes, brackets, escapes, control characters, NaN, huge numbers, deep nesting, YAML
aliases), deletes or duplicates slices, truncates — and the unmutated seed is always among
the examples.

- Readers (every entry of `vipps_lint.sources.READERS`): the mutant is linted with that
  format's reader forced, through the whole pipeline, and every report format is rendered.
- Loaders: configuration (YAML and `pyproject.toml`), rule packs, baselines, Postman
  environments and `--spec` OpenAPI documents, each loaded as a run loads it and then used
  (a configuration's settings resolved against the rules, a rule pack's rules run on a
  request, a baseline applied to a report, an environment's variables substituted, a
  spec's schemas routed to and validated against).

A crash surfaces as an exception, an "internal error" input error (the per-file last
resort) or a reporter's exception; each fails the test. What the fuzzing found stays in
`fuzz-corpus/found/` (`TARGET--what.ext`), checked on every run. The budget is small (it runs
in CI with the suite, the same examples each time); FUZZ_EXAMPLES raises it locally.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from xml.dom import minidom

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

CORPUS = Path(__file__).parent / "fuzz-corpus"
FOUND = CORPUS / "found"
SEEDS = {
    "json": "body.json",
    "ndjson": "log.ndjson",
    "har": "session.har",
    "postman": "shop.postman_collection.json",
    "http": "calls.http",
    "curl": "calls.curl",
    "openapi": "openapi.yaml",
}
# Loader → (its seed, the name the mutant is written under: some loaders go by the name).
LOADER_SEEDS = {
    "config-yaml": ("config.yaml", ".vipps-lint.yaml"),
    "config-toml": ("config.toml", "pyproject.toml"),
    "rules": ("rules.yaml", "rules.yaml"),
    "baseline": ("baseline.json", "baseline.json"),
    "postman-env": ("shop.postman_environment.json", "shop.postman_environment.json"),
    "spec": ("openapi.yaml", "spec.yaml"),
}
# CI draws the same examples each run (derandomized), so its budget is a regression check,
# kept small; the fuzzing proper is local, with FUZZ_EXAMPLES in the hundreds or thousands.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
# Loaders build a Linter per example (rules, specs) or are simple: fewer examples in CI.
LOADER_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
# Bytes and fragments that readers and reporters treat specially.
TOKENS = [
    b'"',
    b"'",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b"\n",
    b"\r\n",
    b"\x00",
    b"\x1b[2J",
    b"\\u0000",
    b"\\ud800",
    b"\xff",
    b"NaN",
    b"Infinity",
    b"1e400",
    b"9" * 5000,
    b"[" * 3000,
    b"&a",
    b"*a",
    b"<<: *a",
    b"{{var}}",
    b"@../x",
    b"http://[::1/",
    b"-d @",
    b"#",
    b"\t",
    b"Authorization: Bearer eyJabc.def.ghi",
    b"\xe2\x80\xae",
    b"%",
    b"::error file=x::y",
    b"\\/",
    b"!!binary",
    b"\xef\xbb\xbf",
    # what the loaders treat specially: TOML tables and dates, YAML tags, rule templates,
    # JSONPath, regular expressions, $refs
    b"[tool.vipps-lint]",
    b"[[x]]",
    b'"""',
    b"2026-13-45",
    b"1979-05-27T07:32:00Z",
    b"!!python/object:os.system",
    b"{{path}}",
    b"$..*",
    b"$[?(@.a)]",
    b"(a+)+$",
    b"(?<=x)",
    b"$ref",
    b"#/components/schemas/",
    b"- ",
    b"null",
    b"-1",
    b"true",
]

_linter = None


def _shared_linter():
    from vipps_lint.pipeline import Linter, Settings

    global _linter
    if _linter is None:
        _linter = Linter(Settings())
    return _linter


def _lint(data: bytes, input_format: str, linter=None, **read_options):
    from vipps_lint.models import SourceFile
    from vipps_lint.sources import ReadOptions

    linter = linter or _shared_linter()
    linter.settings.read = ReadOptions(input_format=input_format, **read_options)
    return linter.lint_file(SourceFile("fuzz", None, data))


def _report(result):
    from vipps_lint.models import Report

    return Report(
        files=1,
        requests=result.requests,
        findings=result.findings,
        errors=result.errors,
        file_names=[result.display],
        secrets=result.secrets,
    )


def _no_crash(errors) -> None:
    crashes = [str(error) for error in errors if "internal error" in error.message]
    assert not crashes, crashes


def _render_every_format(report) -> None:
    from vipps_lint.reporters import FORMATS, ReportOptions, write_report

    for output_format in FORMATS:
        stream = io.StringIO()
        write_report(report, output_format, stream, ReportOptions(color=False, fail_on="error", rules={}))
        text = stream.getvalue()
        text.encode("utf-8")  # no lone surrogate reaches the output
        if output_format in ("json", "sarif"):
            json.loads(text)
        elif output_format == "junit":
            minidom.parseString(text.encode("utf-8"))


def _read(input_format: str, data: bytes) -> None:
    result = _lint(data, input_format)
    _no_crash(result.errors)
    _render_every_format(_report(result))


# -- the loaders, each used as a run uses it ---------------------------------------------------
def _load_config(path: Path) -> None:
    from vipps_lint.config import check_selectors, effective, load_config
    from vipps_lint.status import Incomplete, UsageError

    config = load_config(str(path))
    _no_crash(config.errors)
    [str(error) for error in config.errors]  # each is one line: rendered, masked, escaped
    if not config.errors:
        settings = effective(config, {})
        try:
            check_selectors(_shared_linter().rules, config, settings)
        except (Incomplete, UsageError):
            pass  # an unknown rule named: one line, exit 2


def _load_rules(path: Path) -> None:
    from vipps_lint.pipeline import Linter, Settings

    linter = Linter(Settings(rule_dirs=[str(path.parent)]))
    _no_crash(linter.setup_errors)
    [str(error) for error in linter.setup_errors]
    body = (CORPUS / SEEDS["json"]).read_bytes()
    for extra in (b"", b'{"transaction": {"amount": 0, "transactionText": "Socks"}}'):
        result = _lint(extra or body, "json", linter)
        _no_crash(result.errors)
    _render_every_format(_report(result))


def _load_baseline(path: Path) -> None:
    from vipps_lint.baseline import apply_baseline, load_baseline
    from vipps_lint.models import InputError

    accepted = load_baseline(str(path))
    if isinstance(accepted, InputError):
        str(accepted)
        return
    result = _lint((CORPUS / SEEDS["json"]).read_bytes(), "json")
    report = _report(result)
    apply_baseline(report, accepted, str(path))
    _render_every_format(report)


def _load_postman_environment(path: Path) -> None:
    from vipps_lint.sources import postman

    postman._ENVIRONMENTS.pop(str(path), None)  # read once per run: here, once per example
    collection = (CORPUS / SEEDS["postman"]).read_bytes()
    result = _lint(collection, "postman", postman_env=str(path))
    _no_crash(result.errors)
    _render_every_format(_report(result))


def _load_spec(path: Path) -> None:
    from vipps_lint.pipeline import Linter, Settings

    linter = Linter(Settings(specs=[str(path)]))
    _no_crash(linter.setup_errors)
    [str(error) for error in linter.setup_errors]
    body = b'{"reference": "abc", "amount": {"value": -1}}'
    result = _lint(body, "json", linter)
    _no_crash(result.errors)
    _render_every_format(_report(result))


LOADERS = {
    "config-yaml": _load_config,
    "config-toml": _load_config,
    "rules": _load_rules,
    "baseline": _load_baseline,
    "postman-env": _load_postman_environment,
    "spec": _load_spec,
}


def _load(loader: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="vipps-lint-fuzz-") as folder:
        path = Path(folder) / LOADER_SEEDS[loader][1]
        path.write_bytes(data)
        LOADERS[loader](path)


# -- the fuzzing --------------------------------------------------------------------------------
@st.composite
def mutated(draw, seed: bytes):
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["insert", "delete", "duplicate", "truncate", "byte"]))
        at = draw(st.integers(0, len(data)))
        if kind == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(2, 20))
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = bytes([draw(st.integers(0, 255))])
    return bytes(data)


def _fuzz(seed: bytes, examples: int, check) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        # In CI the same examples every run: a landing is never failed by the draw of the day.
        # Locally each run draws anew (raise FUZZ_EXAMPLES to explore further).
        derandomize=bool(os.environ.get("CI")),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutated(seed))
    @example(seed)
    def fuzz(data):
        check(data)

    fuzz()


def test_every_reader_is_fuzzed():
    from vipps_lint.sources import READERS

    assert sorted(SEEDS) == sorted(READERS)


@pytest.mark.parametrize("input_format", sorted(SEEDS))
def test_no_input_crashes_a_reader_or_a_reporter(input_format):
    seed = (CORPUS / SEEDS[input_format]).read_bytes()
    _fuzz(seed, EXAMPLES, lambda data: _read(input_format, data))


@pytest.mark.parametrize("loader", sorted(LOADER_SEEDS))
def test_no_file_crashes_a_loader(loader):
    seed = (CORPUS / LOADER_SEEDS[loader][0]).read_bytes()
    _fuzz(seed, LOADER_EXAMPLES, lambda data: _load(loader, data))


def test_the_seeds_are_read_cleanly():
    for input_format, name in SEEDS.items():
        result = _lint((CORPUS / name).read_bytes(), input_format)
        assert not result.errors, (name, [str(error) for error in result.errors])
        assert result.requests or result.skipped, name


def test_the_loader_seeds_load_cleanly(tmp_path):
    from vipps_lint.baseline import load_baseline
    from vipps_lint.config import load_config
    from vipps_lint.pipeline import Linter, Settings
    from vipps_lint.sources.postman import load_environment

    for loader, (seed, name) in LOADER_SEEDS.items():
        (tmp_path / loader).mkdir()
        path = tmp_path / loader / name
        path.write_bytes((CORPUS / seed).read_bytes())
        if loader.startswith("config"):
            assert load_config(str(path)).errors == [], loader
        elif loader in ("rules", "spec"):
            option = {"rule_dirs": [str(path.parent)]} if loader == "rules" else {"specs": [str(path)]}
            assert Linter(Settings(**option)).setup_errors == [], loader
        elif loader == "baseline":
            assert sum(load_baseline(str(path)).values()) == 3
        else:
            assert load_environment(str(path))["msn"] == "123456"


@pytest.mark.parametrize("path", sorted(FOUND.iterdir()) if FOUND.is_dir() else [], ids=lambda path: path.name)
def test_what_the_fuzzing_found_stays_fixed(path):
    target = path.name.split("--", 1)[0]
    if target in LOADERS:
        _load(target, path.read_bytes())
    else:
        _read(target, path.read_bytes())
