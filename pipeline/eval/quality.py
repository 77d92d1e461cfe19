"""Quality signals beside datatrove: `python -m pipeline.eval.quality [--out DIR] [--json PATH]`.

On allsides part-00, run through the pipeline (default configuration, every annotator), each
written document's text goes through datatrove 0.10's GopherQualityFilter,
GopherRepetitionFilter, C4QualityFilter and FineWebQualityFilter at their defaults, and our
equivalent filter rules (`RULES`, applied by `annotators/filters.py` to our columns) decide on
the same document. The figure is the share of documents with the same keep/drop decision, per
filter (goal: >= 99% each); every disagreement is listed with datatrove's reason, our failing
rule and the signal values around the threshold.

datatrove comes with the bench extra (`make eval` installs it, see the Makefile); without it
this evaluation says so and is skipped.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..annotators.filters import failing, parse
from .common import corpora_dir, publish

RULES: dict[str, dict[str, Any]] = {
    "gopher_quality": {
        "gopher.word_count": [50, 100_000], "gopher.mean_word_length": [3, 10],
        "gopher.symbol_word_ratio": {"max": 0.1}, "gopher.bullet_line_share": {"max": 0.9},
        "gopher.ellipsis_line_share": {"max": 0.3}, "gopher.alpha_word_share": {"min": 0.8},
        "gopher.stop_words": {"min": 2}},
    "gopher_repetition": {
        "repetition.dup_para_share": {"max": 0.3}, "repetition.dup_para_char_share": {"max": 0.2},
        "repetition.dup_line_share": {"max": 0.3}, "repetition.dup_line_char_share": {"max": 0.2},
        "repetition.top_2gram_char_share": {"max": 0.2},
        "repetition.top_3gram_char_share": {"max": 0.18},
        "repetition.top_4gram_char_share": {"max": 0.16},
        **{f"repetition.dup_{n}gram_char_share": {"max": t}
           for n, t in zip(range(5, 11), (0.15, 0.14, 0.13, 0.12, 0.11, 0.10))}},
    "c4_quality": {"c4.lorem_ipsum": False, "c4.curly_bracket": False, "c4.sentences": {"min": 5}},
    "fineweb_quality": {
        "fineweb.line_punct_share": {"min": 0.12}, "fineweb.short_line_share": {"max": 0.67},
        "fineweb.dup_line_char_share": {"max": 0.01}, "fineweb.newline_word_ratio": {"max": 0.3}},
}
ALL = ("language", "gopher", "c4", "fineweb", "repetition", "pii")


def datatrove_filters() -> dict[str, Any] | None:
    try:
        from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter,
                                                GopherQualityFilter, GopherRepetitionFilter)
    except ImportError:
        return None
    return {"gopher_quality": GopherQualityFilter(), "gopher_repetition": GopherRepetitionFilter(),
            "c4_quality": C4QualityFilter(), "fineweb_quality": FineWebQualityFilter()}


def datatrove_decision(flt: Any, doc_id: str, text: str) -> tuple[bool, str | None]:
    from datatrove.data import Document

    got = flt.filter(Document(text=text, id=doc_id))
    if isinstance(got, tuple):
        return bool(got[0]), got[1]
    return bool(got), None


def run_pipeline(work: Path) -> Path:
    raw, out = work / "raw", work / "out"
    raw.mkdir(parents=True, exist_ok=True)
    shutil.copy(corpora_dir() / "allsides-news" / "articles-part-00.jsonl.gz", raw)
    subprocess.run([sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--out", str(out),
                    "--quiet", "--set", f"annotate.annotators=[{', '.join(ALL)}]"], check=True)
    return out


def _decide_chunk(chunk: list[tuple[str, str]]) -> list[dict[str, list]]:
    """In a worker process: datatrove's {filter: [keep, reason]} for each (id, text). Documents
    outer, filters inner: datatrove keeps the last texts' spaCy words (lru_cache), so each text
    is split once."""
    filters = datatrove_filters()
    return [{name: list(datatrove_decision(flt, doc_id, text)) for name, flt in filters.items()}
            for doc_id, text in chunk]


def datatrove_decisions(rows: list[dict], workers: int = 0) -> list[dict[str, list]]:
    """Per document, {filter: [keep, reason]} from datatrove, computed now (nothing is kept
    between runs: an answer stored by text would outlive a change of datatrove or its
    defaults). Each document is independent, so chunks of documents run in `workers`
    processes (0: one per CPU core); the answers come back in the rows' order."""
    from concurrent.futures import ProcessPoolExecutor

    items = [(row["id"], row["text"]) for row in rows]
    workers = workers or os.cpu_count() or 1
    size = max(1, min(200, -(-len(items) // (workers * 4))))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    if workers == 1 or len(chunks) <= 1:
        return [d for c in chunks for d in _decide_chunk(c)]
    with ProcessPoolExecutor(workers) as pool:
        return [d for part in pool.map(_decide_chunk, chunks) for d in part]


def evaluate(out: Path, sample: int = 0, workers: int = 0) -> dict[str, Any]:
    import pyarrow.parquet as pq

    table = pq.read_table(out / "parquet" / "documents")
    n_written = table.num_rows
    if sample and sample < table.num_rows:
        # Every k-th document: a fixed, evenly spread sample (datatrove needs ~70 ms each).
        table = table.take(list(range(0, table.num_rows, math.ceil(table.num_rows / sample))))
    rows = table.to_pylist()
    t, cpu = time.perf_counter(), _cpu_seconds()
    theirs = datatrove_decisions(rows, workers)
    res: dict[str, Any] = {"documents": len(rows), "written": n_written,
                           "datatrove_seconds": round(time.perf_counter() - t, 1),
                           "datatrove_cpu_seconds": round(_cpu_seconds() - cpu, 1), "filters": {}}
    for name, spec in RULES.items():
        rules = parse(spec, ALL)
        agree, differ, dropped_dt, dropped_us = 0, [], 0, 0
        for row, dt in zip(rows, theirs):
            keep_dt, why_dt = dt[name]
            rule = failing(row, rules)
            keep_us = rule is None
            dropped_dt += not keep_dt
            dropped_us += not keep_us
            if keep_dt == keep_us:
                agree += 1
            else:
                differ.append({"id": row["id"], "datatrove": why_dt,
                               "ours": rule.reason if rule else None,
                               "signals": {r.key: row[r.column] for r in rules}})
        res["filters"][name] = {
            "agreement": agree / len(rows) if rows else 1.0, "differ": len(differ),
            "dropped_datatrove": dropped_dt, "dropped_ours": dropped_us, "examples": differ}
    return res


def _cpu_seconds() -> float:
    """User + system time of this process and its finished children (the datatrove workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def render(res: dict[str, Any]) -> str:
    lines = [f"Quality filters vs datatrove 0.10 on allsides part-00: {res['documents']} of the "
             f"{res['written']} documents the pipeline wrote; datatrove took "
             f"{res['datatrove_seconds']} s ({res['datatrove_cpu_seconds']} s CPU)"]
    if res["documents"] < res["written"] and res["documents"]:
        # Why a sample: datatrove's side grows with the documents compared, and make eval
        # (dedup, boilerplate, this, PII) should stay within ~15 minutes.
        full = res["datatrove_cpu_seconds"] / res["documents"] * res["written"] / 60
        lines.append(f"This is a sample (every k-th document): all {res['written']} would take "
                     f"about {full:.0f} CPU-minutes on datatrove's side, too long for make eval; "
                     f"`python -m pipeline.eval.quality --sample 0` compares all (docs/annotators.md "
                     f"has that figure).")
    lines += ["",
             "| filter | same decision | differ | dropped by datatrove | dropped by ours |",
             "|---|---:|---:|---:|---:|"]
    for name, f in res["filters"].items():
        lines.append(f"| {name} | {f['agreement']:.2%} | {f['differ']} | "
                     f"{f['dropped_datatrove']} | {f['dropped_ours']} |")
    for name, f in res["filters"].items():
        if f["examples"]:
            shown = f["examples"][:15]  # all of them are in the JSON (--json)
            lines += ["", f"{name}: where the decisions differ (first {len(shown)} of {f['differ']})"]
            for ex in shown:
                sig = ", ".join(f"{k.split('.', 1)[1]}={_fmt(v)}" for k, v in ex["signals"].items())
                lines.append(f"- {ex['id']}: datatrove {ex['datatrove'] or 'keeps'}, "
                             f"ours {ex['ours'] or 'keeps'} ({sig})")
    return "\n".join(lines)


def _fmt(v: Any) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.eval.quality", description=__doc__)
    ap.add_argument("--out", type=Path, default=None,
                    help="a pipeline output of allsides part-00 to read (default: run it now)")
    ap.add_argument("--sample", type=int, default=2000,
                    help="compare on this many documents, evenly spread (0: all; datatrove "
                         "takes ~70 ms a document, ~20 min for all of part-00)")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    ap.add_argument("--workers", type=int, default=0,
                    help="processes for datatrove's side (default 0: one per CPU core)")
    args = ap.parse_args(argv)
    if datatrove_filters() is None:
        print("skipped: datatrove is not installed (pip install -e '.[bench]')")
        return 0
    if args.out is None and not (corpora_dir() / "allsides-news").is_dir():
        print(f"skipped: corpus not found at {corpora_dir()}")
        return 0
    with tempfile.TemporaryDirectory(prefix="newsprep-quality-") as tmp:
        out = args.out or run_pipeline(Path(tmp))
        res = evaluate(out, args.sample, args.workers)
    return publish(res, render(res), args.json)


if __name__ == "__main__":
    sys.exit(main())
