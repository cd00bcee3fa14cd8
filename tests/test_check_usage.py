"""Options of `check` that do not fit together are usage errors (exit 2), never silently ignored."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, run_cli

BAD_ECOM = FIXTURES / "ecom" / "initiate-http-urls.json"


@pytest.mark.parametrize("report_format", ["json", "sarif", "github", "junit"])
def test_statistics_with_a_machine_report_is_a_usage_error(report_format):
    result = run_cli("check", "--format", report_format, "--statistics", str(BAD_ECOM))
    assert result.returncode == 2 and result.stdout == b""
    assert (
        f"--statistics works with --format text or concise; the {report_format} report lists every finding"
        in result.stderr.decode()
    )


@pytest.mark.parametrize("report_format", ["text", "concise"])
def test_statistics_with_text_and_concise(report_format):
    result = run_cli("check", "--format", report_format, "--statistics", str(BAD_ECOM))
    assert result.returncode == 1, result.stderr.decode()
    assert result.stdout.decode().splitlines()[0].split()[:3] == ["2", "ecom-callback-https", "error"]
