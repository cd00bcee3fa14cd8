"""Bad input: one clear line each, the other files still linted, exit 2, never a traceback."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, run_cli, run_cli_process

GOOD = (FIXTURES / "ecom" / "initiate-http-urls.json").read_bytes()


@pytest.mark.parametrize(
    "name, content, expected",
    [
        (
            "malformed.json",
            b'{\n  "merchantInfo": {\n    "callbackPrefix": "https://x.example",\n  }\n}\n',
            "malformed.json:4:3: invalid JSON: Expecting property name enclosed in double quotes",
        ),
        (
            "truncated.json",
            b'{"merchantInfo": {"callbackPrefix": "https://x',
            "truncated.json:1:37: invalid JSON: Unterminated string",
        ),
        ("empty.json", b"", "empty.json:1:1: empty file: expected a JSON request body (an object)"),
        ("blank.json", b"  \n\n", "blank.json:1:1: empty file"),
        (
            "latin1.json",
            '{"transactionText": "Bløtkake"}'.encode("latin-1"),
            "latin1.json:1:24: invalid UTF-8: byte 0xf8 cannot be decoded",
        ),
        ("binary.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary.json:1:1: binary file (contains NUL bytes)"),
        ("array.json", b'[{"amount": 100}]', "array.json:1:1: expected a JSON object (a request body), got an array"),
        ("scalar.json", b'"hello"', "scalar.json:1:1: expected a JSON object (a request body), got a string"),
        ("deep.json", b'{"a":' * 100000 + b"1" + b"}" * 100000, "deep.json:1:1: the JSON is nested too deeply to read"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.endswith(".json") else "",
)
def test_each_bad_input_is_one_clear_line_and_the_rest_is_still_linted(tmp_path, name, content, expected):
    bad = tmp_path / name
    bad.write_bytes(content)
    good = tmp_path / "good.json"
    good.write_bytes(GOOD)
    result = run_cli("check", "--format", "json", str(bad), str(good))
    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(str(tmp_path)) and expected in lines[0], stderr
    report = json.loads(result.stdout)
    assert report["summary"]["files"] == 2 and report["summary"]["requests"] == 1
    assert {f["rule"] for f in report["findings"]} == {"ecom-callback-https", "ecom-fallback-https"}
    assert report["errors"][0]["file"] == str(bad)


def test_utf8_bom_is_accepted(tmp_path):
    body = tmp_path / "bom.json"
    body.write_bytes(b"\xef\xbb\xbf" + GOOD)
    result = run_cli("check", "--format", "json", str(body))
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["errors"] == []
    assert report["findings"][0]["line"] == 7 and report["findings"][0]["column"] == 23


def test_huge_body_is_refused_with_its_size(tmp_path):
    body = tmp_path / "huge.json"
    body.write_text('{"transactionText": "' + "x" * (11 * 1024 * 1024) + '"}')
    result = run_cli("check", str(body))
    assert result.returncode == 2
    assert "huge.json:1:1: body is 11.0 MiB; bodies over 10 MiB are not linted" in result.stderr.decode()


def test_missing_file_is_reported_and_others_linted(tmp_path):
    good = tmp_path / "good.json"
    good.write_bytes(GOOD)
    result = run_cli_process("check", str(tmp_path / "nope.json"), str(good))
    assert result.returncode == 2
    assert "nope.json: no such file or directory" in result.stderr.decode()
    assert "Found 3 errors" in result.stdout.decode()
    assert "1 input could not be read" in result.stdout.decode()


def test_invalid_text_report_never_tracebacks_on_weird_but_valid_json(tmp_path):
    body = tmp_path / "weird.json"
    body.write_text(
        json.dumps(
            {
                "merchantInfo": {"callbackPrefix": ["not", "a", "string"], "fallBack": None},
                "customerInfo": {"mobileNumber": {"no": 1}},
                "transaction": {"orderId": 5},
            }
        )
    )
    result = run_cli("check", "--endpoint", "POST /ecomm/v2/payments", str(body))
    assert "Traceback" not in result.stderr.decode()
    assert result.returncode in (0, 1)
