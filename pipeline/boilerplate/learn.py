"""What each source repeats, learned over a whole run from 128-bit digests (no text kept).

Two counts, both over distinct (document, line) pairs, so the result depends only on the set of
documents, not on their order or on the worker count:
- per source: a line one source prints in at least max(min_docs, min_share of its documents);
- across sources: a line printed identically by at least `cross_min_sources` sources, in at least
  `min_docs` documents in all ("Want FOX News First in your inbox?" printed under two outlet
  names). The clean stage removes such a line only where it stands at a document's edges (see
  `classify.classify_lines`): between prose paragraphs the same line is structure (a section head
  a source repeats, a state name as a subheading of results), and stays.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import xxhash

from ..core.digest import DIGEST128, as_digests

CROSS = ""  # the digests of lines printed across sources are keyed by the empty source
ACROSS = "(across sources)"  # ... and reported under this name


_MAX_LENGTH = 0xFFFF


def digest(line: str) -> bytes:
    """A line's 128-bit name: 112 bits of its xxh3_128, then its length in characters (two bytes,
    capped). Whoever holds the learned lines' digests knows their lengths (`lengths`): a line of
    another length is not among them, and is not hashed (`Learned`)."""
    return _hash(line)[:14] + min(len(line), _MAX_LENGTH).to_bytes(2, "little")


def _hash(line: str) -> bytes:
    return xxhash.xxh3_128_digest(line.encode("utf-8", "surrogatepass"))


def digests_of(lines: list[str]) -> np.ndarray:
    """`digest` of each line as one `DIGEST128` array: the lengths set in numpy, not per line
    (where they cost twice the hash)."""
    h = xxhash.xxh3_128_digest
    d = as_digests([h(k.encode("utf-8", "surrogatepass")) for k in lines]).copy()
    n = np.minimum(np.fromiter(map(len, lines), np.uint64, len(lines)), np.uint64(_MAX_LENGTH))
    d["lo"] = (d["lo"] & np.uint64((1 << 48) - 1)) | (n << np.uint64(48))  # bytes 14-15
    return d


def lengths(learned: dict[str, dict[bytes, int]], source: str) -> frozenset[int]:
    """The lengths (as `digest` caps them) of the lines learned for `source` or across sources."""
    own = learned.get(source, {}) if source else {}
    return frozenset(int.from_bytes(d[14:], "little") for d in (*own, *learned.get(CROSS, {})))


Found = tuple[Counter[str], dict[str, np.ndarray]]


def learn_texts(docs: Iterable[tuple[str | None, list[str]]],
                key: Callable[[str], str | None]) -> Found:
    """Per source: its documents, and one digest per (document, distinct line key). The same
    digests serve the count per source and the count across sources."""
    n_docs: Counter[str] = Counter()
    keys: dict[str, list[str]] = defaultdict(list)  # hashed in batches: the text is not kept
    digests: dict[str, list[np.ndarray]] = defaultdict(list)
    for source, texts in docs:
        if not source:
            continue
        n_docs[source] += 1
        mine = keys[source]
        mine.extend({k for k in map(key, texts) if k})
        if len(mine) >= _BATCH:
            digests[source].append(digests_of(mine))
            mine.clear()
    for source, mine in keys.items():
        digests[source].append(digests_of(mine))
    return n_docs, {s: np.concatenate(d) for s, d in digests.items()}


_BATCH = 4096


def unique_counts(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`np.unique(d, return_inverse=True, return_counts=True)` of `DIGEST128` digests, the same
    arrays in the same order: a lexsort of the two words, not numpy's sort of a structured dtype
    (~3x slower on part-00's 450k (document, line) pairs)."""
    order = np.lexsort((d["lo"], d["hi"]))
    s = d[order]
    new = np.ones(len(s), dtype=bool)
    new[1:] = (s["hi"][1:] != s["hi"][:-1]) | (s["lo"][1:] != s["lo"][:-1])
    starts = np.flatnonzero(new)
    inverse = np.empty(len(s), dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return s[starts], inverse, np.diff(np.append(starts, len(s)))


def _hits(unique: np.ndarray, counts: np.ndarray, need: float) -> dict[bytes, int]:
    hit = counts >= need
    return dict(zip(map(bytes, unique[hit].view("V16")), counts[hit].tolist())) if hit.any() else {}


def count(found: Iterable[Found], min_docs: int, min_share: float,
          cross_min_sources: int) -> tuple[Counter[str], dict[str, dict[bytes, int]]]:
    """Documents per source, and {source: {digest: n_docs}} of the learned lines; the lines
    learned across sources under the key `CROSS` (cross_min_sources 0 = none)."""
    n_docs: Counter[str] = Counter()
    digests: dict[str, list[np.ndarray]] = defaultdict(list)
    for job_docs, job_digests in found:
        n_docs.update(job_docs)
        for source, d in job_digests.items():
            digests[source].append(d)
    return n_docs, count_digests(digests, n_docs, min_docs, min_share, cross_min_sources)


def count_digests(digests: dict[str, list[np.ndarray]], n_docs: Counter[str], min_docs: int,
                  min_share: float, cross_min_sources: int) -> dict[str, dict[bytes, int]]:
    """The body of `count` over some digests per source (emptied here), all of them or all of
    one hash range (`count_range`): a line's count depends only on the digests equal to its."""
    learned: dict[str, dict[bytes, int]] = {}
    uniques, all_counts = [], []
    for source in sorted(digests):
        unique, _, counts = unique_counts(np.concatenate(digests.pop(source)))
        hits = _hits(unique, counts, max(min_docs, min_share * n_docs[source]))
        if hits:
            learned[source] = hits
        uniques.append(unique)
        all_counts.append(counts)
    if cross_min_sources > 0 and uniques:
        lines, inverse, n_sources = unique_counts(np.concatenate(uniques))
        docs = np.bincount(inverse, weights=np.concatenate(all_counts)).astype(np.int64)
        wide = (n_sources >= cross_min_sources) & (docs >= min_docs)
        hits = _hits(lines[wide], docs[wide], 0)
        if hits:
            learned[CROSS] = hits
    return learned


# Out of core (the run's path): each job writes its digests by hash range of the digest (its
# top byte), tagged with the job's number of their source; a task per range counts them. Every
# copy of a line lands in one range, so the ranges' learned lines together are `count`'s, and
# no process holds more than one range of digests.
RECORD = np.dtype([("hi", "<u8"), ("lo", "<u8"), ("source", "<u4")])


def spill(found: Found, ranges: int, dest: str) -> tuple[Counter[str], list[str], list[str]]:
    """Write one job's digests by range to `dest`.<range>.bin; returns its documents per
    source, its sources (the numbering of the records) and the files, by range."""
    n_docs, digests = found
    sources = sorted(digests)
    records = np.empty(sum(len(digests[s]) for s in sources), RECORD)
    start = 0
    for k, source in enumerate(sources):
        d = digests.pop(source)
        end = start + len(d)
        records["hi"][start:end], records["lo"][start:end] = d["hi"], d["lo"]
        records["source"][start:end] = k
        start = end
    bucket = (records["hi"] >> np.uint64(56)).astype(np.int64) * ranges >> 8
    order = np.argsort(bucket, kind="stable")
    cuts = np.searchsorted(bucket[order], np.arange(ranges + 1))
    records = records[order]
    Path(dest).parent.mkdir(parents=True, exist_ok=True)
    paths = [f"{dest}.{r}.bin" for r in range(ranges)]
    for r, path in enumerate(paths):
        records[cuts[r]:cuts[r + 1]].tofile(path)
    return n_docs, sources, paths


def count_range(files: list[tuple[str, list[str]]], n_docs: Counter[str], min_docs: int,
                min_share: float, cross_min_sources: int) -> dict[str, dict[bytes, int]]:
    """`count_digests` over one range: its file of every job, each with the job's sources."""
    digests: dict[str, list[np.ndarray]] = defaultdict(list)
    for path, sources in files:
        records = np.fromfile(path, RECORD)
        for k in np.unique(records["source"]).tolist():
            mine = records[records["source"] == k]
            d = np.empty(len(mine), DIGEST128)
            d["hi"], d["lo"] = mine["hi"], mine["lo"]
            digests[sources[k]].append(d)
    return count_digests(digests, n_docs, min_docs, min_share, cross_min_sources)


def merge(parts: list[dict[str, dict[bytes, int]]]) -> dict[str, dict[bytes, int]]:
    """The ranges' learned lines (in range order) as one `count` result: sources in sorted
    order, `CROSS` last, each source's digests ascending (the ranges split them in order)."""
    learned: dict[str, dict[bytes, int]] = {}
    for source in [*sorted({s for p in parts for s in p} - {CROSS}), CROSS]:
        lines: dict[bytes, int] = {}
        for p in parts:
            lines.update(p.get(source, {}))
        if lines:
            learned[source] = lines
    return learned


class Learned:
    """The learned lines of one source (its own and those learned across sources), as
    `classify_lines` asks: is this line among them. Records each line met for the report."""

    def __init__(self, source: str, learned: dict[str, dict[bytes, int]],
                 seen: dict[tuple[str, str], int], eligible: Callable[[str], bool],
                 lengths_: frozenset[int] | None = None):
        self.source, self.own, self.cross = source, learned.get(source, {}) if source else {}, \
            learned.get(CROSS, {})
        self.seen, self.eligible = seen, eligible
        # The learned lines' lengths (`lengths`; the caller may keep them per source).
        self.lengths = lengths(learned, source) if lengths_ is None else lengths_
        self._known: dict[str, bool] = {}  # lines asked before (classify, then the report)

    def __bool__(self) -> bool:
        return bool(self.own) or bool(self.cross)

    def __contains__(self, line: str) -> bool:
        known = self._known.get(line)
        if known is None:
            known = self._known[line] = self._lookup(line)
        return known

    def _lookup(self, line: str) -> bool:
        if min(len(line), _MAX_LENGTH) not in self.lengths:
            return False  # most lines: no learned line is as long
        d = digest(line)
        n = self.own.get(d) if self.own else None
        where = self.source
        if n is None and self.cross:
            n, where = self.cross.get(d), ACROSS
        if n is None or not self.eligible(line):
            return False
        self.seen[(where, line)] = n  # the line itself, for the report
        return True
