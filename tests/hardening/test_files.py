"""Hostile files: special files, sizes, YAML alias bombs, reads outside the project, walks.

Every case must end quickly with one clear line and exit 2, never block, fill memory or
read what the user did not name (docs/security.md lists the promises these test).
"""

from __future__ import annotations

import io
import json
import os
import shlex

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from vipps_lint import safe_io
from vipps_lint.cli import main

from conftest import FIXTURES, run_cli

GOOD = FIXTURES / "ecom" / "initiate-http-urls.json"

BILLION_LAUGHS = (
    "\n".join(
        ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        + [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    )
    + "\n"
)


def invoke(*args, input=None):
    result = CliRunner().invoke(main, list(args), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    return path


def test_a_fifo_named_as_input_is_refused_without_blocking(fifo):
    result = invoke("check", "--format", "json", str(fifo), str(GOOD))
    assert result.exit_code == 2
    assert f"{fifo}: a FIFO (named pipe), not a regular file" in result.stderr
    assert json.loads(result.stdout)["summary"]["files"] == 1  # the good file is still linted


def test_a_device_named_as_input_is_refused(tmp_path):
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    result = invoke("check", str(zero))
    assert result.exit_code == 2
    assert "a character device, not a regular file" in result.stderr


def test_special_files_in_a_walked_directory_are_input_errors(tmp_path):
    (tmp_path / "pipe.json").parent.mkdir(exist_ok=True)
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "zero.har").symlink_to("/dev/zero")
    (tmp_path / "body.json").write_bytes(GOOD.read_bytes())
    result = invoke("check", "--format", "concise", str(tmp_path))
    assert result.exit_code == 2
    assert "pipe.json: a FIFO" in result.stderr and "zero.har: a character device" in result.stderr
    assert "body.json" in result.stdout


@pytest.mark.parametrize("option", ["--config", "--baseline", "--postman-env", "--spec"])
def test_special_files_given_to_options_are_refused(fifo, option):
    result = invoke("check", option, str(fifo), str(GOOD))
    assert result.exit_code == 2
    assert "a FIFO (named pipe), not a regular file" in result.stderr


def test_a_special_file_in_a_rule_pack_is_refused(tmp_path):
    os.mkfifo(tmp_path / "rules.yaml")
    result = invoke("check", "--rules", str(tmp_path), str(GOOD))
    assert result.exit_code == 2
    assert "rules.yaml: cannot read rule file: a FIFO" in result.stderr


def test_curl_data_file_that_is_special_is_refused(tmp_path):
    os.mkfifo(tmp_path / "body.json")
    script = tmp_path / "call.curl"
    script.write_text("curl https://apitest.vipps.no/epayment/v1/payments -d @body.json\n")
    result = invoke("check", str(script))
    assert result.exit_code == 2
    assert "cannot read the body file body.json: a FIFO" in result.stderr


def test_read_limited_reads_at_most_the_limit_plus_one_byte(tmp_path, monkeypatch):
    big = tmp_path / "big.json"
    big.write_bytes(b"{" + b" " * 4096 + b"}")
    with pytest.raises(safe_io.UnsafeFile, match="over the"):
        safe_io.read_limited(str(big), limit=1000)
    assert safe_io.read_limited(str(big), limit=5000).startswith(b"{")


def test_a_file_over_the_limit_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.setattr("vipps_lint.sources.MAX_FILE_BYTES", 10_000)  # past the sniffed head
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"transactionText": "x" * 20_000}))
    result = invoke("check", str(big), str(GOOD))
    assert result.exit_code == 2
    assert "MiB limit; not read" in result.stderr


class CountingStream(io.BytesIO):
    """Counts how many bytes a reader takes, to show a long line is never read whole."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.largest_read = 0

    def readline(self, size=-1):
        line = super().readline(size)
        self.largest_read = max(self.largest_read, len(line))
        return line


def test_a_single_line_over_the_limit_is_skipped_without_holding_it():
    stream = CountingStream(b"x" * (5 * safe_io.MIB) + b"\n" + b'{"a": 1}\n')
    lines = list(safe_io.read_line_limited(stream, limit=1000))
    assert isinstance(lines[0], safe_io.LongLine) and lines[0].length == 5 * safe_io.MIB + 1
    assert lines[1] == b'{"a": 1}\n'
    assert stream.largest_read <= safe_io.MIB  # never the whole 5 MiB line at once


def test_an_ndjson_line_over_the_limit_is_one_error_and_later_lines_keep_their_places(tmp_path):
    log = tmp_path / "log.ndjson"
    good = json.loads(GOOD.read_text())
    request = {"method": "POST", "url": "https://apitest.vipps.no/ecomm/v2/payments", "body": good}
    long_line = json.dumps({"body": "é" * (6 * 1024 * 1024)}, ensure_ascii=False)
    log.write_text(long_line + "\n" + json.dumps(request) + "\n")
    result = invoke("check", "--format", "json", str(log))
    assert result.exit_code == 2
    assert f"{log}:1:1: line is 12.0 MiB; requests over 10 MiB are not linted" in result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert findings and all(finding["line"] == 2 for finding in findings)


@pytest.mark.parametrize("where", ["config", "rules", "openapi"])
def test_a_yaml_alias_bomb_is_refused_while_parsing(tmp_path, where):
    if where == "config":
        path = tmp_path / "vipps-lint.yaml"
        path.write_text(BILLION_LAUGHS)
        result = invoke("check", "--config", str(path), str(GOOD))
    elif where == "rules":
        (tmp_path / "pack.yaml").write_text(BILLION_LAUGHS)
        result = invoke("check", "--rules", str(tmp_path), str(GOOD))
    else:
        path = tmp_path / "openapi.yaml"
        path.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\nx-" + BILLION_LAUGHS.replace("\na", "\nx-a"))
        result = invoke("check", str(path))
    assert result.exit_code == 2
    assert "aliases (*name) expand to more than 100,000 values" in result.stderr


def test_aliases_that_reuse_parts_are_still_read():
    from vipps_lint.yamlpos import load_yaml

    loaded = load_yaml("base: &base {a: 1, b: [1, 2]}\nuse: [*base, *base, *base]\n")
    assert loaded.data["use"] == [{"a": 1, "b": [1, 2]}] * 3


def test_a_ref_outside_the_documents_folder_is_refused_unless_allowed(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("Body: {type: object, properties: {a: {type: string}}}\n")
    project = tmp_path / "project"
    project.mkdir()
    spec = project / "openapi.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    post:\n      operationId: x\n"
        "      requestBody:\n        content:\n          application/json:\n"
        "            schema: {$ref: '../outside.yaml#/Body'}\n"
        "            example: {a: 1}\n"
    )
    refused = invoke("check", str(spec))
    assert refused.exit_code == 2
    assert "outside the folder of the document that refers to it" in refused.stderr
    assert "--allow-outside-files" in refused.stderr
    allowed = invoke("check", "--allow-outside-files", "--format", "json", str(spec))
    assert "outside the folder" not in allowed.stderr
    absolute = spec.read_text().replace("../outside.yaml", str(outside))
    spec.write_text(absolute)
    assert "outside the folder" in invoke("check", str(spec)).stderr


def test_curl_data_file_outside_the_scripts_folder_is_refused_unless_allowed(tmp_path):
    (tmp_path / "secret.json").write_text('{"a": 1}')
    project = tmp_path / "project"
    project.mkdir()
    (project / "body.json").write_text(GOOD.read_text())
    script = project / "call.curl"
    script.write_text(
        "curl https://apitest.vipps.no/ecomm/v2/payments -d @../secret.json\n"
        "curl https://apitest.vipps.no/ecomm/v2/payments -d @body.json\n"
    )
    refused = invoke("check", str(script))
    assert refused.exit_code == 2
    assert "the body file ../secret.json is not read: outside the input's folder" in refused.stderr
    allowed = invoke("check", "--allow-outside-files", str(script))
    assert "not read" not in allowed.stderr


def test_an_unreadable_subdirectory_is_an_input_error(tmp_path, monkeypatch):
    (tmp_path / "ok.json").write_bytes(GOOD.read_bytes())
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.json").write_bytes(GOOD.read_bytes())
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)  # the tests may run as root, where chmod 000 does not stop reads
    result = invoke("check", "--format", "concise", str(tmp_path))
    assert result.exit_code == 2
    assert f"{locked}: cannot read directory: Permission denied" in result.stderr
    assert "ok.json" in result.stdout


@pytest.mark.parametrize("count", [-1, 0, True, 1.5, "2"])
def test_baseline_counts_must_be_positive_integers(tmp_path, count):
    baseline = tmp_path / "baseline.json"
    entry = {"fingerprint": "ab", "count": count}
    baseline.write_text(json.dumps({"version": 1, "tool": "vipps-lint", "findings": [entry]}))
    result = invoke("check", "--baseline", str(baseline), str(GOOD))
    assert result.exit_code == 2
    assert "count of at least 1" in result.stderr


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("deep.toml", "[tool.vipps-lint]\nselect = " + "[" * 20000 + "]" * 20000 + "\n", "nested too deeply"),
        ("baseline.json", "[" * 100000 + "]" * 100000, "nested too deeply"),
    ],
)
def test_deeply_nested_settings_are_one_line(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content)
    option = "--config" if name.endswith(".toml") else "--baseline"
    result = run_cli("check", option, str(path), str(GOOD))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr.decode()
    assert expected in result.stderr.decode()


def _shlex_words(command: str) -> list[str]:
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|&;")
    lexer.whitespace_split = True
    words = []
    for token in lexer:
        if token and set(token) <= set("|&;"):
            break
        words.append(token)
    return words


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab \t\n'\"\\#|&;-=x", max_size=24))
def test_the_linear_curl_tokenizer_reads_as_shlex_does(command):
    from vipps_lint.sources.curl import _tokens

    try:
        expected = _shlex_words(command)
    except ValueError:
        expected = ValueError
    try:
        got = _tokens(command)
    except ValueError:
        got = ValueError
    assert got == expected


def test_a_curl_body_of_megabytes_over_many_lines_is_read(tmp_path):
    # shlex took minutes on this (it grows each word one character at a time); now linear.
    body = json.dumps(
        {"merchantInfo": {"callbackPrefix": "http://x.example/" + "a" * 40, "notes": ["n" * 60 for _ in range(20000)]}},
        indent=1,
    )
    script = tmp_path / "big.curl"
    script.write_text(f"curl https://apitest.vipps.no/ecomm/v2/payments -d '{body}'\n")
    result = invoke("check", "--format", "json", "--select", "ecom-callback-https", str(script))
    assert [finding["rule"] for finding in json.loads(result.stdout)["findings"]] == ["ecom-callback-https"]


def test_cutting_a_log_into_sections_never_reads_a_long_line_whole(tmp_path, monkeypatch):
    from vipps_lint.models import SourceFile
    from vipps_lint.sources import ndjson

    log = tmp_path / "log.ndjson"
    log.write_bytes(b'{"a": "' + b"x" * (6 * safe_io.MIB) + b'"}\n' + b'{"b": 1}\n' * 10)
    largest = []
    real_open = safe_io.open_regular

    def counting_open(path):
        handle = real_open(path)
        readline = handle.readline

        def limited_readline(size=-1):
            line = readline(size)
            largest.append(len(line))
            return line

        handle.readline = limited_readline
        return handle

    monkeypatch.setattr(ndjson, "open_regular", counting_open, raising=False)
    builtin_open = io.open  # the real open: builtins.open is the one patched

    def patched_open(*a, **k):
        return counting_open(a[0]) if a and a[0] == str(log) else builtin_open(*a, **k)

    monkeypatch.setattr("builtins.open", patched_open)
    sections = ndjson.sections(SourceFile(str(log), str(log)), 3)
    assert sections and max(largest) <= safe_io.MIB


# Each limit of docs/security.md, at its real value where a sparse file costs nothing (a file
# over the limit is refused by its size, before a byte is read), else lowered for the test.
def _sparse(path, size):
    with open(path, "wb") as stream:
        stream.truncate(size)
    return path


@pytest.mark.parametrize("option", ["--config", "--baseline", "--postman-env", "--rules"])
def test_settings_files_over_16_mib_are_refused_unread(tmp_path, option):
    corpus = FIXTURES.parent / "tests" / "hardening" / "fuzz-corpus"
    collection = corpus / "shop.postman_collection.json"
    over = safe_io.MAX_SETTINGS_BYTES + 1
    if option == "--rules":
        (tmp_path / "pack").mkdir()
        _sparse(tmp_path / "pack" / "rules.yaml", over)
        value = tmp_path / "pack"
    else:
        value = _sparse(tmp_path / {"--config": "big.yaml", "--baseline": "baseline.json"}.get(option, "e.json"), over)
    result = invoke("check", option, str(value), str(collection))
    assert result.exit_code == 2
    assert "16.0 MiB is over the 16 MiB limit; not read" in result.stderr, result.stderr
    assert safe_io.MAX_SETTINGS_BYTES == 16 * safe_io.MIB


@pytest.mark.parametrize("option", [None, "--spec"])
def test_files_read_whole_over_64_mib_are_refused_unread(tmp_path, option):
    big = _sparse(tmp_path / "big.yaml", safe_io.MAX_FILE_BYTES + 1)
    result = invoke("check", str(big), str(GOOD)) if option is None else invoke("check", option, str(big), str(GOOD))
    assert result.exit_code == 2
    assert "64.0 MiB is over the 64 MiB limit; not read" in result.stderr, result.stderr


def test_standard_input_over_its_limit_is_refused(monkeypatch):
    assert safe_io.MAX_STDIN_BYTES == 256 * safe_io.MIB
    monkeypatch.setattr("vipps_lint.sources.MAX_STDIN_BYTES", 1000)
    result = invoke("check", "-", input=GOOD.read_text() + " " * 1000)
    assert result.exit_code == 2
    assert "standard input is over the 0 MiB limit; not read" in result.stderr, result.stderr


def test_one_har_entry_over_its_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("vipps_lint.sources.har.MAX_FILE_BYTES", 50_000)
    monkeypatch.setattr("vipps_lint.sources.har.READ_SIZE", 4096)  # streamed in pieces, as a large file is
    request = {"method": "POST", "url": "https://apitest.vipps.no/ecomm/v2/payments", "headers": []}
    entries = [{"request": request}, {"request": {**request, "comment": "x" * 100_000}}]
    path = tmp_path / "dump.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    result = invoke("check", str(path))
    assert result.exit_code == 2
    assert "one entry is over the 0 MiB limit; not read further" in result.stderr, result.stderr


def test_a_json_body_over_10_mib_is_not_linted(tmp_path):
    from vipps_lint.sources import ReadOptions

    assert ReadOptions().max_body_bytes == 10 * safe_io.MIB
    body = tmp_path / "huge.json"
    body.write_text('{"transactionText": "' + "x" * (10 * safe_io.MIB) + '"}')
    result = invoke("check", str(body))
    assert result.exit_code == 2
    assert "huge.json:1:1: body is 10.0 MiB; bodies over 10 MiB are not linted" in result.stderr


def _spec_referring_to(reference: str) -> str:
    return (
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nservers: [{url: https://apitest.vipps.no}]\n"
        "paths:\n  /epayment/v1/payments:\n    post:\n      operationId: x\n"
        "      requestBody:\n        content:\n          application/json:\n"
        f"            schema: {{$ref: '{reference}'}}\n"
        "            example: {a: 1}\n"
    )


@pytest.mark.parametrize("how", ["walked document", "--spec"])
def test_a_ref_to_a_special_file_is_refused(tmp_path, how):
    os.mkfifo(tmp_path / "common.yaml")
    spec = tmp_path / "openapi.yaml"
    spec.write_text(_spec_referring_to("common.yaml#/Body"))
    result = invoke("check", str(spec)) if how == "walked document" else invoke("check", "--spec", str(spec), str(GOOD))
    assert result.exit_code == 2
    assert "a FIFO (named pipe), not a regular file" in result.stderr, result.stderr


@pytest.mark.parametrize("how", ["walked document", "--spec"])
def test_a_remote_ref_is_never_fetched(tmp_path, monkeypatch, how):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("vipps-lint tried to reach the network")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    spec = tmp_path / "openapi.yaml"
    spec.write_text(_spec_referring_to("https://example.com/common.yaml#/Body"))
    result = invoke("check", str(spec)) if how == "walked document" else invoke("check", "--spec", str(spec), str(GOOD))
    assert "internal error" not in result.stderr and "network" not in result.stderr
    if how == "walked document":  # its example is not checked against a schema it does not have
        assert result.exit_code == 2
        assert "is a remote document; it is not fetched (map it to a local copy with --remote" in result.stderr
    else:  # --spec: that schema is left unconstrained; the rest is linted
        assert result.exit_code == 1
