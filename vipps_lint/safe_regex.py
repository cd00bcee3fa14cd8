"""Regular expressions from input run without backtracking, so none can hang a run.

A pattern in an OpenAPI document (`pattern: "^(a+)+$"`), in `--spec`, or in a user's rule
pack (`match`, `notMatch`, a condition's `pattern`) is written by someone else; with
Python's backtracking `re`, one such pattern and a 35-character value take minutes. These
patterns run on RE2 (`google-re2`), whose time is linear in the text for every pattern.
RE2 has no lookaround and no backreferences: a pattern using them is refused with a clear
message (`UnsafePattern`) instead of being run unbounded. The shipped rules are trusted and
keep Python's `re` (and its speed); shipped schema patterns compile with RE2 like any other.
"""

from __future__ import annotations

import contextlib
from typing import Callable, Optional

# RE2's memory for one compiled pattern (its default is 8 MiB too; said here so it is a promise).
MAX_PATTERN_MEMORY = 8 * 1024 * 1024
MAX_PATTERN_LENGTH = 4096


class UnsafePattern(ValueError):
    """A pattern that cannot be evaluated with a bound; str() says why, for the user."""


_CACHE: dict[str, Callable] = {}
_untrusted_depth = 0


def _options():
    import re2  # only when a pattern from input is compiled

    options = re2.Options()
    options.max_mem = MAX_PATTERN_MEMORY
    options.log_errors = False  # RE2 would log its parse errors to stderr; UnsafePattern says it once
    return options


def compile_bounded(pattern: str) -> Callable[[str], Optional[object]]:
    """`search` for an untrusted pattern, on RE2 (UnsafePattern when RE2 cannot run it)."""
    search = _CACHE.get(pattern)
    if search is not None:
        return search
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise UnsafePattern(f"the pattern is {len(pattern):,} characters long; at most {MAX_PATTERN_LENGTH:,} are read")
    import re2

    try:
        compiled = re2.compile(pattern, _options())
    except Exception as error:  # noqa: BLE001 - re2.error, or a pattern RE2's parser rejects
        detail = error.args[0] if error.args else type(error).__name__
        detail = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        raise UnsafePattern(
            f"pattern {pattern[:80]!r} cannot be evaluated safely ({detail}); vipps-lint runs patterns "
            "from input on RE2, without backtracking, which has no lookaround or backreferences"
        ) from None
    search = _CACHE[pattern] = _searching_any_text(compiled.search)
    return search


def _searching_any_text(search: Callable[[str], Optional[object]]) -> Callable[[str], Optional[object]]:
    # RE2 reads UTF-8, and a lone surrogate (a JSON "\ud800" escape in a body) has no UTF-8
    # form: it is matched as U+FFFD, one character for one, so lengths and spans stay the same.
    def search_text(text: str) -> Optional[object]:
        try:
            return search(text)
        except UnicodeEncodeError:
            return search(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))

    return search_text


@contextlib.contextmanager
def untrusted():
    """While loading a user's rule pack: `compile_rule_pattern` compiles on RE2."""
    global _untrusted_depth
    _untrusted_depth += 1
    try:
        yield
    finally:
        _untrusted_depth -= 1


def compile_rule_pattern(pattern: str):
    """A rule's `match`/`notMatch`/condition pattern: `re` for the shipped rules, RE2 for a
    user's rule pack (see `untrusted`). Returns an object with `.search` and `.pattern`.
    A shipped rule's pattern is compiled when first used (every run loads the rules; the
    test-suite compiles each one with `re`)."""
    if not _untrusted_depth:
        from vipps_lint.lazy_re import LazyPattern

        return LazyPattern(pattern)
    return _Bounded(pattern, compile_bounded(pattern))


class _Bounded:
    def __init__(self, pattern: str, search):
        self.pattern = pattern
        self.search = search
