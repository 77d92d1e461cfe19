"""Stage 1, ingest: every file under the raw folder becomes documents, or a quarantine record.

Formats by suffix (optionally compressed with .gz, .bz2 or .xz):
- .txt .md .text: one article per file (`textfile.parse_text_article`);
- .jsonl .ndjson: one article per line, field names configurable with common aliases;
- .html .htm: extracted with `htmlextract.extract`.
A document that names no source gets the first folder under the raw folder, else the
`sources.csv` manifest's entry, else none.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

from . import cache
from .dates import normalise_date
from .decode import (InputError, TruncatedInput, decode_text, has_mojibake_marks, open_lines,
                     read_bytes, repair_mojibake, strip_compression)
from .model import Document, Quarantine, RunContext
from .textfile import parse_text_article, split_paragraphs, split_title

TEXT_SUFFIXES = (".txt", ".md", ".text")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
HTML_SUFFIXES = (".html", ".htm")
MANIFEST = "sources.csv"
FIELDS = ("id", "source", "title", "url", "date", "text")


@dataclass(frozen=True)
class IngestConfig:
    # Accepted names of each JSONL field, tried in order; the first present and non-empty wins.
    fields: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "id": ("id", "ID", "doc_id", "_id", "uuid"),
            "source": ("source", "outlet", "publisher", "site_name", "domain"),
            "title": ("title", "headline"),
            "url": ("url", "link", "article_url"),
            "date": ("date", "published", "date_publish", "published_at", "pub_date", "datetime"),
            "text": ("text", "content_original", "content", "body", "article", "maintext"),
        }
    )
    manifest: str = MANIFEST
    # Files larger than this (after decompression for whole-file formats) are quarantined.
    max_file_bytes: int = 256 * 1024 * 1024
    html_timeout_s: float = 10.0
    # Files ignored when found in the raw folder (exact names).
    ignore: tuple[str, ...] = (".gitkeep", "README.md", "README", ".DS_Store")

    def __post_init__(self) -> None:
        unknown = set(self.fields) - set(FIELDS)
        if unknown:
            raise ValueError(f"fields: unknown field {sorted(unknown)[0]!r} (known: {', '.join(FIELDS)})")
        if self.max_file_bytes < 1:
            raise ValueError("max_file_bytes: must be positive")
        if self.html_timeout_s <= 0:
            raise ValueError("html_timeout_s: must be positive")


@dataclass(frozen=True)
class ManifestEntry:
    source: str | None
    url: str | None
    date: str | None


def discover(raw: Path, cfg: IngestConfig, ctx: RunContext) -> list[Path]:
    """Input files under `raw`, sorted by relative path. Links that lead outside are refused."""
    root = raw.resolve()
    files: list[Path] = []
    for path in sorted(raw.rglob("*"), key=lambda p: p.relative_to(raw).as_posix()):
        rel = path.relative_to(raw).as_posix()
        if any(part.startswith(".") for part in PurePosixPath(rel).parts):
            continue
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root):
                ctx.quarantine.append(Quarantine(rel, "symlink leads outside the raw folder; not read"))
                continue
        if path.is_dir() or path.name in cfg.ignore or rel == cfg.manifest:
            continue
        files.append(path)
    return files


def read_manifest(raw: Path, cfg: IngestConfig, ctx: RunContext) -> dict[str, ManifestEntry]:
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


def doc_id_for(rel: str) -> str:
    """'outlet/a.txt.gz' -> 'outlet/a': the path relative to the raw folder without format suffixes."""
    name, _ = strip_compression(rel)
    stem, dot, ext = name.rpartition(".")
    if dot and "/" not in ext and ("." + ext.lower()) in TEXT_SUFFIXES + JSONL_SUFFIXES + HTML_SUFFIXES:
        return stem
    return name


def file_format(name: str) -> str | None:
    base, _ = strip_compression(name.lower())
    for fmt, suffixes in (("text", TEXT_SUFFIXES), ("jsonl", JSONL_SUFFIXES), ("html", HTML_SUFFIXES)):
        if base.endswith(suffixes):
            return fmt
    return None


def read_text_file(path: Path, rel: str, cfg: IngestConfig) -> Document:
    text, encoding = decode_text(read_bytes(path, cfg.max_file_bytes))
    title, section, paragraphs = parse_text_article(text)
    if not paragraphs and title is None:
        raise InputError("empty file: no text")
    return Document.from_texts(
        doc_id_for(rel), paragraphs, title=title, section=section, path=rel,
        meta={"encoding": encoding} if encoding not in ("utf-8",) else {},
    )


def read_html_file(path: Path, rel: str, cfg: IngestConfig) -> Document:
    from . import htmlextract

    try:
        page = htmlextract.extract(read_bytes(path, cfg.max_file_bytes), timeout_s=cfg.html_timeout_s)
    except htmlextract.ExtractionError as e:
        raise InputError(str(e)) from None
    if page is None or not page.paragraphs:
        raise InputError("HTML page with no extractable article text")
    title, section = split_title(page.title)
    meta = dict(page.meta)
    if page.author:
        meta["author"] = page.author
    return Document.from_texts(
        doc_id_for(rel), page.paragraphs, title=title, section=section, url=page.url,
        date=normalise_date(page.date), path=rel, meta=meta,
    )


def _pick(record: dict[str, Any], names: tuple[str, ...]) -> tuple[str | None, Any]:
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return name, value
    return None, None


def record_to_document(record: Any, rel: str, line: int, cfg: IngestConfig) -> Document:
    if not isinstance(record, dict):
        raise InputError(f"JSON value is a {type(record).__name__}, not an object")
    used: set[str] = set()
    values: dict[str, Any] = {}
    for name in FIELDS:
        key, value = _pick(record, cfg.fields.get(name, (name,)))
        if key is not None:
            used.add(key)
            values[name] = value
    text = values.get("text")
    if not isinstance(text, str) or not text.strip():
        names = "/".join(cfg.fields.get("text", ("text",)))
        raise InputError(f"no text field ({names}) with text")
    title, section = split_title(str(values["title"])) if values.get("title") else (None, None)
    doc_id = str(values["id"]) if values.get("id") is not None else f"{doc_id_for(rel)}:{line}"
    raw_date = values.get("date")
    date = normalise_date(str(raw_date)) if raw_date is not None else None
    meta = {k: v for k, v in record.items() if k not in used}
    if raw_date is not None and date is None:
        meta["date_raw"] = raw_date
    source = values.get("source")
    return Document.from_texts(
        doc_id, split_paragraphs(text), source=str(source) if source else None, title=title,
        section=section, url=str(values["url"]) if values.get("url") else None, date=date,
        path=rel, meta=meta,
    )


def read_jsonl_file(
    path: Path, rel: str, cfg: IngestConfig, ctx: RunContext
) -> Iterator[Document]:
    """Stream records; bad lines and a broken stream are quarantined, the rest is kept."""
    n = 0
    try:
        with open_lines(path) as fh:
            for n, raw_line in enumerate(fh, start=1):
                if not raw_line.strip():
                    continue
                try:
                    try:
                        record = json.loads(raw_line)
                    except UnicodeDecodeError:
                        record = json.loads(decode_text(raw_line)[0])
                    yield record_to_document(record, rel, n, cfg)
                except json.JSONDecodeError as e:
                    ctx.quarantine.append(Quarantine(rel, f"not JSON: {e.msg} at column {e.colno}", n))
                except InputError as e:
                    ctx.quarantine.append(Quarantine(rel, str(e), n))
    except (EOFError, zlib.error, OSError) as e:
        what = "truncated compressed stream" if isinstance(e, EOFError) else f"unreadable: {e}"
        ctx.quarantine.append(Quarantine(rel, f"{what}; {n} lines read before the break", n + 1))
    if n == 0:
        ctx.quarantine.append(Quarantine(rel, "empty file: no records"))


def read_file(path: Path, rel: str, cfg: IngestConfig, ctx: RunContext) -> Iterator[Document]:
    fmt = file_format(path.name)
    if fmt is None:
        ctx.quarantine.append(Quarantine(rel, "unsupported file type (not .txt/.md/.jsonl/.html)"))
        return
    if fmt == "jsonl":
        yield from read_jsonl_file(path, rel, cfg, ctx)
        return
    reader = read_text_file if fmt == "text" else read_html_file
    try:
        yield reader(path, rel, cfg)
    except TruncatedInput as e:
        ctx.quarantine.append(Quarantine(rel, str(e)))
        if e.data.strip():
            yield reader_from_bytes(e.data, rel, fmt, cfg)
    except InputError as e:
        ctx.quarantine.append(Quarantine(rel, str(e)))
    except OSError as e:
        ctx.quarantine.append(Quarantine(rel, f"cannot be read: {e.strerror or e}"))
    except (RecursionError, MemoryError, ValueError) as e:
        # A pathological input (nesting, size) must cost one file, not the run.
        ctx.quarantine.append(Quarantine(rel, f"unreadable input ({type(e).__name__}: {str(e)[:200]})"))


def reader_from_bytes(data: bytes, rel: str, fmt: str, cfg: IngestConfig) -> Document:
    """The part of a truncated whole-file input recovered before the break."""
    text, _ = decode_text(data)
    title, section, paragraphs = parse_text_article(text)
    doc = Document.from_texts(doc_id_for(rel), paragraphs, title=title, section=section, path=rel)
    doc.meta["truncated"] = True
    return doc


def read_one(job: tuple[Path, str, IngestConfig]) -> tuple[list[Document], list[Quarantine]]:
    """One input file's documents and quarantine records (a unit of work for the executor)."""
    path, rel, cfg = job
    local = RunContext()
    docs = list(read_file(path, rel, cfg, local))
    for doc in docs:
        repair_document(doc)
    return docs, local.quarantine


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


def read_all(jobs: list[tuple[Path, str, IngestConfig]], cfg: IngestConfig,
             ctx: RunContext) -> list[tuple[list[Document], list[Quarantine]]]:
    """Every file's result: from the cache when the same bytes were read by the same code and
    configuration before, else read (on the executor) and cached."""
    if ctx.cache_dir is None:
        return ctx.map(read_one, jobs)
    code, config_repr = cache.code_digest(), repr(cfg)
    keys = [cache.ingest_key(path, rel, config_repr, code) for path, rel, _ in jobs]
    results: list = [cache.load_ingest(ctx.cache_dir, key) if key else None for key in keys]
    todo = [i for i, r in enumerate(results) if r is None]
    for i, result in zip(todo, ctx.map(read_one, [jobs[i] for i in todo])):
        results[i] = result
        if keys[i]:
            cache.save_ingest(ctx.cache_dir, keys[i], *result)
    ctx.stage_stats.setdefault("ingest", {})["files_reused"] = len(jobs) - len(todo)
    cache.prune_ingest(ctx.cache_dir, {k for k in keys if k})
    return results


def run(raw: Path, cfg: IngestConfig, ctx: RunContext) -> list[Document]:
    manifest = read_manifest(raw, cfg, ctx)
    files = discover(raw, cfg, ctx)
    ctx.stage_stats.setdefault("ingest", {})["files_in"] = len(files)
    jobs = [(path, path.relative_to(raw).as_posix(), cfg) for path in files]
    results = read_all(jobs, cfg, ctx)
    docs: list[Document] = []
    seen: dict[str, str] = {}
    # Results come back in file order whatever the executor, so ids and quarantine are stable.
    for (_, rel, _), (file_docs, quarantined) in zip(jobs, results):
        ctx.tick(len(file_docs))
        ctx.quarantine.extend(quarantined)
        folder = rel.split("/", 1)[0] if "/" in rel else None
        entry = manifest.get(rel)
        for doc in file_docs:
            if doc.id in seen:
                ctx.quarantine.append(
                    Quarantine(rel, f"duplicate document id {doc.id!r} (first in {seen[doc.id]})")
                )
                continue
            seen[doc.id] = rel
            doc.source = doc.source or folder or (entry.source if entry else None)
            if entry:
                doc.url = doc.url or entry.url
                doc.date = doc.date or entry.date
            docs.append(doc)
    return docs
