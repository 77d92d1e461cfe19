"""The dedup stage's view of the corpus on the driver, held per document, not per paragraph.

`Index`: documents in store order, their kept paragraphs numbered q (per paragraph only its
position in its document). `Numbering`: the paragraphs left after exact duplicate documents, in
keeper order, numbered j, as per-document starts: q of a j, j of a job's q's and the rank of
j's document are computed when asked. `Numbering.first_copies`: the exact repeats among the
paragraphs' digests, one hash range at a time. So the driver's arrays of one entry per
paragraph are the few the decisions read whole (representatives, folded lengths, positions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dedup_patch import Decisions, Removals


# Paragraph digests per hash range when finding exact repeats (bounds that step's temporaries).
DIGEST_RANGE = 500_000


def first_copies(digests: np.ndarray) -> np.ndarray:
    """rep[j] = the first index whose digest equals digests[j] (itself for a first copy)."""
    order = np.lexsort((digests["lo"], digests["hi"]))  # stable: equal digests by index
    s = digests[order]
    new = np.ones(len(s), dtype=bool)
    new[1:] = (s["hi"][1:] != s["hi"][:-1]) | (s["lo"][1:] != s["lo"][:-1])
    del s
    first = order[np.flatnonzero(new)]
    rep = np.empty(len(order), dtype=np.int64)
    rep[order] = first[np.cumsum(new) - 1]
    return rep


@dataclass
class Index:
    """The driver's view of the corpus, without text: documents in store order (job by job),
    and their kept paragraphs likewise, numbered q. Per paragraph only its position in its
    document; which document holds q is searched in the per-document starts."""

    ids: list[str]
    n_kept: np.ndarray  # kept paragraphs per document
    kept_pos: np.ndarray  # position of paragraph q in its document
    q_start: np.ndarray  # first q of each document
    job_q0: np.ndarray  # first q of each job
    job_d0: np.ndarray  # first document of each job

    @classmethod
    def of(cls, prep: list) -> Index:
        n_kept = np.concatenate([p.n_kept for p in prep])
        return cls([x for p in prep for x in p.ids], n_kept,
                   np.concatenate([p.kept_pos for p in prep]), np.r_[0, np.cumsum(n_kept)],
                   np.r_[0, np.cumsum([p.n_paragraphs for p in prep])],
                   np.r_[0, np.cumsum([len(p.ids) for p in prep])])

    def doc_of(self, q: np.ndarray) -> np.ndarray:
        """The document of each paragraph q (documents without kept paragraphs share their
        start with the next one, which is the one holding q)."""
        return np.searchsorted(self.q_start, q, side="right") - 1

    def part_bounds(self, qs: np.ndarray, part_docs: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """For ascending q's: where each part's run of them starts in `qs` (one more than the
        parts), and each part's first q."""
        q0 = self.q_start[np.r_[0, np.cumsum(part_docs, dtype=np.int64)]]
        # The last part starting at or before q: parts that hold no kept paragraph share their
        # start with the next one, which is the one holding q.
        k = np.searchsorted(q0, qs, side="right") - 1
        return np.searchsorted(k, np.arange(len(part_docs) + 1)), q0

    def decisions(self, removed: Removals, cluster_q: np.ndarray, cluster: np.ndarray,
                  part_docs: list[int]) -> list[Decisions]:
        """The removals and cluster ids (each ascending in q) split by part (of `part_docs`
        documents each, in store order), keyed by part-local q."""
        cut, q0 = self.part_bounds(removed.q, part_docs)
        ccut, _ = self.part_bounds(cluster_q, part_docs)
        out = []
        for k in range(len(part_docs)):
            r = removed.take(slice(cut[k], cut[k + 1]))
            named, inverse = np.unique(np.r_[r.doc, r.also_doc[r.also_doc >= 0]], return_inverse=True)
            r.q = r.q - q0[k]
            r.doc = inverse[:len(r.doc)]
            r.also_doc = r.also_doc.copy()
            r.also_doc[r.also_doc >= 0] = inverse[len(r.doc):]
            out.append(Decisions(r, [self.ids[g] for g in named.tolist()],
                                 cluster_q[ccut[k]:ccut[k + 1]] - q0[k], cluster[ccut[k]:ccut[k + 1]]))
        return out


@dataclass
class Numbering:
    """The paragraphs left, in keeper order (numbered j), held per document, not per paragraph:
    the documents by rank (`order`) and the first j of each rank. `at(j)` = q, `rank(j)` = the
    rank of j's document (the decisions' groups), `perm(job)` = j of each of a job's
    paragraphs (-1 when its document is gone)."""

    index: Index
    order: np.ndarray  # document of each rank
    j_start: np.ndarray  # first j of each rank
    j_of_doc: np.ndarray  # first j of each document, -1 when gone or empty
    n: int

    @classmethod
    def of(cls, order: list[int], gone: np.ndarray, index: Index) -> Numbering:
        order_a = np.asarray(order, dtype=np.int64)
        counts = np.where(gone, 0, index.n_kept)[order_a]
        j_start = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
        j_of_doc = np.full(len(index.ids), -1, dtype=np.int64)
        j_of_doc[order_a] = np.where(counts > 0, j_start, -1)
        return cls(index, order_a, j_start, j_of_doc, int(counts.sum()))

    def rank(self, j: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.j_start, j, side="right") - 1

    def at(self, j: np.ndarray) -> np.ndarray:
        r = self.rank(j)
        return self.index.q_start[self.order[r]] + (j - self.j_start[r])

    def perm(self, k: int) -> np.ndarray:
        """j of each kept paragraph of job k, by job-local q (-1 when its document is gone)."""
        ix = self.index
        d0, d1 = int(ix.job_d0[k]), int(ix.job_d0[k + 1])
        counts = ix.n_kept[d0:d1]
        first = self.j_of_doc[d0:d1]
        local = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
            ix.q_start[d0:d1] - ix.q_start[d0], counts)
        return np.where(np.repeat(first, counts) >= 0, np.repeat(first, counts) + local, -1)

    def gather(self, per_job: list, dtype) -> np.ndarray:
        """One value per j from the jobs' per-paragraph arrays (in job-local q order), or
        functions that load them; each job's is dropped from `per_job` once read."""
        out = np.empty(self.n, dtype=dtype)
        for k in range(len(per_job)):
            j, values, per_job[k] = self.perm(k), per_job[k], None
            values = values() if callable(values) else values
            ok = j >= 0
            out[j[ok]] = values[ok]
        return out

    def first_copies(self, per_job: list, ranges: int) -> np.ndarray:
        """`first_copies` of the paragraphs' digests in keeper order, one hash range of the
        digests at a time (every copy of a text is in one range): never all digests at once.
        Empties `per_job` (the jobs' digests, in job-local q order, or functions that load
        them: one job's at a time, once per range)."""
        rep = np.empty(self.n, dtype=np.int64)
        for r in range(ranges):
            js, ds = [], []
            for k, d in enumerate(per_job):
                d = d() if callable(d) else d
                mine = np.flatnonzero((d["hi"] >> np.uint64(56)).astype(np.int64) * ranges >> 8 == r)
                j = self.perm(k)[mine]
                ok = j >= 0
                js.append(j[ok])
                ds.append(d[mine[ok]])
            j, d = np.concatenate(js), np.concatenate(ds)
            by_j = np.argsort(j, kind="stable")
            j = j[by_j]
            rep[j] = j[first_copies(d[by_j])]
        per_job.clear()
        return rep


class Ranks:
    """groups[j] of the decisions (the rank of j's document), looked up, not stored."""

    def __init__(self, numbering: Numbering) -> None:
        self.numbering = numbering

    def __len__(self) -> int:
        return self.numbering.n

    def __getitem__(self, j):
        return self.numbering.rank(np.asarray(j, dtype=np.int64))
