"""OpenAPI documents: every request example in a spec, linted as a request of its operation.

`vipps-lint check openapi.yaml` reads an OpenAPI 3.0/3.1 document (YAML or JSON) and
yields one request per example of a JSON request body — a media type's `example`, and each
entry of its `examples` (inline `value`s and `$ref`s to `components/examples`), each of the
request schema's `x-examples` (their `$ref`s inlined), and, for an operation with none of
these, the body its schema's properties' own `example:` values make
(`meta.assembled_example`: a field without an example is absent, so no "required" finding
is made for it). Each request is for `METHOD path` (the server's path prefix joined in, as routing expects), so the YAML
rules of the Vipps operation it routes to apply, and findings point at lines of the YAML file.

The body is validated against the request schema of its operation *in this document*
(`meta.document_schema`, derived in memory like `schemas build` does, once per
operation: see `openapi/own_schemas.py`), not the shipped schema of the routed operation —
a user's own or newer spec says what its examples must satisfy, and a document whose paths
are no Vipps API has no shipped schema at all. Where the document gives an operation no
JSON request schema, the routed operation's shipped schema applies. A broken `$ref` or a
`$ref` cycle in the document's schemas is an input error with file and line, reported
once; the examples of that operation are still linted by the rules, and the other
operations as usual. `meta.document_operation` is the operation as the document
describes it (id, API, method, path), for a path that routes to no Vipps operation.

Only files that sniff as OpenAPI (a top-level `openapi: 3.x` key) are read: other YAML
files met while walking a directory (CI configs, rule packs) are skipped silently. An
example that appears under several JSON media types of one operation (`application/json`,
`text/json`, …) is linted once. Operations the merchant implements (eCom's callbacks) are
not API calls and are skipped, as in the index.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Optional, Union

from vipps_lint.lazy_re import lazy_compile
from vipps_lint.models import InputError, Position, ReaderTraits, Request, RequestMeta, SourceFile
from vipps_lint.sources import ReadOptions, read_all_text

NAME = "openapi"
TRAITS = ReaderTraits(NAME, not_fixable="--fix does not rewrite examples in OpenAPI documents; apply the hint by hand")
PATTERNS = ()
# YAML files are read only when they sniff as OpenAPI: a repository has many other YAML files.
SNIFFED_PATTERNS = ("*.yaml", "*.yml")

_YAML_KEY = lazy_compile(r"^openapi\s*:\s*['\"]?3\.", re.MULTILINE)
_JSON_KEY = lazy_compile(r"\"openapi\"\s*:\s*\"3\.")


def sniff(head: str, path: Optional[str]) -> bool:
    stripped = head.lstrip()
    if stripped.startswith("{"):
        return bool(_JSON_KEY.search(head))
    return bool(_YAML_KEY.search(head))


class YamlLocator:
    """Body pointers of one example → positions in the OpenAPI document.

    `positioned` is None for an example `$ref`'d from another file: its findings are shown
    at the `$ref` (`fallback`), the place in this file that brings the example in.
    """

    def __init__(self, positioned, base_pointer: str, fallback: Optional[Position] = None):
        self.positioned = positioned
        self.base_pointer = base_pointer
        self.fallback = fallback

    def locate(self, part: str, key: Optional[str]) -> Optional[Position]:
        if part != "body" or key is None:
            return None
        if self.positioned is None:
            return self.fallback
        return self.positioned.position(self.base_pointer + key)


class AssembledLocator:
    """Body pointers of an assembled example → the `example:` each value came from."""

    def __init__(self, documents, origins: dict[str, tuple[str, str]], fallback: Optional[Position]):
        self.documents = documents
        self.origins = origins
        self.fallback = fallback

    def locate(self, part: str, key: Optional[str]) -> Optional[Position]:
        if part != "body" or key is None:
            return None
        at = key
        while True:
            if at in self.origins:
                uri, pointer = self.origins[at]
                position = self.documents.position(uri, pointer + key[len(at) :]) or self.documents.position(
                    uri, pointer
                )
                return position or self.fallback
            if not at:
                return self.fallback
            at = at.rpartition("/")[0]


def read(source: SourceFile, options: ReadOptions) -> Iterator[Union[Request, InputError]]:
    from pathlib import Path

    from vipps_lint.openapi.documents import Documents, SpecError, file_uri
    from vipps_lint.openapi.index import operations
    from vipps_lint.openapi.own_schemas import DocumentSchemas, OperationSchema
    from vipps_lint.routing import Operation

    text = read_all_text(source)
    if isinstance(text, InputError):
        yield text
        return
    if source.path is not None and source.text is None and len(text) < 1024 * 1024:
        source.text = text  # kept for code frames
    documents = Documents(allow_outside=options.allow_outside_files)
    uri = file_uri(Path(source.path)) if source.path else "file:///dev/stdin"
    try:
        documents.add_text(uri, source.display, text, has_folder=source.path is not None)
        found_operations = list(operations(documents, uri))
    except SpecError as error:
        yield error.input_error()
        return
    schemas = DocumentSchemas(documents)
    reported: set[str] = set()  # a broken schema shared by several operations is reported once
    linted: set[tuple[str, str]] = set()  # a schema's x-example shared by several operations is linted once
    index = 0
    for entry, operation_uri, operation_pointer, operation in found_operations:
        endpoint = f"{entry['method']} {entry['path']}"
        described = Operation(entry["id"], entry["api"], entry["method"], entry["path"])
        found: list = []
        own = None
        try:
            for item in _examples(documents, uri, entry, operation_uri, operation_pointer, operation):
                if isinstance(item, SpecError):  # an example $ref that points nowhere: the others still count
                    yield from _report_once(item, reported)
                else:
                    found.append(item)
            if found:
                own = schemas.for_operation(f"{source.display} {endpoint}", operation_uri, operation_pointer, operation)
        except SpecError as error:
            yield from _report_once(error, reported)
            if not found:
                continue
            # The examples are still linted by the rules; not by a schema, since the document's is broken.
            own = OperationSchema(f"{source.display} {endpoint}", None)
        for name, body, example_uri, pointer, here in found:
            if example_uri != "assembled":
                if (example_uri, pointer) in linted:
                    continue
                linted.add((example_uri, pointer))
            if example_uri == uri:
                positioned, position = documents.loaded[uri], documents.position(uri, pointer)
            else:
                positioned, position = None, documents.position(uri, here)
            meta = RequestMeta(TRAITS, document_operation=described, assembled_example=example_uri == "assembled")
            if own is not None:
                meta.document_schema = own
            markers = _ignore_markers(operation, documents, example_uri, pointer)
            if markers:
                meta.inline_ignore = markers
            yield Request(
                source=source,
                index=index,
                method=entry["method"],
                body=body,
                name=name,
                endpoint_hint=endpoint,
                position=position,
                locator=(
                    AssembledLocator(documents, pointer[1], position)
                    if isinstance(pointer, tuple)
                    else YamlLocator(positioned, pointer, position)
                ),
                meta=meta,
            )
            index += 1


def _report_once(error, reported: set[str]) -> Iterator[InputError]:
    if str(error) not in reported:
        reported.add(str(error))
        yield error.input_error()


def _examples(documents, uri: str, entry: dict, operation_uri: str, pointer: str, operation: dict) -> Iterator[Any]:
    """(name, body, document, pointer, pointer of where this document brings it in) for each
    distinct request example of one operation, or a SpecError for an example that cannot be
    resolved. Raises SpecError when the request body itself cannot be."""
    from vipps_lint.openapi.derive import json_safe
    from vipps_lint.openapi.documents import SpecError
    from vipps_lint.positions import pointer_from_parts

    body = operation.get("requestBody")
    body_uri, body_pointer = operation_uri, pointer + "/requestBody"
    while isinstance(body, dict) and "$ref" in body:
        body_uri, body_pointer, body = documents.resolve(body_uri, body_pointer, body["$ref"])
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, dict):
        return
    seen: list[Any] = []
    for media_type, media in content.items():
        if "json" not in media_type or not isinstance(media, dict):
            continue
        media_pointer = body_pointer + pointer_from_parts(["content", media_type])
        here = operation_pointer_in(uri, operation_uri, pointer, body_uri, media_pointer)
        candidates = []
        if "example" in media:
            candidates.append(
                (f"{entry['operationId']} example", body_uri, media_pointer + "/example", media["example"])
            )
        for name, example in (media.get("examples") or {}).items():
            example_uri, example_pointer = body_uri, media_pointer + pointer_from_parts(["examples", name])
            try:
                while isinstance(example, dict) and "$ref" in example:
                    example_uri, example_pointer, example = documents.resolve(
                        example_uri, example_pointer, example["$ref"]
                    )
            except SpecError as error:
                yield error
                continue
            if isinstance(example, dict) and "value" in example:
                candidates.append(
                    (
                        f"{entry['operationId']} example {name!r}",
                        example_uri,
                        example_pointer + "/value",
                        example["value"],
                    )
                )
        schema = media.get("schema")
        schema_uri, schema_pointer = body_uri, media_pointer + "/schema"
        try:
            hops = 0
            while isinstance(schema, dict) and "$ref" in schema and hops < 16:
                schema_uri, schema_pointer, schema = documents.resolve(schema_uri, schema_pointer, schema["$ref"])
                hops += 1
        except SpecError as error:
            yield error
            schema = None
        # Vendor examples on the request schema (ePayment's `x-examples`), with their `$ref`s inlined.
        x_examples = schema.get("x-examples") if isinstance(schema, dict) else None
        for name, example in x_examples.items() if isinstance(x_examples, dict) else ():
            example_pointer = schema_pointer + pointer_from_parts(["x-examples", name])
            if isinstance(example, dict) and "value" in example and set(example) <= {"value", "summary", "description"}:
                example, example_pointer = example["value"], example_pointer + "/value"  # Stoplight's wrapper
            try:
                value = _inline_refs(documents, schema_uri, example_pointer, example)
            except SpecError as error:
                yield error
                continue
            candidates.append((f"{entry['operationId']} x-example {name!r}", schema_uri, example_pointer, value))
        if not candidates and isinstance(schema, dict):
            # No example of the whole body: the one the properties' own `example:` values make.
            origins: dict[str, tuple[str, str]] = {}
            try:
                assembled = _assemble(documents, schema_uri, schema_pointer, schema, 0, origins, "")
            except SpecError:
                assembled = None
            if isinstance(assembled, dict) and assembled:
                # Its pointer carries where each value came from, for the locator.
                candidates.append(
                    (
                        f"{entry['operationId']} example assembled from its properties' examples",
                        "assembled",
                        (media_pointer, origins),
                        assembled,
                    )
                )
        for name, example_uri, example_pointer, value in candidates:
            value = json_safe(value)
            if value in seen:
                continue
            seen.append(value)
            yield name, value, example_uri, example_pointer, here


_MAX_DEPTH = 12


def _inline_refs(documents, uri: str, pointer: str, value: Any, depth: int = 0) -> Any:
    """An example value with `{$ref: …}` entries replaced by what they point to (bounded)."""
    if depth > _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        if set(value) == {"$ref"} and isinstance(value["$ref"], str):
            target_uri, target_pointer, target = documents.resolve(uri, pointer, value["$ref"])
            return _inline_refs(documents, target_uri, target_pointer, target, depth + 1)
        return {key: _inline_refs(documents, uri, f"{pointer}/{key}", item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_inline_refs(documents, uri, f"{pointer}/{index}", item, depth + 1) for index, item in enumerate(value)]
    return value


def _assemble(
    documents, uri: str, pointer: str, schema: Any, depth: int, origins: dict[str, tuple[str, str]], at: str
) -> Any:
    """The value a schema's own `example:` values describe: an object of its properties'
    examples (recursively), an array of one item's; None where the spec gives none.
    `origins` records, per body pointer `at`, where in the spec each example value is."""
    from vipps_lint.positions import pointer_from_parts

    hops = 0
    while isinstance(schema, dict) and "$ref" in schema and hops < 16:
        uri, pointer, schema = documents.resolve(uri, pointer, schema["$ref"])
        hops += 1
    if not isinstance(schema, dict) or depth > _MAX_DEPTH or schema.get("readOnly") is True:
        return None
    if "example" in schema:
        origins[at] = (uri, pointer + "/example")
        return _inline_refs(documents, uri, pointer + "/example", schema["example"])
    for key in ("allOf", "oneOf", "anyOf"):
        members = schema.get(key)
        if isinstance(members, list) and members:
            if key == "allOf":
                merged: dict = {}
                for number, member in enumerate(members):
                    part = _assemble(documents, uri, f"{pointer}/{key}/{number}", member, depth + 1, origins, at)
                    if isinstance(part, dict):
                        merged.update(part)
                if merged:
                    return merged
            else:  # the first alternative stands for the value
                return _assemble(documents, uri, f"{pointer}/{key}/0", members[0], depth + 1, origins, at)
    if isinstance(schema.get("properties"), dict):
        assembled = {}
        for name, child in schema["properties"].items():
            value = _assemble(
                documents,
                uri,
                f"{pointer}/properties/{name}",
                child,
                depth + 1,
                origins,
                at + pointer_from_parts([name]),
            )
            if value is not None:
                assembled[name] = value
        return assembled or None
    if isinstance(schema.get("items"), (dict, bool)):
        item = _assemble(documents, uri, f"{pointer}/items", schema["items"], depth + 1, origins, at + "/0")
        return [item] if item is not None else None
    return None


def operation_pointer_in(
    uri: str, operation_uri: str, operation_pointer: str, body_uri: str, media_pointer: str
) -> str:
    """The deepest pointer *in this document* on the way to an example: the media type when the
    request body is here, else the operation, else its path item's `$ref` (the pointer up to /paths/…)."""
    if body_uri == uri:
        return media_pointer
    if operation_uri == uri:
        return operation_pointer
    return ""


def _ignore_markers(operation: dict, documents, example_uri: str, value_pointer) -> list:
    """`x-vipps-lint-ignore` on the operation and on the example object (the one whose
    `value` this example is): the suppressions of this request (vipps_lint/suppressions.py)."""
    from vipps_lint.suppressions import marker_from_extension

    found = []
    if "x-vipps-lint-ignore" in operation:
        found.append(marker_from_extension(operation["x-vipps-lint-ignore"]))
    if isinstance(value_pointer, str) and value_pointer.endswith("/value"):
        example = _at_pointer(documents, example_uri, value_pointer[: -len("/value")])
        if isinstance(example, dict) and "x-vipps-lint-ignore" in example:
            found.append(marker_from_extension(example["x-vipps-lint-ignore"]))
    return [marker for marker in found if marker is not None]


def _at_pointer(documents, uri: str, pointer: str):
    from vipps_lint.positions import resolve_pointer

    loaded = documents.loaded.get(uri)
    return resolve_pointer(loaded.data, pointer, None) if loaded is not None else None
