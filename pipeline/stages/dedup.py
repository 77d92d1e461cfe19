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

import pickle
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xxhash

from ..runtime import store
from ..core.digest import DIGEST128, as_digests
from ..core.model import DUPLICATE, KEPT, RunContext, Tally
from .base import Handoff
from .dedup_index import DIGEST_RANGE, Index, Numbering, Ranks
from .dedup_patch import REASONS, Removals, cluster_id
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
    # Files, read when the driver needs them (one job's at a time), not results that arrive
    # with every other job's: DIGEST128 of each kept paragraph, the folded length of each.
    par_digest: str
    lengths: str
    n_paragraphs: int
    slices: list[str]  # files of fingerprint records (job-local paragraph numbers), by slice

    def digests(self) -> np.ndarray:
        return np.fromfile(self.par_digest, dtype=DIGEST128)

    def folded_lengths(self) -> np.ndarray:
        return np.fromfile(self.lengths, dtype=np.int32)


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
    Path(job.dest).parent.mkdir(parents=True, exist_ok=True)
    as_digests(par_d).tofile(f"{job.dest}.digests")
    np.asarray(lengths, dtype=np.int32).tofile(f"{job.dest}.lengths")
    for i, slice_records in enumerate(records):
        path = f"{job.dest}.{i}.rec"
        # Compressed (`store.write_records`: about half the raw bytes), not .npy: np.load parses
        # the header with ast, which CPython 3.11 can fail on ("AST constructor recursion depth
        # mismatch") when the driver's threads load slices.
        store.write_records(slice_records, path)
        paths.append(path)
    return Prepared(ids, dates, sources, np.asarray(n_kept, np.int64),
                    np.asarray(kept_pos, np.int64), as_digests(doc_d), f"{job.dest}.digests",
                    f"{job.dest}.lengths", len(lengths), paths)


@dataclass(frozen=True)
class TextsJob:
    parts: tuple[store.Part, ...]
    wanted: np.ndarray  # job-local kept-paragraph numbers, sorted
    # With `dest`: the texts go to files by decision part (`part_of`), with their j's.
    js: np.ndarray | None = None
    part_of: np.ndarray | None = None
    dest: str | None = None


def _texts_job(job: TextsJob) -> list[str] | list[tuple[int, str]]:
    """The kept texts at some job-local kept-paragraph numbers; with `dest`, written to one
    file per decision part instead, and the (part, file) pairs returned."""
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
    if job.dest is None:
        return out
    written = []
    for part in np.unique(job.part_of).tolist():
        sel = np.flatnonzero(job.part_of == part)
        path = f"{job.dest}.{part}.pkl"
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            pickle.dump((job.js[sel], [out[k] for k in sel.tolist()]), fh, protocol=5)
        written.append((part, path))
    return written


@dataclass(frozen=True)
class SpilledTexts:
    """The texts of one decision part's paragraphs, in files the texts jobs wrote: loaded by
    the job that decides the part (`neardup.decide`), so they never pass through the driver."""

    files: tuple[str, ...]
    n: int

    def __call__(self) -> list[str]:
        js, texts = [], []
        for path in self.files:
            with open(path, "rb") as fh:
                j, t = pickle.load(fh)
            js.append(j)
            texts += t
        if len(texts) != self.n:
            raise RuntimeError(f"a decision part has {len(texts)} texts of {self.n}")
        # The part's paragraphs are ascending in j: its texts in that order.
        return [texts[k] for k in np.argsort(np.concatenate(js), kind="stable").tolist()]


def keeper_order(ids: list[str], dates: list[str | None], sources: list[str | None],
                 source_priority: tuple[str, ...]) -> list[int]:
    """Document indices from the document whose copies stay to the last one."""
    rank = {s: i for i, s in enumerate(source_priority)}
    return sorted(range(len(ids)), key=lambda g: (dates[g] is None, instant(dates[g]) if dates[g] else 0.0,
                                                  rank.get(sources[g] or "", len(rank)), ids[g]))


def exact_documents(order: list[int], index: Index,
                    digests: np.ndarray) -> tuple[np.ndarray, Removals, np.ndarray, np.ndarray]:
    """Mark the kept paragraphs of every document whose kept texts repeat an earlier one's
    (same 128-bit digest), each against the keeper's paragraph at its rank; both get the
    cluster id. Returns which documents are gone, their removals, and the cluster ids (q's and
    ids, in the order they were set)."""
    gone = np.zeros(len(index.ids), dtype=bool)
    first: dict[bytes, int] = {}
    pairs: list[tuple[int, int]] = []
    for g in order:
        if not index.n_kept[g]:
            continue
        keeper = first.setdefault(bytes(digests[g]), g)
        if keeper != g:
            gone[g] = True
            pairs.append((g, keeper))
    del first
    g, keeper = (np.asarray(x, np.int64).reshape(-1) for x in (zip(*pairs) if pairs else ([], [])))
    counts = index.n_kept[g]
    t = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    q = np.repeat(index.q_start[g], counts) + t
    kq = np.repeat(index.q_start[keeper], counts) + t
    kdoc, kk = np.repeat(keeper, counts), index.kept_pos[kq]
    cid = np.array([cluster_id(index.ids[d], p) for d, p in zip(kdoc.tolist(), kk.tolist())],
                   dtype=np.int64)
    none = np.full(len(q), -1, dtype=np.int64)
    removed = Removals(q, np.zeros(len(q), np.int64), kdoc, kk, none, none, np.ones(len(q)))
    # Each removed paragraph, then its keeper's paragraph, in keeper order.
    return (gone, removed, np.stack([q, kq], axis=1).reshape(-1),
            np.repeat(cid, 2))


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
    index = Index.of(prep)
    order = keeper_order(index.ids, [x for p in prep for x in p.dates],
                         [x for p in prep for x in p.sources], cfg.source_priority)
    for p in prep:  # the ids are in the index
        p.ids = p.dates = p.sources = None
    if cfg.exact_documents:
        gone, exact, exact_cq, exact_cid = exact_documents(
            order, index, np.concatenate([p.doc_digest for p in prep]).view("V16"))
    else:
        gone, exact = np.zeros(len(index.ids), dtype=bool), Removals.empty()
        exact_cq = exact_cid = np.empty(0, np.int64)
    for p in prep:  # in the index now
        p.doc_digest = p.kept_pos = None
    num = Numbering.of(order, gone, index)
    n = num.n
    lengths = num.gather([p.folded_lengths for p in prep], np.int32)
    rep = num.first_copies([p.digests for p in prep], max(8, -(-n // DIGEST_RANGE)))
    for p in prep:  # read for the last time
        Path(p.lengths).unlink()
        Path(p.par_digest).unlink()

    def load(i: int):
        def slice_i() -> np.ndarray:
            out = []
            for k, p in enumerate(prep):
                key = store.read_records(p.slices[i])
                Path(p.slices[i]).unlink()  # its one reader: the disk is freed as pairing goes
                j = num.perm(k)[(key & LOW32).view(np.int64)]
                ok = j >= 0
                out.append((key[ok] & ~LOW32) | j[ok].astype(np.uint64))
            return np.concatenate(out) if out else np.empty(0, np.uint64)
        return slice_i

    def fetch(nodes: np.ndarray) -> Texts:
        qs = num.at(nodes)  # ascending in j, not in q: fetched by job in q order
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

    def fetch_parts(parts: list[np.ndarray]) -> list[SpilledTexts]:
        """`fetch` for decisions shipped to workers: the texts go to files by part."""
        nodes = np.concatenate(parts)
        part = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
        qs = num.at(nodes)
        by_q = np.argsort(qs, kind="stable")
        sq, sj, sp = qs[by_q], nodes[by_q], part[by_q]
        del nodes, part, qs, by_q
        cuts = np.searchsorted(sq, index.job_q0)
        asks = [TextsJob(jobs[k], sq[cuts[k]:cuts[k + 1]] - index.job_q0[k], sj[cuts[k]:cuts[k + 1]],
                         sp[cuts[k]:cuts[k + 1]], str(spill / "texts" / f"{k:06d}"))
                for k in range(len(jobs)) if cuts[k + 1] > cuts[k]]
        files: list[list[str]] = [[] for _ in parts]
        for written in ctx.map(_texts_job, asks):
            for p, path in written:
                files[p].append(path)
        return [SpilledTexts(tuple(f), len(p)) for f, p in zip(files, parts)]

    result = decide_duplicates(
        lengths, rep, [load(i) for i in range(ranges)], Ranks(num), cfg.near, fetch,
        within_group=cfg.within_document, workers=ctx.workers,
        # On a distributed executor candidate pairs and decisions are its tasks; locally,
        # threads over shared memory and forked workers.
        mapper=ctx.map if ctx.distributed else None, spill=spill / "pairs", buckets=ranges,
        # The decisions' jobs carry their texts: a pool's workers, not children forked from
        # this process (which would count its memory as theirs).
        decide_map=ctx.map if ctx.workers > 1 else None, fetch_parts=fetch_parts,
        sparse=True,  # the removed paragraphs only: no array of one entry per paragraph
    )
    q, kq = num.at(result.removed), num.at(result.dup_of)
    kdoc = index.doc_of(kq)
    # covered_by: the text `similarity` was verified against (two paragraphs for a join).
    also = result.also
    aq = np.where(also >= 0, num.at(np.maximum(also, 0)), 0)
    near = Removals(q, np.where(kdoc != index.doc_of(q), 1, 2), kdoc, index.kept_pos[kq],
                    np.where(also >= 0, index.doc_of(aq), -1),
                    np.where(also >= 0, index.kept_pos[aq], -1), result.similarity)
    js = result.cluster_of
    rq = num.at(result.cluster)
    near_cid = np.array([cluster_id(index.ids[g], k) for g, k in
                         zip(index.doc_of(rq).tolist(), index.kept_pos[rq].tolist())], dtype=np.int64)
    removed = Removals.concat([exact, near])
    removed = removed.take(np.argsort(removed.q, kind="stable"))
    # A paragraph given a cluster id twice keeps the last one (the near-duplicate cluster's).
    cq = np.r_[exact_cq, num.at(js)][::-1]
    cluster_q, last = np.unique(cq, return_index=True)
    cluster = np.r_[exact_cid, near_cid][::-1][last]

    after = Tally(before.documents, before.paragraphs - len(removed.q), before.removed.copy())
    if len(exact.q):
        after.removed[f"{DUPLICATE}:{REASONS[0]}"] += len(exact.q)
    codes, first = np.unique(near.reason, return_index=True)
    for c in codes[np.argsort(first)].tolist():  # in the order they first occur
        after.removed[f"{DUPLICATE}:{REASONS[c]}"] += int((near.reason == c).sum())
    lost = np.bincount(index.doc_of(removed.q), minlength=len(index.ids))
    after.documents -= int(((index.n_kept > 0) & (lost == index.n_kept)).sum())
    for scratch in ("fingerprints", "pairs", "texts"):  # read for the last time
        shutil.rmtree(spill / scratch, ignore_errors=True)
    part_docs = [p.n_docs for p in handoff.parts]
    patches = index.decisions(removed, cluster_q, cluster, part_docs)
    return handoff.next(patches=patches, tally=after, stats={
        "exact_duplicate_documents": int(gone.sum()), "paragraphs_compared": n})
