"""The package's shape: stages depend one way (no import cycles), readers declare their traits."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from vipps_lint.models import ReaderTraits
from vipps_lint.sources import READERS, reader_module

from conftest import REPO


def _import_cycles_script():
    spec = importlib.util.spec_from_file_location("import_cycles", REPO / "scripts" / "import_cycles.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_cycles"] = module
    spec.loader.exec_module(module)
    return module


def test_no_module_imports_one_that_imports_it_back():
    """Counting imports inside functions too: they hide a cycle from the interpreter, not from readers."""
    script = _import_cycles_script()
    assert script.cycles(script.graph(REPO)) == []


def test_the_cycle_finder_finds_a_cycle():
    script = _import_cycles_script()
    assert script.cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_reader_declares_its_traits_under_its_registered_name():
    for name in READERS:
        module = reader_module(name)
        assert name == module.NAME
        assert isinstance(module.TRAITS, ReaderTraits) and module.TRAITS.name == name
        assert module.TRAITS.fixes in ("span", "written")


def test_rule_ids_in_code_match_the_builtin_rules_of_rules_dir():
    from vipps_lint.checks.rules import load_rules
    from vipps_lint.checks.suite import check_rule_ids

    rules, errors = load_rules()
    assert errors == []
    check_rule_ids(rules)  # the shipped rules and code agree


def test_a_typo_in_a_code_rule_id_fails_when_the_rules_load(monkeypatch):
    import pytest

    from vipps_lint.checks import headers
    from vipps_lint.checks.rules import load_rules
    from vipps_lint.checks.suite import RuleIdMismatch, check_rule_ids

    rules, _errors = load_rules()
    monkeypatch.setattr(headers, "RULES", (*headers.RULES, "header-idempotency-kye"))
    with pytest.raises(
        RuleIdMismatch,
        match="vipps_lint.checks.headers reports 'header-idempotency-kye', but no rule file documents it",
    ):
        check_rule_ids(rules)


def test_every_rule_id_a_code_check_writes_is_in_its_rules():
    """`Problem("some-id", …)` literals: each is listed in the module's RULES (so checked against rules/)."""
    import ast

    from vipps_lint.checks import CODE_CHECKS

    for module_name in [f"vipps_lint.checks.{name}" for name in CODE_CHECKS] + ["vipps_lint.routing"]:
        module = importlib.import_module(module_name)
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        written = {
            node.args[0].value
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "Problem"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        }
        assert written <= set(module.RULES), (module_name, written - set(module.RULES))
