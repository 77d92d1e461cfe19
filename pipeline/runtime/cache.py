"""Work a run can reuse from earlier runs, kept in `<out>/.cache/` and carried across swaps.

Two kinds, both keyed by content, so an entry is right whenever its key matches:
- ingest: the documents (as `store` parts) and quarantine records of one input file, keyed by
  the file's bytes, its path, the ingest configuration and the package's code;
- language: langdetect's answer for one text, keyed by the text, the seed and max_chars.
Entries are Arrow IPC files written to a temporary name and renamed, so a run killed at any
moment leaves only whole entries: the next run reuses what the killed one finished.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import xxhash

from ..core.digest import update_file
from ..core.model import Quarantine
from .store import Part, write_atomic

from .outdir import CACHE_DIR  # noqa: F401 - one name for the folder


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
        update_file(h, path)
    except OSError:
        return None
    return h.hexdigest()


def ingest_entry(folder: Path, key: str) -> Path:
    """The folder of one input file's documents (`store` files); beside it, `<key>.json`
    indexes its parts and holds the file's quarantine records. The index is written last: an
    entry without it is incomplete and read again."""
    return folder / "ingest" / key


def save_ingest_index(entry: Path, parts: list[Part], quarantine: list[Quarantine]) -> None:
    index = {"parts": [[Path(p.path).name, p.batch, p.n_docs, p.n_paragraphs] for p in parts],
             "quarantine": [q.as_dict() for q in quarantine]}
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.json.tmp")
    tmp.write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, entry.with_name(f"{entry.name}.json"))


def load_ingest_index(entry: Path) -> tuple[list[Part], list[Quarantine]] | None:
    try:
        index = json.loads(entry.with_name(f"{entry.name}.json").read_text(encoding="utf-8"))
        parts = [Part(str(entry / name), int(b), int(d), int(p)) for name, b, d, p in index["parts"]]
        quarantine = [Quarantine(q["path"], q["reason"], q["line"]) for q in index["quarantine"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent or damaged: read the file again
    if not all(_whole(p) for p in parts):
        return None
    return parts, quarantine


def _whole(part: Part) -> bool:
    """Whether a cached part's file is a whole Arrow file holding its batch (a file cut short
    has no footer). Damage inside an intact file is not looked for: entries are written whole."""
    try:
        with ipc.open_file(part.path) as reader:
            return reader.num_record_batches > part.batch
    except (OSError, pa.ArrowInvalid):
        return False


def prune_ingest(folder: Path, keep: set[str]) -> None:
    """Drop entries of files no longer in the raw folder (or changed since)."""
    for path in (folder / "ingest").glob("*"):
        if path.name.split(".", 1)[0] not in keep:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


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
    write_atomic(table.schema, table.to_batches(), folder / "language.arrow")
