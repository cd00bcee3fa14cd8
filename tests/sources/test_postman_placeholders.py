"""Postman variables whose value is a placeholder (empty, or an instruction such as
`<Input the mobile number…>`, as the official environments ship them): a value only the
user knows, said once per variable and judged by no other rule; real values are still
linted. And the Content-Type Postman adds for a raw body by itself."""

from __future__ import annotations

import json

import pytest
from test_sources import GOOD_ECOM, collection, postman_item, read_text

from vipps_lint.sources.variables import Variables, is_placeholder_value

from conftest import run_json

URL = "https://apitest.vipps.no/ecomm/v2/payments"
HEADERS = [
    {"key": "Authorization", "value": "Bearer {{access_token}}"},
    {"key": "Ocp-Apim-Subscription-Key", "value": "{{key}}"},
    {"key": "Content-Type", "value": "application/json"},
    {"key": "Merchant-Serial-Number", "value": "{{msn}}"},
    *(
        {"key": f"Vipps-System-{name}", "value": "acme"}
        for name in ("Name", "Version", "Plugin-Name", "Plugin-Version")
    ),
]
TOKEN_SCRIPT = {
    "listen": "test",
    "script": {"exec": ['pm.environment.set("access_token", pm.response.json().access_token);']},
}


# A subscription key and a callback that no rule objects to.
SHOP = {"key": "k", "callback": "https://shop.example.com/cb"}


def environment(tmp_path, **values) -> str:
    path = tmp_path / "shop.postman_environment.json"
    path.write_text(
        json.dumps(
            {
                "name": "shop",
                "_postman_variable_scope": "environment",
                "values": [{"key": key, "value": value, "enabled": True} for key, value in values.items()],
            }
        )
    )
    return str(path)


def initiate(name="Initiate", **transaction) -> dict:
    body = dict(
        GOOD_ECOM,
        merchantInfo=dict(GOOD_ECOM["merchantInfo"], merchantSerialNumber="{{msn}}", callbackPrefix="{{callback}}"),
        customerInfo={"mobileNumber": "{{mobileNumber}}"},
        transaction=dict(GOOD_ECOM["transaction"], **transaction),
    )
    return postman_item(name, json.dumps(body), url=URL, header=HEADERS)


def lint(tmp_path, items, env=None, *args, variables=(), **extra):
    path = tmp_path / "c.postman_collection.json"
    path.write_text(collection(items, variables=variables, **extra))
    return run_json(*args, *(("--postman-env", env) if env else ()), str(path))


@pytest.mark.parametrize(
    "value, expected",
    [
        ("", True),
        ("   ", True),
        ("<Input the mobile number for the test app profile you have received or registered>", True),
        ("<Go To Vipps Portal->Select the Developer tab->copy the Client Id here>", True),
        (" <token> ", True),
        ("123456", False),
        ("https://example.com/", False),
        ("a <b> c", False),
        ("<a>b", False),
        ("0", False),
    ],
)
def test_what_is_a_placeholder_value(value, expected):
    assert is_placeholder_value(value) is expected


def test_placeholders_are_left_as_variables_and_not_unresolved():
    variables = Variables({"msn": "<Your MSN>", "amount": "100"}, placeholders={"msn"})
    result = variables.substitute_json('{"msn": "{{msn}}", "amount": {{amount}}, "n": {{msn}}}')
    assert json.loads(result.text) == {"msn": "{{msn}}", "amount": 100, "n": "{{msn}}"}
    assert result.unresolved == [] and variables.left_open == {"msn"}


def test_environment_placeholders_are_said_once_per_variable_and_judged_by_nothing_else(tmp_path):
    env = environment(
        tmp_path,
        msn="<Go To Vipps Portal->copy the Merchant Serial Number here>",
        mobileNumber="<Input the mobile number>",
        key="<Go To Vipps Portal->copy the Vipps-Subscription-Key>",
        callback="https://shop.example.com/cb",
        access_token="<This value will be overwritten when you call the Get Access Token API>",
    )
    token = {
        "name": "Get Access Token",
        "event": [TOKEN_SCRIPT],
        "request": {
            "method": "POST",
            "url": "https://apitest.vipps.no/accesstoken/get",
            "header": [
                {"key": "client_id", "value": "x-id"},
                {"key": "client_secret", "value": "x-secret"},
                *(header for header in HEADERS if header["key"] not in ("Authorization", "Content-Type")),
            ],
        },
    }
    status, report = lint(tmp_path, [token, initiate("First"), initiate("Second")], env)
    found = [
        (f["rule"], f["request"]["name"], f["part"], f["pointer"] or f["header"], f["message"].split(":")[0])
        for f in report["findings"]
    ]
    where = "in the environment shop.postman_environment.json, not a value"
    assert found == [
        (
            "unresolved-variable",
            "Get Access Token",
            "header",
            "Ocp-Apim-Subscription-Key",
            f"variable \"key\" holds the placeholder '<Go To Vipps Portal->copy the Vipps-Subscription-Key>' {where}",
        ),
        (
            "unresolved-variable",
            "Get Access Token",
            "header",
            "Merchant-Serial-Number",
            'variable "msn" holds the placeholder \'<Go To Vipps Portal->copy the Merchant Serial Number '
            f"here>' {where}",
        ),
        (
            "unresolved-variable",
            "First",
            "body",
            "/customerInfo/mobileNumber",
            f"variable \"mobileNumber\" holds the placeholder '<Input the mobile number>' {where}",
        ),
    ], found
    # No "merchantSerialNumber is 57 characters", no "not a possible mobile number", no
    # "Authorization holds placeholder text": access_token is set by the collection's script.
    [first] = [f for f in report["findings"] if f["pointer"] == "/customerInfo/mobileNumber"]
    assert env in first["hint"] and "mobileNumber" in first["hint"]
    assert status == 0 and report["errors"] == []


def test_real_environment_values_are_still_linted(tmp_path):
    env = environment(
        tmp_path,
        msn="<Your MSN>",
        mobileNumber="123",
        key="3e4f5a6b7c8d49e0a1b2c3d4e5f6a7b8",
        callback="http://shop.example.com/cb",
        access_token="<overwritten by the Get Access Token request>",
    )
    _, report = lint(tmp_path, [initiate()], env)
    rules = {(f["rule"], f["pointer"] or f["header"]) for f in report["findings"]}
    assert ("ecom-callback-https", "/merchantInfo/callbackPrefix") in rules  # the http:// callback from the environment
    assert ("ecom-mobile-number", "/customerInfo/mobileNumber") in rules  # a real, impossible number
    assert ("unresolved-variable", "Merchant-Serial-Number") in rules
    assert (
        not any(rule.startswith("schema-") for rule, _ in rules)
        and ("header-authorization-bearer", "Authorization") not in rules
    )


def test_a_script_set_variable_keeps_a_real_environment_value(tmp_path):
    env = environment(tmp_path, msn="123456", mobileNumber="91234567", **SHOP, access_token="two words")
    item = dict(initiate(), event=[TOKEN_SCRIPT])
    _, report = lint(tmp_path, [item], env)
    assert [f["rule"] for f in report["findings"]] == [
        "header-authorization-bearer"
    ]  # the environment's value is what it was linted with


def test_empty_collection_variables_are_placeholders_too(tmp_path):
    item = postman_item(
        "Initiate",
        '{"merchantInfo": {"merchantSerialNumber": "{{msn}}", "callbackPrefix": "{{host}}/cb", "fallBack": "https://shop.example.com"},'
        ' "customerInfo": {}, "transaction": {"orderId": "acme-1", "amount": {{amount}}, "transactionText": "Socks"}}',
        url=URL,
    )
    status, report = lint(tmp_path, [item], variables=[("msn", ""), ("amount", ""), ("host", "<your shop's address>")])
    found = [(f["rule"], f["pointer"], f["message"].split(":")[0]) for f in report["findings"]]
    assert found == [
        (
            "unresolved-variable",
            "/merchantInfo/merchantSerialNumber",
            'variable "msn" is empty in the collection\'s variables',
        ),
        (
            "unresolved-variable",
            "/merchantInfo/callbackPrefix",
            'variable "host" holds the placeholder "<your shop\'s address>" in the collection\'s variables, '
            "not a value",
        ),
        ("unresolved-variable", "/transaction/amount", 'variable "amount" is empty in the collection\'s variables'),
    ], found
    assert "Variables tab" in report["findings"][0]["hint"] and status == 0 and report["errors"] == []


def test_placeholder_values_are_judged_by_nothing_even_when_the_variable_rule_is_off(tmp_path):
    env = environment(tmp_path, msn="<Your MSN>", mobileNumber="<Input the mobile number>", **SHOP)
    status, report = lint(
        tmp_path,
        [initiate(orderId="{{msn}}-{{orderId}}")],
        env,
        "--ignore",
        "unresolved-variable",
        variables=[("orderId", "<overwritten on each Initiate Payment call>")],
    )
    assert report["findings"] == [] and status == 0


def test_the_environment_wins_over_the_collection_also_with_a_placeholder(tmp_path):
    env = environment(tmp_path, msn="<Your MSN>")
    [request] = read_text(
        "c.json", collection([initiate()], variables=[("msn", "123456"), ("callback", "")]), postman_env=env
    )
    assert (
        request.body["merchantInfo"]["merchantSerialNumber"] == "{{msn}}"
        and request.body["merchantInfo"]["callbackPrefix"] == "{{callback}}"
    )
    assert request.meta.placeholder_variables == {"msn": ("<Your MSN>", env), "callback": ("", None)}
    # {{mobileNumber}} is defined nowhere: unresolved, not unknown.
    assert request.meta.unknown_at_lint_time == {"/merchantInfo/merchantSerialNumber", "/merchantInfo/callbackPrefix"}


@pytest.mark.parametrize(
    "options, behavior, expected",
    [
        ({"raw": {"language": "json"}}, None, ("application/json", None)),
        (None, None, ("text/plain", "Content-Type is 'text/plain', but the body is JSON")),
        ({"raw": {"language": "text"}}, None, ("text/plain", "Content-Type is 'text/plain', but the body is JSON")),
        (
            {"raw": {"language": "json"}},
            {"disabledSystemHeaders": {"content-type": True}},
            (None, "Content-Type header missing on a request with a JSON body"),
        ),
    ],
)
def test_postman_adds_the_content_type_of_a_raw_body_itself(tmp_path, options, behavior, expected):
    headers = [header for header in HEADERS if header["key"] != "Content-Type"]
    item = postman_item("Initiate", json.dumps(GOOD_ECOM), url=URL, header=headers)
    if options is not None:
        item["request"]["body"]["options"] = options
    if behavior is not None:
        item["protocolProfileBehavior"] = behavior
    variables = [("access_token", "t"), ("key", "k"), ("msn", "123456")]
    [request] = read_text("c.json", collection([item], variables=variables))
    assert request.header("Content-Type") == expected[0]
    _, report = lint(tmp_path, [item], variables=variables)
    messages = [f["message"] for f in report["findings"] if f["rule"] == "header-content-type-json"]
    assert messages == ([] if expected[1] is None else [expected[1]])


def test_a_content_type_of_the_request_or_a_collection_wide_switch_wins(tmp_path):
    item = postman_item(
        "Initiate",
        json.dumps(GOOD_ECOM),
        url=URL,
        header=[{"key": "content-type", "value": "application/json; charset=utf-8"}],
    )
    [request] = read_text("c.json", collection([item]))
    assert [value for name, value in request.headers if name.lower() == "content-type"] == [
        "application/json; charset=utf-8"
    ]
    bare = postman_item("Initiate", json.dumps(GOOD_ECOM), url=URL)
    [request] = read_text(
        "c.json", collection([bare], protocolProfileBehavior={"disabledSystemHeaders": {"Content-Type": True}})
    )
    assert request.header("Content-Type") is None
    # A request that lists no headers of its own still gets no header rules.
    [request] = read_text("c.json", collection([bare]))
    assert request.header("Content-Type") == "text/plain" and request.meta.headers_recorded is False
