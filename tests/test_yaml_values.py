"""YAML values that cannot become plain data are one `file:line:col: message` line and exit 2,
never a traceback — in configuration files, rule files and OpenAPI documents alike."""

from __future__ import annotations

import shutil

import pytest

from conftest import FIXTURES, run_cli, run_json

BODY = FIXTURES / "ecom" / "initiate-good.json"


def _one_error(result, expected: str) -> None:
    error = result.stderr.decode()
    assert "Traceback" not in error, error
    assert result.returncode == 2, error
    assert expected in error, error


@pytest.mark.parametrize(
    "text, expected",
    [
        ("as-of: 2022-13-01\n", ".vipps-lint.yaml:1:8: '2022-13-01' is not a date: month must be in 1..12"),
        ("select: !!int abc\n", ".vipps-lint.yaml:1:9: 'abc' is not an integer"),
        ("select: !foo bar\n", ".vipps-lint.yaml:1:9: unsupported tag '!foo'"),
        ("select: !foo [ecom]\n", ".vipps-lint.yaml:1:9: unsupported tag '!foo'"),
        ("select: &a [*a]\n", ".vipps-lint.yaml:1:9: invalid YAML: this value holds an alias (*name) of itself"),
        (
            "severity: &s {<<: *s}\n",
            ".vipps-lint.yaml:1:11: invalid YAML: this merge (<<) brings in the mapping that contains it",
        ),
    ],
    ids=["bad-date", "bad-int", "unknown-scalar-tag", "unknown-list-tag", "recursive-alias", "recursive-merge"],
)
def test_bad_values_in_a_configuration_file(tmp_path, text, expected):
    (tmp_path / ".vipps-lint.yaml").write_text(text, encoding="utf-8")
    shutil.copy(BODY, tmp_path / "body.json")
    for command in (["check", "body.json"], ["config"]):
        _one_error(run_cli(*command, cwd=tmp_path), expected)


def test_dates_and_timestamps_in_configuration_are_read_as_the_day(tmp_path):
    shutil.copy(BODY, tmp_path / "body.json")
    for written in ("2022-09-01", "2022-09-01T10:00:00Z", "'2022-09-01'"):
        (tmp_path / ".vipps-lint.yaml").write_text(f"as-of: {written}\n", encoding="utf-8")
        result = run_cli("config", "--format", "json", cwd=tmp_path)
        assert result.returncode == 0, result.stderr.decode()
        assert '"value": "2022-09-01"' in result.stdout.decode()


def test_a_rule_file_with_an_impossible_since_date(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "team.yaml").write_text(
        "rules:\n  - id: team-x\n    title: X\n    severity: warning\n    since: 2022-13-01\n", encoding="utf-8"
    )
    _one_error(
        run_cli("check", "--rules", str(tmp_path / "rules"), str(BODY)),
        f"{tmp_path / 'rules' / 'team.yaml'}:5:12: '2022-13-01' is not a date: month must be in 1..12",
    )


OPENAPI = """\
openapi: 3.0.3
info: {title: eCom, version: 2.1.0}
servers: [{url: https://api.vipps.no}]
paths:
  /ecomm/v2/payments:
    post:
      operationId: initiatePayment
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                when: {type: string, format: date}
                at: {type: string, format: date-time}
            example:
              when: 2022-13-01
              at: 2022-10-01T10:00:00Z
"""


def test_openapi_examples_keep_dates_as_the_text_they_send(tmp_path):
    # OpenAPI is YAML 1.2: no timestamps, `2022-13-01` is the string the request would send.
    spec = tmp_path / "spec.yaml"
    spec.write_text(OPENAPI, encoding="utf-8")
    status, report = run_json("--spec", str(spec), "--select", "schema", str(spec))
    assert report["errors"] == [] and status == 1
    assert [(f["rule"], f["pointer"], f["line"]) for f in report["findings"]] == [
        ("schema-format", "/when", 17)
    ]  # the impossible date only
    result = run_cli("schemas", "build", str(spec), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr.decode()


@pytest.mark.parametrize(
    "replace, by, expected",
    [
        (
            "info: {title: eCom, version: 2.1.0}",
            "info: &a [*a]",
            ":2:7: invalid YAML: this value holds an alias (*name) of itself",
        ),
        (
            "              at: 2022",
            "              at: !!binary aGk=\n              x: 2022",
            ":18:19: unsupported tag '!!binary'",
        ),
        (
            "              at: 2022",
            "              at: !!float many\n              x: 2022",
            ":18:19: 'many' is not a number",
        ),
    ],
    ids=["recursive-alias", "binary", "bad-float"],
)
def test_bad_values_in_an_openapi_document(tmp_path, replace, by, expected):
    spec = tmp_path / "spec.yaml"
    spec.write_text(OPENAPI.replace(replace, by), encoding="utf-8")
    _one_error(run_cli("check", str(spec)), f"{spec}{expected}")
    _one_error(run_cli("check", "--spec", str(spec), str(BODY)), f"{spec}{expected}")
    _one_error(run_cli("schemas", "build", str(spec), "--out", str(tmp_path / "out")), f"{spec}{expected}")


def test_merge_keys_explicit_keys_override_merged_ones_and_positions_are_kept():
    from vipps_lint.yamlpos import YamlError, load_yaml

    loaded = load_yaml("base: &b {x: 1, y: 2}\nmore: &m {y: 3, z: 4}\nc:\n  <<: [*b, *m]\n  x: 5\n")
    assert loaded.data["c"] == {"x": 5, "y": 2, "z": 4}  # explicit x wins; earlier merged y wins
    assert (loaded.position("/c/x").line, loaded.position("/c/z").line) == (5, 2)
    with pytest.raises(YamlError, match="duplicate key 'x'") as raised:
        load_yaml("c:\n  x: 1\n  x: 2\n")
    assert (raised.value.line, raised.value.column) == (3, 3)
    with pytest.raises(YamlError, match=r"merge key \(<<\) takes a mapping") as raised:
        load_yaml("c: {<<: 3}\n")


@pytest.mark.slow  # the loader expands millions of values before refusing (issue 11 bounds it)
def test_aliases_that_expand_without_end_are_refused():
    from vipps_lint.yamlpos import YamlError, load_yaml

    text = "a: &a [" + ",".join(["x"] * 40) + "]\n"
    for level in "bcde":
        previous = chr(ord(level) - 1)
        text += f"{level}: &{level} [" + ",".join([f"*{previous}"] * 40) + "]\n"
    with pytest.raises(YamlError, match=r"aliases \(\*name\) expand to more than"):
        load_yaml(text)
