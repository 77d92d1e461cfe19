"""The foundation's acceptance on the two sample articles, through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from datasets import Dataset, load_from_disk

from conftest import SEED_A, SEED_B, run_cli

TRUMP = "I have strongly requested President Putin"
PUTIN = "In this regard, I would like to emphasize"
PARAPHRASE = "Trump, in a social media post, said"


def test_outputs_load(seeds_out: Path):
    docs = load_from_disk(str(seeds_out / "hf" / "documents"))
    ledger = load_from_disk(str(seeds_out / "hf" / "paragraphs"))
    assert isinstance(docs, Dataset) and isinstance(ledger, Dataset)
    assert sorted(docs["id"]) == [SEED_A, SEED_B]
    frame = pd.read_parquet(seeds_out / "parquet" / "documents")
    # The columns, in the README's order.
    assert list(frame.columns) == [
        "id", "source", "title", "section", "url", "date", "text", "language", "language_score",
        "n_chars", "n_words", "n_paragraphs", "n_boilerplate_removed", "n_duplicates_removed",
        "content_hash", "path", "meta",
        # then the default annotators' columns (language's are the fixed two above)
        "pii_emails", "pii_phones", "pii_ips"]
    assert list(pd.read_parquet(seeds_out / "parquet" / "paragraphs").columns) == [
        "doc_id", "index", "source", "text", "status", "reason", "duplicate_of_doc_id",
        "duplicate_of_index", "similarity", "cluster_id", "covered_by"]
    assert len(pd.read_parquet(seeds_out / "parquet" / "paragraphs")) == len(ledger)
    card = (seeds_out / "README.md").read_text()
    assert card.startswith("---\n") and "license: other" in card
    assert "the texts keep their publishers' rights" in card
    stats = json.loads((seeds_out / "stats.json").read_text())
    for stage in ("ingest", "clean", "dedup", "annotate", "filter", "write"):
        assert "wall_seconds" in stats["stages"][stage]
    assert (seeds_out / "config.yaml").exists()


def test_seed_acceptance(seeds_out: Path):
    docs = pd.read_parquet(seeds_out / "parquet" / "documents").set_index("id")
    ledger = pd.read_parquet(seeds_out / "parquet" / "paragraphs")
    a, b = docs.loc[SEED_A], docs.loc[SEED_B]
    assert a.title == "Putin says Russia will spare Ukrainian forces in Kursk if they surrender"
    assert a.section == "Russia-Ukraine war News"
    assert "Leave a Comment" not in a.text
    assert "Your email address will not be published" not in a.text
    for doc in (a, b):
        assert doc.language == "en" and doc.language_score >= 0.9

    dups = ledger[ledger.status == "duplicate"]
    assert len(dups) == 2 and set(dups.doc_id) == {SEED_B}
    for quote, shared in ((TRUMP, "their lives be spared"), (PUTIN, "lay down their arms and surrender")):
        row = dups[dups.text.str.contains(quote, regex=False)]
        assert len(row) == 1
        target = ledger[(ledger.doc_id == row.duplicate_of_doc_id.iloc[0])
                        & (ledger.index == row.duplicate_of_index.iloc[0])]
        assert target.doc_id.iloc[0] == SEED_A and target.status.iloc[0] == "kept"
        assert shared in target.text.iloc[0]
        assert row.similarity.iloc[0] > 0 and row.cluster_id.iloc[0] == target.cluster_id.iloc[0]
    assert PARAPHRASE in b.text

    # Every other paragraph is in the output verbatim, headings included.
    for doc_id, doc in ((SEED_A, a), (SEED_B, b)):
        rows = ledger[ledger.doc_id == doc_id].sort_values("index")
        kept = rows[rows.status == "kept"].text.tolist()
        assert doc.text == "\n\n".join(kept)
        assert len(rows) == len(kept) + (2 if doc_id == SEED_A else 2)
    assert "Ceasefire talks" in a.text.split("\n\n")
    assert "Ukraine denies encirclement claims" in b.text.split("\n\n")
    removed_a = ledger[(ledger.doc_id == SEED_A) & (ledger.status != "kept")]
    assert set(removed_a.status) == {"boilerplate"} and len(removed_a) == 2


def test_config_error_is_one_line_exit_2(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("dedup:\n  nonsense: 3\n")
    r = run_cli("run", "--config", str(bad), "--raw", "raw", "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "dedup.nonsense" in r.stderr and str(bad) in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()


def test_nothing_readable_exits_non_zero(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "empty.txt").write_text("")
    r = run_cli("run", "--raw", str(raw), "--out", str(tmp_path / "o"))
    assert r.returncode == 1 and "no document could be read" in r.stderr
    assert "Traceback" not in r.stderr
