"""Streaming twin of `Dataset.save_to_disk`: a `datasets` folder written batch by batch.

Fed the rows of a table T in order, then closed with a fingerprint, `HFShardWriter` writes the
bytes of `Dataset(InMemoryTable(T), fingerprint=fp).save_to_disk(folder, num_shards=k)`, with
k = max(1, ceil(num_rows / rows_per_shard)): the same contiguous shards (`shard(contiguous=True)`:
the first `num_rows % k` shards get one row more), each written by `ArrowWriter` in record batches
of 1000 rows counted from the shard's start, and the same state.json and dataset_info.json.

save_to_disk's bytes also depend on two things beyond T's rows. (1) Its chunks: Arrow's IPC writer
keeps bytes past the end of a sliced buffer as padding, so T is the table whose chunks are the fed
batches, `pa.Table.from_batches(batches)`; rows chunked otherwise give shards that load equal.
(2) Its total nbytes, which a stream lacks: save_to_disk writes record batches under 1000 rows when
rows average over ~100 KiB (MAX_ROW_GROUP_SIZE / 1000); `close` then logs a warning.
"""

from __future__ import annotations

import contextlib

import json
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from datasets.arrow_writer import ArrowWriter

log = logging.getLogger(__name__)


class HFShardWriter:
    """Write `num_rows` rows, fed in order by `write`, as `datasets` shards under `folder`.

    Memory: the incoming batch plus under 1000 buffered rows, copied out of earlier batches so those
    can be freed (ArrowWriter concatenates a record batch spanning batches anyway: same bytes).
    """

    def __init__(self, folder: Path, schema: pa.Schema, num_rows: int, rows_per_shard: int) -> None:
        from datasets import Dataset, config, disable_progress_bars
        from datasets.table import InMemoryTable

        if num_rows < 0 or rows_per_shard < 1:
            raise ValueError("num_rows must be >= 0 and rows_per_shard >= 1")
        disable_progress_bars()  # the runner reports progress itself
        self.folder, self.num_rows = Path(folder), num_rows
        # An empty Dataset of the schema: features, state and info exactly as Dataset() makes them.
        self._empty = Dataset(InMemoryTable(schema.empty_table()), fingerprint="0")
        self.num_shards = min(max(1, math.ceil(num_rows / rows_per_shard)), max(1, num_rows))
        div, mod = divmod(num_rows, self.num_shards)
        self._shard_rows = [div + (1 if i < mod else 0) for i in range(self.num_shards)]
        self.batch_size: int = config.DEFAULT_MAX_BATCH_SIZE
        self._shard, self._left = -1, 0  # the open shard, and the rows it still needs
        self._writer: ArrowWriter | None = None
        self._buffer: list[pa.Table] = []  # rows of the next record batch
        self._buffered = self._written = self._nbytes = 0
        self.folder.mkdir(parents=True, exist_ok=True)

    def file_name(self, shard: int) -> str:
        return f"data-{shard:05d}-of-{self.num_shards:05d}.arrow"

    def _open_shard(self) -> None:
        from datasets.arrow_writer import ArrowWriter

        self._shard += 1
        self._left = self._shard_rows[self._shard]
        path = str(self.folder / self.file_name(self._shard))
        self._writer = ArrowWriter(features=self._empty.features, path=path, embed_local_files=True)

    def _flush(self, end_shard: bool) -> None:
        """Write the buffer as one record batch (zero-copy slice if it lies in one input batch)."""
        assert self._writer is not None
        if self._buffer:
            self._writer.write_table(pa.concat_tables(self._buffer))
            self._buffer, self._buffered = [], 0
        if end_shard:
            self._writer.finalize()
            self._writer.close()
            self._writer = None

    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        """Append the next rows; they are split at shard and record batch boundaries here."""
        table = pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else data
        if self._written + table.num_rows > self.num_rows:
            raise ValueError(f"more than the announced {self.num_rows} rows")
        self._nbytes += table.nbytes
        offset = 0
        while offset < table.num_rows:
            if self._left == 0:
                self._open_shard()
            take = min(table.num_rows - offset, self._left, self.batch_size - self._buffered)
            self._buffer.append(table.slice(offset, take))
            self._buffered += take
            self._left -= take
            offset += take
            if self._left == 0 or self._buffered == self.batch_size:
                self._flush(end_shard=self._left == 0)
        self._written += table.num_rows
        if self._buffer and table.num_rows:
            # Only the last buffered piece can come from `data`: copy it, so that the caller's
            # batch is not kept alive by a slice of it (each row is copied at most once).
            piece = self._buffer[-1]
            self._buffer[-1] = pa.Table.from_arrays(
                [pa.concat_arrays(c.chunks) for c in piece.columns], schema=piece.schema)

    def abort(self) -> None:
        """Close the open shard after a failure (its file is left as it is)."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
            self._writer = None

    def close(self, fingerprint: str) -> None:
        """Finish the last shard (or the one empty shard); write state.json, dataset_info.json."""
        if self._written != self.num_rows:
            if self._writer is not None:
                self._writer.close()
            raise ValueError(f"{self._written} rows written, {self.num_rows} announced")
        if self.num_rows == 0:
            self._open_shard()
            self._flush(end_shard=True)
        from datasets import Dataset, config
        from datasets.arrow_writer import get_writer_batch_size_from_data_size as batch_size_for
        from datasets.utils.py_utils import asdict  # drops None fields (unlike dataclasses)

        if self._nbytes and batch_size_for(self.num_rows, self._nbytes) < self.batch_size:
            log.warning("%s: rows average %d B; save_to_disk would use smaller record batches",
                        self.folder, self._nbytes // self.num_rows)
        # The same dictionaries and json.dump calls as Dataset.save_to_disk.
        ds = Dataset(self._empty.data, fingerprint=fingerprint)
        keys = ["_fingerprint", "_format_columns", "_format_kwargs", "_format_type"]
        state = {key: ds.__dict__[key] for key in [*keys, "_output_all_columns"]}
        state["_split"] = str(ds.split) if ds.split is not None else None
        state["_data_files"] = [{"filename": self.file_name(i)} for i in range(self.num_shards)]
        info = asdict(ds.info)
        with open(self.folder / config.DATASET_STATE_JSON_FILENAME, "w", encoding="utf-8") as f:
            json.dump(state, f, indent=2, sort_keys=True)
        with open(self.folder / config.DATASET_INFO_FILENAME, "w", encoding="utf-8") as f:
            json.dump({key: info[key] for key in sorted(info)}, f, indent=2)
