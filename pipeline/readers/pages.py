"""Formats of one article per file: plain text (.txt .md .text) and HTML (.html .htm)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

from ..core.model import Document, Quarantine, RunContext
from .base import Reader, file_stem, whole_file
from .dates import normalise_date
from .decode import InputError, TruncatedInput, decode_text, read_bytes
from .text import parse_text_article, split_title


TEXT_SUFFIXES = (".txt", ".md", ".text")
HTML_SUFFIXES = (".html", ".htm")


def read_text_file(path: Path, rel: str, cfg: Any) -> Document:
    text, encoding = decode_text(read_bytes(path, cfg.max_file_bytes))
    title, section, paragraphs = parse_text_article(text)
    if not paragraphs and title is None:
        raise InputError("empty file: no text")
    return Document.from_texts(
        file_stem(rel, TEXT_SUFFIXES), paragraphs, title=title, section=section, path=rel,
        meta={"encoding": encoding} if encoding not in ("utf-8",) else {},
    )


def page_document(page: Any, doc_id: str, rel: str, url: str | None = None) -> Document:
    """The document of a page extracted by `html.extract`."""
    title, section = split_title(page.title)
    meta = dict(page.meta)
    if page.author:
        meta["author"] = page.author
    return Document.from_texts(
        doc_id, page.paragraphs, title=title, section=section, url=page.url or url,
        date=normalise_date(page.date), path=rel, meta=meta,
    )


def extract_page(data: bytes, url: str | None, cfg: Any) -> Any:
    """`html.extract` with the ingest settings, its failures as InputError (the quarantine
    reason)."""
    from . import html as htmlextract

    try:
        page = htmlextract.extract(data, url=url, timeout_s=cfg.html_timeout_s,
                                   fill_share=cfg.html_page_fill)
    except htmlextract.ExtractionError as e:
        raise InputError(str(e)) from None
    if page is None or not page.paragraphs:
        raise InputError("HTML page with no extractable article text")
    return page


def read_html_file(path: Path, rel: str, cfg: Any) -> Document:
    page = extract_page(read_bytes(path, cfg.max_file_bytes), None, cfg)
    return page_document(page, file_stem(rel, HTML_SUFFIXES), rel)


def reader_from_bytes(data: bytes, rel: str, cfg: Any, html: bool = False) -> Document:
    """The part of a truncated whole-file input recovered before the break (an HTML page's
    through the extractor, not as text full of markup)."""
    if html:
        page = extract_page(data, None, cfg)
        doc = page_document(page, file_stem(rel, HTML_SUFFIXES), rel)
    else:
        text, _ = decode_text(data)
        title, section, paragraphs = parse_text_article(text)
        doc = Document.from_texts(file_stem(rel, TEXT_SUFFIXES), paragraphs, title=title,
                                  section=section, path=rel)
    doc.meta["truncated"] = True
    return doc


def guarded(reader: Callable[[Path, str, Any], Document], html: bool = False):
    """A whole-file reader whose failures cost that file only (a quarantine record)."""

    def read(path: Path, rel: str, payload: Any, cfg: Any, ctx: RunContext) -> Iterator[Document]:
        try:
            yield reader(path, rel, cfg)
        except TruncatedInput as e:
            ctx.quarantine.append(Quarantine(rel, str(e)))
            if e.data.strip():
                try:
                    yield reader_from_bytes(e.data, rel, cfg, html)
                except InputError as before:
                    ctx.quarantine.append(Quarantine(rel, f"nothing usable before the break: {before}"))
        except InputError as e:
            ctx.quarantine.append(Quarantine(rel, str(e)))
        except OSError as e:
            ctx.quarantine.append(Quarantine(rel, f"cannot be read: {e.strerror or e}"))
        except (RecursionError, MemoryError, ValueError) as e:
            # A pathological input (nesting, size) must cost one file, not the run.
            ctx.quarantine.append(Quarantine(rel, f"unreadable input ({type(e).__name__}: {str(e)[:200]})"))

    return read


TEXT = Reader("text", whole_file, guarded(read_text_file), suffixes=TEXT_SUFFIXES)
HTML = Reader("html", whole_file, guarded(read_html_file, html=True), suffixes=HTML_SUFFIXES)
