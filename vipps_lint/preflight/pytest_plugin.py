"""pytest plugin (entry point `pytest11`): pre-flight every request a test-suite sends.

    pytest --vipps-preflight [--fail-on warning] [--vipps-host localhost:8080]

For the whole session, requests' `Session.send` and httpx's clients are patched so that
each request to Vipps MobilePay (or a `--vipps-host`) is linted where it would leave:
after the client has built it, before the transport — and so before the mocks merchants'
suites use (`responses`, `respx`, `pytest-httpx`), which replace the transport. The code
under test runs unchanged (the request is still sent, or handed to the mock); a test whose
code sent, or tried to send, a request with findings at or above `--fail-on` fails, and
its report shows the text report of each such request.

The `vipps_preflight` fixture gives the findings of the current test, for assertions
(it records even without `--vipps-preflight`, then without failing the test). A test that
sends a bad request on purpose says so with `@pytest.mark.vipps_preflight(fail=False)`
(or `ignore=["rule-id", ...]`).
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest

from vipps_lint.api import Finding, Findings


@dataclass
class PreflightRecord:
    """What the requests of one test got (the `vipps_preflight` fixture)."""

    requests: list[Findings] = field(default_factory=list)
    responses: list[Findings] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        """Every finding of every request this test sent, in order."""
        return [finding for findings in self.requests for finding in findings]

    @property
    def rules(self) -> set[str]:
        return {finding.rule for finding in self.findings}

    def failing(self, fail_on: str = "error", ignore: tuple[str, ...] = ()) -> list[Findings]:
        """The requests with findings at or above `fail_on` (rules in `ignore` aside), or that could not be linted."""
        return [
            findings
            for findings in self.requests
            if findings.errors or [f for f in findings.at_or_above(fail_on) if f.rule not in ignore]
        ]

    def clear(self) -> None:
        self.requests.clear()
        self.responses.clear()

    def add(self, kind: str, findings: Findings) -> None:
        (self.requests if kind == "request" else self.responses).append(findings)


# --- patching the clients ------------------------------------------------------------------

_installed: dict[str, Any] = {}
_lock = threading.Lock()
_users = 0


def _current():
    return _Shared.preflight


class _Shared:
    # The Preflight in force: the session's, or a `vipps_preflight` fixture's while its test
    # runs (shared by every thread the test starts).
    preflight = None


def _patch_requests() -> None:
    try:
        import requests
    except ImportError:
        return
    from vipps_lint.preflight.requests_hook import check_request, explain_response

    original = requests.Session.send

    @functools.wraps(original)
    def send(self, request, **kwargs):
        preflight = _current()
        if preflight is None:
            return original(self, request, **kwargs)
        check_request(preflight, request)
        response = original(self, request, **kwargs)
        explain_response(preflight, request, response)
        return response

    requests.Session.send = send
    _installed["requests"] = original


def _patch_httpx() -> None:
    try:
        import httpx
    except ImportError:
        return
    # `_send_single_request` is where a client hands the final request (auth and redirects
    # done) to its transport, which is what respx and pytest-httpx replace.
    from vipps_lint.preflight.httpx_hook import explain_response, worth_explaining

    sync_original = httpx.Client._send_single_request
    async_original = httpx.AsyncClient._send_single_request

    @functools.wraps(sync_original)
    def send_single(self, request):
        preflight = _current()
        if preflight is None or not preflight.applies_to(request.url):
            return sync_original(self, request)
        preflight.before_send(request.method, request.url, request.headers, request.read())
        response = sync_original(self, request)
        if worth_explaining(preflight, request, response):
            explain_response(preflight, request, response, response.read())
        return response

    @functools.wraps(async_original)
    async def async_send_single(self, request):
        preflight = _current()
        if preflight is None or not preflight.applies_to(request.url):
            return await async_original(self, request)
        preflight.before_send(request.method, request.url, request.headers, await request.aread())
        response = await async_original(self, request)
        if worth_explaining(preflight, request, response):
            explain_response(preflight, request, response, await response.aread())
        return response

    httpx.Client._send_single_request = send_single
    httpx.AsyncClient._send_single_request = async_send_single
    _installed["httpx"] = (sync_original, async_original)


def patch_clients() -> None:
    """Patch requests and httpx (those installed); counted, so fixtures can nest."""
    global _users
    with _lock:
        if _users == 0:
            _patch_requests()
            _patch_httpx()
        _users += 1


def unpatch_clients() -> None:
    global _users
    with _lock:
        _users -= 1
        if _users > 0:
            return
        if "requests" in _installed:
            import requests

            requests.Session.send = _installed.pop("requests")
        if "httpx" in _installed:
            import httpx

            httpx.Client._send_single_request, httpx.AsyncClient._send_single_request = _installed.pop("httpx")


# --- pytest hooks --------------------------------------------------------------------------

_RECORD = pytest.StashKey[PreflightRecord]()
_ENABLED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vipps-preflight", "vipps-lint pre-flight of requests to Vipps MobilePay")
    group.addoption(
        "--vipps-preflight",
        action="store_true",
        default=None,
        help="Lint every request the tests send to Vipps MobilePay; fail the tests whose requests have findings.",
    )
    group.addoption(
        "--fail-on",
        "--vipps-fail-on",
        dest="vipps_fail_on",
        choices=("error", "warning", "info"),
        default=None,
        help="With --vipps-preflight: fail a test on findings at least this severe "
        "(default: error, or the configuration's).",
    )
    group.addoption(
        "--vipps-host",
        dest="vipps_hosts",
        action="append",
        default=[],
        metavar="HOST",
        help="Also lint requests to HOST (a glob on host or host:port, e.g. localhost:8080); repeatable.",
    )
    group.addoption(
        "--vipps-config",
        dest="vipps_config",
        default=None,
        metavar="FILE",
        help="The vipps-lint configuration file (default: the one `vipps-lint check` finds).",
    )
    parser.addini(
        "vipps_preflight", "Lint every request to Vipps MobilePay (as --vipps-preflight)", type="bool", default=False
    )
    parser.addini("vipps_preflight_hosts", "More hosts to lint (as --vipps-host)", type="linelist", default=[])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "vipps_preflight(fail=True, ignore=()): how vipps-lint's pre-flight judges this test's "
        "requests (fail=False: record only; ignore: rule ids that do not fail it)",
    )
    enabled = config.getoption("vipps_preflight")
    config.stash[_ENABLED] = bool(enabled if enabled is not None else config.getini("vipps_preflight"))
    if not config.stash[_ENABLED]:
        return
    from vipps_lint.api import ConfigError

    try:
        _Shared.preflight = _make_preflight(config)
    except ConfigError as error:  # one clear line, not an INTERNALERROR traceback
        raise pytest.UsageError("--vipps-preflight: " + "; ".join(error.problems)) from None
    patch_clients()
    config.add_cleanup(_stop_session)


def _stop_session() -> None:
    _Shared.preflight = None
    unpatch_clients()


def _make_preflight(config: pytest.Config, on_result=None):
    from vipps_lint.preflight import Preflight

    hosts = [*config.getini("vipps_preflight_hosts"), *config.getoption("vipps_hosts")]
    settings = config.getoption("vipps_config") or True

    def record(kind: str, findings: Findings) -> None:
        current = _Active.record
        if current is not None:
            current.add(kind, findings)

    # "warn" records and sends: the code under test runs as it would without the plugin; the
    # test fails afterwards (a "raise" could be swallowed by the code's own error handling).
    return Preflight(
        "warn", fail_on=config.getoption("vipps_fail_on"), hosts=hosts, config=settings, on_result=on_result or record
    )


class _Active:
    record: Optional[PreflightRecord] = None  # the running test's


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    record = PreflightRecord()
    item.stash[_RECORD] = record
    _Active.record = record


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if call.when == "teardown":
        _Active.record = None
    record = item.stash.get(_RECORD, None)
    if record is None or not item.config.stash.get(_ENABLED, False) or call.when != "call":
        return
    marker = item.get_closest_marker("vipps_preflight")
    options = marker.kwargs if marker is not None else {}
    if options.get("fail", True) is False:
        return
    preflight = _Shared.preflight
    fail_on = options.get("fail_on") or (preflight.fail_on if preflight is not None else "error")
    failing = record.failing(fail_on, tuple(options.get("ignore", ())))
    if not failing:
        return
    text = _failure_text(failing, fail_on)
    report.sections.append(("vipps-lint pre-flight", text))
    if report.passed:
        report.outcome = "failed"
        report.longrepr = text


def _failure_text(failing: list[Findings], fail_on: str) -> str:
    lines = [
        f"vipps-lint: {len(failing)} request{'s' if len(failing) != 1 else ''} to Vipps MobilePay "
        f"with findings at or above {fail_on} (--fail-on):",
        "",
    ]
    for findings in failing:
        lines.append(f"{findings.method} {findings.url}")
        lines.extend(f"  {error}" for error in findings.errors)
        if findings:
            lines.append(findings.text().rstrip("\n"))
        lines.append("")
    return "\n".join(lines)


@pytest.fixture
def vipps_preflight(request: pytest.FixtureRequest):
    """The pre-flight findings of the requests this test sends (a `PreflightRecord`)."""
    record = request.node.stash.get(_RECORD, None)
    if record is None:
        record = request.node.stash[_RECORD] = PreflightRecord()
    if request.config.stash.get(_ENABLED, False):
        yield record
        return
    # Without --vipps-preflight: record for this test only, never fail it.
    _Shared.preflight = _make_preflight(request.config, on_result=record.add)
    patch_clients()
    try:
        yield record
    finally:
        _Shared.preflight = None
        unpatch_clients()
