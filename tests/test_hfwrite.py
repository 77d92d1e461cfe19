"""HFShardWriter against the in-memory `write_hf` (Dataset.save_to_disk): byte-identical folders."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pyarrow as pa
import pytest
from datasets import load_from_disk

from pipeline.runtime.hfwrite import HFShardWriter
from pipeline.core.schema import PARAGRAPH_SCHEMA

from conftest import ledger_table

FINGERPRINT = "0123456789abcdef"


def write_hf(table: pa.Table, folder: Path, rows_per_shard: int, fingerprint: str) -> None:
    """The reference: pipeline.write.write_hf as it was before HFShardWriter (kept here so the
    test still compares against save_to_disk once write_hf streams)."""
    from datasets import Dataset, disable_progress_bars
    from datasets.table import InMemoryTable

    disable_progress_bars()
    ds = Dataset(InMemoryTable(table), fingerprint=fingerprint)
    shards = max(1, math.ceil(table.num_rows / rows_per_shard))
    ds.save_to_disk(str(folder), num_shards=min(shards, max(1, table.num_rows)))


WORDS = ["Zürich", "naïve", "café", "東京", "Москва", "élan", "😀", "news", "the", "rain", "Ωmega"]


def paragraph_table(n: int, seed: int = 7) -> pa.Table:
    rng = random.Random(seed)
    rows: dict[str, list] = {name: [] for name in PARAGRAPH_SCHEMA.names}
    for i in range(n):
        dup = rng.random() < 0.3
        status = rng.choice(["kept", "boilerplate", "duplicate", "near_duplicate"])
        rows["doc_id"].append(f"doc-{i // 7:05d}")
        rows["index"].append(i % 7)
        rows["source"].append(rng.choice(["wire", "blog", None]))
        rows["text"].append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 60))))
        rows["status"].append(status)
        reason = rng.choice(["menu", "cookie banner", "exact"])
        rows["reason"].append(None if status == "kept" else reason)
        rows["duplicate_of_doc_id"].append(f"doc-{rng.randrange(n):05d}" if dup else None)
        rows["duplicate_of_index"].append(rng.randrange(7) if dup else None)
        rows["similarity"].append(rng.random() if dup else None)
        rows["cluster_id"].append(rng.randrange(1 << 40) if dup else None)
        rows["covered_by"].append([{"doc_id": rows["duplicate_of_doc_id"][-1],
                                    "index": rows["duplicate_of_index"][-1]}] if dup else None)
    return ledger_table(rows)


def batches_of(table: pa.Table, sizes: list[int]) -> list[pa.RecordBatch]:
    out, start = [], 0
    for size in [*sizes, table.num_rows - sum(sizes)]:
        out.append(table.slice(start, size).combine_chunks().to_batches()[0] if size else None)
        start += size
    return [b for b in out if b is not None]


def write_streaming(batches: list, folder: Path, num_rows: int, rows_per_shard: int) -> None:
    writer = HFShardWriter(folder, PARAGRAPH_SCHEMA, num_rows, rows_per_shard)
    for batch in batches:
        writer.write(batch)
    writer.close(FINGERPRINT)


def assert_same_folder(got: Path, want: Path) -> None:
    names = sorted(p.name for p in want.iterdir())
    assert sorted(p.name for p in got.iterdir()) == names
    for name in names:  # every file, shards included, is byte-identical
        assert (got / name).read_bytes() == (want / name).read_bytes(), name
    a, b = load_from_disk(str(got)), load_from_disk(str(want))
    # load_from_disk re-applies the saved format, deriving a new fingerprint from the saved one.
    assert a.features == b.features and a._fingerprint == b._fingerprint
    assert json.loads((got / "state.json").read_text())["_fingerprint"] == FINGERPRINT
    assert a.data.table.equals(b.data.table)


def assert_same_content(got: Path, want: Path) -> None:
    """For write_hf on a table chunked otherwise than the fed batches: the json files are equal,
    the shards only load equal. ArrowWriter hands a record batch lying inside one chunk to Arrow's
    IPC writer as a slice of that chunk, and the IPC writer extends each truncated buffer to an 8
    (values) or 64 (string data) byte boundary with the bytes that follow it in the chunk (the next
    rows' bytes) and records those lengths; a record batch spanning chunks is concatenated into
    fresh, exactly sized buffers. So save_to_disk's bytes depend on the table's chunking, not only
    on its rows; the writer matches the table whose chunks are the fed batches."""
    for name in ("state.json", "dataset_info.json"):
        assert (got / name).read_bytes() == (want / name).read_bytes(), name
    a, b = load_from_disk(str(got)), load_from_disk(str(want))
    assert a.features == b.features and a._fingerprint == b._fingerprint
    assert a.data.table.equals(b.data.table)


@pytest.mark.parametrize("rows_per_shard, shards", [(5000, 1), (2503, 1), (1000, 3), (400, 7)])
@pytest.mark.parametrize("feed_as", ["batches", "tables", "two_chunk_tables"])
def test_matches_save_to_disk(
    tmp_path: Path, rows_per_shard: int, shards: int, feed_as: str
) -> None:
    table = paragraph_table(2503)
    batches = batches_of(table, [1, 700, 333, 0, 1])  # 1, 700, 333, 1, 1468 rows
    feed: list = batches
    if feed_as == "tables":
        feed = [pa.Table.from_batches([b]) for b in batches]
    elif feed_as == "two_chunk_tables":
        feed = [pa.Table.from_batches(batches[i:i + 2]) for i in range(0, len(batches), 2)]
    write_streaming(feed, tmp_path / "stream", table.num_rows, rows_per_shard)
    assert len(list((tmp_path / "stream").glob("data-*.arrow"))) == shards
    # The same table as save_to_disk sees it: its chunks are the fed batches.
    write_hf(pa.Table.from_batches(batches), tmp_path / "chunked", rows_per_shard, FINGERPRINT)
    assert_same_folder(tmp_path / "stream", tmp_path / "chunked")
    write_hf(table.combine_chunks(), tmp_path / "whole", rows_per_shard, FINGERPRINT)
    assert_same_content(tmp_path / "stream", tmp_path / "whole")
    assert load_from_disk(str(tmp_path / "stream")).to_list() == table.to_pylist()


def test_row_by_row_and_one_batch(tmp_path: Path) -> None:
    table = paragraph_table(1201, seed=3)
    rows = table.to_batches(max_chunksize=1)
    write_hf(pa.Table.from_batches(rows), tmp_path / "want_rows", 600, FINGERPRINT)
    write_streaming(rows, tmp_path / "rows", table.num_rows, 600)
    assert_same_folder(tmp_path / "rows", tmp_path / "want_rows")
    write_hf(table, tmp_path / "want", 600, FINGERPRINT)
    write_streaming([table], tmp_path / "one", table.num_rows, 600)
    assert_same_folder(tmp_path / "one", tmp_path / "want")


def test_empty(tmp_path: Path) -> None:
    write_hf(PARAGRAPH_SCHEMA.empty_table(), tmp_path / "want", 1000, FINGERPRINT)
    write_streaming([], tmp_path / "none", 0, 1000)
    write_streaming([PARAGRAPH_SCHEMA.empty_table()], tmp_path / "empty", 0, 1000)
    assert [p.name for p in (tmp_path / "none").glob("*.arrow")] == ["data-00000-of-00001.arrow"]
    assert_same_folder(tmp_path / "none", tmp_path / "want")
    assert_same_folder(tmp_path / "empty", tmp_path / "want")
    assert len(load_from_disk(str(tmp_path / "none"))) == 0


def test_row_count_is_checked(tmp_path: Path) -> None:
    table = paragraph_table(10)
    writer = HFShardWriter(tmp_path / "a", PARAGRAPH_SCHEMA, 5, 2)
    with pytest.raises(ValueError, match="more than"):
        writer.write(table)
    writer = HFShardWriter(tmp_path / "b", PARAGRAPH_SCHEMA, 10, 4)
    writer.write(table.slice(0, 3))
    with pytest.raises(ValueError, match="3 rows written"):
        writer.close(FINGERPRINT)


def test_does_not_keep_caller_batches(tmp_path: Path) -> None:
    """After write() returns, the caller's batch can be freed: only the copied leftover stays."""
    n = 1500  # one shard: 1000 rows are written out, 500 stay buffered
    table = paragraph_table(n).set_column(3, "text", pa.array(["é" * 5000] * n))
    writer = HFShardWriter(tmp_path / "mem", PARAGRAPH_SCHEMA, 2 * n, 10 * n)
    batch = table.combine_chunks().to_batches()[0]
    del table
    before = pa.total_allocated_bytes()
    writer.write(batch)
    del batch
    freed = before - pa.total_allocated_bytes()
    assert freed > 0.6 * n * 10_000  # the batch's ~15 MB of text, minus the 500 buffered rows
    writer.write(paragraph_table(n).set_column(3, "text", pa.array(["é" * 5000] * n)))
    writer.close(FINGERPRINT)
    assert len(load_from_disk(str(tmp_path / "mem"))) == 2 * n


def test_large_rows_warn(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Rows over ~100 KiB make save_to_disk write smaller record batches; the writer can't know
    the total size up front, so it warns. Here every shard is under one record batch anyway."""
    table = paragraph_table(3).set_column(3, "text", pa.array(["ä" * 70_000] * 3))
    write_hf(table, tmp_path / "want", 2, FINGERPRINT)
    with caplog.at_level("WARNING", logger="pipeline.hfwrite"):
        write_streaming(table.to_batches(), tmp_path / "big", 3, 2)
    assert "smaller record batches" in caplog.text
    assert_same_folder(tmp_path / "big", tmp_path / "want")
