"""The report's wall time on a large ledger: 400,000 paragraph rows of 20,000 documents (the
size of allsides part-00's ledger), rendered from a synthetic output folder. Goal: under 30 s.
Moved here from the test suite, where a wall-clock bound depends on the machine's load.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.report.render import render_report
from pipeline.core.schema import PARAGRAPH_SCHEMA

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 30.0


def large_folder(out: Path, n_docs: int = 20_000, per_doc: int = 20) -> Path:
    rng = np.random.default_rng(0)
    n = n_docs * per_doc
    status = rng.choice(["kept", "boilerplate", "duplicate"], size=n, p=[0.8, 0.1, 0.1])
    dup = status == "duplicate"
    cols = {
        "doc_id": np.repeat([f"d{i:06d}" for i in range(n_docs)], per_doc),
        "index": np.tile(np.arange(per_doc, dtype=np.int32), n_docs),
        "source": np.repeat([f"source{i % 300}" for i in range(n_docs)], per_doc),
        "text": ["A sentence of moderate length about the news number %d." % (i % 997) for i in range(n)],
        "status": status,
        "reason": np.where(status == "kept", None, np.where(dup, "near_duplicate", "learned:line")),
        "duplicate_of_doc_id": np.where(dup, "d000000", None),
        "duplicate_of_index": np.where(dup, 0, None),
        "similarity": np.where(dup, 0.9, None),
        "cluster_id": np.where(dup, rng.integers(0, 5000, n), None),
    }
    table = pa.Table.from_pydict(
        {f.name: pa.array(list(cols[f.name]) if getattr(cols[f.name], "dtype", None) == object
                          else cols[f.name], type=f.type) for f in PARAGRAPH_SCHEMA},
        schema=PARAGRAPH_SCHEMA)
    folder = out / "parquet" / "paragraphs"
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "paragraphs-00000-of-00001.parquet")
    (out / "stats.json").write_text("{}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench report", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "report.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsprep-bench-report-") as tmp:
        folder = large_folder(Path(tmp))
        times, size = [], 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            size = len(render_report(folder).encode())
            times.append(time.perf_counter() - t)
    median = statistics.median(times)
    ok = median < GOAL_S
    lines = ["# Report on a 400,000-row ledger (20,000 documents)", "",
             f"- render_report: **{median:.1f} s** median of {len(times)} "
             f"({', '.join(f'{t:.1f}' for t in times)}); goal < {GOAL_S:.0f} s: {'met' if ok else 'MISSED'}",
             f"- page size {size / 1e6:.2f} MB (goal < 2 MB)"]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if ok and size < 2_000_000 else 1
