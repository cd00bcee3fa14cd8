"""A deterministic benchmark corpus: the same requests as body files, NDJSON, HAR and Postman.

    python bench/corpus.py --requests 10000 --out /tmp/vipps-bench

writes, under OUT:

- `bodies/NNNNNN-KIND.json`: one request body per file (eCom initiate, ePayment create,
  Klarna Checkout order), indented as people write them;
- `requests.ndjson`: the same requests as a log, one `{method, url, headers, body, status}`
  per line;
- `requests.har`: the same requests as one HAR 1.2 file;
- `requests.postman_collection.json`: the same requests as a Postman v2.1 collection;
- `defects.json`: every seeded defect, `{index, file, rule, pointer}`, so a run can be
  checked for what it must find (and for anything it reports beyond that).

A share of the requests (`--defect-rate`, default 0.1) carries one seeded mistake, taken in
turn from the list for its API: the seed rules (http callbacks, phone formats, Klarna fees
and wording) and two schema constraints (an over-long orderId, an amount with decimals).
Everything else is a correct request: it lints clean. The same `--seed` always gives
byte-identical files.

`--heavy` is the findings-heavy corpus (issue 13): real logs and dumps are where mistakes
are dense, so nearly half the requests (`HEAVY_DEFECT_RATE`) carry mistakes, two or three
different ones each (`--defects-per-request`, the most a request gets; each defective
request draws how many, from 2 up).
"""

from __future__ import annotations

import argparse
import json
import os
import random
from pathlib import Path

KINDS = (("ecom", 0.5), ("epayment", 0.35), ("klarna", 0.15))

URLS = {
    "ecom": "https://apitest.vipps.no/ecomm/v2/payments",
    "epayment": "https://apitest.vipps.no/epayment/v1/payments",
    "klarna": "https://api.playground.klarna.com/checkout/v3/orders",
}

# Norwegian mobile prefixes under which phonenumbers takes every 8-digit number as valid
# (not 45: 4536xxxx is no number).
MOBILE_PREFIXES = ("40", "41", "46", "47", "48", "90", "91", "92", "93", "94", "95", "96", "97", "98", "99")

# Each seeded mistake: (rule vipps-lint must report, JSON Pointer, how to break a good body).
DEFECTS = {
    "ecom": [
        (
            "ecom-callback-https",
            "/merchantInfo/callbackPrefix",
            lambda body: _set(
                body, "/merchantInfo/callbackPrefix", body["merchantInfo"]["callbackPrefix"].replace("https:", "http:")
            ),
        ),
        (
            "ecom-fallback-https",
            "/merchantInfo/fallBack",
            lambda body: _set(
                body, "/merchantInfo/fallBack", body["merchantInfo"]["fallBack"].replace("https:", "http:")
            ),
        ),
        (
            "ecom-mobile-number",
            "/customerInfo/mobileNumber",
            lambda body: _set(body, "/customerInfo/mobileNumber", _spaced(body["customerInfo"]["mobileNumber"])),
        ),
        (
            "schema-length",
            "/transaction/orderId",
            lambda body: _set(body, "/transaction/orderId", body["transaction"]["orderId"] + "-" + "x" * 40),
        ),
    ],
    "epayment": [
        (
            "epayment-phone-msisdn",
            "/customer/phoneNumber",
            lambda body: _set(body, "/customer/phoneNumber", _spaced(body["customer"]["phoneNumber"][2:])),
        ),
        (
            "epayment-return-url",
            "/returnUrl",
            lambda body: _set(body, "/returnUrl", body["returnUrl"].replace("https:", "http:")),
        ),
        ("schema-type", "/amount/value", lambda body: _set(body, "/amount/value", body["amount"]["value"] + 0.5)),
    ],
    "klarna": [
        (
            "klarna-vipps-fee",
            "/external_payment_methods/0/fee",
            lambda body: _set(body, "/external_payment_methods/0/fee", 1500),
        ),
        (
            "klarna-vipps-fee-free-wording",
            "/external_payment_methods/0/description",
            lambda body: _set(body, "/external_payment_methods/0/description", "Betal raskt med Vipps"),
        ),
        (
            "klarna-vipps-https",
            "/external_payment_methods/0/redirect_url",
            lambda body: _set(body, "/external_payment_methods/0/redirect_url", "http://example.com/vipps/start"),
        ),
    ],
}


def _set(body: dict, pointer: str, value) -> None:
    *parents, last = [int(token) if token.isdigit() else token for token in pointer.lstrip("/").split("/")]
    target = body
    for token in parents:
        target = target[token]
    target[last] = value


def _spaced(number: str) -> str:
    """91234567 → "+47 91 23 45 67", the way people type it."""
    return "+47 " + " ".join(number[i : i + 2] for i in range(0, 8, 2))


def ecom_body(rng: random.Random, index: int) -> dict:
    order = f"acme-{index:06d}-{rng.randrange(16**6):06x}"
    return {
        "customerInfo": {"mobileNumber": rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**6):06d}"},
        "merchantInfo": {
            "merchantSerialNumber": "123456",
            "callbackPrefix": "https://shop.example.com/vipps/callbacks",
            "fallBack": f"https://shop.example.com/orders/{order}/result",
            "isApp": False,
            "paymentType": "eComm Regular Payment",
        },
        "transaction": {
            "orderId": order,
            "amount": rng.randrange(100, 500_000),
            "transactionText": rng.choice(
                ["One pair of Vipps socks", "Coffee beans, 1 kg", "Gift card", "Concert ticket"]
            ),
            "skipLandingPage": False,
        },
    }


def epayment_body(rng: random.Random, index: int) -> dict:
    reference = f"acme-{index:06d}-{rng.randrange(16**6):06x}"
    return {
        "amount": {"currency": "NOK", "value": rng.randrange(100, 500_000)},
        "customer": {"phoneNumber": "47" + rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**6):06d}"},
        "paymentMethod": {"type": "WALLET"},
        "reference": reference,
        "returnUrl": f"https://shop.example.com/vipps/return?order={reference}",
        "userFlow": rng.choice(["WEB_REDIRECT", "NATIVE_REDIRECT"]),
        "paymentDescription": rng.choice(["One pair of Vipps socks", "Coffee beans, 1 kg", "Gift card"]),
    }


def klarna_body(rng: random.Random, index: int) -> dict:
    price = rng.randrange(1, 5000) * 100
    tax = price // 5
    return {
        "purchase_country": "NO",
        "purchase_currency": "NOK",
        "locale": "nb-NO",
        "order_amount": price,
        "order_tax_amount": tax,
        "order_lines": [
            {
                "name": "Vipps socks",
                "quantity": 1,
                "unit_price": price,
                "tax_rate": 2500,
                "total_amount": price,
                "total_tax_amount": tax,
            }
        ],
        "merchant_urls": {
            "terms": "https://shop.example.com/terms",
            "checkout": f"https://shop.example.com/checkout/{index}",
            "confirmation": f"https://shop.example.com/confirmation/{index}",
            "push": f"https://shop.example.com/api/push/{index}",
        },
        "external_payment_methods": [
            {
                "name": "Vipps",
                "redirect_url": "https://shop.example.com/vipps/start",
                "image_url": "https://shop.example.com/images/vipps-logo.png",
                "fee": 0,
                "description": "Husk: Vipps er alltid gebyrfritt når du betaler til bedrifter.",
            },
            {"name": "PayPal", "redirect_url": "https://shop.example.com/paypal/start", "fee": 2900},
        ],
    }


BODIES = {"ecom": ecom_body, "epayment": epayment_body, "klarna": klarna_body}


def headers(kind: str, index: int) -> list[tuple[str, str]]:
    """Correct headers for the request's API (placeholders, not credentials)."""
    if kind == "klarna":
        return [("Authorization", "Basic {{klarna_credentials}}"), ("Content-Type", "application/json")]
    found = [
        ("Authorization", "Bearer {{access_token}}"),
        ("Ocp-Apim-Subscription-Key", "{{subscription_key}}"),
        ("Merchant-Serial-Number", "123456"),
        ("Vipps-System-Name", "acme-shop"),
        ("Vipps-System-Version", "4.2.0"),
        ("Vipps-System-Plugin-Name", "acme-checkout"),
        ("Vipps-System-Plugin-Version", "1.9.3"),
        ("Content-Type", "application/json"),
    ]
    if kind == "epayment":
        found.append(("Idempotency-Key", f"acme-{index:06d}"))
    return found


def shop_headers(token: str) -> dict[str, str]:
    """The headers of a correct ePayment call as a shop sends it, with a real-looking access
    token (bench/preflight.py; the tests of the Python API and of the proxy)."""
    return {
        "Authorization": f"Bearer {token}",
        "Ocp-Apim-Subscription-Key": "7c1e4b2a9d8f4e6b8a3c2d1e0f9a8b7c",
        "Merchant-Serial-Number": "123456",
        "Idempotency-Key": "5f1f7a3e-1c2b-4b8e-9a41-0c6a3d9e2b17",
        "Content-Type": "application/json",
        "Vipps-System-Name": "acme-webshop",
        "Vipps-System-Version": "4.2.1",
        "Vipps-System-Plugin-Name": "acme-vipps-plugin",
        "Vipps-System-Plugin-Version": "1.8.0",
    }


# The findings-heavy corpus (issue 13): at least 40% of the requests with mistakes, several each.
HEAVY_DEFECT_RATE = 0.45
HEAVY_DEFECTS_PER_REQUEST = 3
HEAVY_SEED = 2025


def generate(
    count: int, seed: int = 2024, defect_rate: float = 0.1, defects_per_request: int = 1
) -> tuple[list[dict], list[dict]]:
    """(requests, seeded defects); each request is {index, kind, method, url, headers, body}.

    A defective request gets one mistake, or with `defects_per_request` > 1 between two and
    that many different ones (never more than its API's list has); request i is the same
    whatever `count` is."""
    rng = random.Random(seed)
    kinds, weights = zip(*KINDS)
    next_defect = {kind: 0 for kind in BODIES}
    requests, defects = [], []
    for index in range(count):
        kind = rng.choices(kinds, weights)[0]
        body = BODIES[kind](rng, index)
        if rng.random() < defect_rate:
            available = DEFECTS[kind]
            # One draw more only for the heavy corpus: the default corpus stays byte-identical.
            how_many = min(rng.randint(2, defects_per_request), len(available)) if defects_per_request > 1 else 1
            for _ in range(how_many):
                rule, pointer, breaks = available[next_defect[kind] % len(available)]
                next_defect[kind] += 1
                breaks(body)
                defects.append({"index": index, "file": body_file_name(index, kind), "rule": rule, "pointer": pointer})
        requests.append(
            {
                "index": index,
                "kind": kind,
                "method": "POST",
                "url": URLS[kind],
                "headers": headers(kind, index),
                "body": body,
            }
        )
    return requests, defects


def body_file_name(index: int, kind: str) -> str:
    return f"bodies/{index:06d}-{kind}.json"


def write_bodies(requests: list[dict], out: Path) -> None:
    (out / "bodies").mkdir(parents=True, exist_ok=True)
    for request in requests:
        text = json.dumps(request["body"], indent=2, ensure_ascii=False) + "\n"
        (out / body_file_name(request["index"], request["kind"])).write_text(text, encoding="utf-8")


def write_ndjson(requests: list[dict], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for request in requests:
            line = {
                "ts": f"2024-06-14T08:{request['index'] // 60 % 60:02d}:{request['index'] % 60:02d}Z",
                "method": request["method"],
                "url": request["url"],
                "headers": dict(request["headers"]),
                "body": request["body"],
                "status": 201 if request["kind"] == "klarna" else 200,
            }
            handle.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")


def write_har(requests: list[dict], path: Path) -> None:
    """One HAR 1.2 file, entries written one by one (the file can be larger than memory wants)."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(
            '{"log": {"version": "1.2", "creator": {"name": "vipps-lint bench", "version": "1"},\n"entries": [\n'
        )
        for position, request in enumerate(requests):
            entry = {
                "startedDateTime": "2024-06-14T08:00:00.000Z",
                "time": 120,
                "request": {
                    "method": request["method"],
                    "url": request["url"],
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": name, "value": value} for name, value in request["headers"]],
                    "queryString": [],
                    "cookies": [],
                    "headersSize": -1,
                    "bodySize": -1,
                    "postData": {
                        "mimeType": "application/json",
                        "text": json.dumps(request["body"], ensure_ascii=False, separators=(",", ":")),
                    },
                },
                "response": {
                    "status": 200,
                    "statusText": "OK",
                    "httpVersion": "HTTP/1.1",
                    "headers": [],
                    "cookies": [],
                    "content": {"size": 0, "mimeType": "application/json"},
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": -1,
                },
                "cache": {},
                "timings": {"send": 1, "wait": 100, "receive": 19},
            }
            handle.write(("," if position else "") + json.dumps(entry, ensure_ascii=False) + "\n")
        handle.write("]}}\n")


def write_postman(requests: list[dict], path: Path) -> None:
    items = [
        {
            "name": f"{request['kind']} {request['index']:06d}",
            "request": {
                "method": request["method"],
                "header": [{"key": name, "value": value} for name, value in request["headers"]],
                "url": request["url"],
                "body": {
                    "mode": "raw",
                    "raw": json.dumps(request["body"], indent=2, ensure_ascii=False),
                    "options": {"raw": {"language": "json"}},
                },
            },
        }
        for request in requests
    ]
    collection = {
        "info": {
            "name": "vipps-lint bench",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": items,
        "variable": [
            {"key": "access_token", "value": "test-token"},
            {"key": "subscription_key", "value": "test-key"},
            {"key": "klarna_credentials", "value": "dGVzdDp0ZXN0"},
        ],
    }
    path.write_text(json.dumps(collection, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_corpus(
    out: Path,
    count: int,
    seed: int = 2024,
    defect_rate: float = 0.1,
    formats=("bodies", "ndjson", "har", "postman"),
    defects_per_request: int = 1,
) -> list[dict]:
    """Write the corpus under `out`; returns the seeded defects."""
    out.mkdir(parents=True, exist_ok=True)
    requests, defects = generate(count, seed, defect_rate, defects_per_request)
    writers = {
        "bodies": lambda: write_bodies(requests, out),
        "ndjson": lambda: write_ndjson(requests, out / "requests.ndjson"),
        "har": lambda: write_har(requests, out / "requests.har"),
        "postman": lambda: write_postman(requests, out / "requests.postman_collection.json"),
    }
    for name in formats:
        writers[name]()
    (out / "defects.json").write_text(json.dumps(defects, indent=1) + "\n", encoding="utf-8")
    return defects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="how many requests (default 1000)")
    parser.add_argument("--seed", type=int, help="random seed (default 2024; 2025 with --heavy)")
    parser.add_argument(
        "--defect-rate",
        type=float,
        help=f"share of requests with seeded mistakes (default 0.1; {HEAVY_DEFECT_RATE} with --heavy)",
    )
    parser.add_argument(
        "--defects-per-request",
        type=int,
        help=f"most mistakes in one defective request (default 1; {HEAVY_DEFECTS_PER_REQUEST} with --heavy)",
    )
    parser.add_argument("--heavy", action="store_true", help="the findings-heavy corpus (issue 13)")
    parser.add_argument("--formats", default="bodies,ndjson,har,postman", help="comma-separated subset to write")
    parser.add_argument("--out", required=True, type=Path)
    arguments = parser.parse_args()
    defaults = (HEAVY_SEED, HEAVY_DEFECT_RATE, HEAVY_DEFECTS_PER_REQUEST) if arguments.heavy else (2024, 0.1, 1)
    seed, rate, per_request = (
        given if given is not None else default
        for given, default in zip((arguments.seed, arguments.defect_rate, arguments.defects_per_request), defaults)
    )
    defects = write_corpus(
        arguments.out, arguments.requests, seed, rate, tuple(arguments.formats.split(",")), per_request
    )
    print(f"{arguments.requests} requests, {len(defects)} seeded defects → {os.fspath(arguments.out)}")


if __name__ == "__main__":
    main()
