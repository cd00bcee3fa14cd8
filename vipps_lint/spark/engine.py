"""`vipps-lint check --engine spark`: the same run as `Linter.run`, with Spark reading the logs
and linting them on its executors; the driver only lists the files and puts the report together.

1. The driver lists the inputs with Hadoop's file system (any path Spark reads: local,
   `s3a://`, `abfss://`, `hdfs://`), walking directories in the order the local engine walks them.
2. NDJSON logs are read by Spark's text source, one row per line, split into blocks (Spark's
   file splits; `_metadata.file_block_start` says which); HAR files one whole file per row
   (`binaryFile`). Executors lint them with the project's own readers (vipps_lint.spark.executor).
3. Each block reports how many lines, characters and requests it held; the driver turns those
   into each block's first line and request number, and Spark renumbers the findings and
   sorts them by file, block and order within the block: the local engine's order.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import pickle
import posixpath
import sys
from typing import Optional
from urllib.parse import unquote

NDJSON_PATTERNS = ("*.ndjson", "*.jsonl")
HAR_PATTERNS = ("*.har",)
_GLOB_CHARACTERS = set("*?[{")


class EngineError(Exception):
    """Spark could not run (no Java, a path it cannot read…): one line for the user."""


def path_key(uri: str) -> str:
    """One spelling of a file's URI: Spark's `_metadata.file_path` is percent-encoded
    (`file:/a%20b`), `binaryFile`'s `path` and Hadoop's listing are not (`file:/a b`, `file:///…`)."""
    uri = unquote(uri)
    if uri.startswith("file:///"):
        uri = "file:/" + uri[len("file:///") :]
    return uri


def input_format(name: str, forced: Optional[str]) -> Optional[str]:
    if forced in ("ndjson", "har"):
        return forced
    base = name.lower()
    if any(fnmatch.fnmatch(base, pattern) for pattern in NDJSON_PATTERNS):
        return "ndjson"
    if any(fnmatch.fnmatch(base, pattern) for pattern in HAR_PATTERNS):
        return "har"
    return None


def list_inputs(spark, paths: list[str], forced: Optional[str]):
    """([(display, uri, format)], {files named before it: [InputError]}, [InputError] of
    files the Spark engine does not read), in the local engine's order."""
    from vipps_lint.models import InputError
    from vipps_lint.sources import SKIPPED_DIRECTORIES

    jvm = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    files, missing, unsupported = [], {}, []

    def add(display: str, status) -> None:
        name = status.getPath().getName()
        fmt = input_format(name, forced)
        if fmt is None:
            unsupported.append(
                InputError(
                    display,
                    "the Spark engine reads NDJSON (*.ndjson, *.jsonl) and HAR (*.har) logs; "
                    "lint this file without --engine spark, or say --input-format ndjson|har",
                )
            )
            return
        files.append((display, path_key(status.getPath().toUri().toString()), fmt))

    def walk(fs, directory, display: str) -> None:
        entries = sorted(fs.listStatus(directory), key=lambda status: status.getPath().getName())
        for status in entries:  # the directory's files first, then its subdirectories (as os.walk)
            name = status.getPath().getName()
            if status.isFile() and any(
                fnmatch.fnmatch(os.path.normcase(name), pattern) for pattern in NDJSON_PATTERNS + HAR_PATTERNS
            ):
                add(posixpath.join(display, name), status)
        for status in entries:
            name = status.getPath().getName()
            if status.isDirectory() and name not in SKIPPED_DIRECTORIES and not name.startswith("."):
                walk(fs, status.getPath(), posixpath.join(display, name))

    for argument in paths:
        # A path without a scheme is the driver's file, relative to Python's working directory
        # (the JVM's may differ); Hadoop then reads it with its default file system.
        local = "://" not in argument and not argument.startswith("file:")
        path = jvm.org.apache.hadoop.fs.Path(os.path.abspath(argument) if local else argument)
        try:
            fs = path.getFileSystem(conf)
            statuses = fs.globStatus(path) if _GLOB_CHARACTERS & set(argument) else [fs.getFileStatus(path)]
        except Exception as error:  # noqa: BLE001 - py4j wraps FileNotFoundException and the rest alike
            statuses = None
            if "FileNotFoundException" not in str(error):
                missing.setdefault(len(files), []).append(InputError(argument, f"cannot read: {java_message(error)}"))
                continue
        if not statuses:
            missing.setdefault(len(files), []).append(InputError(argument, "no such file or directory"))
            continue
        globbed = bool(_GLOB_CHARACTERS & set(argument))
        for status in sorted(statuses, key=lambda status: status.getPath().toString()):
            display = _shown(argument) if not globbed else _display_of_match(argument, status)
            if status.isDirectory():
                walk(fs, status.getPath(), display.rstrip("/") or display)
            else:
                add(display, status)
    return files, missing, unsupported


def _shown(path: str) -> str:
    return path[2:] if path.startswith("./") and len(path) > 2 else path


def _display_of_match(argument: str, status) -> str:
    """A glob's match as the shell would have expanded it: relative when the glob was."""
    if "://" in argument or argument.startswith("file:"):
        return status.getPath().toString()
    local = status.getPath().toUri().getPath()
    return local if os.path.isabs(argument) else os.path.relpath(local)


def java_message(error: Exception) -> str:
    text = str(error).strip().splitlines()
    first = next((line for line in text if "Exception" in line), text[0] if text else repr(error))
    return first.split(": ", 1)[-1][:300]


def session(master: Optional[str] = None, app_name: str = "vipps-lint"):
    """The active Spark session, or a new one (`master`: e.g. local[2], spark://host:7077, yarn;
    without it, what spark-submit or the cluster says, else local[*])."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise EngineError("--engine spark needs pyspark: pip install 'vipps-lint[spark]'") from error
    active = SparkSession.getActiveSession()
    if active is not None:
        return active  # in a notebook or a test-suite: the session there is, as it was set up
    builder = SparkSession.builder.appName(app_name).config("spark.ui.showConsoleProgress", "false")
    if master:
        builder = builder.master(master)
    # Local workers run this interpreter (which has vipps-lint and pyarrow), not the first `python3`
    # on PATH (a virtual environment that is not activated). PySpark reads the worker's Python
    # from PYSPARK_PYTHON only; spark-submit (which sets the gateway port) chooses it itself.
    chosen = os.environ.get("PYSPARK_PYTHON") or "PYSPARK_GATEWAY_PORT" in os.environ
    if (master is None or master.startswith("local")) and not chosen:
        os.environ["PYSPARK_PYTHON"] = sys.executable
    try:
        spark = builder.getOrCreate()
    except Exception as error:
        raise EngineError(f"Spark did not start: {java_message(error)}") from error
    spark.sparkContext.setLogLevel("ERROR")  # the report and our error lines, not Spark's INFO and WARN
    return spark


def run(linter, paths: list[str], master: Optional[str] = None, output_parquet: Optional[str] = None):
    """The report of linting `paths` on Spark: what `linter.run(paths)` gives, in the same order."""
    from vipps_lint.config import file_settings
    from vipps_lint.models import Report, SourceFile
    from vipps_lint.session import SessionChecks

    spark = session(master)
    files, missing, unsupported = list_inputs(spark, paths, linter.settings.read.input_format)
    # A file named twice is linted once, and reported twice (as the local engine does).
    unique: dict[str, tuple[str, str]] = {}
    for display, uri, fmt in files:
        unique.setdefault(uri, (display, fmt))
    linted = [(display, uri, fmt) for uri, (display, fmt) in unique.items()]
    results = {}
    if linted:
        items = _lint_on_spark(spark, linter, linted)
        try:
            results = _collect(spark, items, linted, output_parquet)
        finally:
            items.unpersist()
    report = Report(errors=list(linter.setup_errors))
    # The checks across a whole log, in input order, from the executors' records (as Linter.run).
    across = SessionChecks(linter) if linter.session_rules else None
    found_across: list = []
    for number, (display, uri, _fmt) in enumerate(files):
        report.errors.extend(missing.pop(number, ()))
        result = results[unique[uri][0]]
        file_result = _file_result(display, result)
        if across is not None and result["seen"]:
            ignored = file_settings(linter.settings, linter.rules, display)[1]
            found = across.feed(SourceFile(display, None), result["seen"], ignored)
            if found:
                found_across.extend(found)
                file_result.findings = sorted(file_result.findings + found, key=lambda finding: finding.request.index)
        report.merge(file_result)
    if output_parquet and found_across:
        _append_to_parquet(spark, found_across, output_parquet)
    for errors in missing.values():
        report.errors.extend(errors)
    report.errors.extend(unsupported)
    # What the fix stage (fixes.annotate) computes from the files' text, the executors did.
    broken = {error.file for error in report.errors}
    report.fixable = sum(
        1 for finding in report.findings if getattr(finding, "fixable", False) and finding.file not in broken
    )
    report.replacements_computed = True
    return report


def _append_to_parquet(spark, findings, output_parquet: str) -> None:
    """Add the findings of the checks across a whole log, which the driver makes after the
    executors' findings were written, to the findings table: it holds what the report holds."""
    from vipps_lint.secrets import Masker, collect_secrets
    from vipps_lint.spark import findings_columns
    from vipps_lint.spark.executor import ITEM_FIELDS, finding_values, items_ddl

    masker = Masker(set().union(*(collect_secrets(finding.request) for finding in findings)))
    rows = []
    for finding in findings:
        values = finding_values(finding, lambda text: None if text is None else masker.mask_text(text))
        values.update(file=finding.file)
        rows.append(tuple(values.get(name) for name, _kind in ITEM_FIELDS))
    findings_columns(spark.createDataFrame(rows, items_ddl())).write.mode("append").parquet(output_parquet)


def _lint_on_spark(spark, linter, files):
    from pyspark.sql import functions as F

    from vipps_lint.spark.executor import items_ddl, lint_log_batches

    settings = linter.settings
    displays = {uri: display for display, uri, _fmt in files}
    frames = []
    ndjson = [uri for _display, uri, fmt in files if fmt == "ndjson"]
    har = [uri for _display, uri, fmt in files if fmt == "har"]
    if ndjson:
        lines = spark.read.option("lineSep", "\n").text(ndjson)
        frames.append(
            lines.select(
                F.lit("ndjson").alias("format"),
                F.col("_metadata.file_path").alias("file"),
                F.col("_metadata.file_block_start").alias("block"),
                F.col("value").cast("binary").alias("value"),
            )
        )
    if har:
        whole = spark.read.format("binaryFile").load(har)
        frames.append(
            whole.select(
                F.lit("har").alias("format"),
                F.col("path").alias("file"),
                F.lit(0).cast("long").alias("block"),
                F.col("content").alias("value"),
            )
        )
    rows = frames[0] if len(frames) == 1 else frames[0].unionByName(frames[1])

    def lint(batches):
        return lint_log_batches(_named(batches, displays), settings)

    return rows.mapInArrow(lint, items_ddl()).persist()


def _named(batches, displays: dict):
    """The batches with each file's URI replaced by its name as the user gave it."""
    import pyarrow as pa

    for batch in batches:
        files = [displays.get(path_key(uri), uri) for uri in batch.column(1).to_pylist()]
        yield pa.RecordBatch.from_arrays(
            [batch.column(0), pa.array(files, pa.string()), batch.column(2), batch.column(3)], names=batch.schema.names
        )


def _collect(spark, items, files, output_parquet) -> dict[str, dict]:
    """Each file's findings and errors (rows, in order) and counts, by its name."""
    from pyspark.sql import functions as F

    from vipps_lint.models import EndpointStats, merge_timeline

    order = {display: number for number, (display, _uri, _fmt) in enumerate(files)}
    results = {
        display: {
            "findings": [],
            "errors": [],
            "requests": 0,
            "skipped": 0,
            "inferred": 0,
            "endpoints": {},
            "timeline": {},
            "seen": [],
        }
        for display in order
    }
    blocks: dict[str, list] = {display: [] for display in order}
    for row in (
        items.where(F.col("kind") == "block")
        .select("file", "block", "lines", "requests", "skipped", "inferred", "stats")
        .collect()
    ):
        blocks[row.file].append(row)
    offsets = []
    for display, rows in blocks.items():
        result = results[display]
        line, index = 0, 0
        for row in sorted(rows, key=lambda row: row.block):
            offsets.append((display, row.block, order[display], line, index))
            first_line, first_index = line, index
            line += row.lines or 0
            index += row.requests + row.skipped
            for key in ("requests", "skipped", "inferred"):
                result[key] += row[key]
            stats = pickle.loads(base64.b64decode(row.stats))
            for endpoint, counted in stats["endpoints"].items():
                result["endpoints"].setdefault(endpoint, EndpointStats(endpoint)).merge(counted)
            merge_timeline(result["timeline"], stats["timeline"])
            result["seen"].extend(_renumbered(record, first_line, first_index) for record in stats["seen"])
    table = spark.createDataFrame(
        offsets, "file string, block bigint, file_order bigint, line_offset bigint, index_offset bigint"
    )
    placed = (
        items.where(F.col("kind") != "block")
        .join(F.broadcast(table), ["file", "block"])
        .withColumn("line", F.col("line") + F.col("line_offset"))
        .withColumn("index", F.col("index") + F.col("index_offset"))
        .withColumn("fix_edit", _renumbered_edit())
        .orderBy("file_order", "block", "seq")
    )
    findings = placed.where(F.col("kind") == "finding")
    if output_parquet:
        from vipps_lint.spark import findings_columns

        findings_columns(findings).write.mode("overwrite").parquet(output_parquet)
    for row in findings.toArrow().to_pylist():
        results[row["file"]]["findings"].append(row)
    for row in placed.where(F.col("kind") == "error").select("file", "message", "line", "column").collect():
        results[row.file]["errors"].append(row)
    return results


def _renumbered_edit():
    """An NDJSON fix edit's lines, renumbered like the finding's (see executor._file_edit)."""
    from pyspark.sql import functions as F

    edit = F.from_json(F.col("fix_edit"), "array<string>")
    line = (edit[0].cast("bigint") + F.col("line_offset")).cast("string")
    end_line = (edit[2].cast("bigint") + F.col("line_offset")).cast("string")
    renumbered = F.to_json(F.array(line, edit[1], end_line, edit[3], edit[4]))
    return F.when(F.col("fix_edit").isNotNull(), renumbered)


def _renumbered(record, first_line: int, first_index: int):
    """A block's record for the checks across requests, numbered as in its file."""
    import dataclasses

    from vipps_lint.models import Position

    position = record.position
    return dataclasses.replace(
        record,
        index=record.index + first_index,
        position=Position(position.line + first_line, position.column) if position is not None else None,
        line=record.line + first_line if record.line is not None else None,
    )


def _file_result(display: str, result: dict):
    """One input file's `FileResult`, as the local engine's `Linter.lint_file` gives it; the
    requests keep only what the findings and reports show (the rest stayed on the executors)."""
    from vipps_lint.models import (
        FileResult,
        Finding,
        Fix,
        InputError,
        Position,
        Replacement,
        Request,
        SourceFile,
    )
    from vipps_lint.routing import Operation

    # No path: the text report's code frames would show the file's raw lines, which only the
    # executors could mask with the secrets the requests carry.
    source = SourceFile(display, None)
    file_result = FileResult(
        display,
        requests=result["requests"],
        skipped=result["skipped"],
        inferred=result["inferred"],
        endpoints=result["endpoints"],
        timeline=result["timeline"],
    )
    requests: dict[int, Request] = {}
    for row in result["findings"]:
        request = requests.get(row["index"])
        if request is None:
            operation = None
            if row["operation"]:
                method, _, path = (row["endpoint"] or "").partition(" ")
                operation = Operation(row["operation"], row["operation"].split(":", 1)[0], method, path)
            request = requests[row["index"]] = Request(
                source,
                row["index"],
                method=row["method"],
                url=row["url"],
                name=row["name"],
                operation=operation,
                routing_note=row["routing_note"],
            )
        fix = Fix(json.loads(row["fix_value"]), row["fix_description"]) if row["fix_description"] is not None else None
        position = Position(row["line"], row["column"]) if row["line"] is not None else None
        finding = Finding(
            row["rule"],
            row["severity"],
            row["message"],
            request,
            part=row["part"],
            pointer=row["pointer"],
            header=row["header"],
            hint=row["hint"],
            position=position,
            fix=fix,
        )
        if row["fix_edit"]:  # computed on the executor, where the file's text is
            start_line, start_column, end_line, end_column, text = json.loads(row["fix_edit"])
            finding.replacement = Replacement(
                Position(int(start_line), int(start_column)), Position(int(end_line), int(end_column)), text
            )
        finding.value_digest = row["value_digest"]  # the value itself stayed on the executor
        finding.fixable = bool(row["fixable"])
        file_result.findings.append(finding)
    for row in result["errors"]:
        file_result.errors.append(InputError(display, row.message, row.line, row.column))
    return file_result
