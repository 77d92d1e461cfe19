"""Stage 3, dedup: remove paragraphs whose content is already in the corpus, keeping one copy.

Keeper rule: documents are ranked by date (earliest first, undated after dated), then by the
position of their source in `source_priority` (listed sources first, in that order), then by
document id. Within a document, paragraphs keep their order. A paragraph is removed only when
text ranked before it, and kept, covers it; so the copy that stays is the one of the
highest-ranked document, whatever the order the inputs were read in.

Exact duplicate documents (the same kept texts in the same order) are removed whole first; then
the near-duplicate detector (`neardup.decide_duplicates`) decides paragraph by paragraph, within
and across documents.

Out of core: workers read the cleaned parts and send back per-document keys and per-paragraph
digests and lengths, and write their fingerprint records to disk by slice of the fingerprint
space; the driver ranks, pairs slice by slice and fetches only the texts the decisions read.
The result is a `Decisions` per job, applied where the documents are next read (annotate).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xxhash

from ..runtime import store
from ..core.digest import as_digests
from ..core.model import DUPLICATE, KEPT, Document, RunContext, Tally
from .base import Handoff
from ..neardup.config import NearDupConfig
from ..neardup.detect import Texts, decide_duplicates, slice_count
from ..neardup.fingerprint import LOW32, fingerprint_all
from ..readers.dates import instant

NAME = "dedup"


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


def _ref(doc_id: str, index: int) -> dict:
    """One entry of the ledger's `covered_by`."""
    return {"doc_id": doc_id, "index": index}


def cluster_id(doc_id: str, index: int) -> int:
    """A stable id for the cluster rooted at a kept paragraph (signed 64-bit for Arrow)."""
    return xxhash.xxh64_intdigest(f"{doc_id}\x00{index}".encode()) - (1 << 63)


def _digest(texts: list[str]) -> bytes:
    """128-bit digest of a sequence of texts (length-prefixed, so the split is part of it)."""
    h = xxhash.xxh3_128()
    for t in texts:
        b = t.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.digest()


@dataclass
class Prepared:
    """What the driver needs of one job's documents: no text."""

    ids: list[str]
    dates: list[str | None]
    sources: list[str | None]
    n_kept: np.ndarray  # kept paragraphs per document
    kept_pos: np.ndarray  # their positions in their document, all documents in a row
    doc_digest: np.ndarray  # DIGEST128 of each document's kept texts
    par_digest: np.ndarray  # DIGEST128 of each kept paragraph
    lengths: np.ndarray  # folded length of each kept paragraph
    slices: list[str]  # files of fingerprint records (job-local paragraph numbers), by slice


@dataclass(frozen=True)
class PrepareJob:
    parts: tuple[store.Part, ...]
    cfg: NearDupConfig
    ranges: int
    dest: str


def _prepare_job(job: PrepareJob) -> Prepared:
    ids, dates, sources, n_kept, kept_pos, doc_d, par_d = [], [], [], [], [], [], []
    texts: list[str] = []
    for doc in store.read_parts(job.parts):
        ids.append(doc.id)
        dates.append(doc.date)
        sources.append(doc.source)
        kept = [k for k, p in enumerate(doc.paragraphs) if p.status == KEPT]
        n_kept.append(len(kept))
        kept_pos.extend(kept)
        mine = [doc.paragraphs[k].text for k in kept]
        doc_d.append(_digest(mine))
        par_d.extend(xxhash.xxh3_128_digest(t.encode("utf-8", "surrogatepass")) for t in mine)
        texts.extend(mine)
    # Paragraph numbers in the records are job-local (the position in `texts`).
    lengths, records = fingerprint_all(texts, job.cfg.fingerprint_chars, job.cfg.sample_bits,
                                       ranges=job.ranges)
    paths = []
    for i, slice_records in enumerate(records):
        path = f"{job.dest}.{i}.u64"
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Raw uint64, not .npy: np.load parses the header with ast, which CPython 3.11 can fail
        # on ("AST constructor recursion depth mismatch") when the driver's threads load slices.
        slice_records.astype(np.uint64, copy=False).tofile(path)
        paths.append(path)
    return Prepared(ids, dates, sources, np.asarray(n_kept, np.int64),
                    np.asarray(kept_pos, np.int64), as_digests(doc_d), as_digests(par_d),
                    lengths, paths)


@dataclass(frozen=True)
class TextsJob:
    parts: tuple[store.Part, ...]
    wanted: np.ndarray  # job-local kept-paragraph numbers, sorted


def _texts_job(job: TextsJob) -> list[str]:
    """The kept texts at some job-local kept-paragraph numbers."""
    out, q, i = [], 0, 0
    want = job.wanted.tolist()
    for doc in store.read_parts(job.parts):
        for p in doc.paragraphs:
            if p.status != KEPT:
                continue
            if i < len(want) and want[i] == q:
                out.append(p.text)
                i += 1
            q += 1
        if i == len(want):
            break
    return out


@dataclass
class Decisions:
    """One part's dedup outcome, by part-local kept-paragraph number: the removals (status,
    reason, kept copy's document id and position, similarity) and the cluster ids. The pending
    patch of a deduplicated part, applied where the part is next read (annotate)."""

    removed: dict[int, tuple[str, str, str, int, float, list]] = field(default_factory=dict)
    clusters: dict[int, int] = field(default_factory=dict)

    def apply(self, docs: list[Document]) -> list[Document]:
        q = 0
        for doc in docs:
            for p in doc.paragraphs:
                if p.status != KEPT:
                    continue
                hit = self.removed.get(q)
                cid = self.clusters.get(q)
                if hit is not None:
                    (p.status, p.reason, p.duplicate_of_doc_id, p.duplicate_of_index,
                     p.similarity, p.covered_by) = hit
                if cid is not None:
                    p.cluster_id = cid
                q += 1
        return docs


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
class _Index:
    """The driver's view of the corpus, without text: documents in store order (job by job),
    and their kept paragraphs likewise, numbered q."""

    ids: list[str]
    n_kept: np.ndarray  # kept paragraphs per document
    kept_pos: np.ndarray  # position of paragraph q in its document
    q_start: np.ndarray  # first q of each document
    job_q0: np.ndarray  # first q of each job
    doc_of_q: np.ndarray

    @classmethod
    def of(cls, prep: list[Prepared]) -> _Index:
        n_kept = np.concatenate([p.n_kept for p in prep])
        return cls([x for p in prep for x in p.ids], n_kept,
                   np.concatenate([p.kept_pos for p in prep]), np.r_[0, np.cumsum(n_kept)],
                   np.r_[0, np.cumsum([len(p.lengths) for p in prep])],
                   np.repeat(np.arange(len(n_kept), dtype=np.int64), n_kept))

    def ref(self, q: int) -> tuple[int, int]:
        """(document, position) of paragraph q."""
        return int(self.doc_of_q[q]), int(self.kept_pos[q])

    def by_part(self, marks: dict[int, object], part_docs: list[int]) -> list[dict[int, object]]:
        """Marks keyed by q, split by part (of `part_docs` documents each, in store order) and
        keyed by part-local q."""
        q0 = self.q_start[np.r_[0, np.cumsum(part_docs, dtype=np.int64)]]
        out: list[dict[int, object]] = [{} for _ in part_docs]
        for q in sorted(marks):
            # The last part starting at or before q: parts that hold no kept paragraph share
            # their start with the next one, which is the one holding q.
            k = int(np.searchsorted(q0, q, side="right")) - 1
            out[k][q - int(q0[k])] = marks[q]
        return out


def keeper_order(ids: list[str], dates: list[str | None], sources: list[str | None],
                 source_priority: tuple[str, ...]) -> list[int]:
    """Document indices from the document whose copies stay to the last one."""
    rank = {s: i for i, s in enumerate(source_priority)}
    return sorted(range(len(ids)), key=lambda g: (dates[g] is None, instant(dates[g]) if dates[g] else 0.0,
                                                  rank.get(sources[g] or "", len(rank)), ids[g]))


def exact_documents(order: list[int], index: _Index, digests: np.ndarray,
                    removed: dict, clusters: dict) -> np.ndarray:
    """Mark the kept paragraphs of every document whose kept texts repeat an earlier one's
    (same 128-bit digest), each against the keeper's paragraph at its rank; both get the
    cluster id. Returns which documents are gone."""
    gone = np.zeros(len(index.ids), dtype=bool)
    first: dict[bytes, int] = {}
    for g in order:
        if not index.n_kept[g]:
            continue
        keeper = first.setdefault(bytes(digests[g]), g)
        if keeper == g:
            continue
        gone[g] = True
        for t in range(int(index.n_kept[g])):
            kq = int(index.q_start[keeper]) + t
            _, kk = index.ref(kq)
            cid = cluster_id(index.ids[keeper], kk)
            removed[int(index.q_start[g]) + t] = (DUPLICATE, "exact_document", index.ids[keeper],
                                                  kk, 1.0, [_ref(index.ids[keeper], kk)])
            clusters[int(index.q_start[g]) + t] = cid
            clusters[kq] = cid
    return gone


def keeper_numbering(order: list[int], gone: np.ndarray,
                     index: _Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The paragraphs left, in keeper order (j): at[j] = q, perm[q] = j (or -1 when gone), and
    groups[j] = the rank of j's document."""
    counts = np.where(gone, 0, index.n_kept)[order]
    starts = index.q_start[order]
    at = (np.repeat(starts - np.r_[0, np.cumsum(counts)[:-1]], counts)
          + np.arange(int(counts.sum()))).astype(np.int64)
    perm = np.full(len(index.kept_pos), -1, dtype=np.int64)
    perm[at] = np.arange(len(at))
    groups = np.repeat(np.arange(len(order), dtype=np.int64), counts)
    return at, perm, groups


def run(handoff: Handoff, cfg: DedupConfig, ctx: RunContext) -> Handoff:
    """Each part's decisions, as its pending patch, and the tally after them."""
    if not cfg.enabled:
        return handoff.next(patches=[None] * len(handoff.parts))
    before, spill = handoff.tally, ctx.spill
    jobs = [job.parts for job in handoff.jobs()]
    # Slices (and buckets of pairs) grow with the corpus, so each holds about the same
    # number of records whatever its size: that bounds the pairing's memory.
    n_paragraphs = sum(p.n_paragraphs for job in jobs for p in job)
    ranges = slice_count(ctx.workers, ctx.distributed, n_paragraphs)
    prep: list[Prepared] = ctx.map(_prepare_job, [
        PrepareJob(job, cfg.near, ranges, str(spill / "fingerprints" / f"{i:06d}"))
        for i, job in enumerate(jobs)])
    ctx.tick(sum(len(p.ids) for p in prep))
    index = _Index.of(prep)
    order = keeper_order(index.ids, [x for p in prep for x in p.dates],
                         [x for p in prep for x in p.sources], cfg.source_priority)
    removed: dict[int, tuple[str, str, str, int, float, list]] = {}  # q -> removal
    clusters: dict[int, int] = {}  # q -> cluster id
    gone = (exact_documents(order, index, np.concatenate([p.doc_digest for p in prep]).view("V16"),
                            removed, clusters)
            if cfg.exact_documents else np.zeros(len(index.ids), dtype=bool))
    at, perm, groups = keeper_numbering(order, gone, index)
    n = len(at)
    lengths = np.concatenate([p.lengths for p in prep])[at]
    rep = first_copies(np.concatenate([p.par_digest for p in prep])[at])

    def load(i: int):
        def slice_i() -> np.ndarray:
            out = []
            for p, q0 in zip(prep, index.job_q0[:-1].tolist()):
                key = np.fromfile(p.slices[i], dtype=np.uint64)
                j = perm[(key & LOW32).view(np.int64) + q0]
                ok = j >= 0
                out.append((key[ok] & ~LOW32) | j[ok].astype(np.uint64))
            return np.concatenate(out) if out else np.empty(0, np.uint64)
        return slice_i

    def fetch(nodes: np.ndarray) -> Texts:
        qs = at[nodes]  # ascending in j, not in q: fetched by job in q order
        by_q = np.argsort(qs, kind="stable")
        sq = qs[by_q]
        cuts = np.searchsorted(sq, index.job_q0)
        asks = [TextsJob(jobs[k], sq[cuts[k]:cuts[k + 1]] - index.job_q0[k])
                for k in range(len(jobs)) if cuts[k + 1] > cuts[k]]
        got = [t for part in ctx.map(_texts_job, asks) for t in part]
        texts = [""] * len(nodes)
        for pos, t in zip(by_q.tolist(), got):
            texts[pos] = t
        return Texts(n, nodes, texts)

    result = decide_duplicates(
        lengths, rep, [load(i) for i in range(ranges)], groups, cfg.near, fetch,
        within_group=cfg.within_document, workers=ctx.workers,
        # On a distributed executor candidate pairs and decisions are its tasks; locally,
        # threads over shared memory and forked workers.
        mapper=ctx.map if ctx.distributed else None, spill=spill / "pairs", buckets=ranges,
        # The decisions' jobs carry their texts: a pool's workers, not children forked from
        # this process (which would count its memory as theirs).
        decide_map=ctx.map if ctx.workers > 1 else None,
    )
    for j in np.flatnonzero(result.dup_of >= 0).tolist():
        g, _ = index.ref(int(at[j]))
        kg, kk = index.ref(int(at[result.dup_of[j]]))
        reason = "near_duplicate" if kg != g else "repeated_in_document"
        # covered_by: the text `similarity` was verified against (two paragraphs for a join).
        covers = [_ref(index.ids[kg], kk)]
        if result.also[j] >= 0:
            ag, ak = index.ref(int(at[result.also[j]]))
            covers.append(_ref(index.ids[ag], ak))
        removed[int(at[j])] = (DUPLICATE, reason, index.ids[kg], kk,
                               round(float(result.similarity[j]), 6), covers)
    for j in np.flatnonzero(result.cluster >= 0).tolist():
        rg, rk = index.ref(int(at[result.cluster[j]]))
        clusters[int(at[j])] = cluster_id(index.ids[rg], rk)

    after = Tally(before.documents, before.paragraphs - len(removed), before.removed.copy())
    lost = np.zeros(len(index.ids), dtype=np.int64)
    for q, hit in removed.items():
        after.removed[f"{hit[0]}:{hit[1]}"] += 1
        lost[index.doc_of_q[q]] += 1
    after.documents -= int(((index.n_kept > 0) & (lost == index.n_kept)).sum())
    for scratch in ("fingerprints", "pairs"):  # read for the last time
        shutil.rmtree(spill / scratch, ignore_errors=True)
    part_docs = [p.n_docs for p in handoff.parts]
    patches = [Decisions(r, c) for r, c in zip(index.by_part(removed, part_docs),
                                               index.by_part(clusters, part_docs))]
    return handoff.next(patches=patches, tally=after, stats={
        "exact_duplicate_documents": int(gone.sum()), "paragraphs_compared": n})
