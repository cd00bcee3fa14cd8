"""Regenerate the rule table in README.md from the rules (`python scripts/update_readme.py`)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vipps_lint.checks.rules import load_rules  # noqa: E402 - from this checkout, once sys.path names it
from vipps_lint.explain import rules_markdown  # noqa: E402 - from this checkout, once sys.path names it

BLOCK = re.compile(r"(<!-- rules:start[^>]*-->\n)(.*?)(<!-- rules:end -->)", re.DOTALL)


def rendered_readme(text: str) -> str:
    rules, _ = load_rules()
    return BLOCK.sub(lambda match: match.group(1) + rules_markdown(rules) + match.group(3), text)


if __name__ == "__main__":
    readme = ROOT / "README.md"
    readme.write_text(rendered_readme(readme.read_text(encoding="utf-8")), encoding="utf-8")
