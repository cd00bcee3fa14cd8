"""Configuration files through the real CLI: discovery, every key, errors with file:line,
command-line precedence, and `vipps-lint config` showing where each value came from."""

from __future__ import annotations

import json
import shutil
import textwrap

import pytest

from conftest import FIXTURES, run_cli, run_json

BAD_ECOM = FIXTURES / "ecom" / "initiate-http-urls.json"
PHONE_ECOM = FIXTURES / "ecom" / "initiate-phone-formats.json"


def _project(tmp_path, config_name: str, config_text: str):
    """A project with a config file, bodies in captured/ and legacy/, and a sub-directory to run from."""
    (tmp_path / config_name).write_text(textwrap.dedent(config_text), encoding="utf-8")
    for folder in ("captured", "legacy"):
        (tmp_path / folder).mkdir()
        shutil.copy(BAD_ECOM, tmp_path / folder / "http-urls.json")
        shutil.copy(PHONE_ECOM, tmp_path / folder / "phone.json")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    return tmp_path


PYPROJECT = """\
    [project]
    name = "shop"

    [tool.vipps-lint]
    fail-on = "warning"
    ignore = ["ecom-fallback-https"]

    [tool.vipps-lint.severity]
    ecom-mobile-number = "error"

    [tool.vipps-lint.per-file-ignores]
    "legacy/*.json" = ["ecom-callback-https"]
"""

YAML = """\
    fail-on: warning
    ignore: [ecom-fallback-https]
    severity:
      ecom-mobile-number: error
    per-file-ignores:
      "legacy/*.json": [ecom-callback-https]
"""


@pytest.mark.parametrize(
    "name, text", [("pyproject.toml", PYPROJECT), (".vipps-lint.yaml", YAML)], ids=["toml", "yaml"]
)
def test_config_is_found_walking_up_and_applies_every_key(tmp_path, name, text):
    project = _project(tmp_path, name, text)
    status, report = run_json(str(project / "captured"), str(project / "legacy"), cwd=project / "deep" / "er")
    found = sorted(
        (f["file"].split("/")[-2] + "/" + f["file"].split("/")[-1], f["rule"], f["severity"])
        for f in report["findings"]
    )
    assert found == [
        ("captured/http-urls.json", "ecom-callback-https", "error"),
        ("captured/http-urls.json", "ecom-callback-https", "error"),
        ("captured/phone.json", "ecom-mobile-number", "error"),  # severity override
        ("legacy/phone.json", "ecom-mobile-number", "error"),  # legacy/ ignores only the callback rule
    ]
    assert status == 1
    # --isolated ignores the file; the command line overrides it.
    _, report = run_json("--isolated", str(project / "legacy"), cwd=project)
    assert {f["rule"] for f in report["findings"]} == {
        "ecom-callback-https",
        "ecom-fallback-https",
        "ecom-mobile-number",
    }
    # (schema rules ignored too: without the YAML phone rule, the schema reports the same value)
    _, report = run_json("--ignore", "ecom-mobile-number,schema", str(project / "legacy"), cwd=project)
    assert {f["rule"] for f in report["findings"]} == {"ecom-fallback-https"}  # CLI --ignore replaced the file's
    assert (
        run_cli("check", "--fail-on", "error", str(project / "legacy" / "phone.json"), cwd=project).returncode == 1
    )  # severity still error
    assert (
        run_cli(
            "check", "--fail-on", "error", "--isolated", str(project / "legacy" / "phone.json"), cwd=project
        ).returncode
        == 0
    )


def test_endpoints_per_glob_rules_dir_select_and_as_of_from_a_yaml_file(tmp_path):
    rules = tmp_path / "team-rules"
    rules.mkdir()
    (rules / "team.yaml").write_text(
        textwrap.dedent("""\
        rules:
          - id: team-order-prefix
            title: orderId starts with acme-
            severity: warning
            docs: https://example.com/team
            why: Our reconciliation matches on the prefix.
            scope: {endpoints: ["POST /ecomm/v2/payments"]}
            given: $.transaction
            then: {field: orderId, function: pattern, functionOptions: {match: "^acme-"}}
            message: "{{path}} must start with acme-"
            examples:
              endpoint: "POST /ecomm/v2/payments"
              bad: [{transaction: {orderId: "x-1"}}]
              good: [{transaction: {orderId: "acme-1"}}]
        """),
        encoding="utf-8",
    )
    (tmp_path / "bodies").mkdir()
    # Ambiguous on its own (it routes by shape to nothing), so the endpoint must come from the config.
    (tmp_path / "bodies" / "pay.json").write_text(
        json.dumps(
            {
                "merchantInfo": {
                    "merchantSerialNumber": "123456",
                    "callbackPrefix": "http://example.com/cb",
                    "callbackUrl": "https://y.example",
                },
                "transaction": {"orderId": "x-1", "reference": "b"},
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    (tmp_path / ".vipps-lint.yml").write_text(
        textwrap.dedent("""\
        select: [ecom-callback-https]
        extend-select: [team]
        rules: [team-rules]
        as-of: 2022-09-01
        endpoints:
          "bodies/*.json": POST /ecomm/v2/payments
        """),
        encoding="utf-8",
    )
    status, report = run_json("bodies", cwd=tmp_path)
    assert report["errors"] == []
    by_rule = {f["rule"]: f for f in report["findings"]}
    assert set(by_rule) == {"ecom-callback-https", "team-order-prefix"}
    assert by_rule["ecom-callback-https"]["request"]["operation"] == "ecom-v2:initiatePaymentV3UsingPOST"
    # as-of before the rule's since date: one severity lower, and the message says so
    assert by_rule["ecom-callback-https"]["severity"] == "warning"
    assert (
        "(enforced from 2022-10-01; a warning until then, checking as of 2022-09-01)"
        in by_rule["ecom-callback-https"]["message"]
    )
    assert status == 0
    # --endpoint on the command line wins over the config's endpoints
    _, report = run_json("--endpoint", "POST /epayment/v1/payments", "bodies", cwd=tmp_path)
    assert all(f["request"]["operation"] != "ecom-v2:initiatePaymentV3UsingPOST" for f in report["findings"])
    # --as-of on the command line wins too
    _, report = run_json("--as-of", "2022-10-01", "--select", "ecom-callback-https", "bodies", cwd=tmp_path)
    assert {f["rule"]: f["severity"] for f in report["findings"]} == {
        "ecom-callback-https": "error",
        "team-order-prefix": "warning",
    }


@pytest.mark.parametrize(
    "name, text, expected",
    [
        (
            "pyproject.toml",
            '[tool.vipps-lint]\nfail-on = "error"\nselct = ["ecom"]\n',
            "pyproject.toml:3: unknown configuration key 'selct'; did you mean 'select'?",
        ),
        (
            "pyproject.toml",
            '[tool.vipps-lint]\nfail-on = "fatal"\n',
            "pyproject.toml:2: fail-on: expected one of error, warning, info, got 'fatal'",
        ),
        (
            "pyproject.toml",
            '[tool.vipps-lint]\nselect = ["ecom"]\n\n[tool.vipps-lint.severity]\necom-callback-https = '
            '"error"\necom-mobile-number = "loud"\n',
            "pyproject.toml:6: severity: ecom-mobile-number: expected one of error, warning, info, got 'loud'",
        ),
        ("pyproject.toml", '[tool.vipps-lint]\nselect = ["ecom"\n', "pyproject.toml:3:1: invalid TOML"),
        (
            "pyproject.toml",
            '[tool.vipps-lint]\nas-of = "next year"\n',
            "pyproject.toml:2: as-of: expected a date like 2026-12-01",
        ),
        (
            ".vipps-lint.yaml",
            'select: [ecom]\nendpoints:\n  "a/*.json": POST /ecomm/v2/payments\n  "b/*.json": payments please\n',
            ".vipps-lint.yaml:4: endpoints: b/*.json: 'payments please' is not \"METHOD /path\"",
        ),
        (
            ".vipps-lint.yaml",
            "select: [ecom]\nignore: [ecom-calback-https]\n",
            ".vipps-lint.yaml:2: ignore: no rule matches 'ecom-calback-https'",
        ),
        (".vipps-lint.yaml", "select: [ecom\n", ".vipps-lint.yaml:2:1: invalid YAML"),
        (
            ".vipps-lint.yaml",
            "per-file-ignores:\n  legacy: ecom-fallback-https\n  other: 3\n",
            ".vipps-lint.yaml:3: per-file-ignores: other: expected a list of rules",
        ),
        (
            "pyproject.toml",
            '[tool.vipps-lint]\nfail-on = "error"\nrules = ["missingdir"]\n',
            "pyproject.toml:3: rules: rule directory 'missingdir' does not exist (",
        ),
        (
            ".vipps-lint.yaml",
            "fail-on: error\nrules:\n  - .\n  - missingdir\n",
            ".vipps-lint.yaml:4: rules: rule directory 'missingdir' does not exist (",
        ),
        (
            "pyproject.toml",
            "[project]\nname = 'x'\n\n[tool]\nvipps-lint = 3\n",
            "pyproject.toml:5: tool.vipps-lint must be a table of settings ([tool.vipps-lint] with key = value "
            "lines), got 3",
        ),
        (
            "pyproject.toml",
            'tool.vipps-lint = "ecom"\n',
            "pyproject.toml:1: tool.vipps-lint must be a table of settings",
        ),
    ],
    ids=[
        "unknown-key",
        "bad-fail-on",
        "bad-severity-line",
        "bad-toml",
        "bad-date",
        "bad-endpoint",
        "unknown-rule",
        "bad-yaml",
        "bad-list",
        "missing-rules-dir-toml",
        "missing-rules-dir-yaml",
        "tool-table-not-a-table",
        "dotted-not-a-table",
    ],
)
def test_bad_configuration_is_an_error_naming_file_and_line(tmp_path, name, text, expected):
    (tmp_path / name).write_text(text, encoding="utf-8")
    shutil.copy(BAD_ECOM, tmp_path / "body.json")
    result = run_cli("check", "body.json", cwd=tmp_path)
    assert result.returncode == 2, result.stdout.decode()
    assert expected in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_an_inline_tool_table_in_pyproject_is_found_too(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool]\nvipps-lint = {select = ["ecom-fallback-https"]}\n', encoding="utf-8"
    )
    shutil.copy(BAD_ECOM, tmp_path / "body.json")
    _, report = run_json("body.json", cwd=tmp_path)
    assert [f["rule"] for f in report["findings"]] == ["ecom-fallback-https"]


def test_explicit_config_file_and_pyproject_without_our_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")  # not ours: ignored
    (tmp_path / "ci.toml").write_text('[tool.vipps-lint]\nselect = ["ecom-fallback-https"]\n', encoding="utf-8")
    shutil.copy(BAD_ECOM, tmp_path / "body.json")
    _, report = run_json("body.json", cwd=tmp_path)
    assert len(report["findings"]) == 3
    _, report = run_json("--config", "ci.toml", "body.json", cwd=tmp_path)
    assert [f["rule"] for f in report["findings"]] == ["ecom-fallback-https"]


def test_config_command_shows_values_and_where_they_came_from(tmp_path):
    _project(tmp_path, "pyproject.toml", PYPROJECT)
    result = run_cli("config", "--select", "ecom", cwd=tmp_path / "deep")
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode()
    assert "# configuration file: ../pyproject.toml" in text or "pyproject.toml" in text.splitlines()[0]
    lines = {line.split("=")[0].strip(): line for line in text.splitlines()[1:]}
    assert lines["select"].endswith('["ecom"]  # command line')
    assert lines["fail-on"].endswith('"warning"  # ' + str(tmp_path / "pyproject.toml") + ":5")
    assert lines["severity"].endswith(":8")  # the [tool.vipps-lint.severity] table
    assert lines["extend-select"].endswith("# default")
    assert "# default (today)" in lines["as-of"]
    shown = json.loads(run_cli("config", "--format", "json", "--isolated", cwd=tmp_path).stdout)
    assert shown["file"] is None and shown["settings"]["fail-on"] == {"value": "error", "origin": "default"}


def test_toml_lines_are_found_for_tables_inline_tables_quoted_and_dotted_keys():
    from vipps_lint.config import _toml_key_line

    text = textwrap.dedent("""\
        [tool.black]
        select = "not ours"

        [tool."vipps-lint"]
        'fail-on' = "error"
        severity = {ecom-mobile-number = "error"}
        endpoints."a/*.json" = "POST /ecomm/v2/payments"

        [tool.vipps-lint.per-file-ignores]
        "legacy/*.json" = ["ecom"]
        """)
    assert _toml_key_line(text, ["fail-on"]) == 5
    assert _toml_key_line(text, ["severity", "ecom-mobile-number"]) == 6  # the inline table's line
    assert _toml_key_line(text, ["endpoints"]) == 7
    assert _toml_key_line(text, ["per-file-ignores"]) == 9
    assert _toml_key_line(text, ["per-file-ignores", "legacy/*.json"]) == 10
    assert _toml_key_line(text, ["select"]) == 4  # not in our table: our table's header, never [tool.black]


def test_rules_and_explain_know_the_configured_rule_directories(tmp_path):
    rules = tmp_path / "team-rules"
    rules.mkdir()
    shutil.copy(FIXTURES.parent / "rules" / "klarna.yaml", rules / "copy.yaml")
    text = (rules / "copy.yaml").read_text(encoding="utf-8").replace("id: klarna-", "id: team-klarna-")
    (rules / "copy.yaml").write_text(text, encoding="utf-8")
    (tmp_path / ".vipps-lint.yaml").write_text("rules: [team-rules]\n", encoding="utf-8")
    listed = run_cli("rules", cwd=tmp_path)
    assert listed.returncode == 0 and "team-klarna-vipps-fee" in listed.stdout.decode()
    explained = run_cli("explain", "team-klarna-vipps-fee", cwd=tmp_path)
    assert explained.returncode == 0 and "fee" in explained.stdout.decode()
