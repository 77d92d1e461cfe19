"""A re-run with unchanged inputs, configuration and code does nothing; any change reruns."""

from __future__ import annotations

from pathlib import Path

from pipeline.core.config import load_config
from pipeline.runner import run

from conftest import output_digest


def test_unchanged_inputs_are_up_to_date_and_changes_rerun(seed_raw: Path, tmp_path: Path):
    out = tmp_path / "processed"
    cfg = load_config(None)
    first = run(cfg, seed_raw, out)
    assert "up_to_date" not in first
    stamp = (out / "parquet").stat().st_ino

    assert run(cfg, seed_raw, out).get("up_to_date") is True
    assert (out / "parquet").stat().st_ino == stamp  # nothing was rewritten
    # Worker count does not shape the output, so it does not force a rerun either.
    assert run(load_config(None, ["run.workers=2"]), seed_raw, out).get("up_to_date") is True

    (seed_raw / "extra.txt").write_text("A new article arrived.\nIt has two paragraphs of text.\n")
    again = run(cfg, seed_raw, out)
    assert "up_to_date" not in again and again["totals"]["documents_ingested"] == 3

    # A configuration change reruns, and its output is a fresh run's, not the old one patched.
    before = output_digest(out)
    changed_cfg = load_config(None, ["clean.allowlist=['leave a comment']"])
    changed = run(changed_cfg, seed_raw, out)
    assert "up_to_date" not in changed
    run(changed_cfg, seed_raw, tmp_path / "fresh")
    assert output_digest(out) == output_digest(tmp_path / "fresh") != before
    assert changed["totals"]["paragraphs_by_status"]["boilerplate"] == \
        again["totals"]["paragraphs_by_status"]["boilerplate"] - 1
    assert "up_to_date" not in run(changed_cfg, seed_raw, out, force=True)


def test_new_files_reuse_old_work_and_equal_a_run_from_scratch(seed_raw: Path, tmp_path: Path):
    out, scratch = tmp_path / "processed", tmp_path / "scratch"
    cfg = load_config(None)
    run(cfg, seed_raw, out)
    # A later outlet reprints the Putin quote: deduplicated against what is already kept.
    (seed_raw / "later").mkdir()
    (seed_raw / "later" / "wire.txt").write_text(
        "Putin offers terms\n\n"
        "“In this regard, I would like to emphasise that if the Ukrainian troops lay down their arms "
        "and surrender, they will be guaranteed life and decent treatment in accordance with "
        "international law and the laws of the Russian Federation,” Putin said.\n"
        "The Kremlin gave no timetable for talks on Friday.\n"
    )
    stats = run(cfg, seed_raw, out)
    assert stats["stages"]["ingest"]["files_reused"] == 2
    assert stats["stages"]["annotate"]["language_reused"] == 2  # old documents unchanged
    run(cfg, seed_raw, scratch)
    assert output_digest(out) == output_digest(scratch)
    import pandas as pd

    ledger = pd.read_parquet(out / "parquet" / "paragraphs")
    reprint = ledger[(ledger.doc_id == "later/wire") & (ledger.status == "duplicate")]
    assert list(reprint.duplicate_of_doc_id) == ["000_c31a543739f4d4b5"]
