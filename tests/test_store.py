"""Documents on disk between stages (`pipeline.store`), and the out-of-core dedup against the
in-memory detector: the parts must give back exactly what went in, and the streaming path must
decide exactly what `find_duplicates` decides on the same paragraphs."""

from __future__ import annotations

import numpy as np

from pipeline.core.digest import DIGEST128
from pipeline.stages import dedup
from pipeline.runtime import store
from pipeline.stages.base import Handoff
from pipeline.stages.dedup import DedupConfig
from pipeline.stages.dedup_index import first_copies
from pipeline.runtime.executors import LocalExecutor
from pipeline.core.model import BOILERPLATE, DUPLICATE, KEPT, Document, RunContext, Tally
from pipeline.neardup.detect import find_duplicates


def _docs() -> list[Document]:
    docs = []
    for i in range(25):
        d = Document.from_texts(
            f"outlet-{i % 3}/a{i}",
            [f"Paragraph one of article {i}, with a figure of {i * 7} and é, 中文, emoji 🙂.",
             "Sign up for our newsletter",
             "" if i % 5 == 0 else f"A closing line number {i}."],
            source=None if i % 4 == 0 else f"outlet-{i % 3}", title=f"Title {i}" if i % 2 else None,
            url=f"https://example.org/{i}", date="2024-05-0%d" % (1 + i % 9) if i % 3 else None,
            path=f"raw/{i}.jsonl", meta={"n": i, "tags": ["a", "b"], "nested": {"x": None}})
        if i % 2:
            d.paragraphs[1].remove(BOILERPLATE, "rule:newsletter")
        docs.append(d)
    docs.append(Document.from_texts("empty", []))
    return docs


def test_parts_give_back_the_documents_exactly(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "PART_DOCS", 7)
    docs = _docs()
    parts = store.write_docs(tmp_path / "docs.arrow", iter(docs))
    assert [p.n_docs for p in parts] == [7, 7, 7, 5]
    assert sum(p.n_paragraphs for p in parts) == sum(len(d.paragraphs) for d in docs)
    back = list(store.read_parts(parts))
    assert back == docs
    ids, counts = store.ids_and_counts(parts[3])
    assert ids == [d.id for d in docs[21:]] and counts == [len(d.paragraphs) for d in docs[21:]]
    # Jobs group whole parts, in order, whatever the worker count.
    assert [[p.batch for p in job] for job in store.jobs_of(parts, 10)] == [[0, 1], [2, 3]]


def test_first_copies_is_the_first_equal_digest():
    rng = np.random.default_rng(0)
    values = rng.integers(0, 5, size=(200, 2)).astype(np.uint64)
    digests = np.zeros(200, dtype=DIGEST128)
    digests["hi"], digests["lo"] = values[:, 0], values[:, 1]
    first: dict[tuple[int, int], int] = {}
    want = [first.setdefault((int(a), int(b)), j) for j, (a, b) in enumerate(values)]
    assert first_copies(digests).tolist() == want


def _corpus() -> list[Document]:
    """Three outlets reprinting wire paragraphs with small edits, a byte-identical document,
    a repeated line, and paragraphs that differ in their figures."""
    wire = [
        "The central bank raised its main interest rate by a quarter point on Tuesday, citing "
        "persistent inflation in services and a tight labour market across the region.",
        "Officials said the decision was unanimous and that further increases would depend on "
        "incoming data about wages, energy prices and consumer demand over the coming months.",
    ]
    docs = []
    for i in range(12):
        edit = wire[0].replace("Tuesday", "Tuesday morning") if i % 2 else wire[0]
        figure = wire[1].replace("further", f"{i} further") if i % 3 == 0 else wire[1]
        docs.append(Document.from_texts(f"o{i % 3}/d{i}", [
            f"Local story {i} about the harbour, the ferry timetable and a new bus lane "
            f"on street {i}.", edit, figure, "Read more about our coverage of this story here.",
        ], source=f"outlet{i % 3}", date=f"2024-03-{10 + i % 5:02d}"))
    docs.append(Document.from_texts("copy", [p.text for p in docs[0].paragraphs],
                                    source="outlet9", date="2024-03-30"))
    docs[4].paragraphs[3].remove(BOILERPLATE, "rule:read_more")
    return docs


def _in_memory(docs: list[Document], cfg: DedupConfig) -> list[list[tuple]]:
    """The rule of `dedup` spelled with the in-memory detector, as the reference."""
    order = sorted(range(len(docs)), key=lambda g: (docs[g].date is None, docs[g].date or "",
                                                    docs[g].id))
    seen: dict[tuple, int] = {}
    gone = set()
    for g in order:
        kept = tuple(p.text for p in docs[g].paragraphs if p.status == KEPT)
        if kept and seen.setdefault(kept, g) != g:
            gone.add(g)
    refs = [(g, k) for g in order if g not in gone
            for k, p in enumerate(docs[g].paragraphs) if p.status == KEPT]
    groups = np.repeat(np.arange(len(order)), [
        0 if g in gone else sum(p.status == KEPT for p in docs[g].paragraphs) for g in order])
    result = find_duplicates([docs[g].paragraphs[k].text for g, k in refs], groups, cfg.near)
    out = [[(p.status, p.reason) for p in d.paragraphs] for d in docs]
    for g in gone:
        out[g] = [(DUPLICATE, "exact_document") if p.status == KEPT else (p.status, p.reason)
                  for p in docs[g].paragraphs]
    for j in np.flatnonzero(result.dup_of >= 0).tolist():
        g, k = refs[j]
        kg, _ = refs[int(result.dup_of[j])]
        out[g][k] = (DUPLICATE, "near_duplicate" if kg != g else "repeated_in_document")
    return out


def test_streaming_dedup_equals_the_in_memory_detector(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "PART_DOCS", 4)
    docs = _corpus()
    parts = store.write_docs(tmp_path / "clean.arrow", docs)
    jobs = store.jobs_of(parts, 4)
    assert len(jobs) == 4
    tally = Tally()
    for d in docs:
        tally.add(d)
    want = _in_memory(docs, DedupConfig())
    assert sum(s == (DUPLICATE, "near_duplicate") for row in want for s in row) >= 10
    for workers in (1, 2):
        with LocalExecutor(workers) as executor:
            ctx = RunContext(workers=workers, executor=executor, staging=tmp_path / f"w{workers}")
            out = dedup.run(Handoff(parts=parts, tally=tally), DedupConfig(), ctx)
        # The decisions are pending patches, one per part, applied where the parts are read.
        assert len(out.patches) == len(parts)
        got = [d for job in out.jobs() for d in job.documents()]
        assert [[(p.status, p.reason) for p in d.paragraphs] for d in got] == want
        assert out.tally.paragraphs == sum(d.count(KEPT) for d in got)
        assert out.stats["exact_duplicate_documents"] == 1
        # Every removed copy names a kept paragraph that holds its cluster id.
        by_ref = {(d.id, k): p for d in got for k, p in enumerate(d.paragraphs)}
        for d in got:
            for p in d.paragraphs:
                if p.status == DUPLICATE:
                    keeper = by_ref[(p.duplicate_of_doc_id, p.duplicate_of_index)]
                    assert keeper.status == KEPT and keeper.cluster_id == p.cluster_id


def test_keeper_numbering_per_document_equals_the_arrays_per_paragraph():
    """`Numbering` keeps per-document starts, not an array per paragraph: its answers are the
    explicit arrays' (q of each j, j of each q or -1 when its document is gone, the rank of
    j's document), with documents that are empty, gone, or split across jobs."""
    from pipeline.stages.dedup_index import Index, Numbering

    n_kept = np.array([3, 0, 2, 4, 0, 1, 5, 2], dtype=np.int64)
    per_job = [3, 2, 3]  # documents per job
    index = Index([f"d{g}" for g in range(8)], n_kept,
                  np.concatenate([np.arange(k) + 1 for k in n_kept]),  # a paragraph before each
                  np.r_[0, np.cumsum(n_kept)], np.r_[0, np.cumsum(n_kept)[np.cumsum(per_job) - 1]],
                  np.r_[0, np.cumsum(per_job)])
    order = [6, 2, 0, 7, 1, 5, 3, 4]
    gone = np.zeros(8, dtype=bool)
    gone[[3, 7]] = True
    # The arrays the stage held before: at[j] = q, perm[q] = j, groups[j] = rank.
    counts = np.where(gone, 0, n_kept)[order]
    at = np.repeat(index.q_start[order] - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(counts.sum())
    perm = np.full(int(n_kept.sum()), -1)
    perm[at] = np.arange(len(at))
    groups = np.repeat(np.arange(8), counts)
    num = Numbering.of(order, gone, index)
    j = np.arange(num.n)
    assert num.n == len(at) == 11
    assert num.at(j).tolist() == at.tolist() and num.rank(j).tolist() == groups.tolist()
    assert np.concatenate([num.perm(k) for k in range(3)]).tolist() == perm.tolist()
    assert index.doc_of(np.arange(len(perm))).tolist() == np.repeat(np.arange(8), n_kept).tolist()
    values = [np.arange(q0, q1) * 10 for q0, q1 in zip(index.job_q0[:-1], index.job_q0[1:])]
    assert num.gather(values, np.int32).tolist() == (at * 10).tolist()
    # Exact repeats found one hash range of the digests at a time: those of all digests at once.
    from pipeline.stages.dedup_index import first_copies as first_of_all

    rng = np.random.default_rng(5)
    digests = np.zeros(len(perm), dtype=DIGEST128)
    digests["hi"] = rng.choice(np.array([1, 7, 2**63 + 5, 2**64 - 3], dtype=np.uint64), len(perm))
    digests["lo"] = rng.integers(0, 2, len(perm)).astype(np.uint64)
    jobs = [digests[q0:q1] for q0, q1 in zip(index.job_q0[:-1], index.job_q0[1:])]
    assert num.first_copies(jobs, 3).tolist() == first_of_all(digests[at]).tolist()


def _read_job(job) -> list[str]:
    """A last reader's job: its documents' ids (it fails if a file it needs was deleted)."""
    return [d.id for d in job.documents()]


def test_the_last_reader_deletes_each_spilled_file_once_its_last_job_is_done(tmp_path, monkeypatch):
    from pipeline.stages.base import map_last_reader

    monkeypatch.setattr(store, "PART_DOCS", 7)
    docs = _docs()
    spill = tmp_path / "staging" / ".spill"
    # Two spilled files (a job spans both), and one of the reuse cache, which must stay.
    first = store.write_docs(spill / "clean" / "000000.arrow", iter(docs[:14]))
    second = store.write_docs(spill / "clean" / "000001.arrow", iter(docs[14:21]))
    cached = store.write_docs(tmp_path / ".cache" / "ingest" / "k" / "000000.arrow", iter(docs[21:]))
    handoff = Handoff(parts=first + second + cached)
    jobs = handoff.jobs(10)  # [first 0-1], [second 0, cached 0]
    assert [[p.path for p in job.parts] for job in jobs] == [
        [first[0].path, first[1].path], [second[0].path, cached[0].path]]
    for executor in (None, LocalExecutor(2)):
        ctx = RunContext(staging=tmp_path / "staging", executor=executor)
        results = map_last_reader(ctx, _read_job, jobs, jobs)
        assert next(results) == [d.id for d in docs[:14]]
        # The first file's last job is done: it is gone; the second is still to be read.
        assert not (spill / "clean" / "000000.arrow").exists()
        assert (spill / "clean" / "000001.arrow").exists()
        assert next(results) == [d.id for d in docs[14:]]
        assert not (spill / "clean" / "000001.arrow").exists()
        assert (tmp_path / ".cache" / "ingest" / "k" / "000000.arrow").exists()
        if executor is not None:
            executor.close()
        # Again from the start with the same files.
        first = store.write_docs(spill / "clean" / "000000.arrow", iter(docs[:14]))
        second = store.write_docs(spill / "clean" / "000001.arrow", iter(docs[14:21]))


def test_fingerprint_records_come_back_exactly_in_about_half_the_bytes(tmp_path):
    """The dedup stage's spilled records (`store.write_records`): real records of the two seed
    articles and an allsides-like volume of them by repeating those texts; any uint64 values in
    any order come back exactly too (the paragraph numbers are stored as differences)."""
    from pipeline.neardup.fingerprint import fingerprint_all
    from conftest import SEED_FILES, SEEDS

    texts = [line for name in SEED_FILES
             for line in (SEEDS / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    cfg = DedupConfig().near
    _, slices = fingerprint_all(texts * 40, cfg.fingerprint_chars, cfg.sample_bits, ranges=8)
    assert sum(map(len, slices)) > 5_000
    rng = np.random.default_rng(0)
    odd = [np.empty(0, np.uint64), np.array([2**64 - 1, 0, 2**32, 2**32 - 1, 7], np.uint64),
           rng.integers(0, 2**64, 1_000, dtype=np.uint64, endpoint=False)]
    written = 0
    for i, key in enumerate([*slices, *odd]):
        path = tmp_path / f"{i}.rec"
        store.write_records(key, path)
        assert np.array_equal(store.read_records(path), key)
        written += path.stat().st_size if i < len(slices) else 0
    # Raw they were 8 bytes each: the fingerprints take 4, the paragraph numbers compress.
    assert written < 5 * sum(map(len, slices))

def test_a_reusing_job_takes_its_large_blocks_from_the_heap():
    """Once a run maps every block of 1 MB or more on its own, each such block is faulted in
    afresh page by page; within `reuse_large_blocks` (an annotate job) freed blocks' pages are
    reused, and after it the mapping is back. In a forked child: this process's heap settings
    stay as they are."""
    import ctypes
    import os
    import resource

    import pytest

    from pipeline.runtime import heap

    PR_SET_THP_DISABLE = 41  # linux/prctl.h

    if heap._libc() is None:
        pytest.skip("no glibc")

    def faults() -> int:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(10):
            np.ones(1 << 20).sum()  # 8 MB, every page written, then freed
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            # Transparent huge pages, when the kernel finds some, fault a mapped block in 2 MB at
            # a time and hide what is counted here (a run measured 207 faults mapped, 50 after):
            # the child counts 4 KB pages only.
            ctypes.CDLL(None).prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)
            heap.map_large_blocks()
            mapped = faults()
            with heap.reuse_large_blocks():
                reused = faults()
            os.write(w, f"{mapped} {reused} {faults()}".encode())
        finally:
            os._exit(0)
    os.close(w)
    mapped, reused, after = map(int, os.read(r, 100).split())
    os.close(r)
    os.waitpid(pid, 0)
    assert reused * 4 < min(mapped, after), (mapped, reused, after)
