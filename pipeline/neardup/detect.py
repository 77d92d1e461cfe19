"""Near-duplicate paragraphs: is this paragraph's content already in kept text before it?

1. Fingerprints (`neardup_hash`): every paragraph is folded (case, punctuation, quote and dash
   style, thousands separators) and every byte window of `fingerprint_chars` is hashed once,
   vectorised; a content-defined 1/2^sample_bits of them are kept as fingerprints.
2. Exact repeats (same text) are collapsed to their first occurrence, so a line printed
   2,000 times is indexed once; later copies link to the first kept copy.
3. Candidates: paragraphs sharing fingerprints with an earlier one (each copy is paired with the
   first `fanin` earlier holders of a fingerprint; fingerprints held by more than `max_df`
   paragraphs are common language and ignored). A pair counts when it shares at least
   `candidate_min_shared` fingerprints and `candidate_min_share` of the smaller paragraph's, and
   a paragraph is verified when its best two candidates share `candidate_min_estimate` of its own.
4. Exact verification, in keeper order, only for those paragraphs (`neardup_verify`):
   containment of the paragraph's folded byte 5-grams in the union of at most `max_sources`
   kept candidates (trims and splits are covered by one, joins by two), then the fact checks:
   no covering sentence used only in part, every figure of the paragraph in the covering text,
   and at most `max_new_words` new content words (attribution change, a word added; typos are
   not new words). See docs/dedup.md for the measurements behind the defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .fingerprint import (LOW32, candidate_pairs, candidate_pairs_shuffled,
                          candidate_pairs_spilled, fingerprint_all)
from .config import NearDupConfig  # noqa: F401 - part of this module's API
from .decide import Plan, decide_removed
from .shingles import sorted_unique


# Slices of the fingerprint space paired one after another (two at a time with two workers).
_RANGES = 8


@dataclass
class NearDupResult:
    dup_of: np.ndarray  # int64: index of the kept paragraph that covers it, or -1 when kept
    similarity: np.ndarray  # float64: containment in the covering kept text, nan when kept
    cluster: np.ndarray  # int64: cluster root (a kept paragraph) of clusters with a duplicate
    # int64: the second kept paragraph covering a join (similarity is the containment in the
    # union of dup_of's and its shingle sets), -1 when one paragraph covers or when kept
    also: np.ndarray | None = None


@dataclass
class Removed:
    """`NearDupResult` held by its removed paragraphs only (`decide_duplicates(sparse=True)`):
    arrays of one entry per removed paragraph (ascending), per clustered paragraph."""

    removed: np.ndarray  # int64, ascending
    dup_of: np.ndarray  # int64: the kept paragraph covering each
    also: np.ndarray  # int64: the second for a join, else -1
    similarity: np.ndarray  # float64
    cluster_of: np.ndarray  # int64, ascending: the paragraphs of clusters with a duplicate
    cluster: np.ndarray  # int64: their cluster root

    @classmethod
    def of(cls, removed: np.ndarray, dup_of: np.ndarray, also: np.ndarray,
           similarity: np.ndarray) -> Removed:
        # A cluster: the removed paragraphs and the kept ones covering them, rooted at the
        # latter (a kept paragraph is never removed, so each has one root).
        cluster_of, first = np.unique(np.r_[removed, dup_of], return_index=True)
        return cls(removed, dup_of, also, similarity, cluster_of, np.r_[dup_of, dup_of][first])

    def dense(self, n: int) -> NearDupResult:
        dup_of, also, cluster = (np.full(n, -1, dtype=np.int64) for _ in range(3))
        sim = np.full(n, np.nan, dtype=np.float64)
        dup_of[self.removed], also[self.removed] = self.dup_of, self.also
        sim[self.removed] = self.similarity
        cluster[self.cluster_of] = self.cluster
        return NearDupResult(dup_of, sim, cluster, also)


def exact_repeats(texts: Sequence[str]) -> np.ndarray:
    """rep[i] = the first index with the same text as texts[i] (itself when it is the first).

    Grouped by Python's string hash (vectorised unique), then checked by string equality, so
    the result is exact whatever the hash seed; a group whose members are not all equal (a hash
    collision) is regrouped with a dict. Copies that differ only in folding are near copies.
    """
    n = len(texts)
    h = np.fromiter(map(hash, texts), dtype=np.int64, count=n)
    _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    rep = first[inverse.reshape(-1)]
    others = np.flatnonzero(rep != np.arange(n)).tolist()
    bad = {int(rep[i]) for i in others if texts[i] != texts[rep[i]]}
    if bad:
        groups: dict[int, dict[str, int]] = {}
        for i in range(n):
            r = int(rep[i])
            if r in bad:
                rep[i] = groups.setdefault(r, {}).setdefault(texts[i], i)
    return rep


def find_duplicates(texts: Sequence[str], groups: np.ndarray, cfg: NearDupConfig,
                    within_group: bool = True, workers: int = 1,
                    mapper: Callable | None = None) -> NearDupResult:
    """Mark the paragraphs whose content kept paragraphs before them already cover.

    texts are in keeper order (texts[i] has priority over texts[j] when i < j); groups[i] is the
    document of texts[i]. within_group=False: never match paragraphs of the same document. The
    result is a pure function of (texts, groups, cfg, within_group); `workers` only overlaps the
    fingerprinting chunks and the candidate pairing (by fingerprint range) in threads, and
    decides independent components in forked workers.
    """
    n = len(texts)
    groups = np.asarray(groups, dtype=np.int64)
    if len(groups) != n:
        raise ValueError("groups must have one entry per text")
    if n == 0:
        empty = np.empty(0, dtype=np.int64)
        return NearDupResult(empty, np.empty(0, dtype=np.float64), empty, empty)

    # The records come in slices of the fingerprint space. Locally they are paired one by one
    # (the pairing's temporaries are a slice's, not all records'); with a mapper (a distributed
    # executor), fingerprinting runs as tasks over chunks and the slices are the buckets of a
    # shuffle by fingerprint, paired by its tasks. The result is the same either way.
    slices = _RANGES if mapper is None else max(2, 2 * workers)
    if workers > 1 and mapper is None:
        # The exact repeats (string hashes, under the GIL) in a thread of their own while the
        # fingerprinting threads are in numpy: the same array, off the serial path.
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(1) as pool:
            repeats = pool.submit(exact_repeats, texts)
            lengths, keys = fingerprint_all(texts, cfg.fingerprint_chars, cfg.sample_bits,
                                            workers, mapper, ranges=slices)
            rep = repeats.result()
    else:
        lengths, keys = fingerprint_all(texts, cfg.fingerprint_chars, cfg.sample_bits, workers,
                                        mapper, ranges=slices)
        rep = exact_repeats(texts)
    return decide_duplicates(lengths, rep, keys, groups, cfg, lambda nodes: texts, within_group,
                             workers, mapper)


# Paragraphs per slice of the fingerprint space when the slice count follows the corpus.
_SLICE_PARAGRAPHS = 60_000


def slice_count(workers: int, distributed: bool, n_paragraphs: int = 0) -> int:
    """Slices of the fingerprint space the records are split into (see `find_duplicates`):
    at least one per `_SLICE_PARAGRAPHS` paragraphs, so a slice's size is bounded."""
    least = -(-n_paragraphs // _SLICE_PARAGRAPHS)
    return max(least, max(2, 2 * workers) if distributed else _RANGES)


class Texts:
    """The texts of some paragraphs, by global index: all the decisions read (`Plan`)."""

    def __init__(self, n: int, nodes: np.ndarray, texts: Sequence[str]) -> None:
        self.n, self.texts = n, dict(zip(nodes.tolist(), texts))

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> str:
        return self.texts[i]


def decide_duplicates(lengths: np.ndarray, rep: np.ndarray, keys: list, groups: np.ndarray,
                      cfg: NearDupConfig, fetch: Callable[[np.ndarray], Sequence[str]],
                      within_group: bool = True, workers: int = 1,
                      mapper: Callable | None = None, spill: Path | None = None,
                      decide_map: Callable | None = None, buckets: int = 8,
                      fetch_parts: Callable[[list[np.ndarray]], list] | None = None,
                      sparse: bool = False) -> NearDupResult | Removed:
    """`find_duplicates` from the paragraphs' folded lengths, exact-repeat representatives and
    fingerprint slices (arrays, or functions that load one: each is freed once paired).
    fetch(nodes) gives the texts of the paragraphs the decisions read (sorted global indices),
    as a sequence indexed by global index: only those are in memory. With `spill` (a folder),
    the candidate pairs go to disk and are filtered in `buckets` buckets of later paragraphs.
    `decide_map` (an ordered map, e.g. a process pool) runs the decisions' jobs, each shipped
    with its texts; without it (and without `mapper`) forked workers inherit them. With
    `fetch_parts` too, the jobs are shipped without texts: fetch_parts(parts) gives one loader
    per part that its job calls for its texts (in the order of its paragraphs), so the texts
    never come to this process. `sparse`: the result as its `Removed` paragraphs only."""
    n = len(lengths)
    if n == 0:
        empty = np.empty(0, dtype=np.int64)
        none = Removed.of(empty, empty, empty, np.empty(0, dtype=np.float64))
        return none if sparse else none.dense(0)
    long_enough = lengths >= cfg.min_chars
    is_rep = rep == np.arange(n)
    # Only first occurrences long enough to be removed are indexed.
    indexed = is_rep & long_enough

    def only_indexed(k):
        k = k() if callable(k) else k
        return k[indexed[(k & LOW32).view(np.int64)]]

    # In place: the caller's list is this one, so each slice is freed once paired (a new list
    # would leave the caller holding every slice until the decisions are done).
    keys[:] = [(lambda k=k: only_indexed(k)) for k in keys]
    if spill is not None and mapper is None:
        buckets, nfp = candidate_pairs_spilled(keys, n, cfg.max_df, cfg.fanin, workers, spill,
                                               buckets)
    else:
        if mapper is None:
            a, b, shared, nfp = candidate_pairs(keys, n, cfg.max_df, cfg.fanin, workers)
        else:
            # The slices loaded a few at a time: never all of them in this process.
            a, b, shared, nfp = candidate_pairs_shuffled(keys, n, cfg.max_df, cfg.fanin, mapper,
                                                         batch=max(2, 2 * workers))
        pairs = [a, b, shared]
        del a, b, shared
        buckets = [lambda: pairs]
    del keys
    found = [_verifiable(load(), nfp, n, cfg) for load in buckets]
    a = np.concatenate([f[0] for f in found])
    b = np.concatenate([f[1] for f in found])
    del found, buckets, nfp  # n_texts integers, not read again

    # Decisions in keeper order, by connected component of the candidate and exact-repeat
    # links (`neardup_decide`): forked workers or Ray tasks decide independent parts.
    multi = np.flatnonzero(~is_rep & long_enough)
    # (np.unique of plain integers hashes, then sorts, and imports numpy.ma: a sort is less.)
    events = sorted_unique(np.concatenate([b, multi]))
    events = events[long_enough[events]]
    # The texts are fetched once the jobs' paragraphs are known; until then only their number.
    plan = Plan(Texts(n, np.empty(0, np.int64), []), groups, rep, a, b, events,
                sorted_unique(rep[multi]), cfg, within_group,
                lengths if mapper is None and decide_map is None and workers > 1 else None)
    decide_map = mapper or decide_map
    parts = plan.node_sets(workers, decide_map)
    loaders = None
    if parts and decide_map is not None and fetch_parts is not None:
        loaders = fetch_parts(parts)
    elif parts:
        nodes = sorted_unique(np.concatenate(parts))
        plan.texts = fetch(nodes)
    removed = Removed.of(*decide_removed(plan, workers, decide_map, parts, loaders))
    return removed if sparse else removed.dense(n)


def _verifiable(pairs: list[np.ndarray], nfp: np.ndarray, n: int,
                cfg: NearDupConfig) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs worth verifying, sorted by later paragraph, most shared first then
    earliest. `pairs` is [a, b, shared], emptied here so that the arrays are freed as they are
    filtered; all pairs of a later paragraph must be in them (a bucket of them)."""
    shared, b, a = pairs.pop(), pairs.pop(), pairs.pop()
    # The share is of the smaller paragraph's fingerprints: a split half is wholly inside its
    # original, and each original is wholly inside the paragraph that joins two.
    ok = (shared >= cfg.candidate_min_shared) & (
        shared >= cfg.candidate_min_share * np.maximum(np.minimum(nfp[a], nfp[b]), 1))
    a, b, shared = a[ok], b[ok], shared[ok]
    # Candidates of each later paragraph, most shared first then earliest: CSR by b.
    order = np.lexsort((a, -shared, b))
    a, b, shared = a[order], b[order], shared[order]
    # Estimated containment of b: fingerprints shared with its best two candidates (a join has
    # two sources) over its own. Only paragraphs that reach `candidate_min_estimate` are
    # verified: the exact pass is the costly one.
    if not len(b):
        return a, b
    first_of_b = np.r_[True, b[1:] != b[:-1]]
    top = first_of_b | (np.r_[False, first_of_b[:-1]] & ~first_of_b)
    # Over the bucket's range of b only (b is sorted), not an array of every paragraph.
    lo, hi = int(b[0]), int(b[-1]) + 1
    top2 = np.bincount(b[top] - lo, weights=shared[top], minlength=hi - lo)
    hopeful = top2 >= cfg.candidate_min_estimate * np.maximum(nfp[lo:hi], 1)
    keep = hopeful[b - lo]
    return a[keep], b[keep]
