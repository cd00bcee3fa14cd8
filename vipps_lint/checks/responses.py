"""Response rules (`rules/responses.yaml`): what the API said when a logged call failed.

Where a dump holds the response (HAR, NDJSON logs), a status of 400 or more becomes a
finding that quotes the API's own explanation — what the retired API Dashboard showed:

- RFC 7807 problem bodies (ePayment, Recurring v3, Checkout, Webhooks…): `title`, `detail`,
  `extraDetails[{name, reason}]` and the `traceId` to give support;
- eCom's error list `[{errorGroup, errorCode, errorMessage, contextId}]`;
- the API gateway's own errors (`{"statusCode": 401, "message": …}` and eCom's
  `{"responseInfo": …, "result": {"message": …}}`), e.g. a missing subscription key.

`response-client-error` (4xx: the request was wrong) and `response-server-error` (5xx: a
problem on the API's side; retry with the same idempotency key). The hint says what to do:
from the ePayment error-code table (vipps_lint.checks.error_codes) when the body carries a code (where the API
puts it, `extraDetails: [{"name": "ErrorCode", "reason": "6080"}]`; also a top-level
`code`/`errorCode`, or a code at the end of the `type` URI), else by status. A code the
errors page does not list is reported as unknown, never guessed from its neighbours.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

from vipps_lint.checks.error_codes import HIGHEST, LOWEST
from vipps_lint.checks.error_codes import known as _known_code
from vipps_lint.checks.error_codes import unknown as _unknown_code
from vipps_lint.lazy_re import lazy_compile
from vipps_lint.models import Problem, Request

RULES = ("response-client-error", "response-server-error")

STATUS_HINTS: dict[int, str] = {
    400: "Correct the request as the API says; sending it again unchanged fails the same way",
    401: "Check `Authorization: Bearer <token>` (a fresh token from POST /accesstoken/get) and "
    "`Ocp-Apim-Subscription-Key` — test keys work only on apitest.vipps.no",
    403: "The keys are valid but not for this: check that the sales unit (Merchant-Serial-Number) has this "
    "API/product enabled",
    404: "Check the path and the id in it (orderId, reference, agreementId) against what the create call returned",
    409: "The Idempotency-Key was used before with a different body, or the payment is in a state that does not "
    "allow this; use a new key for a new operation",
    429: "Too many requests: slow down and retry after the time the Retry-After header gives",
}
SERVER_HINT = (
    "A problem on the API's side: retry later with the same Idempotency-Key; if it persists, give Vipps MobilePay "
    "support the traceId"
)

_TRAILING_CODE = lazy_compile(r"(\d{4,5})\D*$")


def _text(value: Any) -> Optional[str]:
    return value.strip() if isinstance(value, str) and value.strip() else None


def epayment_code(body: dict) -> Optional[int]:
    candidates = [body.get("code"), body.get("errorCode")]
    for extra in body.get("extraDetails") or []:
        if isinstance(extra, dict) and str(extra.get("name", "")).lower() in ("code", "errorcode"):
            candidates.append(extra.get("reason"))
    type_uri = _text(body.get("type"))
    if type_uri:
        match = _TRAILING_CODE.search(type_uri)
        candidates.append(match.group(1) if match else None)
    for candidate in candidates:
        if (
            isinstance(candidate, (int, str))
            and str(candidate).strip().isdigit()
            and LOWEST <= int(candidate) <= HIGHEST
        ):
            return int(candidate)
    return None


def code_explanation(code: int) -> Optional[tuple[str, str]]:
    """(what the code means, what to do) for a documented ePayment error code, else None."""
    return _known_code(code)


def explain(body: Any) -> tuple[Optional[str], Optional[str], Optional[str]]:
    """(the API's explanation, the JSON Pointer of its most telling field, a hint from a known code)."""
    if isinstance(body, list) and body and all(isinstance(item, dict) for item in body):
        parts = []
        for item in body:
            group, code, message = _text(item.get("errorGroup")), item.get("errorCode"), _text(item.get("errorMessage"))
            label = " ".join(str(part) for part in (group, code) if part not in (None, ""))
            text = f"[{label}] {message or ''}".strip() if label else message or ""
            if _text(item.get("contextId")):
                text += f" (contextId {item['contextId']})"
            parts.append(text)
        return (
            "; ".join(part for part in parts if part) or None,
            "/0/errorMessage" if "errorMessage" in body[0] else "/0",
            None,
        )
    if not isinstance(body, dict):
        return None, None, None
    if "title" in body or "detail" in body or "traceId" in body:
        detail = _text(body.get("detail"))
        if detail and detail.lower().startswith("see extradetails"):
            detail = None  # the extraDetails follow below
        pieces = [piece for piece in (_text(body.get("title")), detail) if piece]
        text = ": ".join(pieces) if len(pieces) < 2 or pieces[1] != pieces[0] else pieces[0]
        extras = [
            f"{extra.get('name')}: {extra.get('reason')}" if extra.get("name") else str(extra.get("reason"))
            for extra in body.get("extraDetails") or []
            if isinstance(extra, dict)
            and extra.get("reason")
            and str(extra.get("name", "")).lower() not in ("code", "errorcode")
        ]
        if extras:
            text += f" ({'; '.join(extras)})"
        code = epayment_code(body)
        hint = None
        if code is not None:
            meaning, hint = code_explanation(code) or _unknown_code(code)
            text += f" [error {code}: {meaning}]"
        if _text(body.get("traceId")):
            text += f" — traceId {body['traceId']}"
        pointer = "/detail" if detail else "/extraDetails/0/reason" if extras else "/title" if "title" in body else ""
        return text or None, pointer, hint
    result = body.get("result") if isinstance(body.get("result"), dict) else None
    if result is not None and _text(result.get("message")):
        return result["message"].strip(), "/result/message", None
    for key in ("message", "error_description", "error", "errorMessage"):
        if _text(body.get(key)):
            return body[key].strip(), f"/{key}", None
    return None, None, None


def error_code(body: Any) -> Optional[tuple[str, str]]:
    """(the Vipps error code a failed response's body gives, what it means) — for the
    per-endpoint breakdown of the HTML report. ePayment's codes (`6080`) are explained from
    the error-code table; others (eCom's `errorGroup`/`errorCode`) by the API's own message."""
    first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else None
    if first is not None and (first.get("errorCode") not in (None, "") or _text(first.get("errorGroup"))):
        label = " ".join(
            str(part) for part in (_text(first.get("errorGroup")), first.get("errorCode")) if part not in (None, "")
        )
        return label[:60], (_text(first.get("errorMessage")) or "")[:200]
    if not isinstance(body, dict):
        return None
    code = epayment_code(body)
    if code is None:
        return None
    known = code_explanation(code)
    meaning = known[0] if known is not None else (_text(body.get("title")) or _text(body.get("detail")) or "")
    return str(code), meaning[:200]


class ResponseCheck:
    def check(self, request: Request) -> Iterator[Problem]:
        response = request.response
        if response is None or response.status is None or response.status < 400:
            return
        what = (
            request.operation.endpoint
            if request.operation is not None
            else f"{request.method or ''} {request.url or ''}".strip()
        )
        explanation, pointer, hint = explain(response.body)
        said = f": {explanation}" if explanation else " (no explanation in the response body)"
        if response.status >= 500:
            yield Problem(
                "response-server-error",
                f"{what} failed with HTTP {response.status}{said}",
                part="response",
                pointer=pointer if explanation else None,
                hint=hint or SERVER_HINT,
            )
        else:
            yield Problem(
                "response-client-error",
                f"{what} was rejected with HTTP {response.status}{said}",
                part="response",
                pointer=pointer if explanation else None,
                hint=hint or STATUS_HINTS.get(response.status, STATUS_HINTS[400]),
            )


def create(linter) -> Optional[ResponseCheck]:
    return ResponseCheck() if set(RULES) & linter.rules.enabled else None
