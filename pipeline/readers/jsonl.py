"""JSONL (.jsonl .ndjson): one article per line, cut into chunks of lines so that one large
file keeps every worker busy."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any, Iterator

from ..core.model import Document, Quarantine, RunContext
from .base import Reader, file_stem
from .decode import DecompressionBomb, InputError, decode_text, open_stream
from .records import SURROGATE_ESCAPE, record_to_document, replace_lone_surrogates

# Lines of a JSONL file per parse job (and per part): a large file is parsed by every worker.
JSONL_CHUNK_LINES = 1024
SUFFIXES = (".jsonl", ".ndjson")


def jsonl_chunks(path: Path, rel: str, cfg: Any = None) -> Iterator[tuple[int, list[bytes]] | Quarantine]:
    """(number of the first line, lines) chunks of a JSONL file, read as a stream; a broken
    stream, a decompression bomb or an empty file ends it with a Quarantine record instead."""
    n = 0
    chunk: list[bytes] = []
    first = 1
    limit = cfg.max_file_bytes if cfg is not None else 1 << 62
    try:
        with open_stream(path, limit) as fh:
            for n, raw_line in enumerate(fh, start=1):
                chunk.append(raw_line)
                if len(chunk) == JSONL_CHUNK_LINES:
                    yield first, chunk
                    chunk, first = [], n + 1
    except (EOFError, zlib.error, OSError, DecompressionBomb) as e:
        if chunk:
            yield first, chunk
        what = ("truncated compressed stream" if isinstance(e, EOFError)
                else str(e) if isinstance(e, DecompressionBomb) else f"unreadable: {e}")
        yield Quarantine(rel, f"{what}; {n} lines read before the break", n + 1)
        return
    if chunk:
        yield first, chunk
    if n == 0:
        yield Quarantine(rel, "empty file: no records")


def parse_lines(lines: list[bytes], first: int, rel: str, cfg: Any,
                ctx: RunContext) -> Iterator[Document]:
    """The records of some JSONL lines; bad lines are quarantined, the rest is kept."""
    stem = file_stem(rel, SUFFIXES)
    for n, raw_line in enumerate(lines, start=first):
        if not raw_line.strip():
            continue
        try:
            try:
                record = json.loads(raw_line)
            except UnicodeDecodeError:
                record = json.loads(decode_text(raw_line)[0])
            replaced = 0
            if SURROGATE_ESCAPE.search(raw_line):
                record, replaced = replace_lone_surrogates(record)
            doc = record_to_document(record, rel, n, cfg, stem)
            if replaced:
                doc.meta["lone_surrogates_replaced"] = replaced
            yield doc
        except json.JSONDecodeError as e:
            ctx.quarantine.append(Quarantine(rel, f"not JSON: {e.msg} at column {e.colno}", n))
        except InputError as e:
            ctx.quarantine.append(Quarantine(rel, str(e), n))
        except RecursionError:
            ctx.quarantine.append(Quarantine(rel, "not JSON: nested too deeply", n))


def _read(path: Path, rel: str, payload: tuple[int, list[bytes]], cfg: Any,
          ctx: RunContext) -> Iterator[Document]:
    first, lines = payload
    return parse_lines(lines, first, rel, cfg, ctx)


READER = Reader("jsonl", jsonl_chunks, _read, suffixes=SUFFIXES)
