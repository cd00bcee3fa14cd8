"""Odd but valid JSON is read by the NDJSON reader as by the JSON reader.

The NDJSON reader is the one tuned for speed: a faster parser (orjson, say) must not change
what is linted. orjson, for one, refuses integers beyond 64 bits, which Python's json (and the
API's JSON) accept. Invalid JSON (NaN, 1e400, lone surrogates) and nesting past what Python
reads are an input error in every reader: test_crashes.py.
"""

from __future__ import annotations

import pytest

URL = "https://apitest.vipps.no/epayment/v1/payments"
ODD_BUT_VALID = {
    "integer beyond 64 bits": '{"amount": {"currency": "NOK", "value": 1180591620717411303424}, "reference": "r-1"}',
    "minus zero": '{"amount": {"currency": "NOK", "value": -0}, "reference": "r-1"}',
    "exponent": '{"amount": {"currency": "NOK", "value": 1E+2}, "reference": "r-1"}',
    "long fraction": '{"amount": {"currency": "NOK", "value": 100.0000000000000000001}, "reference": "r-1"}',
    "escapes": '{"amount": {"currency": "NOK", "value": 100}, "reference": "r\\ud83d\\ude00\\u0000\\/"}',
    "duplicate key": '{"amount": {"currency": "NOK", "value": 100}, "amount": {"currency": "SEK", "value": 1}}',
    "500 levels": '{"amount": {"currency": "NOK", "value": 100}, "x": ' + "[" * 500 + "]" * 500 + "}",
}

_linter = None


def _findings(input_format: str, text: str):
    from vipps_lint.models import SourceFile
    from vipps_lint.pipeline import Linter, Settings
    from vipps_lint.sources import ReadOptions

    global _linter
    if _linter is None:
        _linter = Linter(Settings(endpoint="POST /epayment/v1/payments"))
    _linter.settings.read = ReadOptions(input_format=input_format)
    result = _linter.lint_file(SourceFile("odd", None, text.encode("utf-8")))
    assert result.errors == [], [str(error) for error in result.errors]
    # The headers differ (a bare body has none): compare what the body gives.
    return sorted((f.rule, f.pointer, f.message) for f in result.findings if not f.rule.startswith("header-"))


@pytest.mark.parametrize("body", ODD_BUT_VALID.values(), ids=ODD_BUT_VALID.keys())
def test_ndjson_reads_odd_but_valid_json_as_the_json_reader_does(body):
    line = '{"method": "POST", "url": "%s", "headers": {}, "body": %s}\n' % (URL, body)
    bare = _findings("json", body)
    assert bare  # something is linted: the comparison means something
    assert _findings("ndjson", line) == bare


def test_a_raw_tab_in_a_string_is_explained_whole_in_every_json_reader(tmp_path):
    # The json module's words end in "at" (its position follows in its own text, not in .msg).
    from conftest import run_cli

    (tmp_path / "body.json").write_text('{"a": "x\ty"}')
    (tmp_path / "log.ndjson").write_text('{"method": "POST", "url": "https://x", "body": "a\tb"}\n')
    for name in ("body.json", "log.ndjson"):
        result = run_cli("check", str(tmp_path / name))
        assert result.returncode == 2
        assert "inside a string; write it escaped, as \\t or \\n" in result.stderr.decode(), result.stderr
        assert "control character at" not in result.stderr.decode()
