"""Disk and durability costs of a run on allsides part-00: what the preflight estimate and the
fsync bound of `runtime/outdir.py` rest on.

- Peak disk: the bytes the run adds where its output lives (staging folder with its spill, the
  new output, the cache), sampled every 0.2 s, per byte of article text and per byte of
  (uncompressed) input. `runner.SPILL_PER_INPUT_BYTE` is this figure with a margin.
- Durability: the seconds spent in `os.fsync` (files, their folders and the parent after the
  swap) against the whole run, counted in the run's own process.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.pipeline import PARTS, ROOT, _text_bytes, raw_folder

# Runs the command line with os.fsync timed; the figures go to the file named by argv[1].
WRAPPER = """
import json, os, sys, time
from pipeline.runtime import outdir
figures = {"fsync_calls": 0, "fsync_seconds": 0.0, "commit_seconds": 0.0}
real_fsync, real_commit = os.fsync, outdir.commit
def fsync(fd):
    t = time.perf_counter()
    try:
        real_fsync(fd)
    finally:
        figures["fsync_calls"] += 1
        figures["fsync_seconds"] += time.perf_counter() - t
def commit(*a, **k):
    t = time.perf_counter()
    try:
        return real_commit(*a, **k)
    finally:
        figures["commit_seconds"] += time.perf_counter() - t
os.fsync, outdir.commit = fsync, commit
from pipeline.cli import main
t = time.perf_counter()
rc = main(sys.argv[2:])
figures["wall_seconds"] = time.perf_counter() - t
open(sys.argv[1], "w").write(json.dumps(figures))
sys.exit(rc)
"""


def disk_bytes(root: Path, skip: Path) -> int:
    """Allocated bytes of every file under `root` but `skip` (files may vanish meanwhile)."""
    total = 0
    for folder, dirs, files in os.walk(root):
        if Path(folder) == skip:
            dirs[:] = []
            continue
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
            except FileNotFoundError:
                pass
    return total


def input_bytes(path: Path) -> int:
    with gzip.open(path, "rb") as fh:
        return sum(len(chunk) for chunk in iter(lambda: fh.read(1 << 20), b""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench faults", description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "faults.md")
    args = parser.parse_args(argv)
    part = PARTS[0]
    if not part.exists():
        print(f"skipped: corpus not found at {part}")
        return 0
    with tempfile.TemporaryDirectory(prefix="newsprep-bench-faults-") as tmp:
        work = Path(tmp)
        raw = raw_folder(work, [part])
        out, figures_file = work / "processed", work / "figures.json"
        peak, done = [0], threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], disk_bytes(work, raw))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        base = disk_bytes(work, raw)
        sampler.start()
        proc = subprocess.run([sys.executable, "-c", WRAPPER, str(figures_file), "run", "--raw", str(raw),
                               "--out", str(out), "--workers", str(args.workers), "--quiet",
                               "--config", str(ROOT / "configs" / "default.yaml")], cwd=ROOT)
        done.set()
        sampler.join()
        if proc.returncode:
            print(f"the run failed (exit {proc.returncode})", file=sys.stderr)
            return 1
        figures = json.loads(figures_file.read_text())
        added = peak[0] - base
        output = disk_bytes(out, out / ".cache")
        cache = disk_bytes(out / ".cache", raw)
        text, inp = _text_bytes(part), input_bytes(part)
    share = figures["fsync_seconds"] / figures["wall_seconds"]
    lines = [f"# Disk and durability on allsides part-00, --workers {args.workers}", "",
             f"- input: {inp / 1e6:.1f} MB uncompressed JSONL, {text / 1e6:.1f} MB article text",
             f"- peak disk added by the run (staging + spill + cache, sampled every 0.2 s): "
             f"**{added / 1e6:.1f} MB** = {added / text:.2f} bytes per byte of text, "
             f"{added / inp:.2f} per byte of input",
             f"- left after the run: output {output / 1e6:.1f} MB, cache {cache / 1e6:.1f} MB",
             f"- fsync: {figures['fsync_calls']} calls, {figures['fsync_seconds']:.3f} s of a "
             f"{figures['wall_seconds']:.1f} s run = **{share:.2%}** (goal <= 3%); the whole swap "
             f"(fsyncs included) {figures['commit_seconds']:.3f} s",
             f"- load average when the run ended: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
             "(the fsync seconds are the disk's; the run's wall time grows with the load)"]
    text_out = "\n".join(lines) + "\n"
    print(text_out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text_out)
    return 0
