"""End-to-end benchmark: each stage on allsides part-00 (and both parts) beside the I/O floor.

The I/O floor is the least any tool must do with the same data: read the JSONL with pyarrow,
write it to Parquet and `save_to_disk`. Every figure comes from one run of this script, each
measured command in its own process (peak memory is that process tree's largest process).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("NEWSPREP_CORPORA", ROOT.parent / "shared" / "corpora"))
PARTS = [CORPORA / "allsides-news" / f"articles-part-0{i}.jsonl.gz" for i in (0, 1)]

IO_FLOOR = """
import sys, pyarrow as pa, pyarrow.json as pj, pyarrow.parquet as pq, datasets
from datasets.table import InMemoryTable
datasets.disable_progress_bars()
src, out = sys.argv[1], sys.argv[2]
tables = [pj.read_json(pa.input_stream(p, compression="gzip")) for p in src.split(",")]
t = pa.concat_tables(tables)
pq.write_table(t, out + "/floor.parquet", compression="zstd")
datasets.Dataset(InMemoryTable(t)).save_to_disk(out + "/hf", num_shards=4)
"""


def measure(cmd: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB of the largest process, exit code) of one command.

    os.wait4 gives this child's own rusage, whose ru_maxrss covers the child and the
    descendants it waited for (its worker processes), and nothing measured before it."""
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = rc = os.waitstatus_to_exitcode(status)
        if rc:
            err.seek(0)
            print(err.read()[-2000:].decode(errors="replace"), file=sys.stderr)
    return wall, usage.ru_maxrss / 1024, rc


def raw_folder(work: Path, parts: list[Path]) -> Path:
    """work/raw holding a copy of each part (a real file: the pipeline reads raw/ as a user's)."""
    raw = work / "raw"
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir(parents=True)
    for p in parts:
        shutil.copy(p, raw / p.name)
    return raw


def run_pipeline(parts: list[Path], workers: int, work: Path) -> dict:
    raw = raw_folder(work, parts)
    out = work / "processed"
    shutil.rmtree(out, ignore_errors=True)  # a cold run: no up-to-date output, no cache to reuse
    wall, peak, rc = measure([sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--out",
                              str(out), "--workers", str(workers), "--quiet",
                              "--config", str(ROOT / "configs" / "default.yaml")])
    stats = json.loads((out / "stats.json").read_text()) if rc == 0 else {}
    return {"wall": wall, "peak_mb": peak, "rc": rc, "stats": stats,
            "text_mb": sum(_text_bytes(p) for p in parts) / 1e6}


def _text_bytes(path: Path) -> int:
    import gzip

    n = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            n += len(json.loads(line).get("content_original", "").encode())
    return n


def io_floor(parts: list[Path], work: Path) -> tuple[float, float]:
    out = work / "floor"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    wall, peak, _ = measure([sys.executable, "-c", IO_FLOOR, ",".join(map(str, parts)), str(out)])
    return wall, peak


def table(result: dict, floor: float | None) -> list[str]:
    stages = result["stats"].get("stages", {})
    n_docs = stages.get("ingest", {}).get("documents_out", 0)
    total = sum(s["wall_seconds"] for s in stages.values()) or 1.0
    rows = ["| stage | wall s | share | documents/s | MB/s | peak MB (main process, at stage end) |",
            "|---|---:|---:|---:|---:|---:|"]
    for name, s in stages.items():
        w = s["wall_seconds"]
        # A stage with nothing to do (filter without rules) takes no measurable time: no rate.
        rates = (f"{n_docs / w:,.0f} | {result['text_mb'] / w:.1f}" if w >= 0.005 else "– | –")
        rows.append(f"| {name} | {w:.2f} | {w / total:.0%} | {rates} | "
                    f"{s.get('peak_rss_mb', 0):,.0f} |")
    rows.append(f"| **whole run (process)** | {result['wall']:.2f} | | {n_docs / result['wall']:,.0f} | "
                f"{result['text_mb'] / result['wall']:.1f} | {result['peak_mb']:,.0f} |")
    if floor is not None:
        rows.append(f"| I/O floor | {floor:.2f} | | | | |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench pipeline", description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--both-parts", action="store_true", help="also run both parts (memory growth)")
    parser.add_argument("--repeat", type=int, default=3, help="floor / pipeline pairs on part-00")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pipeline.md")
    args = parser.parse_args(argv)
    if not PARTS[0].exists():
        print(f"skipped: corpus not found at {PARTS[0]}")
        return 0
    lines = [f"# Pipeline on allsides part-00, --workers {args.workers}", ""]
    with tempfile.TemporaryDirectory(prefix="newsprep-bench-") as tmp:
        work = Path(tmp)
        # The floor and the pipeline alternate, so both see the same machine; the ratio is
        # taken per pair and its median reported (a shared machine is noisy).
        pairs = []
        for _ in range(args.repeat):
            floor, floor_peak = io_floor(PARTS[:1], work)
            pairs.append((floor, floor_peak, run_pipeline(PARTS[:1], args.workers, work)))
        ratios = sorted(one["wall"] / floor for floor, _, one in pairs)
        floor, floor_peak, one = sorted(pairs, key=lambda p: p[2]["wall"])[len(pairs) // 2]
        lines += table(one, floor)
        lines += ["", f"- end-to-end / I/O floor: **{statistics.median(ratios):.1f}x** (goal <= 10x), "
                  f"median of {len(ratios)} pairs run in turn ({', '.join(f'{r:.1f}' for r in ratios)}); "
                  "the table is the run of median wall time",
                  f"- whole run {statistics.median(p[2]['wall'] for p in pairs):.1f} s, I/O floor "
                  f"{statistics.median(p[0] for p in pairs):.2f} s (medians)",
                  f"- peak memory, largest process: **{max(p[2]['peak_mb'] for p in pairs):.0f} MB** "
                  f"(goal <= 2048 MB); I/O floor {floor_peak:.0f} MB"]
        if args.both_parts and PARTS[1].exists():
            both = run_pipeline(PARTS, args.workers, work)
            # The floor holds its table in memory too: how it grows is the yardstick for ours.
            both_floor, both_floor_peak = io_floor(PARTS, work)
            one_wall = statistics.median(p[2]["wall"] for p in pairs)
            one_peak = max(p[2]["peak_mb"] for p in pairs)
            lines += ["", "## Both parts", "",
                      f"- wall {both['wall']:.1f} s vs {one_wall:.1f} s (x{both['wall'] / one_wall:.2f} for x2 data)",
                      f"- peak memory {both['peak_mb']:.0f} MB vs {one_peak:.0f} MB "
                      f"(x{both['peak_mb'] / one_peak:.2f}; goal <= 1.3)",
                      f"- I/O floor: {both_floor:.2f} s vs {floor:.2f} s, peak {both_floor_peak:.0f} MB "
                      f"vs {floor_peak:.0f} MB (x{both_floor_peak / floor_peak:.2f})"]
            lines += ["", *table(both, None)]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0
