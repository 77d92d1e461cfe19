"""Readers: the ingest stage on WARC, Parquet and CSV beside datatrove and beside JSONL.

1. WARC: the article-extraction-benchmark pages packed as one .warc.gz of --records response
   records (default 5,000: the 181 pages repeated, each with its own URL), ingested by the
   pipeline and by datatrove's `WarcReader` + `Trafilatura` extractor (each at its defaults),
   at the same worker count, in turn, --pairs times (median of the per-pair ratios; CPU per
   document, the whole process tree's, is the measure: wall time follows the machine's load).
2. allsides part-00 as Parquet and as CSV, ingested beside the same records as JSONL.
3. Memory: a 1 GiB WARC (uncompressed) as a crawler writes it, pages with their images: each
   HTML page is followed by image responses (random bytes) until the file reaches 1 GiB. The
   reader streams every byte; the pages go to the workers, the images are counted.
Every figure is one measured process (or the median of several); the pipeline side runs the
ingest stage alone (`ingest.run` on the run's executor). Inputs are built in a temp folder.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("NEWSPREP_CORPORA", ROOT.parent / "shared" / "corpora"))
PAGES = CORPORA / "article-extraction-benchmark"
PART0 = CORPORA / "allsides-news" / "articles-part-00.jsonl.gz"

INGEST = """
import json, sys, time
from pathlib import Path
import pyarrow as pa
from pipeline.core.model import RunContext
from pipeline.runtime.executors import make_executor
from pipeline.stages import ingest
raw, workers, spill = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
pa.set_memory_pool(pa.system_memory_pool())
t = time.perf_counter()
from pipeline.stages.base import Handoff
with make_executor("local", workers) as ex:
    ctx = RunContext(workers=ex.workers, executor=ex, raw=raw, staging=spill)
    handoff = ingest.run(Handoff(), ingest.IngestConfig(), ctx)
print(json.dumps({"seconds": time.perf_counter() - t, "documents": handoff.n_documents,
                  "quarantined": len(ctx.quarantine)}))
"""

def build_warc(path: Path, n: int, gzip_: bool = True, target_bytes: int = 0) -> tuple[int, int]:
    """n response records from the benchmark pages, each page repeated under its own URL; with
    target_bytes, each page followed by image records until the file is that large (spread
    evenly). Returns (pages, image records) written."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    truth = json.loads((PAGES / "ground-truth.json").read_text())
    pages = [(truth[f.name.split(".")[0]]["url"], gzip.decompress(f.read_bytes()))
             for f in sorted((PAGES / "html").glob("*.html.gz"))]
    page_bytes = sum(len(b) for _, b in pages) / len(pages)
    per_page = max(0.0, target_bytes / n - page_bytes) if target_bytes else 0
    image = os.urandom(256 * 1024)
    images = 0
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzip_)

        def response(url: str, body: bytes, ctype: str) -> None:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            # As in Common Crawl: the payload type is identified (datatrove's reader keeps only
            # text/html, sniffing with libmagic when this header is missing).
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers,
                warc_headers_dict={"WARC-Identified-Payload-Type": ctype.split(";")[0]}))

        for i in range(n):
            url, body = pages[i % len(pages)]
            if i >= len(pages):
                url += ("&" if "?" in url else "?") + f"copy={i // len(pages)}"
            response(url, body, "text/html; charset=utf-8")
            goal = fh.tell() + per_page
            while per_page and fh.tell() < goal and fh.tell() < target_bytes:
                response(f"https://img.example.org/{images}.jpg", image, "image/jpeg")
                images += 1
    return n, images


def _tree(pid: int) -> list[int]:
    """A process and all its descendants (forkserver children included), from /proc."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return out


def _rss_and_cpu(pid: int) -> tuple[float, float]:
    """(resident MB, CPU seconds so far) of one process, from /proc."""
    try:
        rss = int(Path(f"/proc/{pid}/status").read_text().split("VmRSS:")[1].split()[0]) / 1024
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return rss, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0, 0.0


def measure(cmd: list[str]) -> dict:
    """Wall seconds; CPU seconds of the whole process tree (the last sample of each process,
    every 0.2 s: on a shared machine the figure that does not depend on the others' load; rusage
    misses workers a forkserver started); peak RSS of the largest process and of the whole tree
    (sampled every 0.2 s); and the JSON the command printed."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tree = [0.0]
    cpu: dict[int, float] = {}
    largest: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            total = 0.0
            for p in _tree(proc.pid):
                rss, seconds = _rss_and_cpu(p)
                cpu[p] = max(cpu.get(p, 0.0), seconds)
                largest[p] = max(largest.get(p, 0.0), rss)
                total += rss
            tree[0] = max(tree[0], total)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    rc = os.waitstatus_to_exitcode(status)
    if rc:
        print(err[-3000:].decode(errors="replace"), file=sys.stderr)
    lines = out.decode().strip().splitlines()
    # rusage: exact, but only for the process and the children it waited for; the samples: every
    # process of the tree, each short of at most 0.2 s. The larger of the two.
    return {"wall": time.perf_counter() - t,
            "cpu": max(usage.ru_utime + usage.ru_stime, sum(cpu.values())),
            # Sampled, not ru_maxrss: a child's ru_maxrss counts the parent's pages it shared
            # between fork and exec (this script holds allsides part-00 after the tables case).
            "peak_mb": max(largest.values(), default=0.0), "tree_mb": tree[0],
            "rc": rc, **(json.loads(lines[-1]) if rc == 0 and lines else {})}


def ingest(raw: Path, workers: int, work: Path) -> dict:
    return measure([sys.executable, "-c", INGEST, str(raw), str(workers), str(work / "spill")])


def datatrove(folder: Path, workers: int, work: Path) -> dict:
    for d in ("dt-logs", "dt-out"):
        shutil.rmtree(work / d, ignore_errors=True)
    (work / "dt-out").mkdir()
    return measure([sys.executable, "-m", "bench.dt_warc", str(folder), str(workers),
                    str(work / "dt-logs"), str(work / "dt-out")])


def _per(r: dict, key: str = "wall") -> float:
    return 1000 * r[key] / max(r.get("documents") or 0, 1)


def _median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def bench_warc(work: Path, workers: int, records: int, pairs: int) -> list[str]:
    """The two systems in turn (newsprep, datatrove, newsprep, ...) `pairs` times on the same
    file: each ratio is taken within one pair (the same machine load) and the median reported.
    CPU is the whole process tree's (driver, workers, datatrove's extractor processes): on a
    shared machine, the figure that does not depend on the others' load."""
    raw = work / "warc"
    raw.mkdir()
    n, _ = build_warc(raw / "pages.warc.gz", records)
    size = (raw / "pages.warc.gz").stat().st_size / 1e6
    turns = []
    for _ in range(pairs):
        shutil.rmtree(work / "spill", ignore_errors=True)
        turns.append((ingest(raw, workers, work), datatrove(raw, workers, work)))
    ok = all(theirs["rc"] == 0 and ours["rc"] == 0 for ours, theirs in turns)

    # Per page (input record), not per document out: datatrove drops a page whose extraction
    # overruns its 1 s (wall) bound, so its count of documents falls as the machine's load rises,
    # and the work spent on the dropped pages is still work.
    def ratios(key: str) -> list[float]:
        return [o[key] / t[key] for o, t in turns] if ok else [float("nan")]

    def row(name: str, side: int) -> str:
        rs = [t[side] for t in turns]
        med = lambda key: _median([r[key] for r in rs])  # noqa: E731
        docs = "/".join(str(r.get("documents")) for r in rs)
        return (f"| {name} | {med('wall'):.1f} | {med('cpu'):.1f} | {docs} | "
                f"{1000 * med('wall') / n:.1f} | {1000 * med('cpu') / n:.1f} | "
                f"{med('peak_mb'):.0f} | {med('tree_mb'):.0f} |")

    wall, cpu = ratios("wall"), ratios("cpu")
    spread = lambda rs: ", ".join(f"{r:.2f}" for r in sorted(rs))  # noqa: E731
    return [f"## WARC: {n} response records ({size:.0f} MB .warc.gz), --workers {workers}, "
            f"{pairs} pairs", "",
            "| system (median of the pairs) | wall s | CPU s | documents (each run) | "
            "wall ms / page | CPU ms / page | peak MB, largest process | peak MB, process tree |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            row("newsprep ingest (FastWARC + trafilatura)", 0),
            row("datatrove WarcReader + Trafilatura", 1), "",
            f"- newsprep / datatrove per page, median of the pairs: CPU "
            f"**{_median(cpu):.2f}x** ({spread(cpu)}), wall **{_median(wall):.2f}x** "
            f"({spread(wall)}) (goal <= 1.0). CPU is "
            "the goal's measure: on a shared machine wall time follows the others' load. "
            "datatrove gives a whole file to one task, so on one file one of its workers works; "
            "newsprep cuts the file into jobs of 64 records for every worker. newsprep extracts "
            "with trafilatura's defaults (balanced: its fallbacks run where the main extraction "
            "finds little) and the metadata the pipeline keeps (title, author, url, the page's "
            "date: htmldate), 10 s bound per page; datatrove's default extracts text only, with "
            "favor_precision (no fallbacks), 1 s (wall) per page, and drops what overruns (more "
            "pages as the load rises) or repeats.",
            ""]


def bench_memory(work: Path, workers: int, pages: int, target: int) -> list[str]:
    raw = work / "big"
    raw.mkdir()
    n, images = build_warc(raw / "big.warc", pages, gzip_=False, target_bytes=target)
    size = (raw / "big.warc").stat().st_size / 1e6
    r = ingest(raw, workers, work)
    return [f"## Memory: ingest of a {size:.0f} MB WARC ({n} HTML pages, {images} image records of "
            f"256 KiB, uncompressed), --workers {workers}", "",
            f"- wall {r['wall']:.1f} s, {r.get('documents')} documents",
            f"- peak RSS, whole process tree (driver and {workers} workers, sampled every 0.2 s): "
            f"**{r['tree_mb']:.0f} MB**; largest process {r['peak_mb']:.0f} MB (goal < 1024 MB)",
            f"- CPU {r['cpu']:.1f} s", ""]


def bench_tables(work: Path, workers: int, repeat: int) -> list[str]:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = [json.loads(line) for line in gzip.open(PART0, "rt", encoding="utf-8")]
    kinds = ("jsonl", "parquet", "csv")
    for kind in kinds:
        raw = work / f"t-{kind}"
        raw.mkdir()
        if kind == "jsonl":
            (raw / PART0.name).write_bytes(PART0.read_bytes())
        elif kind == "parquet":
            pq.write_table(pa.Table.from_pylist(records), raw / "part-00.parquet", compression="zstd")
        else:
            pd.DataFrame(records).to_csv(raw / "part-00.csv", index=False)
    n = len(records)
    del records
    # The three in turn, `repeat` times: each ratio is taken within one turn (same machine load)
    # and the median reported.
    turns = [{kind: ingest(work / f"t-{kind}", workers, work) for kind in kinds} for _ in range(repeat)]
    lines = [f"## allsides part-00 ({n} records), --workers {workers}, {repeat} turns", "",
             "| input | file MB | wall s (median) | documents | vs JSONL (median of turns) |",
             "|---|---:|---:|---:|---:|"]
    for kind in kinds:
        mb = sum(f.stat().st_size for f in (work / f"t-{kind}").iterdir()) / 1e6
        walls = sorted(t[kind]["wall"] for t in turns)
        ratios = sorted(t[kind]["wall"] / t["jsonl"]["wall"] for t in turns)
        lines.append(f"| {kind} | {mb:.0f} | {walls[len(walls) // 2]:.2f} | {turns[0][kind].get('documents')} | "
                     f"{ratios[len(ratios) // 2]:.2f}x ({', '.join(f'{r:.2f}' for r in ratios)}) |")
    lines += ["", "- goal: Parquet and CSV <= 1.5x the JSONL time", ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench readers", description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--records", type=int, default=5000, help="WARC records beside datatrove")
    parser.add_argument("--pairs", type=int, default=3,
                        help="runs of each system on the WARC, in turn")
    parser.add_argument("--memory-pages", type=int, default=1000, help="HTML pages in the 1 GiB WARC")
    parser.add_argument("--memory-bytes", type=int, default=1 << 30, help="size of that WARC")
    parser.add_argument("--repeat", type=int, default=3, help="turns of the tables case")
    parser.add_argument("--skip", action="append", default=[], choices=["warc", "tables", "memory"])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "readers.md")
    args = parser.parse_args(argv)
    if not PAGES.exists() or not PART0.exists():
        print(f"skipped: corpora not found at {CORPORA}")
        return 0
    lines = ["# Readers: WARC beside datatrove, Parquet/CSV beside JSONL, memory on a 1 GiB WARC", ""]
    with tempfile.TemporaryDirectory(prefix="newsprep-bench-readers-") as tmp:
        work = Path(tmp)
        for name, fn in (("warc", lambda: bench_warc(work, args.workers, args.records, args.pairs)),
                         ("tables", lambda: bench_tables(work, args.workers, args.repeat)),
                         ("memory", lambda: bench_memory(work, args.workers, args.memory_pages,
                                                         args.memory_bytes))):
            if name not in args.skip:
                part = fn()
                print("\n".join(part), flush=True)
                lines += part
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
