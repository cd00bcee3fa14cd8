"""CI outputs through the real CLI, each read back by a real consumer: SARIF (its schema),
JUnit (junitparser), GitHub workflow commands (the Actions escaping rules), text variants."""

from __future__ import annotations

import json
import re

import jsonschema

from conftest import FIXTURES, run_cli

BAD_ECOM = FIXTURES / "ecom" / "initiate-http-urls.json"
GOOD_ECOM = FIXTURES / "ecom" / "initiate-good.json"
PHONE_ECOM = FIXTURES / "ecom" / "initiate-phone-formats.json"


def _sarif_validator(shared_dir):
    schema = json.loads((shared_dir / "contract" / "sarif-schema-2.1.0.json").read_text())
    return jsonschema.Draft7Validator(schema)  # the SARIF 2.1.0 schema is draft-07


def test_sarif_validates_and_carries_rules_locations_pointers_fingerprints_and_fixes(shared_dir, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"merchantInfo": ', encoding="utf-8")
    result = run_cli("check", "--format", "sarif", "fixtures", str(broken))
    assert result.returncode == 2
    log = json.loads(result.stdout)
    _sarif_validator(shared_dir).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert ids == sorted(ids) and "ecom-callback-https" in ids
    callback = rules[ids.index("ecom-callback-https")]
    assert callback["shortDescription"]["text"] == "eCom callback URLs must be public HTTPS URLs"
    assert callback["helpUri"].startswith("https://developer.vippsmobilepay.com/")
    assert "**How to fix**" in callback["help"]["markdown"] and callback["fullDescription"]["text"]
    assert callback["defaultConfiguration"]["level"] == "error"
    assert rules[ids.index("route-unknown-body")]["defaultConfiguration"]["level"] == "note"

    result_ = next(
        r
        for r in run["results"]
        if r["ruleId"] == "ecom-callback-https"
        and "initiate-http-urls" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        and r["properties"]["pointer"] == "/merchantInfo/callbackPrefix"
    )
    assert rules[result_["ruleIndex"]]["id"] == "ecom-callback-https"
    location = result_["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {
        "uri": "fixtures/ecom/initiate-http-urls.json",
        "uriBaseId": "%SRCROOT%",
    }
    assert location["physicalLocation"]["region"] == {"startLine": 7, "startColumn": 23}
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "body:/merchantInfo/callbackPrefix"
    assert re.fullmatch(r"[0-9a-f]{32}", result_["partialFingerprints"]["vippsLint/v1"])
    assert "hint: Set merchantInfo.callbackPrefix" in result_["message"]["text"]
    replacement = result_["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["deletedRegion"] == {"startLine": 7, "startColumn": 23, "endLine": 7, "endColumn": 79}
    assert replacement["insertedContent"]["text"] == '"https://example.com/vipps/callbacks-for-payment-updates"'
    # The replacement, applied to the file, is exactly what --fix writes there.
    line = BAD_ECOM.read_text().splitlines()[6]
    assert line[:22] + replacement["insertedContent"]["text"] + line[78:] == line.replace('"http://', '"https://')

    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notification = invocation["toolExecutionNotifications"][0]
    assert notification["level"] == "error" and notification["message"]["text"].startswith("invalid JSON")
    assert notification["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_sarif_for_a_clean_run_is_valid_and_successful(shared_dir):
    result = run_cli("check", "--format", "sarif", str(GOOD_ECOM))
    assert result.returncode == 0
    log = json.loads(result.stdout)
    _sarif_validator(shared_dir).validate(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_github_annotations_one_per_finding_with_escaping(tmp_path):
    result = run_cli("check", "--format", "github", str(BAD_ECOM), str(PHONE_ECOM))
    assert result.returncode == 1
    lines = result.stdout.decode().splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 4
    assert commands[0].startswith(
        "::error "
        "file=fixtures/ecom/initiate-http-urls.json,line=7,col=23,title=ecom-callback-https::"
        "merchantInfo.callbackPrefix must use https://"
    )
    assert "%0Ahint: Set merchantInfo.callbackPrefix" in commands[0]  # the hint on its own line
    assert commands[3].startswith(
        "::warning file=fixtures/ecom/initiate-phone-formats.json,line=3,col=21,title=ecom-mobile-number::"
    )
    assert lines[-1].startswith("Found 3 errors, 1 warning")
    info = run_cli("check", "--format", "github", "fixtures/other/not-a-vipps-body.json")
    assert info.stdout.decode().startswith("::notice file=fixtures/other/not-a-vipps-body.json,")
    # A file name with ':' and ',' must not end the properties early; a bad input is an error annotation.
    weird = tmp_path / "a,b:c%.json"
    weird.write_text("{", encoding="utf-8")
    result = run_cli("check", "--format", "github", str(weird))
    assert result.returncode == 2
    command = result.stdout.decode().splitlines()[0]
    assert (
        command.startswith("::error file=")
        and "a%2Cb%3Ac%25.json,line=1,col=2,title=vipps-lint::invalid JSON" in command
    )


def test_github_escaping_follows_the_actions_toolkit():
    from vipps_lint.reporters.github import command, escape_data, escape_property

    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    assert command("notice", "m", "f.json", None, None, "r") == "::notice file=f.json,title=r::m"


def test_junit_is_read_back_by_junitparser(tmp_path):
    from junitparser import Error, Failure, JUnitXml

    broken = tmp_path / "broken.json"
    broken.write_text("[1", encoding="utf-8")
    target = tmp_path / "junit.xml"
    result = run_cli(
        "check",
        "--format",
        "junit",
        "--output",
        str(target),
        str(BAD_ECOM),
        str(PHONE_ECOM),
        str(GOOD_ECOM),
        str(broken),
    )
    assert result.returncode == 2
    xml = JUnitXml.fromfile(str(target))
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {str(BAD_ECOM), str(PHONE_ECOM), str(GOOD_ECOM), str(broken)}
    bad = next(suite for name, suite in suites.items() if name.endswith("initiate-http-urls.json"))
    assert bad.tests == 3 and bad.failures == 3
    cases = list(bad)
    assert cases[0].name == "ecom-callback-https at /merchantInfo/callbackPrefix"
    failure = cases[0].result[0]
    assert isinstance(failure, Failure) and failure.type == "ecom-callback-https"
    assert "hint: Set merchantInfo.callbackPrefix" in failure.text
    # A warning below --fail-on passes, with its text kept for the reader.
    phone = next(suite for name, suite in suites.items() if name.endswith("initiate-phone-formats.json"))
    assert phone.failures == 0 and list(phone)[0].is_passed and "ecom-mobile-number" in list(phone)[0].system_out
    good = next(suite for name, suite in suites.items() if name.endswith("initiate-good.json"))
    assert good.tests == 1 and list(good)[0].is_passed
    errored = suites[str(broken)]
    assert errored.errors == 1 and isinstance(list(errored)[0].result[0], Error)
    assert xml.failures == 3 and xml.errors == 1


def test_concise_quiet_and_statistics():
    concise = (
        run_cli("check", "--format", "concise", "fixtures/ecom/initiate-http-urls.json").stdout.decode().splitlines()
    )
    assert len(concise) == 4 and concise[0].startswith(
        "fixtures/ecom/initiate-http-urls.json:7:23: error[ecom-callback-https]"
    )
    assert concise[-1] == "Found 3 errors (1 request in 1 file). 3 fixable with --fix (see them with --diff)."
    quiet = run_cli("check", "--quiet", "fixtures/ecom/initiate-http-urls.json").stdout.decode().splitlines()
    assert quiet == concise[:-1]  # --quiet: the same lines, no summary
    result = run_cli("check", "--statistics", "fixtures")
    lines = result.stdout.decode().splitlines()
    assert result.returncode == 1
    assert re.match(
        r"^\s*\d+\s+ecom-callback-https\s+error\s+\[\*\] eCom callback URLs must be public HTTPS URLs$", lines[0]
    ), lines
    assert any(re.match(r"^\s*\d+\s+klarna-vipps-fee-free-wording\s+warning\s+Vipps MobilePay", line) for line in lines)
    assert lines[-1].startswith("Found ")


def test_several_formats_from_one_run(tmp_path, shared_dir):
    sarif, junit, report = tmp_path / "results.sarif", tmp_path / "junit.xml", tmp_path / "report.json"
    result = run_cli(
        "check",
        "--format",
        "github",
        "--output-sarif",
        str(sarif),
        "--output-junit",
        str(junit),
        "--output-json",
        str(report),
        str(BAD_ECOM),
    )
    assert result.returncode == 1
    assert result.stdout.decode().startswith("::error ")
    _sarif_validator(shared_dir).validate(json.loads(sarif.read_text()))
    contract = json.loads((shared_dir / "contract" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator(contract).validate(json.loads(report.read_text()))
    assert "<testsuites" in junit.read_text()
    assert (
        len(json.loads(sarif.read_text())["runs"][0]["results"])
        == json.loads(report.read_text())["summary"]["findings"]
        == 3
    )


def test_unwritable_output_is_exit_2(tmp_path):
    result = run_cli("check", "--output-sarif", str(tmp_path / "missing-dir" / "x.sarif"), str(GOOD_ECOM))
    assert result.returncode == 2 and "cannot write the sarif report" in result.stderr.decode()


def test_every_format_is_written_through_write_report_to_the_stream_given():
    """One function writes every report, so wrapping its stream (secret masking) covers all formats."""
    import io

    from vipps_lint.cli import write_report
    from vipps_lint.pipeline import Linter, Settings
    from vipps_lint.reporters import FORMATS, ReportOptions

    linter = Linter(Settings())
    report = linter.run([str(BAD_ECOM)])
    for name in FORMATS:
        stream = io.StringIO()
        write_report(report, name, stream, ReportOptions(color=False, rules=linter.rules.rules))
        assert "callbacks-for-payment-updates" in stream.getvalue(), name
