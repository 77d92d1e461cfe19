"""README promises that no other test exercised: the sources.csv manifest, an HTML article
through the whole run, the keeper rule, the run key, the cache, --set on every section, the
drop/enable/size switches, `python -m pipeline.report`, `make report` and `make clean`.
tests/README.md maps each README line to its test."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.core import digest
from pipeline.core.config import load_config
from pipeline.report.render import render_report
from pipeline.runner import run
from pipeline.runtime import runkey
from pipeline.stages.dedup import keeper_order

from conftest import ROOT, SEED_A, SEED_B, SEED_FILES, SEEDS, fork_cli, output_digest

FAST = ["annotate.annotators=[]"]
SHARED_PARAGRAPH = ("The regional council voted on Tuesday to close the old harbour bridge for "
                    "eighteen months of repairs, diverting about 12,000 vehicles a day to the ring road.")


def _body(i: int) -> str:
    return (f"Story number {i} opens with its own reporting about the storm damage along the coast "
            f"and the {i + 3} families still waiting for help.\n{SHARED_PARAGRAPH}")


def _docs(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "parquet" / "documents").set_index("id")


def _ledger(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "parquet" / "paragraphs")


def _quarantine(out: Path) -> list[dict]:
    return [json.loads(q) for q in (out / "quarantine.jsonl").read_text().splitlines()]


def _keeper(out: Path) -> str:
    """The document whose copy of SHARED_PARAGRAPH stayed."""
    ledger = _ledger(out)
    rows = ledger[ledger.text == SHARED_PARAGRAPH]
    assert len(rows) >= 2 and (rows.status == "kept").sum() == 1, rows
    assert set(rows[rows.status != "kept"].status) == {"duplicate"}
    return rows[rows.status == "kept"].doc_id.iloc[0]


# --------------------------------------------------------------------------- sources.csv
def test_source_is_own_else_folder_else_manifest(tmp_path: Path):
    raw = tmp_path / "raw"
    (raw / "Herald").mkdir(parents=True)
    (raw / "a.txt").write_text(_body(1))
    (raw / "b.txt").write_text(_body(2))
    (raw / "Herald" / "c.txt").write_text(_body(3))
    (raw / "own.jsonl").write_text(json.dumps({"id": "own", "source": "Wire", "text": _body(4)}) + "\n")
    (raw / "sources.csv").write_text(
        "path,source,url,date\n"
        "a.txt,Gazette,https://gazette.example/a,\"March 4, 2021\"\n"
        "Herald/c.txt,Ignored,https://herald.example/c,2021-03-05\n"
        "own.jsonl,Ignored too,,\n"
        ",Nobody,,\n")
    run(load_config(None, FAST), raw, tmp_path / "out")
    docs = _docs(tmp_path / "out")
    assert docs.loc["a", ["source", "url", "date"]].tolist() == ["Gazette", "https://gazette.example/a", "2021-03-04"]
    assert pd.isna(docs.loc["b"].source) and pd.isna(docs.loc["b"].url)  # no folder, no entry
    assert docs.loc["Herald/c", ["source", "url", "date"]].tolist() == ["Herald", "https://herald.example/c", "2021-03-05"]
    assert docs.loc["own"].source == "Wire"
    assert "sources" not in " ".join(docs.index)  # the manifest is not an input
    assert {(q["path"], q["line"]) for q in _quarantine(tmp_path / "out")} == {("sources.csv", 5)}


# --------------------------------------------------------------------------- HTML, whole run
def test_html_article_through_the_whole_pipeline(tmp_path: Path):
    from test_htmlextract import PAGE, PARAS

    raw = tmp_path / "raw"
    (raw / "gazette").mkdir(parents=True)
    (raw / "gazette" / "transit.htm").write_text(PAGE)
    stats = run(load_config(None), raw, tmp_path / "out")
    doc = _docs(tmp_path / "out").loc["gazette/transit"]
    assert (doc.source, doc.title, doc.date) == ("gazette", "Council approves transit plan", "2021-03-04")
    assert doc.url == "https://gazette.example.com/news/transit-plan"
    assert json.loads(doc.meta)["author"] == "Jane Doe"
    assert doc.language == "en" and doc.path == "gazette/transit.htm"
    assert all(p in doc.text.split("\n\n") for p in PARAS)
    assert "Leave a Comment" not in doc.text and "All rights reserved" not in doc.text
    assert stats["totals"]["documents_ingested"] == 1 and stats["totals"]["inputs_quarantined"] == 0


# --------------------------------------------------------------------------- keeper rule
@pytest.mark.parametrize("records, priority, keeper", [
    # dated before undated, whatever the ids and the order read
    ([("a-undated", None, "X"), ("z-dated", "2021-05-01", "X")], [], "z-dated"),
    # the earliest date
    ([("a", "2021-05-02", "X"), ("b", "2021-05-01", "X")], [], "b"),
    # a same-date tie goes to dedup.source_priority ...
    ([("a", "2021-05-01", "Blog"), ("b", "2021-05-01", "Reuters")], ["Reuters"], "b"),
    # ... and without priority to the smaller id
    ([("b", "2021-05-01", "Blog"), ("a", "2021-05-01", "Reuters")], [], "a"),
    # priority does not beat an earlier date
    ([("a", "2021-05-02", "Reuters"), ("b", "2021-05-01", "Blog")], ["Reuters"], "b"),
    # instants, not strings: 10:00+05:00 is 05:00 UTC, before 07:00 UTC
    ([("a", "2021-05-01T07:00:00+00:00", "X"), ("b", "2021-05-01T10:00:00+05:00", "X")], [], "b"),
    ([("a", "2021-05-01T01:00:00+02:00", "X"), ("b", "2021-04-30T23:30:00Z", "X")], [], "a"),
])
def test_keeper_rule(tmp_path: Path, records, priority, keeper):
    raw = tmp_path / "raw"
    raw.mkdir()
    with (raw / "feed.jsonl").open("w") as fh:
        for i, (doc_id, date, source) in enumerate(records):
            fh.write(json.dumps({"id": doc_id, "date": date, "source": source, "text": _body(i)}) + "\n")
    cfg = load_config(None, [*FAST, f"dedup.source_priority={json.dumps(priority)}"])
    run(cfg, raw, tmp_path / "out")
    assert _keeper(tmp_path / "out") == keeper
    # The input order does not matter.
    (raw / "feed.jsonl").write_text("".join(reversed((raw / "feed.jsonl").read_text().splitlines(True))))
    run(cfg, raw, tmp_path / "reversed")
    assert _keeper(tmp_path / "reversed") == keeper


def test_keeper_order_directly():
    ids = ["d", "c", "b", "a", "e"]
    dates = [None, "2020-01-02", "2020-01-01T20:00:00+05:00", "2020-01-01T16:00:00+00:00", "2020-01-02"]
    sources = ["S", "T", "T", "T", "S"]
    # b is 15:00 UTC, a 16:00 UTC (as strings, a would come first); c and e share a date:
    # priority S puts e first, else the id does; d is undated.
    assert [ids[g] for g in keeper_order(ids, dates, sources, ("S",))] == ["b", "a", "e", "c", "d"]
    assert [ids[g] for g in keeper_order(ids, dates, sources, ())] == ["b", "a", "c", "e", "d"]


# --------------------------------------------------------------------------- run key
def test_run_key_follows_code_rules_and_every_config_section(tmp_path: Path, monkeypatch):
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw, ignore=shutil.ignore_patterns(".gitkeep"))
    base = runkey.run_key(load_config(None), raw)
    assert runkey.run_key(load_config(None), raw) == base
    # Every section that shapes the output changes the key; `run` (workers, executor) does not.
    for override in ("ingest.html_timeout_s=3", "clean.repeated_min_docs=7", "dedup.enabled=false",
                     "dedup.near.containment=0.9", "annotate.langdetect_seed=1", "write.zstd_level=5"):
        assert runkey.run_key(load_config(None, [override]), raw) != base, override
    assert runkey.run_key(load_config(None, ["run.workers=3"]), raw) == base
    # The boilerplate rules file is code too: its bytes are in the key.
    rules = tmp_path / "rules.yaml"
    shutil.copy(ROOT / "configs" / "boilerplate.yaml", rules)
    with_rules = runkey.run_key(load_config(None, [f"clean.rules_file={rules}"]), raw)
    rules.write_text(rules.read_text() + "\n# an edit\n")
    assert runkey.run_key(load_config(None, [f"clean.rules_file={rules}"]), raw) != with_rules
    # Inputs: a changed raw file changes it; a file outside the raw folder does not.
    (tmp_path / "notes.txt").write_text("unrelated")
    assert runkey.run_key(load_config(None), raw) == base
    (raw / SEED_FILES[0]).write_text((raw / SEED_FILES[0]).read_text() + "One more line.\n")
    assert runkey.run_key(load_config(None), raw) != base
    # Code: every .py file of the package, and nothing else in it.
    package = tmp_path / "pipeline"
    shutil.copytree(digest.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(digest, "PACKAGE", package)

    def code() -> str:
        digest.code_digest.cache_clear()
        return digest.code_digest()

    real = digest.code_digest()
    raw_key = runkey.run_key(load_config(None), raw)
    try:
        assert code() == real  # the copy is the same code
        (package / "NOTES.txt").write_text("not code")
        assert code() == real
        (package / "core" / "model.py").write_text((package / "core" / "model.py").read_text() + "\n# edit\n")
        assert code() != real
        monkeypatch.setattr(runkey, "code_digest", code)
        assert runkey.run_key(load_config(None), raw) != raw_key
    finally:
        digest.code_digest.cache_clear()


# --------------------------------------------------------------------------- cache
def test_cache_off_writes_no_cache_and_the_same_output(seed_raw: Path, tmp_path: Path):
    run(load_config(None), seed_raw, tmp_path / "cached")
    stats = run(load_config(None, ["run.cache=false"]), seed_raw, tmp_path / "uncached")
    assert (tmp_path / "cached" / ".cache").is_dir()
    assert not (tmp_path / "uncached" / ".cache").exists()
    assert "files_reused" not in stats["stages"]["ingest"]
    assert output_digest(tmp_path / "uncached", ignore=("config.yaml",)) == \
        output_digest(tmp_path / "cached", ignore=("config.yaml",))


def test_a_damaged_cache_entry_is_recomputed_not_trusted(seed_raw: Path, tmp_path: Path):
    out = tmp_path / "out"
    cfg = load_config(None)
    run(cfg, seed_raw, out)
    expected = output_digest(out)
    entries = sorted((out / ".cache" / "ingest").glob("*/*.arrow"))
    assert len(entries) == 2
    entries[0].write_bytes(entries[0].read_bytes()[:100])  # a half-written part
    index = sorted((out / ".cache" / "ingest").glob("*/index.json"))[1]
    index.write_text("{not json")  # a damaged index
    languages = out / ".cache" / "language.arrow"
    languages.write_bytes(b"garbage")
    stats = run(cfg, seed_raw, out, force=True)
    assert stats["stages"]["ingest"]["files_reused"] == 0
    assert stats["stages"]["annotate"]["language_reused"] == 0
    assert output_digest(out) == expected


# --------------------------------------------------------------------------- --set on every section
SETS = ["ingest.max_file_bytes=1000000", "ingest.html_timeout_s=5", "clean.repeated_min_docs=3",
        "clean.allowlist=['leave a comment']", "dedup.source_priority=[Reuters, AP]",
        "dedup.near.containment=0.9", "dedup.near.min_chars=30", "annotate.langdetect_seed=3",
        "write.zstd_level=7", "write.license=cc-by-4.0", "run.workers=1"]


def test_set_reaches_every_section_on_run_and_validate(tmp_path: Path):
    args = [a for s in SETS for a in ("--set", s)]
    r = fork_cli("validate", *args)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "out"
    r = fork_cli("run", "--raw", "raw", "--out", str(out), "--quiet", *args)
    assert r.returncode == 0, r.stderr
    written = yaml.safe_load((out / "config.yaml").read_text())
    assert written["ingest"]["max_file_bytes"] == 1000000 and written["ingest"]["html_timeout_s"] == 5
    assert written["clean"]["repeated_min_docs"] == 3 and written["clean"]["allowlist"] == ["leave a comment"]
    assert written["dedup"]["source_priority"] == ["Reuters", "AP"]
    assert written["dedup"]["near"]["containment"] == 0.9 and written["dedup"]["near"]["min_chars"] == 30
    assert written["annotate"]["langdetect_seed"] == 3 and written["write"]["zstd_level"] == 7
    assert written["run"]["workers"] == 1
    card = (out / "README.md").read_text()
    assert "license: cc-by-4.0" in card and "## License\n\n`cc-by-4.0`." in card
    # The resolved configuration loads back as the same configuration.
    assert load_config(out / "config.yaml") == load_config(None, SETS)
    # And the values acted: the allowlisted comment prompt is kept.
    assert "Leave a Comment" in _docs(out).loc[SEED_A].text
    # A bad value is named, on run and on validate alike.
    for command in (("validate",), ("run", "--raw", "raw", "--out", str(tmp_path / "never"))):
        bad = fork_cli(*command, "--set", "dedup.near.containment=7")
        assert bad.returncode == 2 and "dedup.near.containment" in bad.stderr, bad.stderr
    assert not (tmp_path / "never").exists()


# --------------------------------------------------------------------------- switches
def test_drop_empty_documents(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "feed.jsonl").write_text(
        json.dumps({"id": "first", "date": "2021-01-01", "text": _body(1)}) + "\n"
        + json.dumps({"id": "copy", "date": "2021-01-02", "text": SHARED_PARAGRAPH}) + "\n"
        + json.dumps({"id": "chrome", "text": "Advertisement\nLeave a Comment"}) + "\n")
    dropped = run(load_config(None, FAST), raw, tmp_path / "dropped")
    assert sorted(_docs(tmp_path / "dropped").index) == ["first"]
    assert dropped["stages"]["write"]["documents_out"] == 1
    kept = run(load_config(None, [*FAST, "write.drop_empty_documents=false"]), raw, tmp_path / "kept")
    docs = _docs(tmp_path / "kept")
    assert sorted(docs.index) == ["chrome", "copy", "first"]
    assert docs.loc["copy"].text == "" and docs.loc["chrome"].text == ""
    assert kept["stages"]["write"]["documents_out"] == 3
    # Either way the ledger holds every paragraph.
    assert len(_ledger(tmp_path / "dropped")) == len(_ledger(tmp_path / "kept")) == 5


def test_dedup_disabled_keeps_every_copy(seed_raw: Path, tmp_path: Path):
    stats = run(load_config(None, [*FAST, "dedup.enabled=false"]), seed_raw, tmp_path / "out")
    ledger = _ledger(tmp_path / "out")
    assert "duplicate" not in set(ledger.status)
    assert "duplicate" not in stats["totals"]["paragraphs_by_status"]
    assert "I have strongly requested President Putin" in _docs(tmp_path / "out").loc[SEED_B].text


def test_max_file_bytes_quarantines_larger_files(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "small.txt").write_text(_body(1))
    (raw / "large.txt").write_text(_body(2) * 20)
    stats = run(load_config(None, [*FAST, "ingest.max_file_bytes=2000"]), raw, tmp_path / "out")
    assert list(_docs(tmp_path / "out").index) == ["small"]
    (q,) = _quarantine(tmp_path / "out")
    assert q["path"] == "large.txt" and "ingest.max_file_bytes" in q["reason"]
    assert stats["totals"]["inputs_quarantined"] == 1


def test_run_exits_0_when_some_inputs_are_quarantined(seed_raw: Path, tmp_path: Path):
    (seed_raw / "broken.jsonl").write_text("{not json\n")
    r = fork_cli("run", "--raw", str(seed_raw), "--out", str(tmp_path / "out"), "--quiet")
    assert r.returncode == 0, r.stderr
    assert _quarantine(tmp_path / "out")[0]["path"] == "broken.jsonl"


# --------------------------------------------------------------------------- report, make
def test_python_m_pipeline_report_rewrites_the_report(seeds_out: Path, tmp_path: Path):
    out = tmp_path / "processed"
    shutil.copytree(seeds_out, out)
    (out / "report.html").unlink()
    r = subprocess.run([sys.executable, "-m", "pipeline.report", str(out)], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (out / "report.html").read_text(encoding="utf-8") == render_report(out)
    (out / "report.html").unlink()
    r = _make("report", f"OUT={out}")
    assert r.returncode == 0, r.stderr
    assert (out / "report.html").read_text(encoding="utf-8") == render_report(out)


def test_make_clean_empties_the_output_but_keeps_gitkeep(tmp_path: Path):
    out = tmp_path / "processed"
    (out / "parquet" / "documents").mkdir(parents=True)
    (out / ".gitkeep").touch()
    (out / "parquet" / "documents" / "x.parquet").write_bytes(b"x")
    (out / ".cache").mkdir()
    (out / "stats.json").write_text("{}")
    r = _make("clean", f"OUT={out}")
    assert r.returncode == 0, r.stderr
    assert [p.name for p in out.iterdir()] == [".gitkeep"]


def test_make_help_lists_every_target():
    r = _make("help")
    assert r.returncode == 0
    listed = {line.split()[0] for line in r.stdout.splitlines() if line.strip()}
    phony = next(line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith(".PHONY"))
    assert set(phony.split(":", 1)[1].split()) - {"help"} <= listed


def _make(*args: str) -> subprocess.CompletedProcess:
    if shutil.which("make") is None:
        from conftest import missing

        missing("make is not installed")
    # The suite's own interpreter: make's targets would otherwise (re)build .venv.
    return subprocess.run(["make", "-s", "-o", ".venv/.installed", f"PY={sys.executable}", *args],
                          cwd=ROOT, capture_output=True, text=True)


# --------------------------------------------------------------------------- JSONL fields
def test_jsonl_aliases_and_other_fields_in_meta(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    record = {"headline": "Bridge closes | Local News", "content_original": _body(1),
              "published": "2016-09-20T08:30:00-04:00", "link": "https://news.example/b",
              "outlet": "Example News", "bias": 2, "topic": "transport"}
    (raw / "feed.ndjson").write_text(json.dumps(record) + "\n")
    run(load_config(None, FAST), raw, tmp_path / "out")
    docs = _docs(tmp_path / "out")
    assert list(docs.index) == ["feed:1"]  # no id: the path without suffix, and the line
    doc = docs.loc["feed:1"]
    assert (doc.title, doc.section, doc.source) == ("Bridge closes", "Local News", "Example News")
    assert (doc.date, doc.url) == ("2016-09-20T08:30:00-04:00", "https://news.example/b")
    assert json.loads(doc.meta) == {"bias": 2, "topic": "transport"}
    assert doc.text == _body(1).replace("\n", "\n\n")


# --------------------------------------------------------------------------- learned lines
def test_learned_boilerplate_is_written_with_how_often_it_fired(tmp_path: Path):
    raw = tmp_path / "raw"
    (raw / "Times").mkdir(parents=True)
    for i in range(12):
        # A line the outlet prints after the article on every page (between two prose
        # paragraphs the same line would be structure, a recurring heading, and stay).
        (raw / "Times" / f"{i}.txt").write_text(
            f"Lawmakers in district {i} voted on the budget measure on day {i}, officials said.\n"
            f"The vote, number {i} this session, followed weeks of talks over spending plans.\n"
            "Metro Desk Evening Digest Edition\n")
    run(load_config(None, FAST), raw, tmp_path / "out")
    learned = pd.read_csv(tmp_path / "out" / "boilerplate_learned.csv")
    row = learned[learned.line == "metro desk evening digest edition"].iloc[0]
    assert (row.source, row.n_docs, row.n_removed) == ("Times", 12, 12)
    ledger = _ledger(tmp_path / "out")
    removed = ledger[ledger.text == "Metro Desk Evening Digest Edition"]
    assert len(removed) == 12 and set(removed.reason) == {"repeated_in_source"}


# --------------------------------------------------------------------------- output files
def test_parquet_is_zstd_with_the_explicit_schema_and_counts_match_the_ledger(seeds_out: Path):
    import pyarrow.parquet as pq

    from pipeline.annotators import DEFAULT
    from pipeline.core.schema import PARAGRAPH_SCHEMA, document_schema

    for name, schema in (("documents", document_schema(DEFAULT)), ("paragraphs", PARAGRAPH_SCHEMA)):
        (path,) = (seeds_out / "parquet" / name).glob("*.parquet")
        meta = pq.ParquetFile(path).metadata
        assert {meta.row_group(0).column(c).compression for c in range(meta.num_columns)} == {"ZSTD"}
        assert pq.read_schema(path).remove_metadata().equals(schema.remove_metadata())
    docs, ledger = _docs(seeds_out), _ledger(seeds_out)
    for doc_id, doc in docs.iterrows():
        rows = ledger[ledger.doc_id == doc_id]
        assert doc.n_paragraphs == (rows.status == "kept").sum()
        assert doc.n_boilerplate_removed == (rows.status == "boilerplate").sum()
        assert doc.n_duplicates_removed == (rows.status == "duplicate").sum()
        assert doc.n_chars == len(doc.text) and doc.n_words == len(doc.text.split())
    assert docs.content_hash.nunique() == len(docs)
