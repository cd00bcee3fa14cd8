"""vipps-lint on Apache Spark: lint a data lake of request logs (`pip install 'vipps-lint[spark]'`).

    from vipps_lint.spark import lint_dataframe, summary

    logs = spark.read.parquet("s3a://gateway-logs/2026/11/28/")
    findings = lint_dataframe(logs, method="http_method", url="request_url", headers="request_headers",
                              body="request_body", response="response", timestamp="ts")
    findings.write.parquet("s3a://lint/2026-11-28/")
    by_rule, by_endpoint = summary(findings)

The same rules, findings and masking as `vipps-lint check`; Spark does the distribution.
The linter is compiled once per executor's Python worker and partitions are linted in Arrow
batches (`mapInArrow`); every text is masked on the executor, so no secret reaches the driver
or the findings table. `vipps-lint check --engine spark` (vipps_lint.spark.engine) reads NDJSON
and HAR logs from any Spark path and writes the same report as the local engine.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple, Optional

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

# The findings table: the JSON report's finding (report.schema.json), one row per finding.
FINDINGS_DDL = (
    "rule string, severity string, message string, hint string, file string, "
    "request struct<index: bigint, method: string, url: string, operation: string, name: string>, "
    "part string, pointer string, header string, line bigint, column bigint, "
    "fix struct<value: string, description: string>"
)


def findings_columns(items: DataFrame) -> DataFrame:
    """The contract's columns from the executors' item rows (vipps_lint.spark.executor).
    `fix.value` is the fix's JSON value as JSON text (a column has one type; the value's varies)."""
    from pyspark.sql import functions as F

    extra = [name for name in ("timestamp",) if name in items.columns]
    return items.select(
        "rule",
        "severity",
        "message",
        "hint",
        "file",
        F.struct(F.col("index").alias("index"), "method", "url", "operation", "name").alias("request"),
        "part",
        "pointer",
        "header",
        "line",
        "column",
        F.when(
            F.col("fix_description").isNotNull(),
            F.struct(F.col("fix_value").alias("value"), F.col("fix_description").alias("description")),
        ).alias("fix"),
        *extra,
    )


def _settings(settings, select, ignore, rule_dirs, as_of):
    from vipps_lint.pipeline import Settings

    if settings is None:
        settings = Settings(select=list(select or ()), ignore=list(ignore or ()), rule_dirs=list(rule_dirs or ()))
    if settings.as_of is None:
        # Decided once, on the driver: every executor then checks as of the same day.
        settings.as_of = as_of or date.today()
    return settings


def lint_dataframe(
    df: DataFrame,
    *,
    method: str = "method",
    url: str = "url",
    headers: Optional[str] = "headers",
    body: Optional[str] = "body",
    response: Optional[str] = None,
    timestamp: Optional[str] = None,
    file: Optional[str] = None,
    index: Optional[str] = None,
    select: Optional[list] = None,
    ignore: Optional[list] = None,
    rule_dirs: Optional[list] = None,
    as_of: Optional[date] = None,
    settings: Any = None,
    errors: bool = False,
):
    """Lint a DataFrame of logged requests; a DataFrame of findings (`FINDINGS_DDL`).

    Column names (None: the request has no such part):
    - `method`, `url`: strings;
    - `headers`: a map<string,string>, an array of struct<name, value> or [name, value] pairs,
      or JSON text of an object;
    - `body`: the request body as JSON text (string or binary) or a struct;
    - `response`: the logged response, as JSON text or struct `{status, headers, body}`, or an
      integer status;
    - `timestamp`: passed through to the findings as `timestamp`;
    - `file`, `index`: where each request comes from, for the findings' `file` and
      `request.index` (default `<dataframe>` and a row id, `monotonically_increasing_id`).

    `line` and `column` are null: a row has no position in a file. The rule selection is
    `select`/`ignore` (rule ids, prefixes or globs, as on the command line), or a whole
    `vipps_lint.pipeline.Settings`. With `errors=True`, returns `(findings, errors)`: the rows
    that are not requests (headers or body that are not JSON…), as `file, index, message`.
    """
    from pyspark.sql import functions as F

    from vipps_lint.spark.executor import items_ddl, lint_request_batches

    settings = _settings(settings, select, ignore, rule_dirs, as_of)
    roles = {
        "method": method,
        "url": url,
        "headers": headers,
        "body": body,
        "response": response,
        "timestamp": timestamp,
        "file": file,
        "index": index,
    }
    for role, name in roles.items():
        if name is not None and name not in df.columns:
            raise ValueError(f"lint_dataframe: no column {name!r} for {role} (columns: {', '.join(df.columns)})")
    if index is None:
        df = df.withColumn("__vipps_lint_index", F.monotonically_increasing_id())
        roles["index"] = "__vipps_lint_index"
    wanted = list(dict.fromkeys(name for name in roles.values() if name is not None))
    rows = df.select(*wanted)
    columns = {role: name for role, name in roles.items()}
    extra_ddl, extra_fields = "", []
    if timestamp is not None:
        import pyarrow as pa
        from pyspark.sql.pandas.types import to_arrow_type

        kind = df.schema[timestamp].dataType
        extra_ddl = f"`timestamp` {kind.simpleString()}"
        extra_fields = [pa.field("timestamp", to_arrow_type(kind))]

    def lint(batches):
        return lint_request_batches(batches, settings, columns, extra_fields)

    items = rows.mapInArrow(lint, items_ddl(extra_ddl))
    findings = findings_columns(items.where(F.col("kind") == "finding"))
    if not errors:
        return findings
    problems = items.where(F.col("kind") == "error").select("file", "index", "message")
    return findings, problems


class Summary(NamedTuple):
    by_rule: DataFrame  # rule, severity, findings, requests (distinct file+index)
    by_endpoint: DataFrame  # endpoint, findings, error, warning, info, requests


def summary(findings: DataFrame) -> Summary:
    """Per-rule and per-endpoint counts of a findings table, as Spark aggregations (nothing is
    collected). The endpoint is the API operation the request was routed to, else the method
    and the URL's path."""
    from pyspark.sql import functions as F

    request_key = F.struct("file", F.col("request.index"))
    by_rule = (
        findings.groupBy("rule", "severity")
        .agg(F.count(F.lit(1)).alias("findings"), F.count_distinct(request_key).alias("requests"))
        .orderBy(F.desc("findings"), "rule")
    )
    path = F.regexp_extract(F.col("request.url"), r"^(?:[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)?([^?#]*)", 1)
    endpoint = F.coalesce(
        F.col("request.operation"), F.concat_ws(" ", F.coalesce(F.col("request.method"), F.lit("?")), path)
    )
    by_endpoint = (
        findings.withColumn("endpoint", endpoint)
        .groupBy("endpoint")
        .agg(
            F.count(F.lit(1)).alias("findings"),
            *(F.count(F.when(F.col("severity") == level, 1)).alias(level) for level in ("error", "warning", "info")),
            F.count_distinct(request_key).alias("requests"),
        )
        .orderBy(F.desc("findings"), "endpoint")
    )
    return Summary(by_rule, by_endpoint)
