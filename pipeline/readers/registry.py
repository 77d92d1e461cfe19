"""Which reader reads an input: files by suffix, folders by their marker files.

Adding a format is one module with a `Reader` and one line in READERS.
"""

from __future__ import annotations

from pathlib import Path

from . import hfdisk, jsonl, pages, tabular, warc
from .base import Reader, file_stem
from .decode import strip_compression

# First match wins: ".warc.wet" before ".warc".
READERS: tuple[Reader, ...] = (
    warc.WET,
    warc.WARC,
    jsonl.READER,
    pages.TEXT,
    pages.HTML,
    tabular.PARQUET,
    tabular.CSV,
    hfdisk.READER,
)
BY_NAME = {r.name: r for r in READERS}


def file_reader(name: str) -> Reader | None:
    """The reader of a file name ('a.warc.gz' -> WARC), None when no reader takes it."""
    base, compression = strip_compression(name.lower())
    for reader in READERS:
        if reader.suffixes and base.endswith(reader.suffixes):
            return reader if compression is None or reader.compressed else None
    return None


def folder_reader(path: Path) -> Reader | None:
    """The reader of a folder read as one input (its marker files are all there), or None."""
    for reader in READERS:
        if reader.markers and all((path / m).is_file() for m in reader.markers):
            return reader
    return None


def file_format(name: str) -> str | None:
    reader = file_reader(name)
    return reader.name if reader else None


def supported() -> str:
    return "/".join(s for r in READERS for s in r.suffixes)


def doc_id_for(rel: str) -> str:
    """'outlet/a.txt.gz' -> 'outlet/a': the path relative to the raw folder without format
    suffixes (for an input of no known format, without its compression suffix only)."""
    return file_stem(rel, tuple(s for r in READERS for s in r.suffixes))
