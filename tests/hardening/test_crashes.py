"""Exit 2 and one line, never a traceback (never exit 1, which CI takes for findings).

Each crash site the adversarial review found, and the last-resort handler behind them all.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from xml.dom import minidom

import pytest
from click.testing import CliRunner

from vipps_lint.cli import main

from conftest import FIXTURES, REPO

GOOD = FIXTURES / "ecom" / "initiate-http-urls.json"
SPEC = (FIXTURES / "openapi" / "epayment-own-spec.yaml").read_text()
FORMATS = ["text", "concise", "json", "sarif", "github", "junit"]


def invoke(*args, input=None):
    result = CliRunner().invoke(main, [str(arg) for arg in args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr
    return result


@pytest.mark.parametrize(
    "body, expected",
    [
        ('{"transaction": {"amount": NaN}}', "1:28: invalid JSON: NaN is not a JSON number"),
        ('{"transaction": {"amount": Infinity}}', "1:28: invalid JSON: Infinity is not a JSON number"),
        ('{"transaction": {"amount": -Infinity}}', "invalid JSON: -Infinity is not a JSON number"),
        ('{"transaction": {"amount": 1e400}}', "1:28: invalid JSON: the number 1e400 is too large"),
        ('{"transaction": {"amount": ' + "9" * 5000 + "}}", "a number of 4300 digits or more is too long to read"),
    ],
    ids=["nan", "infinity", "minus-infinity", "1e400", "huge-int"],
)
@pytest.mark.parametrize("wrap", ["json", "ndjson", "har", "curl", "http"])
def test_numbers_python_reads_but_json_does_not_are_input_errors(tmp_path, body, expected, wrap):
    url = "https://apitest.vipps.no/ecomm/v2/payments"
    if wrap == "json":
        path, text = tmp_path / "body.json", body
    elif wrap == "ndjson":
        path, text = tmp_path / "log.ndjson", '{"method": "POST", "url": "%s", "body": %s}\n' % (url, body)
    elif wrap == "har":
        request = (
            '{"method": "POST", "url": "%s", "headers": [], "postData": {"mimeType": "application/json", "text": %s}}'
        )
        path = tmp_path / "s.har"
        text = '{"log": {"entries": [{"request": %s}]}}' % (request % (url, json.dumps(body)))
    elif wrap == "curl":
        path, text = tmp_path / "c.curl", f"curl {url} -H 'Content-Type: application/json' -d '{body}'\n"
    else:
        path, text = tmp_path / "r.http", f"POST {url}\nContent-Type: application/json\n\n{body}\n"
    path.write_text(text)
    result = invoke("check", "--endpoint", "POST /ecomm/v2/payments", "--format", "json", path, GOOD)
    assert result.exit_code == 2
    assert expected.split("invalid JSON: ", 1)[-1] in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(result.stdout)["summary"]["files"] == 2


@pytest.mark.parametrize("output_format", FORMATS)
def test_lone_surrogates_are_written_as_escapes_in_every_format(tmp_path, output_format):
    body = tmp_path / "body.json"
    body.write_text('{"merchantInfo": {"callbackPrefix": "http://x\\ud800y"}, "\\udc00key": 1}')
    result = invoke("check", "--endpoint", "POST /ecomm/v2/payments", "--format", output_format, body)
    assert result.exit_code == 1
    assert "\\ud800" in result.stdout
    if output_format in ("json", "sarif"):
        json.loads(result.stdout)
    if output_format == "junit":
        minidom.parseString(result.stdout.encode())


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_token_with_a_lone_surrogate_is_masked_not_a_crash(tmp_path, output_format):
    # The masker also looks for a secret's URL-encoded form, and "\ud800" has no UTF-8 form.
    log = tmp_path / "log.ndjson"
    token = "eyJabc\\ud800defghijklmnopqrstuvwxyz0123456789"
    log.write_text(
        '{"method": "POST", "url": "https://api.vipps.no/epayment/v1/payments", '
        f'"headers": {{"Authorization": "Bearer {token}"}}, "body": {{}}}}\n'
    )
    result = invoke("check", "--format", output_format, log)
    assert result.exit_code == 1, result.stderr
    assert "internal error" not in result.stderr
    assert "defghijklmnop" not in result.stdout + result.stderr


def test_lone_surrogates_in_a_baseline(tmp_path):
    body = tmp_path / "body.json"
    body.write_text('{"merchantInfo": {"callbackPrefix": "http://x\\ud800y"}}')
    baseline = tmp_path / "baseline.json"
    written = invoke("check", "--endpoint", "POST /ecomm/v2/payments", "--write-baseline", baseline, body)
    assert written.exit_code == 1
    json.loads(baseline.read_text())
    again = invoke("check", "--endpoint", "POST /ecomm/v2/payments", "--baseline", baseline, body)
    assert again.exit_code == 0


def test_a_string_body_nested_thousands_of_levels_deep(tmp_path):
    log = tmp_path / "deep.ndjson"
    body = "[" * 5000 + "]" * 5000
    log.write_text(
        json.dumps({"method": "POST", "url": "https://apitest.vipps.no/epayment/v1/payments", "body": body}) + "\n"
    )
    result = invoke("check", log, GOOD)
    assert result.exit_code == 2
    assert "nested too deeply" in result.stderr


@pytest.mark.parametrize("url", ["http://[::1/epayment/v1/payments", "https://[bad/ecomm/v2/payments", "http://]x[/y"])
def test_broken_ipv6_urls_are_linted(tmp_path, url):
    script = tmp_path / "call.curl"
    script.write_text(f"curl '{url}' -H 'Content-Type: application/json' -d '{{}}'\n")
    for output_format in FORMATS:
        result = invoke("check", "--format", output_format, script)
        assert result.exit_code in (0, 1), result.stderr


def test_a_broken_ipv6_endpoint_option_is_a_usage_error_or_linted(tmp_path):
    result = invoke("check", "--endpoint", "POST http://[::1/x", GOOD)
    assert result.exit_code in (0, 1, 2)
    assert "internal error" not in result.stderr


@pytest.mark.parametrize(
    "name, change, expected",
    [
        ("type-typo", ("type: object", "type: strng"), "'strng' is not valid under any of the given schemas"),
        (
            "string-length",
            ("      required: [amount", '      minLength: "5"\n      required: [amount'),
            "'5' is not of type 'integer'",
        ),
        (
            "bad-pattern",
            ("      type: object\n", "      type: object\n      pattern: '(a+'\n"),
            "pattern '(a+' cannot be evaluated safely (missing )",
        ),
        ("servers", ("servers:\n  - url: https://api.vipps.no", "servers: 5"), None),
        ("paths", ("paths:\n", "paths: x\nunused:\n"), None),
        ("path-item", ("  /epayment/v1/payments:\n    post:", "  /epayment/v1/payments: 5\n  /x:\n    post:"), None),
        (
            "operation",
            ("    post:\n      operationId: createPayment", "    post: 5\n    put:\n      operationId: createPayment"),
            None,
        ),
        ("ref-fragment", ("'#/components/schemas/CreatePaymentRequest'", "'#components'"), "points to nothing"),
        (
            "ref-escape",
            ("'#/components/schemas/CreatePaymentRequest'", "'#/components/schemas/~2x'"),
            "points to nothing",
        ),
    ],
)
@pytest.mark.parametrize("how", ["document", "--spec"])
def test_openapi_typos_are_one_line(tmp_path, name, change, expected, how):
    assert change[0] in SPEC
    spec = tmp_path / "openapi.yaml"
    spec.write_text(SPEC.replace(change[0], change[1], 1))
    if how == "document":
        result = invoke("check", spec)
    else:
        result = invoke("check", "--spec", spec, "--endpoint", "POST /epayment/v1/payments", GOOD)
    assert "internal error" not in result.stderr
    if expected:
        assert result.exit_code == 2
        assert expected in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    else:
        assert result.exit_code in (0, 1), result.stderr


def test_redact_to_a_missing_directory_is_one_line(tmp_path):
    result = invoke("redact", "-o", tmp_path / "missing" / "copy.har", FIXTURES / "har" / "checkout-session.har")
    assert result.exit_code == 2
    assert "cannot write the redacted copy: No such file or directory" in result.stderr


def test_closed_standard_output_is_exit_2():
    result = subprocess.run(
        [sys.executable, "-m", "vipps_lint", "check", str(GOOD)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=REPO,
        preexec_fn=lambda: os.close(1),
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.decode().strip() == "vipps-lint: cannot write the report: standard output is closed"


def test_a_full_disk_is_exit_2():
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "vipps_lint", "check", str(FIXTURES)],
            stdout=full,
            stderr=subprocess.PIPE,
            cwd=REPO,
            timeout=120,
        )
    assert result.returncode == 2
    assert "cannot write the report: No space left on device" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_a_reader_that_goes_away_is_exit_2(tmp_path):
    log = tmp_path / "log.ndjson"
    line = json.dumps(
        {"method": "POST", "url": "https://apitest.vipps.no/ecomm/v2/payments", "body": json.loads(GOOD.read_text())}
    )
    log.write_text((line + "\n") * 3000)  # a report far larger than a pipe's buffer
    process = subprocess.Popen(
        [sys.executable, "-m", "vipps_lint", "check", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    process.stdout.read(10)
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 2
    assert "Traceback" not in stderr and "cannot write the report: Broken pipe" in stderr


def test_an_unexpected_exception_is_one_line_exit_2_with_the_version(monkeypatch):
    from vipps_lint import __version__

    def explode(self, paths):
        raise RuntimeError("boom \x1b[2J\n::error file=evil.py::forged")

    monkeypatch.setattr("vipps_lint.pipeline.Linter.run", explode)
    result = invoke("check", GOOD)
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line and "\x1b" not in line
    assert line.startswith("vipps-lint: internal error: RuntimeError: boom \\u001b[2J\\n::error")
    assert f"vipps-lint {__version__}" in line and "please report" in line


def test_one_files_crash_does_not_cost_the_others(monkeypatch, tmp_path):
    from vipps_lint.sources import json_body

    real = json_body.read

    def read(source, options):
        if source.display.endswith("bad.json"):
            raise RuntimeError("reader bug")
        return real(source, options)

    monkeypatch.setattr(json_body, "read", read)
    (tmp_path / "bad.json").write_text("{}")
    result = invoke("check", "--format", "json", tmp_path / "bad.json", GOOD)
    assert result.exit_code == 2
    assert "bad.json: internal error: RuntimeError: reader bug" in result.stderr
    assert json.loads(result.stdout)["summary"]["files"] == 2


def test_a_killed_jobs_worker_is_an_input_error_and_the_report_is_written(monkeypatch, tmp_path):
    import vipps_lint.pipeline as pipeline
    import vipps_lint.workers as workers

    for number in range(6):
        (tmp_path / f"body{number}.json").write_bytes(GOOD.read_bytes())
    (tmp_path / "kill.json").write_bytes(GOOD.read_bytes())
    real = pipeline.Linter.lint_file

    def lint_file(self, source):
        if source.display.endswith("kill.json"):
            os.kill(os.getpid(), signal.SIGKILL)  # in the forked worker
        return real(self, source)

    monkeypatch.setattr(pipeline.Linter, "lint_file", lint_file)
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 2)
    result = invoke("check", "--jobs", "2", "--format", "json", tmp_path)
    assert result.exit_code == 2
    assert "a --jobs worker process ended unexpectedly" in result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["files"] == 7


# Inputs the fuzz test (test_fuzz.py) once found crashing a reader; each is now one line naming it.
FUZZ_FINDS = [
    (
        "broken-key-escape.har",
        '{"\\log": {"version": "1.2", "entries": [{"request": {"method": "POST", '
        '"url": "https://apitest.vipps.no/checkout/v3/session", "headers": []}}]}}',
        'not a HAR file: no "log.entries" array',
    ),
    (
        "empty-components.yaml",
        "openapi: 3.1.0\ninfo: {title: shop, version: '1'}\nservers: [{url: https://apitest.vipps.no}]\n"
        "paths:\n  /epayment/v1/payments:\n    post:\n      requestBody:\n        content:\n"
        "          application/json:\n            schema: {$ref: '#/components/schemas/Body'}\n"
        "            example: {reference: abc}\ncomponents:\n",
        "$ref '#/components/schemas/Body' points to nothing",
    ),
]


@pytest.mark.parametrize("name, text, expected", FUZZ_FINDS, ids=[name for name, _, _ in FUZZ_FINDS])
def test_what_the_fuzz_test_found_is_one_line(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    result = invoke("check", path)
    assert result.exit_code == 2
    assert "internal error" not in result.stderr
    assert expected in result.stderr
