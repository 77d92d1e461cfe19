"""`python -m pipeline diff A B`: checked against a plain join of the two ledgers."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_report import chromium, decode_png, screenshot  # noqa: F401 - chromium: a fixture

from pipeline.core.schema import DOCUMENT_SCHEMA, PARAGRAPH_SCHEMA
from pipeline.share import align
from pipeline.share import diff as diff_module
from pipeline.share.diff import compare
from pipeline.share.diffhtml import render_diff
from pipeline.share.diffout import render_text, to_json

from conftest import corpus, fork_cli

SUBSET_ARTICLES = 800  # allsides articles of part-00 in the end-to-end check


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return fork_cli(*args)


def joined(a: Path, b: Path) -> pd.DataFrame:
    """The plain way: both ledgers in memory, an outer join on (doc_id, index)."""
    cols = ["doc_id", "index", "source", "status", "reason"]
    frames = []
    for folder in (a, b):
        t = pd.read_parquet(folder / "parquet" / "paragraphs", columns=cols)
        t["fate"] = np.where(t.reason.isna(), t.status, t.status + ":" + t.reason.fillna(""))
        frames.append(t.drop(columns=["status", "reason"]))
    return frames[0].merge(frames[1], on=["doc_id", "index"], how="outer", suffixes=("_a", "_b"))


def moved_by_join(j: pd.DataFrame) -> set[tuple]:
    differ = j[(j.fate_a != j.fate_b) | j.fate_a.isna() | j.fate_b.isna()]
    return {(r.doc_id, int(r.index), None if pd.isna(r.fate_a) else r.fate_a,
             None if pd.isna(r.fate_b) else r.fate_b) for r in differ.itertuples()}


def moved_by_csv(path: Path) -> set[tuple]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = {(r["doc_id"], int(r["index"]), r["a_fate"] or None, r["b_fate"] or None) for r in rows}
    assert len(out) == len(rows), "a paragraph listed twice"
    return out


def check_against_join(a: Path, b: Path, moved_csv: Path) -> dict:
    d = compare(a, b, moved_csv=moved_csv)
    j = joined(a, b)
    expected = moved_by_join(j)
    assert moved_by_csv(moved_csv) == expected
    both = j[j.fate_a.notna() & j.fate_b.notna()]
    moves = both[both.fate_a != both.fate_b]
    want = moves.groupby(["fate_a", "fate_b"]).size().to_dict()
    assert dict(d.transitions) == want
    assert d.matched == len(both) and d.moved == len(moves)
    assert sum(d.only[0].values()) == int(j.fate_b.isna().sum())
    assert sum(d.only[1].values()) == int(j.fate_a.isna().sum())
    per_source = moves.fillna({"source_a": ""}).groupby("source_a").size().to_dict()
    assert {s: sum(c.values()) for s, c in d.by_source.items()} == per_source
    for side, col in ((0, "fate_a"), (1, "fate_b")):
        assert dict(d.fates[side]) == j[col].dropna().value_counts().to_dict()
    docs = [set(pd.read_parquet(f / "parquet" / "documents", columns=["id"]).id) for f in (a, b)]
    assert d.documents_only_n == [len(docs[0] - docs[1]), len(docs[1] - docs[0])]
    assert set(d.documents_only[1]) <= docs[1] - docs[0]
    assert set(d.documents_only[0]) <= docs[0] - docs[1]
    return to_json(d)


# --------------------------------------------------------------------------- made-up ledgers
FATES = ["kept", "kept", "kept", "boilerplate:rule:x", "duplicate:near_duplicate",
         "boilerplate:repeated_in_source"]


def _write_output(out: Path, docs: list[tuple[str, list[str]]], shards: int) -> None:
    """docs: (id, fates of its paragraphs); a document is written when one paragraph is kept."""
    rows = []
    for doc, fates in docs:
        for i, f in enumerate(fates):
            status, _, reason = f.partition(":")
            rows.append({"doc_id": doc, "index": i, "source": [None, "s1", "s2"][sum(map(ord, doc)) % 3], "text": f"{doc} {i}",
                         "status": status, "reason": reason or None})
    written = [{"id": doc, "source": "s", "text": "t", "url": f"https://example.org/{doc}"}
               for doc, fates in docs if "kept" in fates]
    for name, table_rows, schema in (("paragraphs", rows, PARAGRAPH_SCHEMA),
                                     ("documents", written, DOCUMENT_SCHEMA)):
        folder = out / "parquet" / name
        folder.mkdir(parents=True)
        size = -(-len(table_rows) // shards)
        for s in range(shards):
            part = table_rows[s * size:(s + 1) * size]
            cols = {f.name: [r.get(f.name) for r in part] for f in schema}
            pq.write_table(pa.Table.from_pydict(cols, schema=schema),
                           folder / f"{name}-{s:05d}-of-{shards:05d}.parquet", row_group_size=7)


@pytest.mark.parametrize("seed", range(6))
def test_made_up_ledgers_match_a_plain_join(tmp_path, monkeypatch, seed):
    """Documents inserted, removed, reordered, with paragraphs added or cut; any chunk size."""
    monkeypatch.setattr(align, "CHUNK_ROWS", [5, 16, 64, 1000, 3, 50][seed])
    rng = np.random.default_rng(seed)
    base = [(f"d{k:03d}", [FATES[j] for j in rng.integers(0, len(FATES), rng.integers(1, 9))])
            for k in range(120)]
    after = []
    for doc, fates in base:
        r = rng.random()
        if r < 0.08:
            continue  # gone
        fates = [FATES[j] if rng.random() < 0.2 else f
                 for f, j in zip(fates, rng.integers(0, len(FATES), len(fates)))]
        if r < 0.14:
            fates = fates + ["kept"]  # one paragraph more
        elif r < 0.2 and len(fates) > 1:
            fates = fates[1:]  # one fewer (the indexes shift)
        after.append((doc, fates))
        if r > 0.93:
            after.append((f"new{len(after)}", ["kept", "boilerplate:rule:x"]))
    if seed >= 3:  # blocks of documents moved: order no longer agrees
        cut = [int(c) for c in sorted(rng.integers(0, len(after), 4))]
        after = after[cut[2]:cut[3]] + after[:cut[0]] + after[cut[1]:cut[2]] \
            + after[cut[0]:cut[1]] + after[cut[3]:]
    if seed == 5:
        rng.shuffle(after)
    _write_output(tmp_path / "a", base, shards=1 + seed % 3)
    _write_output(tmp_path / "b", after, shards=2)
    monkeypatch.setattr(diff_module, "FETCH_ROWS", 3)  # samples read across batches and groups
    summary = check_against_join(tmp_path / "a", tmp_path / "b", tmp_path / "moved.csv")
    assert summary["paragraphs"]["moved"] > 0 and summary["samples"]
    for s in summary["samples"]:  # each sample's own text, from the right row
        assert s["text"] == f"{s['doc_id']} {s['index']}"


def test_same_order_sets_nothing_aside(tmp_path, monkeypatch):
    monkeypatch.setattr(align, "CHUNK_ROWS", 10)
    docs = [(f"d{k}", ["kept", "boilerplate:rule:x", "kept"]) for k in range(50)]
    changed = [(d, ["kept"] * 3 if k % 7 == 0 else f) for k, (d, f) in enumerate(docs)]
    _write_output(tmp_path / "a", docs, shards=3)
    _write_output(tmp_path / "b", changed, shards=1)
    d = compare(tmp_path / "a", tmp_path / "b")
    assert d.max_waiting_rows == 0
    assert dict(d.transitions) == {("boilerplate:rule:x", "kept"): 8}
    itself = compare(tmp_path / "a", tmp_path / "a")
    assert itself.moved == 0 and "  none" in render_text(itself)


def test_not_an_output_is_one_line(tmp_path):
    r = run_cli("diff", str(tmp_path), str(tmp_path))
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "not an output folder" in r.stderr


# --------------------------------------------------------------------------- real articles
@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[Path, Path]:
    """The first articles of allsides part-00, run by default and without learned boilerplate."""
    part = corpus("allsides-news", "articles-part-00.jsonl.gz")
    work = tmp_path_factory.mktemp("diff")
    raw = work / "raw"
    raw.mkdir()
    with gzip.open(part, "rt", encoding="utf-8") as src, \
            (raw / "allsides.jsonl").open("w", encoding="utf-8") as dst:
        for _, line in zip(range(SUBSET_ARTICLES), src):
            dst.write(line)
    outs = []
    for name, extra in (("a", []), ("b", ["--set", "clean.learn_repeated=false"])):
        out = work / name
        r = run_cli("run", "--raw", str(raw), "--out", str(out), "--quiet", *extra)
        assert r.returncode == 0, r.stderr
        outs.append(out)
    return outs[0], outs[1]


def test_allsides_diff_lists_the_moved_paragraphs_exactly(two_runs, tmp_path):
    a, b = two_runs
    summary = check_against_join(a, b, tmp_path / "moved.csv")
    assert summary["paragraphs"]["moved"] > 20
    moves = {(t["from"], t["to"]) for t in summary["transitions"]}
    assert ("boilerplate:repeated_in_source", "kept") in moves
    assert summary["config_changes"] == [{"key": "clean.learn_repeated", "a": True, "b": False}]


def test_cli_text_json_and_html(two_runs, tmp_path):
    a, b = two_runs
    page = tmp_path / "diff.html"
    r = run_cli("diff", str(a), str(b), "--json", "--html", str(page))
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary == to_json(compare(a, b))
    first = summary["transitions"][0]
    assert first["from"] == "boilerplate:repeated_in_source"
    samples = summary["samples"]
    assert samples and all(s["text"] and s["url"] for s in samples)
    ledger = pd.read_parquet(b / "parquet" / "paragraphs").set_index(["doc_id", "index"])
    for s in samples:  # the text shown is the paragraph's, and its fate is the new one
        row = ledger.loc[(s["doc_id"], s["index"])]
        assert row.text == s["text"] and s["to"].startswith(row.status)
    text = run_cli("diff", str(a), str(b)).stdout
    assert f"{first['paragraphs']:>10,}  {first['from']} -> {first['to']}" in text
    assert "top movers per source" in text and "clean.learn_repeated: True -> False" in text
    html = page.read_text(encoding="utf-8")
    assert html == render_diff(compare(a, b))
    for bad in ("<script", "<link", "<img", "@import", "url(", 'src="http', 'href="http'):
        assert bad not in html
    assert html.count('<div class="pair">') == len(samples)


def test_diff_page_renders_in_headless_chromium(two_runs, chromium, tmp_path):  # noqa: F811
    page = tmp_path / "diff.html"
    page.write_text(render_diff(compare(*two_runs)), encoding="utf-8")
    png = tmp_path / "shot.png"
    screenshot(chromium, page, png, tmp_path)
    assert png.is_file() and png.stat().st_size > 0, "chromium wrote no screenshot"
    img = decode_png(png.read_bytes())[:, :, :3]
    assert img.shape[:2] == (2000, 1200)
    non_white = (img.min(axis=2) < 235).mean()
    assert non_white > 0.03, f"only {non_white:.1%} of pixels are not near-white"
    # the moved-paragraphs chart's bars are drawn in the palette's blue (#4e79a7)
    blue = int(((img[:, :, 0] == 0x4E) & (img[:, :, 1] == 0x79) & (img[:, :, 2] == 0xA7)).sum())
    assert blue > 2000, f"{blue} pixels of the chart colour"
