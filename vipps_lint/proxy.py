"""`vipps-lint proxy`: a linting reverse proxy, for test environments in any language.

    vipps-lint proxy --upstream https://apitest.vipps.no --listen 127.0.0.1:8080 [--block] [--log FILE]

Point the Vipps base URL of a shop's test environment (PHP, .NET, Java, Node…) at
`http://127.0.0.1:8080`. Every request is linted, then forwarded unchanged (method, path,
query, headers, body bytes; only `Host` names the upstream, and hop-by-hop headers stay on
their own hop) and the upstream's answer is passed back byte for byte. Findings are printed
live as the text report, and written one JSON object a line with `--log FILE`: secrets
masked in both. With `--block`, a request with findings at or above `--fail-on` is not
forwarded; it is answered as the API answers a bad request: HTTP 400,
`application/problem+json`, with the findings in `extraDetails` (and in full in
`findings`). An upstream that cannot be reached gives a 502 problem (504 on a timeout) and
the proxy keeps serving.

Built on aiohttp (server and client), an optional extra: `pip install 'vipps-lint[proxy]'`.
Linting runs in the event loop: it takes well under a millisecond a request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import time
import uuid
from datetime import datetime, timezone
from typing import IO, Any, Optional
from urllib.parse import urlsplit

from vipps_lint.api import BodyError, Findings, Linter, _mask_url, severity_counts
from vipps_lint.escape import escape_controls

# Headers that belong to one connection, never forwarded (RFC 9110, 7.6.1), and those the
# proxy sets itself.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# (`Expect: 100-continue` is answered by the proxy's own server; the body is sent on whole.)
SET_BY_PROXY = frozenset({"host", "content-length", "expect"})
# What aiohttp's client would add on its own; sent only when the client sent them.
AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")

MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
PROBLEM_TYPE = "urn:vipps-lint:preflight"


class UsageError(ValueError):
    """A bad --upstream or --listen value."""


def parse_upstream(upstream: str) -> str:
    split = urlsplit(upstream.strip())
    if split.scheme not in ("http", "https") or not split.hostname:
        raise UsageError(
            f"--upstream must be an http:// or https:// URL such as https://apitest.vipps.no, got {upstream!r}"
        )
    if split.query or split.fragment:
        raise UsageError(f"--upstream takes no query or fragment, got {upstream!r}")
    if "@" in split.netloc:
        # It would be printed in the banner, and aiohttp refuses it beside the client's own Authorization.
        raise UsageError(
            "--upstream takes no user:password@ (the client's own Authorization header is forwarded), "
            f"got {split.scheme}://…@{split.netloc.rsplit('@', 1)[-1]}"
        )
    return upstream.strip().rstrip("/")


def parse_listen(listen: str) -> tuple[str, int]:
    host, colon, port = listen.strip().rpartition(":")
    if not colon or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--listen must be HOST:PORT such as 127.0.0.1:8080, got {listen!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


class LintingProxy:
    """The request handler: lint, then forward or block; print and log what it found."""

    def __init__(
        self,
        upstream: str,
        linter: Linter,
        *,
        block: bool = False,
        fail_on: Optional[str] = None,
        log: Optional[IO[str]] = None,
        out: Optional[IO[str]] = None,
        timeout: float = 60.0,
    ):
        self.upstream = parse_upstream(upstream)
        self.upstream_host = urlsplit(self.upstream).netloc.rsplit("@", 1)[-1]
        self.linter = linter
        self.block = block
        self.fail_on = fail_on or linter.fail_on
        self.log = log
        self.out = out if out is not None else sys.stdout
        self.timeout = timeout
        self._session = None

    async def start(self) -> None:
        import aiohttp

        self._session = aiohttp.ClientSession(
            auto_decompress=False,  # the bytes pass through as the upstream sent them
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            connector=aiohttp.TCPConnector(limit=256),
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def handle(self, request):
        try:
            return await self._handle(request)
        except Exception as error:  # one request's failure must not become aiohttp's traceback
            from aiohttp import web

            if isinstance(error, web.HTTPException):
                raise
            self._say(
                f"{request.method} {_mask_url(request.raw_path)} → 502: vipps-lint proxy failed: "
                f"{type(error).__name__}: {_mask_url(error)}"
            )
            return self._problem(
                502, "Bad Gateway", f"vipps-lint proxy could not handle this request ({type(error).__name__})"
            )

    def _say(self, line: str) -> None:
        try:
            self.out.write(escape_controls(_mask_url(line)) + "\n")
            self.out.flush()
        except (OSError, ValueError):
            pass  # a closed terminal must not stop the proxy

    async def _handle(self, request):
        from aiohttp import web

        started = time.perf_counter()
        try:
            # A client that never finishes its body (chunked without end, a trickle) holds a
            # connection at most this long.
            body = await asyncio.wait_for(request.read(), timeout=self.timeout)
        except asyncio.TimeoutError:
            detail = f"the request body did not arrive within {self.timeout:g} s"
            self._say(f"{request.method} {self.upstream}{request.raw_path} → 408 (not forwarded): {detail}")
            return self._problem(408, "Request Timeout", detail)
        except web.HTTPRequestEntityTooLarge:
            detail = f"the body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB"
            # Said in the live view too: otherwise the terminal shows nothing for a request the client saw refused.
            self._say(f"{request.method} {self.upstream}{request.raw_path} → 413 (not forwarded): {detail}")
            return self._problem(413, "Payload Too Large", detail)
        url = self.upstream + request.raw_path
        headers = list(request.headers.items())
        errors: list[str] = []
        try:
            findings = self.linter.lint_request(request.method, url, headers, body or None)
        except BodyError as error:
            findings = Findings(method=request.method, url=_mask_url(url), linted=True)
            errors.append(str(error))
        lint_ms = (time.perf_counter() - started) * 1000
        trace_id = str(uuid.uuid4())
        failing = bool(errors) or findings.fails(self.fail_on)
        response_findings: Optional[Findings] = None
        if self.block and failing:
            response = self._blocked(request.path, findings, errors, trace_id)
            outcome = "blocked"
        else:
            response, outcome = await self._forward(request, url, headers, body)
            if response.status >= 400 and outcome == "forwarded":
                response_findings = self.linter.lint_response(
                    request.method, url, response.status, response.headers, response.body, request_headers=headers
                )
        self._report(findings, errors, response.status, outcome, response_findings)
        self._write_log(findings, errors, response.status, outcome, response_findings, trace_id, lint_ms, started)
        return response

    async def _forward(self, request, url: str, headers: list[tuple[str, str]], body: bytes):
        import aiohttp
        from aiohttp import web
        from multidict import CIMultiDict
        from yarl import URL

        forwarded = CIMultiDict(
            (name, value)
            for name, value in headers
            if name.lower() not in HOP_BY_HOP and name.lower() not in SET_BY_PROXY
        )
        forwarded["Host"] = self.upstream_host
        present = {name.lower() for name, _ in headers}
        skip = [name for name in AUTO_HEADERS if name.lower() not in present]
        try:
            # encoded=True: the path and query go on exactly as the client wrote them (%2F stays %2F).
            async with self._session.request(
                request.method,
                URL(url, encoded=True),
                headers=forwarded,
                data=body if body else None,
                allow_redirects=False,
                skip_auto_headers=skip,
            ) as upstream:
                length = upstream.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > MAX_RESPONSE_BYTES:
                    return self._problem(
                        502, "Bad Gateway", "the upstream's response is too large to pass through"
                    ), "upstream-error"
                # Without a Content-Length (chunked), the size is known only as it is read.
                chunks, size = [], 0
                async for chunk in upstream.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    if size > MAX_RESPONSE_BYTES:
                        return self._problem(
                            502, "Bad Gateway", "the upstream's response is too large to pass through"
                        ), "upstream-error"
                    chunks.append(chunk)
                data = b"".join(chunks)
                response = web.Response(status=upstream.status, reason=upstream.reason, body=data)
                for name, value in upstream.headers.items():
                    if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                        response.headers.add(name, value)
                return response, "forwarded"
        except asyncio.TimeoutError:
            return self._problem(
                504, "Gateway Timeout", f"the upstream {self.upstream} did not answer within {self.timeout:g} s"
            ), "upstream-error"
        except aiohttp.ClientError as error:
            reason = (
                getattr(error, "strerror", None)
                or getattr(getattr(error, "os_error", None), "strerror", None)
                or str(error)
            )
            return self._problem(
                502, "Bad Gateway", f"vipps-lint proxy cannot reach the upstream {self.upstream}: {reason}"
            ), "upstream-error"

    def _problem(self, status: int, title: str, detail: str, **extra: Any):
        from aiohttp import web

        document = {"type": PROBLEM_TYPE, "title": title, "status": status, "detail": detail, **extra}
        return web.Response(
            status=status,
            body=json.dumps(document, ensure_ascii=False, indent=2).encode(),
            content_type="application/problem+json",
        )

    def _blocked(self, path: str, findings: Findings, errors: list[str], trace_id: str):
        shown = findings.at_or_above(self.fail_on)
        counts = severity_counts(shown) if shown else "a body that is not valid JSON"
        detail = f"vipps-lint: this request was not forwarded: {counts} at or above {self.fail_on} (see extraDetails)"
        extra_details = [{"name": error.split(": ", 1)[0], "reason": error.split(": ", 1)[-1]} for error in errors]
        extra_details += [
            {
                "name": finding.pointer or finding.header or finding.part,
                "reason": f"{finding.message}" + (f" (hint: {finding.hint})" if finding.hint else ""),
            }
            for finding in shown
        ]
        return self._problem(
            400,
            "Bad Request",
            detail,
            instance=path,
            traceId=trace_id,
            extraDetails=extra_details,
            findings=[finding.to_dict() for finding in findings],
        )

    def _report(
        self, findings: Findings, errors: list[str], status: int, outcome: str, response_findings: Optional[Findings]
    ) -> None:
        """The live view: one line a request, then each finding with where it is and the hint.

        Plain lines (the text report's without its code frames, which would need rich and a
        millisecond a request): the body is in the NDJSON log's pointers, not in a file.
        """
        what = {"forwarded": str(status), "blocked": "blocked (400)", "upstream-error": f"{status} (upstream error)"}[
            outcome
        ]
        summary = severity_counts(findings) if findings else ("could not be linted" if errors else "no findings")
        lines = [f"{findings.method} {findings.url} → {what}: {summary}"]
        lines += [f"  {error}" for error in errors]
        for finding in findings:
            where = (
                f"header {finding.header}"
                if finding.part == "header" and finding.header
                else f"at {finding.pointer or '(whole body)'}"
                if finding.pointer is not None
                else finding.part
            )
            lines.append(f"  {finding.severity}[{finding.rule}] {finding.message}")
            lines.append(f"    = {where}" + (f"; hint: {finding.hint}" if finding.hint else ""))
        for finding in response_findings or ():
            lines.append(f"  response: {finding.message}")
            if finding.hint:
                lines.append(f"    hint: {finding.hint}")
        # What a client sent is echoed: its control characters are shown, never obeyed by the terminal.
        lines = [escape_controls(line) for line in lines]
        try:
            self.out.write("\n".join(lines) + "\n" + ("\n" if findings else ""))
            self.out.flush()
        except (OSError, ValueError):
            pass  # a closed terminal must not stop the proxy

    def _write_log(
        self,
        findings: Findings,
        errors: list[str],
        status: int,
        outcome: str,
        response_findings: Optional[Findings],
        trace_id: str,
        lint_ms: float,
        started: float,
    ) -> None:
        if self.log is None:
            return
        entry = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": findings.method,
            "url": findings.url,
            "operation": findings.operation,
            "outcome": outcome,
            "status": status,
            "findings": [finding.to_dict() for finding in findings],
            "errors": errors,
            "response_findings": [finding.to_dict() for finding in response_findings or ()],
            "trace_id": trace_id,
            "lint_ms": round(lint_ms, 3),
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        }
        self.log.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.log.flush()


class _ServerLog(logging.Handler):
    """aiohttp's server logs a malformed request (a control character in a header, say) with
    a traceback that quotes the raw header line, Authorization included: the live view gets
    one masked, escaped line instead, and the proxy goes on serving."""

    def __init__(self, proxy: LintingProxy):
        super().__init__(logging.WARNING)
        self.proxy = proxy

    def emit(self, record: logging.LogRecord) -> None:
        try:
            error = record.exc_info[1] if record.exc_info else None
            detail = " ".join(str(error).split()) if error is not None else ""
            self.proxy._say(f"vipps-lint proxy: {record.getMessage()}" + (f": {detail}" if detail else ""))
        except Exception:  # noqa: BLE001 - logging must never raise
            pass


async def serve(
    proxy: LintingProxy, host: str, port: int, *, banner: Optional[IO[str]] = None, max_seconds: Optional[float] = None
) -> None:
    """Serve until SIGINT/SIGTERM (or `max_seconds`)."""
    from aiohttp import web

    server_log = logging.getLogger("aiohttp.server")
    server_log.addHandler(_ServerLog(proxy))
    server_log.propagate = False
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await proxy.start()
    site = web.TCPSite(runner, host, port, reuse_address=True)
    try:
        await site.start()
        bound = site._server.sockets[0].getsockname()  # the real port when asked for port 0
        if banner is not None:
            mode = (
                "blocking requests with findings at or above " + proxy.fail_on
                if proxy.block
                else "forwarding every request"
            )
            banner.write(f"vipps-lint proxy: listening on http://{bound[0]}:{bound[1]} → {proxy.upstream} ({mode})\n")
            banner.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, stop.set)
            except (NotImplementedError, RuntimeError, ValueError):  # not on Windows, not in a thread
                pass
        try:
            await asyncio.wait_for(stop.wait(), timeout=max_seconds)
        except asyncio.TimeoutError:
            pass
    finally:
        await proxy.close()
        await runner.cleanup()


def command(
    upstream: str,
    listen: str,
    block: bool,
    log_file: Optional[str],
    linter: Linter,
    fail_on: Optional[str],
    max_seconds: Optional[float] = None,
) -> int:
    """Run the proxy for the command line; the exit status."""
    from vipps_lint.status import EXIT_CLEAN, EXIT_INCOMPLETE

    try:
        import aiohttp  # noqa: F401 - only whether the proxy extra is installed
    except ImportError:
        sys.stderr.write("vipps-lint proxy needs aiohttp: pip install 'vipps-lint[proxy]'\n")
        return EXIT_INCOMPLETE
    try:
        host, port = parse_listen(listen)
        proxy = LintingProxy(upstream, linter, block=block, fail_on=fail_on)
    except UsageError as error:
        sys.stderr.write(f"vipps-lint proxy: {error}\n")
        return EXIT_INCOMPLETE
    log = None
    if log_file:
        try:
            log = open(log_file, "a", encoding="utf-8")  # noqa: SIM115 - open for the proxy's whole life
        except OSError as error:
            sys.stderr.write(f"{log_file}: cannot write the log: {error.strerror or error}\n")
            return EXIT_INCOMPLETE
    proxy.log = log
    try:
        asyncio.run(serve(proxy, host, port, banner=sys.stderr, max_seconds=max_seconds))
    except OSError as error:
        sys.stderr.write(f"vipps-lint proxy: cannot listen on {listen}: {error.strerror or error}\n")
        return EXIT_INCOMPLETE
    except KeyboardInterrupt:
        pass
    finally:
        if log is not None:
            log.close()
    return EXIT_CLEAN


def command_line(
    upstream: str,
    listen: str,
    block: bool,
    log_file: Optional[str],
    fail_on: Optional[str],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    rule_dirs: tuple[str, ...],
    config_file: Optional[str],
    isolated: bool,
    extend_select: tuple[str, ...],
    as_of: Optional[datetime],
    max_seconds: Optional[float],
) -> int:
    """`vipps-lint proxy` after its options are read: the linter, then the proxy; the exit status.
    A configuration that cannot be used stops it (`Incomplete`, a line a problem)."""
    from vipps_lint.api import ConfigError
    from vipps_lint.config import split_selectors
    from vipps_lint.status import Incomplete

    try:
        linter = Linter(
            config_file or (None if isolated else True),
            select=split_selectors(select) or None,
            ignore=split_selectors(ignore) or None,
            extend_select=split_selectors(extend_select) or None,
            rules=list(rule_dirs) or None,
            fail_on=fail_on,
            as_of=as_of.date() if as_of else None,
        )
    except ConfigError as error:
        raise Incomplete(*error.problems) from None
    return command(upstream, listen, block, log_file, linter, fail_on, max_seconds)
