"""The clean stage on realistic documents: seeds, learned per-source lines, allow/deny lists."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from pipeline.stages.clean import CleanConfig, clean_documents as run
from pipeline.core.model import BOILERPLATE, Document, RunContext

from conftest import SEED_FILES, SEEDS


def _seed_docs() -> list[Document]:
    files = [SEEDS / name for name in SEED_FILES]
    return [
        Document.from_texts(f.stem, [l for l in f.read_text(encoding="utf-8").split("\n") if l.strip()])
        for f in files
    ]


def test_seeds_lose_only_the_comment_form():
    docs = run(_seed_docs(), CleanConfig(), RunContext())
    removed = [p.text.strip() for d in docs for p in d.paragraphs if not p.kept]
    assert removed == [
        "Leave a Comment",
        "Your email address will not be published. Required fields are marked *",
    ]
    kept = {p.text.strip() for d in docs for p in d.paragraphs if p.kept}
    assert "Ceasefire talks" in kept and "Ukraine denies encirclement claims" in kept


def _outlet(n: int, extra: dict[int, list[str]] | None = None) -> list[Document]:
    docs = []
    for i in range(n):
        body = [
            f"Lawmakers in district {i} voted on the budget measure on day {i}, officials said.",
            "Story Continued Below",
            f"The vote, number {i} this session, followed weeks of negotiations over spending.",
            "Copyright © 2019 The Example Times, LLC. Click here for reprint permission.",
        ]
        body[2:2] = (extra or {}).get(i, [])
        docs.append(Document.from_texts(f"d{i}", body, source="Example Times"))
    return docs


def test_learns_repeated_lines_and_reports_them(tmp_path):
    # Without rules, learning alone decides: the copyright line the source prints after its last
    # prose paragraph goes; "Story Continued Below" between two prose paragraphs is, for all the
    # statistics know, a heading the source repeats, and stays (the shipped rules remove it).
    ctx = RunContext()
    docs = run(_outlet(40), CleanConfig(rules_file=str(_empty_rules(tmp_path))), ctx)
    for d in docs:
        assert [p.kept for p in d.paragraphs] == [True, True, True, False]
        assert d.paragraphs[3].reason == "repeated_in_source"
    rows = {r["line"]: r for r in ctx.artifacts["boilerplate_learned"]}
    copyright = "copyright © 2019 the example times, llc. click here for reprint permission."
    assert rows[copyright]["n_docs"] == 40 and rows[copyright]["n_removed"] == 40
    assert rows["story continued below"]["n_removed"] == 0
    assert all(r["source"] == "Example Times" for r in rows.values())
    shipped = run(_outlet(40), CleanConfig(), RunContext())
    assert all(d.paragraphs[1].reason == "rule:story_continues" for d in shipped)


def _empty_rules(tmp: Path) -> Path:
    path = tmp / "empty_rules.yaml"
    path.write_text("rules: []\n", encoding="utf-8")
    return path


def test_learned_counts_equal_numpy_unique():
    # The count sorts (document, line) digests by their two words; np.unique gives the reference.
    import numpy as np

    from pipeline.boilerplate import learn
    from pipeline.core.digest import as_digests

    lines = [l for f in SEED_FILES for l in (SEEDS / f).read_text(encoding="utf-8").split("\n")]
    d = as_digests([learn.digest(l.lower()) for l in lines * 3 + lines[::7]])
    for arr in (d, d[:1], d[:0]):
        got = learn.unique_counts(arr)
        want = np.unique(arr, return_inverse=True, return_counts=True)
        assert all(np.array_equal(g, w.reshape(-1)) for g, w in zip(got, want))
    assert int(learn.unique_counts(d)[2].max()) >= 4  # the repeats were counted


def test_speaker_labels_and_rare_section_heading_survive():
    # Transcripts repeat speaker labels in every document; a section heading recurs in a few.
    extra = {i: ["TRUMP:", f"We will win district {i}.", "REPORTER:", f"By day {i}?"]
             for i in range(0, 40, 2)}
    for i in (1, 3, 5):
        extra[i] = ["What happens next"]
    docs = run(_outlet(40, extra), CleanConfig(), RunContext())
    kept = {p.text for d in docs for p in d.paragraphs if p.kept}
    assert {"TRUMP:", "REPORTER:", "What happens next"} <= kept


def test_allowlist_and_denylist():
    cfg = CleanConfig(allowlist=("story continued below",), denylist=(r"lawmakers in district 3\b.*",))
    docs = run(_outlet(10), cfg, RunContext())
    assert all(d.paragraphs[1].kept for d in docs)
    assert docs[3].paragraphs[0].reason == "denylist"
    assert docs[4].paragraphs[0].kept


@pytest.mark.parametrize(
    "kw, field",
    [({"allowlist": ("(unclosed",)}, "allowlist"), ({"denylist": ("[a-",)}, "denylist"),
     ({"repeated_min_docs": 1}, "repeated_min_docs"), ({"repeated_min_share": 0.0}, "repeated_min_share"),
     ({"region_page_min_short_share": 1.5}, "region_page_min_short_share")],
)
def test_config_rejects_bad_values(kw, field):
    with pytest.raises(ValueError, match=f"^{field}: must"):
        CleanConfig(**kw)


def test_never_deletes_and_keeps_earlier_decisions():
    doc = Document.from_texts("x", ["Advertisement", "A sentence of real prose that stays here."])
    doc.paragraphs[1].remove("duplicate", "exact")
    run([doc], CleanConfig(), RunContext())
    assert len(doc.paragraphs) == 2
    assert doc.paragraphs[0].status == BOILERPLATE and doc.paragraphs[1].reason == "exact"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=300), max_size=30), st.sampled_from([None, "a", "b"]))
def test_arbitrary_text_never_crashes(texts, source):
    docs = [Document.from_texts(str(i), texts, source=source) for i in range(3)]
    run(docs, CleanConfig(repeated_min_docs=2), RunContext())
    assert all(len(d.paragraphs) == len(texts) for d in docs)


def _mixed_outlets() -> list[Document]:
    """Three outlets of different sizes, each with its own footer, and a document already marked
    by an earlier stage (its decision must survive the partitioned path too)."""
    docs = _outlet(40)
    for i in range(12):
        docs.append(Document.from_texts(f"w{i}", [
            f"Council member {i} said the vote on the harbour plan would come on day {i}.",
            "Sign up for Daily Newsletters Manage Newsletters",
            f"The plan, revised {i} times, adds a ferry stop and a bus lane, officials said.",
        ], source="Wire"))
    docs.append(Document.from_texts("solo", ["Advertisement", "A lone article from an unnamed outlet."]))
    docs[5].paragraphs[0].remove("duplicate", "exact")
    return docs


def test_streaming_run_over_parts_in_workers_equals_one_process(tmp_path, monkeypatch):
    """The run's path (parts on disk, learning by digests, jobs in a process pool) decides
    exactly what the in-memory path decides, and reports the same learned lines."""
    from pipeline.stages import clean
    from pipeline.runtime import store
    from pipeline.runtime.executors import LocalExecutor
    from pipeline.stages.base import Handoff
    from pipeline.stages.ingest import Fixup

    one = RunContext()
    docs_one = run(_mixed_outlets(), CleanConfig(), one)
    monkeypatch.setattr(store, "PART_DOCS", 10)  # several parts and jobs
    parts = store.write_docs(tmp_path / "in.arrow", _mixed_outlets())
    assert len(parts) == 6
    with LocalExecutor(2) as executor:
        two = RunContext(workers=2, executor=executor, staging=tmp_path)
        ingested = Handoff(parts=parts, patches=[Fixup()] * len(parts))
        cleaned = clean.run(ingested, CleanConfig(), two)
    docs_two = list(store.read_parts(cleaned.parts))
    tally = cleaned.tally
    assert [[(p.status, p.reason) for p in d.paragraphs] for d in docs_two] == \
        [[(p.status, p.reason) for p in d.paragraphs] for d in docs_one]
    assert two.artifacts == one.artifacts and two.stage_stats == one.stage_stats
    assert one.artifacts["boilerplate_learned"], "the outlets' footers are learned"
    # The streaming path did remove what the single process removes, and kept the earlier mark.
    assert docs_two[5].paragraphs[0].reason == "exact"
    assert {p.reason for d in docs_two[40:52] for p in d.paragraphs if not p.kept} == {"rule:newsletter"}
    assert tally.paragraphs == sum(d.count("kept") for d in docs_one)


def _die_in_part_one(shared, part):
    import os

    if part == 1:
        os._exit(9)  # as the OOM killer would end a worker
    return part


def test_a_forked_worker_that_dies_fails_the_stage_instead_of_hanging():
    from concurrent.futures.process import BrokenProcessPool

    from pipeline.runtime.forkmap import fork_map

    assert fork_map(lambda shared, part: shared + part, 10, 3, 2) == [10, 11, 12]
    with pytest.raises(BrokenProcessPool):
        fork_map(_die_in_part_one, None, 3, 2)


def test_learning_counted_by_hash_range_equals_one_count(tmp_path):
    """The run counts the learning digests by hash range in tasks (`learn.spill`, `count_range`),
    so no process holds them all: the merged ranges learn exactly the lines, counts and order of
    one count over everything, the lines across sources included."""
    from pipeline.boilerplate import learn
    from pipeline.stages.clean_learn import learn_texts

    cfg = CleanConfig()
    docs = _mixed_outlets() + [Document.from_texts(f"x{i}", [
        f"Residents of ward {i} asked the council about the harbour plan on day {i}.",
        "Sign up for Daily Newsletters Manage Newsletters",  # also printed by Wire: across
        "Story Continued Below"], source="Other Gazette") for i in range(6)]
    jobs = [docs[:20], docs[20:45], docs[45:]]  # three jobs, the outlets split between them
    found = [learn_texts(((d.source, [p.text for p in d.paragraphs]) for d in job), cfg)
             for job in jobs]
    args = (cfg.repeated_min_docs, cfg.repeated_min_share, 2)
    n_docs, whole = learn.count(found, *args)
    found = [learn_texts(((d.source, [p.text for p in d.paragraphs]) for d in job), cfg)
             for job in jobs]  # count() used them up
    spilled = [learn.spill(f, 5, str(tmp_path / f"{i:06d}")) for i, f in enumerate(found)]
    assert sum((s[0] for s in spilled), Counter()) == n_docs
    ranges = [learn.count_range([(s[2][r], s[1]) for s in spilled], n_docs, *args) for r in range(5)]
    merged = learn.merge(ranges)
    assert sum(bool(r) for r in ranges) >= 2, "the learned lines fall in several ranges"
    assert merged == whole and list(merged) == list(whole)
    assert [list(v) for v in merged.values()] == [list(v) for v in whole.values()]
    assert learn.CROSS in merged and set(merged) >= {"Example Times", "Wire"}


def test_learned_lines_found_by_length_then_digest():
    """`learn.digest` ends in the line's length, so `Learned` hashes only the lines as long as
    a learned one: its answers are those of the digests alone, for each source's own lines and
    those learned across sources."""
    from pipeline.boilerplate import classify as bp, learn
    from pipeline.stages.clean_learn import learn_texts

    cfg = CleanConfig()
    docs = _mixed_outlets() + [Document.from_texts(f"x{i}", [
        f"Residents of ward {i} asked the council about the harbour plan on day {i}.",
        "Sign up for Daily Newsletters Manage Newsletters",  # also printed by Wire: across
        "Story Continued Below"], source="Other Gazette") for i in range(6)]
    found = learn_texts(((d.source, [p.text for p in d.paragraphs]) for d in docs), cfg)
    _, learned = learn.count([found], cfg.repeated_min_docs, cfg.repeated_min_share, 2)
    key = bp.LineTable((), cfg.repeated_max_words).key
    lines = {k for d in docs for p in d.paragraphs for k in [key(p.text)] if k}
    for source in ("Example Times", "Wire", "Other Gazette", ""):
        mine = {**learned.get(source, {}), **learned[learn.CROSS]} if source else learned[learn.CROSS]
        want = {line for line in lines if learn.digest(line) in mine}
        asked = learn.Learned(source, learned, {}, lambda _: True)
        assert {line for line in lines if line in asked} == want and want
        assert learn.lengths(learned, source) == {len(line) for line in want}
        assert len(lines - want) > len(want)  # most lines are not learned
