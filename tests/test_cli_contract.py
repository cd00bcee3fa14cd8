"""The command line's contract, pinned: every command's --help text and every option's name,
type, choices, default and flags. A change that alters them changes tests/cli_contract.txt on
purpose (`VIPPS_LINT_UPDATE_CONTRACT=1 python -m pytest tests/test_cli_contract.py` writes it).

Choices that come from the registries are pinned as their registries give them: the contract
is read from a command line built with only the readers and report formats below, so adding a
reader or a reporter (CONTRIBUTING.md) does not touch this file."""

from __future__ import annotations

import importlib
import os
import sys

import click
from click.testing import CliRunner

import vipps_lint
from vipps_lint import reporters, sources
from vipps_lint.models import SEVERITIES

from conftest import REPO

CONTRACT = REPO / "tests" / "cli_contract.txt"
PINNED_READERS = ("openapi", "har", "postman", "ndjson", "curl", "http", "json")
PINNED_FORMATS = ("text", "concise", "json", "sarif", "github", "junit", "html")


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    yield path, group
    if isinstance(group, click.Group):
        for name in sorted(group.commands):
            yield from _commands(group.commands[name], (*path, name))


def _parameter(parameter: click.Parameter) -> str:
    kind = parameter.type
    described = kind.name
    if isinstance(kind, click.Choice):
        described += repr(list(kind.choices))
    elif isinstance(kind, click.Path):
        flags = ("exists", "file_okay", "dir_okay", "writable", "allow_dash")
        described += repr({flag: getattr(kind, flag) for flag in flags})
    elif isinstance(kind, (click.IntRange, click.FloatRange)):
        described += repr((kind.min, kind.max))
    elif isinstance(kind, click.DateTime):
        described += repr(list(kind.formats))
    fields = {
        "opts": parameter.opts,
        "secondary": parameter.secondary_opts,
        "type": described,
        # "no default" is None before click 8.3 and its UNSET sentinel since: the same contract.
        "default": None if repr(parameter.default) == "Sentinel.UNSET" else parameter.default,
        "required": parameter.required,
        "multiple": parameter.multiple,
        "nargs": parameter.nargs,
        "flag": getattr(parameter, "is_flag", None),
        "hidden": getattr(parameter, "hidden", None),
        "metavar": parameter.metavar,
        "show_default": getattr(parameter, "show_default", None),
    }
    return f"  {parameter.name}: " + ", ".join(f"{key}={value!r}" for key, value in fields.items())


def contract(main: click.Group) -> str:
    sections = []
    runner = CliRunner(env={"NO_COLOR": "1"})  # help wrapped at 80 columns (FORCED_WIDTH)
    for path, command in _commands(main):
        result = runner.invoke(main, [*path, "--help"], prog_name="vipps-lint")
        assert result.exit_code == 0, result.output
        parameters = "\n".join(_parameter(parameter) for parameter in command.params)
        sections.append(f"=== vipps-lint {' '.join(path)}\n{result.output}--- parameters\n{parameters}\n")
    return "\n".join(sections)


def _command_line_of_the_pinned_registries(monkeypatch) -> click.Group:
    """vipps_lint.cli imported anew with only the pinned readers and report formats (the
    modules as they were come back when the test ends)."""
    for name in ("cli_options", "cli"):
        importlib.import_module(f"vipps_lint.{name}")  # as it is, to come back
        monkeypatch.delitem(sys.modules, f"vipps_lint.{name}")
        monkeypatch.delattr(vipps_lint, name)
    monkeypatch.setattr(sources, "READERS", {name: sources.READERS[name] for name in PINNED_READERS})
    monkeypatch.setattr(reporters, "FORMATS", {name: reporters.FORMATS[name] for name in PINNED_FORMATS})
    return importlib.import_module("vipps_lint.cli").main


def test_every_commands_help_and_options_are_unchanged(monkeypatch):
    text = contract(_command_line_of_the_pinned_registries(monkeypatch))
    if os.environ.get("VIPPS_LINT_UPDATE_CONTRACT"):
        CONTRACT.write_text(text, encoding="utf-8")
    assert text == CONTRACT.read_text(encoding="utf-8")


def test_choices_come_from_the_registries():
    from vipps_lint.cli import main

    check = {parameter.name: parameter for parameter in main.commands["check"].params}
    assert list(check["input_format"].type.choices) == list(sources.READERS)
    assert list(check["output_format"].type.choices) == list(reporters.FORMATS)
    assert list(check["fail_on"].type.choices) == list(SEVERITIES)
    assert {name for name in check if name.startswith("output_")} == {
        "output_format",
        *(f"output_{name}" for name in reporters.FORMATS),
    }
