"""Output that cannot be forged: control characters from inputs are escaped in every format
and on stderr, so no input can print a GitHub annotation, clear the screen, or break JUnit."""

from __future__ import annotations

import json
from xml.dom import minidom

import pytest
from click.testing import CliRunner

from vipps_lint.cli import main
from vipps_lint.reporters import FORMATS

EVIL = "\n::error file=evil.py,line=1::forged\x1b[2J\r\x07\x01\u202e"
URL = "https://apitest.vipps.no/ecomm/v2/payments"
BODY = {
    "merchantInfo": {
        "callbackPrefix": "http://example.com/cb" + EVIL,
        "fallBack": "https://example.com/fb",
        "merchantSerialNumber": "123456",
    },
    "customerInfo": {"mobileNumber": "+47 91 23 45 67"},
    "transaction": {"amount": 1000, "orderId": "o-1", "transactionText": "x"},
    "key" + EVIL: 1,
}


def _inputs(folder):
    folder.mkdir()
    har = {
        "log": {
            "pages": [{"id": "p", "title": "page" + EVIL}],
            "entries": [
                {
                    "pageref": "p",
                    "request": {
                        "method": "POST",
                        "url": URL + "/" + EVIL,
                        "headers": [{"name": "X" + EVIL, "value": "v"}],
                        "postData": {"mimeType": "application/json", "text": json.dumps(BODY)},
                    },
                    "response": {
                        "status": 400,
                        "headers": [],
                        "content": {
                            "mimeType": "application/json",
                            "text": json.dumps({"title": "Bad" + EVIL, "detail": "detail" + EVIL}),
                        },
                    },
                }
            ],
        }
    }
    (folder / "session.har").write_text(json.dumps(har))
    postman = {
        "info": {"name": "c", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [
            {
                "name": "Initiate" + EVIL,
                "request": {
                    "method": "POST",
                    "url": URL,
                    "header": [],
                    "body": {"mode": "raw", "raw": json.dumps(BODY)},
                },
            }
        ],
    }
    (folder / "c.postman_collection.json").write_text(json.dumps(postman))
    (folder / "body.json").write_text(json.dumps(BODY))
    (folder / "broken.http").write_text(f"POST {URL}\nNot a header{EVIL}\n\n{{}}\n")
    return folder


def _assert_not_forged(text: str):
    assert "\x1b" not in text and "\x07" not in text and "\x01" not in text and "\r" not in text
    assert "\u202e" not in text
    assert not any(line.startswith("::error file=evil.py") for line in text.splitlines()), text


@pytest.mark.parametrize("output_format", sorted(FORMATS))
def test_no_format_echoes_a_control_character(tmp_path, output_format):
    inputs = _inputs(tmp_path / "in")
    result = CliRunner().invoke(
        main, ["check", "--format", output_format, "--endpoint", "POST /ecomm/v2/payments", str(inputs)]
    )
    assert result.exit_code == 2, result.output
    assert "forged" in result.stdout  # the values are shown, escaped
    _assert_not_forged(result.stdout)
    _assert_not_forged(result.stderr)
    if output_format == "junit":
        minidom.parseString(result.stdout.encode())
    if output_format in ("json", "sarif"):
        json.loads(result.stdout)


def test_junit_is_well_formed_with_any_key(tmp_path):
    body = tmp_path / "body.json"
    body.write_text('{"merchantInfo": {"callbackPrefix": "http://x.example/cb"}, "\\u0001\\u0000k\\u001f": 1}')
    result = CliRunner().invoke(
        main, ["check", "--format", "junit", "--endpoint", "POST /ecomm/v2/payments", str(body)]
    )
    assert result.exit_code == 1
    document = minidom.parseString(result.stdout.encode())
    assert document.getElementsByTagName("failure")


def test_a_file_name_with_a_newline_is_escaped(tmp_path):
    body = tmp_path / "evil\n::error file=x::y.json"
    body.write_text('{"merchantInfo": {"callbackPrefix": "http://x.example/cb"}}')
    result = CliRunner().invoke(
        main, ["check", "--format", "github", "--endpoint", "POST /ecomm/v2/payments", str(body)]
    )
    _assert_not_forged(result.stdout)
    assert not any(line.startswith("::error file=x") for line in result.stdout.splitlines())


def test_escape_units():
    from vipps_lint.escape import escape_controls, escape_controls_in_lines

    assert escape_controls("a\nb\x1b[2J\t\u202e\ud800") == "a\\nb\\u001b[2J\\t\\u202e\\ud800"
    assert escape_controls_in_lines("a\nb\tc\x1b") == "a\nb\tc\\u001b"
    assert escape_controls("plain ÆØÅ é 😀") == "plain ÆØÅ é 😀"
