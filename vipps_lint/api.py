"""The Python API: lint one request in process, before it is sent.

    import vipps_lint

    findings = vipps_lint.lint_request(
        "POST", "https://apitest.vipps.no/epayment/v1/payments",
        headers={"Authorization": f"Bearer {token}", ...},
        body={"amount": {"currency": "NOK", "value": 49900}, ...},
    )
    for finding in findings:
        print(finding.severity, finding.rule, finding.message, finding.hint)

`lint_request` keeps one compiled `Linter` per configuration, so a call costs the checks
themselves (well under a millisecond for a typical body), never a start-up. Long-running
processes (the requests/httpx hooks, the proxy, a Spark job) make their own `Linter`,
configured like the command line, and call `Linter.lint_request` — it is safe to share
between threads.

Everything this module returns is masked: a bearer token, subscription key or client
secret never appears in full in a message, hint, text report or log line.

This module is the one place that turns a live request into the pipeline's `Request` and
back (`_to_request`, `_run`): the hooks, the pytest plugin and the proxy all go through it.
"""

from __future__ import annotations

import io
import json
import os
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence, Union
from urllib.parse import urlsplit

from vipps_lint.models import (
    NO_BODY,
    SEVERITIES,
    SEVERITY_RANK,
    Fix,
    Position,
    ReaderTraits,
    RequestMeta,
    Response,
    SourceFile,
)
from vipps_lint.models import Finding as _InternalFinding
from vipps_lint.models import Request as _Request

__all__ = [
    "BodyError",
    "ConfigError",
    "Finding",
    "Findings",
    "Fix",
    "Linter",
    "PreflightError",
    "lint_request",
]

HeadersLike = Union[Mapping[str, str], Iterable[tuple[str, str]], None]
BodyLike = Union[bytes, bytearray, memoryview, str, Mapping[str, Any], Sequence[Any], int, float, bool, None]

# A body larger than this is not parsed (the API gateways refuse far smaller ones).
MAX_BODY_BYTES = 10 * 1024 * 1024

# The report's "file" for a live request: `request:3:18: error[...]` points into its body.
DISPLAY = "request"


class ConfigError(ValueError):
    """The configuration cannot be used: a bad file, an unknown rule selector, a broken rule pack."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class BodyError(ValueError):
    """The body cannot be linted: it claims to be JSON but is not (the API would answer 400)."""

    def __init__(self, message: str, line: Optional[int] = None, column: Optional[int] = None):
        self.line, self.column = line, column
        where = f"{DISPLAY}:{line}:{column}: " if line is not None else f"{DISPLAY}: "
        super().__init__(where + message)


@dataclass(frozen=True)
class Finding:
    """One problem in one request, in the words of the JSON report's findings.

    `part` is "body", "header", "url" or "response"; `pointer` a JSON Pointer into the body
    (or response body), `header` the header's name. `line`/`column` are 1-based positions in
    the body text as given (or as `json.dumps(body, indent=2)` prints a parsed body).
    Secret values in `message` and `hint` are masked.
    """

    rule: str
    severity: str
    message: str
    hint: Optional[str] = None
    part: str = "body"
    pointer: Optional[str] = None
    header: Optional[str] = None
    fix: Optional[Fix] = None
    line: Optional[int] = None
    column: Optional[int] = None

    def to_dict(self) -> dict[str, Any]:
        """The finding as JSON-ready data (the JSON report's field names)."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "part": self.part,
            "pointer": self.pointer,
            "header": self.header,
            "line": self.line,
            "column": self.column,
            "fix": {"value": self.fix.value, "description": self.fix.description} if self.fix else None,
        }

    def __str__(self) -> str:
        return f"{self.severity}[{self.rule}] {self.message}"


class Findings(list):
    """The findings of one request (a list of `Finding`, in body order), and what it was.

    `linted` is False for a request to an API vipps-lint does not lint (then it is empty);
    `operation` is the API call it was routed to, e.g. "POST /epayment/v1/payments".
    """

    method: Optional[str]
    url: Optional[str]  # masked
    operation: Optional[str]
    linted: bool

    def __init__(
        self,
        findings: Iterable[Finding] = (),
        *,
        method: Optional[str] = None,
        url: Optional[str] = None,
        operation: Optional[str] = None,
        linted: bool = True,
        report=None,
    ):
        super().__init__(findings)
        self.method, self.url, self.operation, self.linted = method, url, operation, linted
        self._report = report  # (request, internal findings, masker), rendered on first `text()`
        self.errors: list[str] = []  # why the request could not be linted (set by the hooks)
        self._report_text: Optional[str] = None

    def at_or_above(self, severity: str) -> list[Finding]:
        """The findings at least as severe as `severity` ("error", "warning" or "info")."""
        rank = SEVERITY_RANK[_checked_severity(severity)]
        return [finding for finding in self if SEVERITY_RANK[finding.severity] >= rank]

    def fails(self, fail_on: str = "error") -> bool:
        """Would `vipps-lint check --fail-on FAIL_ON` exit 1 on this request?"""
        return bool(self.at_or_above(fail_on))

    @property
    def worst(self) -> Optional[str]:
        """The most severe finding's severity, or None when there is none."""
        return max((finding.severity for finding in self), key=SEVERITY_RANK.__getitem__, default=None)

    def text(self) -> str:
        """The text report of this request, as `vipps-lint check` prints it (no colour, masked)."""
        if self._report_text is None:
            self._report_text = _text_report(*self._report) if self._report is not None and self else ""
        return self._report_text

    def __repr__(self) -> str:
        return f"Findings({list.__repr__(self)}, operation={self.operation!r}, linted={self.linted})"


def severity_counts(findings: Iterable[Finding]) -> str:
    """How many findings of each severity, e.g. "2 errors, 1 warning, 3 info" (the hooks' and
    the proxy's one-line summaries)."""
    parts = []
    for level in ("error", "warning", "info"):
        count = sum(1 for finding in findings if finding.severity == level)
        if count:
            parts.append(f"{count} {level}" + ("s" if count != 1 and level != "info" else ""))
    return ", ".join(parts)


class PreflightError(Exception):
    """A request was stopped before it was sent: it has findings at or above `fail_on`.

    `findings` are all of the request's findings; `report` is the text report (masked);
    `errors` says why a request could not be linted at all (a body that is not JSON).
    """

    def __init__(self, findings: Findings, fail_on: str = "error", errors: Sequence[str] = ()):
        self.findings = findings
        self.fail_on = fail_on
        self.errors = list(errors)
        self.report = findings.text() if findings else ""
        what = f"{findings.method or ''} {findings.url or ''}".strip() or "request"
        if self.errors:
            summary = f"vipps-lint: {what} not sent: " + "; ".join(self.errors)
        else:
            counts = ", ".join(
                f"{n} {level}{'s' if n != 1 and level != 'info' else ''}"
                for level in SEVERITIES
                if (n := sum(1 for f in findings if f.severity == level))
            )
            summary = f"vipps-lint: {what} not sent: {counts} (fail-on {fail_on})"
        super().__init__(summary + ("\n\n" + self.report if self.report else ""))


def _checked_severity(severity: str) -> str:
    if severity not in SEVERITY_RANK:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    return severity


# --- configuration -------------------------------------------------------------------------

_UNSET = object()


class Linter:
    """A compiled, configured linter for live requests, to keep for the life of a process.

    Configured like the command line: `config` names a configuration file (`pyproject.toml`
    with `[tool.vipps-lint]`, or `.vipps-lint.yaml`), or True to find one from the current
    directory as `vipps-lint check` does, or a mapping with the same keys as the file
    (`{"ignore": ["header-vipps-system"], "fail-on": "warning"}`). Keyword arguments
    override the file, as command-line options do. A bad file or an unknown rule raises
    `ConfigError` here, not on the first request.
    """

    def __init__(
        self,
        config: Union[str, os.PathLike, Mapping[str, Any], bool, None] = None,
        *,
        select: Optional[Iterable[str]] = None,
        ignore: Optional[Iterable[str]] = None,
        extend_select: Optional[Iterable[str]] = None,
        severity: Optional[Mapping[str, str]] = None,
        rules: Optional[Iterable[str]] = None,
        fail_on: Optional[str] = None,
        as_of: Optional[date] = None,
        specs: Iterable[str] = (),
        endpoint: Optional[str] = None,
    ):
        # What it was made from: a pickled Linter (a Spark broadcast, a worker process) is made
        # again from these where it is unpickled, not shipped compiled.
        self._arguments = (
            (config,),
            {
                "select": select,
                "ignore": ignore,
                "extend_select": extend_select,
                "severity": severity,
                "rules": rules,
                "fail_on": fail_on,
                "as_of": as_of,
                "specs": tuple(specs),
                "endpoint": endpoint,
            },
        )
        from vipps_lint.config import Config, effective, find_config, load_config
        from vipps_lint.pipeline import Linter as Engine
        from vipps_lint.pipeline import Settings
        from vipps_lint.routing import parse_endpoint

        if isinstance(config, Mapping):
            loaded = _config_from_mapping(config)
        elif config is True:
            found = find_config()
            loaded = load_config(found) if found else Config()
        elif config is None or config is False:
            loaded = Config()
        else:
            loaded = load_config(os.fspath(config))
        if loaded.errors:
            raise ConfigError([str(error) for error in loaded.errors])
        given: dict[str, Any] = {}
        for key, value in (("select", select), ("ignore", ignore), ("extend-select", extend_select), ("rules", rules)):
            if value is not None:
                given[key] = [value] if isinstance(value, str) else list(value)
        if severity is not None:
            given["severity"] = {rule: _checked_severity(level) for rule, level in severity.items()}
        if fail_on is not None:
            given["fail-on"] = _checked_severity(fail_on)
        if as_of is not None:
            given["as-of"] = as_of
        if endpoint is not None and parse_endpoint(endpoint) is None:
            raise ConfigError([f'endpoint {endpoint!r} is not "METHOD /path" or "METHOD https://host/path"'])
        values = {key: item[0] for key, item in effective(loaded, given).items()}
        self.fail_on: str = values["fail-on"]
        settings = Settings(
            endpoint=endpoint,
            select=values["select"],
            ignore=values["ignore"],
            extend_select=values["extend-select"],
            severities=values["severity"],
            rule_dirs=values["rules"],
            fail_on=self.fail_on,
            as_of=values["as-of"],
            specs=list(specs),
        )
        self._engine = Engine(settings)
        problems = [str(error) for error in self._engine.setup_errors]
        for key in ("select", "ignore", "extend-select", "severity"):
            unknown = self._engine.rules.unknown_selectors(list(values[key]))
            problems.extend(f"{key}: {selector!r} matches no rule (see `vipps-lint rules`)" for selector in unknown)
        if problems:
            raise ConfigError(problems)

    def __reduce__(self):
        args, kwargs = self._arguments
        return _make_linter, (args, kwargs)

    def lint_batch(self, requests: Iterable[Mapping[str, Any]]) -> Iterator[Findings]:
        """`lint_request` for each of many requests given as mappings with the keys `method`,
        `url`, and optionally `headers`, `body`, `endpoint` (a log's rows, say). A body that
        cannot be linted gives empty `Findings` whose `errors` say why; it never stops the batch."""
        for row in requests:
            try:
                yield self.lint_request(
                    row.get("method") or "GET",
                    row.get("url"),
                    row.get("headers"),
                    row.get("body"),
                    endpoint=row.get("endpoint"),
                )
            except BodyError as error:
                findings = Findings(method=str(row.get("method") or "GET").upper(), url=_mask_url(row.get("url")))
                findings.errors = [str(error)]
                yield findings

    @property
    def rules(self) -> list[str]:
        """The ids of the rules this linter runs."""
        return sorted(self._engine.rules.enabled)

    def lint_request(
        self,
        method: str,
        url: Any,
        headers: HeadersLike = None,
        body: BodyLike = None,
        *,
        endpoint: Optional[str] = None,
    ) -> Findings:
        """The findings of one request.

        `headers`: a mapping, a list of (name, value) pairs, or a client's headers object;
        None when unknown (then no header rule runs; `{}` means "sent without headers").
        `body`: bytes, str (JSON text) or an already-parsed object; None or empty for none.
        `endpoint` ("POST /epayment/v1/payments") says which call it is when the URL cannot.
        A request to an API vipps-lint does not lint gives empty `Findings` with `linted` False.
        Raises `BodyError` when the body is meant as JSON but does not parse.
        """
        request = _to_request(method, url, headers, body)
        return self._run(request, endpoint)

    def lint_response(
        self,
        method: str,
        url: Any,
        status: int,
        headers: HeadersLike = None,
        body: BodyLike = None,
        *,
        request_headers: HeadersLike = None,
        endpoint: Optional[str] = None,
    ) -> Findings:
        """What a failed response (status 400 or more) says, explained as in dumps: an RFC 7807
        problem with a Vipps MobilePay error code gets that code's meaning and what to do.
        Only the response rules run (the request was linted before it was sent)."""
        request = _to_request(method, url, request_headers, None)
        response_headers = _header_pairs(headers) or []
        try:
            parsed = _parse_body(body, response_headers)
        except BodyError:
            parsed = NO_BODY
        text = _decode(body) if isinstance(body, (bytes, bytearray, memoryview, str)) else None
        request.response = Response(status=int(status), headers=response_headers, body=parsed, body_text=text)
        return self._run(request, endpoint, only_response=True)

    def _run(self, request: _Request, endpoint: Optional[str], only_response: bool = False) -> Findings:
        """The glue to the pipeline: route and check one request, then make public findings."""
        engine = self._engine
        if only_response:
            lint, _problems = engine.routing_problems(request, endpoint)
            found = None
            if lint:
                from vipps_lint.checks.responses import ResponseCheck

                found = [
                    finding
                    for problem in ResponseCheck().check(request)
                    if (finding := engine.rules.finding(problem, request)) is not None
                ]
        elif endpoint and request.url and _routes_by_url(engine, request) is False:
            # The URL is not a Vipps MobilePay path (a merchant's own gateway, say): `endpoint` says
            # which call it is, as it does for a bare body.
            url, request.url = request.url, None
            try:
                found = engine.lint_request(request, endpoint)
            finally:
                request.url = url
        else:
            found = engine.lint_request(request, endpoint)
        return _public(request, found)


def _make_linter(args: tuple, kwargs: dict) -> Linter:
    return Linter(*args, **kwargs)


def _mask_url(url: Any) -> Optional[str]:
    if url is None:
        return None
    from vipps_lint.secrets import Masker

    return Masker().mask_text(str(url))


def _routes_by_url(engine, request: _Request) -> bool:
    from vipps_lint.routing import route

    return route(request, engine.router).kind == "routed"


def _config_from_mapping(values: Mapping[str, Any]):
    """A `Config` from a mapping with the configuration file's keys, validated like a file."""
    from vipps_lint.config import DEFAULTS, Config, _validate

    config = Config(path=None)
    for key, value in values.items():
        key = key.replace("_", "-")
        if key not in DEFAULTS:
            config.errors.append(_Problem(f"unknown configuration key {key!r}; known keys: {', '.join(DEFAULTS)}"))
            continue
        problem, normalised = _validate(key, value, os.getcwd())
        if problem is not None:
            config.errors.append(_Problem(f"{key}: {problem}"))
        else:
            config.values[key] = normalised
    return config


class _Problem(str):
    """A configuration problem without a file (a mapping given in code)."""


# --- one live request → the pipeline's Request, and back ------------------------------------


class _LazyBodyLocator:
    """Positions in the body text, which for a parsed body is printed only when a finding
    needs a position (most requests have none)."""

    def __init__(self, source: SourceFile, body: Any, text: Optional[str]):
        self.source, self.body, self.text = source, body, text
        self._locator = None

    def locate(self, part: str, key: Optional[str]) -> Optional[Position]:
        if part != "body" or key is None:
            return None
        if self._locator is None:
            from vipps_lint.positions import JsonTextLocator

            if self.text is None:
                self.text = json.dumps(self.body, indent=2, ensure_ascii=False, default=str)
            self.source.text = self.text
            self._locator = JsonTextLocator(self.text)
        return self._locator.locate(part, key)


def _header_pairs(headers: HeadersLike) -> Optional[list[tuple[str, str]]]:
    if headers is None:
        return None
    if hasattr(headers, "multi_items"):  # httpx.Headers: repeated headers kept
        items = headers.multi_items()
    elif isinstance(headers, Mapping) or hasattr(headers, "items"):
        items = headers.items()
    else:
        items = headers
    pairs = []
    for name, value in items:
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        pairs.append((str(name), "" if value is None else str(value)))
    return pairs


def _decode(body: Union[bytes, bytearray, memoryview, str]) -> str:
    if isinstance(body, str):
        return body.lstrip("\ufeff")
    return bytes(body).decode("utf-8", errors="replace").lstrip("\ufeff")


def _is_json_media_type(headers: list[tuple[str, str]]) -> bool:
    value = next((value for name, value in headers if name.lower() == "content-type"), "")
    media = value.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _parse_body(body: BodyLike, headers: list[tuple[str, str]]) -> Any:
    if body is None:
        return NO_BODY
    if not isinstance(body, (bytes, bytearray, memoryview, str)):
        _check_parsed(body)
        return body  # already parsed
    if len(body) > MAX_BODY_BYTES:
        raise BodyError(f"the body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB; not linted")
    text = _decode(body)
    if not text.strip():
        return NO_BODY
    looks_like_json = text.lstrip()[:1] in ("{", "[")
    from vipps_lint.strict_json import loads, problem  # NaN, 1e400, deep nesting: a clear error

    try:
        return loads(text)
    except json.JSONDecodeError as error:
        if looks_like_json or _is_json_media_type(headers):
            raise BodyError(problem(error.msg, "the body is not valid JSON"), error.lineno, error.colno) from None
        return NO_BODY  # a form or text body: no JSON rule applies to it
    except RecursionError:
        raise BodyError("the body is nested too deeply to be a request body") from None


def _check_parsed(body: Any) -> None:
    # What the client would send: json.dumps writes NaN and Infinity (which no JSON parser
    # reads) and fails deep inside the checks on a body nested past the recursion limit.
    try:
        json.dumps(body, allow_nan=False, default=str)
    except ValueError as error:
        raise BodyError(f"the body is not valid JSON: {error} (NaN and Infinity are not JSON numbers)") from None
    except RecursionError:
        raise BodyError("the body is nested too deeply to be a request body") from None


# A request built in memory by the caller's code: no file to fix, and a `{{name}}` in it is literal text.
_LIVE = ReaderTraits("live", not_fixable="the request was built in memory; change the code that builds it")


def _to_request(method: str, url: Any, headers: HeadersLike, body: BodyLike) -> _Request:
    pairs = _header_pairs(headers)
    parsed = _parse_body(body, pairs or [])
    text = _decode(body) if isinstance(body, (bytes, bytearray, memoryview, str)) and parsed is not NO_BODY else None
    source = SourceFile(DISPLAY, None, text)
    meta = RequestMeta(_LIVE, headers_recorded=pairs is not None)
    meta.body_text = text
    request = _Request(
        source=source,
        index=0,
        method=(method or "GET").upper(),
        url=None if url is None else str(url),
        headers=pairs or [],
        body=parsed,
        meta=meta,
    )
    if parsed is not NO_BODY:
        request.locator = _LazyBodyLocator(source, parsed, text)
    return request


def _public(request: _Request, found: Optional[list[_InternalFinding]]) -> Findings:
    from vipps_lint.secrets import Masker, collect_secrets

    url = request.url
    operation = request.operation.endpoint if request.operation is not None else None
    if not found and not (url and ("?" in url or "@" in url)):  # the common case: nothing to mask
        return Findings(method=request.method, url=url, operation=operation, linted=found is not None)
    masker = Masker(collect_secrets(request))
    url = masker.mask_text(url) if url else url
    if found is None:
        return Findings(method=request.method, url=url, operation=operation, linted=False)
    findings = [
        Finding(
            rule=item.rule,
            severity=item.severity,
            message=masker.mask_text(item.message),
            hint=masker.mask_text(item.hint) if item.hint else item.hint,
            part=item.part,
            pointer=item.pointer,
            header=item.header,
            fix=_masked_fix(item.fix, masker),
            line=item.position.line if item.position else None,
            column=item.position.column if item.position else None,
        )
        for item in found
    ]
    return Findings(findings, method=request.method, url=url, operation=operation, report=(request, found, masker))


def _masked_fix(fix: Optional[Fix], masker) -> Optional[Fix]:
    # A fix is data a caller logs or serialises (the hooks, the proxy's log and 400 body), so a
    # secret in it is masked as in the JSON report: a returnUrl fixed to https keeps its ?token=.
    if fix is None:
        return None
    value = masker.mask_text(fix.value) if isinstance(fix.value, str) else fix.value
    description = masker.mask_text(fix.description)
    return fix if value == fix.value and description == fix.description else Fix(value, description)


def _text_report(request: _Request, found: list[_InternalFinding], masker) -> str:
    """The text report's findings for one request, masked, without the run's summary line."""
    from vipps_lint.models import Report
    from vipps_lint.reporters import ReportOptions
    from vipps_lint.reporters import text as text_reporter
    from vipps_lint.secrets import MaskingStream

    report = Report(files=1, requests=1, findings=list(found), file_names=[DISPLAY])
    buffer = io.StringIO()
    stream = MaskingStream(buffer, masker)
    text_reporter.render(report, stream, ReportOptions(color=False, mask=masker.mask_text))
    stream.finish()
    lines = buffer.getvalue().rstrip("\n").split("\n")
    return "\n".join(lines[:-1]).rstrip("\n") + "\n"  # the last line counts files, which a live request has not


# --- the module-level shortcut --------------------------------------------------------------

_cache: dict[Any, Linter] = {}
_cache_lock = threading.Lock()
_CACHE_LIMIT = 32


def _cache_key(config: Any) -> Any:
    if config is None or isinstance(config, bool):
        if config is True:
            from vipps_lint.config import find_config

            found = find_config()
            return ("file", _file_key(found)) if found else ("none",)
        return ("none",)
    if isinstance(config, Mapping):
        return ("mapping", json.dumps(config, sort_keys=True, default=str))
    return ("file", _file_key(os.fspath(config)))


def _file_key(path: str) -> tuple:
    """A configuration file's identity: an edited file gives a new linter."""
    try:
        stat = os.stat(path)
        return os.path.abspath(path), stat.st_mtime_ns, stat.st_size
    except OSError:
        return os.path.abspath(path), None, None


def linter_for(config: Any = None) -> Linter:
    """The shared, compiled `Linter` for a configuration (see `Linter`), made on first use."""
    if isinstance(config, Linter):
        return config
    key = _cache_key(config)
    linter = _cache.get(key)
    if linter is None:
        with _cache_lock:
            linter = _cache.get(key)
            if linter is None:
                linter = Linter(config)
                if len(_cache) >= _CACHE_LIMIT:
                    _cache.clear()
                _cache[key] = linter
    return linter


def lint_request(
    method: str,
    url: Any,
    headers: HeadersLike = None,
    body: BodyLike = None,
    *,
    endpoint: Optional[str] = None,
    config: Any = None,
) -> Findings:
    """The findings of one request (see `Linter.lint_request`).

    `config`: None for the shipped rules with their default settings, True to use the
    configuration file `vipps-lint check` would find from the current directory, a path to
    one, a mapping of its keys, or a `Linter`. The compiled linter is kept per configuration.
    """
    return linter_for(config).lint_request(method, url, headers, body, endpoint=endpoint)


def host_of(url: Any) -> str:
    """'apitest.vipps.no' (or 'localhost:8080' with a port) of a URL, lower-case."""
    split = urlsplit(str(url))
    host = (split.hostname or "").lower()
    try:
        port = split.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host
