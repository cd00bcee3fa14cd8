"""Ignore comments where the finding is (.http, curl, shell, OpenAPI, Postman) and unused-ignore."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vipps_lint.cli import main

HTTP_REQUEST = """GET https://apitest.vipps.no/epayment/v1/payments/acme-shop-123-order123abc
Authorization: Bearer {{token}}
Merchant-Serial-Number: 123456
Vipps-System-Name: acme
Vipps-System-Version: 1.0
Vipps-System-Plugin-Name: acme-plugin
Vipps-System-Plugin-Version: 1.0
"""


def _check(tmp_path, name, text, *args):
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["check", "--isolated", "--format", "json", *args, str(tmp_path / name)], catch_exceptions=False
    )
    report = json.loads(result.output)
    return result.exit_code, [(f["rule"], f["line"]) for f in report["findings"]], report


def _http(marker_above="", marker_on_line=""):
    lines = ["@token = abc", "", "### Get a payment"]
    if marker_above:
        lines.append(marker_above)
    request = HTTP_REQUEST.replace("abc\n", "abc\n")
    first, rest = request.split("\n", 1)
    lines.append(first + (f"  {marker_on_line}" if marker_on_line else ""))
    return "\n".join(lines) + "\n" + rest


def test_http_marker_above_the_request_line_suppresses_its_finding(tmp_path):
    status, found, _ = _check(tmp_path, "a.http", _http())
    assert ("header-subscription-key", 4) in found and status == 1
    status, found, _ = _check(tmp_path, "a.http", _http("# vipps-lint: ignore[header-subscription-key]"))
    assert found == [] and status == 0
    status, found, _ = _check(tmp_path, "a.http", _http("// vipps-lint: ignore[header-*]"))
    assert found == []


def test_a_marker_on_the_request_line_and_a_bare_marker(tmp_path):
    text = _http().replace("### Get a payment\n", "### Get a payment\n# vipps-lint: ignore\n")
    status, found, _ = _check(tmp_path, "a.http", text)
    assert found == [] and status == 0
    curl = (
        "curl https://apitest.vipps.no/epayment/v1/payments/x -H 'Authorization: Bearer {{token}}' "
        "-H 'Merchant-Serial-Number: 123456'  # vipps-lint: ignore[header-subscription-key, header-vipps-system]\n"
    )
    status, found, _ = _check(tmp_path, "get.curl", curl)
    assert found == [], found


def test_unused_entries_are_reported_at_the_comment_and_can_be_ignored(tmp_path):
    text = _http("# vipps-lint: ignore[header-subscription-key, ecom-callback-https, header-subscription-kye]")
    status, found, report = _check(tmp_path, "a.http", text)
    assert status == 0  # info
    assert found == [("unused-ignore", 4), ("unused-ignore", 4)]
    messages = [f["message"] for f in report["findings"]]
    assert messages[0].startswith(
        "ecom-callback-https in `# vipps-lint: ignore[header-subscription-key, ecom-callback-https, "
        "header-subscription-kye]` suppressed nothing"
    )
    assert "header-subscription-kye in" in messages[1] and "is no rule" in messages[1]
    assert report["findings"][0]["hint"] == "Remove ecom-callback-https from the comment"
    # The rule can itself be ignored: in the same comment, or for the run.
    _, found, _ = _check(tmp_path, "a.http", text.replace("kye]", "kye, unused-ignore]"))
    assert found == []
    _, found, _ = _check(tmp_path, "a.http", text, "--ignore", "unused-ignore")
    assert found == []
    # An entry for a rule this run does not check may fire in a run that does: not reported.
    _, found, _ = _check(
        tmp_path, "a.http", _http("# vipps-lint: ignore[ecom-callback-https]"), "--select", "unused-ignore"
    )
    assert found == []
    # A bare marker on a request without findings.
    _, found, report = _check(
        tmp_path,
        "a.http",
        _http("# vipps-lint: ignore")
        .replace("GET https", "GET https")
        .replace("Authorization", "Ocp-Apim-Subscription-Key: {{token}}\nAuthorization"),
    )
    assert found == [("unused-ignore", 4)] and "this request has no findings" in report["findings"][0]["message"]


def test_curl_in_a_shell_script_and_the_marker_does_not_name_the_command(tmp_path):
    script = """#!/bin/sh
# Fetch the payment
# vipps-lint: ignore[header-subscription-key]
curl https://apitest.vipps.no/epayment/v1/payments/acme-shop-123-order123abc \\
  -H "Authorization: Bearer $TOKEN" -H "Merchant-Serial-Number: 123456" -H "Vipps-System-Name: a" \\
  -H "Vipps-System-Version: 1" -H "Vipps-System-Plugin-Name: b" -H "Vipps-System-Plugin-Version: 1"

# Second call
curl https://apitest.vipps.no/epayment/v1/payments/acme-shop-123-order123abc \\
  -H "Authorization: Bearer $TOKEN" -H "Merchant-Serial-Number: 123456" -H "Vipps-System-Name: a" \\
  -H "Vipps-System-Version: 1" -H "Vipps-System-Plugin-Name: b" -H "Vipps-System-Plugin-Version: 1"
"""
    status, found, report = _check(tmp_path, "pay.sh", script)
    assert found == [("header-subscription-key", 9)], found
    assert report["findings"][0]["request"]["name"] == "Second call"
    assert status == 1


EPAYMENT_SPEC = """openapi: 3.0.3
info: {{title: Shop, version: "1"}}
servers: [{{url: https://apitest.vipps.no/epayment}}]
paths:
  /v1/payments:
    post:
      operationId: createPayment
      {operation_marker}
      requestBody:
        content:
          application/json:
            schema: {{type: object}}
            examples:
              http-return:
                {example_marker}
                value:
                  amount: {{currency: NOK, value: 1000}}
                  paymentMethod: {{type: WALLET}}
                  reference: acme-shop-123-order123abc
                  returnUrl: http://example.com/return
                  userFlow: WEB_REDIRECT
"""


@pytest.mark.parametrize(
    "operation_marker, example_marker",
    [
        ("x-vipps-lint-ignore: [epayment-return-url]", ""),
        ("", "x-vipps-lint-ignore: [epayment-return-url]"),
        ("", "x-vipps-lint-ignore: epayment-return-url"),
    ],
)
def test_openapi_extension_on_an_operation_or_an_example(tmp_path, operation_marker, example_marker):
    _, found, _ = _check(tmp_path, "spec.yaml", EPAYMENT_SPEC.format(operation_marker="", example_marker=""))
    assert ("epayment-return-url", 20) in found
    _, found, _ = _check(
        tmp_path, "spec.yaml", EPAYMENT_SPEC.format(operation_marker=operation_marker, example_marker=example_marker)
    )
    assert "epayment-return-url" not in {rule for rule, _line in found}
    assert "unused-ignore" not in {rule for rule, _line in found}


def test_postman_marker_in_an_item_description(tmp_path):
    def collection(description):
        item = {
            "name": "Get",
            "request": {
                "method": "GET",
                "url": "https://apitest.vipps.no/epayment/v1/payments/abc-123-xyz",
                "header": [
                    {"key": "Authorization", "value": "Bearer {{token}}"},
                    {"key": "Merchant-Serial-Number", "value": "123456"},
                ],
            },
        }
        if description:
            item["description"] = description
        return json.dumps(
            {
                "info": {
                    "name": "Shop",
                    "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
                },
                "variable": [{"key": "token", "value": "x"}],
                "item": [item],
            },
            indent=2,
        )

    _, found, _ = _check(tmp_path, "shop.postman_collection.json", collection(None))
    assert "header-subscription-key" in {rule for rule, _line in found}
    _, found, _ = _check(
        tmp_path,
        "shop.postman_collection.json",
        collection("Reads a payment.\n\nvipps-lint: ignore[header-subscription-key, header-vipps-system]"),
    )
    assert found == []
    _, found, _ = _check(
        tmp_path,
        "shop.postman_collection.json",
        collection({"content": "vipps-lint: ignore[ecom-mobile-number]", "type": "text/markdown"}),
    )
    assert "unused-ignore" in {rule for rule, _line in found}


def test_json_bodies_have_no_comments_per_file_ignores_stay(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.vipps-lint.per-file-ignores]\n"*.json" = ["ecom-callback-https"]\n', encoding="utf-8"
    )
    from conftest import FIXTURES, run_cli

    (tmp_path / "pay.json").write_bytes((FIXTURES / "ecom" / "initiate-http-urls.json").read_bytes())
    result = run_cli("check", "--format", "concise", "pay.json", cwd=tmp_path)
    assert "ecom-callback-https" not in result.stdout.decode() and "ecom-fallback-https" in result.stdout.decode()
