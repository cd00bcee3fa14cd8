"""The shipped fixtures, through the real CLI: exactly the findings fixtures/expected.yaml lists."""

from __future__ import annotations

from collections import defaultdict

import yaml

from conftest import FIXTURES, fixture_files, run_json

# The day the fixtures describe: rules about dates (a charge's `due`, `expiresAt`) give the
# same findings on every day the suite runs (fixtures/README.md).
FIXTURES_AS_OF = "2026-11-29"


def _expected() -> dict[str, object]:
    """file → ["rule pointer-or-header", …] for every request of the file, or, for dumps
    with several requests, {request index: [...]} (requests without findings left out)."""
    with open(FIXTURES / "expected.yaml", encoding="utf-8") as handle:
        return {
            name: items if isinstance(items, dict) else list(items or [])
            for name, items in yaml.safe_load(handle).items()
        }


def _expected_items(items) -> list[str]:
    return [item for values in items.values() for item in values] if isinstance(items, dict) else items


def _key(finding: dict) -> str:
    """'rule /pointer' for body and response findings, 'rule Header-Name' for header ones."""
    where = finding["header"] if finding["part"] == "header" else finding["pointer"]
    return f"{finding['rule']} {where if where is not None else ''}".rstrip()


# A directory walk skips these as plainly not Vipps requests (vipps_lint/selection.py); named
# explicitly, as here, they are linted in full.
NOT_REQUESTS_IN_A_WALK = ("fixtures/other/not-a-vipps-body.json",)


def test_every_fixture_reports_exactly_what_expected_yaml_says():
    status, report = run_json("fixtures", *NOT_REQUESTS_IN_A_WALK, "--as-of", FIXTURES_AS_OF)
    assert report["errors"] == []
    found = defaultdict(lambda: defaultdict(list))
    for finding in report["findings"]:
        found[finding["file"].removeprefix("fixtures/")][finding["request"]["index"]].append(_key(finding))
    expected = _expected()
    assert fixture_files() == set(expected), "every fixture file is listed in fixtures/expected.yaml, and only those"
    for name in sorted(expected):
        wanted = expected[name]
        if isinstance(wanted, dict):
            got = {index: sorted(items) for index, items in found.get(name, {}).items()}
            assert got == {int(index): sorted(item.rstrip() for item in items) for index, items in wanted.items()}, name
        else:
            got = [item for items in found.get(name, {}).values() for item in items]
            assert sorted(got) == sorted(item.rstrip() for item in wanted), name
    assert status == 1  # the bad fixtures hold errors


def test_every_body_rule_has_a_failing_and_a_passing_fixture():
    from vipps_lint.checks.rules import load_rules

    rules, errors = load_rules()
    assert errors == []
    expected = _expected()
    failing = {item.split()[0] for items in expected.values() for item in _expected_items(items)}
    passing_files = [name for name, items in expected.items() if not items]
    declarative = {rule_id for rule_id, rule in rules.items() if not rule.builtin}
    assert declarative <= failing, f"rules without a failing fixture: {sorted(declarative - failing)}"
    from_dumps = {rule_id for rule_id, rule in rules.items() if rule.builtin in ("headers", "responses", "credentials")}
    assert from_dumps <= failing, f"rules without a failing fixture: {sorted(from_dumps - failing)}"
    assert len(passing_files) >= 5


def test_fixture_positions_point_at_the_offending_value():
    _, report = run_json("fixtures", "--as-of", FIXTURES_AS_OF)
    for finding in report["findings"]:
        if not finding["pointer"] or finding["part"] != "body" or not finding["file"].endswith(".json"):
            continue
        lines = (FIXTURES.parent / finding["file"]).read_text(encoding="utf-8").splitlines()
        line = lines[finding["line"] - 1]
        key = finding["pointer"].rsplit("/", 1)[-1]
        at = line[finding["column"] - 1 :]
        if (
            f'"{key}"' in line or f'\\"{key}\\"' in line
        ):  # the value is on this line (also inside an escaped HAR/Postman body)
            assert line[: finding["column"] - 1].rstrip().endswith(":"), (finding, line)
        else:  # a missing field: the report points at the object that lacks it
            assert at.startswith("{"), (finding, line)
