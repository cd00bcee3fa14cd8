"""The real CLI, in a subprocess, as users and CI run it."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import FIXTURES, SHARED, fixture_files, run_cli, run_cli_process, run_json

BAD_ECOM = FIXTURES / "ecom" / "initiate-http-urls.json"
GOOD_ECOM = FIXTURES / "ecom" / "initiate-good.json"
PHONE_ECOM = FIXTURES / "ecom" / "initiate-phone-formats.json"


def out(result) -> str:
    return result.stdout.decode()


def err(result) -> str:
    return result.stderr.decode()


def test_version_and_help():
    result = run_cli_process("--version")
    assert result.returncode == 0 and "vipps-lint" in out(result)
    result = run_cli_process("check", "--help")
    assert result.returncode == 0
    for flag in ("--endpoint", "--format", "--output", "--select", "--ignore", "--fail-on", "--quiet", "--rules"):
        assert flag in out(result)


def test_clean_file_exits_0_with_a_summary():
    result = run_cli_process("check", str(GOOD_ECOM))
    assert result.returncode == 0, out(result) + err(result)
    assert "No problems found (1 request in 1 file)" in out(result)


def test_text_report_has_location_frame_pointer_and_hint():
    result = run_cli("check", str(BAD_ECOM))
    assert result.returncode == 1
    text = out(result)
    assert (
        "fixtures/ecom/initiate-http-urls.json:7:23: error[ecom-callback-https] merchantInfo.callbackPrefix must use https://"
        in text
    )
    assert ' 7 |     "callbackPrefix": "http://example.com/vipps/callbacks-for-payment-updates",' in text
    assert "^^^^" in text
    assert "at /merchantInfo/callbackPrefix" in text
    assert 'hint: Set merchantInfo.callbackPrefix to "https://example.com/vipps/callbacks-for-payment-updates"' in text
    assert "Found 3 errors" in text
    assert "\x1b[" not in text  # NO_COLOR and not a terminal: no escape codes


def test_colour_only_when_asked_and_never_with_no_color():
    forced = run_cli_process("check", "--color", str(BAD_ECOM), env={"NO_COLOR": ""})
    assert "\x1b[" in out(forced)
    plain = run_cli_process("check", str(BAD_ECOM))
    assert "\x1b[" not in out(plain)


def test_json_report_matches_the_contract():
    status, report = run_json("fixtures")
    schema_path = SHARED / "contract" / "report.schema.json"
    if not schema_path.exists():
        pytest.skip("../shared is not beside the clone")
    jsonschema.Draft202012Validator(json.loads(schema_path.read_text())).validate(report)
    assert status == 1
    # other/not-a-vipps-body.json: a walk skips it as no Vipps request (tests/test_selection.py)
    assert report["summary"]["files"] + report["summary"]["files_skipped"] == len(fixture_files())
    assert report["summary"]["files_skipped"] == 1
    finding = next(
        f
        for f in report["findings"]
        if f["rule"] == "ecom-mobile-number" and f["file"].endswith("initiate-phone-formats.json")
    )
    assert finding["severity"] == "warning"
    assert finding["request"]["operation"] == "ecom-v2:initiatePaymentV3UsingPOST"
    assert finding["hint"] == 'Send "mobileNumber": "91234567"'
    assert finding["fix"] == {"value": "91234567", "description": 'set customerInfo.mobileNumber to "91234567"'}
    assert (finding["line"], finding["column"], finding["part"]) == (3, 21, "body")


def test_fail_on_controls_exit_status():
    assert run_cli_process("check", str(PHONE_ECOM)).returncode == 0  # only a warning
    assert run_cli_process("check", "--fail-on", "warning", str(PHONE_ECOM)).returncode == 1
    assert run_cli_process("check", "--fail-on", "info", "fixtures/other/not-a-vipps-body.json").returncode == 1
    assert run_cli_process("check", "fixtures/other").returncode == 0


def test_select_and_ignore_by_id_prefix_and_glob():
    _, report = run_json("--select", "ecom-fallback-https", str(BAD_ECOM))
    assert {f["rule"] for f in report["findings"]} == {"ecom-fallback-https"}
    _, report = run_json("--select", "ecom", "--ignore", "ecom-fallback-https", str(BAD_ECOM))
    assert {f["rule"] for f in report["findings"]} == {"ecom-callback-https"}
    _, report = run_json("--ignore", "ecom-*", "--ignore", "schema-*", "fixtures/ecom")
    assert report["findings"] == []
    _, report = run_json("--select", "klarna-vipps-fee,klarna-vipps-https", "fixtures/klarna")
    assert {f["rule"] for f in report["findings"]} == {"klarna-vipps-fee", "klarna-vipps-https"}


def test_unknown_rule_in_select_is_a_usage_error():
    result = run_cli("check", "--select", "ecom-callbak-https", str(BAD_ECOM))
    assert result.returncode == 2
    assert "no rule matches 'ecom-callbak-https'" in err(result)


def test_quiet_prints_one_line_per_finding_and_nothing_else():
    result = run_cli("check", "--quiet", "fixtures/ecom/initiate-http-urls.json")
    lines = out(result).splitlines()
    assert len(lines) == 3
    assert all(line.startswith("fixtures/ecom/initiate-http-urls.json:") for line in lines)
    assert run_cli("check", "--quiet", str(GOOD_ECOM)).stdout == b""


def test_output_file(tmp_path):
    target = tmp_path / "report.json"
    result = run_cli("check", "--format", "json", "--output", str(target), str(BAD_ECOM))
    assert result.returncode == 1 and result.stdout == b""
    assert json.loads(target.read_text())["summary"]["error"] == 3


def test_stdin_with_an_explicit_endpoint():
    body = json.dumps({"customerInfo": {"mobileNumber": "004791234567"}})
    result = run_cli_process("check", "--format", "json", "--endpoint", "POST /ecomm/v2/payments", "-", input=body)
    report = json.loads(result.stdout)
    finding = next(f for f in report["findings"] if f["rule"] == "ecom-mobile-number")
    assert finding["file"] == "-" and finding["line"] == 1 and finding["hint"] == 'Send "mobileNumber": "91234567"'


def test_endpoint_with_a_full_url_routes_to_klarna():
    body = json.dumps({"external_payment_methods": [{"name": "Vipps", "fee": 100, "description": "gebyrfritt"}]})
    _, report = run_json(
        "--endpoint", "POST https://api.playground.klarna.com/checkout/v3/orders/abc-123", "-", input=body
    )
    assert [f["rule"] for f in report["findings"]] == ["klarna-vipps-fee"]
    assert report["findings"][0]["request"]["operation"] == "klarna-checkout-v3:updateOrder"


def test_inferred_endpoint_is_said_and_ambiguous_bodies_are_not_guessed():
    result = run_cli("check", str(BAD_ECOM))
    assert "inferred from the body's shape" in out(result)
    body = json.dumps(
        {
            "merchantInfo": {
                "merchantSerialNumber": "123456",
                "callbackPrefix": "https://x.example",
                "callbackUrl": "https://y.example",
            },
            "transaction": {"orderId": "a", "reference": "b"},
        }
    )
    _, report = run_json("-", input=body)
    assert [f["rule"] for f in report["findings"]] == ["route-unknown-body"]
    assert "could be for POST /ecomm/v2/payments or POST /checkout/v3/session" in report["findings"][0]["message"]


def test_unknown_path_gets_did_you_mean():
    body = json.dumps({"merchantInfo": {}})
    _, report = run_json("--endpoint", "POST /ecomm/v2/payment", "-", input=body)
    finding = report["findings"][0]
    assert finding["rule"] == "route-unknown-path" and finding["part"] == "url"
    assert finding["hint"] == "Did you mean POST /ecomm/v2/payments?"


def test_bad_endpoint_option():
    result = run_cli_process("check", "--endpoint", "payments please", str(GOOD_ECOM))
    assert result.returncode == 2 and "--endpoint" in err(result)


def test_rules_command_lists_every_rule():
    result = run_cli("rules")
    assert result.returncode == 0
    from vipps_lint.checks.rules import load_rules

    rules, _ = load_rules()
    for rule_id in rules:
        assert rule_id in out(result)
    listed = json.loads(out(run_cli("rules", "--format", "json")))
    assert [item["id"] for item in listed] == list(rules)


def test_explain_shows_why_examples_what_vipps_lint_says_and_docs():
    result = run_cli("explain", "ecom-mobile-number")
    assert result.returncode == 0
    text = out(result)
    for expected in (
        "ecom-mobile-number",
        "Why is this a problem?",
        "Example",
        "Use instead",
        "How to fix",
        "https://developer.vippsmobilepay.com/",
        '"+47 91 23 45 67"',
        'hint: Send "mobileNumber": "91234567"',
    ):
        assert expected in text, expected


def test_explain_unknown_rule_suggests_the_closest():
    result = run_cli("explain", "ecom-mobile-numbr")
    assert result.returncode == 2 and "did you mean ecom-mobile-number?" in err(result)


def test_directories_are_walked_with_json_files_only(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "body.json").write_text(BAD_ECOM.read_text())
    (tmp_path / "notes.txt").write_text("not a body")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.json").write_text("{")
    _, report = run_json(str(tmp_path))
    assert report["summary"]["files"] == 1 and report["errors"] == []


def test_walking_the_current_directory_shows_paths_as_typed(tmp_path):
    (tmp_path / "bodies").mkdir()
    (tmp_path / "bodies" / "payment.json").write_text((FIXTURES / "ecom" / "initiate-http-urls.json").read_text())
    result = run_cli("check", "--format", "concise", ".", cwd=tmp_path)
    assert result.stdout.decode().startswith("bodies/payment.json:7:23: error[ecom-callback-https]")
