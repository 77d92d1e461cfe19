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


def remove_exact_documents(docs: list[Document], order: list[int]) -> int:
    """Mark every kept paragraph of a document whose kept paragraphs repeat an earlier one's
    exactly (the same texts in the same order)."""
    # Keyed by the tuple of kept texts: Python caches each string's hash, so this costs one
    # pass over the text instead of joining and hashing a copy of it, and equality is exact.
    first: dict[tuple[str, ...], tuple[Document, list[int]]] = {}
    removed = 0
    for i in order:
        doc = docs[i]
        idx = [k for k, p in enumerate(doc.paragraphs) if p.status == KEPT]
        if not idx:
            continue
        pars = doc.paragraphs
        texts = tuple(pars[k].text for k in idx)
        keeper, keeper_idx = first.setdefault(texts, (doc, idx))
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
        removed += 1
    return removed


def run(docs: list[Document], cfg: DedupConfig, ctx: RunContext) -> list[Document]:
    if not cfg.enabled:
        return docs
    order = keeper_order(docs, cfg.source_priority)
    exact = remove_exact_documents(docs, order) if cfg.exact_documents else 0

    refs: list[tuple[Document, int]] = []
    groups: list[int] = []
    texts: list[str] = []
    for rank, i in enumerate(order):
        doc = docs[i]
        for k, p in enumerate(doc.paragraphs):
            if p.status == KEPT:
                refs.append((doc, k))
                texts.append(p.text)
        groups.extend([rank] * (len(refs) - len(groups)))
    result = find_duplicates(
        texts, np.asarray(groups, dtype=np.int64), cfg.near,
        within_group=cfg.within_document, workers=ctx.workers,
        # On a distributed executor, fingerprints and candidate pairs are computed by its tasks;
        # locally, threads over shared memory are cheaper than shipping text to processes.
        mapper=ctx.map if getattr(ctx.executor, "name", "local") == "ray" else None,
    )
    for j in np.flatnonzero(result.dup_of >= 0):
        doc, k = refs[j]
        kdoc, kk = refs[int(result.dup_of[j])]
        p = doc.paragraphs[k]
        p.remove(DUPLICATE, "near_duplicate" if kdoc is not doc else "repeated_in_document")
        p.duplicate_of_doc_id, p.duplicate_of_index = kdoc.id, kk
        p.similarity = round(float(result.similarity[j]), 6)
    for j in np.flatnonzero(result.cluster >= 0):
        doc, k = refs[j]
        root_doc, root_k = refs[int(result.cluster[j])]
        doc.paragraphs[k].cluster_id = cluster_id(root_doc.id, root_k)
    ctx.stage_stats["dedup"] = {
        "exact_duplicate_documents": exact,
        "paragraphs_compared": len(texts),
    }
    return docs
