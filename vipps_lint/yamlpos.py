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
    """Load YAML with positions. `core_schema`: YAML 1.2 (OpenAPI documents are YAML 1.2,
    where `enum: [NO]` is the string "NO", not YAML 1.1's false, and there are no timestamps).

    Every value is plain JSON-like data: dicts, lists, str, int, float, bool, None. A date
    or timestamp is kept as the string it was written as (a request body sends text, and
    YAML 1.1 files get it checked first: `2022-13-01` is an error there). Anything that
    cannot be made into such data — an unknown tag (`!foo`), `!!int abc`, an alias inside
    itself — is a YamlError with the line and column of the value, never another exception.
    """
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or str(error)
        if error.context:
            problem = f"{problem} ({error.context})"
        raise YamlError(
            f"invalid YAML: {problem}", mark.line + 1 if mark else None, mark.column + 1 if mark else None
        ) from None
    except yaml.YAMLError as error:
        raise YamlError(f"invalid YAML: {error}") from None
    except RecursionError:
        raise YamlError("invalid YAML: nested too deeply to read") from None
    positions: dict[str, Position] = {}
    if root is None:
        return PositionedYaml(None, positions)
    check_alias_expansion(root)
    builder = _Builder(positions, core_schema)
    try:
        data = builder.build(root, [])
    except RecursionError:
        line, column = builder.deepest
        raise YamlError("invalid YAML: nested too deeply to read", line, column) from None
    return PositionedYaml(data, positions)


_YAML_1_2_BOOLEANS = ("true", "false")
_TAG = "tag:yaml.org,2002:"
# The scalar tags that give JSON-like data; anything else (!!binary, !!set, !custom) is refused.
_SCALAR_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")}
_MAPPING_TAG, _SEQUENCE_TAG = _TAG + "map", _TAG + "seq"
_MAX_VALUES = 5_000_000
# How many values aliases (`*name`) may add beyond those written out: enough for any rule
# file, configuration or OpenAPI document that reuses parts by alias, far too few for a
# "billion laughs" file (a few hundred bytes that expand to billions of values).
MAX_ALIAS_VALUES = 100_000


def check_alias_expansion(root) -> None:
    """Refuse a document whose aliases expand to more than MAX_ALIAS_VALUES extra values.

    The composed node graph shares an aliased node instead of copying it, so its expanded
    size is counted once per distinct node (memoised, iteratively: no recursion limit), in
    time linear in the file, before anything is built.
    """
    sizes: dict[int, int] = {}
    distinct = 0
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes and not children_done:
            continue
        children = _children(node)
        if not children_done:
            sizes[key] = 0  # in progress: an alias of itself adds nothing here (the builder refuses it)
            distinct += 1
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        total = 1
        for child in children:
            total += sizes.get(id(child), 0)
            if total - distinct > MAX_ALIAS_VALUES:
                raise YamlError(
                    f"invalid YAML: aliases (*name) expand to more than {MAX_ALIAS_VALUES:,} values "
                    'beyond those written out; refused (a "billion laughs" document?)',
                    *_line_col(node),
                )
        sizes[key] = total
    if sizes.get(id(root), 0) - distinct > MAX_ALIAS_VALUES:
        raise YamlError(
            f"invalid YAML: aliases (*name) expand to more than {MAX_ALIAS_VALUES:,} values", *_line_col(root)
        )


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class _Builder:
    """Builds plain data from a composed node tree, recording each value's position."""

    def __init__(self, positions: dict[str, Position], core_schema: bool):
        self.positions = positions
        self.core_schema = core_schema
        self.constructor = yaml.SafeLoader("")  # only its scalar constructors are used
        self.open: set[int] = set()  # ids of the collection nodes being built (alias cycles)
        self.deepest = (None, None)
        self.count = 0

    def build(self, node, parts: list) -> Any:
        self.deepest = _line_col(node)
        self.count += 1
        if self.count > _MAX_VALUES:  # aliases of aliases can expand exponentially ("billion laughs")
            raise YamlError(
                f"invalid YAML: more than {_MAX_VALUES:,} values once aliases are expanded", *_line_col(node)
            )
        self.positions[pointer_from_parts(parts)] = _position(node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        expected = _MAPPING_TAG if isinstance(node, yaml.MappingNode) else _SEQUENCE_TAG
        if node.tag != expected:
            raise YamlError(
                f"unsupported tag '{_tag_name(node.tag)}': only plain mappings, lists, strings, numbers, "
                "booleans and null can be read",
                *_line_col(node),
            )
        if id(node) in self.open:
            raise YamlError(
                "invalid YAML: this value holds an alias (*name) of itself, so it would never end", *_line_col(node)
            )
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, parts + [index]) for index, item in enumerate(node.value)]
            result: dict = {}
            merged: dict = {}  # keys from `<<:` merges: explicit keys override them
            for key_node, value_node, from_merge in self.pairs(node):
                key = self.key(key_node)
                if from_merge:
                    if key not in merged:  # an earlier merged mapping wins (YAML merge key spec)
                        merged[key] = (key_node, value_node)
                    continue
                if key in result:
                    raise YamlError(f"duplicate key '{key}'", *_line_col(key_node))
                result[key] = self.build(value_node, parts + [key])
            for key, (_key_node, value_node) in merged.items():
                if key not in result:
                    result[key] = self.build(value_node, parts + [key])
            return result
        finally:
            self.open.discard(id(node))

    def key(self, node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise YamlError("mapping keys must be scalars", *_line_col(node))
        key = self.scalar(node)
        return key if isinstance(key, str) else str(key)

    def pairs(self, node, seen: Optional[set] = None):
        """(key node, value node, came from a merge) with YAML merge keys (`<<: *anchor`) expanded."""
        seen = set() if seen is None else seen
        seen.add(id(node))
        for key_node, value_node in node.value:
            if key_node.tag != _TAG + "merge":
                yield key_node, value_node, False
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise YamlError("a merge key (<<) takes a mapping or a list of mappings", *_line_col(source))
                if id(source) in seen:
                    raise YamlError(
                        "invalid YAML: this merge (<<) brings in the mapping that contains it", *_line_col(source)
                    )
                for key, value, _merged in self.pairs(source, seen):
                    yield key, value, True

    def scalar(self, node) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            raise YamlError(
                f"unsupported tag '{_tag_name(tag)}': only plain mappings, lists, strings, numbers, "
                "booleans and null can be read",
                *_line_col(node),
            )
        if tag == _TAG + "timestamp":
            if not self.core_schema:  # YAML 1.1: a date must be a real one, but stays as written
                self.construct(node, "a date")
            return node.value
        if self.core_schema and tag == _TAG + "bool" and node.value.lower() not in _YAML_1_2_BOOLEANS:
            return node.value
        return self.construct(
            node, {"int": "an integer", "float": "a number", "bool": "a boolean"}.get(tag[len(_TAG) :], "a value")
        )

    def construct(self, node, kind: str) -> Any:
        try:
            return self.constructor.construct_object(node)
        except yaml.MarkedYAMLError as error:
            raise YamlError(f"invalid YAML: {error.problem or error}", *_line_col(node)) from None
        except (ValueError, TypeError, KeyError, OverflowError) as error:
            detail = f": {error}" if kind == "a date" and str(error) else ""  # e.g. "month must be in 1..12"
            raise YamlError(f"{node.value!r} is not {kind}{detail}", *_line_col(node)) from None


def _line_col(node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1
