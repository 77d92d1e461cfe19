"""The digests of a run, each defined once.

- `DIGEST128`: the numpy dtype of a 128-bit xxh3 digest (two little-endian words), used where a
  stage sends digests instead of texts (learned lines, document and paragraph identities).
- `update_file`: the one loop that feeds a file's bytes to a hash, in blocks.
- `code_digest`: the package's own source, so a cache entry or run key made by other code is
  never trusted.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

PACKAGE = Path(__file__).resolve().parents[1]

DIGEST128 = np.dtype([("hi", "<u8"), ("lo", "<u8")])


def as_digests(digests: list[bytes]) -> np.ndarray:
    """16-byte digests as one `DIGEST128` array."""
    return np.frombuffer(b"".join(digests), dtype=DIGEST128)


def update_file(h: Any, path: Path, block: int = 1 << 22) -> None:
    """Feed `path`'s bytes to the hash `h` (anything with `update`), a block at a time."""
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(block), b""):
            h.update(chunk)


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of every Python file of the package: its path inside it and its bytes."""
    h = xxhash.xxh3_128()
    for path in sorted(PACKAGE.rglob("*.py")):
        h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\x00")
        update_file(h, path)
    return h.hexdigest()
