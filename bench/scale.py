"""Scale benchmark: both allsides parts (1x) against a corpus N times that size (5x by default).

The larger corpus is built deterministically in a temporary folder from
`../shared/corpora/allsides-news`: copy 0 is the two parts as they are; each further copy maps
every word to another word of about the same frequency (a rotation within blocks of the
vocabulary ranked by count, a different rotation per copy), so its text is new to the
near-duplicate detector while its shape (lengths, repeated lines, reprints between outlets)
stays that of real news; and about 10% of each further copy's articles are reprinted verbatim
from copy 0 (exact duplicate documents). Both corpora run cold (no output, no cache) at
`--workers`, one after the other, each in its own process: wall time, CPU time (user + sys of the
process tree), the peak memory of the largest process, the stages' peaks (stats.json) and the
disk the run holds at its peak (sampled: the spill, the staging folder without the ingest cache,
the cache; and the output's size at the end). Then the larger corpus again at 1 worker: its
outputs must be byte-identical to the 2-worker run's.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("NEWSPREP_CORPORA", ROOT.parent / "shared" / "corpora"))
PARTS = [CORPORA / "allsides-news" / f"articles-part-0{i}.jsonl.gz" for i in (0, 1)]
TEXT_FIELDS = ("content_original", "title")
WORD = re.compile(r"(\w+)")
BLOCK = 32  # words of neighbouring frequency ranks swap among themselves
REPRINT_SHARE = 0.10


def _records(path: Path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def _count(part: Path) -> tuple[Counter, int]:
    counts: Counter[str] = Counter()
    n_bytes = 0
    for rec in _records(part):
        n_bytes += len((rec.get("content_original") or "").encode())
        for f in TEXT_FIELDS:
            counts.update(WORD.split(rec.get(f) or "")[1::2])
    return counts, n_bytes


def vocabulary(parts: list[Path]) -> tuple[list[str], int]:
    """Every word of the parts' texts, most frequent first (ties by the word); and the bytes
    of article text."""
    counts: Counter[str] = Counter()
    n_bytes = 0
    with ProcessPoolExecutor(len(parts)) as pool:
        for c, n in pool.map(_count, parts):
            counts.update(c)
            n_bytes += n
    return sorted(counts, key=lambda w: (-counts[w], w)), n_bytes


def word_map(vocab: list[str], copy: int) -> dict[str, str]:
    """Copy `copy`'s bijection: rank r goes to the rank `copy` places on in its block."""
    out = {}
    for start in range(0, len(vocab), BLOCK):
        block = vocab[start:start + BLOCK]
        for k, w in enumerate(block):
            out[w] = block[(k + copy) % len(block)]
    return out


def _swap(text: str | None, mapping: dict[str, str]) -> str | None:
    if not text:
        return text
    toks = WORD.split(text)
    toks[1::2] = [mapping.get(t, t) for t in toks[1::2]]
    return "".join(toks)


def _reprinted(copy: int, part: int, line: int) -> bool:
    h = hashlib.blake2b(f"{copy}:{part}:{line}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "little") / 2**64 < REPRINT_SHARE


def _copy(job: tuple[list[str], int, int, Path, Path]) -> tuple[int, int, int]:
    """One part's copy `copy`: (articles, reprints, bytes of article text)."""
    vocab, copy, i, part, dest = job
    mapping = word_map(vocab, copy)
    articles = reprints = n_bytes = 0
    with gzip.open(dest, "wt", encoding="utf-8", compresslevel=1) as out:
        for line, rec in enumerate(_records(part)):
            articles += 1
            # A new id: the reader quarantines a second document of the same id.
            for key in ("ID", "id"):
                if key in rec:
                    rec[key] = f"{rec[key]}-{copy}"
            if _reprinted(copy, i, line):
                reprints += 1
            else:
                for f in TEXT_FIELDS:
                    rec[f] = _swap(rec.get(f), mapping)
            n_bytes += len((rec.get("content_original") or "").encode())
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return articles, reprints, n_bytes


def build(parts: list[Path], factor: int, raw: Path, workers: int = 2) -> dict:
    """The `factor`-times corpus in `raw` (gzipped JSONL, a file per copy and part)."""
    raw.mkdir(parents=True, exist_ok=True)
    vocab, n_bytes = vocabulary(parts)
    for part in parts:
        shutil.copy(part, raw / f"copy-0-{part.name}")
    jobs = [(vocab, copy, i, part, raw / f"copy-{copy}-{part.name}")
            for copy in range(1, factor) for i, part in enumerate(parts)]
    with ProcessPoolExecutor(workers) as pool:
        done = list(pool.map(_copy, jobs))
    return {"vocabulary": len(vocab), "text_bytes_1x": n_bytes,
            "text_bytes": n_bytes + sum(d[2] for d in done),
            "copied_articles": sum(d[0] for d in done), "reprints": sum(d[1] for d in done)}


def _tree_bytes(paths: list[Path], skip: str | None = None) -> int:
    """Bytes of the files under `paths`; a top-level subfolder named `skip` left out."""
    n = 0
    for top in paths:
        for dirpath, dirs, files in os.walk(top):
            if skip is not None and dirpath == str(top):
                dirs[:] = [d for d in dirs if d != skip]
            for f in files:
                try:
                    n += os.stat(os.path.join(dirpath, f)).st_size
                except OSError:
                    pass  # deleted while we looked
    return n


def output_bytes(out: Path) -> int:
    """The finished output's tables (Parquet and HF shards): the floor of the staging folder's
    peak, since the output is built in it."""
    return _tree_bytes([out / "parquet", out / "hf"])


def measure_run(raw: Path, out: Path, workers: int) -> dict:
    """One cold run of the command line: wall, CPU, peak of the largest process, disk peaks."""
    shutil.rmtree(out, ignore_errors=True)
    # Sampled 5 times a second: the staging folder and the ingest cache together; the staging
    # folder alone (the spill and the output being built; the ingest cache, which the swap moves
    # into it at the end, left out: it is the user's cache, not the run's scratch); the spill
    # (`.spill/`: parts, fingerprints, pairs, rows; what the run writes to read back); the cache.
    peak_disk = [0, 0, 0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            stagings = [*out.parent.glob(f".{out.name}.staging-*")]
            staging = _tree_bytes(stagings, skip=".cache")
            spill = _tree_bytes([s / ".spill" for s in stagings])
            cache = _tree_bytes([out / ".cache", *(s / ".cache" for s in stagings)])
            for i, v in enumerate((staging + cache, staging, spill, cache)):
                peak_disk[i] = max(peak_disk[i], v)

    sampler = threading.Thread(target=sample, daemon=True)
    cmd = [sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--out", str(out),
           "--workers", str(workers), "--quiet", "--config", str(ROOT / "configs" / "default.yaml")]
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        done.set()
        sampler.join()
        rc = os.waitstatus_to_exitcode(status)
        if rc:
            err.seek(0)
            print(err.read()[-2000:].decode(errors="replace"), file=sys.stderr)
    stats = json.loads((out / "stats.json").read_text()) if rc == 0 else {}
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
            "disk_mb": peak_disk[0] / 1e6, "staging_mb": peak_disk[1] / 1e6,
            "spill_mb": peak_disk[2] / 1e6, "cache_mb": peak_disk[3] / 1e6,
            "output_mb": output_bytes(out) / 1e6 if rc == 0 else 0.0, "rc": rc, "stats": stats,
            "articles": stats.get("totals", {}).get("documents_ingested", 0)}


def digest(out: Path) -> dict[str, str]:
    """sha256 of every output file but stats.json (timings), config.yaml (the worker count)
    and the cache."""
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()
            and p.name not in ("stats.json", "config.yaml") and ".cache" not in p.relative_to(out).parts}


def table(runs: dict[str, dict], text_mb: dict[str, float]) -> list[str]:
    names = list(runs)
    rows = [f"| | {' | '.join(names)} | ratio |", "|---|" + "---:|" * (len(names) + 1)]
    a, b = runs[names[0]], runs[names[-1]]

    def row(label: str, values: list[str], ratio: str = "") -> None:
        rows.append(f"| {label} | {' | '.join(values)} | {ratio} |")

    row("articles", [f"{r['articles']:,}" for r in runs.values()], f"x{b['articles'] / a['articles']:.2f}")
    row("wall s", [f"{r['wall']:.1f}" for r in runs.values()],
        f"x{(b['wall'] / b['articles']) / (a['wall'] / a['articles']):.2f} per article")
    row("CPU s (user+sys, all processes)", [f"{r['cpu']:.1f}" for r in runs.values()],
        f"x{(b['cpu'] / b['articles']) / (a['cpu'] / a['articles']):.2f} per article")
    row("peak memory, largest process (MB)", [f"{r['peak_mb']:,.0f}" for r in runs.values()],
        f"**x{b['peak_mb'] / a['peak_mb']:.2f}**")
    for stage in runs[names[0]]["stats"].get("stages", {}):
        vals = [r["stats"]["stages"].get(stage, {}) for r in runs.values()]
        row(f"{stage}: main process peak MB / wall s",
            [f"{v.get('peak_rss_mb', 0):,.0f} / {v.get('wall_seconds', 0):.1f}" for v in vals],
            f"x{vals[-1].get('peak_rss_mb', 0) / max(vals[0].get('peak_rss_mb', 1), 1):.2f}")

    def disk(label: str, key: str) -> None:
        row(f"{label} (MB)", [f"{r[key]:,.0f}" for r in runs.values()],
            f"x{b[key] / max(a[key], 1):.2f}")
        row("... per byte of article text", [f"{r[key] / text_mb[n]:.2f}" for n, r in runs.items()])

    # The spill: what the run writes to read back (issue 18's goal: <= 2 bytes per byte of text).
    disk("spill (`.spill/`) at its peak", "spill_mb")
    # The staging folder: the spill and the output being built, without the ingest cache (the
    # user's, moved in at the swap); its peak is the finished output.
    disk("staging folder at its peak, without the cache", "staging_mb")
    disk("the output's tables (parquet/ + hf/)", "output_mb")
    disk("ingest cache at its peak", "cache_mb")
    disk("disk held at peak, staging + cache", "disk_mb")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__)
    parser.add_argument("--factor", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-identity", action="store_true",
                        help="skip the 1-worker run of the larger corpus (the slowest part)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scale.md")
    args = parser.parse_args(argv)
    if not all(p.exists() for p in PARTS):
        print(f"skipped: corpus not found at {PARTS[0].parent}")
        return 0
    big = f"{args.factor}x"
    lines = [f"# Scale: both allsides parts (1x) and {big}, --workers {args.workers}", ""]
    with tempfile.TemporaryDirectory(prefix="newsprep-scale-") as tmp:
        work = Path(tmp)
        raw1 = work / "raw1"
        raw1.mkdir()
        for p in PARTS:
            shutil.copy(p, raw1 / p.name)
        t = time.perf_counter()
        built = build(PARTS, args.factor, work / "raw5")
        lines.append(f"- {big} corpus built in {time.perf_counter() - t:.0f} s: vocabulary "
                     f"{built['vocabulary']:,} words, {built['copied_articles']:,} articles in "
                     f"{args.factor - 1} word-swapped copies, of which {built['reprints']:,} "
                     f"reprinted verbatim")
        runs = {"1x": measure_run(raw1, work / "out1", args.workers)}
        runs[big] = measure_run(work / "raw5", work / "out5", args.workers)
        if any(r["rc"] for r in runs.values()):
            print("a run failed", file=sys.stderr)
            return 1
        text_mb = {"1x": built["text_bytes_1x"] / 1e6, big: built["text_bytes"] / 1e6}
        lines += ["", *table(runs, text_mb), ""]
        lines.append(f"- goals ({big} against 1x): peak memory of the largest process <= x1.2, "
                     "time per article <= x1.1; the spill at its peak <= 2 bytes per byte of "
                     "article text (the staging folder's peak is the output itself)")
        if not args.no_identity:
            one = measure_run(work / "raw5", work / "out5w1", 1)
            same = one["rc"] == 0 and digest(work / "out5") == digest(work / "out5w1")
            lines.append(f"- {big} at 1 worker: wall {one['wall']:.1f} s, CPU {one['cpu']:.1f} s, "
                         f"peak {one['peak_mb']:,.0f} MB; outputs byte-identical to "
                         f"--workers {args.workers}: **{'yes' if same else 'NO'}**")
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0
