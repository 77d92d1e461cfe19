"""`make bench`, near-duplicate paragraphs: newsprep's detector against MinHash-LSH peers on the
paragraphs of allsides part-00, side by side, in one run.

Each system runs in its own subprocess; wall time covers the dedup work only (paragraphs already
in memory), peak memory is the child's maximum RSS (os.wait4), and "stage memory" subtracts the
RSS the child had after loading the paragraphs.

    python -m bench.dedup [--sample N] [--skip-datasketch] [--both-parts] [--out PATH]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "dedup.md"


def corpora_dir() -> Path:
    return Path(os.environ.get("NEWSPREP_CORPORA", ROOT / ".." / "shared" / "corpora"))


def load(parts: list[str]) -> tuple[list[str], list[int]]:
    """allsides paragraphs: content_original split on newlines, stripped, empty lines dropped."""
    texts, groups, doc = [], [], 0
    for part in parts:
        path = corpora_dir() / "allsides-news" / f"articles-part-{part}.jsonl.gz"
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                for p in json.loads(line)["content_original"].split("\n"):
                    p = p.strip()
                    if p:
                        texts.append(p)
                        groups.append(doc)
                doc += 1
    return texts, groups


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _shingles(t: str) -> list[str]:
    s = t.lower()
    return [s[j:j + 5] for j in range(max(1, len(s) - 4))]


def run_system(name: str, parts: list[str], sample: int) -> dict:
    """Child process body: load, then time one system. Returns the figures as a dict."""
    texts, groups = load(parts)
    n_all = len(texts)
    loaded = _rss_mb()
    t0 = time.perf_counter()
    if name.startswith("newsprep"):
        import numpy as np

        from pipeline.neardup import NearDupConfig, find_duplicates
        workers = int(name.rsplit("w", 1)[1]) if "-w" in name else 1
        res = find_duplicates(texts, np.asarray(groups), NearDupConfig(), workers=workers)
        removed = int((res.dup_of >= 0).sum())
        n = n_all
    elif name == "rensa":
        from rensa import RMinHash, RMinHashLSH
        lsh = RMinHashLSH(threshold=0.7, num_perm=128, num_bands=16)
        mhs = []
        for i, t in enumerate(texts):
            m = RMinHash(num_perm=128, seed=42)
            m.update(_shingles(t))
            lsh.insert(i, m)
            mhs.append(m)
        removed = sum(1 for i, m in enumerate(mhs) if any(c < i for c in lsh.query(m)))
        n = n_all
    elif name == "datasketch":
        from datasketch import MinHash, MinHashLSH
        texts = texts[:sample]
        lsh = MinHashLSH(threshold=0.7, num_perm=128)
        mhs = []
        for i, t in enumerate(texts):
            m = MinHash(num_perm=128, seed=42)
            m.update_batch([s.encode("utf-8") for s in _shingles(t)])
            lsh.insert(i, m)
            mhs.append(m)
        removed = sum(1 for i, m in enumerate(mhs) if any(c < i for c in lsh.query(m)))
        n = len(texts)
    else:
        raise SystemExit(f"unknown system {name}")
    wall = time.perf_counter() - t0
    return {"system": name, "paragraphs": n, "of": n_all, "wall": wall, "removed": removed,
            "loaded_mb": loaded}


def measure(name: str, parts: list[str], sample: int) -> dict:
    """Run one system in a child process and read its peak RSS with os.wait4."""
    cmd = [sys.executable, "-m", "bench.dedup", "--child", name, "--parts", ",".join(parts),
           "--sample", str(sample)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        return {"system": name, "error": f"exit {proc.returncode}"}
    res = json.loads(out.strip().splitlines()[-1])
    res["peak_mb"] = usage.ru_maxrss / 1024
    res["cpu"] = usage.ru_utime + usage.ru_stime
    return res


def render(rows: list[dict], mem_rows: list[dict]) -> str:
    base = next((r for r in rows if r.get("system") == "rensa" and "wall" in r), None)
    out = ["## Near-duplicate paragraphs, allsides part-00 (same run, same machine)", "",
           "| system | paragraphs | wall s (full set) | paragraphs/s | ratio to rensa | "
           "removed | peak RSS MB | stage MB (peak - after load) |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['system']} | {r['error']} | | | | | | |")
            continue
        full = r["wall"] * r["of"] / r["paragraphs"]  # extrapolated when sampled
        ratio = f"{base['wall'] / full:.2f}x faster" if base else "n/a"
        note = f" (sample {r['paragraphs']}, extrapolated)" if r["paragraphs"] < r["of"] else ""
        out.append(f"| {r['system']} | {r['of']}{note} | {full:.1f} | {r['paragraphs'] / r['wall']:,.0f}"
                   f" | {ratio} | {r['removed']} | {r['peak_mb']:.0f} | "
                   f"{r['peak_mb'] - r['loaded_mb']:.0f} |")
    if mem_rows:
        out += ["", "### newsprep memory growth", "", "| input | paragraphs | wall s | peak RSS MB "
                "| stage MB |", "|---|---|---|---|---|"]
        for r in mem_rows:
            out.append(f"| {r['parts']} | {r['of']} | {r['wall']:.1f} | {r['peak_mb']:.0f} | "
                       f"{r['peak_mb'] - r['loaded_mb']:.0f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.dedup", description=__doc__)
    ap.add_argument("--sample", type=int, default=20000,
                    help="paragraphs for datasketch (pure Python; extrapolated to the full set)")
    ap.add_argument("--skip-datasketch", action="store_true")
    ap.add_argument("--both-parts", action="store_true",
                    help="also measure newsprep on part-00 + part-01 (memory growth)")
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--parts", default="00", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(run_system(args.child, args.parts.split(","), args.sample)))
        return 0
    if not (corpora_dir() / "allsides-news" / "articles-part-00.jsonl.gz").exists():
        print(f"dedup bench: skipped, no corpora at {corpora_dir()}", file=sys.stderr)
        return 0
    systems = ["newsprep", "newsprep-w2", "rensa"] + ([] if args.skip_datasketch else ["datasketch"])
    rows = []
    for name in systems:
        rows.append(measure(name, ["00"], args.sample))
        print(f"  {name}: {rows[-1]}", file=sys.stderr)
    mem_rows = []
    if args.both_parts:
        for parts in (["00"], ["00", "01"]):
            r = measure("newsprep", parts, args.sample)
            r["parts"] = "+".join(parts)
            mem_rows.append(r)
    text = render(rows, mem_rows)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
