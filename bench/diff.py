"""`diff` beside reading one ledger: time on allsides part-00, memory on part-00 and both parts.

Two runs of the same inputs are compared: the default configuration, and
`--set clean.learn_repeated=false`. The yardstick is reading one ledger whole
(`pyarrow.parquet.read_table` of parquet/paragraphs, every column). Each measurement runs in its
own process; the time is taken inside it around the work (imports excluded, for both), the peak
memory is the process's resident peak. The runs are kept in the work folder and reused when up
to date (the pipeline's own run key decides).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from .pipeline import PARTS, ROOT, raw_folder

BASE = """
import json, resource
import pyarrow as pa
from pipeline.share.diff import compare
pa.array([0]).to_pandas()  # pyarrow imports pandas on first use, in both measured processes
print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

READ = """
import json, resource, sys, time
import pyarrow.parquet as pq
t, c = time.perf_counter(), time.process_time()
table = pq.read_table(sys.argv[1] + "/parquet/paragraphs")
s, cpu = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"seconds": s, "cpu": cpu, "rows": table.num_rows,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

DIFF = """
import json, resource, sys, time
from pipeline.share.diff import compare
from pipeline.share.diffout import render_text
t, c = time.perf_counter(), time.process_time()
d = compare(sys.argv[1], sys.argv[2])
text = render_text(d)
s, cpu = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"seconds": s, "cpu": cpu, "moved": d.moved, "matched": d.matched,
                  "waiting": d.max_waiting_rows, "summary": text.split("\\n\\n")[0],
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(raw: Path, out: Path, extra: list[str], workers: int) -> None:
    subprocess.run([sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--out", str(out),
                    "--workers", str(workers), "--quiet", *extra], cwd=ROOT, check=True)


def two_runs(parts: list[Path], work: Path, workers: int) -> tuple[Path, Path]:
    raw = work / "raw"
    if sorted(p.name for p in raw.glob("*")) != sorted(p.name for p in parts):
        raw_folder(work, parts)
    a, b = work / "default", work / "learn_repeated_false"
    _run(raw, a, [], workers)
    _run(raw, b, ["--set", "clean.learn_repeated=false"], workers)
    return a, b


def measure(code: str, *args: Path) -> dict:
    r = subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT,
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench diff", description=__doc__)
    parser.add_argument("--both-parts", action="store_true", help="also both parts (memory)")
    parser.add_argument("--repeat", type=int, default=3, help="read / diff pairs on part-00")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsprep-bench-diff"))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "diff.md")
    args = parser.parse_args(argv)
    missing = [p for p in PARTS if not p.is_file()]
    if missing:
        print(f"corpus not available: {missing[0]}", file=sys.stderr)
        return 1
    a, b = two_runs(PARTS[:1], args.work / "part-00", args.workers)
    reads, diffs = [], []
    for _ in range(args.repeat):  # in turn, so that both see the same machine load
        reads.append(measure(READ, a))
        diffs.append(measure(DIFF, a, b))
    t_read = statistics.median(r["seconds"] for r in reads)
    t_diff = statistics.median(d["seconds"] for d in diffs)
    ratios = [d["seconds"] / r["seconds"] for r, d in zip(reads, diffs)]
    d0 = diffs[0]
    c_read = statistics.median(r["cpu"] for r in reads)
    c_diff = statistics.median(d["cpu"] for d in diffs)
    base = measure(BASE)["peak_mb"]
    lines = [
        "# diff on allsides part-00: default vs `--set clean.learn_repeated=false`", "",
        f"- read one ledger (read_table, every column, {reads[0]['rows']:,} rows): "
        f"{t_read:.3f} s median of {args.repeat}",
        f"- diff of the two runs (compare + text): {t_diff:.3f} s median",
        f"- **diff / read one ledger: {t_diff / t_read:.2f}x** (goal <= 1.5x); per pair: "
        + ", ".join(f"{x:.2f}" for x in ratios),
        f"- CPU time (user + system, all threads): diff {c_diff:.3f} s, read one ledger "
        f"{c_read:.3f} s: {c_diff / c_read:.2f}x (less sensitive than wall time to the other "
        "jobs on a shared machine)",
        f"- peak memory: diff {statistics.median(d['peak_mb'] for d in diffs):.0f} MB, "
        f"reading one ledger {statistics.median(r['peak_mb'] for r in reads):.0f} MB; "
        f"the imports alone (Python, pyarrow, pandas, the pipeline): {base:.0f} MB",
        f"- rows set aside because the orders disagreed: {d0['waiting']}", "",
        "```", d0["summary"], "```",
    ]
    if args.both_parts:
        a2, b2 = two_runs(PARTS, args.work / "both", args.workers)
        r2, d2 = measure(READ, a2), measure(DIFF, a2, b2)
        peak0 = statistics.median(d["peak_mb"] for d in diffs)
        lines += [
            "", "## Both parts", "",
            f"- ledger rows {r2['rows']:,} (x{r2['rows'] / reads[0]['rows']:.2f} part-00)",
            f"- diff peak memory {d2['peak_mb']:.0f} MB vs {peak0:.0f} MB on part-00 "
            f"(**x{d2['peak_mb'] / peak0:.2f}**); reading one ledger whole: "
            f"{r2['peak_mb']:.0f} MB",
            f"- diff {d2['seconds']:.3f} s, read one ledger {r2['seconds']:.3f} s "
            f"({d2['seconds'] / r2['seconds']:.2f}x); CPU {d2['cpu']:.3f} s vs {r2['cpu']:.3f} s",
            "", "```", d2["summary"], "```",
        ]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0
