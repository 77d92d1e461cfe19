"""Loading an output folder for `processed/report.html`, in memory bounded by the corpus' shape.

Reads only stats.json, the two Parquet tables, boilerplate_learned.csv, quarantine.jsonl and
run_key.txt. Each piece may be missing (a partial or foreign folder still renders).

The Parquet tables are never held whole: they are read file by file, `BATCH_ROWS` rows at a time
and only the columns the report uses, and each batch is folded into the aggregates of
`report_agg` (counts per source, status and reason; per source and language; fixed-bin
histograms; the best duplicate-pair candidates). A second pass over the ledger fetches the few
texts the page shows (the pairs and the largest clusters' kept paragraphs). Aggregates are
independent of the order of the rows, so the report does not depend on the order files are
listed in.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from .signals import load_signals
from .agg import (BATCH_ROWS, DOC_TYPES, EXAMPLE_COLUMNS, LEDGER_TYPES, N_PAIRS,
                         NO_SOURCE, TOP_CLUSTERS, DocSummary, Examples, LedgerSummary,
                         QuarantineSummary, ReportData, duplicate_pairs)


def _parquet_files(folder: Path, columns: set[str]) -> tuple[list[Path], set[str]]:
    """The table's files (those with at least one of `columns`: a file with none is read as no
    rows) and the names of the columns any of them has."""
    files, names = [], set()
    for f in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
        present = set(pq.read_schema(f).names) & columns
        if present:
            files.append(f)
            names |= present
    return files, names


def _batches(files: list[Path], types: dict[str, pa.DataType]) -> Iterator[pa.RecordBatch]:
    """Every row of `files` in order, BATCH_ROWS at a time, with exactly the columns of `types`
    (a column a file lacks comes as nulls, even all of them).

    One reader per row group and no threads: a reader going through a whole file keeps buffers
    of the row groups it has passed, and reader threads make the allocator hold more memory.
    """
    for f in files:
        with pq.ParquetFile(f) as pf:
            present = [c for c in types if c in pf.schema_arrow.names]
            for rg in range(pf.num_row_groups):
                if present:
                    batches = pf.iter_batches(batch_size=BATCH_ROWS, row_groups=[rg],
                                              columns=present, use_threads=False)
                else:
                    n = pf.metadata.row_group(rg).num_rows
                    batches = (pa.record_batch({"_": pa.nulls(min(BATCH_ROWS, n - s))})
                               for s in range(0, n, BATCH_ROWS))
                for b in batches:
                    yield pa.RecordBatch.from_pydict(
                        {c: b.column(c).cast(t) if c in present else pa.nulls(b.num_rows, t)
                         for c, t in types.items()})


def load(out_dir: Path) -> ReportData:
    out_dir = Path(out_dir)
    stats_path = out_dir / "stats.json"
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.is_file() else {}

    docs = DocSummary()
    files, _ = _parquet_files(out_dir / "parquet" / "documents", {"id", *DOC_TYPES})
    for batch in _batches(files, DOC_TYPES):
        docs.add(batch)

    files, names = _parquet_files(out_dir / "parquet" / "paragraphs", set(LEDGER_TYPES))
    ledger = LedgerSummary(has_text="text" in names)
    offset = 0
    for batch in _batches(files, LEDGER_TYPES):
        ledger.add(batch, offset)
        offset += batch.num_rows
    ledger.finish()

    top = ledger.clusters.top(TOP_CLUSTERS)
    ex = Examples({r["row"] for _, r in ledger.candidates},
                  {(r["of_doc"], r["of_index"]) for _, r in ledger.candidates
                   if r["of_index"] is not None}, [cid for cid, _ in top])
    if ex.rows or ex.cluster_ids:
        offset = 0
        for batch in _batches(files, {c: LEDGER_TYPES[c] for c in EXAMPLE_COLUMNS}):
            ex.add(batch, offset)
            offset += batch.num_rows

    return ReportData(
        stats=stats, docs=docs, ledger=ledger,
        pairs=duplicate_pairs(ledger.candidates, ex, N_PAIRS),
        top_clusters=[(size, len(ex.sources[cid]),
                       ex.first_kept[cid][1] if cid in ex.first_kept else "")
                      for cid, size in top],
        learned=read_learned(out_dir / "boilerplate_learned.csv"),
        quarantine=read_quarantine(out_dir / "quarantine.jsonl"),
        run_key=_read_small(out_dir / "run_key.txt"),
        signals=load_signals(out_dir),
    )


def _read_small(path: Path) -> str | None:
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8", errors="replace").strip()[:200] or None


def _num(value: str | None) -> float:
    try:
        return float(value) if value not in (None, "") else 0.0
    except ValueError:
        return 0.0


def read_learned(path: Path) -> list[dict] | None:
    """boilerplate_learned.csv as dicts (numbers parsed); None when the file is absent."""
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        if not r.get("line"):
            continue
        rows.append({
            "source": r.get("source") or NO_SOURCE, "line": r["line"],
            "n_docs": int(_num(r.get("n_docs"))),
            "share_of_source_docs": _num(r.get("share_of_source_docs")),
            "n_removed": int(_num(r.get("n_removed"))),
        })
    return rows


def read_quarantine(path: Path, chunk: int = 10_000) -> QuarantineSummary:
    """quarantine.jsonl records (path, line, reason) summarised; unreadable lines are skipped."""
    out = QuarantineSummary()
    if not path.is_file():
        return out
    records: list[dict] = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for raw in fh:
            try:
                rec = json.loads(raw)
            except ValueError:
                continue
            if isinstance(rec, dict):
                records.append({"path": str(rec.get("path", "")), "line": rec.get("line"),
                                "reason": str(rec.get("reason", ""))})
            if len(records) >= chunk:
                out.add(records)
                records = []
    out.add(records)
    return out
