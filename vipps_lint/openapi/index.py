"""The operations of OpenAPI documents, as the routing stage needs them.

Each operation becomes one index entry: a stable id (`ecom-v2:initiatePaymentV3UsingPOST`),
its API, method, and path template *with the server's path prefix joined in* — Order
Management's and Webhooks' specs keep `/order-management` and `/webhooks` in `servers`,
not in `paths`, yet requests are sent to the joined path.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Optional

from vipps_lint.positions import pointer_from_parts
from vipps_lint.urls import split_url

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Which API a path belongs to, by its leading segments (longest first wins). Ids are the
# ones used in rule scopes and the JSON report; a user's own spec falls back to its title.
# A request to an unknown path under one of these prefixes is a mistake the API answers
# with 404 (see routing); a path under none belongs to some other API.
API_PREFIXES = (
    ("/ecomm/v2/", "ecom-v2"),
    ("/epayment/v1/", "epayment-v1"),
    ("/recurring/v2/", "recurring-v2"),
    ("/recurring/v3/", "recurring-v3"),
    ("/checkout/v3/", "checkout-v3"),
    ("/order-management/", "order-management-v2"),
    ("/partner-api/", "partner-v2"),
    ("/webhooks/", "webhooks-v1"),
    ("/management/", "management"),
    ("/accesstoken/", "access-token"),
    ("/miami/v1/", "access-token"),
    ("/access-management-1.0/", "login-v1"),
    ("/vipps-login-ciba/", "login-v1"),
    ("/vipps-userinfo-api/", "userinfo"),
    ("/qr/", "qr-v1"),
    ("/report/", "report-v2"),
    ("/settlement/", "report-v2"),
    ("/psp/v3/", "psp-v3"),
    ("/merchant-management/psp/", "psp-signup-v1"),
)


def server_prefix(spec: dict) -> str:
    """The path part of the first server URL ('' when the servers carry no path)."""
    servers = spec.get("servers")
    for server in servers if isinstance(servers, list) else []:  # a typo (`servers: 5`) is no server
        url = server.get("url") if isinstance(server, dict) else None
        url = url if isinstance(url, str) else ""
        path = split_url(url).path if "://" in url else url
        return path.rstrip("/")
    return ""


def api_prefix(full_path: str) -> Optional[tuple[str, str]]:
    """(prefix, API id) of a Vipps MobilePay path, or None."""
    lowered = full_path.lower() + "/"
    for prefix, name in API_PREFIXES:
        if lowered.startswith(prefix):
            return prefix, name
    return None


def api_id(full_path: str, spec: dict) -> str:
    known = api_prefix(full_path)
    if known is not None:
        return known[1]
    info = spec.get("info") or {}
    slug = re.sub(r"[^a-z0-9]+", "-", str(info.get("title") or "api").lower()).strip("-") or "api"
    major = re.match(r"v?(\d+)", str(info.get("version") or "1"))
    return f"{slug}-v{major.group(1) if major else '1'}"


def derived_operation_id(method: str, path: str) -> str:
    """A readable id for an operation without `operationId`: POST /v1/webhooks → postV1Webhooks.

    The API's own prefix is left out, so the id does not change when a spec moves it between
    `servers` and `paths` (Checkout's POST /checkout/v3/session is postSession either way).
    """
    known = api_prefix(path)
    if known is not None:
        path = path[len(known[0]) - 1 :]
    words = [part for part in re.split(r"[^A-Za-z0-9]+", re.sub(r"\{[^}]*\}", "", path)) if part]
    return method.lower() + "".join(word[:1].upper() + word[1:] for word in words)


# Operations the spec describes but the merchant implements (eCom's callbacks, in
# ms_import.yaml): Vipps sends those requests, so they are not calls to lint.
# ePayment's dynamic-shipping callback, and PSP v3's makePaymentUrl, which the PSP serves.
MERCHANT_ENDPOINT_TAGS = ("Merchant Endpoints", "Endpoints required by Vipps from the PSP")


def operations(documents, uri: str) -> Iterator[tuple[dict[str, Any], str, str, dict]]:
    """(index entry, document, pointer, operation object) for each operation of one document.

    Path items may be `$ref`s into other files; they are resolved with `documents`.
    """
    spec = documents.data(uri)
    prefix = server_prefix(spec)
    info, paths = spec.get("info"), spec.get("paths")
    version = str(info.get("version") or "") if isinstance(info, dict) else ""
    # A typo (`paths: 5`, `info: draft`) describes no operation, as `servers: 5` is no server.
    for path, item in (paths if isinstance(paths, dict) else {}).items():
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
            if not str(path).startswith("/"):  # "[ makePaymentUrl ]": a URL the merchant chooses
                continue
            full_path = prefix + path
            operation_id = operation.get("operationId") or derived_operation_id(method, full_path)
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
            headers = header_facts(documents, item_uri, item_pointer, item, method, operation)
            if headers:
                entry["headers"] = headers
            yield entry, item_uri, f"{item_pointer}/{method}", operation


def header_facts(
    documents, item_uri: str, item_pointer: str, item: dict, method: str, operation: dict
) -> dict[str, bool]:
    """The header parameters of an operation (its path item's and its own): name → required.

    Names keep the spec's spelling. An operation's own parameter overrides the path item's.
    """
    facts: dict[str, tuple[str, bool]] = {}
    for base, parameters in (
        (item_pointer, item.get("parameters")),
        (f"{item_pointer}/{method}", operation.get("parameters")),
    ):
        if not isinstance(parameters, list):
            continue
        for number, parameter in enumerate(parameters):
            uri, pointer = item_uri, f"{base}/parameters/{number}"
            hops = 0
            while isinstance(parameter, dict) and "$ref" in parameter and hops < 16:
                uri, pointer, parameter = documents.resolve(uri, pointer, parameter["$ref"])
                hops += 1
            if (
                isinstance(parameter, dict)
                and parameter.get("in") == "header"
                and isinstance(parameter.get("name"), str)
            ):
                facts[parameter["name"].lower()] = (parameter["name"], parameter.get("required") is True)
    return {name: required for name, required in sorted(facts.values(), key=lambda pair: pair[0].lower())}
