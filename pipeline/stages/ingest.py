"""Stage 1, ingest: every input under the raw folder becomes documents, or a quarantine record.

The formats are read by `pipeline.readers` (picked by suffix, folders by marker files: see
`readers/registry.py`); this module runs their jobs on the executor, reuses the cache, and
hands the parts on. A document that names no source gets the first folder under the raw
folder, else the `sources.csv` manifest's entry, else none.
"""

from __future__ import annotations

from collections import Counter
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..core.digest import code_digest
from ..core.model import Document, NothingToRead, Quarantine, RunContext, Tally
from ..readers.base import Counts
from ..readers.decode import has_mojibake_marks, repair_mojibake
from ..readers import pagefill
from ..readers.files import ManifestEntry, discover, read_manifest
from ..readers.records import DEFAULT_FIELDS, FIELDS
from ..readers.registry import BY_NAME, file_reader, folder_reader, supported
from ..runtime import cache, store
from .base import Handoff
from pyarrow import ArrowException

NAME = "ingest"
MANIFEST = "sources.csv"


@dataclass(frozen=True)
class IngestConfig:
    # Accepted names of each record field (JSONL keys, Parquet/CSV columns), tried in order; the
    # first present and non-empty wins. A field given here replaces that field's default names.
    fields: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_FIELDS))
    manifest: str = MANIFEST
    # Files larger than this (after decompression for whole-file formats) are quarantined; a
    # compressed stream expanding past it at over 100x is stopped (decompression bomb).
    max_file_bytes: int = 256 * 1024 * 1024
    html_timeout_s: float = 10.0
    # An HTML extraction holding less than this share of the words of the page's cleaned full
    # text is filled from it (readers/pagefill.py); 0 keeps trafilatura's extraction as is.
    html_page_fill: float = 0.5
    # Files ignored when found in the raw folder (exact names).
    ignore: tuple[str, ...] = (".gitkeep", "README.md", "README", ".DS_Store")

    def __post_init__(self) -> None:
        unknown = set(self.fields) - set(FIELDS)
        if unknown:
            raise ValueError(f"fields: unknown field {sorted(unknown)[0]!r} (known: {', '.join(FIELDS)})")
        object.__setattr__(self, "fields", {**DEFAULT_FIELDS, **self.fields})
        if self.max_file_bytes < 1:
            raise ValueError("max_file_bytes: must be positive")
        if self.html_timeout_s <= 0:
            raise ValueError("html_timeout_s: must be positive")
        if not 0.0 <= self.html_page_fill <= 1.0:
            raise ValueError("html_page_fill: must be in [0, 1]")


@dataclass(frozen=True)
class ReadJob:
    """One unit of an input (a file, or some of its lines, records or rows), read by the reader
    named `reader` into a `store` file at `dest`."""

    reader: str
    path: Path
    rel: str
    unit: Any
    cfg: IngestConfig
    dest: str
    mask_pii: bool = False


@dataclass(frozen=True)
class Note:
    """What the driver learned about an input while streaming it: a quarantine record, or
    counts of records passed over."""

    what: Any  # Quarantine | Counts


def read_one(job: ReadJob | Note) -> tuple[list[store.Part], list[Quarantine], dict[str, int]]:
    """One job of `_jobs` for the executor: a unit read into a `store` file, or a note.
    Returns the parts written, the quarantine records and the counts."""
    if isinstance(job, Note):
        note = job.what
        return ([], [note], {}) if isinstance(note, Quarantine) else ([], [], dict(note))
    local = RunContext()
    found = BY_NAME[job.reader].read(job.path, job.rel, job.unit, job.cfg, local)

    def documents():
        try:
            for doc in found:
                repair_document(doc)
                if job.mask_pii:  # before anything is written: no part or cache entry holds it
                    mask_document(doc)
                yield doc
        except (OSError, ValueError, RecursionError, MemoryError, ArrowException) as e:
            # A reader's unforeseen failure costs the rest of this unit, never the run.
            local.quarantine.append(Quarantine(job.rel, f"unreadable input ({type(e).__name__}: {str(e)[:200]})"))

    parts = store.write_docs(Path(job.dest), documents())
    if not sum(p.n_docs for p in parts):
        Path(job.dest).unlink(missing_ok=True)
        parts = []
    return parts, local.quarantine, {}


def mask_document(doc: Document) -> None:
    from ..annotators.pii import mask_document as mask

    mask(doc)


def repair_document(doc: Document) -> None:
    """Repair mojibake in the title and paragraphs; the count goes to meta."""
    repaired = 0
    # One scan of the whole text finds no mark in most documents (a mark holds no newline, so
    # it cannot span two paragraphs here): then no paragraph needs looking at.
    whole = "\n".join([p.text for p in doc.paragraphs])
    for p in doc.paragraphs if has_mojibake_marks(whole) else ():
        fixed = repair_mojibake(p.text)
        if fixed != p.text:
            p.text, repaired = fixed, repaired + 1
    if doc.title:
        doc.title = repair_mojibake(doc.title)
    if repaired:
        doc.meta["mojibake_repaired"] = repaired


def _jobs(path: Path, rel: str, cfg: IngestConfig, dest: Path,
          mask_pii: bool = False) -> Iterator[ReadJob | Note]:
    """The jobs of one input, streamed by its reader: a unit of reading each (written as a
    `store` file in `dest`), or a note (a quarantine record, counts) about the input."""
    reader = folder_reader(path) if path.is_dir() else file_reader(path.name)
    if reader is None:
        yield Note(Quarantine(rel, f"unsupported file type (not {supported()})"))
        return
    i = 0
    try:
        for unit in reader.units(path, rel, cfg):
            if isinstance(unit, (Quarantine, Counts)):
                yield Note(unit)
            else:
                yield ReadJob(reader.name, path, rel, unit, cfg, str(dest / f"{i:05d}.arrow"),
                              mask_pii)
                i += 1
    except OSError as e:
        yield Note(Quarantine(rel, f"cannot be read: {e.strerror or e}"))
    except Exception as e:  # noqa: BLE001 - a reader's unforeseen failure costs this input only
        yield Note(Quarantine(rel, f"unreadable input ({type(e).__name__}: {str(e)[:200]})"))


def read_all(files: list[tuple[Path, str]], cfg: IngestConfig, ctx: RunContext,
             spill: Path) -> list[tuple[list[store.Part], list[Quarantine], dict[str, int]]]:
    """Every input's parts, quarantine records and counts of records passed over: from the
    cache when the same bytes were read by the same code and configuration before, else read
    on the executor (a large file in units of lines, records or rows, so that one large file
    keeps every worker busy) into the cache, or into the run's spill folder when there is no
    cache."""
    keys: list[str | None] = [None] * len(files)
    if ctx.cache_dir is not None:
        # Masked and unmasked documents of the same file are different entries.
        code, config_repr = code_digest(), repr(cfg) + (" mask_pii" if ctx.mask_pii else "")
        if cfg.html_page_fill > 0:  # the fill applies the shipped boilerplate rules
            config_repr += " rules " + pagefill.rules_fingerprint()
        keys = [cache.ingest_key(path, rel, config_repr, code) for path, rel in files]
    results: list = [cache.load_ingest_index(cache.ingest_entry(ctx.cache_dir, key)) if key else None
                     for key in keys]
    # A cache entry is written under a temporary name and renamed when whole.
    dests = [cache.partial_entry(ctx.cache_dir, key) if key else spill / "ingest" / f"{i:06d}"
             for i, key in enumerate(keys)]
    todo = [i for i, r in enumerate(results) if r is None]
    for i in todo:
        shutil.rmtree(dests[i], ignore_errors=True)  # a partial entry of a killed run
    owner: list[int] = []

    def jobs():
        for i in todo:
            for job in _jobs(*files[i], cfg, dests[i], ctx.mask_pii):
                owner.append(i)
                yield job

    # The jobs are drawn as workers free up: a large file is never all in memory.
    for i in todo:
        results[i] = ([], [], {})
    for k, (parts, quarantined, counts) in enumerate(ctx.executor.submit(read_one, jobs()).result()
                                                     if ctx.executor is not None
                                                     else [read_one(job) for job in jobs()]):
        results[owner[k]][0].extend(parts)
        results[owner[k]][1].extend(quarantined)
        for kind, n in counts.items():
            results[owner[k]][2][kind] = results[owner[k]][2].get(kind, 0) + n
    for i in todo:
        if keys[i]:
            results[i] = cache.save_ingest_entry(dests[i], cache.ingest_entry(ctx.cache_dir, keys[i]),
                                                 *results[i])
    if ctx.cache_dir is not None:
        ctx.stage_stats.setdefault("ingest", {})["files_reused"] = len(files) - len(todo)
        cache.prune_ingest(ctx.cache_dir, {k for k in keys if k})
    return results


@dataclass(frozen=True)
class Fixup:
    """What the driver learned about one part's documents after reading every file: the
    source, url and date a document inherits (from its folder or the manifest) and the
    documents left out (an id already seen). The pending patch of an ingested part."""

    folder: str | None = None
    entry: ManifestEntry | None = None
    skip: frozenset[int] = frozenset()

    def source(self, own: str | None) -> str | None:
        """A document's source: its own, else its folder's, else the manifest's."""
        return own or self.folder or (self.entry.source if self.entry else None)

    def apply(self, docs: list[Document]) -> list[Document]:
        out = []
        for i, doc in enumerate(docs):
            if i in self.skip:
                continue
            doc.source = self.source(doc.source)
            if self.entry:
                doc.url = doc.url or self.entry.url
                doc.date = doc.date or self.entry.date
            out.append(doc)
        return out


def run(handoff: Handoff, cfg: IngestConfig, ctx: RunContext) -> Handoff:
    """Every file under `ctx.raw` read into parts, in file order, each with its `Fixup`."""
    raw: Path = ctx.raw
    manifest = read_manifest(raw, cfg, ctx)
    files = discover(raw, cfg, ctx)
    ctx.stage_stats.setdefault(NAME, {})["files_in"] = len(files)
    jobs = [(path, path.relative_to(raw).as_posix()) for path in files]
    parts: list[store.Part] = []
    fixups: list[Fixup] = []
    seen: dict[str, str] = {}
    n_docs = 0
    tally = Tally()
    skipped: dict[str, int] = {}
    # Entries come back in file order whatever the executor, so ids and quarantine are stable.
    for (_, rel), (file_parts, quarantined, passed) in zip(jobs, read_all(jobs, cfg, ctx, ctx.spill)):
        ctx.quarantine.extend(quarantined)
        for kind, n in passed.items():
            skipped[kind] = skipped.get(kind, 0) + n
        folder = rel.split("/", 1)[0] if "/" in rel else None
        for part in file_parts:
            ids, counts = store.ids_and_counts(part)
            skip = set()
            for i, doc_id in enumerate(ids):
                if doc_id in seen:
                    ctx.quarantine.append(
                        Quarantine(rel, f"duplicate document id {doc_id!r} (first in {seen[doc_id]})"))
                    skip.add(i)
                    continue
                seen[doc_id] = rel
                n_docs += 1
                tally.paragraphs += counts[i]
                tally.documents += counts[i] > 0
            ctx.tick(part.n_docs)
            parts.append(part)
            fixups.append(Fixup(folder, manifest.get(rel), frozenset(skip)))
    if skipped:  # records passed over on purpose (a WARC's requests, images, revisits), by kind
        ctx.stage_stats[NAME]["records_skipped"] = dict(sorted(skipped.items()))
    if not n_docs:
        raise NothingToRead(
            f"no document could be read from {raw} ({len(ctx.quarantine)} inputs quarantined)")
    quarantined = Counter(q.reason.split(":")[0] for q in ctx.quarantine)
    return handoff.next(parts=parts, patches=fixups, tally=tally, n_documents=n_docs, stats={
        # Nothing comes in before the first stage: its figures are what it read.
        "documents_in": None, "documents_out": n_docs, "documents_dropped": {},
        "paragraphs_in": None, "removed": {},
        **ctx.stage_stats.get(NAME, {}), "quarantined": dict(sorted(quarantined.items()))})
