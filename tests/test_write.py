"""The write stage streams rows from the annotate jobs' files into Parquet and HF shards: every
row once, in order, in the shard sizes asked for, one bounded row group at a time."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import load_from_disk

from pipeline.runtime import store
from pipeline.stages import write
from pipeline.core.schema import PARAGRAPH_SCHEMA
from pipeline.stages.write import write_table_files

from conftest import ledger_table


def _rows(start: int, n: int) -> pa.Table:
    return ledger_table({
        "doc_id": [f"outlet/doc-{(start + i) // 7}" for i in range(n)],
        "index": [(start + i) % 7 for i in range(n)],
        "source": ["outlet" if i % 5 else None for i in range(n)],
        "text": [f"Paragraph {start + i}: the council met on Tuesday. é中🙂" * (1 + i % 3)
                 for i in range(n)],
        "status": ["kept" if i % 4 else "duplicate" for i in range(n)],
        "reason": [None if i % 4 else "near_duplicate" for i in range(n)],
        "duplicate_of_doc_id": [None if i % 4 else "outlet/doc-0" for i in range(n)],
        "duplicate_of_index": [None if i % 4 else 0 for i in range(n)],
        "similarity": [None if i % 4 else 0.93 for i in range(n)],
        "cluster_id": [None if i % 4 else -5 for i in range(n)],
        "covered_by": [None if i % 4 else [{"doc_id": "d", "index": 0}] for i in range(n)],
    })


def _job_files(tmp_path: Path, sizes: list[int]) -> tuple[list[str], pa.Table]:
    paths, tables, start = [], [], 0
    for k, n in enumerate(sizes):
        t = _rows(start, n)
        path = tmp_path / "jobs" / f"{k:03d}.paragraphs.arrow"
        store.write_atomic(t.schema, t.to_batches(), path)
        paths.append(str(path))
        tables.append(t)
        start += n
    return paths, pa.concat_tables(tables).combine_chunks()


def test_rows_stream_into_shards_and_bounded_row_groups(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "ROW_GROUP_ROWS", 60)
    paths, whole = _job_files(tmp_path, [17, 120, 1, 0, 95, 33])  # 266 rows, uneven jobs
    names = write_table_files(paths, PARAGRAPH_SCHEMA, whole.num_rows, tmp_path / "pq",
                              tmp_path / "hf", "paragraphs", 100, 3)
    assert names == [f"paragraphs-0000{i}-of-00003.parquet" for i in range(3)]
    files = [pq.ParquetFile(tmp_path / "pq" / n) for n in names]
    assert [f.metadata.num_rows for f in files] == [100, 100, 66]
    for f in files:
        sizes = [f.metadata.row_group(i).num_rows for i in range(f.metadata.num_row_groups)]
        assert max(sizes) <= 60
    back = pa.concat_tables([f.read() for f in files])
    assert back.equals(whole)
    ds = load_from_disk(str(tmp_path / "hf"))
    assert ds.num_rows == whole.num_rows and ds["text"] == whole.column("text").to_pylist()
    assert ds["cluster_id"] == whole.column("cluster_id").to_pylist()


def test_a_row_group_is_cut_once_its_rows_pass_the_byte_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "ROW_GROUP_BYTES", 1)  # every incoming table ends a row group
    paths, whole = _job_files(tmp_path, [40, 25, 30])
    names = write_table_files(paths, PARAGRAPH_SCHEMA, whole.num_rows, tmp_path / "pq",
                              tmp_path / "hf", "paragraphs", 1000, 3)
    meta = pq.ParquetFile(tmp_path / "pq" / names[0]).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [40, 25, 30]
    assert pq.read_table(tmp_path / "pq" / names[0]).equals(whole)


def test_no_rows_still_writes_one_empty_shard_of_each_kind(tmp_path):
    paths, _ = _job_files(tmp_path, [0, 0])
    names = write_table_files(paths, PARAGRAPH_SCHEMA, 0, tmp_path / "pq", tmp_path / "hf",
                              "paragraphs", 100, 3)
    assert names == ["paragraphs-00000-of-00001.parquet"]
    assert pq.read_table(tmp_path / "pq" / names[0]).num_rows == 0
    assert load_from_disk(str(tmp_path / "hf")).num_rows == 0
