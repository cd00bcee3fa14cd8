"""`given` queries: RFC 9535 JSONPath, parsed by `jsonpath_rfc9535`.

Almost every rule selects with a plain child path (`$.merchantInfo`,
`$.external_payment_methods[*]`). Those run here as direct dictionary and list steps, which
is several times cheaper per request than the general evaluator; every other query (filters,
slices, descendants, several selectors) is evaluated by the library. Both give the same
nodes in the same order (tests/checks/test_jsonpath.py compares them).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

from vipps_lint.lazy_re import lazy_compile

_WILDCARD = object()

# The dotted spelling of child paths (RFC 9535 member-name-shorthand, wildcards and
# integer indexes): read without importing the library, which costs a pre-commit run 20 ms.
_DOTTED_STEP = r"\.(?:[A-Za-z_][A-Za-z0-9_]*|\*)|\[(?:\*|0|-?[1-9][0-9]*)\]"
_DOTTED_PATH = lazy_compile(rf"\$(?:{_DOTTED_STEP})*")
_STEP = lazy_compile(_DOTTED_STEP)


class Node(NamedTuple):
    value: Any
    location: tuple  # keys and indexes from the root, like the library's JSONPathNode.location


class ChildPathQuery:
    """A query made of single name, index and wildcard child selectors."""

    def __init__(self, steps: list):
        self.steps = steps  # each a str (member name), int (index) or _WILDCARD

    def find(self, root: Any) -> list[Node]:
        nodes = [Node(root, ())]
        for step in self.steps:
            found = []
            for value, location in nodes:
                if step is _WILDCARD:
                    if isinstance(value, dict):
                        found.extend(Node(child, (*location, key)) for key, child in value.items())
                    elif isinstance(value, list):
                        found.extend(Node(child, (*location, index)) for index, child in enumerate(value))
                elif isinstance(step, str):
                    if isinstance(value, dict) and step in value:
                        found.append(Node(value[step], (*location, step)))
                elif isinstance(value, list):
                    index = step + len(value) if step < 0 else step
                    if 0 <= index < len(value):
                        found.append(Node(value[index], (*location, index)))
            if not found:
                return found
            nodes = found
        return nodes


def compile_query(expression: str):
    """A compiled query with `find(body) -> nodes` (each with `value` and `location`).

    Raises the library's errors for an invalid expression.
    """
    if _DOTTED_PATH.fullmatch(expression):
        steps = [_parse_step(step) for step in _STEP.findall(expression, 1)]
        # RFC 9535 indexes are I-JSON integers; the library says what is wrong with others.
        if all(not isinstance(step, int) or abs(step) <= 2**53 - 1 for step in steps):
            return ChildPathQuery(steps)
    import jsonpath_rfc9535  # start-up time

    query = jsonpath_rfc9535.compile(expression)
    steps = _child_steps(query)
    return ChildPathQuery(steps) if steps is not None else query


def _parse_step(step: str):
    if step in (".*", "[*]"):
        return _WILDCARD
    return step[1:] if step.startswith(".") else int(step[1:-1])


def _child_steps(query) -> Optional[list]:
    from jsonpath_rfc9535.segments import JSONPathChildSegment
    from jsonpath_rfc9535.selectors import IndexSelector, NameSelector, WildcardSelector

    steps = []
    for segment in query.segments:
        if type(segment) is not JSONPathChildSegment or len(segment.selectors) != 1:
            return None
        selector = segment.selectors[0]
        if type(selector) is NameSelector:
            steps.append(selector.name)
        elif type(selector) is IndexSelector:
            steps.append(selector.index)
        elif type(selector) is WildcardSelector:
            steps.append(_WILDCARD)
        else:
            return None
    return steps
