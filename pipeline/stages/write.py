"""Stage 5, write: the output contract, built beside the old output and swapped in at the end.

Layout of the output folder:
  parquet/documents/*.parquet, parquet/paragraphs/*.parquet   zstd, explicit schemas
  hf/documents, hf/paragraphs                                  `datasets.save_to_disk` shards
  README.md                                                    the dataset card (report/card.py)
  stats.json, config.yaml, quarantine.jsonl, <artifact>.csv
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.ipc  # noqa: F401 - pa.ipc
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from ..runtime import store
from ..core.digest import update_file
from ..core.model import RunContext
from ..core.schema import DOCUMENT_SCHEMA, PARAGRAPH_SCHEMA
from .base import Handoff

NAME = "write"


@dataclass(frozen=True)
class WriteConfig:
    documents_per_shard: int = 50_000
    paragraphs_per_shard: int = 500_000
    zstd_level: int = 3
    # Documents left with no text (every paragraph removed) are kept out of the documents
    # table; their paragraphs stay in the ledger either way.
    drop_empty_documents: bool = True
    # Dataset card: its name and the license of the text (an SPDX id, or "other" when the
    # articles belong to their publishers, as scraped news usually does).
    pretty_name: str = "newsprep corpus"
    license: str = "other"

    def __post_init__(self) -> None:
        if self.documents_per_shard < 1 or self.paragraphs_per_shard < 1:
            raise ValueError("documents_per_shard: shard sizes must be positive")
        if not 1 <= self.zstd_level <= 22:
            raise ValueError("zstd_level: must be between 1 and 22")


def shard_names(name: str, num_rows: int, rows_per_shard: int) -> list[str]:
    n = max(1, math.ceil(num_rows / rows_per_shard))
    return [f"{name}-{i:05d}-of-{n:05d}.parquet" for i in range(n)]


def _tables(paths: list[str], keep_empty: bool = True, release: bool = False) -> Iterator[pa.Table]:
    """The rows of IPC files, a table per batch; `release` deletes each file once read."""
    for path in paths:
        for batch in store.read_batches(path):
            table = pa.Table.from_batches([batch])
            if not keep_empty and "n_paragraphs" in table.column_names:
                has_text = pc.greater(table.column("n_paragraphs"), 0)
                if not pc.all(has_text).as_py():
                    table = table.filter(has_text)
            yield table
        if release:
            Path(path).unlink(missing_ok=True)


# A row group ends after this many rows, or at the end of the incoming rows that take it past
# this many bytes: the write holds about one row group (a fixed amount, whatever the corpus).
ROW_GROUP_ROWS = 100_000
ROW_GROUP_BYTES = 32 << 20


def _row_groups(tables: Iterator[pa.Table], sizes: list[int]) -> Iterator[tuple[int, pa.Table]]:
    """(shard, rows) in row groups within shards of `sizes` rows. The cuts depend only on the
    rows and the incoming tables (one per annotate job: the same for any worker count)."""
    pending: list[pa.Table] = []
    have = 0
    for shard, size in enumerate(sizes):
        left = size
        while left:
            want = min(ROW_GROUP_ROWS, left)
            nbytes = sum(t.nbytes for t in pending)
            while have < want and nbytes < ROW_GROUP_BYTES:
                t = next(tables)
                pending.append(t)
                have += t.num_rows
                nbytes += t.nbytes
            take = min(want, have)
            rows = pa.concat_tables(pending)
            yield shard, rows.slice(0, take)
            rest = rows.slice(take)
            pending, have = ([rest] if rest.num_rows else []), rest.num_rows
            left -= take


def write_table_files(paths: list[str], schema: pa.Schema, num_rows: int, parquet: Path, hf: Path,
                      name: str, rows_per_shard: int, level: int,
                      keep_empty: bool = True, release: bool = False) -> list[str]:
    """Stream the rows in `paths` (IPC files, in order) into Parquet shards and the Hugging
    Face shards of the same table; only one row group is in memory at a time. `keep_empty`
    false leaves out documents without a kept paragraph (`num_rows` counts without them);
    `release` deletes each file of `paths` once its rows are written (the run's spill)."""
    from ..runtime.hfwrite import HFShardWriter

    parquet.mkdir(parents=True, exist_ok=True)
    names = shard_names(name, num_rows, rows_per_shard)
    n = len(names)
    sizes = [min(rows_per_shard, num_rows - i * rows_per_shard) for i in range(n)] if num_rows else [0]
    hf_writer = HFShardWriter(hf, schema, num_rows, rows_per_shard)
    # One shard's Parquet writer open at a time (the shards come in order, each with rows but
    # the one shard of an empty table): opening every shard's at once grew with the corpus.
    sink = writer = None

    def open_writer(shard: int) -> None:
        nonlocal sink, writer
        if writer is not None:
            writer.close()
            sink.close()
            sink = writer = None
        if shard < n:
            # Files opened here, so that they are closed even when a write fails (a full disk).
            sink = pa.OSFile(str(parquet / names[shard]), "wb")
            writer = pq.ParquetWriter(sink, schema, compression="zstd", compression_level=level)

    try:
        shard_open = -1
        for shard, rows in _row_groups(_tables(paths, keep_empty, release), sizes):
            if shard != shard_open:
                open_writer(shard)
                shard_open = shard
            # One chunk per column: Parquet pages (and HF record batches) split where the
            # chunks do, so without it the bytes would depend on the incoming tables' sizes.
            rows = rows.combine_chunks()
            writer.write_table(rows)
            hf_writer.write(rows)
        if shard_open < 0:  # no rows: the one empty shard
            open_writer(0)
        open_writer(n)  # closes the last
    except BaseException:
        # Every file closed now: the failed run's files are removed at once, and their space
        # must not stay held by open handles until the writers are collected.
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.close()
        if sink is not None:
            sink.close()
        hf_writer.abort()
        raise
    hf_writer.close(files_digest(parquet, names))
    return names


def _threaded(fn, items: list, workers: int) -> list:
    if workers < 2 or len(items) < 2:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(min(workers, len(items))) as pool:
        return list(pool.map(fn, items))


def files_digest(folder: Path, names: list[str]) -> str:
    """A digest of files' bytes (the Parquet output is deterministic, so this is too)."""
    h = xxhash.xxh3_128()
    for name in names:
        update_file(h, folder / name)
    return h.hexdigest()


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    if not rows:
        path.write_text("", encoding="utf-8")  # nothing learned: an empty list, not a stale one
        return
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def write_jsonl(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def _file_schema(path: str) -> pa.Schema:
    with pa.memory_map(path) as source:
        return pa.ipc.open_file(source).schema


def run(handoff: Handoff, cfg: WriteConfig, ctx: RunContext) -> Handoff:
    """Write every output into `ctx.staging` (a fresh folder); the runner swaps it in afterwards.
    The rows are the annotate stage's files, in order."""
    staging: Path = ctx.staging
    rows = handoff.rows
    drop = cfg.drop_empty_documents
    n_docs = sum(r.n_documents - (r.n_empty if drop else 0) for r in rows)
    n_pars = sum(r.n_paragraphs for r in rows)
    # The documents table has the columns of the run's annotators: its rows' files say which.
    doc_schema = _file_schema(rows[0].documents) if rows else DOCUMENT_SCHEMA
    tables = {"documents": ([r.documents for r in rows], doc_schema, n_docs,
                            cfg.documents_per_shard, not drop),
              "paragraphs": ([r.paragraphs for r in rows], PARAGRAPH_SCHEMA, n_pars,
                             cfg.paragraphs_per_shard, True)}

    def one(name: str) -> list[str]:
        # The HF dataset's fingerprint is the digest of its Parquet bytes.
        paths, schema, num_rows, per_shard, keep_empty = tables[name]
        return write_table_files(paths, schema, num_rows, staging / "parquet" / name,
                                 staging / "hf" / name, name, per_shard, cfg.zstd_level,
                                 keep_empty, release=True)

    # The two tables are written side by side (threads: Arrow releases the GIL).
    files = dict(zip(tables, _threaded(one, list(tables), ctx.workers)))
    write_jsonl([q.as_dict() for q in ctx.quarantine], staging / "quarantine.jsonl")
    for name, artifact in sorted(ctx.artifacts.items()):
        write_csv(artifact, staging / f"{name}.csv")
    n_in = handoff.tally.documents
    return handoff.next(stats={
        # Documents left without text were counted as dropped by the stage that emptied them.
        "documents_in": n_in, "documents_out": n_docs,
        "documents_dropped": {"no_text_left": max(0, n_in - n_docs)},
        "ledger_rows": n_pars, "files": files})
