"""requests: lint each outgoing request to Vipps MobilePay before it leaves.

    import requests
    from vipps_lint.preflight import preflight_session

    session = preflight_session(mode="raise")          # a requests.Session
    session.post("https://apitest.vipps.no/epayment/v1/payments", json=body, headers=headers)
    # → vipps_lint.PreflightError, and nothing was sent, when the request has errors

`PreflightAdapter` wraps a transport adapter (by default requests' own `HTTPAdapter`), so
it keeps the retries, pools and certificates you configured; `install(session)` wraps every
adapter a session already has. The request is linted as prepared: the final URL, headers
(auth included) and body bytes.
"""

from __future__ import annotations

from typing import Any, Optional

import requests
from requests.adapters import BaseAdapter, HTTPAdapter

from vipps_lint.preflight import Preflight, _policy

__all__ = ["PreflightAdapter", "install", "preflight_session"]


def request_body(prepared: requests.PreparedRequest) -> Any:
    """The body as bytes or str; None when there is none, or when it is a stream (a file,
    a generator) that reading would use up."""
    body = prepared.body
    return body if isinstance(body, (bytes, bytearray, str)) else None


def response_body(response: requests.Response) -> bytes:
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > 1024 * 1024:
        return b""
    try:
        return response.content or b""
    except Exception:  # noqa: BLE001 - a broken response body must not hide the response itself
        return b""


def check_request(preflight: Preflight, request: requests.PreparedRequest) -> None:
    """Lint a request requests is about to send (raises `PreflightError` in mode "raise")."""
    preflight.before_send(request.method or "GET", request.url, request.headers, request_body(request))


def explain_response(preflight: Preflight, request: requests.PreparedRequest, response: requests.Response) -> None:
    """Explain a failed response to a Vipps MobilePay request in the log (its body is read only then)."""
    if response.status_code >= 400 and preflight.applies_to(request.url):
        preflight.after_response(
            request.method or "GET",
            request.url,
            response.status_code,
            response.headers,
            response_body(response),
            request_headers=request.headers,
        )


class PreflightAdapter(BaseAdapter):
    """A transport adapter that lints each request before the adapter it wraps sends it.

    `mode`, `fail_on`, `hosts`, `config`, `logger`: see `vipps_lint.preflight.Preflight`.
    """

    def __init__(
        self,
        adapter: Optional[BaseAdapter] = None,
        mode: str = "raise",
        *,
        preflight: Optional[Preflight] = None,
        **options: Any,
    ):
        super().__init__()
        self.adapter = adapter if adapter is not None else HTTPAdapter()
        self.preflight = _policy(preflight, mode, options)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        check_request(self.preflight, request)
        response = self.adapter.send(request, *args, **kwargs)
        explain_response(self.preflight, request, response)
        return response

    def close(self) -> None:
        self.adapter.close()

    def __getattr__(self, name: str) -> Any:
        # max_retries, proxy_manager, init_poolmanager…: the wrapped adapter's.
        if name == "adapter":
            raise AttributeError(name)
        return getattr(self.adapter, name)


def install(
    session: requests.Session, mode: str = "raise", *, preflight: Optional[Preflight] = None, **options: Any
) -> requests.Session:
    """Wrap every transport adapter mounted on `session` (in place); returns the session."""
    policy = _policy(preflight, mode, options)
    for prefix, adapter in list(session.adapters.items()):
        if not isinstance(adapter, PreflightAdapter):
            session.mount(prefix, PreflightAdapter(adapter, preflight=policy))
    return session


def preflight_session(
    mode: str = "raise", *, session: Optional[requests.Session] = None, **options: Any
) -> requests.Session:
    """A `requests.Session` (a new one, or `session`) whose requests to Vipps MobilePay are linted."""
    return install(session if session is not None else requests.Session(), mode, **options)
