"""Bulk fingerprinting and candidate pairs for the near-duplicate detector (pure numpy).

A shingle is a window of `k` folded bytes (k = 8, 16, 24 or 32) inside one paragraph. Every
shingle is hashed once, vectorised over a chunk of ~4 MB of text: the window is read as k/8
unaligned little-endian 64-bit words (a strided view, no copy per shingle) combined by
multiply-add with odd constants. The top bits of that product sum decide sampling: a shingle is a
fingerprint when its top `sample_bits` bits are zero, a choice that depends on the content only,
so two copies of a passage sample the same shingles wherever they sit (hash-modulo sampling,
rate 2^-sample_bits). Only the sampled shingles are then finalised (murmur3 fmix64) and kept as
32-bit fingerprints: a collision only adds a candidate that the exact verification rejects.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from .shingles import sorted_unique, words64 as _words64
from .textnorm import fold_bytes

# Text per vectorised step: bounds the temporaries (~12 x this), which at 1 MB stay in the
# cache; 4 MB chunks cost ~15 % more CPU on part-00 (same records).
_CHUNK_BYTES = 1 << 20
_MUL = [np.uint64(c) for c in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                               0xD6E8FEB86659FD93)]


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(33))
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


def fingerprint_chunk(texts: Sequence[str], k: int, sample_bits: int):
    """Fold and fingerprint one chunk of paragraphs.

    Returns (lengths, keys): folded length per paragraph, and one uint64 per sampled
    fingerprint: the fingerprint (32 bits,
    a collision only adds a candidate that the exact pass rejects) above the chunk-local index
    of its paragraph.
    """
    # Encoded one by one: a text is mostly ASCII, whose UTF-8 is a copy, while the joined str
    # takes the widest kind of any text and encodes slower (same bytes either way).
    raw = b"\x00".join(map(str.encode, texts))
    if raw.count(b"\x00") != len(texts) - 1:  # a NUL inside a text: it becomes a space
        raw = "\x00".join(t.replace("\x00", " ") for t in texts).encode("utf-8")
    b = fold_bytes(raw)
    n = len(b)
    sep = np.flatnonzero(b == 0)
    starts = np.r_[0, sep + 1]
    ends = np.r_[sep, n]
    lengths = (ends - starts).astype(np.int64)
    n_win = n - k + 1
    if n_win <= 0:
        return lengths, np.empty(0, np.uint64)
    # Anchor sampling: the window at i is a fingerprint when the 8 bytes opening it hash (one
    # multiply, top bits) below the threshold; only those windows are hashed in full.
    w = _words64(b)
    y = w[:n_win] * _MUL[0]
    pos = np.flatnonzero(y < np.uint64(1 << (64 - sample_bits)))
    # A window is valid when it ends inside its paragraph. Its paragraph is the number of
    # separators before it (as np.searchsorted(sep, pos)), counted the cheap way round: one
    # binary search per separator into the sampled positions, then a running sum.
    par = np.cumsum(np.bincount(np.searchsorted(pos, sep, side="right"),
                                minlength=len(pos) + 1)[:len(pos)])
    pos_ok = pos + k <= ends[par]
    pos, par = pos[pos_ok], par[pos_ok]
    x = y[pos]
    for j in range(1, k // 8):
        x += w[pos + 8 * j] * _MUL[j]
    # Record = fingerprint (high 32 bits of the mixed hash) | chunk-local paragraph (low 32).
    key = _fmix64(x) & np.uint64(0xFFFFFFFF00000000)
    key |= par.astype(np.uint64)
    return lengths, key


@dataclass(frozen=True)
class FingerprintJob:
    texts: Sequence[str]
    k: int
    sample_bits: int


def _fingerprint_job(job: FingerprintJob):
    return fingerprint_chunk(job.texts, job.k, job.sample_bits)


def fingerprint_all(texts: Sequence[str], k: int, sample_bits: int, workers: int = 1,
                    mapper: Callable | None = None, ranges: int = 1):
    """`fingerprint_chunk` over all texts in chunks, with global paragraph indices.

    Chunks are independent and numpy releases the GIL in its loops, so `workers` threads overlap
    them; results are gathered in chunk order, hence identical for any worker count. With a
    `mapper` (an ordered map, e.g. Ray tasks), the chunks run there instead.

    Returns (lengths, slices): slices is a list of `ranges` arrays, the records whose fingerprint
    falls in each slice of the fingerprint space (`fingerprint_range`), which `candidate_pairs`
    pairs one by one and `candidate_pairs_shuffled` ships as its buckets. They are gathered slice
    by slice, so the records are never held twice (one array of all of them and its chunks).
    """
    # Chunk boundaries from the cumulative text length (characters approximate bytes).
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
    cuts = np.searchsorted(ends, np.arange(_CHUNK_BYTES, int(ends[-1]) if len(ends) else 0,
                                           _CHUNK_BYTES), side="right")
    edges = sorted_unique(np.r_[0, cuts, len(texts)]).tolist()
    bounds = list(zip(edges[:-1], edges[1:]))

    def split(part, start: int):
        lengths, key = part
        # chunk-local -> global paragraph (a new array: a mapper's results may be read-only)
        key = key + np.uint64(start)
        if ranges == 1:
            return lengths, [key]
        # One stable radix sort by slice (16-bit) instead of a mask per slice; copies, so
        # each slice's records are freed once gathered.
        r = fingerprint_range(key, ranges).astype(np.uint16 if ranges <= 1 << 16 else np.int64)
        key = key[np.argsort(r, kind="stable")]
        cuts = np.r_[0, np.cumsum(np.bincount(r, minlength=ranges))].tolist()
        return lengths, [key[cuts[i]:cuts[i + 1]].copy() for i in range(ranges)]

    def one(b: tuple[int, int]):
        return split(fingerprint_chunk(texts[b[0]:b[1]], k, sample_bits), b[0])

    if mapper is not None:
        done = mapper(_fingerprint_job, [FingerprintJob(texts[i:j], k, sample_bits)
                                        for i, j in bounds])
        parts = [split(p, b[0]) for p, b in zip(done, bounds)]
        del done
    elif workers > 1 and len(bounds) > 1:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(one, bounds))
    else:
        parts = [one(b) for b in bounds]
    if not parts:
        e = np.empty(0, np.int64)
        return e, [np.empty(0, np.uint64) for _ in range(ranges)]
    lengths = np.concatenate([p[0] for p in parts])
    keys = []
    for i in range(ranges):
        keys.append(np.concatenate([p[1][i] for p in parts]))
        for p in parts:
            p[1][i] = None  # each slice's chunks are freed once gathered
    return lengths, keys


def fingerprint_range(key: np.ndarray, ranges: int) -> np.ndarray:
    """The slice of the fingerprint space (0 .. ranges-1, by its top byte) of each record."""
    return (key >> np.uint64(56)).astype(np.int64) * ranges >> 8


def _pair_slices(slices: list, n_texts: int, max_df: int, fanin: int, workers: int,
                 keep: Callable[[int, list[np.ndarray]], None]) -> np.ndarray:
    """Pair each slice of records on its own (`_pair_keys`), in threads when `workers` > 1
    (numpy releases the GIL in the sorts and passes), handing slice i's pair keys to
    keep(i, keys). A slice is taken out of `slices` (and loaded, if it is a function) only when
    its turn comes, and freed once paired. Returns nfp, the slices' fingerprint counts, added
    into one array as each slice is counted (an array per slice or per thread would be n_texts
    integers more each: with as many slices as the corpus needs, that grows as its square)."""
    # One count for all slices, added to in place (under a lock when threads pair): a count
    # per thread, or per slice, would be n_texts integers more each.
    nfp = np.zeros(n_texts, dtype=np.int64)
    lock = threading.Lock()

    def pair(i: int) -> None:
        k, slices[i] = slices[i], None
        if callable(k):  # a slice loaded only now (from disk, or filtered)
            k = k()
        keys, _ = _pair_keys(k, n_texts, max_df, fanin, (nfp, lock))
        del k
        keep(i, keys)

    if workers > 1 and len(slices) > 1:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(pair, range(len(slices))))
    else:
        for i in range(len(slices)):
            pair(i)
    return nfp


def candidate_pairs(key: np.ndarray | list[np.ndarray], n_texts: int, max_df: int, fanin: int,
                    workers: int = 1):
    """Pairs (a, b), a < b, sharing sampled fingerprints, with the number they share.

    Records are (fingerprint << 32 | paragraph) keys: one array, or a list of arrays that split
    the fingerprint space (`fingerprint_all(ranges=...)`), or of functions returning them,
    which are handed over (sorted in place, freed as they are paired). Each holder of a
    fingerprint is paired with the first `fanin` holders before it (in keeper order, the likely
    kept copies), so a passage reprinted many times costs `fanin` pairs per copy, not a
    quadratic number. A fingerprint held by more than `max_df` paragraphs is common language,
    not a reprint, and makes no pairs. Returns (a, b, shared, nfp), nfp[i] being the number of
    distinct fingerprints of paragraph i.
    """
    # All holders of a fingerprint share its top bits, so slices of the fingerprint space are
    # paired on their own; the pair keys of all slices are then counted together, which is the
    # same as counting them in one, and the slices' fingerprint counts add up.
    slices = key if isinstance(key, list) else [key]
    del key
    keys: list[np.ndarray] = []
    nfp = _pair_slices(slices, n_texts, max_df, fanin, workers, lambda _, k: keys.extend(k))
    if not keys:
        e = np.empty(0, np.int64)
        return e, e, e, nfp
    pk, shared = count_keys(np.concatenate(keys), workers)
    return pk // n_texts, pk % n_texts, shared, nfp


def count_keys(keys: np.ndarray, workers: int = 1,
               min_split: int = 1 << 16) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(keys, return_counts=True) (counts as int64), over `workers` disjoint ranges of
    values, each taken and sorted in a thread (numpy releases the GIL) when there are at least
    `min_split` keys: the ranges are concatenated in order, so the result is the same for any
    worker count. (On part-00's 4.7 M pair keys, the serial count was 0.4 s of the parent's.)"""
    bounds: list = [(None, None)]
    if workers > 1 and len(keys) and len(keys) >= min_split:
        probe = np.sort(keys[::256])
        cuts = probe[[len(probe) * j // workers for j in range(1, workers)]].tolist()
        bounds = list(zip([None] + cuts, cuts + [None]))

    def one(bound: tuple) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = bound
        x = keys if lo is None else keys[keys >= lo]
        x = np.sort(x if hi is None else x[x < hi])
        if not len(x):
            return x, np.empty(0, np.int64)
        start = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])
        return x[start], np.diff(np.r_[start, len(x)])

    if len(bounds) == 1:
        return one(bounds[0])
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(len(bounds)) as pool:
        done = list(pool.map(one, bounds))
    return np.concatenate([d[0] for d in done]), np.concatenate([d[1] for d in done])


def candidate_pairs_spilled(slices: list, n_texts: int, max_df: int, fanin: int, workers: int,
                            folder: Path, buckets: int):
    """`candidate_pairs` with its pairs on disk: each slice's pair keys are written by bucket of
    the later paragraph (b * buckets // n_texts) as soon as the slice is paired, and come back
    one bucket at a time. Returns (loaders, nfp): loaders[i]() gives bucket i's [a, b, shared],
    sorted by pair (a list, for the caller to empty as it filters them); every pair of a later
    paragraph b is in one bucket, so the buckets in turn hold the pairs in order of b.
    Memory: one slice's records, then one bucket's pairs."""
    folder.mkdir(parents=True, exist_ok=True)

    def write(i: int, keys: list[np.ndarray]) -> None:
        pk = np.concatenate(keys) if keys else np.empty(0, np.int64)
        keys.clear()
        bucket = (pk % n_texts) * buckets // n_texts
        order = np.argsort(bucket, kind="stable")
        cuts = np.searchsorted(bucket[order], np.arange(buckets + 1))
        pk = pk[order]
        for j in range(buckets):
            pk[cuts[j]:cuts[j + 1]].tofile(folder / f"{i:03d}-{j:03d}.bin")

    n_slices = len(slices)
    nfp = _pair_slices(slices, n_texts, max_df, fanin, workers, write)

    def loader(j: int):
        def load():
            files = [folder / f"{i:03d}-{j:03d}.bin" for i in range(n_slices)]
            pk = np.concatenate([np.fromfile(f, dtype=np.int64) for f in files])
            for f in files:
                f.unlink()
            pk, shared = np.unique(pk, return_counts=True)
            return [pk // n_texts, pk % n_texts, shared.astype(np.int64)]
        return load

    return [loader(j) for j in range(buckets)], nfp


LOW32 = np.uint64(0xFFFFFFFF)  # the paragraph half of a record
_BLOCK = 1 << 22  # records per step of the per-paragraph count: bounds its temporaries


def _pair_keys(key: np.ndarray, n_texts: int, max_df: int, fanin: int,
               into: tuple[np.ndarray, threading.Lock] | None = None):
    """The body of `candidate_pairs` for one array of records, which it sorts in place: (list
    of pair-key arrays a * n_texts + b, one entry per pairing, and nfp). `into`: an nfp to add
    this slice's counts to (and the lock that guards it), returned as nfp."""
    key.sort()
    n = len(key)
    nfp, lock = into or (np.zeros(n_texts, dtype=np.int64), threading.Lock())
    if n == 0:
        return [], nfp
    fresh = np.empty(n, dtype=bool)  # first record of a (fingerprint, paragraph) pair
    fresh[:1] = True
    np.not_equal(key[1:], key[:-1], out=fresh[1:])
    for s in range(0, n, _BLOCK):
        low = key[s:s + _BLOCK][fresh[s:s + _BLOCK]] & LOW32
        with lock:
            np.add.at(nfp, low.view(np.int64), 1)
    # Only records of a fingerprint held more than once can pair, and they are a small part of
    # all records (most fingerprints are held once), so everything after this works on them:
    # a record is in such a run when its neighbour in sorted order has the same fingerprint.
    f = _high32(key)
    same = f[1:] == f[:-1]
    multi = np.zeros(n, dtype=bool)
    multi[1:] = same
    multi[:-1] |= same
    del same, f
    multi &= fresh
    sub = key[multi]  # one record per (fingerprint, paragraph), in runs by fingerprint
    del key, multi, fresh
    if len(sub) == 0:
        return [], nfp
    f = _high32(sub)
    run_start = np.flatnonzero(np.r_[True, f[1:] != f[:-1]])
    size = np.diff(np.r_[run_start, len(sub)])  # distinct paragraphs holding the fingerprint
    good = np.repeat((size >= 2) & (size <= max_df), size)
    p = (sub[good] & LOW32).astype(np.int64)
    f = f[good]
    del sub, good
    if len(p) == 0:
        return [], nfp
    run_start = np.flatnonzero(np.r_[True, f[1:] != f[:-1]])
    run_len = np.diff(np.r_[run_start, len(p)])
    first = np.repeat(run_start, run_len)
    rank = np.arange(len(p)) - first
    sel = np.flatnonzero(rank >= 1)
    keys = []
    for j in range(fanin):
        s = sel[rank[sel] > j]
        if not len(s):
            break
        keys.append(p[first[s] + j] * n_texts + p[s])
    return keys, nfp


def _high32(key: np.ndarray) -> np.ndarray:
    """The fingerprint halves of the records (a strided view on little-endian machines)."""
    if sys.byteorder == "little" and key.flags.c_contiguous:
        return key.view(np.uint32)[1::2]
    return (key >> np.uint64(32)).astype(np.uint32)


@dataclass(frozen=True)
class BucketJob:
    key: np.ndarray
    n_texts: int
    max_df: int
    fanin: int


def _bucket_pairs(job: BucketJob):
    """`candidate_pairs` of one bucket, its fingerprint counts as (paragraphs, counts) of the
    bucket's own paragraphs, not an array over every text."""
    # A copy: candidate_pairs sorts in place, and Ray hands numpy arguments over read-only.
    a, b, shared, nfp = candidate_pairs(np.array(job.key), job.n_texts, job.max_df, job.fanin)
    held = np.flatnonzero(nfp)
    return a, b, shared, held, nfp[held]


def candidate_pairs_shuffled(slices: list, n_texts: int, max_df: int, fanin: int,
                             mapper: Callable, batch: int | None = None):
    """`candidate_pairs` through a shuffle by fingerprint: the records come split into buckets
    by the fingerprint's top bits (`fingerprint_all(ranges=...)`), each bucket is paired on its
    own (by `mapper`, e.g. Ray tasks), and the per-bucket counts are summed per pair. Every
    holder of a fingerprint lands in the same bucket, so the result equals `candidate_pairs`.
    `slices`: arrays, or functions that load one; they are loaded and paired `batch` at a time
    (all at once by default), so this process holds a batch of slices, never all of them."""
    batch = batch or max(1, len(slices))
    nfp = np.zeros(n_texts, np.int64)
    a, b, shared = [], [], []
    for start in range(0, len(slices), batch):
        jobs = [BucketJob(s() if callable(s) else s, n_texts, max_df, fanin)
                for s in slices[start:start + batch]]
        for pa, pb, ps, held, counts in mapper(_bucket_pairs, jobs):
            nfp[held] += counts
            a.append(pa)
            b.append(pb)
            shared.append(ps)
        del jobs
    if not sum(map(len, a)):
        e = np.empty(0, np.int64)
        return e, e, e, nfp
    # A pair found in several buckets: its shared fingerprints summed.
    pk, inverse = np.unique(np.concatenate(a) * n_texts + np.concatenate(b), return_inverse=True)
    total = np.bincount(inverse.reshape(-1), weights=np.concatenate(shared),
                        minlength=len(pk)).astype(np.int64)
    return pk // n_texts, pk % n_texts, total, nfp
