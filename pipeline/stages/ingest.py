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
from collections import Counter
import io
import json
import re
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

from ..core.digest import code_digest
from ..runtime import cache, store
from ..readers.dates import normalise_date
from ..readers.decode import (InputError, TruncatedInput, decode_text, has_mojibake_marks, open_lines,
                     read_bytes, repair_mojibake, strip_compression)
from ..core.model import Document, NothingToRead, Quarantine, RunContext, Tally
from .base import Handoff
from ..readers.text import parse_text_article, split_paragraphs, split_title

TEXT_SUFFIXES = (".txt", ".md", ".text")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
HTML_SUFFIXES = (".html", ".htm")
NAME = "ingest"
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
    return html_document(read_bytes(path, cfg.max_file_bytes), rel, cfg)


def html_document(data: bytes, rel: str, cfg: IngestConfig) -> Document:
    from ..readers import html as htmlextract

    try:
        page = htmlextract.extract(data, timeout_s=cfg.html_timeout_s)
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


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # either half of a pair, escaped


def replace_lone_surrogates(value: Any) -> tuple[Any, int]:
    """JSON may escape half of a surrogate pair ("\\ud83d" alone): no UTF-8 can hold it, so
    it becomes U+FFFD (counted) instead of failing the write. Returns (value, replaced)."""
    if isinstance(value, str):
        return _LONE_SURROGATE.subn("\ufffd", value)
    if isinstance(value, list):
        done = [replace_lone_surrogates(v) for v in value]
        return [v for v, _ in done], sum(n for _, n in done)
    if isinstance(value, dict):
        out, total = {}, 0
        for k, v in value.items():
            (k, n1), (v, n2) = replace_lone_surrogates(k), replace_lone_surrogates(v)
            out[k] = v
            total += n1 + n2
        return out, total
    return value, 0


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


# Lines of a JSONL file per parse job (and per part): a large file is parsed by every worker.
JSONL_CHUNK_LINES = 1024


def jsonl_chunks(path: Path, rel: str) -> Iterator[tuple[int, list[bytes]] | Quarantine]:
    """(number of the first line, lines) chunks of a JSONL file, read as a stream; a broken
    stream or an empty file ends it with a Quarantine record instead."""
    n = 0
    chunk: list[bytes] = []
    first = 1
    try:
        with open_lines(path) as fh:
            for n, raw_line in enumerate(fh, start=1):
                chunk.append(raw_line)
                if len(chunk) == JSONL_CHUNK_LINES:
                    yield first, chunk
                    chunk, first = [], n + 1
    except (EOFError, zlib.error, OSError) as e:
        if chunk:
            yield first, chunk
        what = "truncated compressed stream" if isinstance(e, EOFError) else f"unreadable: {e}"
        yield Quarantine(rel, f"{what}; {n} lines read before the break", n + 1)
        return
    if chunk:
        yield first, chunk
    if n == 0:
        yield Quarantine(rel, "empty file: no records")


def parse_lines(lines: list[bytes], first: int, rel: str, cfg: IngestConfig,
                ctx: RunContext) -> Iterator[Document]:
    """The records of some JSONL lines; bad lines are quarantined, the rest is kept."""
    for n, raw_line in enumerate(lines, start=first):
        if not raw_line.strip():
            continue
        try:
            try:
                record = json.loads(raw_line)
            except UnicodeDecodeError:
                record = json.loads(decode_text(raw_line)[0])
            replaced = 0
            if _SURROGATE_ESCAPE.search(raw_line):
                record, replaced = replace_lone_surrogates(record)
            doc = record_to_document(record, rel, n, cfg)
            if replaced:
                doc.meta["lone_surrogates_replaced"] = replaced
            yield doc
        except json.JSONDecodeError as e:
            ctx.quarantine.append(Quarantine(rel, f"not JSON: {e.msg} at column {e.colno}", n))
        except InputError as e:
            ctx.quarantine.append(Quarantine(rel, str(e), n))


def read_file(path: Path, rel: str, cfg: IngestConfig, ctx: RunContext) -> Iterator[Document]:
    """A whole-file input's document (text, HTML; JSONL goes by `jsonl_chunks`)."""
    fmt = file_format(path.name)
    if fmt is None:
        ctx.quarantine.append(Quarantine(rel, "unsupported file type (not .txt/.md/.jsonl/.html)"))
        return
    reader = read_text_file if fmt == "text" else read_html_file
    try:
        yield reader(path, rel, cfg)
    except TruncatedInput as e:
        ctx.quarantine.append(Quarantine(rel, str(e)))
        if e.data.strip():
            try:
                yield reader_from_bytes(e.data, rel, fmt, cfg)
            except InputError as before:
                ctx.quarantine.append(Quarantine(rel, f"nothing usable before the break: {before}"))
    except InputError as e:
        ctx.quarantine.append(Quarantine(rel, str(e)))
    except OSError as e:
        ctx.quarantine.append(Quarantine(rel, f"cannot be read: {e.strerror or e}"))
    except (RecursionError, MemoryError, ValueError) as e:
        # A pathological input (nesting, size) must cost one file, not the run.
        ctx.quarantine.append(Quarantine(rel, f"unreadable input ({type(e).__name__}: {str(e)[:200]})"))


def reader_from_bytes(data: bytes, rel: str, fmt: str, cfg: IngestConfig) -> Document:
    """The part of a truncated whole-file input recovered before the break (an HTML page's
    through the extractor, not as text full of markup)."""
    if fmt == "html":
        doc = html_document(data, rel, cfg)
    else:
        text, _ = decode_text(data)
        title, section, paragraphs = parse_text_article(text)
        doc = Document.from_texts(doc_id_for(rel), paragraphs, title=title, section=section, path=rel)
    doc.meta["truncated"] = True
    return doc


def read_one(job: tuple) -> tuple[list[store.Part], list[Quarantine]]:
    """One unit of reading for the executor, written as a `store` file at `dest`: a whole
    file ("file", path, rel, cfg, dest), some lines of a JSONL file ("lines", lines, first,
    rel, cfg, dest), or a record about the stream (("note", quarantine)). Returns the parts
    written and the quarantine records."""
    if job[0] == "note":
        return [], [job[1]]
    local = RunContext()
    if job[0] == "file":
        _, path, rel, cfg, dest = job
        found = read_file(path, rel, cfg, local)
    else:
        _, lines, first, rel, cfg, dest = job
        found = parse_lines(lines, first, rel, cfg, local)

    def documents():
        for doc in found:
            repair_document(doc)
            yield doc

    parts = store.write_docs(Path(dest), documents())
    if not sum(p.n_docs for p in parts):
        Path(dest).unlink(missing_ok=True)
        parts = []
    return parts, local.quarantine


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


def _jobs(path: Path, rel: str, cfg: IngestConfig, dest: Path) -> Iterator[tuple]:
    if file_format(path.name) != "jsonl":
        yield ("file", path, rel, cfg, str(dest / "00000.arrow"))
        return
    for i, chunk in enumerate(jsonl_chunks(path, rel)):
        if isinstance(chunk, Quarantine):
            yield ("note", chunk)
        else:
            yield ("lines", chunk[1], chunk[0], rel, cfg, str(dest / f"{i:05d}.arrow"))


def read_all(files: list[tuple[Path, str]], cfg: IngestConfig, ctx: RunContext,
             spill: Path) -> list[tuple[list[store.Part], list[Quarantine]]]:
    """Every file's parts and quarantine records: from the cache when the same bytes were read
    by the same code and configuration before, else read on the executor (a JSONL file in
    chunks of lines, so that one large file keeps every worker busy) into the cache, or into
    the run's spill folder when there is no cache."""
    keys: list[str | None] = [None] * len(files)
    if ctx.cache_dir is not None:
        code, config_repr = code_digest(), repr(cfg)
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
            for job in _jobs(*files[i], cfg, dests[i]):
                owner.append(i)
                yield job

    # The jobs are drawn as workers free up: a large file is never all in memory.
    for i in todo:
        results[i] = ([], [])
    for k, (parts, quarantined) in enumerate(ctx.executor.submit(read_one, jobs()).result()
                                             if ctx.executor is not None
                                             else [read_one(job) for job in jobs()]):
        results[owner[k]][0].extend(parts)
        results[owner[k]][1].extend(quarantined)
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
    # Entries come back in file order whatever the executor, so ids and quarantine are stable.
    for (_, rel), (file_parts, quarantined) in zip(jobs, read_all(jobs, cfg, ctx, ctx.spill)):
        ctx.quarantine.extend(quarantined)
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
    if not n_docs:
        raise NothingToRead(
            f"no document could be read from {raw} ({len(ctx.quarantine)} inputs quarantined)")
    quarantined = Counter(q.reason.split(":")[0] for q in ctx.quarantine)
    return handoff.next(parts=parts, patches=fixups, tally=tally, n_documents=n_docs, stats={
        # Nothing comes in before the first stage: its figures are what it read.
        "documents_in": None, "documents_out": n_docs, "documents_dropped": {},
        "paragraphs_in": None, "removed": {},
        **ctx.stage_stats.get(NAME, {}), "quarantined": dict(sorted(quarantined.items()))})
