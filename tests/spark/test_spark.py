"""The Spark engine (vipps_lint.spark): the same report as the local engine, order included.

Spark runs in local mode (`local[2]`), bound to 127.0.0.1 with its UI off: one session for
this module, stopped at its end. Java 17+ must be on the machine (`.ci/run` installs it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from vipps_lint.cli import main

from conftest import FIXTURES, REPO

pyspark = pytest.importorskip("pyspark", reason="the Spark tests need pyspark: pip install '.[test]'")

# Each of these starts Spark jobs (a minute or more on a loaded machine): CI runs them all.
pytestmark = pytest.mark.slow

LOOPBACK = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
}


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # Every address Spark opens is on the loopback interface, also the ones the conf does not name.
    previous = os.environ.get("SPARK_LOCAL_IP")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    # The workers run the test-suite's interpreter, also from a virtual environment not activated.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master("local[2]").appName("vipps-lint-tests")
    for key, value in LOOPBACK.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    if previous is None:
        os.environ.pop("SPARK_LOCAL_IP", None)
    else:
        os.environ["SPARK_LOCAL_IP"] = previous


@pytest.fixture
def split_small(spark):
    """Spark splits logs into blocks of about this many bytes: a block ends mid-file, at
    uneven places, and one partition holds blocks of several files."""

    def set_size(size: int) -> None:
        spark.conf.set("spark.sql.files.maxPartitionBytes", str(size))
        spark.conf.set("spark.sql.files.openCostInBytes", str(size // 3))

    yield set_size
    spark.conf.unset("spark.sql.files.maxPartitionBytes")
    spark.conf.unset("spark.sql.files.openCostInBytes")


def check(*args: str, cwd: Path = REPO) -> tuple[int, str, str]:
    """`vipps-lint check ARGS` in process; (exit status, report text, stderr)."""
    runner = CliRunner()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(main, ["check", "--isolated", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def both_engines(tmp_path: Path, fmt: str, *paths: str, cwd: Path = REPO) -> tuple[dict, dict]:
    """The two engines' reports of the same inputs, and their exit statuses and error lines."""
    runs = {}
    for engine in ("local", "spark"):
        out = tmp_path / f"{engine}.{fmt}"
        status, _stdout, stderr = check("--engine", engine, "--format", fmt, "-o", str(out), *paths, cwd=cwd)
        assert "Traceback" not in stderr, stderr
        errors = [line for line in stderr.splitlines() if ": " in line and not line.startswith(("WARN", "Using Spark"))]
        runs[engine] = {"status": status, "text": out.read_text(encoding="utf-8"), "errors": errors}
    return runs["local"], runs["spark"]


def test_fixture_logs_give_the_local_engines_json_report(spark, tmp_path):
    local, on_spark = both_engines(tmp_path, "json", "fixtures/ndjson", "fixtures/har")
    report = json.loads(local["text"])
    assert report["summary"]["files"] >= 6 and report["findings"], "the fixtures have findings to compare"
    assert {finding["file"].split("/")[1] for finding in report["findings"]} == {"ndjson", "har"}
    assert on_spark["text"] == local["text"]
    assert on_spark["status"] == local["status"] == 1


def test_fixture_logs_give_the_local_engines_sarif_report(spark, tmp_path):
    local, on_spark = both_engines(tmp_path, "sarif", "fixtures/ndjson/2024-06-14-shop.ndjson", "fixtures/har")
    sarif = json.loads(local["text"])
    # Fixes travel as file edits computed on the executors: they must be there, and the same.
    assert any(result.get("fixes") for result in sarif["runs"][0]["results"])
    assert on_spark["text"] == local["text"]


def test_secrets_are_masked_before_they_leave_the_executors(spark, tmp_path):
    log = tmp_path / "live.ndjson"
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtZXJjaGFudC0xMjM0NTYifQ.c2lnbmF0dXJlLXNlY3JldA"
    key = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    request = {
        "method": "POST",
        "url": f"https://api.vipps.no/epayment/v1/payments?access_token={key}",
        "headers": {"Authorization": f"Bearer {token}", "Ocp-Apim-Subscription-Key": key},
        "body": {
            "amount": {"currency": "NOK", "value": 1000},
            "paymentMethod": {"type": "WALLET"},
            "reference": key,
            "returnUrl": f"http://shop.example/return?token={key}",
            "userFlow": "WEB_REDIRECT",
        },
    }
    log.write_text(json.dumps(request) + "\n" + json.dumps(request) + "\n", encoding="utf-8")
    from vipps_lint.pipeline import Linter, Settings
    from vipps_lint.spark.engine import _lint_on_spark

    linter = Linter(Settings())
    items = _lint_on_spark(spark, linter, [("live.ndjson", "file:" + str(log), "ndjson")])
    try:
        everything = json.dumps([row.asDict() for row in items.collect()], ensure_ascii=False)
    finally:
        items.unpersist()
    assert '"finding"' in everything and key[:4] + "…" in everything
    assert token not in everything and key not in everything
    local, on_spark = both_engines(tmp_path, "json", str(log))
    assert on_spark["text"] == local["text"] and key not in on_spark["text"]


def _bad_and_odd_log() -> bytes:
    """Lines that test the reader's edges: a BOM, CRLF, blank lines, invalid JSON, invalid
    UTF-8, NUL bytes, a line that is not a request."""
    good = json.dumps(
        {
            "method": "POST",
            "url": "https://api.vipps.no/ecomm/v2/payments",
            "headers": {"Authorization": "Bearer x"},
            "body": {
                "merchantInfo": {
                    "merchantSerialNumber": "123456",
                    "callbackPrefix": "http://shop.example/cb",
                    "fallBack": "https://shop.example/back",
                },
                "customerInfo": {"mobileNumber": "+47 912 34 567"},
                "transaction": {"orderId": "order-1", "amount": 1000, "transactionText": "One pair of socks"},
            },
        }
    )
    lines = [
        b"\xef\xbb\xbf" + good.encode(),
        b"",
        good.encode() + b"\r",
        b"{not json",
        b'{"method": "GET", "url": "\xff"}',
        b'{"a": 1}',
        good.encode().replace(b"order-1", b"order\x00"),
        b"   ",
        good.encode(),
        b"[1, 2]",
    ]
    return b"\n".join(lines * 7) + b"\n"


def _corpus_module():
    spec = importlib.util.spec_from_file_location("bench_corpus", REPO / "bench" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_several_files_in_uneven_blocks_give_the_local_report(spark, split_small, tmp_path):
    """Files cut into blocks at uneven places, blocks of several files in one partition, an
    empty file, a file of bad lines, a missing path in between, a directory walked, a HAR."""
    logs = tmp_path / "logs"
    (logs / "b-sub").mkdir(parents=True)
    _corpus_module().write_corpus(tmp_path / "corpus", 700, seed=7, formats=("ndjson", "har"))
    corpus = (tmp_path / "corpus" / "requests.ndjson").read_bytes().splitlines(keepends=True)
    (logs / "a-first.ndjson").write_bytes(b"".join(corpus[:450]))
    (logs / "b-sub" / "c-second.jsonl").write_bytes(b"".join(corpus[450:]).rstrip(b"\n"))  # no newline at the end
    (logs / "b-sub" / "empty.ndjson").write_bytes(b"")
    (logs / "odd.ndjson").write_bytes(_bad_and_odd_log())
    (logs / "z.har").write_bytes((tmp_path / "corpus" / "requests.har").read_bytes())
    split_small(9_000)
    local, on_spark = both_engines(tmp_path, "json", "logs", "missing.ndjson", "logs/odd.ndjson", cwd=tmp_path)
    report = json.loads(local["text"])
    assert report["summary"]["files"] == 6 and report["summary"]["requests"] > 1000 and report["errors"]
    assert on_spark["text"] == local["text"]
    assert on_spark["errors"] == local["errors"] and on_spark["status"] == local["status"] == 2


def test_output_parquet_holds_the_findings_table(spark, split_small, tmp_path):
    split_small(4_000)
    out = tmp_path / "findings.parquet"
    status, report_text, _ = check(
        "--engine", "spark", "--format", "json", "--output-parquet", str(out), "fixtures/ndjson"
    )
    assert status == 1
    report = json.loads(report_text)
    table = spark.read.parquet(str(out))
    assert table.columns == [
        "rule",
        "severity",
        "message",
        "hint",
        "file",
        "request",
        "part",
        "pointer",
        "header",
        "line",
        "column",
        "fix",
    ]
    rows = table.orderBy("file", "request.index", "line", "column").collect()
    expected = sorted(
        report["findings"],
        key=lambda finding: (
            finding["file"],
            finding["request"]["index"],
            finding["line"] or 0,
            finding["column"] or 0,
        ),
    )
    assert [(row.rule, row.file, row.request["index"], row.line, row.message) for row in rows] == [
        (f["rule"], f["file"], f["request"]["index"], f["line"], f["message"]) for f in expected
    ]
    fixed = [row for row in rows if row.fix is not None]
    assert fixed and all(json.loads(row.fix.value) is not None for row in fixed)


def test_engine_options_are_checked(spark, tmp_path):
    status, _, stderr = check("--master", "local[1]", "fixtures/ndjson")
    assert status == 2 and "only with --engine spark" in stderr
    status, _, stderr = check("--engine", "spark", "--fix", "fixtures/ndjson")
    assert status == 2 and "--fix" in stderr
    (tmp_path / "body.json").write_text("{}")
    status, _, stderr = check("--engine", "spark", "--format", "json", str(tmp_path / "body.json"))
    assert status == 2 and "the Spark engine reads NDJSON" in stderr


def test_lint_dataframe_finds_what_the_local_engine_finds_per_request(spark):
    """A table of logged requests (headers and response as JSON text, body as JSON text or
    null), linted row by row: the same findings per request as the NDJSON log gives."""
    from vipps_lint.spark import lint_dataframe, summary

    rows = []
    log = FIXTURES / "ndjson" / "2024-06-14-shop.ndjson"
    for number, line in enumerate(log.read_text(encoding="utf-8").splitlines()):
        logged = json.loads(line)
        request = logged.get("request", logged)
        body = request.get("body")
        rows.append(
            (
                f"2024-06-14T10:{number:02d}:00",
                request.get("method"),
                request.get("url"),
                json.dumps(request["headers"]) if "headers" in request else None,
                body if isinstance(body, str) or body is None else json.dumps(body),
                json.dumps(logged.get("response") or {"status": logged["status"], "body": logged["responseBody"]}),
            )
        )
    frame = spark.createDataFrame(
        rows, "ts string, verb string, target string, hdrs string, payload string, answer string"
    )
    findings, errors = lint_dataframe(
        frame.repartition(3),
        method="verb",
        url="target",
        headers="hdrs",
        body="payload",
        response="answer",
        timestamp="ts",
        errors=True,
    )
    assert errors.count() == 0
    got = sorted(
        (row.request["method"], row.request["url"], row.rule, row.pointer or "", row.header or "", row.message)
        for row in findings.collect()
    )
    _status, local_text, _ = check("--format", "json", str(log))
    expected = sorted(
        (f["request"]["method"], f["request"]["url"], f["rule"], f["pointer"] or "", f["header"] or "", f["message"])
        for f in json.loads(local_text)["findings"]
    )
    assert got and got == expected
    assert findings.where("line is not null or timestamp is null").count() == 0
    secrets = ("Jk8~qT3vR.x9Lm2pW7sZ4nB6cF1hD5gY0aE", "7d0c4f2ab9e14c3d8a6f5b1e2c9d0a47")
    assert not any(secret in json.dumps(row.asDict(True)) for row in findings.collect() for secret in secrets)
    by_rule, by_endpoint = summary(findings)
    counted = {(row.rule, row.severity): row.findings for row in by_rule.collect()}
    assert sum(counted.values()) == len(got) and all(count > 0 for count in counted.values())
    endpoints = by_endpoint.collect()
    assert sum(row.findings for row in endpoints) == len(got)
    assert all(row.findings == row.error + row.warning + row.info for row in endpoints)


@pytest.mark.slow
def test_a_generated_log_in_twenty_blocks_gives_the_local_report(spark, split_small, tmp_path):
    # 25,000 lines (20 MiB) in blocks of 1 MiB: as many blocks, cut at as arbitrary places, as
    # 100,000 lines in blocks of 4 MiB, for a quarter of the linting (the longest test here).
    lines = 25_000
    _corpus_module().write_corpus(tmp_path, lines, formats=("ndjson",))
    log = tmp_path / "requests.ndjson"
    assert sum(1 for _ in log.open("rb")) == lines
    split_small(1024 * 1024)
    assert log.stat().st_size > 16 * 1024 * 1024  # so, about twenty blocks
    local, on_spark = both_engines(tmp_path, "json", "requests.ndjson", cwd=tmp_path)
    report = json.loads(local["text"])
    assert report["summary"]["requests"] == lines and len(report["findings"]) > lines // 20
    assert on_spark["text"] == local["text"]


@pytest.mark.slow
def test_the_command_starts_its_own_spark(tmp_path):
    """A real `vipps-lint check --engine spark --master local[1]` process: its exit status and report."""
    environment = {
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_SUBMIT_ARGS": " ".join(f"--conf {key}={value}" for key, value in LOOPBACK.items()) + " pyspark-shell",
    }

    def run(*args: str) -> subprocess.CompletedProcess:
        # Spark's start-up on a loaded machine takes a minute or more: no 120 s limit here.
        return subprocess.run(
            [sys.executable, "-m", "vipps_lint", "check", "--isolated", *args],
            capture_output=True,
            check=False,
            cwd=REPO,
            env={**os.environ, **environment, "NO_COLOR": "1"},
            timeout=900,
        )

    result = run(
        "--engine",
        "spark",
        "--master",
        "local[1]",
        "--format",
        "json",
        "-o",
        str(tmp_path / "r.json"),
        "fixtures/ndjson/header-mistakes.ndjson",
    )
    local = run("--format", "json", "fixtures/ndjson/header-mistakes.ndjson")
    assert "Traceback" not in result.stderr.decode()
    assert result.returncode == local.returncode == 1
    assert (tmp_path / "r.json").read_bytes() == local.stdout
