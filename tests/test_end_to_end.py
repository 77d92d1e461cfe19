"""The foundation's acceptance on the two sample articles, through the real command line."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from datasets import Dataset, load_from_disk

from conftest import ROOT

SEED_A = "000_c31a543739f4d4b5"
SEED_B = "003_f0f537a06f17b18a"
TRUMP = "I have strongly requested President Putin"
PUTIN = "In this regard, I would like to emphasize"
PARAPHRASE = "Trump, in a social media post, said"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("seeds") / "processed"
    r = run_cli("run", "--config", "configs/default.yaml", "--raw", "raw", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    return out


def test_outputs_load(seeds_out: Path):
    docs = load_from_disk(str(seeds_out / "hf" / "documents"))
    ledger = load_from_disk(str(seeds_out / "hf" / "paragraphs"))
    assert isinstance(docs, Dataset) and isinstance(ledger, Dataset)
    assert sorted(docs["id"]) == [SEED_A, SEED_B]
    frame = pd.read_parquet(seeds_out / "parquet" / "documents")
    assert list(frame.columns[:7]) == ["id", "source", "title", "section", "url", "date", "text"]
    assert len(pd.read_parquet(seeds_out / "parquet" / "paragraphs")) == len(ledger)
    card = (seeds_out / "README.md").read_text()
    assert card.startswith("---\n") and "license: other" in card
    assert "the texts keep their publishers' rights" in card
    stats = json.loads((seeds_out / "stats.json").read_text())
    for stage in ("ingest", "clean", "dedup", "annotate", "write"):
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


def _digests(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        # stats.json holds timings; config.yaml records run.workers, which differs on purpose.
        if p.is_file() and p.name not in ("stats.json", "config.yaml")
        and ".cache" not in p.relative_to(out).parts  # reusable work, not output
    }


def test_reruns_and_worker_counts_give_identical_bytes(seeds_out: Path, tmp_path: Path):
    again = tmp_path / "again"
    r = run_cli("run", "--raw", "raw", "--out", str(again), "--quiet", "--workers", "2",
                "--config", "configs/default.yaml")
    assert r.returncode == 0, r.stderr
    first, second = _digests(seeds_out), _digests(again)
    assert any(k.endswith(".parquet") for k in first)
    assert first == second


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
