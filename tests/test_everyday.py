"""Small things a new user meets: exit codes, stdin names, colour, numbering, notes, masking."""

from __future__ import annotations

import io
import re
import shutil

from click.testing import CliRunner

from vipps_lint.cli import main

from conftest import FIXTURES, run_cli

BAD_ECOM = FIXTURES / "ecom" / "initiate-http-urls.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_exit_zero_turns_findings_into_success_but_not_unreadable_inputs(tmp_path):
    assert run_cli("check", str(BAD_ECOM)).returncode == 1
    result = run_cli("check", "--exit-zero", str(BAD_ECOM))
    assert result.returncode == 0 and "error[ecom-callback-https]" in result.stdout.decode()
    (tmp_path / "broken.json").write_text('{"merchantInfo": ', encoding="utf-8")
    assert run_cli("check", "--exit-zero", str(BAD_ECOM), str(tmp_path / "broken.json")).returncode == 2


def test_stdin_filename_names_standard_input_and_per_file_settings_apply(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.vipps-lint.per-file-ignores]\n"legacy/*.json" = ["ecom-callback-https"]\n', encoding="utf-8"
    )
    body = BAD_ECOM.read_bytes()
    result = run_cli(
        "check", "--format", "concise", "--stdin-filename", "requests/pay.json", "-", input=body, cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stdout.decode().startswith("requests/pay.json:7:23: error[ecom-callback-https]")
    result = run_cli(
        "check", "--format", "concise", "--stdin-filename", "legacy/pay.json", "-", input=body, cwd=tmp_path
    )
    assert "ecom-callback-https" not in result.stdout.decode() and "ecom-fallback-https" in result.stdout.decode()
    (tmp_path / "pyproject.toml").write_text('[tool.vipps-lint]\nextend-exclude = ["legacy"]\n', encoding="utf-8")
    result = run_cli("check", "--force-exclude", "--stdin-filename", "legacy/pay.json", "-", input=body, cwd=tmp_path)
    assert result.returncode == 0, result.stdout.decode()


def test_no_color_means_no_bold_or_dim_either(monkeypatch):
    from vipps_lint.reporters import ReportOptions
    from vipps_lint.reporters.text import _console

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setenv("NO_COLOR", "1")
    stream = Terminal()
    console = _console(stream, ReportOptions())
    console.print("x", style="bold dim")
    assert stream.getvalue() == "x\n"
    monkeypatch.delenv("NO_COLOR")
    stream = Terminal()
    _console(stream, ReportOptions(color=True)).print("x", style="bold")
    assert "\x1b[1m" in stream.getvalue()
    stream = Terminal()
    _console(stream, ReportOptions(color=False)).print("x", style="bold")
    assert stream.getvalue() == "x\n"


def test_requests_and_har_entries_are_counted_from_1(tmp_path):
    text = run_cli("check", str(FIXTURES / "postman" / "acme-shop.postman_collection.json")).stdout.decode()
    assert "request #0" not in text and "request #1 " in text
    har = tmp_path / "cut.har"
    har.write_text('{"log": {"version": "1.2", "entries": [{"request": {"method": "GET"}}]}}', encoding="utf-8")
    errors = run_cli("check", str(har)).stderr.decode()
    assert "entry 1 " in errors and "entry 0" not in errors


def test_no_problems_found_is_not_said_when_an_input_could_not_be_read(tmp_path):
    (tmp_path / "broken.json").write_text('{"merchantInfo": ', encoding="utf-8")
    result = run_cli("check", str(FIXTURES / "ecom" / "initiate-good.json"), str(tmp_path / "broken.json"))
    assert result.returncode == 2
    out = result.stdout.decode()
    assert not out.startswith("No problems found (") and "No problems found in what could be read" in out
    assert "1 input could not be read or parsed" in out


def test_the_inferred_routing_note_is_shown_once_per_file(tmp_path):
    shutil.copy(BAD_ECOM, tmp_path / "a.json")
    shutil.copy(BAD_ECOM, tmp_path / "b.json")
    text = run_cli("check", str(tmp_path / "a.json"), str(tmp_path / "b.json")).stdout.decode()
    assert text.count("(inferred from the body's shape") == 2  # 6 findings, 2 files
    assert text.count("body for POST /ecomm/v2/payments") == 6


def test_rules_adapts_to_the_terminal_width():
    from vipps_lint.checks.rules import load_rules
    from vipps_lint.explain import rules_table

    rules, _errors = load_rules()
    for width in (50, 80, 100, 160):
        stream = io.StringIO()
        rules_table(rules, stream, width=width, terminal=True)
        lines = ANSI.sub("", stream.getvalue()).splitlines()
        assert max(len(line.rstrip()) for line in lines) <= width, width
        text = " ".join(" ".join(lines).split())
        # Every rule's title is there in whole words, not cut into columns of a few letters.
        assert "A dump holds live-looking production credentials" in text, width
    wide = io.StringIO()
    rules_table(rules, wide, width=200, terminal=True)
    assert "applies to" in wide.getvalue()


def test_help_examples_are_laid_out_as_examples():
    text = CliRunner().invoke(main, ["--help"], terminal_width=80).output
    assert "\n      vipps-lint check payment.json\n      vipps-lint check --endpoint" in text
    text = CliRunner().invoke(main, ["check", "--help"], terminal_width=80).output
    assert "\n  Examples:\n    vipps-lint check payment.json\n" in text


def test_the_masker_keeps_the_words_around_a_secret():
    from vipps_lint.secrets import Masker

    masker = Masker()
    message = "Authorization: the access token after Bearer contains a space (2 parts), which the API answers with 401"
    assert masker.mask_text(message) == message
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVlLTEyMzQ1"
    assert masker.mask_text(f"the token after Bearer {token} is live") == "the token after Bearer eyJh… is live"
    assert masker.mask_text("Authorization: Bearer abcdefgh12345678 sent") == "Authorization: Bearer abcd… sent"
    # A secret the inputs hold is masked by value, even when it looks like a word.
    assert Masker({"passwordlike"}).mask_text("Bearer passwordlike") == "Bearer pass…"
    # Through the real CLI: the header finding keeps its words.
    out = run_cli(
        "check",
        "--format",
        "concise",
        "-",
        input=(
            '{"method": "POST", "url": "https://apitest.vipps.no/epayment/v1/payments", '
            '"headers": {"Authorization": "Bearer abc def"}, "body": {}}\n'
            '{"method": "GET", "url": "https://apitest.vipps.no/epayment/v1/payments/x"}\n'
        ),
    ).stdout.decode()
    assert "the access token after Bearer contains a space" in out
