"""Loading OpenAPI documents, with positions, and resolving `$ref`s across files.

Specs are YAML (or JSON) written by people, so every problem is a `SpecError` naming the
file, line and column: YAML that does not parse, duplicate keys (PyYAML would silently keep
the last), a document that is not OpenAPI 3.x, a `$ref` that points nowhere.

`$ref`s are resolved with the `referencing` library: every loaded document is a resource
of one `Registry`, keyed by its `file://` URI, and a relative reference (the eCom spec's
`ms_import.yaml#/paths/…`) is retrieved from disk next to the document that makes it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from vipps_lint.models import Position
from vipps_lint.safe_io import MAX_FILE_BYTES, read_limited_text
from vipps_lint.yamlpos import PositionedYaml, YamlError, load_yaml

OPENAPI_VERSION = re.compile(r"^3\.\d+(\.\d+)?$")


class SpecError(Exception):
    """A spec that cannot be used; `str()` is the one line the user sees."""

    def __init__(self, file: str, message: str, position: Optional[Position] = None):
        super().__init__(message)
        self.file = file
        self.message = message
        self.position = position

    def __str__(self) -> str:
        where = self.file
        if self.position is not None:
            where += f":{self.position.line}:{self.position.column}"
        return f"{where}: {self.message}"

    def input_error(self):
        from vipps_lint.models import InputError

        return InputError(
            self.file,
            self.message,
            self.position.line if self.position else None,
            self.position.column if self.position else None,
        )


def file_uri(path: Path) -> str:
    return path.resolve().as_uri()


def uri_path(uri: str) -> Path:
    return Path(unquote(urlsplit(uri).path))


def parse_positioned(display: str, text: str) -> PositionedYaml:
    """YAML or JSON text with positions; a SpecError for anything malformed."""
    try:
        return load_yaml(text, core_schema=True)
    except YamlError as error:
        position = Position(error.line, error.column or 1) if error.line else None
        raise SpecError(display, error.message, position) from None


def check_openapi(display: str, loaded: PositionedYaml) -> None:
    data = loaded.data
    version = data.get("openapi") if isinstance(data, dict) else None
    if version is None:
        swagger = isinstance(data, dict) and "swagger" in data
        why = "a Swagger 2.0 document; convert it to OpenAPI 3 first" if swagger else "no top-level 'openapi: 3.x' key"
        raise SpecError(display, f"not an OpenAPI 3 document: {why}", Position(1, 1))
    if not OPENAPI_VERSION.match(str(version)):
        raise SpecError(
            display,
            f"unsupported OpenAPI version {version!r}; vipps-lint reads 3.0 and 3.1",
            loaded.position("/openapi"),
        )


def _inside(path: Path, root: Path) -> bool:
    """Whether `path` is in `root`'s folder tree, symbolic links followed."""
    import os

    real, real_root = os.path.realpath(path), os.path.realpath(root)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


class RemoteReference(SpecError):
    """A `$ref` to an http(s) URL: builds are offline and reproducible, so it is not fetched."""


class Documents:
    """The documents a build reads, by URI, with their positions, behind one registry.

    `remote` maps http(s) document URLs to local files standing in for them (the ePayment
    spec refers to Order Management's Receipt schema on raw.githubusercontent.com).
    """

    def __init__(self, remote: Optional[dict[str, Path]] = None, allow_outside: bool = False):
        from referencing import Registry  # start-up time

        # A $ref is read only inside the folder tree of a document named to the run (added
        # with `add`/`add_text`), unless `allow_outside` (check --allow-outside-files).
        self.allow_outside = allow_outside
        self.roots: list[Path] = []

        self.remote = {url: file_uri(path) for url, path in (remote or {}).items()}
        # file:// URIs a spec refers to that are stored under another name (the collection of
        # newest specs keeps eCom's ms_import.yaml as ecom-v2-ms_import-2.0.3.yaml).
        self.aliases: dict[str, str] = {}
        self.loaded: dict[str, PositionedYaml] = {}
        self.displays: dict[str, str] = {}
        self.registry = Registry(retrieve=self._retrieve)

    def alias(self, referenced: Path, stored: Path) -> None:
        """`$ref`s to the file `referenced` read `stored` instead."""
        self.aliases[file_uri(referenced)] = file_uri(stored)

    def display(self, uri: str) -> str:
        return self.displays.get(uri) or str(uri_path(uri))

    def add(self, path: Path, display: Optional[str] = None, require_openapi: bool = True) -> str:
        """Load one document (an error if it is not OpenAPI) and return its URI."""
        uri = file_uri(path)
        self.displays.setdefault(uri, display or str(path))
        self.roots.append(uri_path(uri).parent)
        loaded = self._load(uri)
        if require_openapi:
            check_openapi(self.display(uri), loaded)
        return uri

    def add_text(self, uri: str, display: str, text: str, has_folder: bool = True) -> str:
        """Add a document read already; `has_folder`: False for standard input (its $refs to
        files are outside any folder of the run)."""
        self.displays[uri] = display
        if has_folder:
            self.roots.append(uri_path(uri).parent)
        self._store(uri, parse_positioned(display, text))
        check_openapi(display, self.loaded[uri])
        return uri

    def _load(self, uri: str) -> PositionedYaml:
        if uri not in self.loaded:
            path = uri_path(uri)
            display = self.display(uri)
            if not self.allow_outside and not any(_inside(path, root) for root in self.roots):
                raise SpecError(
                    display,
                    "outside the folder of the document that refers to it; "
                    "files there are read only with --allow-outside-files",
                )
            try:
                text = read_limited_text(str(path), MAX_FILE_BYTES)
            except FileNotFoundError:
                raise SpecError(display, "no such file") from None
            except (OSError, UnicodeDecodeError) as error:
                raise SpecError(display, f"cannot read: {getattr(error, 'strerror', None) or error}") from None
            self._store(uri, parse_positioned(display, text))
        return self.loaded[uri]

    def _store(self, uri: str, loaded: PositionedYaml) -> None:
        from referencing import Resource

        self.loaded[uri] = loaded
        # Opaque: an OpenAPI document is not a JSON Schema, so no $id/$anchor scanning.
        self.registry = self.registry.with_resource(uri, Resource.opaque(loaded.data))

    def _retrieve(self, uri: str):
        from referencing import Resource

        return Resource.opaque(self._load(uri).data)

    def position(self, uri: str, pointer: str) -> Optional[Position]:
        loaded = self.loaded.get(uri)
        return loaded.position(pointer) if loaded is not None else None

    def data(self, uri: str) -> Any:
        return self.loaded[uri].data

    def resolve(self, base_uri: str, pointer: str, ref: Any) -> tuple[str, str, Any]:
        """(document URI, pointer, value) a `$ref` found at base_uri#pointer points to."""
        from referencing.exceptions import Unresolvable

        where = self.display(base_uri)
        position = self.position(base_uri, pointer + "/$ref")
        if not isinstance(ref, str):
            raise SpecError(where, "$ref must be a string", position)
        target = urljoin(base_uri, ref)
        document, fragment = urldefrag(target)
        if document in self.aliases:
            document = self.aliases[document]
            target = f"{document}#{fragment}"
        if document.startswith(("http://", "https://")):
            if document not in self.remote:
                raise RemoteReference(
                    where,
                    f"$ref {ref!r} is a remote document; it is not fetched "
                    f"(map it to a local copy with --remote URL=FILE)",
                    position,
                )
            document = self.remote[document]
            target = f"{document}#{fragment}"
        try:
            resolved = self.registry.resolver().lookup(target)
        except Unresolvable as error:
            cause = error.__cause__
            while cause is not None and not isinstance(cause, SpecError):
                cause = cause.__cause__
            if cause is not None:
                raise SpecError(where, f"$ref {ref!r} cannot be read: {cause}", position) from None
            raise SpecError(where, f"$ref {ref!r} points to nothing", position) from None
        # The way passes through a null or a scalar (`components:` left empty), or through a
        # string, which referencing indexes as a sequence (int('Body'): ValueError).
        except (TypeError, AttributeError, ValueError, LookupError):
            raise SpecError(where, f"$ref {ref!r} points to nothing", position) from None
        if document not in self.loaded:  # retrieved during the lookup: keep its positions too
            self._load(document)
        return document, unquote(fragment), resolved.contents
