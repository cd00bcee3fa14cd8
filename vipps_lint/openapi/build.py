"""`vipps-lint schemas build`: OpenAPI specs → per-operation request schemas + the index.

The output is deterministic (sorted keys, two-space indent, a trailing newline, operations
in spec-file then document order) so rebuilding from the same specs changes no byte; the
test-suite rebuilds the shipped `schemas/` from `../shared/vipps-specs-2026/` (see specs/sources.yaml) and compares.

Layout, relative to the output directory:

- `index.json`: `{"version": 2, "apis": {...}, "operations": [...]}`. `apis` has per API
  the spec's `title`, `version`, `spec` (file name), `source`, `date`, `sha256` (see
  `sources.SpecInput.provenance`), its path `prefixes` and what the overlay added. One
  operation entry each: `id` (`api:operationId`), `api`, `apiVersion` (the spec's
  `info.version`), `method`, `path` (template with the server's path prefix),
  `operationId`, `hasBody`, `headers` (header parameters → required), `spec` (file name)
  and `schema` (the request-body schema file, relative to the output directory, or null).
- `<api>/<operationId>.json`: the request-body schema (JSON Schema draft 2020-12).

Other files in the output directory (such as the hand-written `rule-file.schema.json`) are
left alone; stale `.json` files inside the `<api>/` folders the build writes are removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from vipps_lint.openapi.derive import SchemaDeriver, request_body_schema
from vipps_lint.openapi.documents import Documents, SpecError
from vipps_lint.openapi.index import api_prefix, operations
from vipps_lint.openapi.overlay import Overlay
from vipps_lint.openapi.sources import SpecInput

INDEX_VERSION = 2


@dataclass
class Build:
    """What a build produced, in memory: the index entries and the schemas by file name."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    schemas: dict[str, dict] = field(default_factory=dict)
    apis: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[SpecError] = field(default_factory=list)  # remote $refs left unconstrained

    def index(self) -> dict:
        return {"apis": self.apis, "operations": self.entries, "version": INDEX_VERSION}


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def build(
    spec_paths: list[Union[Path, SpecInput]], documents: Optional[Documents] = None, overlay: Optional[Overlay] = None
) -> Build:
    """Derive every operation of the given specs. Raises SpecError for a broken spec.

    Plain paths are read in file-name order; `SpecInput`s (from `sources.resolve_inputs`) in
    the order given, each keeping only its part of the paths and recording its provenance.
    """
    documents = documents or Documents()
    inputs = [item for item in spec_paths if isinstance(item, SpecInput)]
    inputs += sorted(
        (SpecInput(path, path.name, str(path)) for path in spec_paths if not isinstance(path, SpecInput)),
        key=lambda item: item.name,
    )
    for item in inputs:
        for referenced, stored in item.refs.items():
            documents.alias(item.path.parent / referenced, stored)
    uris = [(documents.add(item.path, item.location), item) for item in inputs]
    deriver = SchemaDeriver(documents)
    result = Build()
    seen: dict[str, str] = {}
    for uri, item in uris:
        spec = documents.data(uri)
        provenance = item.provenance()
        for entry, operation_uri, pointer, operation in operations(documents, uri):
            if not item.keeps(entry["path"]):
                continue
            if entry["id"] in seen:
                raise SpecError(
                    item.location,
                    f"operation {entry['id']} is defined twice (also in {seen[entry['id']]})",
                    documents.position(operation_uri, pointer),
                )
            seen[entry["id"]] = item.location
            entry["spec"] = item.name
            entry["schema"] = None
            found = request_body_schema(documents, operation_uri, pointer, operation)
            if found is not None:
                name = f"{entry['api']}/{entry['operationId']}.json"
                result.schemas[name] = deriver.derive(*found)
                entry["schema"] = name
            result.entries.append(entry)
            _record_api(result.apis, entry, item, spec, provenance)
    result.warnings = deriver.warnings
    if overlay is not None:
        overlay.apply(result)
    return result


def _record_api(
    apis: dict[str, dict[str, Any]], entry: dict[str, Any], item: SpecInput, spec: dict, provenance: dict[str, Any]
) -> None:
    """The index's facts about each API: the spec it was built from, and its path prefixes."""
    info = spec.get("info") or {}
    api = apis.setdefault(
        entry["api"],
        {
            "title": str(info.get("title") or ""),
            "version": entry["apiVersion"],
            "spec": item.name,
            **provenance,
            "prefixes": [],
        },
    )
    known = api_prefix(entry["path"])
    prefix = known[0] if known is not None else "/" + entry["path"].strip("/").split("/", 1)[0] + "/"
    if prefix not in api["prefixes"]:
        api["prefixes"] = sorted([*api["prefixes"], prefix])
    if api["spec"] != item.name:  # an API built from two specs (Userinfo): the first one's facts stay
        api.setdefault("alsoFrom", [])
        if item.name not in api["alsoFrom"]:
            api["alsoFrom"].append(item.name)


SPEC_SCHEMA_PREFIX = "spec:"


def build_in_memory(
    spec_paths: list[str], allow_outside: bool = False
) -> tuple[list[dict[str, Any]], dict[str, dict], list]:
    """For `check --spec`: (index entries, schemas by name, InputErrors). Nothing is cached on disk.

    Schema names get a `spec:` prefix so they never mix with the shipped files. Remote
    `$ref`s are not fetched; the values they describe are left unchecked (not an error: the
    rest of the spec still applies).
    """
    entries: list[dict[str, Any]] = []
    schemas: dict[str, dict] = {}
    errors = []
    for spec in spec_paths:
        try:
            result = build([Path(spec)], Documents(allow_outside=allow_outside))
        except SpecError as error:
            errors.append(error.input_error())
            continue
        for entry in result.entries:
            if entry["schema"]:
                entry["schema"] = SPEC_SCHEMA_PREFIX + entry["schema"]
            entries.append(entry)
        schemas.update({SPEC_SCHEMA_PREFIX + name: schema for name, schema in result.schemas.items()})
    return entries, schemas, errors


def write(result: Build, out: Path) -> list[Path]:
    """Write the build below `out`; the files whose content changed."""
    changed = []
    files = {name: dump(schema) for name, schema in result.schemas.items()}
    files["index.json"] = dump(result.index())
    for folder in sorted({name.split("/", 1)[0] for name in files if "/" in name}):
        directory = out / folder
        if directory.is_dir():
            for stale in directory.glob("*.json"):
                if f"{folder}/{stale.name}" not in files:
                    stale.unlink()
                    changed.append(stale)
    for name, text in sorted(files.items()):
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8", newline="\n")
            changed.append(target)
    return changed


def build_command(
    specs: list[str],
    out_dir: str,
    remote_refs,
    from_site: bool = False,
    overlay_file: Optional[str] = None,
    coverage_file: Optional[str] = None,
) -> int:
    """`vipps-lint schemas build`: derive, write, say what changed; the exit status."""
    import click

    from vipps_lint.openapi.sources import resolve_inputs
    from vipps_lint.status import EXIT_CLEAN, Incomplete, UsageError

    if not specs and not from_site:
        raise UsageError("name spec files, a directory of specs, URLs, or --from-site", None)
    remote = {}
    for item in remote_refs:
        url, separator, file = item.partition("=")
        if not separator or not url.startswith(("http://", "https://")) or not file:
            raise UsageError(f"{item!r} is not URL=FILE", "--remote")
        remote[url] = Path(file)
    official = from_site or any(Path(spec).is_dir() for spec in specs)
    try:
        inputs = resolve_inputs(list(specs), from_site)
        overlay = Overlay.load(Path(overlay_file)) if overlay_file else (Overlay.load() if official else None)
        result = build(inputs, Documents(remote), overlay)
    except SpecError as error:
        raise Incomplete(f"error: {error}") from None
    for warning in result.warnings:
        click.echo(f"warning: {warning}; that value is not checked", err=True)
    changed = write(result, Path(out_dir))
    if coverage_file:
        from vipps_lint.checks.lifecycle import statuses
        from vipps_lint.checks.rules import load_rules
        from vipps_lint.openapi.coverage import render

        text = render(result.index(), load_rules()[0], statuses())
        target = Path(coverage_file)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8", newline="\n")
            changed.append(target)
    click.echo(
        f"{len(result.entries)} operations, {len(result.schemas)} request schemas in {out_dir}; {len(changed)} "
        "files changed"
    )
    return EXIT_CLEAN
