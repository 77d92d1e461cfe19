"""A re-run with unchanged inputs, configuration and code does nothing; any change reruns."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import load_config
from pipeline.runner import run


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

    changed = run(load_config(None, ["dedup.within_document=false"]), seed_raw, out)
    assert "up_to_date" not in changed
    assert "up_to_date" not in run(load_config(None, ["dedup.within_document=false"]), seed_raw, out, force=True)
