"""Work a run can reuse from earlier runs, kept in `<out>/.cache/` and carried across swaps.

Two kinds, both keyed by content, so an entry is right whenever its key matches:
- ingest: the documents (as `store` parts) and quarantine records of one input file, keyed by
  the file's bytes, its path, the ingest configuration and the package's code;
- language: langdetect's answer for one text, keyed by the text, the seed and max_chars.
Every entry is written under a temporary name (starting with ".") and renamed, so no reader
ever sees half of one: a run killed at any moment leaves whole entries and
partial ones, which the next run reuses and removes (`drop_partial`); a run that fails (a full
disk) removes its partial entries itself.
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
        if path.is_dir():  # a folder read as one input: every file in it, path and bytes
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                h.update(f.relative_to(path).as_posix().encode() + b"\x00")
                update_file(h, f)
        else:
            update_file(h, path)
    except OSError:
        return None
    return h.hexdigest()


INDEX = "index.json"


def ingest_entry(folder: Path, key: str) -> Path:
    """The folder of one input file's documents (`store` files) and of `index.json`, which
    lists its parts and holds the file's quarantine records."""
    return folder / "ingest" / key


def partial_entry(folder: Path, key: str) -> Path:
    """Where the entry of `key` is written before it is whole (see `save_ingest_entry`)."""
    return folder / "ingest" / f".{key}.{os.getpid()}.partial"


def save_ingest_entry(partial: Path, entry: Path, parts: list[Part], quarantine: list[Quarantine],
                      counts: dict[str, int] | None = None
                      ) -> tuple[list[Part], list[Quarantine], dict[str, int]]:
    """Complete the entry written at `partial`: its index added, then renamed to `entry` in
    one step. The parts and records as read from `entry`.

    The index records each file's size, checked when the entry is loaded: a power cut can
    leave a renamed entry whose files were never written out (empty or short), and it is then
    read again. That check stands in for an fsync of every entry, which cost 0.28 s on part-00,
    1.5% of an idle run (`python -m bench faults`)."""
    names = sorted({Path(p.path).name for p in parts})
    index = {"parts": [[Path(p.path).name, p.batch, p.n_docs, p.n_paragraphs] for p in parts],
             "sizes": {name: (partial / name).stat().st_size for name in names},
             "quarantine": [q.as_dict() for q in quarantine], "counts": counts or {}}
    partial.mkdir(parents=True, exist_ok=True)
    (partial / INDEX).write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(entry, ignore_errors=True)  # an entry of the old layout, or a damaged one
    os.replace(partial, entry)
    return [Part(str(entry / Path(p.path).name), p.batch, p.n_docs, p.n_paragraphs)
            for p in parts], quarantine, counts or {}


def drop_partial(folder: Path | None) -> None:
    """Remove every partial entry and temporary file of the cache (their names start with
    "."): what a failed or killed run left. Whole entries stay."""
    if folder is None:
        return
    for sub in (folder, folder / "ingest"):
        for path in sub.glob(".*") if sub.is_dir() else ():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def load_ingest_index(entry: Path) -> tuple[list[Part], list[Quarantine], dict[str, int]] | None:
    try:
        index = json.loads((entry / INDEX).read_text(encoding="utf-8"))
        parts = [Part(str(entry / name), int(b), int(d), int(p)) for name, b, d, p in index["parts"]]
        quarantine = [Quarantine(q["path"], q["reason"], q["line"], q.get("offset"))
                      for q in index["quarantine"]]
        counts = dict(index.get("counts") or {})
        if any((entry / name).stat().st_size != size for name, size in index["sizes"].items()):
            return None
        if not all(Path(p.path).name in index["sizes"] for p in parts):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # absent, damaged or cut short: read the file again
    return parts, quarantine, counts


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
    # Not fsynced: a file a power cut left short or empty fails to open and is recomputed.
    write_atomic(table.schema, table.to_batches(), folder / "language.arrow")
