"""Import cycles between vipps_lint modules, counting imports inside functions too.

    python scripts/import_cycles.py        # lists each cycle; exit 1 if there is one

An import inside a function still makes two modules depend on each other; it only hides the
cycle from the interpreter. `if TYPE_CHECKING:` imports are not counted (they never run).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = "vipps_lint"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imported(tree: ast.AST, name: str, is_package: bool, known: set[str]) -> set[str]:
    found: set[str] = set()
    skipped = {id(child) for node in ast.walk(tree) if _type_checking_block(node) for child in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph(root: Path) -> dict[str, set[str]]:
    paths = sorted((root / PACKAGE).rglob("*.py"))
    names = {module_name(path, root): path for path in paths}
    known = set(names)
    edges = {}
    for name, path in names.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges[name] = imported(tree, name, path.name == "__init__.py", known)
        # A package's own __init__ is imported with each submodule: that edge is no dependency.
        edges[name] = {target for target in edges[name] if not name.startswith(target + ".")}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    found = cycles(graph(root))
    for component in found:
        print("cycle:", " ↔ ".join(component))
    print(f"{len(found)} import cycle{'s' if len(found) != 1 else ''}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
