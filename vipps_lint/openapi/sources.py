"""Which spec files a build reads, and where they come from (`specs/sources.yaml`).

`vipps-lint schemas build` takes spec files, a directory laid out like the collection of
newest specs (the manifest names the file of each API inside it), or http(s) URLs of the
developer site's spec bundles (`--from-site` takes every bundle URL the manifest knows).
Each becomes a `SpecInput`: a local file, the name the index records, the part of its
paths to keep, and the provenance the index records once the file's sha256 is known.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

from vipps_lint.openapi.documents import SpecError


def manifest_path() -> Path:
    from vipps_lint.data import specs_dir

    return specs_dir() / "sources.yaml"


# A spec bundle is ~100 KB; anything far larger is not one.
MAX_DOWNLOAD = 8 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30


@dataclass
class SpecInput:
    path: Path  # the local file read (a download's temporary copy for a URL)
    name: str  # the file name the index records
    location: str  # what the user named: a path, or the URL
    only: tuple[str, ...] = ()  # keep operations whose full path starts with one of these
    exclude: tuple[str, ...] = ()
    known: Optional[dict[str, Any]] = None  # the manifest's entry for this API's spec
    # Files its relative $refs name → the files that hold them ({"ms_import.yaml": Path}).
    refs: dict[str, Path] = field(default_factory=dict)

    def keeps(self, full_path: str) -> bool:
        if self.only and not any(full_path.startswith(prefix) for prefix in self.only):
            return False
        return not any(full_path.startswith(prefix) for prefix in self.exclude)

    def provenance(self) -> dict[str, Any]:
        """What the index records: the manifest's provenance when the bytes are the ones it
        names; otherwise only what was read (a newer bundle, a user's own file)."""
        digest = hashlib.sha256(self.path.read_bytes()).hexdigest()
        known = self.known or {}
        if known.get("sha256") == digest:
            return {"source": f"{known['source']} @ {known['commit']}", "date": str(known["date"]), "sha256": digest}
        return {"source": self.location, "date": None, "sha256": digest}


@dataclass
class Manifest:
    specs: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Optional[Path] = None) -> Manifest:
        from vipps_lint.yamlpos import load_yaml

        path = path or manifest_path()
        try:
            data = load_yaml(path.read_text(encoding="utf-8"), core_schema=True).data
        except OSError as error:
            raise SpecError(str(path), f"cannot read: {error.strerror or error}") from None
        specs = (data or {}).get("specs") if isinstance(data, dict) else None
        if not isinstance(specs, list) or not all(isinstance(entry, dict) and "file" in entry for entry in specs):
            raise SpecError(str(path), "expected `specs:` with a `file` per entry")
        return cls(specs)

    def by_bundle(self, url: str) -> Optional[dict[str, Any]]:
        return next((entry for entry in self.specs if entry.get("bundle") == url), None)

    def _input(self, entry: dict[str, Any], path: Path, location: str) -> SpecInput:
        refs = {name: path.parent / Path(stored).name for name, stored in (entry.get("refs") or {}).items()}
        return SpecInput(
            path, path.name, location, tuple(entry.get("only") or ()), tuple(entry.get("exclude") or ()), entry, refs
        )

    def from_directory(self, directory: Path, skip_bundled: bool = False) -> list[SpecInput]:
        """The manifest's files inside `directory`; every one must be there."""
        inputs = []
        for entry in self.specs:
            if skip_bundled and entry.get("bundle"):
                continue
            path = directory / entry["file"]
            if not path.is_file():
                raise SpecError(
                    str(path),
                    f"no such file: {directory} is not laid out like the collection "
                    "specs/sources.yaml describes (vipps-specs-2026)",
                )
            inputs.append(self._input(entry, path, str(path)))
        return inputs

    def bundles(self, download_dir: Path) -> list[SpecInput]:
        return [self.download(entry["bundle"], download_dir) for entry in self.specs if entry.get("bundle")]

    def download(self, url: str, download_dir: Path) -> SpecInput:
        entry = self.by_bundle(url) or {}
        path = fetch(url, download_dir)
        return SpecInput(
            path, path.name, url, tuple(entry.get("only") or ()), tuple(entry.get("exclude") or ()), entry or None
        )


def fetch(url: str, download_dir: Path) -> Path:
    """Download one spec (https only, bounded size) into `download_dir`."""
    import urllib.error
    import urllib.request

    split = urlsplit(url)
    if split.scheme != "https" or not split.hostname:
        raise SpecError(url, "only https:// URLs are fetched")
    name = Path(split.path).name or "spec.yaml"
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:  # https checked above
            data = response.read(MAX_DOWNLOAD + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise SpecError(url, f"cannot download: {getattr(error, 'reason', None) or error}") from None
    if len(data) > MAX_DOWNLOAD:
        raise SpecError(url, f"larger than {MAX_DOWNLOAD // (1024 * 1024)} MiB: not a spec bundle")
    target = download_dir / name
    number = 2
    while target.exists():
        target, number = download_dir / f"{Path(name).stem}-{number}{Path(name).suffix}", number + 1
    target.write_bytes(data)
    return target


def resolve_inputs(
    arguments: list[str], from_site: bool, download_dir: Optional[Path] = None, manifest: Optional[Manifest] = None
) -> list[SpecInput]:
    """Spec arguments (files, collection directories, URLs) → inputs, in build order.

    Plain files are read in file-name order (as the build always did); a directory or
    `--from-site` brings the manifest's order.
    """
    manifest = manifest or Manifest.load()
    download_dir = download_dir or Path(tempfile.mkdtemp(prefix="vipps-lint-specs-"))
    ordered: list[SpecInput] = []
    files: list[SpecInput] = []
    directories = [Path(argument) for argument in arguments if Path(argument).is_dir()]
    if from_site:
        ordered += manifest.bundles(download_dir)
    for directory in directories:
        ordered += manifest.from_directory(directory, skip_bundled=from_site)
    for argument in arguments:
        if argument.startswith(("http://", "https://")):
            ordered.append(manifest.download(argument, download_dir))
        elif not Path(argument).is_dir():
            path = Path(argument)
            known = next((entry for entry in manifest.specs if Path(entry["file"]).name == path.name), None)
            files.append(SpecInput(path, path.name, argument, known=known))
    return ordered + sorted(files, key=lambda item: item.name)
