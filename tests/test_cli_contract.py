"""The command line's contract, pinned: every command's --help text and every option's name,
type, choices, default and flags. A change that alters them changes tests/cli_contract.txt on
purpose (`VIPPS_LINT_UPDATE_CONTRACT=1 python -m pytest tests/test_cli_contract.py` writes it)."""

from __future__ import annotations

import os

import click
from click.testing import CliRunner

from vipps_lint.cli import main

from conftest import REPO

CONTRACT = REPO / "tests" / "cli_contract.txt"


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
        "default": parameter.default,
        "required": parameter.required,
        "multiple": parameter.multiple,
        "nargs": parameter.nargs,
        "flag": getattr(parameter, "is_flag", None),
        "hidden": getattr(parameter, "hidden", None),
        "metavar": parameter.metavar,
        "show_default": getattr(parameter, "show_default", None),
    }
    return f"  {parameter.name}: " + ", ".join(f"{key}={value!r}" for key, value in fields.items())


def contract() -> str:
    sections = []
    runner = CliRunner(env={"NO_COLOR": "1"})  # help wrapped at 80 columns (FORCED_WIDTH)
    for path, command in _commands(main):
        result = runner.invoke(main, [*path, "--help"], prog_name="vipps-lint")
        assert result.exit_code == 0, result.output
        parameters = "\n".join(_parameter(parameter) for parameter in command.params)
        sections.append(f"=== vipps-lint {' '.join(path)}\n{result.output}--- parameters\n{parameters}\n")
    return "\n".join(sections)


def test_every_commands_help_and_options_are_unchanged():
    text = contract()
    if os.environ.get("VIPPS_LINT_UPDATE_CONTRACT"):
        CONTRACT.write_text(text, encoding="utf-8")
    assert text == CONTRACT.read_text(encoding="utf-8")
