"""The operations of OpenAPI documents, as the routing stage needs them.

Each operation becomes one index entry: a stable id (`ecom-v2:initiatePaymentV3UsingPOST`),
its API, method, and path template *with the server's path prefix joined in* — Order
Management's and Webhooks' specs keep `/order-management` and `/webhooks` in `servers`,
not in `paths`, yet requests are sent to the joined path.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Which API a path belongs to, by its leading segments (longest first wins). Ids are the
# ones used in rule scopes and the JSON report; a user's own spec falls back to its title.
API_PREFIXES = (
    ("/ecomm/v2/", "ecom-v2"),
    ("/epayment/v1/", "epayment-v1"),
    ("/recurring/v2/", "recurring-v2"),
    ("/recurring/v3/", "recurring-v3"),
    ("/checkout/v3/", "checkout-v3"),
    ("/order-management/", "order-management-v2"),
    ("/partner-api/", "partner-v2"),
    ("/webhooks/", "webhooks-v1"),
)


def server_prefix(spec: dict) -> str:
    """The path part of the first server URL ('' when the servers carry no path)."""
    for server in spec.get("servers") or []:
        url = (server or {}).get("url") or ""
        path = urlsplit(url).path if "://" in url else url
        return path.rstrip("/")
    return ""


def api_id(full_path: str, spec: dict) -> str:
    for prefix, name in API_PREFIXES:
        if (full_path + "/").startswith(prefix):
            return name
    info = spec.get("info") or {}
    slug = re.sub(r"[^a-z0-9]+", "-", str(info.get("title") or "api").lower()).strip("-") or "api"
    major = re.match(r"v?(\d+)", str(info.get("version") or "1"))
    return f"{slug}-v{major.group(1) if major else '1'}"


def derived_operation_id(method: str, path: str) -> str:
    """A readable id for an operation without `operationId`: POST /v1/webhooks → postV1Webhooks."""
    words = [part for part in re.split(r"[^A-Za-z0-9]+", re.sub(r"\{[^}]*\}", "", path)) if part]
    return method.lower() + "".join(word[:1].upper() + word[1:] for word in words)


def operations(spec: dict) -> list[dict[str, Any]]:
    """Index entries for every operation of one OpenAPI document, in document order."""
    prefix = server_prefix(spec)
    entries = []
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            full_path = prefix + path
            operation_id = operation.get("operationId") or derived_operation_id(method, path)
            api = api_id(full_path, spec)
            entries.append(
                {
                    "id": f"{api}:{operation_id}",
                    "api": api,
                    "method": method.upper(),
                    "path": full_path,
                    "operationId": operation_id,
                    "hasBody": "requestBody" in operation,
                }
            )
    return entries
