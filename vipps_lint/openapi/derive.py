"""OpenAPI schema objects → self-contained JSON Schemas (draft 2020-12) that carry facts only.

What the conversion does, and why:

- `$ref` (within a document or to another file) becomes `{"$ref": "#/$defs/Name"}`, with the
  target converted once into `$defs`: each operation's schema stands alone, and recursive
  schemas stay finite. A `$ref` cycle that never descends into the value (`A: {$ref: B}`,
  `B: {allOf: [{$ref: A}]}`) describes nothing and is an error naming the file and line.
- `allOf` of object schemas is merged into one object (properties and `required` joined), the
  way the Vipps specs use it ("this object, plus `nullable`" or "base + extra fields").
- OpenAPI 3.0 `nullable: true` becomes a type union with `"null"` (and `null` joins an
  `enum`); 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` become 2020-12's numbers.
- `readOnly` properties are dropped, with their `required` entries: a request never sends them.
- Unknown properties: the Vipps APIs reject fields they do not know, so every object schema
  that lists `properties` and says nothing about others gets `additionalProperties: false`
  (in the derived schema, not the spec; the schema check reports these as
  `schema-unknown-property` with a did-you-mean hint).
- Only validation keywords are kept. Prose and annotations (`description`, `title`,
  `example(s)`, `default`, `externalDocs`, `xml`, `deprecated`, `x-*`), `discriminator`
  (the `oneOf` it annotates says the same) and `writeOnly` are dropped; so are formats
  vipps-lint does not check (`double`, `byte`, …; see `CHECKED_FORMATS`).
"""

from __future__ import annotations

import copy
import re
from typing import Any, Optional

from vipps_lint.openapi.documents import Documents, RemoteReference, SpecError
from vipps_lint.positions import pointer_from_parts

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# Formats the schema check understands (see checks/schema.py); others carry no checkable fact.
CHECKED_FORMATS = ("date", "date-time", "email", "int32", "int64", "uri", "uuid")

_SCALAR_KEYWORDS = (
    "type",
    "enum",
    "const",
    "required",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "dependentRequired",
    "format",
)
_SUBSCHEMA = ("items", "additionalProperties", "not", "contains", "unevaluatedProperties", "propertyNames")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "patternProperties")
# Keywords whose subschemas apply to a value *inside* this one (used to tell recursion from a cycle).
_DESCENDING = (
    "properties",
    "patternProperties",
    "items",
    "prefixItems",
    "additionalProperties",
    "contains",
    "unevaluatedProperties",
    "propertyNames",
)


class _Unmergeable(Exception):
    pass


def json_safe(value: Any) -> Any:
    """YAML can hold dates and other non-JSON scalars (in `enum`s, say); JSON Schema cannot."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


class SchemaDeriver:
    """Derives the schemas of one build; `$defs` names are per operation schema."""

    def __init__(self, documents: Documents):
        self.documents = documents
        # Remote $refs left unconstrained (each a RemoteReference), for the build to warn about.
        self.warnings: list[SpecError] = []

    # -- one operation schema ------------------------------------------------------------
    def derive(self, uri: str, pointer: str, schema: Any) -> dict:
        """The schema at uri#pointer as one self-contained JSON Schema; a SpecError when it is not
        valid JSON Schema (`type: strng`, `minLength: "5"`, a pattern that is no regex), so a typo
        is one line naming the schema, not a crash while validating."""
        derived = self._derive(uri, pointer, schema)
        from jsonschema import Draft202012Validator, exceptions  # start-up time

        try:
            # No format checks: a `pattern` is an ECMA-262 regex (`\\p{L}`), which Python's re cannot read.
            Draft202012Validator.check_schema(derived, format_checker=None)
        except exceptions.SchemaError as error:
            where = "/".join(str(part) for part in error.path)
            message = error.message if len(error.message) <= 200 else error.message[:200] + "…"
            raise SpecError(
                self.documents.display(uri),
                f"the schema is not valid JSON Schema: {message}" + (f" (at {where})" if where else ""),
                self.documents.position(uri, pointer),
            ) from None
        except RecursionError:
            raise SpecError(
                self.documents.display(uri),
                "the schema is nested too deeply to check",
                self.documents.position(uri, pointer),
            ) from None
        self._check_patterns(derived, uri, pointer)
        return derived

    def _check_patterns(self, schema: Any, uri: str, pointer: str) -> None:
        """Every `pattern` must run on RE2 (vipps_lint/safe_regex.py): one that cannot (lookaround,
        backreferences) is a SpecError naming it, not a regex that could hang the run."""
        from vipps_lint.safe_regex import UnsafePattern, compile_bounded

        stack = [schema]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("pattern"), str):
                    try:
                        compile_bounded(node["pattern"])
                    except UnsafePattern as error:
                        raise SpecError(
                            self.documents.display(uri), str(error), self.documents.position(uri, pointer)
                        ) from None
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)

    def _derive(self, uri: str, pointer: str, schema: Any) -> dict:
        self._defs: dict[str, Any] = {}
        self._names: dict[tuple[str, str], str] = {}
        self._in_progress: set[str] = set()
        self._same_level: set[tuple[str, str]] = set()
        self._open: set[str] = set()
        root = self._convert(uri, pointer, schema)
        if not isinstance(root, dict):
            root = {} if root is True else {"not": {}}
        _close_objects(root)
        for name, definition in self._defs.items():
            if name not in self._open and isinstance(definition, dict):
                _close_objects(definition)
        reachable = _reachable(root, self._defs)
        result = {"$schema": DRAFT_2020_12, **root}
        defs = {name: self._defs[name] for name in sorted(reachable)}
        if defs:
            result["$defs"] = defs
        return result

    # -- conversion ----------------------------------------------------------------------
    def _convert(self, uri: str, pointer: str, node: Any) -> Any:
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict):
            raise SpecError(
                self.documents.display(uri), "a schema must be a mapping", self.documents.position(uri, pointer)
            )
        if "$ref" in node:
            try:
                return {"$ref": "#/$defs/" + self._define(uri, pointer, node["$ref"])}
            except RemoteReference as error:
                if str(error) not in map(str, self.warnings):
                    self.warnings.append(error)
                return {}
        out: dict[str, Any] = {}
        read_only: set[str] = set()
        for key, value in node.items():
            where = f"{pointer}/{key}"
            if key in _DESCENDING:
                saved, self._same_level = self._same_level, set()
            try:
                if key in _SUBSCHEMA_MAPS and isinstance(value, dict):
                    converted = {}
                    for name, child in value.items():
                        child_pointer = where + pointer_from_parts([name])
                        if key == "properties" and self._is_read_only(uri, child_pointer, child):
                            read_only.add(name)
                            continue
                        converted[name] = self._convert(uri, child_pointer, child)
                    out[key] = converted
                elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
                    out[key] = [self._convert(uri, f"{where}/{index}", child) for index, child in enumerate(value)]
                elif key in _SUBSCHEMA and isinstance(value, (dict, bool)):
                    out[key] = self._convert(uri, where, value)
                elif key in _SCALAR_KEYWORDS:
                    out[key] = json_safe(value)
            finally:
                if key in _DESCENDING:
                    self._same_level = saved
        if read_only and isinstance(out.get("required"), list):
            out["required"] = [name for name in out["required"] if name not in read_only]
        _fix_exclusive_bounds(out, node)
        if out.get("format") not in CHECKED_FORMATS:
            out.pop("format", None)
        if "allOf" in out:
            out = self._flatten_all_of(out)
        if node.get("nullable") is True:
            out = _nullable(out)
        if out.get("required") == []:
            del out["required"]
        return out

    def _is_read_only(self, uri: str, pointer: str, child: Any) -> bool:
        seen = set()
        while isinstance(child, dict):
            if child.get("readOnly") is True:
                return True
            if "$ref" not in child or (uri, pointer) in seen:
                return False
            seen.add((uri, pointer))
            try:
                uri, pointer, child = self.documents.resolve(uri, pointer, child["$ref"])
            except RemoteReference:
                return False
        return False

    def _define(self, uri: str, pointer: str, ref: Any) -> str:
        target_uri, target_pointer, target = self.documents.resolve(uri, pointer, ref)
        key = (target_uri, target_pointer)
        if key in self._same_level:
            raise SpecError(
                self.documents.display(uri),
                f"$ref {ref!r} makes a cycle that never reaches a value: the schema refers to itself",
                self.documents.position(uri, pointer + "/$ref"),
            )
        name = self._names.get(key)
        if name is not None:
            return name
        name = self._unique_name(target_uri, target_pointer)
        self._names[key] = name
        self._in_progress.add(name)
        self._same_level.add(key)
        try:
            self._defs[name] = self._convert(target_uri, target_pointer, target)
        finally:
            self._same_level.discard(key)
            self._in_progress.discard(name)
        return name

    def _unique_name(self, uri: str, pointer: str) -> str:
        last = pointer.rsplit("/", 1)[-1] if pointer else uri.rsplit("/", 1)[-1].split(".", 1)[0]
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", last.replace("~1", "/").replace("~0", "~")).strip("_") or "schema"
        taken = set(self._names.values())
        name, number = base, 2
        while name in taken:
            name, number = f"{base}_{number}", number + 1
        return name

    # -- allOf ---------------------------------------------------------------------------
    def _flatten_all_of(self, out: dict) -> dict:
        members = out["allOf"]
        own = {key: value for key, value in out.items() if key != "allOf"}
        if len(members) == 1 and not own:
            return members[0] if isinstance(members[0], dict) else out
        try:
            merged = own
            for member in members:
                merged = _merge(merged, self._content(member))
            return merged
        except _Unmergeable:
            # Keep the allOf; its members must then not reject each other's properties.
            for member in members:
                if isinstance(member, dict) and "$ref" in member:
                    self._open.add(member["$ref"].rsplit("/", 1)[-1])
            if "properties" in out or sum(1 for member in members if isinstance(member, dict)) > 1:
                out.setdefault("unevaluatedProperties", False)
            return out

    def _content(self, member: Any) -> dict:
        if not isinstance(member, dict):
            raise _Unmergeable
        if set(member) == {"$ref"}:
            name = member["$ref"].rsplit("/", 1)[-1]
            if name in self._in_progress:
                raise _Unmergeable
            return copy.deepcopy(self._defs[name])
        if "$ref" in member:
            raise _Unmergeable
        return member


def _merge(left: dict, right: dict) -> dict:
    merged = dict(left)
    for key, value in right.items():
        if key not in merged:
            merged[key] = copy.deepcopy(value)
        elif key == "properties":
            properties = dict(merged[key])
            for name, schema in value.items():
                properties[name] = (
                    schema
                    if name not in properties or properties[name] == schema
                    else {"allOf": [properties[name], schema]}
                )
            merged[key] = properties
        elif key == "required":
            merged[key] = list(merged[key]) + [name for name in value if name not in merged[key]]
        elif key == "type":
            left_types = merged[key] if isinstance(merged[key], list) else [merged[key]]
            right_types = value if isinstance(value, list) else [value]
            both = [kind for kind in left_types if kind in right_types]
            if not both:
                raise _Unmergeable
            merged[key] = both[0] if len(both) == 1 else both
        elif merged[key] != value:
            raise _Unmergeable
    return merged


def _nullable(out: dict) -> dict:
    if "type" in out:
        kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
        if "null" not in kinds:
            out["type"] = [*kinds, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out
    if not out:
        return out
    return {"anyOf": [{"type": "null"}, out]}


def _fix_exclusive_bounds(out: dict, node: dict) -> None:
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = node.get(exclusive)
        if isinstance(flag, bool):
            out.pop(exclusive, None)
            if flag and bound in out:
                out[exclusive] = out.pop(bound)


def _subschemas(schema: dict):
    for key in _SUBSCHEMA:
        if isinstance(schema.get(key), dict):
            yield schema[key]
    for key in _SUBSCHEMA_LISTS:
        for child in schema.get(key) or ():
            if isinstance(child, dict):
                yield child
    for key in _SUBSCHEMA_MAPS:
        for child in (schema.get(key) or {}).values():
            if isinstance(child, dict):
                yield child


def _close_objects(schema: dict) -> None:
    if (
        "properties" in schema
        and "additionalProperties" not in schema
        and "unevaluatedProperties" not in schema
        and "patternProperties" not in schema
    ):
        schema["additionalProperties"] = False
    for child in _subschemas(schema):
        _close_objects(child)


def _reachable(root: dict, defs: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    stack = [root]
    while stack:
        schema = stack.pop()
        if not isinstance(schema, dict):
            continue
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            name = ref[len("#/$defs/") :]
            if name not in found and name in defs:
                found.add(name)
                stack.append(defs[name])
        stack.extend(_subschemas(schema))
    return found


def request_body_schema(
    documents: Documents, uri: str, operation_pointer: str, operation: dict
) -> Optional[tuple[str, str, Any]]:
    """(document, pointer, schema) of an operation's JSON request body, or None without one."""
    body = operation.get("requestBody")
    if body is None:
        return None
    pointer = f"{operation_pointer}/requestBody"
    while isinstance(body, dict) and "$ref" in body:
        uri, pointer, body = documents.resolve(uri, pointer, body["$ref"])
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, dict):
        return None
    media_type = next((name for name in content if name.split(";")[0].strip() == "application/json"), None)
    media_type = media_type or next((name for name in content if "json" in name), None)
    if media_type is None or not isinstance(content[media_type], dict) or "schema" not in content[media_type]:
        return None
    return uri, pointer + pointer_from_parts(["content", media_type, "schema"]), content[media_type]["schema"]
