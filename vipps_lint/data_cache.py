"""The shipped YAML files (rules/, specs/lifecycle.yaml), parsed once per version of them.

Every run reads them, and parsing YAML (libyaml's events, Python's constructor) costs more
than linting a file: the pre-commit hook pays it on every commit. So what each file parses
to is kept in the user's cache directory as `marshal` data, keyed by a BLAKE2b digest of the
files' exact text (and of vipps-lint's and Python's versions): an edited rule file misses
the cache, it is never stale. A cache file that is unreadable, truncated, altered (its own
BLAKE2b digest is checked) or for other texts is ignored and written anew; a cache directory that
cannot be written costs only the time. Nothing from the inputs is written there.

`VIPPS_LINT_CACHE_DIR` puts the cache elsewhere; set to an empty value, no cache is used.
"""

from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path
from typing import Any, Callable, Optional

from vipps_lint.blake2 import blake2b

_MAGIC = b"vipps-lint parsed data 2\n"  # 2: BLAKE2b digests (1: SHA-256)
_DIGEST = 32  # bytes of each BLAKE2b digest
_MAX_BYTES = 16 * 1024 * 1024  # far more than the shipped data parses to; a larger file is not ours


def cache_dir() -> Optional[Path]:
    """Where the cache lives (None: no cache), as other tools place theirs on each system."""
    explicit = os.environ.get("VIPPS_LINT_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit else None
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "vipps-lint" / "Cache" if base else None
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "vipps-lint"
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base and os.path.isabs(base) else Path.home() / ".cache") / "vipps-lint"


def parsed(name: str, texts: dict[str, str], parse: Callable[[str, str], Any]) -> dict[str, Any]:
    """`parse(file name, text)` for each of `texts` (file name → text), from the cache file
    `name` when it holds exactly these texts. What `parse` returns must be plain data
    (dict, list, tuple, str, int, float, bool, None); anything else is not cached."""
    try:
        directory = cache_dir()
    except (OSError, RuntimeError):  # no home directory
        directory = None
    key = _key(name, texts)
    path = directory / f"{name}.marshal" if directory is not None else None
    if path is not None:
        found = _read(path, key)
        if isinstance(found, dict) and found.keys() == texts.keys():
            return found
    result = {file: parse(file, text) for file, text in texts.items()}
    if path is not None:
        _write(path, key, result)
    return result


def _key(name: str, texts: dict[str, str]) -> bytes:
    from vipps_lint import __version__

    digest = blake2b(digest_size=_DIGEST)
    for part in (_MAGIC.decode(), __version__, sys.version, str(marshal.version), name):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    for file in sorted(texts):
        for part in (file, texts[file]):
            encoded = part.encode("utf-8", "surrogatepass")
            digest.update(len(encoded).to_bytes(8, "big") + encoded)
    return digest.digest()


def _read(path: Path, key: bytes) -> Optional[Any]:
    from vipps_lint.safe_io import read_limited

    try:
        content = read_limited(str(path), _MAX_BYTES)  # a regular file only: never a FIFO or device
    except OSError:  # also UnsafeFile: not regular, or too large
        return None
    header = len(_MAGIC) + 2 * _DIGEST
    if len(content) < header or not content.startswith(_MAGIC):
        return None
    stored_key = content[len(_MAGIC) : len(_MAGIC) + _DIGEST]
    stored_digest = content[len(_MAGIC) + _DIGEST : header]
    payload = content[header:]
    if stored_key != key or blake2b(payload, digest_size=_DIGEST).digest() != stored_digest:
        return None
    try:
        return marshal.loads(payload)
    except Exception:  # noqa: BLE001 - a damaged cache is only a miss
        return None


def _write(path: Path, key: bytes, value: Any) -> None:
    try:
        payload = marshal.dumps(value, 4)
    except ValueError:  # not plain data: parse again next time
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(temporary, "wb") as handle:
            handle.write(_MAGIC + key + blake2b(payload, digest_size=_DIGEST).digest() + payload)
        os.replace(temporary, path)  # readers see the old file or the new one, never half of one
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
