"""The values that flow through the pipeline.

sources → `Request` (with a `Locator` that knows where things are in the input file)
routing → `Request.operation`
checks  → `Finding`
bad input at any stage → `InputError` (a value, never an exception that ends the run)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol, Union

from vipps_lint.escape import escape_controls, escape_controls_in_lines, has_controls
from vipps_lint.severities import SEVERITIES as SEVERITIES  # re-exported: where code has imported it from
from vipps_lint.severities import SEVERITY_RANK as SEVERITY_RANK

if TYPE_CHECKING:
    from vipps_lint.routing import Operation


NO_BODY = object()
"""`Request.body` when the request carries no body at all (distinct from a JSON `null`)."""


@dataclass(frozen=True)
class Position:
    # Slots: a report holds one per finding (issue 11: memory grows with the report).
    __slots__ = ("line", "column")
    line: int  # 1-based
    column: int  # 1-based

    def __reduce__(self):  # a frozen class with slots pickles (--jobs workers) by its arguments
        return Position, (self.line, self.column)


class Locator(Protocol):
    """Maps a place in a request to a position in its input file.

    `part` is "body", "header", "url" or "response" (the JSON report's `part`); `key` is a
    JSON Pointer for body/response, a header name for header, None for url. Returns None
    when the place has no position of its own (the reporter then falls back to the
    request's own position).
    """

    def locate(self, part: str, key: Optional[str]) -> Optional[Position]: ...


@dataclass(frozen=True)
class Section:
    """A run of whole lines of a large file, linted on its own by a `--jobs` worker.

    Bytes `start` to `end`; its first line is `first_line` of the file, and starts
    `first_offset` characters into the decoded file text (for `RequestMeta.body_span`).
    """

    start: int
    end: int
    first_line: int
    first_offset: int


class SourceFile:
    """One input as the user named it (a path, or '-' for stdin).

    `text` is kept only for inputs that are small or cannot be read twice (stdin); large
    files are streamed by their reader and re-read line by line only to show a finding.
    """

    def __init__(self, display: str, path: Optional[str], text: Optional[str] = None):
        self.display = escape_controls(display)  # a file name may hold a newline or ESC
        self.path = path
        self.text = text
        self._lines: Optional[list[str]] = None
        self._starts = None  # line-start byte offsets, for large files (see _indexed_line)
        # The whole file's bytes when sniffing its format already read all of it (small files).
        self.prefetched: Optional[bytes] = None
        # Only this part of the file, for a reader with `sections` (see vipps_lint/sources).
        self.section: Optional[Section] = None
        # Bytes a streaming reader (NDJSON) has read so far: the progress display's bytes done.
        self.consumed = 0
        # Found by a directory walk (or judged like one): skipped when plainly not a request.
        self.walked = False

    # Files larger than this are not read whole for code frames: an index of line starts
    # (8 bytes a line) is built once, and each shown line is read on its own.
    INDEXED_ABOVE = 4 * 1024 * 1024

    def line_text(self, line: int) -> Optional[str]:
        """The text of a 1-based line, for code frames. Read lazily, only when reporting."""
        if self._lines is None and self.text is None and self.path is not None:
            indexed = self._indexed_line(line)
            if indexed is not False:
                return indexed
        if self._lines is None:
            text = self.text
            if text is None and self.path is not None:
                try:
                    with open(self.path, encoding="utf-8-sig", errors="replace") as handle:
                        text = handle.read()
                except OSError:
                    text = ""
            self._lines = (text or "").splitlines()
        if 1 <= line <= len(self._lines):
            return escape_controls_in_lines(self._lines[line - 1])  # a code frame never obeys an ESC
        return None

    def _indexed_line(self, line: int):
        """The line read via the line-start index, or False when the file is small enough to read whole."""
        import os

        try:
            if self._starts is None:
                if os.path.getsize(self.path) <= self.INDEXED_ABOVE:
                    return False
                from array import array

                starts, offset = array("Q", [0]), 0
                with open(self.path, "rb") as handle:
                    for raw in handle:
                        offset += len(raw)
                        starts.append(offset)
                self._starts = starts
            if not 1 <= line < len(self._starts):
                return None
            with open(self.path, "rb") as handle:
                handle.seek(self._starts[line - 1])
                raw = handle.read(self._starts[line] - self._starts[line - 1])
        except OSError:
            return None
        if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        return escape_controls_in_lines(raw.decode("utf-8", errors="replace").rstrip("\r\n"))


@dataclass
class Response:
    status: Optional[int] = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Any = NO_BODY  # parsed JSON when the response body is JSON, else NO_BODY
    body_text: Optional[str] = None


@dataclass(frozen=True)
class ReaderTraits:
    """What a reader declares about the requests it reads (`TRAITS` in its module), so later
    stages ask the reader's traits instead of testing format names.

    - `name`: the format name (`--input-format`).
    - `variables`: the reader substitutes `{{variables}}` (Postman, .http): a `{{name}}` left in
      a request is a variable it could not resolve, and this is the hint that says where to
      define it (`{name}`, `{file}` are filled in). None: a `{{name}}` is literal text someone
      wrote on purpose (captured traffic, curl, documentation).
    - `fixes`: how `--fix` edits a body in place: "span" (the reader records `body_span`),
      "written" (.http: a templated body is fixed in its written text, which the reader's
      locator holds; requests back from `--jobs` workers read the file again for it).
    - `not_fixable`: why `--fix` cannot edit a body of this format that has no `body_span`.
    (Positions need no trait: every reader gives its requests a `Locator`, or a position.)
    """

    name: str
    variables: Optional[str] = None
    fixes: str = "span"
    not_fixable: Optional[str] = None


@dataclass
class BodyText:
    """Where a request's body text is in its file (for fixes and the variables check).

    - `text`: the raw body text, when the body came from text.
    - `span`: (start, end) character offsets of the body into the *decoded file text* (BOM
      dropped), for every reader; streamed ones (NDJSON) count the offsets as the file goes
      by, so the span is the same as if the whole file had been read. None: --fix cannot
      edit the body in place.
    - `embedding`: "raw" when the span covers the body's JSON text verbatim, or
      "json-string" when it covers a JSON string literal (quotes included) whose decoded
      value is the body's JSON text.
    """

    text: Optional[str] = None
    span: Optional[tuple[int, int]] = None
    embedding: str = "raw"


@dataclass
class RequestMeta:
    """What a reader tells later stages about a request, beyond the HTTP request itself.

    `body_text`, `body_span` and `body_embedding` are the fields of `BodyText`; a reader may
    `defer_body` them when finding them is costly (NDJSON) and only --fix needs them. They
    are computed once, when first asked for, or before the request is pickled (--jobs).
    """

    reader: Optional[ReaderTraits] = None
    # The 1-based line a one-request-per-line reader (NDJSON) read the request from.
    line: Optional[int] = None
    # When the request was sent, in seconds since the epoch (UTC), where the dump says
    # (NDJSON, HAR; see sources/timestamps.py): the HTML report's timeline.
    time: Optional[float] = None
    # Does the input say which headers the request had? True: curl, .http (the file is the
    # whole request); False: e.g. an NDJSON line without `headers`; None: the reader cannot tell.
    headers_recorded: Optional[bool] = None
    # Postman: variables the collection's scripts set while it runs (not unresolved).
    runtime_variables: list[str] = field(default_factory=list)
    # Body pointers whose value only the run or the user knows: no check judges them.
    unknown_at_lint_time: set[str] = field(default_factory=set)
    # Postman: name → (placeholder value, environment file or None for the collection's
    # variables), and the names first used in this request (reported there, once per file).
    placeholder_variables: dict[str, tuple[str, Optional[str]]] = field(default_factory=dict)
    placeholder_first_use: list[str] = field(default_factory=list)
    # Postman, .http: undefined variables an earlier request of the file used (reported
    # there: once per file; sources/variables.FirstUses).
    undefined_used_before: frozenset = frozenset()
    # Postman, .http: offset in `body_text` of each string that was a quoted variable as
    # written ("{{amount}}") → its name (sources/variables.quoted_variables).
    quoted_variables: Optional[dict[int, str]] = None
    # Postman: variable → exported environments beside the collection that define it (for
    # the hint; never read as values unless passed with --postman-env).
    environments_beside: Optional[dict[str, list[str]]] = None
    # An OpenAPI example: its own operation's request schema and the operation as written.
    document_schema: Optional[dict] = None
    document_operation: Optional[Operation] = None
    # An OpenAPI body assembled from its properties' own `example:` values: fields without
    # one are absent, so no check says they are missing.
    assembled_example: bool = False
    # Ignore markers written on the request (vipps_lint/suppressions.py): an OpenAPI
    # x-vipps-lint-ignore, a Postman description's marker (text formats are read from their lines).
    inline_ignore: list = field(default_factory=list)
    # A rule's example of a log: the requests before this one (vipps_lint/session.py).
    session_earlier: list = field(default_factory=list)
    # The body is form fields (Postman's urlencoded/formdata) read as a mapping: not JSON.
    form_body: bool = False
    _body: Any = field(default=None, repr=False)  # a BodyText, a function that returns one, or None

    def defer_body(self, compute: Callable[[], Optional[BodyText]]) -> None:
        self._body = compute

    def _body_text(self) -> BodyText:
        if callable(self._body):
            self._body = self._body()
        if self._body is None:
            self._body = BodyText()
        return self._body

    @property
    def body_text(self) -> Optional[str]:
        return self._body_text().text

    @body_text.setter
    def body_text(self, value: Optional[str]) -> None:
        self._body_text().text = value

    @property
    def body_span(self) -> Optional[tuple[int, int]]:
        return self._body_text().span

    @body_span.setter
    def body_span(self, value: Optional[tuple[int, int]]) -> None:
        self._body_text().span = value

    @property
    def body_embedding(self) -> str:
        return self._body_text().embedding

    @body_embedding.setter
    def body_embedding(self, value: str) -> None:
        self._body_text().embedding = value

    def __getstate__(self):
        # Only requests with findings travel back from --jobs workers; a deferred body place
        # is computed there rather than kept as a closure over the worker's line text.
        self._body_text()
        return self.__dict__


@dataclass
class Request:
    """One HTTP request (or one bare body) read from an input file."""

    source: SourceFile
    index: int  # 0-based position within the file
    method: Optional[str] = None
    url: Optional[str] = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Any = NO_BODY
    name: Optional[str] = None  # a human name where the dump has one (Postman item, HAR page)
    position: Optional[Position] = None  # where the request starts in the file
    locator: Optional[Locator] = None
    response: Optional[Response] = None
    # Set by the reader when the input says which call this is (e.g. an OpenAPI example).
    endpoint_hint: Optional[str] = None
    # Routing fills these.
    operation: Optional[Operation] = None
    routing_note: Optional[str] = None
    meta: RequestMeta = field(default_factory=RequestMeta)

    def __post_init__(self) -> None:
        # Shown in every report: a name or URL with a newline could forge a line of output.
        if self.name is not None and has_controls(self.name):
            self.name = escape_controls(self.name)
        if self.url is not None and has_controls(self.url):
            self.url = escape_controls(self.url)

    @property
    def file(self) -> str:
        return self.source.display

    @property
    def has_body(self) -> bool:
        return self.body is not NO_BODY

    def header(self, name: str) -> Optional[str]:
        """The first value of a header, matched case-insensitively."""
        by_name = self.__dict__.get("_first_by_name")
        if by_name is None or by_name[0] is not self.headers or by_name[1] != len(self.headers):
            return self.first_headers().get(name.lower())
        return by_name[2].get(name.lower())

    def first_headers(self) -> dict[str, str]:
        """Each header's first value by its lowercased name (what `header` looks up; a check
        that asks for many headers reads them here; not to be changed)."""
        by_name = self.__dict__.get("_first_by_name")
        if by_name is None or by_name[0] is not self.headers or by_name[1] != len(self.headers):
            first: dict[str, str] = {}
            for key, value in self.headers:
                first.setdefault(key.lower(), value)
            # Keyed by the list and its length: a reader that adds headers later is seen.
            by_name = self.__dict__["_first_by_name"] = (self.headers, len(self.headers), first)
        return by_name[2]

    def locate(self, part: str, key: Optional[str]) -> Optional[Position]:
        found = self.locator.locate(part, key) if self.locator is not None else None
        return found or self.position

    def summary(self) -> RequestSummary:
        """What the findings in a report keep of this request; one, shared by its findings."""
        made = self.__dict__.get("_summary")
        if made is None:
            made = self.__dict__["_summary"] = RequestSummary(self)
        return made


class RequestSummary:
    """What a finding in a report keeps of its request (issues 11 and 13): what the reports
    show of it and what --fix needs to edit its body, never its headers or body. A log full of
    findings then costs memory for the findings, not for the requests behind them.

    Findings of one request share one summary (`Request.summary`), as they shared the request:
    --fix groups a request's fixes by it. `meta` (the reader and the body's place in the file)
    and, for readers that fix the written text (.http), `locator` are kept only when a finding
    of the request has a fix for its body (`keep_body_place`)."""

    __slots__ = ("source", "index", "method", "url", "name", "operation", "routing_note", "meta", "locator")

    def __init__(self, request: Request):
        self.source = request.source
        self.index = request.index
        self.method = request.method
        self.url = request.url
        self.name = request.name
        self.operation = request.operation
        self.routing_note = request.routing_note
        self.meta: Optional[RequestMeta] = None
        self.locator: Optional[Locator] = None

    @property
    def file(self) -> str:
        return self.source.display

    def keep_body_place(self, request: Request) -> None:
        if self.meta is not None:
            return
        self.meta = KeptMeta(request.meta)
        if request.meta.reader is not None and request.meta.reader.fixes == "written":
            self.locator = request.locator


class KeptMeta:
    """What a `RequestSummary` keeps of its `RequestMeta`: what fixes.py reads (the reader's
    traits, the body's place in the file; a deferred place stays deferred until asked for)."""

    __slots__ = ("reader", "line", "_body")

    def __init__(self, meta: RequestMeta):
        self.reader = meta.reader
        self.line = meta.line
        self._body = meta._body

    _body_text = RequestMeta._body_text
    body_text = RequestMeta.body_text
    body_span = RequestMeta.body_span
    body_embedding = RequestMeta.body_embedding

    def __getstate__(self):  # as RequestMeta's: the place is computed before it travels (--jobs)
        return self.reader, self.line, self._body_text()

    def __setstate__(self, state) -> None:
        self.reader, self.line, self._body = state


@dataclass
class Fix:
    """A safe automatic fix: replace the value at the finding's pointer with `value`."""

    value: Any
    description: str


@dataclass
class Problem:
    """What a check found, before the rule set turns it into a `Finding`.

    Code-based checks (schema validation, routing, headers, responses) yield these; the rule
    set then applies the rule's configured severity, selection and the position lookup, so
    every check gets those for free and in the same way.
    """

    rule: str
    message: str
    part: str = "body"
    pointer: Optional[str] = None
    header: Optional[str] = None
    hint: Optional[str] = None
    fix: Optional[Fix] = None


@dataclass(frozen=True)
class Replacement:
    """A fix as an edit of the input file: the text from `start` to `end` becomes `text`."""

    start: Position
    end: Position
    text: str


UNRESOLVED = object()
"""`Finding.offending` before it is known."""


def value_digest_of(value: Any) -> str:
    """A digest of a JSON value (a finding's offending value, for fingerprints: baseline.py)."""
    import hashlib
    import json

    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=_stable_text)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _stable_text(value: Any) -> str:
    """A value JSON has no form for, as text that is the same in every run: its own text
    (a Decimal's digits), never a default repr with a memory address (a marker object's)."""
    kind = type(value)
    if kind.__str__ is object.__str__ and kind.__repr__ is object.__repr__:
        return kind.__name__
    return str(value)


@dataclass
class Finding:
    rule: str
    severity: str
    message: str
    # The whole request while the checks run; in a report, its `RequestSummary` (`keep_summary`).
    request: Union[Request, RequestSummary]
    part: str = "body"
    pointer: Optional[str] = None
    header: Optional[str] = None
    hint: Optional[str] = None
    position: Optional[Position] = None
    fix: Optional[Fix] = None
    # The fix as an edit of the file, when the fix stage computed it (for SARIF).
    replacement: Optional[Replacement] = None
    # The offending value's digest (baseline.value_digest), when it was computed where the
    # value was: a Spark executor, or `keep_summary` for a value that is an object or array.
    value_digest: Optional[str] = field(default=None, repr=False, compare=False)
    # The offending value itself (a scalar), kept by `keep_summary` for fingerprints.
    offending: Any = field(default=UNRESOLVED, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Messages quote input (values, keys, response titles): escaped once, here, for every format.
        self.message = escape_controls(self.message)
        if self.hint is not None:
            self.hint = escape_controls(self.hint)
        if self.header is not None:
            self.header = escape_controls(self.header)
        if self.pointer is not None and has_controls(self.pointer):
            self.pointer = escape_controls(self.pointer)

    @property
    def file(self) -> str:
        return self.request.file

    def keep_summary(self, value: Any, body_place: bool = True) -> None:
        """Let go of the whole request: keep what reports, fingerprints and --fix need of it.
        `value`: the offending value (baseline.offending_value), for fingerprints (UNRESOLVED:
        none will be made);
        `body_place`: keep what --fix needs of a fixable body (False: nothing will ask)."""
        request = self.request
        if not isinstance(request, Request):
            return
        if value is not UNRESOLVED and self.value_digest is None and self.offending is UNRESOLVED:
            if isinstance(value, (dict, list)):  # a whole object (a missing property's parent): its digest
                self.value_digest = value_digest_of(value)
            else:
                self.offending = value
        summary = request.summary()
        if body_place and self.fix is not None and self.part == "body":
            summary.keep_body_place(request)
        self.request = summary


@dataclass
class InputError:
    """An input (or rule file, or config) that could not be read. Reason for exit status 2."""

    file: str
    message: str
    line: Optional[int] = None
    column: Optional[int] = None

    def __str__(self) -> str:
        return self.line_masked()

    def line_masked(self, masker=None) -> str:
        """The error line, masked by `masker` (a `secrets.Masker`, which knows the run's secret
        values; None: by shape only). Known values are masked before shapes: a shape that stops
        inside a value (at a ';' or ',') would leave its tail for no value to match any more."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        # Every error line is masked here, where it is rendered: messages quote their input (a
        # configuration value, a rule file's YAML, a malformed header line), and the line goes to
        # standard error (write_errors, Incomplete, `rules`, `explain`, `redact`) and into the
        # API's ConfigError. Reports mask their whole text as well, with the secrets' values.
        text = f"{where}: {self.message}"
        if masker is not None:
            return escape_controls(masker.mask_text(text))
        from vipps_lint.secrets import mask_credentials

        return escape_controls(mask_credentials(text))


@dataclass
class EndpointStats:
    """Calls to one endpoint that came with a response, and how many failed by status
    (what the retired API Dashboard showed)."""

    endpoint: str  # 'POST /epayment/v1/payments' (the operation's path template when routed)
    calls: int = 0
    failures: dict[int, int] = field(default_factory=dict)  # HTTP status (>= 400) → count
    statuses: dict[int, int] = field(default_factory=dict)  # every HTTP status → count
    # Vipps error code a failed response gave ('6080', 'Payment 45') → [count, what it means].
    codes: dict[str, list] = field(default_factory=dict)
    # When the first and the last failed call were sent (seconds since the epoch), when known.
    failed_from: Optional[float] = None
    failed_until: Optional[float] = None

    def add(self, status: Optional[int], code: Optional[tuple[str, str]] = None, sent: Optional[float] = None) -> None:
        self.calls += 1
        if status is not None:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status >= 400:
                self.failures[status] = self.failures.get(status, 0) + 1
                if sent is not None:
                    self._failed_between(sent, sent)
        if code is not None:
            counted = self.codes.setdefault(code[0], [0, code[1]])
            counted[0] += 1

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    def merge(self, other: EndpointStats) -> None:
        self.calls += other.calls
        for status, count in other.failures.items():
            self.failures[status] = self.failures.get(status, 0) + count
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        for code, (count, meaning) in other.codes.items():
            self.codes.setdefault(code, [0, meaning])[0] += count
        if other.failed_from is not None:
            self._failed_between(other.failed_from, other.failed_until)

    def _failed_between(self, first: float, last: float) -> None:
        self.failed_from = first if self.failed_from is None else min(self.failed_from, first)
        self.failed_until = last if self.failed_until is None else max(self.failed_until, last)


# Timeline buckets are minutes since the epoch: [requests, failed responses, findings].


def merge_timeline(into: dict[int, list[int]], other: dict[int, list[int]]) -> None:
    for minute, counts in other.items():
        bucket = into.setdefault(minute, [0, 0, 0])
        for position, count in enumerate(counts):
            bucket[position] += count


@dataclass
class FileResult:
    """What linting one input file gave; `Report.merge` adds it to the run's report."""

    display: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    requests: int = 0
    skipped: int = 0
    inferred: int = 0
    # Calls and failures per endpoint; a day of logs keeps these counts, not its requests.
    endpoints: dict[str, EndpointStats] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)
    timeline: dict[int, list[int]] = field(default_factory=dict)  # see Report.timeline
    # A later section of the same file as the result before it (see vipps_lint/workers.py).
    continued: bool = False
    # A file a walk found that is plainly not Vipps requests: skipped (vipps_lint.selection).
    not_requests: bool = False
    # What the checks across requests need of this file's requests (vipps_lint.session), and
    # the findings of those checks for records already fed (merged in when the file is done).
    seen: list = field(default_factory=list)
    session_found: list = field(default_factory=list)


@dataclass
class Report:
    """Everything one run found, in input order."""

    files: int = 0
    requests: int = 0
    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    # Requests skipped because they are not for an API vipps-lint knows (counted, not linted).
    skipped: int = 0
    # Requests whose operation was inferred from the body's shape ("routed by shape").
    inferred: int = 0
    # The files linted, in order (reporters that list every file, like JUnit, need them).
    file_names: list[str] = field(default_factory=list)
    # Findings hidden because the baseline (--baseline) accepts them.
    baselined: int = 0
    # Per endpoint, for the requests that came with a response (empty when none did).
    endpoints: dict[str, EndpointStats] = field(default_factory=dict)
    # Secret values seen in the inputs: every output masks them (vipps_lint.secrets).
    secrets: set[str] = field(default_factory=set)
    # Minute (since the epoch) → [requests, failed, findings], for requests whose dump says
    # when they were sent (NDJSON, HAR); empty when none did (see count_time).
    timeline: dict[int, list[int]] = field(default_factory=dict)
    # Files a walk found that are plainly not Vipps requests (package.json…; vipps_lint.selection).
    not_requests: int = 0
    # How many findings --fix would fix, when the fix stage counted them (fixes.annotate).
    fixable: Optional[int] = None

    def merge(self, result: FileResult) -> None:
        """Add what linting one file (or one section of a file) gave."""
        if not result.continued:
            if result.not_requests:
                self.not_requests += 1
                return
            self.files += 1
            self.file_names.append(result.display)
        self.errors.extend(result.errors)
        self.findings.extend(result.findings)
        self.requests += result.requests
        self.skipped += result.skipped
        self.inferred += result.inferred
        self.secrets.update(result.secrets)
        for endpoint, stats in result.endpoints.items():
            self.endpoints.setdefault(endpoint, EndpointStats(endpoint)).merge(stats)
        merge_timeline(self.timeline, result.timeline)

    def count(self, severity: str) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    def worst_rank(self) -> int:
        return max((SEVERITY_RANK[f.severity] for f in self.findings), default=-1)
