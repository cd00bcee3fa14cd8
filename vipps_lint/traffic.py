"""What a run saw of the traffic in logged requests (the retired API Dashboard's view):
calls and failures per endpoint with the Vipps error codes, and requests per minute.
The counts live in `Report.endpoints` and `Report.timeline`; the text and HTML reports show them.
"""

from __future__ import annotations

from vipps_lint.checks.responses import error_code
from vipps_lint.models import NO_BODY, EndpointStats, Request
from vipps_lint.urls import split_url


def count_response(endpoints: dict[str, EndpointStats], request: Request) -> None:
    """Count a request that came with a response under its endpoint."""
    if request.response is None or request.response.status is None:
        return
    if request.operation is not None:
        endpoint = request.operation.endpoint
    else:
        endpoint = f"{request.method or '?'} {split_url(request.url or '').path or request.url or '?'}"
    stats = endpoints.get(endpoint)
    if stats is None:
        stats = endpoints[endpoint] = EndpointStats(endpoint)
    code = None
    if request.response.status >= 400 and request.response.body is not NO_BODY:
        code = error_code(request.response.body)
    stats.add(request.response.status, code, request.meta.time)


def count_time(timeline: dict[int, list[int]], request: Request, findings: list) -> None:
    """Count a request that carries the time it was sent (`meta.time`) in its minute."""
    sent = request.meta.time
    if sent is None:
        return
    bucket = timeline.get(int(sent // 60))
    if bucket is None:
        bucket = timeline[int(sent // 60)] = [0, 0, 0]
    bucket[0] += 1
    status = request.response.status if request.response is not None else None
    if status is not None and status >= 400:
        bucket[1] += 1
    bucket[2] += len(findings)
