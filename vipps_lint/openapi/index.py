"""The operations of OpenAPI documents, as the routing stage needs them.

Each operation becomes one index entry: a stable id (`ecom-v2:initiatePaymentV3UsingPOST`),
its API, method, and path template *with the server's path prefix joined in* — Order
Management's and Webhooks' specs keep `/order-management` and `/webhooks` in `servers`,
not in `paths`, yet requests are sent to the joined path.
"""

from __future__ import annotations

import re
from typing import Any, Iterator
from urllib.parse import urlsplit

from vipps_lint.positions import pointer_from_parts

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


# Operations the spec describes but the merchant implements (eCom's callbacks, in
# ms_import.yaml): Vipps sends those requests, so they are not calls to lint.
MERCHANT_ENDPOINT_TAGS = ("Merchant Endpoints",)


def operations(documents, uri: str) -> Iterator[tuple[dict[str, Any], str, str, dict]]:
    """(index entry, document, pointer, operation object) for each operation of one document.

    Path items may be `$ref`s into other files; they are resolved with `documents`.
    """
    spec = documents.data(uri)
    prefix = server_prefix(spec)
    version = str((spec.get("info") or {}).get("version") or "")
    for path, item in (spec.get("paths") or {}).items():
        item_uri, item_pointer = uri, pointer_from_parts(["paths", path])
        while isinstance(item, dict) and "$ref" in item:
            item_uri, item_pointer, item = documents.resolve(item_uri, item_pointer, item["$ref"])
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            if any(tag in MERCHANT_ENDPOINT_TAGS for tag in operation.get("tags") or ()):
                continue
            full_path = prefix + path
            operation_id = operation.get("operationId") or derived_operation_id(method, path)
            api = api_id(full_path, spec)
            entry = {
                "id": f"{api}:{operation_id}",
                "api": api,
                "apiVersion": version,
                "method": method.upper(),
                "path": full_path,
                "operationId": operation_id,
                "hasBody": "requestBody" in operation,
            }
            yield entry, item_uri, f"{item_pointer}/{method}", operation
