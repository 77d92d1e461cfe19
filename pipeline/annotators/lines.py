"""A batch's lines and paragraphs as flat Arrow arrays, for the line-level signals (Gopher's
repetition, FineWeb, C4, Gopher's bullets and ellipses) computed for a whole job at once.

Arrow (C++) splits, measures and matches the pieces; numpy counts them per document. Python's
notion of whitespace (`str.strip`, `str.isspace`) is kept exactly: `SPACE` is the class of
every character Python calls whitespace, written for RE2 (whose own `\\s` is ASCII only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

WHITESPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())  # str.split's set
SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"


@dataclass
class Pieces:
    """The pieces of each document (lines, paragraphs), flat: `values[i]` belongs to document
    `doc_of[i]`; `per_doc[d]` pieces of document d, in order."""

    values: pa.Array
    doc_of: np.ndarray
    per_doc: np.ndarray

    @classmethod
    def split(cls, texts: pa.Array, pattern: str, regex: bool = False) -> Pieces:
        """As `str.split(pattern)` (or `re.split(pattern, ...)`) of each text."""
        lists = (pc.split_pattern_regex if regex else pc.split_pattern)(texts, pattern)
        per_doc = pc.list_value_length(lists).to_numpy(zero_copy_only=False).astype(np.int64)
        doc_of = np.repeat(np.arange(len(per_doc)), per_doc)
        return cls(pc.list_flatten(lists), doc_of, per_doc)

    def lengths(self) -> np.ndarray:
        """Each piece's length in characters (code points, as Python's `len`)."""
        return pc.utf8_length(self.values).to_numpy(zero_copy_only=False).astype(np.int64)

    def matches(self, regex: str) -> np.ndarray:
        return pc.match_substring_regex(self.values, regex).to_numpy(zero_copy_only=False)

    def repeats(self, among: np.ndarray | None = None) -> np.ndarray:
        """Pieces equal to an earlier piece of their document (only pieces in `among` count,
        as earlier ones and as repeats)."""
        ids = pc.dictionary_encode(self.values).indices.to_numpy(zero_copy_only=False).astype(np.int64)
        key = self.doc_of * (int(ids.max(initial=0)) + 1) + ids
        at = np.arange(len(key)) if among is None else np.flatnonzero(among)
        _, first = np.unique(key[at], return_index=True)
        out = np.zeros(len(key), dtype=bool)
        out[at] = True
        out[at[first]] = False
        return out

    def per_doc_sum(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.doc_of, weights=values, minlength=len(self.per_doc))


def ratio(num: np.ndarray, den: np.ndarray) -> list[float]:
    """num / den per document, 0 where den is 0."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros(len(num)), where=den > 0).tolist()
