"""Module-level regexes compiled when first used.

Compiling a regex costs tens to hundreds of microseconds; the package's modules hold a few
hundred, and a pre-commit run on one file uses a handful of them. `lazy_compile` stands in
for `re.compile` in a module's constants: the first call of one of its methods compiles it,
and from then on its methods are the compiled pattern's own (no indirection left on the
hot path). Every pattern made here is compiled by the test-suite (`every_pattern`), so a
typo in one still fails at once.
"""

from __future__ import annotations

import re
from typing import Any, Optional

_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner")
_MADE: list[LazyPattern] = []


class LazyPattern:
    """Looks like the `re.Pattern` it stands for; compiled on first use."""

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern = pattern
        self._flags = flags
        self._compiled: Optional[re.Pattern] = None

    def compiled(self) -> re.Pattern:
        if self._compiled is None:
            compiled = re.compile(self.pattern, self._flags)
            for name in _METHODS:
                setattr(self, name, getattr(compiled, name))
            self._compiled = compiled
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        # Only for what the instance does not have yet: the methods before the first use,
        # and `flags`, `groups`, `groupindex`.
        if name.startswith("_"):  # before __init__ (copy, pickle): nothing to compile yet
            raise AttributeError(name)
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"lazy_compile({self.pattern!r})"


def lazy_compile(pattern: str, flags: int = 0) -> LazyPattern:
    made = LazyPattern(pattern, flags)
    _MADE.append(made)
    return made


def every_pattern() -> list[LazyPattern]:
    """The lazy patterns of the modules imported so far (the test-suite compiles them all)."""
    return list(_MADE)
