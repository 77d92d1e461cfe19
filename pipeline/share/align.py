"""Pair the rows of two ledgers (or two documents tables) by key, streaming.

Both tables list documents in the order the run ingested them, every document's rows together.
Two runs of the same inputs list the same keys in the same order, so the rows are paired by
position, a chunk at a time, after one vectorised check that the keys agree. Where they do not
(inputs added or removed, a document whose paragraphs changed), the documents at the two heads
are set aside, keyed by id, until the other side reaches them; a side whose head is waiting on
the other side advances alone, so the two fall back into step as soon as the extra documents
are past. Memory: two chunks of the key columns, plus the documents set aside, which is bounded
by how far the two orders disagree (nothing when they agree), never by the corpus.

`Aligner.run` calls `matched(a, b)` with tables of equal length whose rows have the same key,
and `only(side, t)` with rows that have no counterpart (side 0: the first input, 1: the second).
Both are called in a deterministic order: the same inputs give the same calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

CHUNK_ROWS = 65_536
ROW = "_row"  # the row's position in its table (from 0, over all shards in order)


def shards(folder: Path) -> list[Path]:
    return sorted(Path(folder).glob("*.parquet"))


def read_chunks(folder: Path, columns: list[str], rename: dict[str, str] | None = None,
                batch_rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    """The table's rows in order, `columns` only, with their position as `_row`."""
    offset = 0
    for path in shards(folder):
        # One thread: the pool's threads would each keep a malloc arena (~+60 MB resident) for
        # columns this small, and decoding them is not where the time goes.
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows, columns=columns,
                                                       use_threads=False):
            t = pa.Table.from_batches([batch])
            if rename:
                t = t.rename_columns([rename.get(c, c) for c in t.column_names])
            t = t.append_column(ROW, pa.array(range(offset, offset + t.num_rows), pa.int64()))
            offset += t.num_rows
            yield t


class _Side:
    def __init__(self, chunks: Iterator[pa.Table]) -> None:
        self.chunks = chunks
        self.buf: pa.Table | None = None
        self.done = False

    def rows(self) -> int:
        return 0 if self.buf is None else self.buf.num_rows

    def fill(self, want: int) -> None:
        parts = [] if self.buf is None or not self.buf.num_rows else [self.buf]
        have = self.rows()
        while have < want and not self.done:
            t = next(self.chunks, None)
            if t is None:
                self.done = True
                break
            parts.append(t)
            have += t.num_rows
        self.buf = pa.concat_tables(parts).combine_chunks() if len(parts) > 1 else (
            parts[0] if parts else None)

    def take(self, n: int) -> pa.Table:
        assert self.buf is not None
        head, self.buf = self.buf.slice(0, n), self.buf.slice(n)
        return head

    def head_id(self) -> str:
        assert self.buf is not None
        return self.buf.column("doc_id")[0].as_py()

    def take_document(self) -> tuple[str, pa.Table]:
        """The head document's rows (all of them: reads on until another id or the end).
        Its end is looked for in a window that grows, so a step costs its document's rows."""
        doc = self.head_id()
        window = 256
        while True:
            n = self.buf.num_rows
            ids = self.buf.column("doc_id").slice(0, min(window, n))
            idx = pc.index(pc.not_equal(ids, pa.scalar(doc, ids.type)), True).as_py()
            if idx >= 0:
                return doc, self.take(idx)
            if window < n:
                window *= 4
            elif self.done:
                return doc, self.take(n)
            else:
                self.fill(n + CHUNK_ROWS)


def _first_mismatch(a: pa.Table, b: pa.Table) -> int:
    """The first position where the keys differ, or the length when they all agree."""
    same = pc.and_(pc.equal(a.column("doc_id"), b.column("doc_id")),
                   pc.equal(a.column("index"), b.column("index")))
    same = pc.fill_null(same, False)
    if pc.all(same).as_py():
        return a.num_rows
    return pc.index(same, False).as_py()


Matched = Callable[[pa.Table, pa.Table], None]
Only = Callable[[int, pa.Table], None]


class Aligner:
    def __init__(self, matched: Matched, only: Only) -> None:
        self.matched, self.only = matched, only
        self.waiting: tuple[dict[str, pa.Table], dict[str, pa.Table]] = ({}, {})
        self.max_waiting_rows = 0  # the most rows ever set aside (the memory beyond the chunks)

    def _pair(self, a: pa.Table, b: pa.Table) -> None:
        """Rows of one document from each side: paired by paragraph index."""
        pos_b = {i: k for k, i in enumerate(b.column("index").to_pylist())}
        ia, ib = [], []
        for k, i in enumerate(a.column("index").to_pylist()):
            j = pos_b.pop(i, None)
            if j is not None:
                ia.append(k)
                ib.append(j)
        if ia:
            self.matched(a.take(ia), b.take(ib))
        if len(ia) < a.num_rows:
            matched_a = set(ia)
            self.only(0, a.take([k for k in range(a.num_rows) if k not in matched_a]))
        if pos_b:
            self.only(1, b.take(sorted(pos_b.values())))

    def _step_out_of_line(self, sides: tuple[_Side, _Side]) -> None:
        """The heads disagree: pair a head with its waiting counterpart, or set both aside."""
        wa, wb = self.waiting
        da, db = sides[0].head_id(), sides[1].head_id()
        if da == db:
            self._pair(sides[0].take_document()[1], sides[1].take_document()[1])
        elif da in wb:
            self._pair(sides[0].take_document()[1], wb.pop(da))
        elif db in wa:
            self._pair(wa.pop(db), sides[1].take_document()[1])
        else:
            for side, waiting in zip(sides, self.waiting):
                doc, rows = side.take_document()
                waiting[doc] = pa.concat_tables([waiting[doc], rows]) if doc in waiting else rows
            self.max_waiting_rows = max(self.max_waiting_rows,
                                        sum(t.num_rows for w in self.waiting for t in w.values()))

    def _drain(self, k: int, side: _Side) -> None:
        """The other side has ended: this side's rest pairs with what waits, or has no pair."""
        other = self.waiting[1 - k]
        while True:
            side.fill(CHUNK_ROWS)
            if not side.rows():
                return
            if not other:  # nothing left to pair with: the rest has no counterpart
                self.only(k, side.take(side.rows()))
                continue
            doc, rows = side.take_document()
            if doc in other:
                pair = (rows, other.pop(doc)) if k == 0 else (other.pop(doc), rows)
                self._pair(*pair)
            else:
                self.only(k, rows)

    def run(self, a: Iterator[pa.Table], b: Iterator[pa.Table]) -> None:
        sides = (_Side(a), _Side(b))
        while True:
            for s in sides:
                s.fill(CHUNK_ROWS)
            n = min(s.rows() for s in sides)
            if n == 0:
                break
            ta, tb = sides[0].buf.slice(0, n), sides[1].buf.slice(0, n)
            k = _first_mismatch(ta, tb)
            if k:
                self.matched(sides[0].take(k), sides[1].take(k))
            if k < n:
                self._step_out_of_line(sides)
        for k, side in enumerate(sides):
            if side.rows():
                self._drain(k, side)
        for k, waiting in enumerate(self.waiting):
            for doc in list(waiting):  # in the order they were set aside
                self.only(k, waiting.pop(doc))
