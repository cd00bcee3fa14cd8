"""`url`: a URL Vipps MobilePay (or Klarna) will accept and can reach.

Checks, each with its own problem code for messages:

- `scheme`: the scheme is not in `schemes` (default `[https]`). For `http://` on a public
  host the fix is the same URL with `https://`.
- `app-scheme`: a custom app scheme (`myapp://…`) where only web URLs are allowed. With
  `appScheme: true`, or `appScheme: {when: [conditions]}` evaluated on the object that
  holds the URL (e.g. `isApp: true` beside `fallBack`), such URLs are accepted unchecked,
  as the API does.
- `not-url`: not an absolute URL with a host (Vipps validates like Apache UrlValidator).
- `local-host`: `localhost`, loopback or `0.0.0.0` — never reachable from Vipps (`rejectLocal`).
- `private-host`: a private-range IP, or a `.local`/`.internal`/`.lan` host — Vipps cannot
  call it back (`rejectPrivate`).
- `port`: a port Vipps MobilePay does not send to (`ports: [80, 443, 8080]`, for callbacks).

`openedBy: browser` is for URLs the user's browser or app opens (`returnUrl`, terms pages,
`merchantAgreementUrl`): the reason for a local or private host is then that users' phones
cannot open it, not that Vipps MobilePay cannot call it, and the codes are
`browser-local-host` / `browser-private-host`, so a rule's hints can say so too.

    functionOptions:
      schemes: [https]
      rejectLocal: true
      rejectPrivate: true
      appScheme: {when: [{field: isApp, equals: true}]}
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from vipps_lint.checks.conditions import CONDITION_SCHEMA, compile_conditions
from vipps_lint.checks.functions import Violation
from vipps_lint.lazy_re import lazy_compile
from vipps_lint.urls import split_url

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "schemes": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "rejectLocal": {"type": "boolean"},
        "rejectPrivate": {"type": "boolean"},
        "openedBy": {"enum": ["vipps", "browser"]},
        "ports": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 65535}, "minItems": 1},
        "appScheme": {
            "oneOf": [
                {"type": "boolean"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["when"],
                    "properties": {"when": CONDITION_SCHEMA},
                },
            ]
        },
    },
}

_WEB_SCHEMES = {"http", "https"}
# scheme://host[:port] followed by the path, query, fragment or the end: most URLs in requests.
# Its host is what urlsplit would give, so a match on an allowed scheme and a public host
# needs no further parsing (the full check below decides everything else).
_PLAIN_WEB_URL = lazy_compile(
    r"([A-Za-z][A-Za-z0-9+.-]*)://([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(?::[0-9]{1,5})?(?=[/?#]|$)"
)
_SCHEME = lazy_compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_PRIVATE_SUFFIXES = (".local", ".internal", ".lan", ".localdomain", ".home.arpa", ".corp", ".intranet")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


# A shop sends the same few hosts in every request; classifying one costs a failed IP parse.
@lru_cache(maxsize=4096)
def host_kind(host: str) -> str:
    """'local', 'private' or 'public' for a URL's host."""
    host = host.lower().rstrip(".")
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return "local"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if host.endswith(_PRIVATE_SUFFIXES) or "." not in host:
            return "private"
        return "public"
    if address.is_loopback or address.is_unspecified:
        return "local"
    if address.is_private or address.is_link_local or address.is_reserved or address.is_multicast:
        return "private"
    return "public"


def _always(answer: bool):
    """A condition (like compile_conditions gives) with the same answer for every request."""
    return lambda parent, root=None: answer


# A shop sends a few callback and return URLs: at most ~80 KB remembered per rule (23 url
# rules, and the API keeps a Linter per configuration).
_PASSED_LIMIT = 256
_REMEMBERED_LENGTH = 256


def compile(options):
    schemes = [scheme.lower() for scheme in options.get("schemes", ["https"])]
    reject_local = options.get("rejectLocal", True)
    reject_private = options.get("rejectPrivate", True)
    app_scheme = options.get("appScheme", False)
    if isinstance(app_scheme, dict):
        app_scheme_allowed = compile_conditions(app_scheme["when"])
    else:
        app_scheme_allowed = _always(bool(app_scheme))
    wanted = " or ".join(f"{scheme}://" for scheme in schemes)
    browser = options.get("openedBy") == "browser"
    ports = set(options.get("ports", ()))
    default_ports = {"https": 443, "http": 80}

    # Values that passed the plain-URL test below: a log repeats a shop's few callback and
    # return URLs in every request, and that test depends on the value alone.
    passed: set[str] = set()

    def check(value, context):
        if not isinstance(value, str) or value in passed:
            return
        text = value.strip()
        plain = _PLAIN_WEB_URL.match(text)
        if (
            plain is not None
            and plain.group(1).lower() in schemes
            and host_kind(plain.group(2).lower()) == "public"
            and not ports
        ):
            if len(value) <= _REMEMBERED_LENGTH:  # bounded, whatever the input
                if len(passed) >= _PASSED_LIMIT:
                    passed.clear()
                passed.add(value)
            return
        scheme_match = _SCHEME.match(text)
        scheme = scheme_match.group(1).lower() if scheme_match else None
        if scheme is not None and scheme not in _WEB_SCHEMES and scheme not in schemes:
            if not app_scheme_allowed(context.parent, context.root):
                yield Violation(
                    "app-scheme", f"uses the app scheme {scheme}://, which is not allowed here; use {wanted}"
                )
            return
        try:
            parts = split_url(text)
            host = parts.hostname
        except ValueError:
            host = None
        if scheme is None or not host:
            yield Violation("not-url", f"is not an absolute URL; expected {wanted}host/path")
            return
        kind = host_kind(host)
        # An unreachable host is the real problem: switching it to https would not help,
        # so it is one violation, not two.
        also = f" (and must use {wanted})" if scheme not in schemes else ""
        if kind == "local" and reject_local:
            if browser:
                yield Violation(
                    "browser-local-host",
                    f"points to {host}, which users' phones cannot open: it is your own computer{also}",
                )
            else:
                yield Violation("local-host", f"points to {host}, which Vipps MobilePay can never reach{also}")
        elif kind == "private" and reject_private:
            if browser:
                yield Violation(
                    "browser-private-host", f"points to the private host {host}, which users' phones cannot open{also}"
                )
            else:
                yield Violation(
                    "private-host", f"points to the private host {host}, which Vipps MobilePay cannot reach{also}"
                )
        elif scheme not in schemes:
            # Only the scheme changes: the rest is kept as written (urlunsplit would drop a
            # tab or line break inside it without a word, and a fix must not change what it
            # does not say it changes).
            start = len(value) - len(value.lstrip())
            fix = (
                value[:start] + "https" + value[start + len(scheme) :]
                if scheme == "http" and "https" in schemes and kind == "public"
                else None
            )
            violation = Violation("scheme", f"must use {wanted}, not {scheme}://")
            if fix is not None:
                violation.fix = fix
            yield violation
        elif ports:
            try:
                port = parts.port or default_ports.get(scheme)
            except ValueError:
                port = None
            if port not in ports:
                yield Violation(
                    "port",
                    f"uses port {port}; Vipps MobilePay does not send to every port, only to common ones such as "
                    f"{', '.join(str(p) for p in sorted(ports))}",
                    detail=str(port),
                )

    # It judges strings only, and what `passes` holds has passed for its value alone, wherever
    # it is: the compiled rules (checks/compiled_rules.py) call it for no other value.
    check.passes = passed
    return check
