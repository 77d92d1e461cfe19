"""What a change did: two output folders of the same inputs compared paragraph by paragraph.

    compare(a, b, moved_csv=None) -> Diff

A paragraph's fate is `status` (kept) or `status:reason` (boilerplate:rule:x, duplicate:
near_duplicate, ...). Paragraphs are paired by (doc_id, index) across the two ledgers
(`align.Aligner`, streaming); a paragraph moved when its fate differs. One pass reads only the
key and fate columns of both ledgers; the text and links of the few sampled paragraphs are read
afterwards from the row groups that hold them. Memory is bounded by the chunk size, the number
of distinct fates and sources, and the sample size, not by the corpus.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import xxhash
import yaml

from .align import ROW, Aligner, read_chunks, shards

KEY_COLUMNS = ["doc_id", "index", "source", "status", "reason"]
LINK_COLUMNS = ["text", "duplicate_of_doc_id", "duplicate_of_index", "similarity"]
SAMPLES_PER_TRANSITION = 3
SAMPLED_TRANSITIONS = 8
DOCUMENT_SAMPLE = 10
FETCH_ROWS = 8192
MOVED_SCHEMA = pa.schema([("doc_id", pa.string()), ("index", pa.int32()),
                          ("source", pa.string()), ("a_fate", pa.string()),
                          ("b_fate", pa.string())])


class NotAnOutput(Exception):
    """A folder that holds no pipeline output."""


def fate(t: pa.Table) -> pa.ChunkedArray:
    """`status`, or `status:reason` when there is a reason."""
    status = t.column("status")
    return pc.coalesce(pc.binary_join_element_wise(status, t.column("reason"), ":"), status)


def _hash(doc_id: str, index: int) -> int:
    return xxhash.xxh3_64_intdigest(f"{doc_id}\x00{index}".encode())


@dataclass
class Sample:
    doc_id: str
    index: int
    source: str | None
    a_fate: str
    b_fate: str
    a_row: int
    b_row: int
    text: str | None = None
    a_link: dict | None = None
    b_link: dict | None = None
    url: str | None = None


@dataclass
class Diff:
    a: str
    b: str
    config_changes: list[tuple[str, Any, Any]] = field(default_factory=list)
    paragraphs: list[int] = field(default_factory=lambda: [0, 0])  # ledger rows of A, B
    matched: int = 0
    fates: tuple[Counter, Counter] = field(default_factory=lambda: (Counter(), Counter()))
    only: tuple[Counter, Counter] = field(default_factory=lambda: (Counter(), Counter()))
    transitions: Counter = field(default_factory=Counter)  # (a_fate, b_fate) -> paragraphs
    source_rows: Counter = field(default_factory=Counter)  # matched paragraphs per source
    by_source: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    samples: list[Sample] = field(default_factory=list)
    documents: list[int] = field(default_factory=lambda: [0, 0])  # documents written, A and B
    documents_only: tuple[list, list] = field(default_factory=lambda: ([], []))  # samples of ids
    documents_only_n: list[int] = field(default_factory=lambda: [0, 0])
    max_waiting_rows: int = 0

    @property
    def moved(self) -> int:
        return sum(self.transitions.values())

    def ranked_transitions(self) -> list[tuple[tuple[str, str], int]]:
        return sorted(self.transitions.items(), key=lambda kv: (-kv[1], kv[0]))

    def ranked_sources(self) -> list[tuple[str, int]]:
        moved = {s: sum(c.values()) for s, c in self.by_source.items()}
        return sorted(moved.items(), key=lambda kv: (-kv[1], kv[0]))


class _Ledgers:
    """The callbacks of the ledger alignment: counts, per-source counts, samples, the CSV."""

    def __init__(self, diff: Diff, moved_csv: Path | None) -> None:
        self.diff = diff
        self.heaps: dict[tuple[str, str], list] = defaultdict(list)
        self.writer = pcsv.CSVWriter(str(moved_csv), MOVED_SCHEMA) if moved_csv else None

    def matched(self, a: pa.Table, b: pa.Table) -> None:
        d = self.diff
        fa, fb = fate(a), fate(b)
        d.matched += a.num_rows
        for side, f in enumerate((fa, fb)):
            _count(d.fates[side], f)
        source = pc.fill_null(a.column("source"), "")  # no source: "" (sortable beside names)
        _count(d.source_rows, source)
        moved = pc.not_equal(fa, fb)
        if not pc.any(moved).as_py():
            return
        ma, mb = a.filter(moved), b.filter(moved)
        fa, fb = fa.filter(moved).to_pylist(), fb.filter(moved).to_pylist()
        docs, idx = ma.column("doc_id").to_pylist(), ma.column("index").to_pylist()
        sources = source.filter(moved).to_pylist()
        rows_a, rows_b = ma.column(ROW).to_pylist(), mb.column(ROW).to_pylist()
        for i, (x, y) in enumerate(zip(fa, fb)):
            d.transitions[x, y] += 1
            d.by_source[sources[i]][x, y] += 1
            heap = self.heaps[x, y]
            item = (-_hash(docs[i], idx[i]), docs[i], idx[i], sources[i], rows_a[i], rows_b[i])
            if len(heap) < SAMPLES_PER_TRANSITION:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
        self._write(ma, pa.array(fa, pa.string()), pa.array(fb, pa.string()))

    def only(self, side: int, t: pa.Table) -> None:
        f = fate(t)
        _count(self.diff.fates[side], f)
        _count(self.diff.only[side], f)
        none = pa.nulls(t.num_rows, pa.string())
        self._write(t, *((f, none) if side == 0 else (none, f)))

    def _write(self, t: pa.Table, fa, fb) -> None:
        if self.writer is None:
            return
        self.writer.write_table(pa.Table.from_arrays(
            [t.column("doc_id"), t.column("index"), t.column("source"), fa, fb],
            schema=MOVED_SCHEMA))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def samples(self) -> list[Sample]:
        """Up to SAMPLES_PER_TRANSITION for each of the SAMPLED_TRANSITIONS largest moves."""
        out = []
        for (x, y), _ in self.diff.ranked_transitions()[:SAMPLED_TRANSITIONS]:
            for _, doc, index, source, ra, rb in sorted(self.heaps[x, y], reverse=True):
                out.append(Sample(doc, index, source, x, y, ra, rb))
        return out


class _Documents:
    def __init__(self, diff: Diff) -> None:
        self.diff = diff
        self.heaps: tuple[list, list] = ([], [])

    def matched(self, a: pa.Table, b: pa.Table) -> None:
        pass

    def only(self, side: int, t: pa.Table) -> None:
        self.diff.documents_only_n[side] += t.num_rows
        heap = self.heaps[side]
        for doc in t.column("doc_id").to_pylist():
            item = (-_hash(doc, 0), doc)
            if len(heap) < DOCUMENT_SAMPLE:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)


def _count(counter: Counter, values) -> None:
    for row in pc.value_counts(values).to_pylist():
        counter[row["values"]] += row["counts"]


def _num_rows(folder: Path) -> int:
    return sum(pq.ParquetFile(p).metadata.num_rows for p in shards(folder))


def fetch_rows(folder: Path, rows: list[int], columns: list[str]) -> dict[int, dict]:
    """The given rows (positions over all shards in order), reading only their row groups."""
    want = sorted(set(rows))
    out: dict[int, dict] = {}
    offset, k = 0, 0
    for path in shards(folder):
        f = pq.ParquetFile(path)
        for g in range(f.metadata.num_row_groups):
            n = f.metadata.row_group(g).num_rows
            local = []
            while k < len(want) and want[k] < offset + n:
                local.append(want[k] - offset)
                k += 1
            start = 0
            # in small batches: only a slice of the row group's text is decoded at a time
            for batch in (f.iter_batches(batch_size=FETCH_ROWS, row_groups=[g], columns=columns)
                          if local else ()):
                mine = [p for p in local if start <= p < start + batch.num_rows]
                if mine:
                    recs = batch.take([p - start for p in mine]).to_pylist()
                    out.update({offset + p: rec for p, rec in zip(mine, recs)})
                start += batch.num_rows
            offset += n
    return out


def _urls(folder: Path, ids: set[str]) -> dict[str, str | None]:
    if not ids or not shards(folder):
        return {}
    t = pq.read_table(folder, columns=["id", "url"], filters=[("id", "in", sorted(ids))])
    return dict(zip(t.column("id").to_pylist(), t.column("url").to_pylist()))


def _flat(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            out.update(_flat(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): node}


def config_changes(a: Path, b: Path) -> list[tuple[str, Any, Any]]:
    """Keys whose value differs between the two runs' config.yaml (not `run`: how a run
    executes never changes what it writes)."""
    conf = []
    for folder in (a, b):
        path = folder / "config.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
        conf.append({k: v for k, v in _flat(data or {}).items() if not k.startswith("run.")})
    keys = sorted(set(conf[0]) | set(conf[1]))
    return [(k, conf[0].get(k), conf[1].get(k)) for k in keys if conf[0].get(k) != conf[1].get(k)]


def check_output(folder: Path) -> None:
    if not (folder / "parquet" / "paragraphs").is_dir() or not shards(
            folder / "parquet" / "paragraphs"):
        raise NotAnOutput(f"{folder}: not an output folder (no parquet/paragraphs/*.parquet)")


def compare(a: Path, b: Path, moved_csv: Path | None = None) -> Diff:
    """Compare the output folders `a` (before) and `b` (after). `moved_csv`: where to write
    every paragraph whose fate differs, or that only one ledger has (its other fate empty)."""
    a, b = Path(a), Path(b)
    for folder in (a, b):
        check_output(folder)
    diff = Diff(str(a), str(b), config_changes(a, b))
    ledgers = [f / "parquet" / "paragraphs" for f in (a, b)]
    acc = _Ledgers(diff, moved_csv)
    aligner = Aligner(acc.matched, acc.only)
    try:
        aligner.run(*(read_chunks(p, KEY_COLUMNS) for p in ledgers))
    finally:
        acc.close()
    diff.max_waiting_rows = aligner.max_waiting_rows
    diff.paragraphs = [sum(f.values()) for f in diff.fates]
    diff.samples = acc.samples()
    _fill_samples(diff, ledgers, [f / "parquet" / "documents" for f in (a, b)])

    docs = [f / "parquet" / "documents" for f in (a, b)]
    diff.documents = [_num_rows(p) for p in docs]
    dacc = _Documents(diff)

    def ids(folder: Path):
        for t in read_chunks(folder, ["id"], rename={"id": "doc_id"}):
            yield t.append_column("index", pa.array([0] * t.num_rows, pa.int32()))

    aligner = Aligner(dacc.matched, dacc.only)
    aligner.run(ids(docs[0]), ids(docs[1]))
    for side in (0, 1):
        diff.documents_only[side].extend(doc for _, doc in sorted(dacc.heaps[side], reverse=True))
    return diff


def _fill_samples(diff: Diff, ledgers: list[Path], docs: list[Path]) -> None:
    """The text (from B), both sides' links and the document's URL of each sample."""
    if not diff.samples:
        return
    links = ["duplicate_of_doc_id", "duplicate_of_index", "similarity"]
    rows_b = fetch_rows(ledgers[1], [s.b_row for s in diff.samples], LINK_COLUMNS)
    rows_a = fetch_rows(ledgers[0], [s.a_row for s in diff.samples], links)
    urls = _urls(docs[1], {s.doc_id for s in diff.samples})
    missing = {s.doc_id for s in diff.samples} - set(urls)
    urls.update(_urls(docs[0], missing))
    for s in diff.samples:
        rb, ra = rows_b[s.b_row], rows_a[s.a_row]
        s.text = rb["text"]
        s.a_link = {k: ra[k] for k in links} if ra["duplicate_of_doc_id"] else None
        s.b_link = {k: rb[k] for k in links} if rb["duplicate_of_doc_id"] else None
        s.url = urls.get(s.doc_id)
