"""Documents on disk between stages, so a run's memory does not grow with its corpus.

Stages hand each other *parts*: record batches of at most `PART_DOCS` documents in Arrow IPC
files (ingest writes a file per input file or per chunk of a JSONL file's lines; clean writes
one per job). A worker reads only the parts of its job and writes its result the same way; the
driver keeps per-document and per-paragraph numbers, never texts. Parts follow the input order,
so they, and every result built from them in order, are the same for any worker count.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from ..core.model import KEPT, Document, Paragraph

# Documents per record batch. Small enough that a worker holds a few MB of text per part;
# large enough that the per-part costs (a task, a file) are negligible.
PART_DOCS = 1024

DOC_FIELDS = ("id", "source", "title", "section", "url", "date", "path")

SCHEMA = pa.schema([(f, pa.string()) for f in (*DOC_FIELDS, "meta")]
                   + [("texts", pa.list_(pa.string())),
                      # Per paragraph, null for a part straight from ingest (all kept).
                      ("status", pa.list_(pa.string())), ("reason", pa.list_(pa.string()))])


@dataclass(frozen=True)
class Part:
    """One record batch of documents: `batch` of the IPC file `path`."""

    path: str
    batch: int
    n_docs: int
    n_paragraphs: int


# Parts are written once and read once or twice, on the same machine: zstd at its fastest level
# shrinks news text 2.4x (LZ4: 1.6x) for about 0.5 s more CPU per 100 MB written and read
# (allsides part-00's strings), which keeps the spill's disk under 2 bytes per byte of text.
COMPRESSION = pa.Codec("zstd", 1)


def write_atomic(schema: pa.Schema, batches: Iterable[pa.RecordBatch], path: Path) -> None:
    """Write an IPC file under a temporary name, then rename it: a killed run leaves whole
    files only, a failed write (a full disk) none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    options = ipc.IpcWriteOptions(compression=COMPRESSION)
    try:
        # The file is closed here even when a write fails (the writer would leave it open, and
        # the space of the unlinked file held, until the process ends).
        with pa.OSFile(str(tmp), "wb") as sink:
            with ipc.new_file(sink, schema, options=options) as writer:
                for batch in batches:
                    writer.write_batch(batch)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# Fingerprint records (uint64: a 32-bit fingerprint above a 32-bit paragraph number, in
# paragraph order) are written once and read once: 8 raw bytes each were ~0.9 bytes per byte of
# text, the spill's largest item during dedup. The fingerprints (random bits) are stored as
# they are, 4 bytes; the paragraph numbers as differences (mostly 0 or 1), zstd at level 1:
# ~4.3 bytes a record on part-00, for ~0.15 s more CPU per 13 M records written and read.
# (Each half's bytes grouped by significance before zstd took 3.95 bytes, for ~0.8 s.)
_HEADER = 16  # the record count and the compressed differences' length, little-endian


def write_records(key: np.ndarray, path: str | Path) -> None:
    """uint64 records into a file of half the bytes (`read_records` gives them back exactly)."""
    key = np.asarray(key, dtype=np.uint64)
    steps = np.diff(key.astype(np.uint32), prepend=np.uint32(0))  # modulo 2**32: any order
    body = COMPRESSION.compress(steps.astype("<u4", copy=False), asbytes=True) if len(key) else b""
    with open(path, "wb") as fh:
        fh.write(len(key).to_bytes(8, "little") + len(body).to_bytes(8, "little") + body)
        fh.write((key >> np.uint64(32)).astype("<u4").data)


def read_records(path: str | Path) -> np.ndarray:
    raw = Path(path).read_bytes()
    n, m = int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:_HEADER], "little")
    if not n:
        return np.empty(0, np.uint64)
    steps = np.frombuffer(COMPRESSION.decompress(raw[_HEADER:_HEADER + m], decompressed_size=4 * n),
                          dtype="<u4")
    key = np.frombuffer(raw, dtype="<u4", count=n, offset=_HEADER + m).astype(np.uint64)
    key <<= np.uint64(32)
    key |= np.cumsum(steps, dtype=np.uint32)
    return key


def to_batch(docs: list[Document]) -> pa.RecordBatch:
    """Documents as one record batch; the paragraph state columns are null when every
    paragraph is kept (as ingested)."""
    columns: dict[str, Any] = {f: [getattr(d, f) for d in docs] for f in DOC_FIELDS}
    columns["meta"] = [json.dumps(d.meta, ensure_ascii=False, sort_keys=True, default=str)
                       for d in docs]
    columns["texts"] = [[p.text for p in d.paragraphs] for d in docs]
    plain = all(p.status == KEPT and p.reason is None for d in docs for p in d.paragraphs)
    columns["status"] = [None if plain else [p.status for p in d.paragraphs] for d in docs]
    columns["reason"] = [None if plain else [p.reason for p in d.paragraphs] for d in docs]
    return pa.RecordBatch.from_pydict(columns, schema=SCHEMA)


def from_batch(batch: pa.RecordBatch) -> list[Document]:
    docs = []
    cols = {name: batch.column(name).to_pylist() for name in batch.schema.names}
    for i in range(batch.num_rows):
        texts, status, reason = cols["texts"][i], cols["status"][i], cols["reason"][i]
        pars = ([Paragraph(t) for t in texts] if status is None
                else [Paragraph(t, s, r) for t, s, r in zip(texts, status, reason)])
        docs.append(Document(paragraphs=pars, meta=json.loads(cols["meta"][i]),
                             **{f: cols[f][i] for f in DOC_FIELDS}))
    return docs


def _copy(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A batch read through a memory map, out of it: the map can then be closed, and its pages
    (which would count as this process's memory) dropped. Parts are compressed, so reading
    already decompressed them into fresh memory: copying again would only cost time and
    memory (on part-00, +60 MB at the peak)."""
    if COMPRESSION is not None:
        return batch
    return pa.RecordBatch.from_arrays([pa.concat_arrays([c]) for c in batch.columns],
                                      schema=batch.schema)


def read_batch(part: Part) -> pa.RecordBatch:
    """The part's record batch, read through a memory map."""
    with pa.memory_map(part.path) as source:
        return _copy(ipc.open_file(source).get_batch(part.batch))


def read_batches(path: str | Path) -> Iterator[pa.RecordBatch]:
    """Every record batch of an IPC file, in order, each copied out of the map."""
    with pa.memory_map(str(path)) as source:
        reader = ipc.open_file(source)
        for i in range(reader.num_record_batches):
            yield _copy(reader.get_batch(i))


def ids_and_counts(part: Part) -> tuple[list[str], list[int]]:
    """The ids and paragraph counts of a part's documents, without reading their text."""
    with pa.memory_map(part.path) as source:
        batch = ipc.open_file(source).get_batch(part.batch)
        return batch.column("id").to_pylist(), batch.column("texts").value_lengths().to_pylist()


def read_part(part: Part) -> list[Document]:
    return from_batch(read_batch(part))


def read_parts(parts: Iterable[Part]) -> Iterator[Document]:
    for part in parts:
        yield from read_part(part)


def parts_of(path: Path, sizes: list[tuple[int, int]]) -> list[Part]:
    return [Part(str(path), i, n_docs, n_pars) for i, (n_docs, n_pars) in enumerate(sizes)]


def write_docs(path: Path, docs: Iterable[Document]) -> list[Part]:
    """Documents into an IPC file, `PART_DOCS` per batch; the parts written."""
    sizes: list[tuple[int, int]] = []

    def batches():
        chunk: list[Document] = []
        for doc in docs:
            chunk.append(doc)
            if len(chunk) == PART_DOCS:
                sizes.append((len(chunk), sum(len(d.paragraphs) for d in chunk)))
                yield to_batch(chunk)
                chunk = []
        if chunk:
            sizes.append((len(chunk), sum(len(d.paragraphs) for d in chunk)))
            yield to_batch(chunk)

    write_atomic(SCHEMA, batches(), path)
    return parts_of(path, sizes)


def jobs_of(items: list, docs_per_job: int | None = None) -> list[list]:
    """Consecutive parts (or (part, extra) pairs) grouped into jobs of at least `docs_per_job`
    documents: many small inputs of one document each still make jobs of a useful size.
    Depends on the parts only, not on the worker count."""
    docs_per_job = docs_per_job or PART_DOCS
    jobs: list[list] = []
    current: list = []
    n = 0
    for item in items:
        current.append(item)
        n += (item[0] if isinstance(item, tuple) else item).n_docs
        if n >= docs_per_job:
            jobs.append(current)
            current, n = [], 0
    if current:
        jobs.append(current)
    return jobs
