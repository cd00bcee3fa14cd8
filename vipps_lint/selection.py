"""Which files a run lints: excludes, `.gitignore`, and files that are plainly not requests.

As in Ruff:

- `exclude` (default: `DEFAULT_EXCLUDE`) and `extend-exclude` are globs, relative to the
  configuration file's directory (or the working directory), matched against a file's or a
  directory's relative path and its bare name (`node_modules`, `tests/legacy/*.json`). A
  directory walk never goes into an excluded directory. A file named on the command line is
  linted even when it is excluded, unless `--force-exclude` says otherwise (pre-commit
  names every staged file).
- A directory walk respects `.gitignore` files (those of the walked directories and of the
  directories above, up to the repository's root, and `.git/info/exclude`), matched with
  `pathspec`, git's own semantics; `--no-respect-gitignore` turns that off.

A repository holds many JSON files that are no Vipps request: `package.json`,
`tsconfig.json`, `.vscode/settings.json` (JSON with comments), a JSONL of other data. In a
directory walk (and for every file with `--skip-non-requests`, as the pre-commit hook runs
it), such a file is skipped and counted in the summary ("3 files skipped: not Vipps
requests") instead of being reported as unreadable or as `route-unknown-body`. What counts
as plainly not a request is decided without guessing in the other direction: a body that
holds any field a Vipps MobilePay request body has at its top level (`VIPPS_BODY_KEYS`) is
linted in full, broken or not. A file named explicitly, or mapped to an endpoint by
`--endpoint` or the configuration's `endpoints`, is always linted in full.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Iterator, Optional, Union

from vipps_lint.lazy_re import lazy_compile
from vipps_lint.models import InputError, SourceFile

# Ruff's default excludes, where they apply to a repository of requests.
DEFAULT_EXCLUDE = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".hg",
    ".mypy_cache",
    ".nox",
    ".pytest_cache",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)

# Top-level fields of request bodies of APIs vipps-lint routes that say "this is a Vipps
# MobilePay (or Klarna Checkout) request" on their own: the compound names of the request
# schemas (merchantInfo, paymentMethod, external_payment_methods…). Single words (`name`,
# `email`, `description`, `type`, `amount`…) are left out, but for these: package.json and
# other apps' JSON have words like those too.
_KLARNA_BODY_KEYS = ("external_payment_methods", "purchase_country", "order_lines", "merchant_urls")
_SINGLE_WORD_KEYS = ("transaction", "pricing", "orgno")
# Compound names that other applications' JSON uses as well.
_GENERIC_KEYS = frozenset({"countryCode", "expiresAt", "externalId", "redirectUrl", "companyName", "companyEmail"})


@lru_cache(maxsize=1)
def vipps_body_keys() -> frozenset:
    """The distinctive top-level fields of every request body schema shipped in schemas/
    (derived, so a new API's bodies count without a list to keep), and Klarna Checkout's.
    Read only when a walk meets a bare body that routing could not place."""
    from vipps_lint.data import schemas_dir

    directory = schemas_dir()
    keys: set[str] = set(_KLARNA_BODY_KEYS) | set(_SINGLE_WORD_KEYS)
    try:
        with open(directory / "index.json", encoding="utf-8") as handle:
            entries = json.load(handle)["operations"]
    except (OSError, ValueError, KeyError):
        entries = []
    for entry in entries:
        if not entry.get("schema"):
            continue
        try:
            with open(directory / entry["schema"], encoding="utf-8") as handle:
                schema = json.load(handle)
        except (OSError, ValueError):
            continue
        keys.update(key for key in _top_level_properties(schema, schema) if "_" in key or not key.islower())
    return frozenset(keys - _GENERIC_KEYS)


def _top_level_properties(node: Any, root: dict, depth: int = 0) -> set[str]:
    if not isinstance(node, dict) or depth > 4:
        return set()
    found = set(node.get("properties", {}))
    for keyword in ("oneOf", "anyOf", "allOf"):
        for alternative in node.get(keyword, ()):
            found |= _top_level_properties(alternative, root, depth + 1)
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/$defs/"):
        found |= _top_level_properties(root.get("$defs", {}).get(reference.rsplit("/", 1)[1]), root, depth + 1)
    return found


def plainly_not_a_body(body: Any, router=None) -> bool:
    """A parsed bare body no Vipps MobilePay call could be meant by: not an object, or an
    object whose shape fits no call (routing.BODY_SHAPES) and that has not a single
    distinctive field of one (package.json, tsconfig.json)."""
    if not isinstance(body, dict):
        return True
    if router is not None and router.infer_from_body(body)[1]:
        return False
    keys = vipps_body_keys()
    return not any(key in keys for key in body)


_QUOTED_KEY = lazy_compile(r'"((?:[^"\\\n]|\\.){1,64})"\s*:')


def plainly_not_request_text(head: str) -> bool:
    """A file (its first few KiB) that did not read as a request: does it mention no
    distinctive field of a Vipps request body, nor a method or URL of a logged request?
    (JSON with comments, a JSONL of other data, an empty file.)"""
    keys = vipps_body_keys()
    for match in _QUOTED_KEY.finditer(head):
        key = match.group(1)
        if key in keys or key in _REQUEST_KEYS:
            return False
    return True


# What a logged request (an NDJSON line, a HAR entry) has and other data does not.
_REQUEST_KEYS = frozenset({"method", "verb", "url", "uri", "request"})


@dataclass
class FileSelection:
    """How inputs are chosen (the command line over the configuration; see config.py)."""

    exclude: Optional[list[str]] = None  # None: DEFAULT_EXCLUDE
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    force_exclude: bool = False
    # Files named on the command line are judged like files a walk found (the pre-commit hook).
    skip_non_requests: bool = False
    base: Optional[str] = None  # globs are relative to this directory (the configuration's; default: cwd)
    never: frozenset = frozenset()  # real paths a walk never yields (the run's own baseline files)
    stdin_filename: Optional[str] = None  # the file standard input stands for (--stdin-filename)

    @property
    def patterns(self) -> list[str]:
        return [*(DEFAULT_EXCLUDE if self.exclude is None else self.exclude), *self.extend_exclude]

    def _excludes(self):
        """The exclude globs, compiled once (again if the working directory or the globs
        change between runs of one process)."""
        from vipps_lint.config import GlobSet

        key = (self.base or os.getcwd(), tuple(self.patterns))
        cached = self.__dict__.get("_compiled_excludes")
        if cached is None or cached[0] != key:
            cached = self.__dict__["_compiled_excludes"] = (key, GlobSet(key[1], key[0]))
        return cached[1]

    def is_excluded(self, path: str) -> bool:
        """Does an exclude glob match this path, its name, or (for a file named on the command
        line) one of the directories it is in?"""
        excludes = self._excludes()
        if excludes.matches(path):
            return True
        base = excludes.directory
        relative = os.path.relpath(os.path.abspath(path), base)
        if relative.startswith(os.pardir):
            return False
        parent = os.path.dirname(relative)
        while parent:
            if excludes.matches(os.path.join(base, parent)):
                return True
            parent = os.path.dirname(parent)
        return False

    def expand(self, paths: Iterable[str]) -> Iterator[Union[SourceFile, InputError]]:
        """Each named file (unless --force-exclude excludes it), each file below each named
        directory that no exclude or .gitignore leaves out, and stdin for '-'."""
        from vipps_lint.sources import expand_paths

        for path in paths:
            if path == "-" and self.stdin_filename:
                if self.force_exclude and self.is_excluded(self.stdin_filename):
                    continue
                for source in expand_paths([path]):
                    if isinstance(source, SourceFile):
                        source.display = self.stdin_filename
                        source.walked = self.skip_non_requests
                    yield source
                continue
            if (
                path != "-"
                and not os.path.isdir(path)
                and os.path.exists(path)
                and self.force_exclude
                and self.is_excluded(path)
            ):
                continue
            if path != "-" and os.path.isdir(path):
                walk = _Walk(self, GitIgnored(path) if self.respect_gitignore else None)
                for source in expand_paths([path], keep=walk.keep):
                    if isinstance(source, SourceFile):
                        source.walked = True
                    yield source
                continue
            for source in expand_paths([path]):
                if isinstance(source, SourceFile) and self.skip_non_requests:
                    source.walked = True
                yield source

    def _keep(self, path: str, is_dir: bool, ignored: Optional[GitIgnored]) -> bool:
        """Does a directory walk keep this file or directory (what `_Walk.keep` answers faster)?"""
        if self.never and not is_dir and os.path.realpath(path) in self.never:
            return False
        if self._excludes().matches(path):
            return False
        return ignored is None or not ignored.ignored(path, is_dir)


class _Walk:
    """`FileSelection._keep` for the entries of one directory walk: each directory's place
    (absolute, relative to the excludes' base) is worked out once for all its entries, not
    with abspath and relpath for each of 10,000 files."""

    def __init__(self, selection: FileSelection, ignored: Optional[GitIgnored]):
        self.selection = selection
        self.excludes = selection._excludes()
        self.ignored = ignored
        self._places: dict[str, tuple[str, str]] = {}  # directory as walked → (absolute, relative to the base)

    def keep(self, path: str, is_dir: bool) -> bool:
        directory, name = os.path.split(path)
        if name in ("", os.curdir, os.pardir):  # (a walk gives none of these)
            return self.selection._keep(path, is_dir, self.ignored)
        if self.selection.never and not is_dir and os.path.realpath(path) in self.selection.never:
            return False
        place = self._places.get(directory)
        if place is None:
            absolute = os.path.abspath(directory)
            relative = os.path.relpath(absolute, self.excludes.directory).replace(os.sep, "/")
            place = self._places[directory] = (absolute, relative)
        absolute, relative = place
        if self.excludes.matches_relative(name if relative == os.curdir else f"{relative}/{name}", name):
            return False
        return self.ignored is None or not self.ignored.ignored_in(absolute, name, is_dir)


class GitIgnored:
    """`.gitignore` files as git reads them, for one directory walk.

    The walked directory's own and its ancestors' up to the repository's root (a directory
    with `.git`), `.git/info/exclude`, and those of the directories below as the walk
    enters them. A deeper file's patterns win over a shallower one's; within a file, the
    last matching pattern wins (`pathspec.GitIgnoreSpec`). Outside a repository, only the
    walked directory's and its subdirectories' files count.
    """

    def __init__(self, directory: str):
        self.directory = os.path.abspath(directory)
        self._specs: dict[str, list] = {}  # directory → the specs of its ignore files, weakest first
        self._owners: dict[str, list] = {}  # directory → (each directory up to the top, its path from there)
        root = self._repository_root(self.directory)
        self._top = root or self.directory
        if root is not None:
            self._load(os.path.join(root, ".git", "info", "exclude"), root)
            self._load(os.path.join(root, ".gitignore"), root)

    @staticmethod
    def _repository_root(directory: str) -> Optional[str]:
        current = directory
        while True:
            if os.path.exists(os.path.join(current, ".git")):
                return current
            parent = os.path.dirname(current)
            if parent == current:
                return None
            current = parent

    def _load(self, file: str, directory: str) -> None:
        """Add one ignore file's patterns to `directory`'s (they win over those before)."""
        specs = self._specs.setdefault(directory, [])
        try:
            with open(file, encoding="utf-8", errors="replace") as handle:
                lines = handle.read(1024 * 1024).splitlines()
        except OSError:
            return
        import pathspec

        specs.append(pathspec.GitIgnoreSpec.from_lines(lines))

    def _specs_for(self, directory: str) -> list:
        if directory not in self._specs:
            self._load(os.path.join(directory, ".gitignore"), directory)
        return self._specs[directory]

    def ignored(self, path: str, is_dir: bool) -> bool:
        absolute = os.path.abspath(path)
        directory = os.path.dirname(absolute)
        chain = []
        while True:
            chain.append(directory)
            if directory == self._top or os.path.dirname(directory) == directory:
                break
            directory = os.path.dirname(directory)
        for owner in chain:  # deepest first: the nearest .gitignore decides
            relative = os.path.relpath(absolute, owner).replace(os.sep, "/") + ("/" if is_dir else "")
            for spec in reversed(self._specs_for(owner)):
                outcome = spec.check_file(relative).include
                if outcome is not None:
                    return outcome
        return False

    def ignored_in(self, directory: str, name: str, is_dir: bool) -> bool:
        """`ignored` for the entry `name` of the absolute, normalised `directory`: the
        directories whose ignore files judge it, and its path relative to each, are worked out
        once per directory."""
        owners = self._owners.get(directory)
        if owners is None:
            owners = self._owners[directory] = []
            owner = directory
            while True:
                owners.append((owner, os.path.relpath(directory, owner).replace(os.sep, "/")))
                if owner == self._top or os.path.dirname(owner) == owner:
                    break
                owner = os.path.dirname(owner)
        for owner, relative in owners:  # deepest first: the nearest .gitignore decides
            specs = self._specs_for(owner)
            if not specs:
                continue
            path = (name if relative == os.curdir else f"{relative}/{name}") + ("/" if is_dir else "")
            for spec in reversed(specs):
                outcome = spec.check_file(path).include
                if outcome is not None:
                    return outcome
        return False


def unless_plainly_not_requests(source: SourceFile, items: Iterable, result, router=None) -> Iterator:
    """The reader's items for a walked file, or none when the file is plainly not Vipps
    requests (then `result.not_requests` is set). Judged on the first item: a bare body
    without a distinctive Vipps field, or an error in a file whose first KiB name no such
    field and no method or URL."""
    items = iter(items)
    first = next(items, None)
    if first is None:
        return
    if isinstance(first, InputError):
        from vipps_lint.sources import read_head

        head = read_head(source)
        if not isinstance(head, InputError) and plainly_not_request_text(head.decode("utf-8", errors="replace")):
            result.not_requests = True
            return
    elif (
        first.url is None and first.endpoint_hint is None and first.has_body and plainly_not_a_body(first.body, router)
    ):
        result.not_requests = True
        return
    yield first
    yield from items
