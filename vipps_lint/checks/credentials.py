"""`dump-live-credentials` (`rules/credentials.yaml`): a dump about to be committed or
shared holds credentials that look real, for the production API.

Fires per request sent to `api.vipps.no` whose `Authorization` holds a JWT-shaped bearer
token, whose `Ocp-Apim-Subscription-Key` is a 32-character hex key, whose
`client_secret` looks generated, or whose logged access-token response holds an
`access_token`. Placeholders (`{{access_token}}`, `<token>`, `xxx…`, `your-key`) and the
test host `apitest.vipps.no` do not fire. The report itself masks the values (as every
report does); this rule is about the file.

Silence it for a file you mean to keep: `--ignore dump-live-credentials`, or `vipps-lint
redact FILE -o FILE` to mask the values in the file itself.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Iterator, Optional

from vipps_lint.lazy_re import lazy_compile
from vipps_lint.models import Problem, Request
from vipps_lint.secrets import is_placeholder
from vipps_lint.urls import split_url

RULE = "dump-live-credentials"
RULES = (RULE,)
PRODUCTION_HOSTS = ("api.vipps.no",)

_JWT = lazy_compile(r"^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16,}$")
_SUBSCRIPTION_KEY = lazy_compile(r"^[0-9a-f]{32}$", re.IGNORECASE)
_GENERATED_SECRET = lazy_compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9+/=_~.-]{20,}$")


def looks_like_jwt(token: str) -> bool:
    """Three base64url parts whose header decodes to JSON naming an algorithm."""
    if not _JWT.match(token):
        return False
    header = token.split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(decoded, dict) and "alg" in decoded


def _live(name: str, value: str) -> bool:
    value = value.strip()
    if not value or is_placeholder(value):
        return False
    if name == "authorization":
        parts = value.split()
        return len(parts) == 2 and parts[0].lower() == "bearer" and looks_like_jwt(parts[1])
    if name == "ocp-apim-subscription-key":
        return bool(_SUBSCRIPTION_KEY.match(value))
    if name == "client_secret":
        return bool(_GENERATED_SECRET.match(value))
    return False


class CredentialsCheck:
    def check(self, request: Request) -> Iterator[Problem]:
        if not request.url or "://" not in request.url:
            return
        host = (split_url(request.url).hostname or "").lower()
        if host not in PRODUCTION_HOSTS:
            return
        hint = (
            "Run `vipps-lint redact FILE -o FILE` to mask it (or write a placeholder such as <access_token>); "
            "rotate the credential if the file was shared"
        )
        for name in ("Authorization", "Ocp-Apim-Subscription-Key", "client_secret"):
            value = request.header(name)
            if value is not None and _live(name.lower(), value):
                yield Problem(
                    RULE,
                    f"{name} holds a live-looking production credential ({host}); a dump with working "
                    "credentials must not be committed or shared",
                    part="header",
                    header=name,
                    hint=hint,
                )
        response = request.response
        if response is not None and isinstance(response.body, dict):
            token = response.body.get("access_token")
            if isinstance(token, str) and looks_like_jwt(token):
                yield Problem(
                    RULE,
                    f"the logged response holds a live-looking production access_token ({host}); a dump with "
                    "working credentials must not be committed or shared",
                    part="response",
                    pointer="/access_token",
                    hint=hint,
                )


def create(linter) -> Optional[CredentialsCheck]:
    return CredentialsCheck() if RULE in linter.rules.enabled else None
