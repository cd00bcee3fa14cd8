"""A rule's examples as requests, so `explain` can show what vipps-lint says about them
and the test-suite can prove every bad example fires its rule and no good one does."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Optional

from vipps_lint.checks.rules import Rule
from vipps_lint.models import NO_BODY, Request, RequestMeta, Response, SourceFile
from vipps_lint.positions import JsonTextLocator
from vipps_lint.sources import reader_traits


def example_request(rule: Rule, example: dict[str, Any], kind: str, index: int) -> Request:
    """The request an example stands for: a body (for the examples' endpoint) or a whole
    request, `{request: {method, url, headers, body, response: {status, headers, body},
    format, ignore}}` (`format`: the dump format it is read from, for format-specific rules;
    `ignore`: the rule ids of an ignore comment on it), or `{requests: [...]}`: a log of
    several, for the rules across requests (the last one is the request judged)."""
    if set(example) == {"requests"}:
        # A sequence (rules across requests, vipps_lint/session.py): the last request, with the
        # ones before it as what the log held earlier.
        *earlier, last = [example_request(rule, {"request": spec}, kind, index) for spec in example["requests"]]
        last.meta.session_earlier = earlier
        return last
    if set(example) == {"request"}:
        spec = example["request"]
        body = spec.get("body", NO_BODY)
        headers = spec.get("headers") or {}
        header_list = list(headers.items()) if isinstance(headers, dict) else [tuple(pair) for pair in headers]
        method, url, endpoint = spec.get("method"), spec.get("url"), None
        response = _response(spec["response"]) if "response" in spec else None
        meta = RequestMeta(reader_traits(spec["format"])) if "format" in spec else RequestMeta()
        if "ignore" in spec:  # an ignore comment on the request (vipps_lint/suppressions.py)
            from vipps_lint.suppressions import marker_from_extension

            meta.inline_ignore = [marker_from_extension(spec["ignore"])]
    else:
        body, header_list, method, url, response, meta = example, [], None, None, None, RequestMeta()
        endpoint = rule.example_endpoint
    text = json.dumps(body, indent=2, ensure_ascii=False) if body is not NO_BODY else ""
    source = SourceFile(f"{rule.id} ({kind} example {index + 1})", None, text)
    return Request(
        source=source,
        index=0,
        method=method,
        url=url,
        headers=header_list,
        body=body,
        endpoint_hint=endpoint,
        response=response,
        locator=JsonTextLocator(text) if text else None,
        meta=meta,
    )


def _response(spec: dict[str, Any]) -> Response:
    headers = spec.get("headers") or {}
    return Response(
        status=spec.get("status"),
        headers=list(headers.items()) if isinstance(headers, dict) else [tuple(pair) for pair in headers],
        body=spec.get("body", NO_BODY),
    )


def example_as_of(rule: Rule) -> Optional[date]:
    """The date a rule's examples are checked as of (`examples.asOf`), for rules about dates."""
    text = rule.examples.get("asOf")
    return date.fromisoformat(text) if isinstance(text, str) else None


def example_requests(rule: Rule, kind: str) -> list[Request]:
    return [example_request(rule, example, kind, index) for index, example in enumerate(rule.examples.get(kind, []))]
