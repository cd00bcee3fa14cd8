"""The README's CI snippets and the shipped GitHub Action, run as written from a clone.

The YAML is parsed out of README.md (section "As a CI step") and action.yml; the commands
are run in a fresh virtual environment, with the repository URL pointing at this clone
(no network for vipps-lint itself) and `<commit-sha>` at its HEAD.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, REPO, SHARED

REPOSITORY_URL = "https://github.com/your-org/vipps-lint"
ACTION = "your-org/vipps-lint@<commit-sha>"


def _ci_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return text.split("### As a CI step", 1)[1].split("\n### ", 1)[0]


def _yaml_blocks() -> list[dict]:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", _ci_section(), re.DOTALL)]


def _workflows() -> tuple[dict, dict, dict]:
    """(the GitHub workflow with the action, the one without, the GitLab job)."""
    blocks = _yaml_blocks()
    github = [block for block in blocks if "jobs" in block]
    gitlab = [block for block in blocks if "vipps-lint" in block and "script" in block["vipps-lint"]]
    assert len(github) == 2 and len(gitlab) == 1, "README: two GitHub workflows and one GitLab job under 'As a CI step'"
    with_action = next(
        block for block in github if any(step.get("uses") == ACTION for step in block["jobs"]["vipps-lint"]["steps"])
    )
    without = next(block for block in github if block is not with_action)
    return with_action, without, gitlab[0]


@pytest.fixture(scope="module")
def head() -> str:
    result = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip("not a git clone: there is no commit to install")
    return result.stdout.strip()


@pytest.fixture(scope="module")
def environment(tmp_path_factory) -> dict:
    """A fresh virtual environment, first on PATH, as a CI runner's Python would be."""
    venv = tmp_path_factory.mktemp("ci-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    env = dict(
        os.environ,
        PATH=str(bin_dir) + os.pathsep + os.environ.get("PATH", ""),
        VIRTUAL_ENV=str(venv),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        NO_COLOR="1",
    )
    env.pop("PYTHONPATH", None)
    return env


def _project(root: Path) -> Path:
    """A shop's repository: captured requests (one with mistakes), and JSON that is none."""
    (root / "requests").mkdir(parents=True)
    (root / "requests" / "bad.json").write_bytes((FIXTURES / "ecom" / "initiate-http-urls.json").read_bytes())
    (root / "requests" / "good.json").write_bytes((FIXTURES / "ecom" / "initiate-good.json").read_bytes())
    (root / "package.json").write_text('{"name": "shop", "version": "1.0.0"}\n', encoding="utf-8")
    return root


def _local(command: str, head: str) -> str:
    """The command as written, installing from this clone at its HEAD instead of from GitHub."""
    assert REPOSITORY_URL in command or "<commit-sha>" not in command, command
    # file://localhost/…: older pip (23.x) refuses a git+file:/// URL without a host.
    local = "file://localhost" + REPO.as_posix()
    return command.replace(REPOSITORY_URL, local).replace("<commit-sha>", head)


def _bash(script: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    # What GitHub runs for `shell: bash` (and GitLab's shell runs each line so).
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _validate_sarif(path: Path) -> None:
    sarif = json.loads(path.read_text(encoding="utf-8"))
    schema_path = SHARED / "contract" / "sarif-schema-2.1.0.json"
    if schema_path.exists():
        import jsonschema

        jsonschema.validate(sarif, json.loads(schema_path.read_text(encoding="utf-8")))
    results = sarif["runs"][0]["results"]
    assert {result["ruleId"] for result in results} >= {"ecom-callback-https", "ecom-fallback-https"}


def test_the_snippets_install_from_the_repository_at_a_commit():
    with_action, without, gitlab = _workflows()
    section = _ci_section()
    assert "pip install vipps-lint" not in section  # it is on no index
    installs = [step["run"] for step in without["jobs"]["vipps-lint"]["steps"] if "pip install" in step.get("run", "")]
    installs += [line for line in gitlab["vipps-lint"]["script"] if "pip install" in line]
    assert installs and all(f"git+{REPOSITORY_URL}@<commit-sha>" in command for command in installs), installs
    [action_step] = [step for step in with_action["jobs"]["vipps-lint"]["steps"] if step.get("uses") == ACTION]
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert set(action_step["with"]) <= set(action["inputs"])


def test_github_workflow_without_the_action_runs_as_written(tmp_path, head, environment):
    _with_action, without, _gitlab = _workflows()
    steps = without["jobs"]["vipps-lint"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[1]["uses"].startswith("actions/setup-python@")
    runs = [step["run"] for step in steps if "run" in step]
    project = _project(tmp_path / "shop")
    install, lint = runs
    result = _bash(_local(install, head), project, environment)
    assert result.returncode == 0, result.stdout + result.stderr
    result = _bash(lint, project, environment)
    assert result.returncode == 1, result.stdout + result.stderr  # the bad request fails the job
    assert "::error file=requests/bad.json,line=7,col=23,title=ecom-callback-https::" in result.stdout
    assert "package.json" not in result.stdout
    [upload] = [step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert upload["if"] == "${{ !cancelled() }}"  # uploads after the lint step failed
    sarif = project / upload["with"]["sarif_file"]
    assert f"--output-sarif {upload['with']['sarif_file']}" in lint
    _validate_sarif(sarif)


def test_gitlab_job_runs_as_written(tmp_path, head, environment):
    _with_action, _without, gitlab = _workflows()
    job = gitlab["vipps-lint"]
    project = _project(tmp_path / "shop")
    for line in job["script"][:-1]:
        result = _bash(_local(line, head), project, environment)
        assert result.returncode == 0, result.stdout + result.stderr
    result = _bash(job["script"][-1], project, environment)
    assert result.returncode == 1, result.stdout + result.stderr
    from junitparser import JUnitXml

    report = project / job["artifacts"]["reports"]["junit"]
    failures = [case.name for suite in JUnitXml.fromfile(str(report)) for case in suite if not case.is_passed]
    assert any("ecom-callback-https" in name for name in failures), failures


def _expand(text: str, inputs: dict, action_path: Path) -> str:
    """GitHub's `${{ … }}` for what the action's run steps use: inputs.NAME, github.action_path."""

    def value(match: re.Match) -> str:
        expression = match.group(1).strip()
        if expression == "github.action_path":
            return str(action_path)
        if expression.startswith("inputs."):
            return str(inputs[expression.removeprefix("inputs.")])
        raise AssertionError(f"action.yml: a run step uses ${{{{ {expression} }}}}, which this test cannot evaluate")

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def test_the_action_installs_lints_with_github_annotations_and_writes_sarif(tmp_path, head, environment):
    with_action, _without, _gitlab = _workflows()
    [step] = [step for step in with_action["jobs"]["vipps-lint"]["steps"] if step.get("uses") == ACTION]
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    inputs = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    inputs.update(step["with"])
    # GitHub checks the action out at the ref the workflow names: a clone at that commit.
    checkout = tmp_path / "action"
    subprocess.run(["git", "clone", "-q", str(REPO), str(checkout)], check=True)
    subprocess.run(["git", "-C", str(checkout), "checkout", "-q", head], check=True)
    project = _project(tmp_path / "shop")
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    outcomes = []
    for action_step in steps:
        if "run" not in action_step:
            continue
        assert action_step["shell"] == "bash"
        assert "${{" not in action_step["run"], "inputs reach run scripts as environment variables only"
        env = dict(
            environment,
            **{key: _expand(str(value), inputs, checkout) for key, value in action_step.get("env", {}).items()},
        )
        outcomes.append(_bash(action_step["run"], project, env))
    install, lint = outcomes
    assert install.returncode == 0, install.stdout + install.stderr
    assert lint.returncode == 1, lint.stdout + lint.stderr
    assert "::error file=requests/bad.json,line=7,col=23,title=ecom-callback-https::" in lint.stdout
    _validate_sarif(project / inputs["sarif-file"])
    [upload] = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert "inputs.sarif-file != ''" in upload["if"] and "!cancelled()" in upload["if"]
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"

    # Without sarif-file, no SARIF is written; extra args and several paths are passed on.
    sarif = project / inputs["sarif-file"]
    sarif.unlink()
    inputs.update(
        {
            "sarif-file": "",
            "args": "--fail-on error --extend-exclude requests/bad.json",
            "paths": "requests package.json",
        }
    )
    lint_step = [s for s in steps if "run" in s][1]
    env = dict(environment, **{key: _expand(str(value), inputs, checkout) for key, value in lint_step["env"].items()})
    result = _bash(lint_step["run"], project, env)
    assert result.returncode == 0, (
        result.stdout + result.stderr
    )  # bad.json excluded; package.json named: route info only
    assert not sarif.exists()
    assert "package.json" in result.stdout


def test_the_action_is_shipped_and_installs_from_its_own_checkout():
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    install = next(step for step in action["runs"]["steps"] if "pip install" in step.get("run", ""))
    assert install["env"]["VIPPS_LINT_SOURCE"] == "${{ github.action_path }}"
    assert shutil.which("bash")
