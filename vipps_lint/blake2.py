"""BLAKE2b for the digests a run makes on its way (the parsed-rules cache, the checks across
requests), without loading OpenSSL.

`import hashlib` loads OpenSSL's `_hashlib` for its other algorithms: ~5 ms of every start-up,
5% of a pre-commit run. CPython's own `_blake2` gives the same digests; `hashlib`'s is the
fallback on an interpreter without it.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - not CPython
    from hashlib import blake2b

__all__ = ["blake2b"]
