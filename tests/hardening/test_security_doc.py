"""docs/security.md names the test that holds each promise: each name must be a test."""

from __future__ import annotations

import re

from conftest import REPO


def test_every_test_the_security_page_names_exists():
    page = (REPO / "docs" / "security.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b(test_[a-z0-9_]+)\b(?!\.py)", page))
    defined = {
        name
        for path in (REPO / "tests").rglob("test_*.py")
        for name in re.findall(r"^def (test_[a-z0-9_]+)\(", path.read_text(encoding="utf-8"), re.MULTILINE)
    }
    files = set(re.findall(r"\b(test_[a-z0-9_]+)\.py\b", page))
    assert named - defined - files == set()
    assert len(named) > 50  # the page names its tests
