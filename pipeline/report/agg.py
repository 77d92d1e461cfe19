"""The report's aggregates: pure folds of Arrow batches into counts, histograms, cluster sizes
and example candidates (`report_data` streams the output folder into them).

What they hold grows with the number of sources, languages, reasons and duplicate clusters (two
int64 arrays: 16 bytes a cluster), never with the number of paragraphs or their text. Every
aggregate is independent of the order of the rows, and ties are broken explicitly.
"""
from __future__ import annotations

import hashlib
import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .svg import bin_counts, linear_edges, nice_log_edges

NO_SOURCE = "(no source)"
BATCH_ROWS = 4096
N_PAIRS = 20           # duplicate pairs shown (3x as many candidates are looked at)
TOP_CLUSTERS = 10      # largest clusters listed with their kept paragraph
FIRST_QUARANTINED = 10
SIMILARITY_EDGES = linear_edges(0.5, 1.0, 0.05)
SCORE_EDGES = linear_edges(0.0, 1.0, 0.1)
DOC_LENGTHS = ("n_words", "n_chars", "n_paragraphs")
DOC_TYPES = {"source": pa.string(), "language": pa.string(), "language_score": pa.float64(),
             **{c: pa.int64() for c in DOC_LENGTHS}}
LEDGER_TYPES = {"doc_id": pa.string(), "index": pa.int32(), "source": pa.string(),
                "status": pa.string(), "reason": pa.string(),
                "duplicate_of_doc_id": pa.string(), "duplicate_of_index": pa.int32(),
                "similarity": pa.float64(), "cluster_id": pa.int64(), "text": pa.string()}
EXAMPLE_COLUMNS = ("doc_id", "index", "source", "status", "cluster_id", "text")


def stable_rank(*parts: object) -> str:
    """A deterministic pseudo-random sort key for sampling (same parts, same key)."""
    key = "\x1f".join(str(p) for p in parts).encode("utf-8", "replace")
    return hashlib.blake2b(key, digest_size=8).hexdigest()


def _floats(arr: pa.Array) -> np.ndarray:
    """Numbers as float64, nulls as NaN."""
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=float)


def _add(a: list[int], b: list[int]) -> list[int]:
    return [x + y for x, y in zip_longest(a, b, fillvalue=0)]


def _count_groups(counts: Counter, columns: list[pa.Array]) -> None:
    """counts[(value in each column, ...)] += rows with those values (null is a value too)."""
    if not len(columns[0]):
        return
    encoded = [pc.dictionary_encode(c, null_encoding="encode") for c in columns]
    dims = [len(e.dictionary) for e in encoded]
    codes = np.ravel_multi_index([e.indices.to_numpy() for e in encoded], dims)
    found, n = np.unique(codes, return_counts=True)
    values = [e.dictionary.to_pylist() for e in encoded]
    for idx, k in zip(zip(*np.unravel_index(found, dims)), n.tolist()):
        counts[tuple(v[i] for v, i in zip(values, idx))] += k


def _hits(mask: pa.Array, cols: dict[str, pa.Array]) -> Iterator[tuple[int, dict]]:
    """(position, {column: value}) of the rows where `mask` is true."""
    where = np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))
    if len(where):
        yield from zip(where.tolist(), pa.table(cols).take(where).to_pylist())


class LogHistogram:
    """Counts per series in the bins of `nice_log_edges(max of every value added)`.

    The edges of a smaller maximum are a prefix of those of a larger one, so counts taken with
    the running maximum's edges stay right as it grows, and no value is ever kept.
    """

    def __init__(self) -> None:
        self.max: float | None = None
        self.n = 0
        self._counts: dict[str, list[int]] = {}

    def add(self, values: np.ndarray, series: str) -> None:
        values = values[~np.isnan(values)]
        if not len(values):
            return
        self.n += len(values)
        top = float(values.max())
        self.max = top if self.max is None else max(self.max, top)
        self._counts[series] = _add(self._counts.get(series, []),
                                    bin_counts(values, self.edges()))

    def edges(self) -> list[int]:
        return nice_log_edges(0 if self.max is None else self.max)

    def counts(self, series: str) -> list[int]:
        nbins = len(self.edges()) - 1
        return _add(self._counts.get(series, []), [0] * nbins)


class ClusterSizes:
    """Paragraphs per duplicate cluster as two int64 arrays (`ids` ascending, `sizes`).

    Batches' counts wait in a list and are merged once they outnumber the clusters already
    merged, so merging costs O(n log n) over the whole ledger. Call `finish()` before reading.
    """
    MIN_MERGE = 1 << 16

    def __init__(self) -> None:
        self.ids = np.empty(0, dtype=np.int64)
        self.sizes = np.empty(0, dtype=np.int64)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._n_pending = 0

    def add(self, ids: np.ndarray) -> None:
        if len(ids):
            self._pending.append(np.unique(ids, return_counts=True))
            self._n_pending += len(self._pending[-1][0])
            if self._n_pending > max(len(self.ids), self.MIN_MERGE):
                self.finish()

    def finish(self) -> ClusterSizes:
        if self._pending:
            ids = np.concatenate([self.ids] + [u for u, _ in self._pending])
            counts = np.concatenate([self.sizes] + [c for _, c in self._pending])
            self.ids, inverse = np.unique(ids, return_inverse=True)
            self.sizes = np.zeros(len(self.ids), dtype=np.int64)
            np.add.at(self.sizes, inverse, counts)
            self._pending, self._n_pending = [], 0
        return self

    def top(self, n: int) -> list[tuple[int, int]]:
        """The `n` largest clusters as (id, size); equal sizes by ascending id."""
        order = np.argsort(-self.sizes, kind="stable")[:n]
        return [(int(self.ids[i]), int(self.sizes[i])) for i in order]


class DocSummary:
    """The documents table folded batch by batch."""

    def __init__(self) -> None:
        self.rows = 0
        self.groups: Counter = Counter()   # (source, language or None) -> documents
        self.score = [0] * (len(SCORE_EDGES) - 1)
        self.lengths = {c: LogHistogram() for c in DOC_LENGTHS}

    def add(self, batch: pa.RecordBatch) -> None:
        self.rows += batch.num_rows
        _count_groups(self.groups, [pc.fill_null(batch["source"], NO_SOURCE), batch["language"]])
        self.score = _add(self.score, bin_counts(_floats(batch["language_score"]), SCORE_EDGES))
        for c in DOC_LENGTHS:
            self.lengths[c].add(_floats(batch[c]), "documents")


class LedgerSummary:
    """The ledger (paragraphs table) folded batch by batch; `offset` is the batch's first row.

    `has_text`: whether any file of the ledger has a text column (without one, no paragraph has
    a length; with one, a file lacking it gives its paragraphs length 0).
    """

    def __init__(self, has_text: bool, n_candidates: int = 3 * N_PAIRS) -> None:
        self.has_text = has_text
        self.rows = 0
        self.groups: Counter = Counter()   # (source, status, reason) -> paragraphs
        self.similarity = [0] * (len(SIMILARITY_EDGES) - 1)   # of status "duplicate"
        self.lengths = LogHistogram()      # paragraph characters, a series per status
        self.clusters = ClusterSizes()
        self.n_dup = 0                     # duplicates that name their kept copy
        self.candidates: list[tuple[tuple, dict]] = []   # the first n_candidates by their key
        self.n_candidates = n_candidates

    def add(self, batch: pa.RecordBatch, offset: int) -> None:
        self.rows += batch.num_rows
        source = pc.fill_null(batch["source"], NO_SOURCE)
        status = pc.fill_null(batch["status"], "kept")
        reason = pc.fill_null(batch["reason"], "")
        _count_groups(self.groups, [source, status, reason])
        dup = pc.equal(status, "duplicate")
        self.similarity = _add(self.similarity, bin_counts(
            _floats(batch["similarity"].filter(dup)), SIMILARITY_EDGES))
        if self.has_text:
            chars = pc.fill_null(pc.utf8_length(batch["text"]), 0)
            for s in pc.unique(status).to_pylist():
                self.lengths.add(_floats(chars.filter(pc.equal(status, s))), s)
        self.clusters.add(batch["cluster_id"].drop_null().to_numpy())
        self._add_candidates(batch, offset, source, reason,
                             pc.and_(dup, pc.is_valid(batch["duplicate_of_doc_id"])))

    def _add_candidates(self, batch, offset, source, reason, mask) -> None:
        """Keep the duplicates first in the order: differing copies before whole-document
        (identical) ones, then a hash of (doc_id, index), then ledger order."""
        new = []
        for i, r in _hits(mask, {"doc_id": batch["doc_id"], "index": batch["index"],
                                 "source": source, "reason": reason,
                                 "of_doc": batch["duplicate_of_doc_id"],
                                 "of_index": batch["duplicate_of_index"],
                                 "similarity": batch["similarity"]}):
            r["row"] = offset + i
            key = (r["reason"] == "exact_document", stable_rank(r["doc_id"], r["index"]), r["row"])
            new.append((key, r))
        self.n_dup += len(new)
        self.candidates = heapq.nsmallest(self.n_candidates, self.candidates + new,
                                          key=lambda c: c[0])

    def finish(self) -> LedgerSummary:
        self.clusters.finish()
        return self


class Examples:
    """Second pass over the ledger: the texts and rows the page shows.

    `rows`: ledger rows whose text is wanted; `refs`: (doc_id, index) of kept copies (the last
    row with that key wins); `clusters`: cluster ids whose sources are counted and whose first
    kept paragraph by (doc_id, index) is kept.
    """

    def __init__(self, rows: set[int], refs: set[tuple[str, int]], clusters: list[int]) -> None:
        self.rows, self.refs, self.cluster_ids = sorted(rows), refs, clusters
        self._ref_docs = pa.array(sorted({d for d, _ in refs}), pa.string())
        self._clusters = pa.array(clusters, pa.int64())
        self.texts: dict[int, str] = {}
        self.kept: dict[tuple[str, int], dict] = {}
        self.sources: dict[int, set[str]] = defaultdict(set)
        self.first_kept: dict[int, tuple[tuple, str]] = {}

    def add(self, batch: pa.RecordBatch, offset: int) -> None:
        text = batch["text"]
        for r in self.rows:
            if offset <= r < offset + batch.num_rows:
                self.texts[r] = text[r - offset].as_py() or ""
        source = pc.fill_null(batch["source"], NO_SOURCE)
        status = pc.fill_null(batch["status"], "kept")
        cols = {"doc_id": batch["doc_id"], "index": batch["index"], "source": source}
        if self.refs:
            hit = pc.is_in(batch["doc_id"], value_set=self._ref_docs)
            for i, r in _hits(hit, cols):
                if (r["doc_id"], r["index"]) in self.refs:
                    self.kept[(r["doc_id"], r["index"])] = {**r, "text": text[i].as_py() or ""}
        if self.cluster_ids:
            hit = pc.is_in(batch["cluster_id"], value_set=self._clusters)
            for i, r in _hits(hit, {**cols, "status": status,
                                         "cluster_id": batch["cluster_id"]}):
                cid = r["cluster_id"]
                self.sources[cid].add(r["source"])
                key = (r["doc_id"] is None, r["doc_id"] or "", r["index"] is None, r["index"] or 0)
                if r["status"] == "kept" and (cid not in self.first_kept
                                              or key < self.first_kept[cid][0]):
                    self.first_kept[cid] = (key, text[i].as_py() or "")


def duplicate_pairs(candidates: list[tuple[tuple, dict]], ex: Examples, n: int) -> list[dict]:
    """Up to `n` (kept copy, removed copy) pairs, in the candidates' order; pairs whose texts
    differ first (whole-document copies are identical, shown only when nothing else is left)."""
    pairs: list[dict] = []
    identical: list[dict] = []
    for _, r in candidates:
        k = ex.kept.get((r["of_doc"], r["of_index"])) if r["of_index"] is not None else None
        if k is None:
            continue
        pair = {
            "kept_doc": k["doc_id"], "kept_index": int(k["index"]), "kept_source": k["source"],
            "kept_text": k["text"],
            "dup_doc": r["doc_id"], "dup_index": int(r["index"]), "dup_source": r["source"],
            "dup_text": ex.texts.get(r["row"], ""), "reason": r["reason"],
            "similarity": r["similarity"],
        }
        (identical if pair["kept_text"] == pair["dup_text"] else pairs).append(pair)
    return (pairs + identical)[:n]


@dataclass
class QuarantineSummary:
    n: int = 0
    reasons: Counter = field(default_factory=Counter)   # reason before its first ":" -> inputs
    first: list[dict] = field(default_factory=list)     # first records by (path, line, reason)

    def add(self, records: list[dict]) -> None:
        self.n += len(records)
        self.reasons.update(r["reason"].split(":")[0] for r in records)
        self.first = heapq.nsmallest(FIRST_QUARANTINED, self.first + records,
                                     key=lambda r: (r["path"], str(r["line"]), r["reason"]))


@dataclass
class ReportData:
    stats: dict
    docs: DocSummary
    ledger: LedgerSummary
    pairs: list[dict]                      # duplicate_pairs()
    top_clusters: list[tuple[int, int, str]]   # (size, sources, kept paragraph's text)
    learned: list[dict] | None             # None: no boilerplate_learned.csv
    quarantine: QuarantineSummary = field(default_factory=QuarantineSummary)
    run_key: str | None = None
    signals: object = None                 # signals.SignalHistograms
