"""Header names the Vipps MobilePay APIs read, and the misspellings of them people send.

`Idempotency_Key`, `MerchantSerialNumber`, `Ocp-Apim-Subscription-Keys`: the API does not
read a header by a name that is almost right, so the request goes out as if the header were
missing (and proxies such as nginx drop names with `_` by default). `meant` finds the name a
header was meant to have; the header check reports it (`header-name-typo`) and names it in the
"header missing" finding of the header it should have been.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

KNOWN_HEADERS = (
    "Authorization",
    "Ocp-Apim-Subscription-Key",
    "Merchant-Serial-Number",
    "Idempotency-Key",
    "X-Request-Id",
    "Content-Type",
    "client_id",
    "client_secret",
    "Vipps-System-Name",
    "Vipps-System-Version",
    "Vipps-System-Plugin-Name",
    "Vipps-System-Plugin-Version",
)
_BY_LOWER = {name.lower(): name for name in KNOWN_HEADERS}
_SEPARATORS = re.compile(r"[-_\s.]")
_BY_SQUASHED = {_SEPARATORS.sub("", name).lower(): name for name in KNOWN_HEADERS}
_MAX_NAME = 100
_MAX_HEADERS = 200


@lru_cache(maxsize=1024)
def meant(name: str) -> Optional[str]:
    """The known header a sent name was meant to be, or None (a known name, or unrelated)."""
    if len(name) > _MAX_NAME or name.lower() in _BY_LOWER:
        return None
    squashed = _SEPARATORS.sub("", name).lower()
    if squashed in _BY_SQUASHED:
        return _BY_SQUASHED[squashed]
    import difflib  # only for a did-you-mean

    close = difflib.get_close_matches(name.lower(), list(_BY_LOWER), n=1, cutoff=0.85)
    return _BY_LOWER[close[0]] if close else None


def typos(headers) -> list[tuple[str, str]]:
    """(the name sent, the name meant) for each misspelt known header, in the order sent."""
    found, seen = [], set()
    for name, _value in list(headers)[:_MAX_HEADERS]:
        wanted = meant(name) if isinstance(name, str) else None
        if wanted is not None and name not in seen:
            seen.add(name)
            found.append((name, wanted))
    return found


def sent_instead(headers, wanted: str) -> Optional[str]:
    """The misspelt name sent for `wanted`, if any: 'Idempotency_Key' for 'Idempotency-Key'."""
    return next((name for name, meant_name in typos(headers) if meant_name == wanted), None)
