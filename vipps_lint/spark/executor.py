"""What runs inside a Spark executor: Arrow batches of logged requests in, Arrow batches of
findings out. Plain Python and pyarrow; no pyspark import, so it is tested without Spark too.

The linter is compiled once per executor's Python worker (Spark reuses its workers across
tasks) and kept in `_LINTERS`. Every text that leaves here is masked first: the secrets a
block's requests carry, and credential-shaped text (vipps_lint.secrets), never reach the
driver, the findings table or a report.

Two kinds of input:

- `lint_log_batches`: the CLI's engine. Rows are (format, file, block, value): one line of an
  NDJSON log per row (`block` is the byte offset of the Spark split it came from, so the
  lines of one block arrive together and in file order), or one whole HAR file per row.
  A block's lines are read by the NDJSON reader itself (`ndjson.read_lines`), numbered
  from line 1 and request 0; the driver renumbers them once it knows how many lines and
  requests every block before it held (the `block` rows this emits).
- `lint_request_batches`: `lint_dataframe`. One request per row, from configurable columns.
"""

from __future__ import annotations

import base64
import json
import pickle
from itertools import groupby
from typing import Any, Iterable, Iterator, Optional

# The output rows: the JSON report's finding fields flattened, plus what the driver needs to
# put them in order and renumber them (see vipps_lint.spark.engine).
ITEM_FIELDS = (
    ("kind", "string"),  # "finding", "error" (an input error), or "block" (a block's counts)
    ("file", "string"),
    ("block", "int64"),
    ("seq", "int64"),  # order of the item within its block
    ("index", "int64"),
    ("method", "string"),
    ("url", "string"),
    ("operation", "string"),
    ("endpoint", "string"),  # the operation's "METHOD /path"
    ("name", "string"),
    ("routing_note", "string"),
    ("rule", "string"),
    ("severity", "string"),
    ("message", "string"),
    ("hint", "string"),
    ("part", "string"),
    ("pointer", "string"),
    ("header", "string"),
    ("line", "int64"),
    ("column", "int64"),
    ("fix_value", "string"),  # the fix's JSON value, as JSON text
    ("fix_description", "string"),
    ("fix_edit", "string"),  # JSON [start line, column, end line, column, new text]: the fix as a file edit (SARIF)
    ("value_digest", "string"),  # the offending value's digest, for fingerprints (baseline.value_digest)
    ("fixable", "boolean"),  # would --fix apply it, had the file been local (fixes.fixable_in_place)
    # A block's counts: lines, characters, requests read (linted + skipped), routed by shape, and
    # the per-endpoint and per-minute counts (pickled: `FileResult.endpoints` and `.timeline`).
    ("lines", "int64"),
    ("chars", "int64"),
    ("requests", "int64"),
    ("skipped", "int64"),
    ("inferred", "int64"),
    ("stats", "string"),
)

SPARK_TYPES = {"string": "string", "int64": "bigint", "boolean": "boolean"}
ARROW_TYPES = {"string": "string", "int64": "int64", "boolean": "bool_"}


def items_ddl(extra: str = "") -> str:
    """The Spark schema of `ITEM_FIELDS` (DDL), with `extra` columns after them."""
    ddl = ", ".join(f"`{name}` {SPARK_TYPES[kind]}" for name, kind in ITEM_FIELDS)
    return f"{ddl}, {extra}" if extra else ddl


# Output rows per Arrow batch: findings are small, and a batch is the unit Spark moves.
BATCH_ROWS = 4096

_LINTERS: dict = {}


def linter_for(settings) -> Any:
    """The linter for these settings, compiled once per Python worker. The one place this
    module builds the pipeline's `Linter`."""
    key = pickle.dumps(settings)
    linter = _LINTERS.get(key)
    if linter is None:
        from vipps_lint.pipeline import Linter

        _LINTERS.clear()  # one configuration at a time is what a job uses
        linter = _LINTERS[key] = Linter(settings)
    return linter


class _Rows:
    """Columns being filled; `batches()` hands them on as Arrow record batches."""

    def __init__(self, extra: Optional[list] = None):
        import pyarrow as pa

        self._pa = pa
        self.schema = pa.schema(
            [(name, getattr(pa, ARROW_TYPES[kind])()) for name, kind in ITEM_FIELDS] + (extra or [])
        )
        self._columns: dict[str, list] = {name: [] for name in self.schema.names}
        self.count = 0

    def add(self, values: dict) -> None:
        for name, column in self._columns.items():
            column.append(values.get(name))
        self.count += 1

    def flush(self):
        batch = self._pa.RecordBatch.from_pydict(self._columns, schema=self.schema)
        self._columns = {name: [] for name in self.schema.names}
        self.count = 0
        return batch

    def full(self) -> bool:
        return self.count >= BATCH_ROWS


class _BlockMasker:
    """Masks text with the secrets of the block's requests so far and credential patterns.
    A new regex is compiled only when a request brings a secret not seen before."""

    def __init__(self):
        from vipps_lint.secrets import Masker

        self._make = Masker
        self.secrets: set[str] = set()
        self.masker = Masker()

    def add(self, request) -> None:
        from vipps_lint.secrets import collect_secrets

        found = collect_secrets(request)
        if not found <= self.secrets:
            self.secrets |= found
            self.masker = self._make(self.secrets)

    def __call__(self, text: Optional[str]) -> Optional[str]:
        return None if text is None else self.masker.mask_text(text)


def finding_values(finding, mask, with_position: bool = True) -> dict:
    """One finding as an output row, every text masked."""
    from vipps_lint.baseline import value_digest

    request = finding.request
    operation = request.operation
    position = finding.position if with_position else None
    return {
        "value_digest": value_digest(finding),
        "kind": "finding",
        "index": request.index,
        "method": mask(request.method),
        "url": mask(request.url),
        "operation": operation.id if operation is not None else None,
        "endpoint": operation.endpoint if operation is not None else None,
        "name": mask(request.name),
        "routing_note": mask(request.routing_note),
        "rule": finding.rule,
        "severity": finding.severity,
        "message": mask(finding.message),
        "hint": mask(finding.hint),
        "part": finding.part,
        "pointer": mask(finding.pointer),
        "header": mask(finding.header),
        "line": position.line if position else None,
        "column": position.column if position else None,
        "fix_value": mask(json.dumps(finding.fix.value, ensure_ascii=False)) if finding.fix else None,
        "fix_description": mask(finding.fix.description) if finding.fix else None,
    }


def error_values(error, mask) -> dict:
    return {"kind": "error", "message": mask(error.message), "line": error.line, "column": error.column}


def _file_edit(finding, text: Optional[str], mask) -> Optional[str]:
    """The fix as an edit of the file, in positions of `text` (a HAR file, or the NDJSON line the
    request is on, whose `body_span` is moved to count from the line's start): what SARIF's
    `fixes` need, computed here where the text is."""
    from vipps_lint.fixes import edit_for
    from vipps_lint.positions import offset_position

    if text is None or finding.fix is None or finding.part != "body":
        return None
    edit = edit_for(finding, text)
    if edit is None:
        return None
    start, end = offset_position(text, edit.start), offset_position(text, edit.end)
    return json.dumps([start.line, start.column, end.line, end.column, mask(edit.text)], ensure_ascii=False)


def _is_ndjson(request) -> bool:
    return request.meta.reader is not None and request.meta.reader.name == "ndjson"


def _edit_text(request, counts: dict) -> Optional[str]:
    """The text a request's fix edits are computed in (see `_file_edit`), or None."""
    if not _is_ndjson(request):
        return request.source.text if isinstance(request.source.text, str) else None
    span = request.meta.body_span
    locator = request.locator
    if span is None or locator is None:
        return None
    offset = counts["line_offset"]
    request.meta.body_span = (span[0] - offset, span[1] - offset)
    return locator.line


def _lint_items(
    linter, display: str, items: Iterable, counts: dict, mask: _BlockMasker, edits: bool = True
) -> Iterator[dict]:
    """Lint what a reader yielded for one file (or block): its output rows, and the block's
    counts in `counts` (as `Linter.lint_file` counts them, without keeping the requests).
    `edits`: whether fixes are edits of a file (not for a DataFrame's rows)."""
    from vipps_lint.config import file_settings

    endpoint, ignored = file_settings(linter.settings, linter.rules, display)
    endpoints: dict = {}
    timeline: dict = {}
    seen: list = []  # records for the checks across a whole log (vipps_lint.session), run on the driver
    try:
        yield from _lint_each(linter, items, endpoint, ignored, counts, mask, edits, endpoints, timeline, seen)
    finally:  # also what a block that failed half-way counted (as Linter.lint_file keeps it)
        stats = {"endpoints": endpoints, "timeline": timeline, "seen": seen}
        counts["stats"] = base64.b64encode(pickle.dumps(stats)).decode("ascii")


def _lint_each(linter, items, endpoint, ignored, counts, mask, edits, endpoints, timeline, seen) -> Iterator[dict]:
    import dataclasses

    from vipps_lint.models import InputError
    from vipps_lint.session import seen as seen_request
    from vipps_lint.traffic import count_response, count_time

    for request in items:
        if isinstance(request, InputError):
            yield error_values(request, mask)
            continue
        findings = linter.lint_request(request, endpoint, ignored)
        mask.add(request)
        if findings is None:
            counts["skipped"] += 1
            continue
        counts["requests"] += 1
        if linter.session_rules:
            record = seen_request(request, linter.router)
            if record is not None:
                seen.append(dataclasses.replace(record, url=mask(record.url), name=mask(record.name)))
        counts["inferred"] += bool(request.routing_note)
        count_response(endpoints, request)
        count_time(timeline, request, findings)
        edit_text = False
        for finding in findings:
            values = finding_values(finding, mask)
            if edits and finding.fix is not None and finding.part == "body":
                # What fixes.fixable_in_place says of a local file's request: the reader recorded the body's place.
                values["fixable"] = request.meta.body_span is not None
                if edit_text is False:
                    edit_text = _edit_text(request, counts)
                values["fix_edit"] = _file_edit(finding, edit_text, mask)
                if values["fix_edit"] is not None and _is_ndjson(request):
                    # Lines counted from the block's first: the driver renumbers them as the finding's.
                    edit = json.loads(values["fix_edit"])
                    edit[0] = edit[2] = request.meta.line
                    values["fix_edit"] = json.dumps(edit, ensure_ascii=False)
            yield values


def _counted(lines: Iterable[bytes], counts: dict, at_file_start: bool) -> Iterator[bytes]:
    """The block's lines as the reader reads a file's; counts lines and characters on the way
    (`line_offset`: where the line just read starts, in characters from the block's start)."""
    for line in lines:
        if at_file_start and counts["lines"] == 0 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]  # as the reader drops it: no character of the text
        counts["lines"] += 1
        counts["line_offset"] = counts["chars"]
        # Spark's text source drops the "\n" the reader counts in a line's size.
        line += b"\n"
        counts["chars"] += len(line.decode("utf-8", errors="replace"))
        yield line


def lint_log_batches(batches: Iterable, settings) -> Iterator:
    """mapInArrow function of the CLI's engine: (format, file, block, value) rows in, item rows out.

    One file's NDJSON blocks may be in different partitions, and one partition may hold
    blocks of several files; each (file, block) is contiguous and in file order.
    """
    from vipps_lint.models import SourceFile
    from vipps_lint.sources import har, ndjson

    linter = linter_for(settings)
    out = _Rows()

    def rows() -> Iterator[tuple]:
        for batch in batches:
            formats, files, blocks, values = (batch.column(i).to_pylist() for i in range(4))
            yield from zip(formats, files, blocks, values)

    for (fmt, display, block), group in groupby(rows(), key=lambda row: row[:3]):
        counts = {"lines": 0, "chars": 0, "line_offset": 0, "requests": 0, "skipped": 0, "inferred": 0}
        mask = _BlockMasker()
        if fmt == "ndjson":
            source = SourceFile(display, None)
            lines = _counted((row[3] for row in group), counts, block == 0)
            items = ndjson.read_lines(source, lines, settings.read, 1, 0, at_file_start=block == 0)
        else:  # one whole HAR file
            data = next(group)[3]
            source = SourceFile(display, None, data)
            items = har.read(source, settings.read)
        seq = 0
        try:
            for values in _lint_items(linter, display, items, counts, mask):
                values.update(file=display, block=block, seq=seq)
                seq += 1
                out.add(values)
                if out.full():
                    yield out.flush()
        except Exception as error:  # noqa: BLE001 - one block's bug must not fail the job (as Linter.lint_file)
            from vipps_lint.crash import internal_error

            failed = internal_error(display, error)
            out.add({**error_values(failed, mask), "file": display, "block": block, "seq": seq})
            seq += 1
            if fmt == "ndjson":
                for _line in lines:  # counted still, so the lines of the file's later blocks keep their numbers
                    pass
        # Requests read: the linted and the skipped ones (the reader numbers both).
        out.add(
            {
                "kind": "block",
                "file": display,
                "block": block,
                "seq": seq,
                "lines": counts["lines"],
                "chars": counts["chars"],
                "requests": counts["requests"],
                "skipped": counts["skipped"],
                "inferred": counts["inferred"],
                "stats": counts["stats"],
            }
        )
    if out.count:
        yield out.flush()


# -- lint_dataframe: one request per row ------------------------------------------------------


def _as_json_value(value: Any, what: str) -> Any:
    """A logged column's value as the NDJSON reader takes it (JSON text is parsed)."""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, str) and what != "body":
        try:
            return json.loads(value)
        except ValueError:
            return value  # the reader says what is wrong with it
    return value


def request_line(method, url, headers, body, response) -> str:
    """One row as an NDJSON log line, so the NDJSON reader (and nothing else) reads it."""
    entry: dict[str, Any] = {"method": method, "url": url}
    if headers is not None:
        entry["headers"] = _as_json_value(headers, "headers")
    if body is not None:
        entry["body"] = _as_json_value(body, "body")
    if response is not None:
        logged = _as_json_value(response, "response")
        entry["response"] = {"status": logged} if isinstance(logged, int) else logged
    return json.dumps(entry, ensure_ascii=False, default=str)


def lint_request_batches(batches: Iterable, settings, columns: dict, extra: list) -> Iterator:
    """mapInArrow function of `lint_dataframe`. `columns`: role → input column name (roles:
    method, url, headers, body, response, timestamp, file, index); `extra`: the output's
    pass-through Arrow fields (the timestamp)."""
    from vipps_lint.models import InputError, SourceFile
    from vipps_lint.sources import ndjson

    linter = linter_for(settings)
    out = _Rows(extra)
    sources: dict[str, SourceFile] = {}
    for batch in batches:
        data = {
            role: batch.column(name).to_pylist() if name else [None] * batch.num_rows for role, name in columns.items()
        }
        for row in range(batch.num_rows):
            display = data["file"][row] if data["file"][row] is not None else "<dataframe>"
            source = sources.get(display) or sources.setdefault(display, SourceFile(display, None))
            index = data["index"][row]
            line = request_line(
                data["method"][row], data["url"][row], data["headers"][row], data["body"][row], data["response"][row]
            )
            item = ndjson.parse_line(source, line, 1, index, 0)
            mask = _BlockMasker()
            common = {"file": display, "block": 0, "seq": 0, "index": index, "timestamp": data["timestamp"][row]}
            if isinstance(item, InputError):
                # Its column is in the line made of the row, which nobody has seen: not shown.
                out.add({**error_values(item, mask), **common, "line": None, "column": None})
            else:
                counts = {"requests": 0, "skipped": 0, "inferred": 0}
                for seq, values in enumerate(_lint_items(linter, display, [item], counts, mask, edits=False)):
                    values.update(common, seq=seq)
                    if values["kind"] == "finding":
                        values.update(line=None, column=None)  # positions in a made-up line mean nothing
                    out.add(values)
            if out.full():
                yield out.flush()
    if out.count:
        yield out.flush()
