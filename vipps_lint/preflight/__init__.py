"""Pre-flight at send time: lint each request to Vipps MobilePay as an HTTP client sends it.

- requests: `PreflightAdapter` (wraps a transport adapter) or `preflight_session()`;
- httpx: `PreflightTransport` (Client) and `AsyncPreflightTransport` (AsyncClient);
- pytest: the `vipps_lint.preflight.pytest_plugin` (`pytest --vipps-preflight`).

All of them share `Preflight`, the policy: which hosts are linted, `mode="raise"` (the
request is not sent; `vipps_lint.PreflightError` carries the findings and the text report)
or `mode="warn"` (the findings are logged through `logging` and the request is sent),
`fail_on` as in the CLI. Failed responses (status 400 or more) from those hosts are read
too: the API's explanation (an RFC 7807 problem with a Vipps MobilePay error code, say) is
logged with what the code means. Every message and log line is masked.
"""

from __future__ import annotations

import fnmatch
import logging
from typing import Any, Callable, Iterable, Optional, Union

from vipps_lint.api import (
    BodyError,
    Findings,
    Linter,
    PreflightError,
    _mask_url,
    host_of,
    linter_for,
    severity_counts,
)

__all__ = [
    "AsyncPreflightTransport",
    "DEFAULT_HOSTS",
    "Preflight",
    "PreflightAdapter",
    "PreflightTransport",
    "preflight_session",
]

LOGGER = logging.getLogger("vipps_lint.preflight")


def _default_hosts() -> tuple[str, ...]:
    from vipps_lint.routing import KLARNA_HOSTS, VIPPS_HOSTS

    return (*VIPPS_HOSTS, *KLARNA_HOSTS)


DEFAULT_HOSTS: tuple[str, ...] = _default_hosts()
"""The hosts linted by default: the Vipps MobilePay API (production and test) and Klarna Checkout."""

MODES = ("raise", "warn")

# Response bodies are read for the explanation only up to this size.
MAX_RESPONSE_BYTES = 1024 * 1024


class Preflight:
    """The policy every hook applies.

    `hosts`: more hosts to lint besides `DEFAULT_HOSTS` (globs on `host` or `host:port`, e.g.
    "localhost:8080" for a test double, or "*" for every host). `config`: as for
    `vipps_lint.lint_request` (a `Linter`, a configuration file, a mapping of its keys, or
    None for the defaults). `fail_on`: "error" (default: the configuration's), "warning" or
    "info". `on_result(kind, findings)` is called for each linted request ("request") and
    failed response ("response"), for the pytest plugin.
    """

    def __init__(
        self,
        mode: str = "raise",
        *,
        fail_on: Optional[str] = None,
        hosts: Iterable[str] = (),
        config: Any = None,
        logger: Optional[logging.Logger] = None,
        on_result: Optional[Callable[[str, Findings], None]] = None,
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be 'raise' or 'warn', got {mode!r}")
        self.mode = mode
        self.linter: Linter = linter_for(config)
        self.fail_on = fail_on or self.linter.fail_on
        if self.fail_on not in ("error", "warning", "info"):
            raise ValueError(f"fail_on must be error, warning or info, got {self.fail_on!r}")
        self.hosts = tuple(h.lower() for h in (*DEFAULT_HOSTS, *hosts))
        self.logger = logger or LOGGER
        self.on_result = on_result

    def applies_to(self, url: Any) -> bool:
        host = host_of(url)
        bare = host.rsplit(":", 1)[0] if ":" in host else host
        return any(fnmatch.fnmatchcase(host, pattern) or fnmatch.fnmatchcase(bare, pattern) for pattern in self.hosts)

    def before_send(self, method: str, url: Any, headers: Any, body: Any) -> Optional[Findings]:
        """Lint a request about to be sent; raise `PreflightError` to stop it (mode "raise")."""
        if not self.applies_to(url):
            return None
        try:
            findings = self.linter.lint_request(method, url, headers, body)
        except BodyError as error:
            findings = Findings(method=str(method).upper(), url=_mask_url(url), linted=True)
            findings.errors = [str(error)]
            self._record("request", findings)
            if self.mode == "raise":
                raise PreflightError(findings, self.fail_on, errors=[str(error)]) from None
            self.logger.warning("vipps-lint: %s %s could not be linted: %s", findings.method, findings.url, error)
            return findings
        self._record("request", findings)
        if not findings:
            return findings
        failing = findings.fails(self.fail_on)
        if failing and self.mode == "raise":
            raise PreflightError(findings, self.fail_on)
        level = logging.WARNING if failing else logging.INFO
        if self.logger.isEnabledFor(level):
            self.logger.log(
                level,
                "vipps-lint: %s %s: %s\n%s",
                findings.method,
                findings.url,
                severity_counts(findings),
                findings.text().rstrip("\n"),
            )
        return findings

    def after_response(
        self, method: str, url: Any, status: int, headers: Any, body: Any, request_headers: Any = None
    ) -> Optional[Findings]:
        """Explain a failed response (status 400 or more) in the log; never raises."""
        if status is None or status < 400 or not self.applies_to(url):
            return None
        findings = self.linter.lint_response(method, url, status, headers, body, request_headers=request_headers)
        self._record("response", findings)
        for finding in findings:
            self.logger.warning(
                "vipps-lint: %s %s: %s%s",
                findings.method,
                findings.url,
                finding.message,
                f" (hint: {finding.hint})" if finding.hint else "",
            )
        return findings

    def _record(self, kind: str, findings: Findings) -> None:
        if self.on_result is not None:
            self.on_result(kind, findings)


def _policy(preflight: Optional[Preflight], mode: str, options: dict) -> Preflight:
    return preflight if preflight is not None else Preflight(mode, **options)


def __getattr__(name: str) -> Union[type, Callable]:
    # The hooks import their HTTP library: only the one asked for.
    if name in ("PreflightAdapter", "preflight_session"):
        from vipps_lint.preflight import requests_hook

        return getattr(requests_hook, name)
    if name in ("PreflightTransport", "AsyncPreflightTransport"):
        from vipps_lint.preflight import httpx_hook

        return getattr(httpx_hook, name)
    raise AttributeError(f"module 'vipps_lint.preflight' has no attribute {name!r}")
