"""Check functions: the `then.function` of a rule.

Each module here is one function, like a yamllint rule: a docstring that is its user
documentation, `OPTIONS` (a JSON Schema for `functionOptions`, checked when rules load)
and `compile(options) -> check`, where `check(value, context)` yields `Violation`s.
Compiling once per run is where regexes and lookup tables are built, so the per-request
work is only the check itself. A check that judges strings only may carry `check.passes`:
the strings it has found good for their value alone, whatever the context; the compiled
rules call it for no other value (neither a string in `passes` nor anything not a string).

To add a function: write the module, add its name to `NAMES` (and to `_MODULES` when the
module cannot carry the function's name, e.g. `type`, which would shadow the builtin).
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterator, Optional

from vipps_lint.positions import dotted_path

NAMES = (
    "defined",
    "undefined",
    "pattern",
    "url",
    "phone",
    "wording",
    "equals",
    "enum",
    "length",
    "type",
    "amount",
    "date",
    "words",
    "keys",
)
_MODULES = {"type": "value_type", "date": "date_window"}


class _Undefined:
    """The value of a `field` the object does not have (distinct from JSON null)."""

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False


UNDEFINED = _Undefined()
NO_FIX = object()


@dataclass
class Violation:
    """One thing a check function found wrong with a value.

    `code` picks the rule's message/hint template variant; `error` is a short phrase for
    `{{error}}`; `fix` is the corrected value when one can be computed (`{{fix}}`);
    `detail` is extra context for `{{detail}}` (e.g. what an assumption rests on). `safe`
    is False when `fix` rests on a guess: the hint still shows it, `--fix` does not apply it.
    """

    code: str
    error: str
    fix: Any = NO_FIX
    detail: str = ""
    safe: bool = True


class CheckContext:
    """What a function may look at besides the value itself."""

    __slots__ = ("parent", "parts", "root", "as_of")

    def __init__(self, parent: Any, parts: tuple = (), root: Any = None, as_of: Optional[date] = None):
        self.parent = parent  # the object holding the value (the `given` node when `field` is used)
        self.parts = parts  # where the value is: ('merchantInfo', 'callbackPrefix')
        self.root = root  # the whole body
        self.as_of = as_of  # the date to check dates against (--as-of); None: today

    @property
    def today(self) -> date:
        return self.as_of or date.today()

    @property
    def path(self) -> str:
        """Dotted, for messages: 'merchantInfo.callbackPrefix'."""
        return dotted_path(self.parts)


Check = Callable[[Any, CheckContext], Iterator[Violation]]


def module(name: str):
    if name not in NAMES:
        return None
    return importlib.import_module(f"vipps_lint.checks.functions.{_MODULES.get(name, name)}")


def render_value(value: Any, limit: int = 80) -> str:
    """A value as the user would type it in JSON, shortened for messages."""
    if value is UNDEFINED:
        return "(missing)"
    text = json.dumps(value, ensure_ascii=False)
    if len(text) <= limit:
        return text
    if isinstance(value, str):
        # Cut inside the quotes ("abc…", not "abc…): the value, not its escapes, is shortened.
        cut = value[: limit - 3]
        text = json.dumps(cut, ensure_ascii=False)
        while len(text) > limit - 1 and cut:
            # An escaped character takes 2 to 6 characters: never cut more than the overflow needs.
            cut = cut[: len(cut) - max(1, (len(text) - (limit - 1)) // 6)]
            text = json.dumps(cut, ensure_ascii=False)
        return text[:-1] + '…"'
    return text[: limit - 1] + "…"


def describe_type(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def first(options: dict, *names: str, default: Optional[Any] = None) -> Any:
    for name in names:
        if name in options:
            return options[name]
    return default
