"""A record (a JSON object, a table row) to a `Document`: field names by alias, the rest to meta.

Shared by every reader whose input is records: JSONL lines, Parquet and CSV rows, the rows of a
`datasets` folder. Pure functions.
"""

from __future__ import annotations

import re
from typing import Any

from ..core.model import Document
from .dates import normalise_date
from .decode import InputError, strip_compression
from .text import split_paragraphs, split_title

FIELDS = ("id", "source", "title", "url", "date", "text")

# Accepted names of each field, tried in order; the first present and non-empty wins
# (`ingest.fields` replaces the tuple of a field).
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "ID", "doc_id", "_id", "uuid"),
    "source": ("source", "outlet", "publisher", "site_name", "domain"),
    "title": ("title", "headline"),
    "url": ("url", "link", "article_url"),
    "date": ("date", "published", "date_publish", "published_at", "pub_date", "datetime"),
    "text": ("text", "content_original", "content", "body", "article", "maintext"),
}


def _pick(record: dict[str, Any], names: tuple[str, ...]) -> tuple[str | None, Any]:
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return name, value
    return None, None


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # either half of a pair, escaped


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


def text_columns(fields: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return fields.get("text", ("text",))


def record_to_document(record: Any, rel: str, line: int, cfg: Any, stem: str | None = None) -> Document:
    """The document of one record; its id is its own `id`, else `<stem>:<line>` (stem: the
    file's path without format suffixes). Raises InputError when it holds no text."""
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
        names = "/".join(text_columns(cfg.fields))
        raise InputError(f"no text field ({names}) with text")
    title, section = split_title(str(values["title"])) if values.get("title") else (None, None)
    if values.get("id") is not None:
        doc_id = str(values["id"])
    else:
        if stem is None:  # the path without its last suffix
            name, _ = strip_compression(rel)
            stem = name.rsplit(".", 1)[0] if "." in name.rsplit("/", 1)[-1] else name
        doc_id = f"{stem}:{line}"
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
