"""What the docs announce but no published spec holds yet (`specs/overlay.yaml`).

The developer site announces changes (a new field, a new endpoint, new error codes) months
before a spec with them is published. Rather than hand-edit generated files, the build
applies these sourced facts to what it derived:

- `schemas`: a JSON Pointer edit of one operation's derived schema, `add` (the target must
  not exist yet: once a spec has the field, the build fails and the entry is removed),
  `remove` or `replace` (the target must exist);
- `operations`: announced endpoints without a spec, routed (no request schema);
- `facts`: per-API facts recorded in the index as `announced` (error codes and the like).

Every entry names its `source`; the index records which entries were applied.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from vipps_lint.openapi.documents import SpecError
from vipps_lint.openapi.index import api_prefix


def overlay_path() -> Path:
    from vipps_lint.data import specs_dir

    return specs_dir() / "overlay.yaml"


def _tokens(pointer: str) -> list[str]:
    if not pointer.startswith("/"):
        raise ValueError(f"{pointer!r} is not a JSON Pointer")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


@dataclass
class Overlay:
    location: str
    schemas: list[dict[str, Any]] = field(default_factory=list)
    operations: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Optional[Path] = None) -> Overlay:
        from vipps_lint.yamlpos import load_yaml

        path = path or overlay_path()
        try:
            data = load_yaml(path.read_text(encoding="utf-8"), core_schema=True).data or {}
        except OSError as error:
            raise SpecError(str(path), f"cannot read: {error.strerror or error}") from None
        if not isinstance(data, dict):
            raise SpecError(str(path), "expected a mapping with schemas/operations/facts")
        overlay = cls(
            str(path),
            list(data.get("schemas") or []),
            list(data.get("operations") or []),
            list(data.get("facts") or []),
        )
        for entry in [*overlay.schemas, *overlay.operations, *overlay.facts]:
            if not isinstance(entry, dict) or not entry.get("source") or not entry.get("api"):
                raise SpecError(str(path), f"every entry needs `api` and `source`: {entry!r}")
        return overlay

    def apply(self, result) -> None:
        """Edit `result` (a build.Build) in place; a SpecError names the entry that no longer fits."""
        for entry in self.schemas:
            self._edit_schema(result, entry)
        for entry in self.operations:
            self._add_operation(result, entry)
        for entry in self.facts:
            api = result.apis.get(entry["api"])
            if api is None:
                raise SpecError(self.location, f"facts for {entry['api']}, which the build has no spec for")
            announced = api.setdefault("announced", {})
            for key, value in entry.items():
                if key not in ("api", "source", "docs"):
                    announced[key] = copy.deepcopy(value)
            api.setdefault("overlay", []).append(entry["source"])

    def _edit_schema(self, result, entry: dict[str, Any]) -> None:
        name = f"{entry['api']}/{entry['operation']}.json"
        schema = result.schemas.get(name)
        what = f"{entry.get('op')} {entry.get('path')} in {name}"
        if schema is None:
            raise SpecError(self.location, f"{what}: the build made no such schema")
        try:
            *parents, last = _tokens(str(entry["path"]))
        except (KeyError, ValueError) as error:
            raise SpecError(self.location, f"{what}: {error}") from None
        target = schema
        for token in parents:
            if not isinstance(target, dict) or token not in target:
                raise SpecError(
                    self.location, f"{what}: {token!r} is not in the derived schema (has the spec changed?)"
                )
            target = target[token]
        if not isinstance(target, dict):
            raise SpecError(self.location, f"{what}: the parent is not an object")
        op = entry.get("op")
        if op == "add":
            if last in target:
                raise SpecError(self.location, f"{what}: the spec has it now; remove this overlay entry")
            target[last] = copy.deepcopy(entry["value"])
        elif op in ("remove", "replace"):
            if last not in target:
                raise SpecError(self.location, f"{what}: not in the derived schema (has the spec changed?)")
            if op == "remove":
                del target[last]
            else:
                target[last] = copy.deepcopy(entry["value"])
        else:
            raise SpecError(self.location, f"{what}: op must be add, remove or replace")
        api = result.apis.get(entry["api"])
        if api is not None:
            api.setdefault("overlay", []).append(entry["source"])

    def _add_operation(self, result, entry: dict[str, Any]) -> None:
        identifier = f"{entry['api']}:{entry['operationId']}"
        endpoint = (entry["method"], entry["path"])
        if any(
            existing["id"] == identifier or (existing["method"], existing["path"]) == endpoint
            for existing in result.entries
        ):
            raise SpecError(
                self.location,
                f"operation {identifier} ({entry['method']} {entry['path']}) "
                "is in a spec now; remove this overlay entry",
            )
        result.entries.append(
            {
                "id": identifier,
                "api": entry["api"],
                "apiVersion": str(entry.get("apiVersion") or ""),
                "method": entry["method"],
                "path": entry["path"],
                "operationId": entry["operationId"],
                "hasBody": bool(entry.get("hasBody")),
                "spec": None,
                "schema": None,
                "announced": entry["source"],
            }
        )
        api = result.apis.setdefault(
            entry["api"],
            {
                "title": str(entry.get("title") or entry["api"]),
                "version": str(entry.get("apiVersion") or ""),
                "spec": None,
                "source": None,
                "date": None,
                "sha256": None,
                "prefixes": [],
            },
        )
        known = api_prefix(entry["path"])
        prefix = known[0] if known is not None else "/" + "/".join(entry["path"].strip("/").split("/")[:2]) + "/"
        if prefix not in api["prefixes"]:
            api["prefixes"] = sorted([*api["prefixes"], prefix])
        if entry["source"] not in api.setdefault("overlay", []):
            api["overlay"].append(entry["source"])
