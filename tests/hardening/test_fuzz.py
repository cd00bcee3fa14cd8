"""Fuzzing every reader: no input may crash vipps-lint, whatever its bytes.

Property-based fuzzing with Hypothesis from the seed corpus in `fuzz-corpus/` (one small
file per input format, in the repository): each example takes a seed and mutates it —
inserts bytes that readers treat specially (quotes, brackets, escapes, control characters,
NaN, huge numbers, deep nesting, YAML aliases), deletes or duplicates slices, truncates —
then lints it with that format's reader forced, through the whole pipeline, and renders
every report format. A crash would surface as an "internal error" input error (the
per-file last resort) or an exception from a reporter; either fails the test. The budget
is small (it runs in CI with the suite); raise FUZZ_EXAMPLES to fuzz longer locally.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from xml.dom import minidom

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CORPUS = Path(__file__).parent / "fuzz-corpus"
SEEDS = {
    "json": "body.json",
    "ndjson": "log.ndjson",
    "har": "session.har",
    "postman": "shop.postman_collection.json",
    "http": "calls.http",
    "curl": "calls.curl",
    "openapi": "openapi.yaml",
}
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
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
]

_linter = None


def _lint(data: bytes, input_format: str):
    from vipps_lint.models import SourceFile
    from vipps_lint.pipeline import Linter, Settings
    from vipps_lint.sources import ReadOptions

    global _linter
    if _linter is None:
        _linter = Linter(Settings())
    _linter.settings.read = ReadOptions(input_format=input_format)
    return _linter.lint_file(SourceFile("fuzz", None, data))


def _report(result):
    from vipps_lint.models import Report

    report = Report(
        files=1,
        requests=result.requests,
        findings=result.findings,
        errors=result.errors,
        file_names=[result.display],
        secrets=result.secrets,
    )
    return report


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


@pytest.mark.parametrize("input_format", sorted(SEEDS))
def test_no_input_crashes_a_reader_or_a_reporter(input_format):
    seed = (CORPUS / SEEDS[input_format]).read_bytes()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        # In CI the same examples every run: a landing is never failed by the draw of the day.
        # Locally each run draws anew (raise FUZZ_EXAMPLES to explore further).
        derandomize=bool(os.environ.get("CI")),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutated(seed))
    def fuzz(data):
        from vipps_lint.reporters import FORMATS, ReportOptions, write_report

        result = _lint(data, input_format)
        crashes = [str(error) for error in result.errors if "internal error" in error.message]
        assert not crashes, crashes
        report = _report(result)
        for output_format in FORMATS:
            stream = io.StringIO()
            write_report(report, output_format, stream, ReportOptions(color=False, fail_on="error", rules={}))
            text = stream.getvalue()
            text.encode("utf-8")  # no lone surrogate reaches the output
            if output_format in ("json", "sarif"):
                json.loads(text)
            elif output_format == "junit":
                minidom.parseString(text.encode("utf-8"))

    fuzz()


def test_the_seeds_are_read_cleanly():
    for input_format, name in SEEDS.items():
        result = _lint((CORPUS / name).read_bytes(), input_format)
        assert not result.errors, (name, [str(error) for error in result.errors])
        assert result.requests or result.skipped, name
