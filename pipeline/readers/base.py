"""What a reader is: how it cuts an input into units of work, and how a unit becomes documents.

A reader's `units(path, rel, cfg)` runs where the run is driven and streams the input: it yields
payloads (each one job for a worker: some lines, some records, a record batch, or None for the
whole file), `Quarantine` records for what cannot be read, and `Counts` of what was passed over
on purpose (a WARC's request records). `read(path, rel, payload, cfg, ctx)` runs in a worker and
yields the payload's documents, quarantining bad records into `ctx.quarantine`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.model import Document, Quarantine, RunContext
from .decode import strip_compression


class Counts(dict):
    """Records of a file passed over on purpose, by kind (summed into the ingest stats)."""


Units = Iterator[Any]  # payloads, Quarantine and Counts


@dataclass(frozen=True)
class Reader:
    name: str
    units: Callable[[Path, str, Any], Units]
    read: Callable[[Path, str, Any, Any, RunContext], Iterator[Document]]
    # File name endings (before a .gz/.bz2/.xz suffix), e.g. (".warc",).
    suffixes: tuple[str, ...] = ()
    # For a folder read as one input: files it must all hold, e.g. ("state.json", ...).
    markers: tuple[str, ...] = ()
    # Whether compressed versions (a.csv.gz) are read.
    compressed: bool = True


def file_stem(rel: str, suffixes: tuple[str, ...]) -> str:
    """'outlet/a.txt.gz' -> 'outlet/a': a path without its compression suffix and the first of
    `suffixes` it ends with (case-insensitive); the stem of ids that name no record."""
    name, _ = strip_compression(rel)
    lower = name.lower()
    for suffix in suffixes:
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def whole_file(path: Path, rel: str, cfg: Any) -> Units:
    """The units of a format read in one piece: one job for the whole file."""
    yield None


__all__ = ["Counts", "Reader", "Quarantine", "Units", "file_stem", "whole_file"]
