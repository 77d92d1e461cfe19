"""`make bench`, near-duplicate paragraphs: newsprep's detector against MinHash-LSH peers on the
paragraphs of allsides part-00, side by side, in one run.

Each system runs in its own subprocess; wall time covers the dedup work only (paragraphs already
in memory), peak memory is the child's maximum RSS (os.wait4), and "stage memory" subtracts the
RSS the child had after loading the paragraphs.

    python -m bench.dedup [--sample N] [--skip-datasketch] [--skip-both-parts] [--datatrove]
                          [--out PATH]
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


def _datatrove_minhash_only() -> None:
    """datatrove.pipeline.dedup/__init__ imports its exact-substring steps, which need the
    `tokenizers` package that the bench extra does not install; the MinHash module itself does
    not. Register the package without running its __init__ so only minhash.py is imported."""
    import importlib.util
    import types

    if "datatrove.pipeline.dedup" in sys.modules:
        return
    import datatrove.pipeline  # noqa: F401 - the parent package must be imported first
    pkg = types.ModuleType("datatrove.pipeline.dedup")
    pkg.__path__ = [str(Path(importlib.util.find_spec("datatrove.pipeline").origin).parent
                        / "dedup")]
    sys.modules["datatrove.pipeline.dedup"] = pkg


def _datatrove(texts: list[str]) -> int:
    """datatrove's own MinHash pipeline (word 5-grams, 14 buckets x 8 hashes, 2 tasks), through
    files in a temporary directory as it runs in production. Returns the paragraphs removed."""
    import tempfile

    from datatrove.executor import LocalPipelineExecutor
    _datatrove_minhash_only()
    from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets,
                                                  MinhashDedupCluster, MinhashDedupFilter,
                                                  MinhashDedupSignature)

    cfg = MinhashConfig()
    with tempfile.TemporaryDirectory(prefix="newsprep-bench-dt-") as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        half = (len(texts) + 1) // 2
        for f, part in enumerate((texts[:half], texts[half:])):
            with open(root / "in" / f"{f}.jsonl", "w", encoding="utf-8") as out:
                for i, t in enumerate(part):
                    out.write(json.dumps({"id": f"{f}-{i}", "text": t}) + "\n")

        def reader(data, rank: int = 0, world_size: int = 1):
            # A plain-json reader: datatrove's JsonlReader needs orjson (not in the bench extra).
            from datatrove.data import Document
            with open(root / "in" / f"{rank}.jsonl", encoding="utf-8") as f:
                for line in f:
                    d = json.loads(line)
                    yield Document(text=d["text"], id=d["id"])

        def count_kept(data, rank: int = 0, world_size: int = 1):
            kept = sum(1 for _ in data)
            (root / f"kept-{rank}").write_text(str(kept))
            return iter(())

        def run(pipeline: list, tasks: int, name: str, depends=None) -> LocalPipelineExecutor:
            return LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=2,
                                         logging_dir=str(root / "logs" / name), depends=depends)

        s1 = run([reader, MinhashDedupSignature(str(root / "sigs"), config=cfg)], 2, "sigs")
        s2 = run([MinhashDedupBuckets(str(root / "sigs"), str(root / "buckets"), config=cfg)],
                 cfg.num_buckets, "buckets", s1)
        s3 = run([MinhashDedupCluster(str(root / "buckets"), str(root / "remove"), config=cfg)],
                 1, "cluster", s2)
        s4 = run([reader, MinhashDedupFilter(str(root / "remove")), count_kept], 2, "filter", s3)
        s4.run()
        return len(texts) - sum(int((root / f"kept-{r}").read_text()) for r in range(2))


def run_system(name: str, parts: list[str], sample: int) -> dict:
    """Child process body: load, then time one system. Returns the figures as a dict."""
    texts, groups = load(parts)
    n_all = len(texts)
    loaded = _rss_mb()
    t0 = time.perf_counter()
    if name.startswith("newsprep"):
        import numpy as np

        from pipeline.neardup.detect import NearDupConfig, find_duplicates
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
    elif name == "datatrove":
        texts = texts[:sample] if sample else texts
        try:
            removed = _datatrove(texts)
        except ImportError as e:  # its English word tokenizer needs spacy, its reader orjson
            return {"system": name, "error": f"not run: {e}"}
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
    if "error" in res:
        return res
    res["peak_mb"] = usage.ru_maxrss / 1024
    res["cpu"] = usage.ru_utime + usage.ru_stime
    return res


def render(rows: list[dict], mem_rows: list[dict]) -> str:
    base = next((r for r in rows if r.get("system") == "rensa" and "wall" in r), None)
    out = ["## Near-duplicate paragraphs, allsides part-00 (same run, same machine)", "",
           "| system | paragraphs | wall s (full set) | paragraphs/s | speed vs rensa | "
           "removed | peak RSS MB | stage MB (peak - after load) |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['system']} | {r['error']} | | | | | | |")
            continue
        full = r["wall"] * r["of"] / r["paragraphs"]  # extrapolated when sampled
        ratio = f"{base['wall'] / full:.2f}x" if base else "n/a"
        note = f" (sample {r['paragraphs']}, extrapolated)" if r["paragraphs"] < r["of"] else ""
        rate = r["paragraphs"] / r["wall"]
        out.append(f"| {r['system']} | {r['of']}{note} | {full:.1f} | {rate:,.0f}"
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
    ap.add_argument("--sample", type=int, default=10000,
                    help="paragraphs for datasketch (pure Python; extrapolated to the full set)")
    ap.add_argument("--skip-datasketch", action="store_true")
    ap.add_argument("--skip-both-parts", action="store_true",
                    help="skip newsprep on part-00 vs part-00 + part-01 (memory growth)")
    ap.add_argument("--datatrove", action="store_true",
                    help="also run datatrove's MinHash pipeline (about 5 minutes on part-00)")
    ap.add_argument("--datatrove-sample", type=int, default=0, help=argparse.SUPPRESS)
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
    systems = ["newsprep", "newsprep-w2", "rensa"]
    systems += [] if args.skip_datasketch else ["datasketch"]
    systems += ["datatrove"] if args.datatrove else []
    rows = []
    for name in systems:
        sample = args.datatrove_sample if name == "datatrove" else args.sample
        rows.append(measure(name, ["00"], sample))
        print(f"  {name}: {rows[-1]}", file=sys.stderr)
    mem_rows = []
    if not args.skip_both_parts:
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
