"""The dedup stage's outcome for one part, as the patch applied where the part is next read.

Removals are arrays (a few dozen bytes per removed paragraph), not one tuple, list and dict
each: on a corpus with many reprints the driver holds hundreds of thousands of them between
the dedup stage and the annotate stage. The ledger's values (reason, kept copy, `covered_by`,
rounded similarity) are made from them in the worker that applies the patch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xxhash

from ..core.model import DUPLICATE, KEPT, Document

REASONS = ("exact_document", "near_duplicate", "repeated_in_document")


def _ref(doc_id: str, index: int) -> dict:
    """One entry of the ledger's `covered_by`."""
    return {"doc_id": doc_id, "index": index}


def cluster_id(doc_id: str, index: int) -> int:
    """A stable id for the cluster rooted at a kept paragraph (signed 64-bit for Arrow)."""
    return xxhash.xxh64_intdigest(f"{doc_id}\x00{index}".encode()) - (1 << 63)


REASONS = ("exact_document", "near_duplicate", "repeated_in_document")


@dataclass
class Removals:
    """Removed paragraphs as arrays (a few dozen bytes each, not a tuple, a list and a dict),
    by kept-paragraph number q: the reason (index into REASONS), the kept copy (document
    index, position), the second covering paragraph of a join (document -1 when none) and the
    similarity (unrounded)."""

    q: np.ndarray
    reason: np.ndarray
    doc: np.ndarray
    pos: np.ndarray
    also_doc: np.ndarray
    also_pos: np.ndarray
    sim: np.ndarray

    FIELDS = ("q", "reason", "doc", "pos", "also_doc", "also_pos", "sim")

    @classmethod
    def empty(cls) -> Removals:
        return cls(*(np.empty(0, np.float64 if f == "sim" else np.int64) for f in cls.FIELDS))

    @classmethod
    def concat(cls, parts: list[Removals]) -> Removals:
        return cls(*(np.concatenate([getattr(r, f) for r in parts]) for f in cls.FIELDS))

    def take(self, sel) -> Removals:
        return Removals(*(getattr(self, f)[sel] for f in self.FIELDS))


@dataclass
class Decisions:
    """One part's dedup outcome, by part-local kept-paragraph number: the removals (reason,
    kept copy's document and position, similarity; documents as indices into `ids`, the ids
    this part's removals name) and the cluster ids (`cluster_q` ascending, `cluster`). The
    pending patch of a deduplicated part, applied where the part is next read (annotate)."""

    removed: Removals
    ids: list[str]
    cluster_q: np.ndarray
    cluster: np.ndarray

    def apply(self, docs: list[Document]) -> list[Document]:
        r = self.removed
        hits = {q: k for k, q in enumerate(r.q.tolist())}
        clusters = dict(zip(self.cluster_q.tolist(), self.cluster.tolist()))
        q = 0
        for doc in docs:
            for p in doc.paragraphs:
                if p.status != KEPT:
                    continue
                k = hits.get(q)
                cid = clusters.get(q)
                if k is not None:
                    kid, kk = self.ids[int(r.doc[k])], int(r.pos[k])
                    covers = [_ref(kid, kk)]
                    if r.also_doc[k] >= 0:
                        covers.append(_ref(self.ids[int(r.also_doc[k])], int(r.also_pos[k])))
                    (p.status, p.reason, p.duplicate_of_doc_id, p.duplicate_of_index,
                     p.similarity, p.covered_by) = (DUPLICATE, REASONS[int(r.reason[k])], kid, kk,
                                                    round(float(r.sim[k]), 6), covers)
                if cid is not None:
                    p.cluster_id = cid
                q += 1
        return docs
