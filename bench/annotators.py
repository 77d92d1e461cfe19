"""What the annotators cost: allsides part-00 with the default annotators beside the same run
with only `language` (the columns the pipeline had before them), in turn, and whether the
outputs are otherwise equal.

`python -m bench annotators [--repeat N] [--workers N]`. Each run is a cold process (no cache);
wall time and CPU time (user + system of the run and its workers) are reported, and the ratio
of each pair, with the median over pairs (goal: at most +15%). The check: every column of the
language-only documents table, and the whole ledger, equal the default run's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .pipeline import PARTS, ROOT, raw_folder


def timed_run(raw: Path, out: Path, workers: int, *sets: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one cold pipeline run."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--out", str(out), "--quiet",
           "--workers", str(workers), "--config", str(ROOT / "configs" / "default.yaml")]
    for s in sets:
        cmd += ["--set", s]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"run failed: {proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def same_outputs(base: Path, full: Path) -> tuple[bool, list[str]]:
    import pyarrow.parquet as pq

    a = pq.read_table(base / "parquet" / "documents")
    b = pq.read_table(full / "parquet" / "documents")
    added = [c for c in b.column_names if c not in a.column_names]
    same = (b.select(a.column_names).equals(a) and
            pq.read_table(base / "parquet" / "paragraphs").equals(pq.read_table(full / "parquet" / "paragraphs")))
    return same, added


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench annotators", description=__doc__)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="pairs of runs")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "annotators.md")
    ap.add_argument("--annotators", default=None,
                    help="the set beside language only, e.g. 'language,gopher,c4,fineweb,repetition,pii' "
                         "(default: the default annotators)")
    ap.add_argument("--keep", type=Path, default=None,
                    help="keep the last default run's output here (e.g. for python -m pipeline.eval.quality --out)")
    args = ap.parse_args(argv)
    if not PARTS[0].exists():
        print(f"skipped: corpus not found at {PARTS[0]}")
        return 0
    with tempfile.TemporaryDirectory(prefix="newsprep-annot-") as tmp:
        work = Path(tmp)
        raw = raw_folder(work, PARTS[:1])
        pairs = []
        chosen = [f"annotate.annotators=[{args.annotators}]"] if args.annotators else []
        for _ in range(args.repeat):
            base = timed_run(raw, work / "base", args.workers, "annotate.annotators=[language]")
            full = timed_run(raw, work / "full", args.workers, *chosen)
            pairs.append((base, full))
        same, added = same_outputs(work / "base", work / "full")
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(work / "full", args.keep)
    wall = [f[0] / b[0] for b, f in pairs]
    cpu = [f[1] / b[1] for b, f in pairs]
    which = f"[{args.annotators}]" if args.annotators else "default annotators"
    lines = [f"# Annotators on allsides part-00, --workers {args.workers}: {which} beside language only", "",
             f"| pair | language only: wall s | CPU s | {which}: wall s | CPU s | wall ratio | CPU ratio |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for i, ((bw, bc), (fw, fc)) in enumerate(pairs):
        lines.append(f"| {i + 1} | {bw:.1f} | {bc:.1f} | {fw:.1f} | {fc:.1f} | {fw / bw:.2f} | {fc / bc:.2f} |")
    lines += ["", f"- added cost, median of {len(pairs)} pairs: wall **{statistics.median(wall) - 1:+.0%}**, "
              f"CPU **{statistics.median(cpu) - 1:+.0%}** (goal: at most +15%)",
              f"- outputs otherwise equal (every language-only column and the ledger): **{same}**; "
              f"{len(added)} columns added"]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0 if same else 1
