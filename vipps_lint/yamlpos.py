"""YAML loading that remembers where every value came from.

Rule files, config files and OpenAPI documents are YAML written by people; when one is
wrong the error must name its line. PyYAML's composer keeps a mark on every node, so we
build the data from the node tree ourselves and keep a pointer → position map beside it.
Duplicate keys, which PyYAML silently collapses, are reported as errors.
"""

from __future__ import annotations

from typing import Any, Optional

import yaml

from vipps_lint.models import Position
from vipps_lint.positions import pointer_from_parts


class YamlError(Exception):
    def __init__(self, message: str, line: Optional[int] = None, column: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _position(node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class PositionedYaml:
    """Data loaded from YAML plus the position of each value, by JSON Pointer."""

    def __init__(self, data: Any, positions: dict[str, Position]):
        self.data = data
        self.positions = positions

    def position(self, pointer: str) -> Optional[Position]:
        """Position of the value at `pointer`, or of its nearest ancestor that has one."""
        while True:
            found = self.positions.get(pointer)
            if found is not None or not pointer:
                return found
            pointer = pointer.rsplit("/", 1)[0]


def load_yaml(text: str, core_schema: bool = False) -> PositionedYaml:
    """Load YAML with positions. `core_schema`: YAML 1.2 booleans only (OpenAPI documents are
    YAML 1.2, where `enum: [NO]` is the string "NO", not YAML 1.1's false)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or str(error)
        if error.context:
            problem = f"{problem} ({error.context})"
        raise YamlError(f"invalid YAML: {problem}", mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    except yaml.YAMLError as error:
        raise YamlError(f"invalid YAML: {error}") from None
    positions: dict[str, Position] = {}
    if root is None:
        return PositionedYaml(None, positions)
    constructor = yaml.SafeLoader("")  # only its scalar constructors are used
    data = _build(root, [], positions, constructor, core_schema)
    return PositionedYaml(data, positions)


_YAML_1_2_BOOLEANS = ("true", "false")


def _build(node, parts: list, positions: dict[str, Position], constructor, core_schema: bool = False) -> Any:
    positions[pointer_from_parts(parts)] = _position(node)
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in _merged_pairs(node):
            key = constructor.construct_object(key_node)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise YamlError("mapping keys must be scalars", *_line_col(key_node))
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                line, column = _line_col(key_node)
                raise YamlError(f"duplicate key '{key}'", line, column)
            result[key] = _build(value_node, parts + [key], positions, constructor, core_schema)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, parts + [index], positions, constructor, core_schema) for index, item in enumerate(node.value)]
    if core_schema and node.tag == "tag:yaml.org,2002:bool" and node.value.lower() not in _YAML_1_2_BOOLEANS:
        return node.value
    return constructor.construct_object(node)


def _merged_pairs(node):
    """Key/value node pairs, with YAML merge keys (`<<: *anchor`) expanded."""
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                yield from _merged_pairs(source)
        else:
            yield key_node, value_node


def _line_col(node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1
