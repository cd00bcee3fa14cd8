"""Where the shipped rules and schemas are.

In the repository they live at the top (`rules/`, `schemas/`); an installed wheel carries
them inside the package as `vipps_lint/_data/`. Looking in both places lets the same code
run from a checkout, an editable install and a wheel.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def rules_dir() -> Path:
    return _data_dir("rules")


def schemas_dir() -> Path:
    return _data_dir("schemas")


def specs_dir() -> Path:
    """Sourced data the schema build applies: sources.yaml, overlay.yaml, lifecycle.yaml."""
    return _data_dir("specs")
