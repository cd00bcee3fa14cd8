"""`unresolved-variable`: an undefined variable is reported once per file, at its first use,
and the hint names an exported Postman environment beside the collection that defines it."""

from __future__ import annotations

import json
import shutil
from collections import Counter

from conftest import run_json

SEND = [
    {"key": "Authorization", "value": "Bearer {{token}}"},
    {"key": "Ocp-Apim-Subscription-Key", "value": "{{subscription_key}}"},
    {"key": "Merchant-Serial-Number", "value": "123456"},
]


def _collection(*items) -> str:
    return json.dumps(
        {
            "info": {"name": "t", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
            "item": list(items),
        },
        indent=2,
    )


def _get(name: str, url: str) -> dict:
    return {"name": name, "request": {"method": "GET", "url": url, "header": SEND}}


def _unresolved(report: dict) -> list[tuple[int, str]]:
    """(request index, variable) of each unresolved-variable finding, in report order."""
    return [
        (finding["request"]["index"], finding["message"].split('"')[1])
        for finding in report["findings"]
        if finding["rule"] == "unresolved-variable"
    ]


def _write_collection(tmp_path, name="shop.postman_collection.json"):
    path = tmp_path / name
    path.write_text(
        _collection(
            _get("first", "{{base_url}}/epayment/v1/payments/order-1"),
            _get("second", "{{base_url}}/epayment/v1/payments/order-2"),
            _get("third", "{{base_url}}/epayment/v1/payments/{{reference}}"),
        )
    )
    return path


def test_each_undefined_variable_is_reported_once_per_file_at_its_first_use(tmp_path):
    path = _write_collection(tmp_path)
    status, report = run_json(str(path))
    assert status == 0  # warnings only
    assert sorted(_unresolved(report)) == [
        (0, "base_url"),
        (0, "subscription_key"),
        (0, "token"),
        (2, "reference"),  # first used by the third request: reported there
    ]


def test_each_file_has_its_own_first_use(tmp_path):
    first, second = (
        _write_collection(tmp_path, "a.postman_collection.json"),
        _write_collection(tmp_path, "b.postman_collection.json"),
    )
    _, report = run_json(str(first), str(second))
    files = Counter(finding["file"] for finding in report["findings"] if finding["rule"] == "unresolved-variable")
    assert files == {str(first): 4, str(second): 4}


def test_http_file_reports_an_undefined_variable_once(tmp_path):
    path = tmp_path / "shop.http"
    path.write_text(
        "GET {{host}}/epayment/v1/payments/order-1\nAuthorization: Bearer {{token}}\n\n"
        "###\nGET {{host}}/epayment/v1/payments/order-2\nAuthorization: Bearer {{token}}\n\n"
        "###\nGET https://apitest.vipps.no/epayment/v1/payments/order-3\nAuthorization: Bearer {{other}}\n"
    )
    _, report = run_json(str(path))
    assert sorted(_unresolved(report)) == [(0, "host"), (0, "token"), (2, "other")]


def test_hint_names_the_environment_beside_the_collection_that_defines_the_variable(tmp_path):
    path = _write_collection(tmp_path)
    (tmp_path / "test.postman_environment.json").write_text(
        json.dumps({"name": "test", "values": [{"key": "token", "value": "<your access token>", "enabled": True}]})
    )
    (tmp_path / "broken.postman_environment.json").write_text("{not json")  # only a hint: never an error
    status, report = run_json(str(path))
    assert status == 0 and report["errors"] == []
    hints = {
        finding["message"].split('"')[1]: finding["hint"]
        for finding in report["findings"]
        if finding["rule"] == "unresolved-variable"
    }
    environment = str(tmp_path / "test.postman_environment.json")
    assert hints["token"] == (
        f"The environment beside the collection defines token: pass it with vipps-lint check --postman-env "
        f"{environment} {path} (in Postman, select that environment)"
    )
    # No environment beside it defines base_url: the general hint.
    assert hints["base_url"].startswith("Define base_url in the collection's variables")

    # Passed with --postman-env, the environment is read and nothing beside it is suggested.
    _, report = run_json("--postman-env", environment, str(path))
    variables = {variable for _, variable in _unresolved(report)}
    assert "base_url" in variables
    assert all("beside the collection" not in finding["hint"] for finding in report["findings"])


def test_official_recurring_collection_without_its_environment_is_not_buried_in_warnings(tmp_path, shared_dir):
    # The official Recurring v3 collection linted alone uses a few dozen undefined variables
    # in 31 requests (375 uses); its schema errors must not drown among them.
    official = shared_dir / "vipps-specs-2026" / "postman"
    collection = tmp_path / "recurring-v3.postman_collection.json"
    shutil.copy(official / "recurring-v3.postman_collection.json", collection)
    status, report = run_json(str(collection))
    unresolved = _unresolved(report)
    assert unresolved and len(unresolved) == len({variable for _, variable in unresolved})
    assert status == 1 and report["summary"]["error"] >= 1

    # With the environment that was published beside it, the hint says to pass it.
    shutil.copy(official / "global.postman_environment.json", tmp_path)
    _, report = run_json(str(collection))
    client_id = next(finding for finding in report["findings"] if finding["message"].startswith('variable "client_id"'))
    assert "--postman-env " + str(tmp_path / "global.postman_environment.json") in client_id["hint"]


def test_a_number_sent_as_a_string_through_a_quoted_variable_is_fixed_in_the_template(tmp_path):
    # The official PSP collection writes "amount": "{{amount}}": whatever the environment
    # holds, the API gets a string. The hint says to drop the quotes, not to type 200 there.
    body = (
        '{"amount": {"currency": "NOK", "value": "{{amount}}"}, "paymentMethod": {"type": "WALLET"},'
        ' "reference": "{{reference}}", "userFlow": "WEB_REDIRECT", "returnUrl": "https://shop.example.com/r"}'
    )
    item = {
        "name": "create",
        "request": {
            "method": "POST",
            "url": "https://apitest.vipps.no/epayment/v1/payments",
            "header": SEND,
            "body": {"mode": "raw", "raw": body, "options": {"raw": {"language": "json"}}},
        },
    }
    path = tmp_path / "shop.postman_collection.json"
    path.write_text(
        json.dumps(
            {
                "info": {"name": "t", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
                "item": [item],
                "variable": [{"key": "amount", "value": "1000"}, {"key": "reference", "value": "order-12345678"}],
            }
        )
    )
    http = tmp_path / "shop.http"
    http.write_text(
        "@amount = 1000\n@reference = order-12345678\n"
        "POST https://apitest.vipps.no/epayment/v1/payments\nContent-Type: application/json\n\n" + body + "\n"
    )
    for dump in (path, http):
        _, report = run_json(str(dump))
        (finding,) = [finding for finding in report["findings"] if finding["rule"] == "schema-type"]
        assert finding["pointer"] == "/amount/value"
        assert finding["hint"] == (
            'Remove the quotes around {{amount}} in the body: "value": {{amount}} (a variable is put in as '
            "written, so in quotes its value is sent as a string)"
        )

    # A string written as such keeps the plain hint.
    http.write_text(http.read_text().replace('"{{amount}}"', '"1000"'))
    _, report = run_json(str(http))
    (finding,) = [finding for finding in report["findings"] if finding["rule"] == "schema-type"]
    assert finding["hint"] == "Send it as a number, without quotes: 1000"


def test_the_collections_own_environment_is_named_first_then_a_global_one(tmp_path):
    path = _write_collection(tmp_path)  # shop.postman_collection.json
    for name in ("aaa", "global", "shop"):
        (tmp_path / f"{name}.postman_environment.json").write_text(
            json.dumps({"name": name, "values": [{"key": "token", "value": "<your token>"}]})
        )
    _, report = run_json(str(path))
    (hint,) = [f["hint"] for f in report["findings"] if f["message"].startswith('variable "token"')]
    own, common, other = (str(tmp_path / f"{name}.postman_environment.json") for name in ("shop", "global", "aaa"))
    assert hint.startswith(
        f"The environment beside the collection defines token: pass it with vipps-lint check --postman-env {own} "
    )
    assert hint.endswith(f"; {common}, {other} define it too")
