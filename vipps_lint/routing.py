"""Stage 2: which API operation is a request for?

Method + URL path → operation, using the path templates of the official specs (with their
server prefix joined in, see `openapi.index`). The host is a hint, not a requirement:
captured requests often go to a mock or a proxy on 127.0.0.1. Operations of other
companies' APIs (Klarna Checkout) are matched only on their own hosts, or on a bare path.

Bare bodies have no URL: `--endpoint` says which call they are for, or the body's shape
does when exactly one operation fits.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Optional

from vipps_lint.data import schemas_dir
from vipps_lint.models import NO_BODY, Problem, Request
from vipps_lint.urls import split_url

VIPPS_HOSTS = ("api.vipps.no", "apitest.vipps.no")
KLARNA_HOSTS = (
    "api.klarna.com",
    "api.playground.klarna.com",
    "api-na.klarna.com",
    "api-na.playground.klarna.com",
    "api-oc.klarna.com",
    "api-oc.playground.klarna.com",
    # Klarna Checkout is run by Kustom now: the same API on Kustom's hosts (docs.kustom.co).
    "api.kustom.co",
    "api.playground.kustom.co",
)

# Operations of other companies' APIs that rules scope to (every Vipps MobilePay API with a
# spec is in the index, see specs/sources.yaml).
EXTERNAL_OPERATIONS: tuple[dict[str, Any], ...] = (
    {
        "id": "klarna-checkout-v3:createOrder",
        "api": "klarna-checkout-v3",
        "method": "POST",
        "path": "/checkout/v3/orders",
        "hosts": KLARNA_HOSTS,
    },
    {
        "id": "klarna-checkout-v3:updateOrder",
        "api": "klarna-checkout-v3",
        "method": "POST",
        "path": "/checkout/v3/orders/{order_id}",
        "hosts": KLARNA_HOSTS,
    },
)

# Paths the API gateway matches in any letter case: the docs write /accesstoken/get, the
# official Postman collections /accessToken/get; the PSP v3 spec has .../updatestatus, its
# official Postman collection .../updateStatus.
CASE_INSENSITIVE_PATHS = frozenset({"/accesstoken/get", "/psp/v3/psppayments/updatestatus"})

# Bodies without an endpoint: the fields that identify each request type, as JSON Pointers
# that must all be present. Only a single match routes; two or more is "ambiguous".
BODY_SHAPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("POST /ecomm/v2/payments", ("/merchantInfo/merchantSerialNumber", "/transaction/orderId")),
    ("POST /ecomm/v2/payments", ("/merchantInfo/callbackPrefix", "/transaction")),
    ("POST /epayment/v1/payments", ("/amount", "/paymentMethod", "/reference")),
    ("POST /recurring/v3/agreements", ("/pricing", "/productName", "/merchantRedirectUrl")),
    ("POST /recurring/v2/agreements", ("/price", "/productName", "/merchantRedirectUrl")),
    ("POST /checkout/v3/session", ("/merchantInfo/callbackUrl", "/transaction/reference")),
    ("POST /checkout/v3/orders", ("/purchase_country", "/order_lines")),
    ("POST /checkout/v3/orders", ("/external_payment_methods",)),
    ("POST /webhooks/v1/webhooks", ("/url", "/events")),
    ("POST /partner-api/v1/products/orders", ("/orgno", "/productType")),
    ("POST /order-management/v2/{paymentType}/receipts/{orderId}", ("/orderLines", "/bottomLine")),
)

# Fields only the API's responses have: a body with one of them is a response someone saved
# (GET /epayment/v1/payments/{reference} has amount, paymentMethod and reference too), not a
# request, so its shape must not route it.
RESPONSE_ONLY_FIELDS: dict[str, tuple[str, ...]] = {
    "POST /epayment/v1/payments": ("state", "aggregate", "pspReference"),
    "POST /ecomm/v2/payments": ("transactionLogHistory", "transactionSummary", "transactionInfo"),
    "POST /recurring/v3/agreements": ("id", "status", "start", "uuid"),
    "POST /recurring/v2/agreements": ("id", "status", "start"),
    "POST /checkout/v3/session": ("sessionState", "paymentDetails", "sessionId"),
}

_TEMPLATE_PARAMETER = re.compile(r"\\\{[^}]*\\\}")


@dataclass(frozen=True)
class Operation:
    id: str  # 'ecom-v2:initiatePaymentV3UsingPOST'
    api: str  # 'ecom-v2'
    method: str
    path: str  # template with server prefix: '/ecomm/v2/payments/{orderId}/capture'
    hosts: tuple[str, ...] = ()  # non-empty: only these hosts (or no host at all)
    schema: Optional[str] = None  # request body schema file, relative to schemas/
    # The header parameters its spec declares, (name, required) pairs (see openapi.index).
    headers: tuple[tuple[str, bool], ...] = ()

    def requires_header(self, name: str) -> bool:
        return name.lower() in self._required_headers

    @cached_property
    def _required_headers(self) -> frozenset:
        """The required header names, lowercased: the header checks ask for every request."""
        return frozenset(header.lower() for header, required in self.headers if required)

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"


def _path_pattern(operation: Operation) -> re.Pattern:
    # A trailing slash is optional both ways (Userinfo's spec has /userinfo/, callers send /userinfo).
    return re.compile(
        "^" + _TEMPLATE_PARAMETER.sub("[^/]+", re.escape(operation.path.rstrip("/") or "/")) + "/?$",
        re.IGNORECASE if operation.path in CASE_INSENSITIVE_PATHS else 0,
    )


def _literal_start(operation: Operation) -> str:
    """The text every path `_path_pattern` matches begins with: a cheap test before the regex
    ('' for a pattern that ignores case, whose Unicode case folding str.lower does not copy)."""
    if operation.path in CASE_INSENSITIVE_PATHS:
        return ""
    return (operation.path.rstrip("/") or "/").split("{", 1)[0]


@dataclass(frozen=True)
class Endpoint:
    method: Optional[str]
    host: Optional[str]
    path: str


def parse_endpoint(text: str) -> Optional[Endpoint]:
    """'POST /ecomm/v2/payments' or 'POST https://api.klarna.com/checkout/v3/orders'."""
    parts = text.strip().split(None, 1)
    if len(parts) == 2 and parts[0].isalpha():
        method, target = parts[0].upper(), parts[1].strip()
    elif len(parts) == 1:
        method, target = None, parts[0]
    else:
        return None
    host = None
    if "://" in target:
        split = split_url(target)
        host, target = (split.hostname or "").lower() or None, split.path or "/"
    elif not target.startswith("/"):
        return None
    return Endpoint(method, host, target.split("?", 1)[0])


# The same shapes with their pointers split once: inference runs on every bare body.
_SHAPE_TOKENS = tuple(
    (endpoint, tuple(tuple(pointer.split("/")[1:]) for pointer in pointers)) for endpoint, pointers in BODY_SHAPES
)

# Memoised lookups (method/host/path → operation, URL → host and path) are dropped when
# they reach this size, so a log of many distinct URLs cannot make them grow without bound.
_CACHE_LIMIT = 8192


def _has_path(body: Any, tokens: tuple[str, ...]) -> bool:
    value = body
    for token in tokens:
        if not isinstance(value, dict) or token not in value:
            return False
        value = value[token]
    return True


def _remember(cache: dict, key, value):
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


class Router:
    def __init__(self, operations: list[Operation], api_prefixes: Optional[list[str]] = None):
        self.operations = operations
        # Each operation's path regex is compiled the first time a path could match it: a
        # pre-commit run routes one request, and compiling all of them costs more than the lint.
        self._candidates = [(operation, _literal_start(operation)) for operation in operations]
        self._patterns: dict[int, re.Pattern] = {}
        # Path prefixes of the APIs we know: a path under one that matches no operation
        # is a mistake worth reporting; a path under none is some other API.
        self.api_prefixes = sorted(
            set(api_prefixes or ()) or {self._prefix(op.path) for op in operations if not op.hosts},
            key=len,
            reverse=True,
        )
        self._prefix_api = {self._prefix(op.path): op.api for op in operations if not op.hosts}
        self._found: dict[tuple, Optional[Operation]] = {}
        self._split_urls: dict[str, tuple[Optional[str], str]] = {}
        self._inferred: dict[str, Optional[Operation]] = {}  # BODY_SHAPES endpoint → operation
        self._last_inferred: Optional[tuple] = None  # (body, operation, fitting) of the last body asked

    @staticmethod
    def _prefix(path: str) -> str:
        from vipps_lint.openapi.index import api_prefix

        known = api_prefix(path)
        return known[0] if known is not None else "/" + "/".join(path.strip("/").split("/")[:2]) + "/"

    @classmethod
    def load(cls, index_path: Optional[str] = None, first: Optional[list[dict[str, Any]]] = None) -> Router:
        """The operations of the index, after `first` (index entries from `check --spec`),
        which take precedence: a shipped operation with the same endpoint is left out."""
        path = index_path or str(schemas_dir() / "index.json")
        with open(path, encoding="utf-8") as handle:
            index = json.load(handle)
        first = first or []
        overridden = {(entry["method"], entry["path"]) for entry in first}
        operations = [
            Operation(
                entry["id"],
                entry["api"],
                entry["method"],
                entry["path"],
                schema=entry.get("schema"),
                headers=tuple((entry.get("headers") or {}).items()),
            )
            for entry in [
                *first,
                *(entry for entry in index["operations"] if (entry["method"], entry["path"]) not in overridden),
            ]
        ]
        operations += [
            Operation(entry["id"], entry["api"], entry["method"], entry["path"], tuple(entry["hosts"]))
            for entry in EXTERNAL_OPERATIONS
        ]
        prefixes = [prefix for api in (index.get("apis") or {}).values() for prefix in api.get("prefixes") or ()]
        prefixes += [cls._prefix(entry["path"]) for entry in first]
        return cls(operations, prefixes or None)

    def find(self, method: Optional[str], host: Optional[str], path: str) -> Optional[Operation]:
        key = (method, host, path)
        try:
            return self._found[key]
        except KeyError:
            return _remember(self._found, key, self._find(method, host, path))

    def _find(self, method: Optional[str], host: Optional[str], path: str) -> Optional[Operation]:
        host = host.lower() if host else None
        on_external_host = host is not None and host in KLARNA_HOSTS
        for index, (operation, start) in enumerate(self._candidates):
            if method is not None and operation.method != method:
                continue
            if operation.hosts:
                if host is not None and host not in operation.hosts:
                    continue
            elif on_external_host:
                continue
            if start and not path.startswith(start):
                continue  # the path regex could not match: it begins with this text
            pattern = self._patterns.get(index)
            if pattern is None:
                pattern = self._patterns[index] = _path_pattern(operation)
            if pattern.match(path):
                return operation
        return None

    def closest_path(self, method: Optional[str], path: str) -> Optional[str]:
        """The known endpoint most like an unknown one, for a 'did you mean' hint."""
        import difflib  # only for a path no operation has

        candidates = [op.endpoint for op in self.operations if method is None or op.method == method]
        wanted = f"{method} {path}" if method else path
        matches = difflib.get_close_matches(wanted, candidates, n=1, cutoff=0.6)
        return matches[0] if matches else None

    def host_and_path(self, url: str) -> tuple[Optional[str], str]:
        """A request URL's host (None for a bare path) and path."""
        try:
            return self._split_urls[url]
        except KeyError:
            pass
        split = split_url(url if "://" in url else "http://placeholder" + url)
        return _remember(self._split_urls, url, (split.hostname if "://" in url else None, split.path or "/"))

    def api_name(self, path: str) -> Optional[str]:
        """The id of the API whose prefix a path is under ('epayment-v1'), or None."""
        lowered = path.lower()
        return next((self._prefix_api.get(prefix) for prefix in self.api_prefixes if lowered.startswith(prefix)), None)

    def under_known_api(self, host: Optional[str], path: str) -> bool:
        if host is not None:
            if host.lower() in VIPPS_HOSTS:
                return True
            if host.lower() in KLARNA_HOSTS:  # Klarna's /checkout/v3/ is not Vipps Checkout's
                return False
        lowered = path.lower()
        return any(lowered.startswith(prefix) for prefix in self.api_prefixes)

    def infer_from_body(self, body: Any) -> tuple[Optional[Operation], list[str]]:
        """The operation a bare body's shape identifies, and the endpoints that fit."""
        if not isinstance(body, dict):
            return None, []
        last = self._last_inferred
        if last is not None and last[0] is body:
            # A walked body file is asked twice (is it a request at all? then routing): the
            # same object, held here, so its answer cannot belong to another body.
            return last[1], list(last[2])
        operation, fitting = self._infer_from_body(body)
        self._last_inferred = (body, operation, tuple(fitting))
        return operation, fitting

    def _infer_from_body(self, body: dict) -> tuple[Optional[Operation], list[str]]:
        fitting = []
        for endpoint, paths in _SHAPE_TOKENS:
            if paths[0][0] not in body or endpoint in fitting:  # most shapes fail on their first key
                continue
            for tokens in paths:
                if not _has_path(body, tokens):
                    break
            else:
                fitting.append(endpoint)
        if len(fitting) != 1:
            return None, fitting
        operation = self._inferred.get(fitting[0])
        if operation is None:
            parsed = parse_endpoint(fitting[0])
            operation = self._inferred[fitting[0]] = self.find(parsed.method, None, parsed.path)
        return operation, fitting


@dataclass
class RouteOutcome:
    """What routing made of one request; the pipeline turns problems into info findings."""

    kind: str  # 'routed', 'inferred', 'unknown-path', 'ambiguous-body', 'unrouted-body', 'response-body', 'unrelated'
    detail: Optional[str] = None


def route(request: Request, router: Router, default_endpoint: Optional[str] = None) -> RouteOutcome:
    """Set `request.operation` and say how it was decided."""
    if request.url:
        host, path = router.host_and_path(request.url)
        endpoint = Endpoint(request.method.upper() if request.method else None, host, path)
    else:
        hint = request.endpoint_hint or default_endpoint
        endpoint = parse_endpoint(hint) if hint else None
    if endpoint is not None:
        operation = router.find(endpoint.method, endpoint.host, endpoint.path)
        if operation is not None:
            request.operation = operation
            return RouteOutcome("routed")
        if router.under_known_api(endpoint.host, endpoint.path) or not request.url:
            described = f"{endpoint.method or ''} {endpoint.path}".strip()
            return RouteOutcome(
                "unknown-path", f"{described}|{router.closest_path(endpoint.method, endpoint.path) or ''}"
            )
        return RouteOutcome("unrelated")
    if request.body is NO_BODY:
        return RouteOutcome("unrouted-body")
    operation, fitting = router.infer_from_body(request.body)
    response_fields = [
        name for endpoint in fitting for name in RESPONSE_ONLY_FIELDS.get(endpoint, ()) if name in request.body
    ]
    if response_fields:
        return RouteOutcome("response-body", ", ".join(response_fields))
    if operation is not None:
        request.operation = operation
        request.routing_note = "inferred from the body's shape; --endpoint makes it explicit"
        return RouteOutcome("inferred", operation.endpoint)
    if fitting:
        return RouteOutcome("ambiguous-body", " or ".join(fitting))
    return RouteOutcome("unrouted-body")


# The rules routing reports (documented in rules/ as `builtin: routing`).
RULES = ("route-unknown-path", "route-unknown-body")


def routing_problems(request: Request, router: Router, endpoint: Optional[str] = None) -> tuple[bool, list[Problem]]:
    """Route the request; (whether to lint it at all, the problems routing found).

    `endpoint`: the call bare bodies are for (`--endpoint`, or the configuration's)."""
    outcome = route(request, router, endpoint)
    if outcome.kind == "unrelated":
        return False, []
    if outcome.kind == "unknown-path":
        # An example in an OpenAPI document of another API is checked against that
        # document's own operation; "did you mean" a Vipps path would be noise there.
        own = request.meta.document_operation
        if own is not None and not router.under_known_api(None, own.path):
            request.operation = own
            return True, []
        wanted, closest = outcome.detail.split("|", 1)
        hint = f"Did you mean {closest}?" if closest else "See the API reference for the right path"
        api = router.api_name(wanted.split()[-1])
        where = f"of the {api} API (it answers 404)" if api else "of any Vipps MobilePay API vipps-lint knows"
        return True, [Problem("route-unknown-path", f"{wanted} is not an operation {where}", part="url", hint=hint)]
    if outcome.kind == "ambiguous-body":
        message = f"this body could be for {outcome.detail}; only checks that need no endpoint ran"
        return True, [
            Problem(
                "route-unknown-body",
                message,
                pointer="",
                hint='Pass --endpoint "METHOD /path" to say which call it is for',
            )
        ]
    if outcome.kind == "response-body":
        message = (
            f"this body has fields only the API's responses have ({outcome.detail}): it looks like a saved "
            "response, not a request, so which call it is for cannot be told"
        )
        return True, [
            Problem(
                "route-unknown-body",
                message,
                pointer="",
                hint='Lint the request that was sent, or pass --endpoint "METHOD /path" if this is one',
            )
        ]
    if outcome.kind == "unrouted-body":
        message = "could not tell which API call this body is for, so no API rules ran"
        return True, [
            Problem(
                "route-unknown-body",
                message,
                pointer="",
                hint='Pass --endpoint "POST /ecomm/v2/payments" (or the call it is for)',
            )
        ]
    return True, []
