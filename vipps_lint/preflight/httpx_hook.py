"""httpx: lint each outgoing request to Vipps MobilePay before it leaves, as a transport.

    import httpx
    from vipps_lint.preflight import PreflightTransport, AsyncPreflightTransport

    client = httpx.Client(transport=PreflightTransport(mode="raise"))
    async_client = httpx.AsyncClient(transport=AsyncPreflightTransport(mode="warn"))

The transport wraps another (by default httpx's own `HTTPTransport`/`AsyncHTTPTransport`;
pass yours to keep its retries, certificates or HTTP/2), and sees each request as it is
sent: after auth and redirects, with the final headers and body.
"""

from __future__ import annotations

from typing import Any, Optional

import httpx

from vipps_lint.preflight import MAX_RESPONSE_BYTES, Preflight, _policy

__all__ = ["AsyncPreflightTransport", "PreflightTransport"]


def worth_explaining(preflight: Preflight, request: httpx.Request, response: httpx.Response) -> bool:
    """A failed response to a Vipps MobilePay request, small enough to read (the caller reads
    the body, with `read` or `aread`, and passes it to `explain_response`)."""
    if response.status_code < 400 or not preflight.applies_to(request.url):
        return False
    length = response.headers.get("Content-Length")
    return not (length and length.isdigit() and int(length) > MAX_RESPONSE_BYTES)


def explain_response(preflight: Preflight, request: httpx.Request, response: httpx.Response, body: bytes) -> None:
    preflight.after_response(
        request.method, request.url, response.status_code, response.headers, body, request_headers=request.headers
    )


class PreflightTransport(httpx.BaseTransport):
    """A transport for `httpx.Client` that lints each request before the transport it wraps
    sends it (`mode`, `fail_on`, `hosts`, `config`, `logger`: see `Preflight`)."""

    def __init__(
        self,
        transport: Optional[httpx.BaseTransport] = None,
        mode: str = "raise",
        *,
        preflight: Optional[Preflight] = None,
        **options: Any,
    ):
        self.transport = transport if transport is not None else httpx.HTTPTransport()
        self.preflight = _policy(preflight, mode, options)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        preflight = self.preflight
        if preflight.applies_to(request.url):
            preflight.before_send(request.method, request.url, request.headers, request.read())
        response = self.transport.handle_request(request)
        if worth_explaining(preflight, request, response):
            explain_response(preflight, request, response, response.read())
        return response

    def close(self) -> None:
        self.transport.close()


class AsyncPreflightTransport(httpx.AsyncBaseTransport):
    """The same for `httpx.AsyncClient` (linting takes microseconds: it runs in the event loop)."""

    def __init__(
        self,
        transport: Optional[httpx.AsyncBaseTransport] = None,
        mode: str = "raise",
        *,
        preflight: Optional[Preflight] = None,
        **options: Any,
    ):
        self.transport = transport if transport is not None else httpx.AsyncHTTPTransport()
        self.preflight = _policy(preflight, mode, options)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        preflight = self.preflight
        if preflight.applies_to(request.url):
            preflight.before_send(request.method, request.url, request.headers, await request.aread())
        response = await self.transport.handle_async_request(request)
        if worth_explaining(preflight, request, response):
            explain_response(preflight, request, response, await response.aread())
        return response

    async def aclose(self) -> None:
        await self.transport.aclose()
