"""Small user-facing promises of the reports and rule pages, through the real CLI."""

from __future__ import annotations

from conftest import FIXTURES, run_cli

GOOD = (FIXTURES / "ecom" / "initiate-http-urls.json").read_bytes()


def test_summary_counts_unreadable_inputs_not_their_problems(tmp_path):
    (tmp_path / "good.json").write_bytes(GOOD)
    (tmp_path / "log.ndjson").write_text('{"method": "GET", "url": "https://api.vipps.no/epayment/v1/payments/x"}\nnot json\n{bad\n[1]\n')
    for format in ("text", "concise"):
        result = run_cli("check", "--format", format, str(tmp_path / "log.ndjson"), str(tmp_path / "good.json"))
        assert result.returncode == 2
        assert result.stderr.decode().count("log.ndjson:") == 3
        assert "1 input could not be read or parsed (3 problems, listed on stderr)." in result.stdout.decode()
    (tmp_path / "broken.json").write_text("{")
    result = run_cli("check", "--format", "concise", str(tmp_path / "log.ndjson"), str(tmp_path / "broken.json"))
    assert "2 inputs could not be read or parsed (4 problems, listed on stderr)." in result.stdout.decode()
    result = run_cli("check", "--format", "concise", str(tmp_path / "broken.json"))
    assert "1 input could not be read or parsed (listed on stderr)." in result.stdout.decode()


def test_rules_piped_prints_whole_rows(tmp_path):
    from vipps_lint.checks.rules import load_rules
    from vipps_lint.explain import scope_text

    rules, _ = load_rules()
    result = run_cli("rules", env={"COLUMNS": "40"})
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert lines[0].split() == ["rule", "severity", "checks", "applies", "to", "fix"]
    assert len(lines) == len(rules) + 1 and "…" not in result.stdout.decode()
    for line, rule in zip(lines[1:], rules.values()):
        assert line.startswith(rule.id + " ") and rule.title in line and scope_text(rule) in line
        assert line == line.rstrip()
