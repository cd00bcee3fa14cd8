"""Readers of whole-collection dumps do work in proportion to the file, not to the file
times its number of requests: a Postman collection is walked once for every item's
position. Positions stay exactly those of a lookup from the start of the file."""

from __future__ import annotations

import json

import pytest

import vipps_lint.positions as positions
import vipps_lint.sources.postman as postman_reader
from vipps_lint.models import NO_BODY, InputError, SourceFile
from vipps_lint.positions import line_column, pointer_from_parts, pointer_offset, value_span
from vipps_lint.sources import ReadOptions, read_source

BODY = {"merchantInfo": {"merchantSerialNumber": "123456", "callbackPrefix": "http://shop.example.com/cb",
                         "fallBack": "https://shop.example.com/done"},
        "customerInfo": {"mobileNumber": "4791234567"},
        "transaction": {"orderId": "acme-shop-123-order1", "amount": 1000, "transactionText": "Sokker til Kåre Ødegård 🧦"}}
BODY_POINTERS = ["/merchantInfo/callbackPrefix", "/transaction/amount", "/transaction/transactionText", "/customerInfo/missing"]


def read(source: SourceFile, **options) -> list:
    return list(read_source(source, ReadOptions(**options)))


def read_bytes(data: bytes, **options) -> list:
    return read(SourceFile("dump", None, data), **options)


def observed(item) -> tuple:
    """What a reader gives for one request or error, positions of its findings included."""
    if isinstance(item, InputError):
        return "error", item.message, item.line, item.column
    located = [item.locate("body", pointer) for pointer in BODY_POINTERS]
    located += [item.locate("header", "content-type"), item.locate("url", None), item.locate("response", "/orderId")]
    body = "no body" if item.body is NO_BODY else item.body
    return item.index, item.name, item.method, item.url, item.headers, body, item.position, sorted(item.meta.items()), located


# ---- Postman -------------------------------------------------------------------------------

def postman_request(number: int, body_text: str) -> dict:
    return {"method": "POST", "url": "https://apitest.vipps.no/ecomm/v2/payments",
            "header": [{"key": "Content-Type", "value": "application/json"}],
            "body": {"mode": "raw", "raw": body_text, "options": {"raw": {"language": "json"}}}}


def postman_collection(requests: int, folders: int = 3, **dump_options) -> str:
    """Requests spread over nested folders, some with {{variables}} in their bodies."""
    items, folder = [], None
    for number in range(requests):
        body = dict(BODY, transaction=dict(BODY["transaction"], orderId=f"acme-{number:06d}"))
        body_text = json.dumps(body, indent=2, ensure_ascii=False)
        if number % 3 == 0:
            body_text = body_text.replace('"amount": 1000', '"amount": {{amount}}')
        item = {"name": f"request {number}", "request": postman_request(number, body_text)}
        if number % (requests // folders or 1) == 0:
            folder = {"name": f"folder {number}", "item": [{"name": "inner", "item": []}]}
            items.append(folder)
        folder["item"][-1]["item"].append(item)
    return json.dumps({"info": {"name": "bench", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
                       "item": items, "variable": [{"key": "amount", "value": "2500"}]}, ensure_ascii=False, **dump_options)


def item_pointers(items: list, parts: list) -> list[str]:
    """The JSON Pointer of each request's item, in the order the reader yields them."""
    found = []
    for number, item in enumerate(items):
        if isinstance(item, dict):
            if "request" in item:
                found.append(pointer_from_parts(parts + ["item", number]))
            if isinstance(item.get("item"), list):
                found += item_pointers(item["item"], parts + ["item", number])
    return found


# Equal keys (the last wins, as in json.loads), an escaped "item", a non-object item, a
# request given as a URL string, and a collection written on one line.
TRICKY_COLLECTION = """{"info": {"schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
 "item": [{"name": "overwritten", "request": "https://apitest.vipps.no/x"}],
 "item": [
  "not an item",
  {"name": "folder", "item": {"not": "a list"}, "\\u0069tem": [
    {"name": "a", "request": {"method": "POST", "url": "https://apitest.vipps.no/ecomm/v2/payments",
     "body": {"mode": "raw", "raw": "{\\"transaction\\": {\\"amount\\": \\"1\\"}}"},
     "body": {"mode": "raw", "raw": "{\\"transaction\\": {\\"amount\\": 1000}}"}}},
    {"name": "b", "request": "https://apitest.vipps.no/ecomm/v2/payments/x/details"}]},
  {"name": "c", "request": {"method": "POST", "url": "https://apitest.vipps.no/ecomm/v2/payments", "body": {"mode": "raw", "raw": "{}"}},
   "request": {"method": "POST", "url": "https://apitest.vipps.no/ecomm/v2/payments",
               "body": {"raw": "{\\"transaction\\": {\\"amount\\": 5}}", "mode": "raw"}}}]}"""


@pytest.mark.parametrize("text", [
    postman_collection(30, indent=2), postman_collection(30, indent="\t"),
    postman_collection(30, separators=(",", ":")), TRICKY_COLLECTION,
], ids=["indented", "tabs", "one-line", "tricky"])
def test_postman_positions_are_those_of_a_lookup_from_the_start_of_the_file(text):
    requests = read_bytes(text.encode())
    pointers = item_pointers(json.loads(text)["item"], [])
    assert len(requests) == len(pointers) > 0
    for request, pointer in zip(requests, pointers):
        offset = pointer_offset(text, pointer)
        assert request.position == line_column(text, offset)
        if "body_span" in request.meta:
            assert request.meta["body_span"] == value_span(text, "/request/body/raw", offset)
    # Findings' positions: the same from the walk as from each item looked up on its own.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postman_reader, "item_places", lambda text: None)
        looked_up = read_bytes(text.encode())
    assert [observed(request) for request in requests] == [observed(request) for request in looked_up]


def test_postman_body_positions_point_at_the_value_in_a_collection_on_one_line():
    text = postman_collection(5, separators=(",", ":"))
    request = read_bytes(text.encode())[1]
    position = request.locate("body", "/transaction/amount")
    assert position.line == 1 and text[position.column - 1:].startswith("1000")


class ScanCounter:
    """Counts the characters the Postman reader scans: values skipped, lines counted."""

    def __init__(self, patch: pytest.MonkeyPatch):
        self.characters = 0
        skip_value = self.counting(positions.skip_value, lambda args, end: end - args[1])
        for module in (positions, postman_reader):
            patch.setattr(module, "skip_value", skip_value, raising=False)
        patch.setattr(postman_reader, "line_column", self.counting(positions.line_column, lambda args, _: args[1]), raising=False)
        patch.setattr(postman_reader, "position_after", self.counting(positions.position_after, lambda args, _: args[1] - args[2]), raising=False)

    def counting(self, function, scanned):
        def counted(*args):
            result = function(*args)
            self.characters += scanned(args, result)
            return result

        return counted


@pytest.mark.parametrize("requests", [40, 400])
def test_reading_a_collection_scans_it_a_fixed_number_of_times_whatever_its_size(monkeypatch, requests):
    """Looking each item up from the start of the file scanned it once per request (a
    2000-request collection took a minute to read)."""
    text = postman_collection(requests, indent="\t")
    counter = ScanCounter(monkeypatch)
    assert len(read_bytes(text.encode())) == requests
    assert counter.characters <= 3 * len(text)
