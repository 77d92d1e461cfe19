"""Stage 3, dedup: remove paragraphs whose content is already in the corpus, keeping one copy.

Keeper rule: documents are ranked by date (earliest first, undated after dated), then by the
position of their source in `source_priority` (listed sources first, in that order), then by
document id. Within a document, paragraphs keep their order. A paragraph is removed only when
text ranked before it, and kept, covers it; so the copy that stays is the one of the
highest-ranked document, whatever the order the inputs were read in.

Exact duplicate documents (byte-identical kept text) are removed whole first; then the near-duplicate detector (`neardup.find_duplicates`) decides paragraph by
paragraph, within and across documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xxhash

from .model import DUPLICATE, KEPT, Document, RunContext
from .neardup import NearDupConfig, find_duplicates


@dataclass(frozen=True)
class DedupConfig:
    enabled: bool = True
    # Sources whose copy wins ties between documents of the same date, best first.
    source_priority: tuple[str, ...] = ()
    # Remove documents whose whole kept text repeats an earlier one's.
    exact_documents: bool = True
    # Match paragraphs against earlier paragraphs of the same document too.
    within_document: bool = True
    near: NearDupConfig = field(default_factory=NearDupConfig)


def keeper_order(docs: list[Document], source_priority: tuple[str, ...]) -> list[int]:
    """Indices of `docs` from the document whose copies stay to the last one."""
    rank = {s: i for i, s in enumerate(source_priority)}
    unlisted = len(rank)

    def key(i: int) -> tuple:
        d = docs[i]
        return (d.date is None, d.date or "", rank.get(d.source or "", unlisted), d.id)

    return sorted(range(len(docs)), key=key)


def cluster_id(doc_id: str, index: int) -> int:
    """A stable id for the cluster rooted at a kept paragraph (signed 64-bit for Arrow)."""
    return xxhash.xxh64_intdigest(f"{doc_id}\x00{index}".encode()) - (1 << 63)


def remove_exact_documents(docs: list[Document], order: list[int],
                           kept: list[list[int]]) -> set[int]:
    """Mark every kept paragraph of a document whose kept paragraphs repeat an earlier one's
    exactly (the same texts in the same order). kept[r]: positions of the kept paragraphs of
    docs[order[r]]. Returns the ranks r of the removed documents."""
    # Keyed by the tuple of kept texts: Python caches each string's hash, so this costs one
    # pass over the text instead of joining and hashing a copy of it, and equality is exact.
    first: dict[tuple[str, ...], tuple[Document, list[int]]] = {}
    removed: set[int] = set()
    for rank, (i, idx) in enumerate(zip(order, kept)):
        if not idx:
            continue
        doc = docs[i]
        pars = doc.paragraphs
        keeper, keeper_idx = first.setdefault(tuple([pars[k].text for k in idx]), (doc, idx))
        if keeper is doc:
            continue
        # A copy that differs in case or spacing is still caught, paragraph by paragraph, by
        # the near-duplicate pass (similarity 1.0).
        for k, kk in zip(idx, keeper_idx):
            p = pars[k]
            p.remove(DUPLICATE, "exact_document")
            p.duplicate_of_doc_id, p.duplicate_of_index = keeper.id, kk
            p.similarity = 1.0
            p.cluster_id = cluster_id(keeper.id, kk)
            keeper.paragraphs[kk].cluster_id = p.cluster_id
        removed.add(rank)
    return removed


def run(docs: list[Document], cfg: DedupConfig, ctx: RunContext) -> list[Document]:
    if not cfg.enabled:
        return docs
    order = keeper_order(docs, cfg.source_priority)
    kept = [[k for k, p in enumerate(docs[i].paragraphs) if p.status == KEPT] for i in order]
    gone = remove_exact_documents(docs, order, kept) if cfg.exact_documents else set()
    # The kept paragraphs in keeper order: text, document rank (the group) and position.
    for rank in gone:
        kept[rank] = []
    counts = np.fromiter(map(len, kept), dtype=np.int64, count=len(kept))
    groups = np.repeat(np.arange(len(kept), dtype=np.int64), counts)
    doc_of = np.repeat(np.asarray(order, dtype=np.int64), counts)
    position = [k for idx in kept for k in idx]
    texts = [docs[i].paragraphs[k].text for i, k in zip(doc_of.tolist(), position)]
    exact = len(gone)
    result = find_duplicates(
        texts, groups, cfg.near,
        within_group=cfg.within_document, workers=ctx.workers,
        # On a distributed executor, fingerprints and candidate pairs are computed by its tasks;
        # locally, threads over shared memory are cheaper than shipping text to processes.
        mapper=ctx.map if ctx.distributed else None,
    )

    def ref(j: int) -> tuple[Document, int]:
        return docs[doc_of[j]], position[j]

    for j in np.flatnonzero(result.dup_of >= 0).tolist():
        doc, k = ref(j)
        kdoc, kk = ref(int(result.dup_of[j]))
        p = doc.paragraphs[k]
        p.remove(DUPLICATE, "near_duplicate" if kdoc is not doc else "repeated_in_document")
        p.duplicate_of_doc_id, p.duplicate_of_index = kdoc.id, kk
        p.similarity = round(float(result.similarity[j]), 6)
    for j in np.flatnonzero(result.cluster >= 0).tolist():
        doc, k = ref(j)
        root_doc, root_k = ref(int(result.cluster[j]))
        doc.paragraphs[k].cluster_id = cluster_id(root_doc.id, root_k)
    ctx.stage_stats["dedup"] = {
        "exact_duplicate_documents": exact,
        "paragraphs_compared": len(texts),
    }
    return docs
