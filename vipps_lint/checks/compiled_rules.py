"""The declarative rules of one operation as one generated Python function.

`engine._apply` interprets a rule: it builds the `given` nodes, their locations and the
field paths afresh for every rule and request. Almost every rule selects with a child path
(`$.merchantInfo`, `$.external_payment_methods[*]`) and names plain fields, so what it does
can be spelled out once per operation as nested `if`s and loops with plain dict access; a
request then costs one call, the `when` predicates and the check functions. A rule the
compiler does not cover (a `given` the JSONPath library evaluates, a `scope.hosts`) runs
through `engine._apply` from inside the generated function, in its place among the others.

Both paths give the same problems in the same order (tests/checks/test_compiled_rules.py
compares them on every rule's examples, the fixtures and generated bodies).
"""

from __future__ import annotations

from typing import Any, Callable

from vipps_lint.checks.functions import UNDEFINED, CheckContext
from vipps_lint.checks.jsonpath import _WILDCARD, ChildPathQuery
from vipps_lint.positions import dotted_path

# (body, url, as_of) -> list of Problems
CompiledRules = Callable[[Any, Any, Any], list]


def compile_rules(rules: list, interpreted: dict[str, Callable]) -> CompiledRules:
    """One function that runs `rules` (in order) on a body, as `engine._apply` would one by one.

    `interpreted` holds the engine's own steps (engine.py imports this module, not the other
    way round): `apply_rule(rule, body, as_of)` runs a rule the compiler does not cover,
    `host_allows(rule, url)` says whether a rule with `scope.hosts` applies to a request's URL,
    `field_value` and `problem` are what `_apply` uses for a `then.field` and a violation.
    """
    namespace: dict[str, Any] = {
        "UNDEFINED": UNDEFINED,
        "CheckContext": CheckContext,
        "dotted_path": dotted_path,
        "_problem": interpreted["problem"],
        "_field_value": interpreted["field_value"],
        "_apply_rule": interpreted["apply_rule"],
        "_host_allows": interpreted["host_allows"],
        "_children": _children,
        "dict": dict,
        "list": list,
        "isinstance": isinstance,
        "len": len,
    }
    lines = ["def run(body, url, as_of):", "    found = []", "    add = found.append"]
    for number, rule in enumerate(rules):
        name = f"rule{number}"
        namespace[name] = rule
        indent = "    "
        if rule.scope.get("hosts"):
            lines.append(f"{indent}if _host_allows({name}, url):")
            indent += "    "
        if not _covered(rule):
            lines.append(f"{indent}found.extend(_apply_rule({name}, body, as_of))")
            continue
        lines.append(f"{indent}pass")  # a rule whose body below is empty (no then) still compiles
        for given_number, (_expression, query) in enumerate(rule.given):
            _emit_given(lines, namespace, name, f"{name}_{given_number}", query.steps, indent)
    lines.append("    return found")
    code = compile("\n".join(lines), "<vipps-lint compiled rules>", "exec")
    exec(code, namespace)  # our own generated code: every key in it is a literal written with repr()
    return namespace["run"]


# Each step nests the generated code a level or two, and Python refuses more than 100 levels
# of indentation and 20 nested loops: a deeper path (a user's rule pack) is interpreted.
_MAX_STEPS = 12


def _covered(rule) -> bool:
    return all(
        isinstance(query, ChildPathQuery) and len(query.steps) <= _MAX_STEPS for _expression, query in rule.given
    )


def _children(value: Any):
    """A wildcard step's (key or index, child) pairs, as ChildPathQuery.find walks them."""
    if isinstance(value, dict):
        return value.items()
    if isinstance(value, list):
        return enumerate(value)
    return ()


def _emit_given(lines: list, namespace: dict, rule_name: str, prefix: str, steps: list, indent: str) -> None:
    """Nested steps down to each node the query selects, then the rule's `when` and `then`s."""
    rule = namespace[rule_name]
    node = "body"
    location: list[str] = []  # Python expressions of the location's parts
    for depth, step in enumerate(steps):
        child = f"v{depth}"
        if step is _WILDCARD:
            key = f"k{depth}"
            lines.append(f"{indent}for {key}, {child} in _children({node}):")
            location.append(key)
        elif isinstance(step, str):
            lines.append(f"{indent}if isinstance({node}, dict) and {step!r} in {node}:")
            indent += "    "
            lines.append(f"{indent}{child} = {node}[{step!r}]")
            location.append(repr(step))
            node = child
            continue
        else:
            index = f"i{depth}"
            lines.append(f"{indent}if isinstance({node}, list):")
            indent += "    "
            lines.append(f"{indent}{index} = {step} + len({node})" if step < 0 else f"{indent}{index} = {step}")
            lines.append(f"{indent}if 0 <= {index} < len({node}):")
            indent += "    "
            lines.append(f"{indent}{child} = {node}[{index}]")
            location.append(index)
            node = child
            continue
        indent += "    "
        node = child
    where = f"({', '.join(location)},)" if location else "()"
    if rule.when is not None and not getattr(rule.when, "always", False):
        namespace[f"{prefix}_when"] = rule.when
        lines.append(f"{indent}if {prefix}_when({node}, body):")
        indent += "    "
    lines.append(f"{indent}pass")
    for then_number, then in enumerate(rule.then):
        check = f"{prefix}_then{then_number}"
        namespace[check] = then.check
        inner = indent
        if then.field is None:
            value, parts, parent = node, where, "None"
        elif "/" not in then.field:
            lines.append(f"{inner}if isinstance({node}, dict):")
            inner += "    "
            lines.append(f"{inner}value = {node}.get({then.field!r}, UNDEFINED)")
            value, parts, parent = "value", f"({', '.join([*location, repr(then.field)])},)", node
        else:
            lines.append(f"{inner}if isinstance({node}, dict):")
            inner += "    "
            lines.append(f"{inner}value, below, parent = _field_value({node}, {then.field!r})")
            value, parts, parent = "value", f"({''.join(part + ', ' for part in location)}*below,)", "parent"
        passes = getattr(then.check, "passes", None)
        if passes is not None:
            # The function judges strings only, and these it has found good whatever their place
            # (a log repeats a shop's few URLs, and most optional URL fields are absent): no
            # call, no context for anything else.
            namespace[f"{check}_passes"] = passes
            lines.append(f"{inner}if isinstance({value}, str) and {value} not in {check}_passes:")
            inner += "    "
        lines.append(f"{inner}parts = {parts}")
        lines.append(f"{inner}for violation in {check}({value}, CheckContext({parent}, parts, body, as_of)):")
        lines.append(f"{inner}    add(_problem({rule_name}, violation, {value}, list(parts), dotted_path(parts)))")
