"""The inputs of a raw folder, and its manifest (`sources.csv`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ..core.model import Quarantine, RunContext
from .dates import normalise_date
from .decode import InputError, decode_text
from .registry import folder_reader


@dataclass(frozen=True)
class ManifestEntry:
    source: str | None
    url: str | None
    date: str | None


def discover(raw: Path, cfg: Any, ctx: RunContext) -> list[Path]:
    """Inputs under `raw`, sorted by relative path: files, and folders read as one input (a
    `datasets` folder, whose files are then not inputs of their own). Links that lead outside
    are refused."""
    root = raw.resolve()
    inputs: list[Path] = []
    folders: list[str] = []  # folders read whole; rglob lists a folder before what it holds
    for path in sorted(raw.rglob("*"), key=lambda p: p.relative_to(raw).as_posix()):
        rel = path.relative_to(raw).as_posix()
        if any(part.startswith(".") for part in PurePosixPath(rel).parts):
            continue
        if any(rel.startswith(f + "/") for f in folders):
            continue
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root):
                ctx.quarantine.append(Quarantine(rel, "symlink leads outside the raw folder; not read"))
                continue
        if path.is_dir():
            if folder_reader(path) is not None:
                folders.append(rel)
                inputs.append(path)
            continue
        if path.name in cfg.ignore or rel == cfg.manifest:
            continue
        inputs.append(path)
    return inputs


def read_manifest(raw: Path, cfg: Any, ctx: RunContext) -> dict[str, ManifestEntry]:
    path = raw / cfg.manifest
    if not path.is_file():
        return {}
    entries: dict[str, ManifestEntry] = {}
    try:
        text, _ = decode_text(path.read_bytes())
    except (OSError, InputError) as e:
        ctx.quarantine.append(Quarantine(cfg.manifest, f"manifest unreadable: {e}"))
        return {}
    for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        key = (row.get("path") or "").strip()
        if not key:
            ctx.quarantine.append(Quarantine(cfg.manifest, "manifest row without a path", n))
            continue
        entries[PurePosixPath(key).as_posix()] = ManifestEntry(
            (row.get("source") or "").strip() or None,
            (row.get("url") or "").strip() or None,
            normalise_date((row.get("date") or "").strip() or None),
        )
    return entries
