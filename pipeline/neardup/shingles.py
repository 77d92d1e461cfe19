"""Exact shingle sets for the verification (pure numpy): every window of k <= 5 folded bytes of
a paragraph, packed into a uint64 (no hash, so no collision), sorted and unique per paragraph.

A batch is built in one pass over its joined, folded bytes: a window is read as one unaligned
little-endian 64-bit word (a strided view), masked to k bytes, and tagged with its paragraph
number in the bits above them; windows that cross a paragraph separator are dropped. The tags
ascend with the position, so the batch is already in paragraph order, and only the runs of a
few paragraphs need sorting: runs of ~32k records, cut at paragraph boundaries, are sorted in
the cache (about half the time of one sort of all of them, same result).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from .textnorm import fold_bytes

# Records per sorted run (cut at the next paragraph boundary): a few hundred KB, cache-sized.
_SORT_RUN = 1 << 15
# Bits of a record below the paragraph tag: the window's k <= 5 bytes.
_TAG_SHIFT = np.uint64(40)


def words64(b: np.ndarray) -> np.ndarray:
    """w[i] = bytes b[i:i+8] as one little-endian uint64, for every i (a view, stride 1)."""
    padded = np.concatenate([b, np.zeros(8, np.uint8)])
    return np.ndarray(shape=(len(b),), dtype="<u8", buffer=padded, strides=(1,))


def sorted_unique(x: np.ndarray) -> np.ndarray:
    """np.unique(x) by a sort and a neighbour test: numpy 2.4's np.unique hashes first and costs
    ~5x more on the few hundred shingles of a paragraph (the verification calls it thousands
    of times)."""
    return _drop_repeats(np.sort(x))


def member(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """np.isin(a, b) for b sorted and unique (any a): one binary search, where np.isin sorts or
    hashes both arrays again."""
    return found(a, b) if len(b) else np.zeros(len(a), dtype=bool)


def _drop_repeats(x: np.ndarray) -> np.ndarray:
    """A sorted array without its repeated elements (a neighbour test)."""
    if len(x) > 1:
        fresh = np.empty(len(x), dtype=bool)
        fresh[0] = True
        np.not_equal(x[1:], x[:-1], out=fresh[1:])
        x = x[fresh]
    return x


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a & b for sorted unique arrays (binary search of a in b)."""
    if not len(a) or not len(b):
        return a[:0]
    return a[found(a, b)]


def longest(mask: np.ndarray) -> int:
    """Length of the longest run of True in a boolean array."""
    padded = np.zeros(len(mask) + 2, dtype=np.int8)
    padded[1:-1] = mask
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[::2]).max()) if len(edges) else 0


def prefix(mask: np.ndarray) -> np.ndarray:
    """[0, running count of mask]: how many are set before each position (np.r_ costs ~30 us a
    call in Python, a few times the sum itself on a paragraph)."""
    out = np.zeros(len(mask) + 1, np.int64)
    np.cumsum(mask, out=out[1:])
    return out


def found(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mask of the elements of a (any order) that are in b (sorted unique, non-empty)."""
    idx = b.searchsorted(a)
    np.minimum(idx, len(b) - 1, out=idx)
    return b[idx] == a


def shingle_sets(texts: Sequence[str], k: int, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Exact shingle sets of a few texts at once (k <= 5: the paragraph tag sits above the
    window's bytes). Returns CSR arrays (offsets, values): the set of texts[j] is
    values[offsets[j]:offsets[j + 1]]. With `workers` > 1 and 2,000 texts or more, parts are
    built in threads (numpy releases the GIL in the folding and sorting) and concatenated in
    order: sets are per text, so the arrays are the same."""
    if workers > 1 and len(texts) >= 2000:
        from concurrent.futures import ThreadPoolExecutor
        cuts = np.linspace(0, len(texts), workers + 1).astype(int).tolist()
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(lambda ij: shingle_sets(texts[ij[0]:ij[1]], k),
                                  pairwise(cuts)))
        base = np.cumsum([0] + [len(p[1]) for p in parts[:-1]])
        return (np.concatenate([parts[0][0]] + [p[0][1:] + b for p, b in zip(parts[1:], base[1:])]),
                np.concatenate([p[1] for p in parts]))
    if not 1 <= k <= 5:
        raise ValueError("shingle_sets: k must be between 1 and 5")
    m = len(texts)
    if m == 0:
        return np.zeros(1, np.int64), np.empty(0, np.uint64)
    b = fold_bytes(b"\x00".join([t.replace("\x00", " ").encode() for t in texts]))
    nw = len(b) - k + 1
    if nw <= 0:
        return np.zeros(m + 1, np.int64), np.empty(0, np.uint64)
    # seps[i] = separators before byte i: the paragraph of a window starting at i, which lies
    # inside that paragraph when no separator falls in it.
    seps = np.zeros(len(b) + 1, np.int64)
    np.cumsum(b == 0, out=seps[1:])
    inside = seps[k:k + nw] == seps[:nw]
    mask = np.uint64((1 << (8 * k)) - 1)
    key = words64(b)[:nw] & mask
    key |= seps[:nw].astype(np.uint64) << _TAG_SHIFT
    key = key[inside]
    if len(key) > _SORT_RUN:
        tag = key >> _TAG_SHIFT
        start = 0
        for cut in np.searchsorted(tag, tag[_SORT_RUN::_SORT_RUN]).tolist() + [len(key)]:
            if cut > start:
                key[start:cut].sort()
                start = cut
    else:
        key.sort()
    key = _drop_repeats(key)
    offsets = np.searchsorted(key >> _TAG_SHIFT, np.arange(m + 1, dtype=np.uint64))
    return offsets.astype(np.int64), key & mask


def shingle_seq(text: str, k: int) -> np.ndarray:
    """The shingles of one text in order (the packed values of `shingle_sets`, not sorted or
    unique): where in a sentence the shared shingles lie."""
    b = fold_bytes(text.replace("\x00", " ").encode())
    if len(b) < k:
        return np.empty(0, np.uint64)
    return words64(b)[:len(b) - k + 1] & np.uint64((1 << (8 * k)) - 1)
