"""Work a run can reuse from earlier runs, kept in `<out>/.cache/` and carried across swaps.

Two kinds, both keyed by content, so an entry is right whenever its key matches:
- ingest: the documents and quarantine records of one input file, keyed by the file's bytes,
  its path, the ingest configuration and the package's code;
- language: langdetect's answer for one text, keyed by the text, the seed and max_chars.
Entries are Arrow IPC files written to a temporary name and renamed, so a run killed at any
moment leaves only whole entries: the next run reuses what the killed one finished.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.ipc as ipc
import xxhash

from .model import Document, Paragraph, Quarantine

from .outdir import CACHE_DIR  # noqa: F401 - one name for the folder
PACKAGE = Path(__file__).resolve().parent


def code_digest() -> str:
    h = xxhash.xxh3_64()
    for path in sorted(PACKAGE.rglob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _write_atomic(schema: pa.Schema, batches: Iterable[pa.RecordBatch], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with ipc.new_file(tmp, schema) as writer:
        for batch in batches:
            writer.write_batch(batch)
    os.replace(tmp, path)


def _read(path: Path) -> pa.Table | None:
    try:
        with ipc.open_file(path) as reader:
            return reader.read_all()
    except (OSError, pa.ArrowInvalid):
        return None  # absent or damaged: recompute


def ingest_key(path: Path, rel: str, config_repr: str, code: str) -> str | None:
    """None for a file that cannot be read: it is never cached (its reader quarantines it)."""
    h = xxhash.xxh3_128()
    for part in (rel, config_repr, code):
        h.update(part.encode() + b"\x00")
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


_DOC_FIELDS = ("id", "source", "title", "section", "url", "date", "path")


# Documents per record batch of an ingest entry: the entry is written batch by batch, so saving
# a large file costs the memory of one batch, not a second copy of the whole file's text.
INGEST_BATCH = 1024

_INGEST_SCHEMA = pa.schema([(f, pa.string()) for f in (*_DOC_FIELDS, "meta")]
                           + [("paragraphs", pa.list_(pa.string()))])


def save_ingest(folder: Path, key: str, docs: list[Document], quarantine: list[Quarantine]) -> None:
    try:
        meta = [json.dumps(d.meta, ensure_ascii=False, sort_keys=True) for d in docs]
    except (TypeError, ValueError):
        return  # metadata that JSON cannot hold exactly is not cached
    q = json.dumps([x.as_dict() for x in quarantine], ensure_ascii=False)
    schema = _INGEST_SCHEMA.with_metadata({"quarantine": q})

    def batches():
        for i in range(0, len(docs), INGEST_BATCH):
            part = docs[i:i + INGEST_BATCH]
            columns: dict[str, Any] = {f: [getattr(d, f) for d in part] for f in _DOC_FIELDS}
            columns["meta"] = meta[i:i + INGEST_BATCH]
            columns["paragraphs"] = [[p.text for p in d.paragraphs] for d in part]
            yield pa.RecordBatch.from_pydict(columns, schema=schema)

    _write_atomic(schema, batches(), folder / "ingest" / f"{key}.arrow")


def prune_ingest(folder: Path, keep: set[str]) -> None:
    """Drop entries of files no longer in the raw folder (or changed since)."""
    for path in (folder / "ingest").glob("*.arrow"):
        if path.stem not in keep:
            path.unlink(missing_ok=True)


def load_ingest(folder: Path, key: str) -> tuple[list[Document], list[Quarantine]] | None:
    table = _read(folder / "ingest" / f"{key}.arrow")
    if table is None:
        return None
    docs = []
    for batch in table.to_batches():  # batch by batch: one batch of Python rows at a time
        for row in batch.to_pylist():
            fields = {f: row[f] for f in _DOC_FIELDS}
            docs.append(Document(paragraphs=[Paragraph(t) for t in row["paragraphs"]],
                                 meta=json.loads(row["meta"]), **fields))
    raw_q = json.loads((table.schema.metadata or {}).get(b"quarantine", b"[]"))
    return docs, [Quarantine(q["path"], q["reason"], q["line"]) for q in raw_q]


def language_key(text: str, seed: int, max_chars: int) -> int:
    # Signed 64-bit for Arrow; a collision would need two texts with equal 64-bit digests.
    return xxhash.xxh3_64_intdigest(f"{seed}\x00{max_chars}\x00{text}".encode()) - (1 << 63)


def load_languages(folder: Path) -> dict[int, tuple[str | None, float | None]]:
    table = _read(folder / "language.arrow")
    if table is None:
        return {}
    cols = table.to_pydict()
    return {k: (lang, score) for k, lang, score in zip(cols["key"], cols["language"], cols["score"])}


def save_languages(folder: Path, known: dict[int, tuple[str | None, float | None]]) -> None:
    keys = sorted(known)
    table = pa.table({"key": pa.array(keys, pa.int64()),
                      "language": pa.array([known[k][0] for k in keys], pa.string()),
                      "score": pa.array([known[k][1] for k in keys], pa.float64())})
    _write_atomic(table.schema, table.to_batches(), folder / "language.arrow")
