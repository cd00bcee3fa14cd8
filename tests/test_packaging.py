"""A non-editable install works from any directory: rules/ and schemas/ ship in the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO

pytestmark = pytest.mark.slow  # real processes or tools: seconds a test


def test_wheel_contains_the_rules_and_schemas(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr.decode()
    wheel = next(tmp_path.glob("vipps_lint-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for rule_file in (REPO / "rules").glob("*.yaml"):
        assert f"vipps_lint/_data/rules/{rule_file.name}" in names
    assert "vipps_lint/_data/schemas/rule-file.schema.json" in names
    assert "vipps_lint/_data/schemas/index.json" in names
    for schema_file in (REPO / "schemas").rglob("*.json"):  # the derived request schemas, in their folders
        assert f"vipps_lint/_data/schemas/{schema_file.relative_to(REPO / 'schemas').as_posix()}" in names
    assert "vipps_lint/_data/schemas/ecom-v2/initiatePaymentV3UsingPOST.json" in names
    assert not any(name.startswith(("tests/", "fixtures/")) for name in names)
    # The typed Python API, its hooks, and the pytest plugin's entry point.
    shipped = {
        "vipps_lint/py.typed",
        "vipps_lint/api.py",
        "vipps_lint/proxy.py",
        "vipps_lint/preflight/pytest_plugin.py",
    }
    assert shipped <= names
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[pytest11]" in text and "vipps_lint = vipps_lint.preflight.pytest_plugin" in text


def test_installed_console_script_runs_outside_the_checkout(tmp_path):
    script = Path(sys.executable).with_name("vipps-lint")
    if not script.exists():
        pytest.skip("vipps-lint is not installed in this environment (pip install .)")
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    environment["NO_COLOR"] = "1"
    body = tmp_path / "payment.json"
    body.write_bytes((FIXTURES / "ecom" / "initiate-http-urls.json").read_bytes())
    result = subprocess.run(
        [str(script), "check", "payment.json"], cwd=tmp_path, capture_output=True, env=environment, timeout=120
    )
    assert result.returncode == 1, result.stderr.decode()
    assert "payment.json:7:23: error[ecom-callback-https]" in result.stdout.decode()
    (tmp_path / "long.json").write_bytes((FIXTURES / "schema" / "ecom-v2-bad.json").read_bytes())
    result = subprocess.run(
        [str(script), "check", "long.json"], cwd=tmp_path, capture_output=True, env=environment, timeout=120
    )
    assert (
        "error[schema-length] transaction.orderId is 54 characters" in result.stdout.decode()
    )  # finds the shipped schemas
    where = subprocess.run(
        [sys.executable, "-c", "import vipps_lint.data as d; print(d.rules_dir())"],
        cwd=tmp_path,
        capture_output=True,
        env=environment,
        text=True,
    )
    rules_dir = Path(where.stdout.strip())
    assert (rules_dir / "ecom.yaml").exists()
    if REPO not in rules_dir.parents:  # a real (non-editable) install carries its own copy
        assert rules_dir.parts[-2:] == ("_data", "rules")
