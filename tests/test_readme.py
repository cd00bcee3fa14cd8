"""The README cannot drift from the code: its rule table and its commands are checked."""

from __future__ import annotations

import importlib.util
import re

from conftest import REPO


def _update_module():
    spec = importlib.util.spec_from_file_location("update_readme", REPO / "scripts" / "update_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rule_table_is_current():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert _update_module().rendered_readme(text) == text, "run: python scripts/update_readme.py"


def test_the_two_setup_commands_are_in_the_readme_and_ci_runs_the_test_one():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "pip install . && vipps-lint check fixtures/" in text
    assert "pip install '.[test]' && python -m pytest" in text
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install '.[test]'" in ci and re.search(r"python -m pytest", ci)
