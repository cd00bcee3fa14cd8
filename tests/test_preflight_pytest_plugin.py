"""The pytest plugin, run on small merchant test-suites with pytester: `--vipps-preflight`
fails the tests whose code sent a bad request to Vipps MobilePay, through each mock library
merchants use (responses, respx, pytest-httpx), and leaves the others alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import bench_module

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True, scope="module")
def _modules_loaded_before_pytester():
    """pytester's in-process runs forget the modules first imported inside them; the linter's
    (yaml among them) must outlive a run, so they are imported here, by building one."""
    import httpx  # noqa: F401 - imported to be loaded, not used
    import requests  # noqa: F401 - imported to be loaded, not used
    import responses  # noqa: F401 - imported to be loaded, not used
    import respx  # noqa: F401 - imported to be loaded, not used

    from vipps_lint import api

    api.linter_for(None).lint_request("POST", "https://apitest.vipps.no/epayment/v1/payments", {}, {"reference": "x"})


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcmVmbGlnaHQtcGx1Z2luIn0.c2lnbmF0dXJlLXBsdWdpbg"
# The clients set Content-Type themselves (json=…).
HEADERS = {name: value for name, value in bench_module("corpus").shop_headers(TOKEN).items() if name != "Content-Type"}

COMMON = f"""
import json
URL = "https://apitest.vipps.no/epayment/v1/payments"
HEADERS = {HEADERS!r}
GOOD = {json.loads((FIXTURES / "epayment/create-good.json").read_text())!r}
BAD = {json.loads((FIXTURES / "epayment/create-bad-phone-and-return.json").read_text())!r}
"""

RESPONSES_SUITE = (
    COMMON
    + """
import requests
import responses

@responses.activate
def test_good_payment():
    responses.add(responses.POST, URL, json={"state": "CREATED"}, status=201)
    assert requests.post(URL, json=GOOD, headers=HEADERS).status_code == 201

@responses.activate
def test_bad_payment():
    responses.add(responses.POST, URL, json={"state": "CREATED"}, status=201)
    assert requests.post(URL, json=BAD, headers=HEADERS).status_code == 201

@responses.activate
def test_bad_payment_swallowed():
    responses.add(responses.POST, URL, json={"state": "CREATED"}, status=201)
    try:
        requests.post(URL, json=BAD, headers=HEADERS)
    except Exception:
        pass
"""
)

RESPX_SUITE = (
    COMMON
    + """
import asyncio
import httpx
import respx

@respx.mock
def test_good_payment():
    respx.post(URL).respond(201, json={"state": "CREATED"})
    assert httpx.post(URL, json=GOOD, headers=HEADERS).status_code == 201

@respx.mock
def test_bad_payment_async():
    respx.post(URL).respond(201, json={"state": "CREATED"})
    async def send():
        async with httpx.AsyncClient() as client:
            return await client.post(URL, json=BAD, headers=HEADERS)
    assert asyncio.run(send()).status_code == 201
"""
)

PYTEST_HTTPX_SUITE = (
    COMMON
    + """
import httpx

def test_good_payment(httpx_mock):
    httpx_mock.add_response(method="POST", url=URL, status_code=201, json={"state": "CREATED"})
    assert httpx.Client().post(URL, json=GOOD, headers=HEADERS).status_code == 201

def test_bad_payment(httpx_mock):
    httpx_mock.add_response(method="POST", url=URL, status_code=201, json={"state": "CREATED"})
    assert httpx.Client().post(URL, json=BAD, headers=HEADERS).status_code == 201
"""
)


def run(pytester: pytest.Pytester, suite: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_merchant=suite)
    return pytester.runpytest("-p", "no:cacheprovider", *args)


def test_without_the_option_nothing_changes(pytester):
    result = run(pytester, RESPONSES_SUITE)
    result.assert_outcomes(passed=3)


def test_responses_bad_requests_fail_with_the_text_report(pytester):
    result = run(pytester, RESPONSES_SUITE, "--vipps-preflight")
    result.assert_outcomes(passed=1, failed=2)
    output = result.stdout.str()
    assert (
        "test_merchant.py::test_bad_payment FAILED" in output or "FAILED test_merchant.py::test_bad_payment" in output
    )
    assert "FAILED test_merchant.py::test_bad_payment_swallowed" in output
    assert "error[epayment-phone-msisdn]" in output and 'hint: Send "phoneNumber": "4791234567"' in output
    assert "POST https://apitest.vipps.no/epayment/v1/payments" in output
    assert TOKEN not in output


def test_respx_sync_and_async_clients(pytester):
    result = run(pytester, RESPX_SUITE, "--vipps-preflight")
    result.assert_outcomes(passed=1, failed=1)
    assert "error[epayment-return-url]" in result.stdout.str()


def test_pytest_httpx(pytester):
    result = run(pytester, PYTEST_HTTPX_SUITE, "--vipps-preflight")
    result.assert_outcomes(passed=1, failed=1)
    assert "error[epayment-phone-msisdn]" in result.stdout.str()


def test_fail_on_warning_and_info(pytester):
    suite = (
        COMMON
        + """
import requests, responses

@responses.activate
def test_without_system_headers():
    responses.add(responses.POST, URL, json={}, status=201)
    headers = {k: v for k, v in HEADERS.items() if not k.startswith("Vipps-System")}
    requests.post(URL, json=GOOD, headers=headers)
"""
    )
    run(pytester, suite, "--vipps-preflight", "--fail-on", "warning").assert_outcomes(passed=1)
    result = run(pytester, suite, "--vipps-preflight", "--fail-on", "info")
    result.assert_outcomes(failed=1)
    assert "info[header-vipps-system]" in result.stdout.str()


def test_the_fixture_gives_the_findings_and_the_marker_allows_a_bad_request(pytester):
    suite = (
        COMMON
        + """
import pytest, requests, responses

@responses.activate
@pytest.mark.vipps_preflight(fail=False)
def test_error_handling_on_purpose(vipps_preflight):
    responses.add(responses.POST, URL, json={"title": "Bad Request"}, status=400)
    assert requests.post(URL, json=BAD, headers=HEADERS).status_code == 400
    assert {"epayment-phone-msisdn", "epayment-return-url"} <= vipps_preflight.rules
    assert vipps_preflight.responses[0][0].rule == "response-client-error"

@responses.activate
@pytest.mark.vipps_preflight(ignore=["epayment-phone-msisdn", "epayment-return-url"])
def test_ignored_rules():
    responses.add(responses.POST, URL, json={}, status=201)
    requests.post(URL, json=BAD, headers=HEADERS)
"""
    )
    run(pytester, suite, "--vipps-preflight").assert_outcomes(passed=2)
    # The fixture records without the option too (and never fails the test).
    run(pytester, suite).assert_outcomes(passed=2)


def test_configured_hosts_from_the_command_line_and_ini(pytester):
    suite = (
        COMMON
        + """
import requests, responses

@responses.activate
def test_local_double():
    responses.add(responses.POST, "http://localhost:8080/epayment/v1/payments", json={}, status=201)
    requests.post("http://localhost:8080/epayment/v1/payments", json=BAD, headers=HEADERS)
"""
    )
    run(pytester, suite, "--vipps-preflight").assert_outcomes(passed=1)
    run(pytester, suite, "--vipps-preflight", "--vipps-host", "localhost:8080").assert_outcomes(failed=1)
    pytester.makeini("[pytest]\nvipps_preflight = true\nvipps_preflight_hosts = localhost:*\n")
    run(pytester, suite).assert_outcomes(failed=1)


@pytest.mark.slow  # installs and runs pytest in a new process
def test_the_plugin_is_registered_as_an_entry_point(pytester):
    """A fresh pytest process finds the plugin by its `pytest11` entry point."""
    pytester.makepyfile(test_merchant=RESPONSES_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--vipps-preflight", timeout=120)
    result.assert_outcomes(passed=1, failed=2)


TOKEN_README = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZWFkbWUifQ.c2lnbmF0dXJlLXJlYWRtZQ"


def readme_examples() -> list[str]:
    """The Python examples of the README's pre-flight section, in order."""
    import re

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Before it is sent") :]
    section = section[: section.index("\n### ", 1)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_readme_examples_run_as_they_are(pytester):
    """The API and client examples run (no network: the bad request is stopped before it is
    sent); the test-suite example fails its first test and passes its second with --vipps-preflight."""
    api_example, client_example, suite_example = readme_examples()
    outputs = []
    for name, example in (("api_example", api_example), ("client_example", client_example)):
        result = pytester.runpython(pytester.makepyfile(**{name: example}))
        assert result.ret == 0, result.stderr.str()
        outputs.append(result.stdout.str())
    assert "error[epayment-phone-msisdn] /customer/phoneNumber" in outputs[0]
    assert outputs[1].count("['header-vipps-system', 'epayment-return-url']") == 2 and TOKEN_README not in outputs[1]
    pytester.makepyfile(test_checkout=suite_example)
    result = pytester.runpytest("-p", "no:cacheprovider", "--vipps-preflight")
    result.assert_outcomes(passed=1, failed=1)
    assert "FAILED test_checkout.py::test_create_payment" in result.stdout.str()


def test_a_broken_configuration_is_a_usage_error_not_a_traceback(pytester):
    pytester.makefile(".yaml", **{".vipps-lint": "fail-on: sometimes\n"})
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--vipps-preflight")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--vipps-preflight:" in result.stderr.str() and "fail-on" in result.stderr.str()
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
