"""curl files: a file read as curl must hold a curl command, and errors name the command."""

from __future__ import annotations

from conftest import FIXTURES, run_cli

NO_COMMAND = "no curl command found: a file read as curl must hold lines that start with `curl`"


def test_a_json_body_forced_to_curl_is_one_input_error():
    body = FIXTURES / "ecom" / "initiate-good.json"
    result = run_cli("check", "--input-format", "curl", str(body))
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        f"{body}:1:1: {NO_COMMAND}, e.g. `curl https://apitest.vipps.no/epayment/v1/payments -H 'Content-Type: "
        f"application/json' -d '{{…}}'`;"
        " this file looks like JSON: run without `--input-format curl`"
    ]
    assert "1 input could not be read or parsed" in result.stdout.decode()


def test_a_curl_file_without_a_curl_command_is_one_input_error(tmp_path):
    path = tmp_path / "calls.curl"
    path.write_text("# TODO: paste the capture call here\necho done\n")
    result = run_cli("check", str(path))
    assert result.returncode == 2
    [line] = result.stderr.decode().splitlines()
    assert line.startswith(f"{path}:1:1: {NO_COMMAND}")
    empty = tmp_path / "empty.curl"
    empty.write_text("")
    assert run_cli("check", str(empty)).returncode == 2


def test_a_shell_script_without_curl_stays_quiet_unless_forced(tmp_path):
    script = tmp_path / "deploy.sh"
    script.write_text("#!/bin/sh\nmake all\n")
    assert run_cli("check", str(script)).returncode == 0  # a script is read for the curl commands it may hold
    forced = run_cli("check", "--input-format", "curl", str(script))
    assert forced.returncode == 2 and NO_COMMAND in forced.stderr.decode()


def test_curl_errors_name_the_command_by_its_comment_or_its_number(tmp_path):
    path = tmp_path / "calls.curl"
    path.write_text(
        "# Create payment\n"
        'curl -X POST https://apitest.vipps.no/epayment/v1/payments -d \'{"reference": 1}\n'
        "curl -X POST https://apitest.vipps.no/epayment/v1/payments -H 'Content-Type: application/json' -d "
        "'{\"a\": }'\n"
        "curl -H 'Accept: application/json'\n"
    )
    result = run_cli("check", str(path))
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        f'{path}:2:1: curl command "Create payment" cannot be parsed: a quote is never closed (unbalanced \' or ")',
        # at the `}` where a value belongs
        f"{path}:3:106: curl command 2: the body is not valid JSON: Expecting value",
        f"{path}:4:1: curl command 3: no URL: give it after `curl` (`curl https://apitest.vipps.no/…`) or with `--url`",
    ]
