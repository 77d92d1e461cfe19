"""A folder written by `datasets.Dataset.save_to_disk` (it holds state.json and
dataset_info.json): read with `datasets.load_from_disk`, memory-mapped, batch by batch; rows
are mapped to fields like Parquet rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from ..core.model import Quarantine
from .base import Reader
from .tabular import BATCH_ROWS, read_rows, schema_problem


def units(path: Path, rel: str, cfg: Any) -> Iterator[Any]:
    import datasets

    try:
        ds = datasets.load_from_disk(str(path), keep_in_memory=False)
    except Exception as e:  # noqa: BLE001 - datasets raises many kinds; one folder, one record
        yield Quarantine(rel, f"not a readable datasets folder: {type(e).__name__}: {str(e)[:300]}")
        return
    if not isinstance(ds, datasets.Dataset):
        yield Quarantine(rel, f"a {type(ds).__name__}, not a Dataset: put its splits' folders in raw/")
        return
    problem = schema_problem(ds.data.schema, cfg)
    if problem:
        yield Quarantine(rel, problem)
        return
    row = 1
    # The Arrow files stay memory-mapped; each batch is a slice of them (copied when shipped).
    for table in ds.with_format("arrow").iter(batch_size=BATCH_ROWS):
        yield row, table, False
        row += table.num_rows
    if row == 1:
        yield Quarantine(rel, "empty dataset: no records")


READER = Reader("datasets", units, read_rows, markers=("state.json", "dataset_info.json"))
