"""Header rules (`rules/headers.yaml`): what every Vipps MobilePay call must or should send.

Runs only on requests whose input records their headers and that were routed to an
operation: curl and `.http` requests always (the file is the whole request, so a header
that is not there is not sent), NDJSON lines only when they have a `headers` field, other
dumps when they have headers, bare bodies never (see `headers_recorded`). Vipps MobilePay
operations get all rules; other companies' APIs (Klarna Checkout) only
`header-content-type-json`.

- `header-authorization-bearer`: `Authorization` missing, or not `Bearer <token>` (every API but
  the calls below and Login's OAuth endpoints)
- `header-client-credentials`: `client_id`/`client_secret` missing where the spec requires them
  (`POST /accesstoken/get`, Checkout v3), which take them instead of a token
- `header-subscription-key`: `Ocp-Apim-Subscription-Key` missing or empty where the operation's
  spec requires it
- `header-merchant-serial-number`: `Merchant-Serial-Number` missing where the spec requires it
  (ePayment, Order Management, Checkout, PSP v3, …)
- `header-merchant-serial-number-recommended`: missing elsewhere (required with partner keys);
  not for the Partner API, whose calls name the merchant in the path
- `header-vipps-system`: some of the four `Vipps-System-*` headers missing (one finding listing them)
- `header-vipps-system-length`: a `Vipps-System-*` value longer than 30 characters
- `header-idempotency-key`: `Idempotency-Key` (eCom: `X-Request-Id`) missing or malformed on the
  calls whose spec requires it
- `header-content-type-json`: a JSON body without `Content-Type: application/json`
- `header-name-typo`: a header name that is almost a known one (`Idempotency_Key`,
  `MerchantSerialNumber`): did you mean
- `header-userinfo-subscription-key`: `Ocp-Apim-Subscription-Key` sent to the Userinfo API, which
  answers 401 to it

A value that is a whole placeholder (`{{auth}}`, `<token>`) is not judged: it says nothing
about what will be sent. Which headers an operation requires comes from the header
parameters of its newest spec, recorded per operation by `vipps-lint schemas build` in
schemas/index.json (`Operation.headers`); the tables below hold only what no spec says.
"""

from __future__ import annotations

import re
from typing import Iterator, Optional

from vipps_lint.lazy_re import lazy_compile
from vipps_lint.models import Problem, Request
from vipps_lint.secrets import is_placeholder, mask

RULES = (
    "header-authorization-bearer",
    "header-client-credentials",
    "header-subscription-key",
    "header-merchant-serial-number",
    "header-merchant-serial-number-recommended",
    "header-vipps-system",
    "header-vipps-system-length",
    "header-idempotency-key",
    "header-content-type-json",
    "header-name-typo",
    "header-userinfo-subscription-key",
)

# The Userinfo API belongs to Login, outside the merchant's API subscription: it must not get
# Ocp-Apim-Subscription-Key (the call answers 401 with it), whatever its 2023 spec declares.
NO_SUBSCRIPTION_KEY_PATHS = ("/vipps-userinfo-api/",)

# APIs that take no Merchant-Serial-Number at all (the Partner API names the merchant in the
# path; the Login API's OAuth endpoints are the user's, not a sales unit's).
NO_MSN_APIS = frozenset({"partner-v2", "login-v1"})
# Operations that authenticate otherwise than with a bearer token and no client_id header:
# /miami/v1/token takes `Authorization: Basic` (Access token API 2.0.0); the Login API's
# OAuth/OIDC endpoints take the client's credentials as OAuth says, or none (discovery).
NON_BEARER_APIS = frozenset({"login-v1"})
NON_BEARER_OPERATIONS = frozenset({"access-token:fetchToken"})
IDEMPOTENCY_HEADER_NAMES = ("Idempotency-Key", "X-Request-Id")
# The Partner API's orderProduct declares Idempotency-Key "required" but describes it as
# "Not required, but recommended".
IDEMPOTENCY_NOT_REQUIRED = frozenset({"partner-v2:orderProduct"})


def idempotency_header(operation) -> Optional[str]:
    """The idempotency header the operation's spec requires, if any."""
    if operation.id in IDEMPOTENCY_NOT_REQUIRED:
        return None
    return next((name for name in IDEMPOTENCY_HEADER_NAMES if operation.requires_header(name)), None)


def uses_client_credentials(operation) -> bool:
    return operation.requires_header("client_id") and operation.requires_header("client_secret")


# What each API accepts as an idempotency key (from the specs' parameter descriptions).
_IDEMPOTENCY_LIMITS = {
    "epayment-v1": (50, None),
    "recurring-v2": (40, re.compile(r"[#?/\\]")),
    "recurring-v3": (40, re.compile(r"[#?/\\]")),
}

SYSTEM_HEADERS = (
    "Vipps-System-Name",
    "Vipps-System-Version",
    "Vipps-System-Plugin-Name",
    "Vipps-System-Plugin-Version",
)
SYSTEM_HEADER_MAX = 30
_SYSTEM_HEADERS_LOWERED = tuple((name, name.lower()) for name in SYSTEM_HEADERS)

_BEARER = lazy_compile(r"^bearer\s+\S+$", re.IGNORECASE)
_JSON_MEDIA_TYPE = lazy_compile(r"^application/(?:[\w.+-]+\+)?json\s*(?:;|$)", re.IGNORECASE)
# ePayment 1.8.1 `MSN`: ^[0-9]{4,10}$ (Checkout 2025-10: 5–7 characters); older specs said 5–6.
_MSN = lazy_compile(r"^\d{4,10}$")


def is_vipps_api(api: str) -> bool:
    return not api.startswith("klarna-")


_BEARER_HINT = (
    "Write `Authorization: Bearer <access_token>` — the word Bearer, one space, then the access_token value from "
    "POST /accesstoken/get"
)


def _authorization_problem(value: str) -> tuple[str, str]:
    """What is wrong with an Authorization value that is not `Bearer <one token>`, and the hint."""
    scheme, rest = (value.split(None, 1) + [""])[:2]
    if scheme.lower() != "bearer":
        got = f"the {scheme} scheme" if rest else f"{mask(value)} without the word Bearer"
        return f"Authorization must be `Bearer <access token>`, got {got} (the API answers 401)", _BEARER_HINT
    if not rest:
        return "Authorization is the word Bearer with no access token after it (the API answers 401)", _BEARER_HINT
    if rest.split()[0].lower() == "bearer":
        return (
            "Authorization says Bearer twice (`Bearer Bearer …`): the token already had the word in front of "
            "it (the API answers 401)",
            "Send the word Bearer once: `Authorization: Bearer <access_token>`",
        )
    if is_placeholder(rest):
        shown = rest if len(rest) <= 40 else rest[:40].rsplit(" ", 1)[0] + "…"
        return (
            f"Authorization holds placeholder text after Bearer ({shown!r}), not an access token (the API answers 401)",
            "Call POST /accesstoken/get first and send its access_token: `Authorization: Bearer <access_token>`"
            " (in Postman: run the access-token request, which sets {{access_token}})",
        )
    words = len(rest.split())
    return (
        f"Authorization: the access token after Bearer contains {'a space' if words == 2 else 'spaces'} "
        f"({words} parts), "
        "but a token is one unbroken string (the API answers 401)",
        "Send the token as one word, with no spaces, quotes or line breaks in it: `Authorization: Bearer "
        "<access_token>`",
    )


def headers_recorded(request: Request) -> bool:
    """Does the input say which headers this request had (an empty list: none were sent)?

    A reader that knows sets `meta.headers_recorded`: True for curl and .http (the file
    is the whole request), False for an NDJSON line without a `headers` field. Other
    readers do not say, and headers are judged only when some were read (a bare body has
    none to judge).
    """
    recorded = request.meta.headers_recorded
    return bool(request.headers) if recorded is None else bool(recorded)


class _OperationFacts:
    """What the header rules ask of an operation, worked out once per operation: every request
    to it asks the same."""

    __slots__ = ("operation", "vipps", "authentication", "userinfo", "subscription_key", "msn", "idempotency")

    def __init__(self, operation) -> None:
        self.operation = operation
        api = operation.api
        self.vipps = is_vipps_api(api)
        if uses_client_credentials(operation):
            self.authentication = "client-credentials"
        elif operation.id == "access-token:fetchToken":
            self.authentication = "basic"
        elif api not in NON_BEARER_APIS and operation.id not in NON_BEARER_OPERATIONS:
            self.authentication = "bearer"
        else:
            self.authentication = None
        self.userinfo = operation.path.startswith(NO_SUBSCRIPTION_KEY_PATHS)
        self.subscription_key = operation.requires_header("Ocp-Apim-Subscription-Key")
        # None: the API takes no Merchant-Serial-Number; else whether its spec requires it.
        self.msn = None if api in NO_MSN_APIS else operation.requires_header("Merchant-Serial-Number")
        self.idempotency = idempotency_header(operation)


# Lowercased header names that are no misspelling of a known one (`header_names.meant` is None
# for them; it depends on the lowercased name alone): a log sends the same few names in every
# request, so most requests need no look for typos. ASCII names only (their lowercase is as
# long as they are: `meant` judges a name's length); emptied when full.
_NOT_MISSPELT: set[str] = set()
_NOT_MISSPELT_LIMIT = 4096


def _no_typos(first: dict) -> bool:
    return first.keys() <= _NOT_MISSPELT


def _remember_not_misspelt(headers) -> None:
    from vipps_lint.checks.header_names import _MAX_HEADERS, _MAX_NAME, meant

    if len(headers) > _MAX_HEADERS:  # more than the look for typos reads: nothing to remember by
        return
    for name, _value in headers:
        # (A name over _MAX_NAME is never judged, so never remembered: the memory stays small.)
        if isinstance(name, str) and name.isascii() and len(name) <= _MAX_NAME and meant(name) is None:
            if len(_NOT_MISSPELT) >= _NOT_MISSPELT_LIMIT:
                _NOT_MISSPELT.clear()
            _NOT_MISSPELT.add(name.lower())


class HeaderCheck:
    def __init__(self) -> None:
        self._facts: dict[int, _OperationFacts] = {}

    def _facts_for(self, operation) -> _OperationFacts:
        facts = self._facts.get(id(operation))
        if facts is None or facts.operation is not operation:  # (it holds the operation: no id is reused)
            if len(self._facts) >= 4096:
                self._facts.clear()
            facts = self._facts[id(operation)] = _OperationFacts(operation)
        return facts

    def check(self, request: Request) -> Iterator[Problem]:
        operation = request.operation
        if operation is None or not headers_recorded(request):
            return
        facts = self._facts_for(operation)
        first = request.first_headers()
        if facts.vipps:
            if not _no_typos(first):
                yield from self._header_names(request)
            yield from self._authentication(request, first, facts)
            if facts.msn is not None:
                yield from self._merchant_serial_number(request, first, facts.msn)
            yield from self._system_headers(first)
            if facts.idempotency is not None:
                yield from self._idempotency(request, first, facts.idempotency)
        if request.has_body and not request.meta.form_body:  # form fields are sent as a form
            yield from self._content_type(first)

    def _authentication(self, request: Request, first: dict, facts: _OperationFacts) -> Iterator[Problem]:
        operation = facts.operation
        if facts.authentication == "client-credentials":
            missing = [name for name in ("client_id", "client_secret") if not (first.get(name) or "").strip()]
            if missing:
                what = "POST /accesstoken/get" if operation.api == "access-token" else "Checkout v3"
                yield Problem(
                    "header-client-credentials",
                    f"{' and '.join(missing)} header{'s' if len(missing) > 1 else ''} missing: {what} "
                    "authenticates with the client_id and client_secret headers (the API answers 401)",
                    part="header",
                    header=missing[0],
                    hint=f"Add `{missing[0]}: <your {missing[0]} from portal.vippsmobilepay.com>`",
                )
        elif facts.authentication == "basic":
            yield from self._basic_credentials(first)
        elif facts.authentication == "bearer":
            authorization = first.get("authorization")
            if authorization is None or not authorization.strip():
                yield Problem(
                    "header-authorization-bearer",
                    "Authorization header missing: every call needs `Authorization: Bearer <access token>` "
                    "(the API answers 401)",
                    part="header",
                    header="Authorization",
                    hint="Add `Authorization: Bearer <access_token from POST /accesstoken/get>`",
                )
            elif not _BEARER.match(authorization.strip()) and not is_placeholder(authorization):
                message, hint = _authorization_problem(authorization.strip())
                yield Problem("header-authorization-bearer", message, part="header", header="Authorization", hint=hint)
        if facts.userinfo:
            if first.get("ocp-apim-subscription-key") is not None:
                yield Problem(
                    "header-userinfo-subscription-key",
                    "Ocp-Apim-Subscription-Key is sent to the Userinfo API, which does not take it: the call "
                    "is answered with 401",
                    part="header",
                    header="Ocp-Apim-Subscription-Key",
                    hint="Remove the Ocp-Apim-Subscription-Key header from the Userinfo call; keep `Authorization: "
                    "Bearer <the user's access token>`",
                )
        elif facts.subscription_key and not (first.get("ocp-apim-subscription-key") or "").strip():
            yield Problem(
                "header-subscription-key",
                "Ocp-Apim-Subscription-Key header missing: every call needs the subscription key (the API answers 401)"
                + _sent_instead(request, "Ocp-Apim-Subscription-Key"),
                part="header",
                header="Ocp-Apim-Subscription-Key",
                hint="Add `Ocp-Apim-Subscription-Key: <your primary subscription key from portal.vippsmobilepay.com>`",
            )

    def _basic_credentials(self, first: dict) -> Iterator[Problem]:
        """POST /miami/v1/token (Access token API 2.0.0): `Authorization: Basic base64(client_id:client_secret)`."""
        authorization = (first.get("authorization") or "").strip()
        if is_placeholder(authorization) and authorization:
            return
        scheme = authorization.split(None, 1)[0].lower() if authorization else ""
        if scheme == "basic" and len(authorization.split()) == 2:
            return
        got = (
            "it is missing"
            if not authorization
            else f"got the {authorization.split(None, 1)[0]} scheme"
            if scheme != "basic"
            else "got Basic without credentials"
        )
        yield Problem(
            "header-client-credentials",
            "POST /miami/v1/token authenticates with the Basic scheme: Authorization carries your client id "
            f"and secret; {got} (the API answers 401)",
            part="header",
            header="Authorization",
            hint="Send the Basic scheme with the base64 of client id, a colon and client secret (curl: -u with "
            "them), or call POST /accesstoken/get with the client_id and client_secret headers",
        )

    def _header_names(self, request: Request) -> Iterator[Problem]:
        from vipps_lint.checks.header_names import typos  # only for requests with headers

        found = typos(request.headers)
        if not found:
            _remember_not_misspelt(request.headers)
        for sent, wanted in found:
            if request.header(wanted) is not None:
                continue  # both sent: the right one is read, the other is noise
            yield Problem(
                "header-name-typo",
                f"{sent} is not a header the API reads: did you mean {wanted}? As sent, the API sees no {wanted}",
                part="header",
                header=sent,
                hint=f"Rename the header to `{wanted}` (exactly; `_` instead of `-` is dropped by many proxies)",
            )

    def _merchant_serial_number(self, request: Request, first: dict, required: bool) -> Iterator[Problem]:
        value = first.get("merchant-serial-number")
        if value is not None and value.strip():
            if not _MSN.match(value.strip()) and not is_placeholder(value):
                rule = "header-merchant-serial-number" if required else "header-merchant-serial-number-recommended"
                yield Problem(
                    rule,
                    f"Merchant-Serial-Number must be the sales unit's number, digits only, got {value.strip()!r}",
                    part="header",
                    header="Merchant-Serial-Number",
                    hint="Write `Merchant-Serial-Number: 123456` with your sales unit's number "
                    "(portal.vippsmobilepay.com)",
                )
            return
        if required:
            yield Problem(
                "header-merchant-serial-number",
                "Merchant-Serial-Number header missing: this API requires it on every call"
                + _sent_instead(request, "Merchant-Serial-Number"),
                part="header",
                header="Merchant-Serial-Number",
                hint="Add `Merchant-Serial-Number: 123456` with your sales unit's number (portal.vippsmobilepay.com)",
            )
        else:
            yield Problem(
                "header-merchant-serial-number-recommended",
                "Merchant-Serial-Number header missing: recommended on every call, and required when you use "
                "partner keys" + _sent_instead(request, "Merchant-Serial-Number"),
                part="header",
                header="Merchant-Serial-Number",
                hint="Add `Merchant-Serial-Number: 123456` with your sales unit's number (portal.vippsmobilepay.com)",
            )

    def _system_headers(self, first: dict) -> Iterator[Problem]:
        missing = []
        for name, lowered in _SYSTEM_HEADERS_LOWERED:
            value = first.get(lowered)
            if value is None or not value.strip():
                missing.append(name)
            elif len(value) > SYSTEM_HEADER_MAX and not is_placeholder(value):
                yield Problem(
                    "header-vipps-system-length",
                    f"{name} is {len(value)} characters; at most {SYSTEM_HEADER_MAX} are allowed",
                    part="header",
                    header=name,
                    hint=f"Shorten it to {SYSTEM_HEADER_MAX} characters, e.g. {value[:SYSTEM_HEADER_MAX]!r}",
                )
        if missing:
            yield Problem(
                "header-vipps-system",
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing: tell Vipps MobilePay "
                "which system and plugin send the call (required for partners and plugins)",
                part="header",
                header=missing[0],
                hint="Add e.g. `Vipps-System-Name: acme-shop`, `Vipps-System-Version: 3.1.2`, "
                "`Vipps-System-Plugin-Name: acme-vipps-plugin`, `Vipps-System-Plugin-Version: 1.4.0`",
            )

    def _idempotency(self, request: Request, first: dict, name: str) -> Iterator[Problem]:
        api = request.operation.api
        value = first.get(name.lower())
        if value is None or not value.strip():
            yield Problem(
                "header-idempotency-key",
                f"{name} header missing: {request.operation.endpoint} changes state and must carry a unique "
                "key, so a retry is not done twice" + _sent_instead(request, name),
                part="header",
                header=name,
                hint=f"Add `{name}: <a new UUID per operation, reused only for retries of it>`, e.g. `{name}: "
                "5f1f7a3e-1c2b-4b8e-9a41-0c6a3d9e2b17`",
            )
            return
        limit, forbidden = _IDEMPOTENCY_LIMITS.get(api, (None, None))
        if limit is not None and len(value) > limit:
            yield Problem(
                "header-idempotency-key",
                f"{name} is {len(value)} characters; this API accepts at most {limit}",
                part="header",
                header=name,
                hint="Use a UUID (36 characters)",
            )
        elif forbidden is not None and forbidden.search(value):
            yield Problem(
                "header-idempotency-key",
                f"{name} contains {forbidden.search(value).group()!r}; this API does not accept '#', '?', '/' "
                "or '\\' in it",
                part="header",
                header=name,
                hint="Use a UUID (letters, digits and '-')",
            )

    def _content_type(self, first: dict) -> Iterator[Problem]:
        value = first.get("content-type")
        if value is None:
            yield Problem(
                "header-content-type-json",
                "Content-Type header missing on a request with a JSON body",
                part="header",
                header="Content-Type",
                hint="Add `Content-Type: application/json`",
            )
        elif not _JSON_MEDIA_TYPE.match(value.strip()):
            yield Problem(
                "header-content-type-json",
                f"Content-Type is {value.strip()!r}, but the body is JSON",
                part="header",
                header="Content-Type",
                hint="Send `Content-Type: application/json`",
            )


def _sent_instead(request: Request, wanted: str) -> str:
    """' (Idempotency_Key was sent: the name must be exactly Idempotency-Key)', or ''."""
    from vipps_lint.checks.header_names import sent_instead

    sent = sent_instead(request.headers, wanted)
    return f" ({sent} was sent: the name must be exactly {wanted})" if sent else ""


def create(linter) -> Optional[HeaderCheck]:
    return HeaderCheck() if set(RULES) & linter.rules.enabled else None
