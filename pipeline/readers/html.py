"""HTML page -> article paragraphs and metadata, offline and time-bounded.

trafilatura 2.3 does the extraction. It is only ever given the page's bytes, never a URL to fetch:
`extract` never calls `fetch_url` and passes `url` only as metadata. Settings, measured on the
article-extraction-benchmark (181 pages, F1 of the benchmark's rule, docs/boilerplate.md):
default `extract()` 0.953, comments off 0.960, comments off + favor_precision 0.967. On the
web-content-extraction-2026 pages (999, never used to choose it) favor_precision loses 0.05
snippet F1 (0.744 vs 0.792): a setting that wins on one benchmark only is not a gain, so the
extractor runs at its defaults with comments off, and the clean stage adds precision by removing
lines, not by cutting the extractor's recall.

Failures: `extract` raises `ExtractionError` (message says why: timeout, too deep, parser error)
and returns None when the page parsed but holds no article text. Both are per-page outcomes for
the caller's quarantine; neither ever takes the process down.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import pagefill

# Decompressed size bound for gzipped pages: a 50 MB page is already far beyond any article.
MAX_HTML_BYTES = 50_000_000
# trafilatura's own guard: pages with more elements than this are skipped, not parsed for minutes.
MAX_TREE_SIZE = 200_000
# pagefill.py: below this share of the cleaned page's words, the extraction is filled.
FILL_SHARE = 0.5


class ExtractionError(Exception):
    """A page that could not be extracted; the message is the quarantine reason."""


@dataclass
class ExtractedPage:
    title: str | None
    date: str | None  # ISO 8601 (YYYY-MM-DD) or None
    author: str | None
    url: str | None
    paragraphs: list[str]
    meta: dict[str, Any] = field(default_factory=dict)


class _Timeout(BaseException):
    # BaseException so trafilatura's broad `except Exception` blocks cannot swallow it.
    pass


def _decode_input(html: bytes | str) -> bytes | str:
    if isinstance(html, bytes) and html[:2] == b"\x1f\x8b":
        try:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = d.decompress(html, MAX_HTML_BYTES)
        except (zlib.error, EOFError) as e:
            raise ExtractionError(f"broken gzip data ({e})") from None
        if d.unconsumed_tail:
            raise ExtractionError(f"page larger than {MAX_HTML_BYTES} bytes once decompressed")
        return out
    return html


@lru_cache(maxsize=1)
def _config() -> Any:
    # trafilatura reads its limits from a ConfigParser; MAX_TREE_SIZE bounds the parse of huge pages.
    # Built once per process: reading it anew cost ~2 ms a page (a WARC has thousands).
    from trafilatura.settings import use_config

    cfg = use_config()
    cfg.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))
    cfg.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # our own bound applies (signals/child process)
    return cfg


def _date_params() -> dict[str, Any]:
    # htmldate's settings as trafilatura's extractor sets them (extensive search, original date);
    # not cached: their upper bound is today.
    from trafilatura.settings import set_date_params

    return set_date_params(_config().getboolean("DEFAULT", "EXTENSIVE_DATE_SEARCH"))


def _extract_now(html: bytes | str, url: str | None, fill_share: float) -> ExtractedPage | None:
    import trafilatura  # imported here: ingest of plain text never pays for it
    from trafilatura.utils import load_html

    from .htmlmeta import page_metadata

    # Parsed once: the metadata search reads the tree, the extraction works on its own copy.
    tree = load_html(html, _config().getint("DEFAULT", "MAX_FILE_SIZE"))
    if tree is None:
        return None
    # Only the fields kept (htmlmeta.py); the same answers as `with_metadata=True` gives.
    try:
        info = page_metadata(tree, url, _date_params())
    except (TypeError, ValueError):
        return None  # as `bare_extraction` treats a failure of its metadata search
    doc = trafilatura.bare_extraction(
        tree,
        url=url or info.url,  # what `with_metadata=True` hands the extractor: the page's own URL
        include_comments=False,  # comments are not the article (benchmark: +0.007 F1)
        include_tables=True,
        config=_config(),
    )
    if doc is None or not (doc.text or "").strip():
        return None
    paragraphs = [line for line in (s.strip() for s in doc.text.split("\n")) if line]
    meta = {k: v for k, v in (("sitename", info.sitename), ("hostname", info.hostname)) if v}
    if fill_share > 0:  # the extractor took a fraction of the page: pagefill.py
        paragraphs, added = pagefill.fill(paragraphs, pagefill.page_lines(tree), fill_share)
        if added:
            meta["page_fill_lines"] = added
    # The clean stage reads this: the extractor already chose the article region, so clean skips
    # its own region cut (it lost 0.018 F1 on extracted benchmark pages) and keeps rules/repeats.
    meta["extractor"] = f"trafilatura {trafilatura.__version__}"
    return ExtractedPage(
        title=info.title or None,
        date=info.date or None,
        author=info.author or None,
        url=info.url or url,
        paragraphs=paragraphs,
        meta=meta,
    )


def _guarded(html: bytes | str, url: str | None, fill_share: float) -> ExtractedPage | None:
    try:
        return _extract_now(html, url, fill_share)
    except RecursionError:
        raise ExtractionError("HTML nested too deeply to parse") from None
    except (ValueError, TypeError, AttributeError, LookupError, UnicodeError) as e:
        # lxml/trafilatura raise these on garbage input (no root element, bad encoding).
        raise ExtractionError(f"HTML parser error ({type(e).__name__}: {e})") from None


def _with_alarm(html: bytes | str, url: str | None, timeout_s: float,
                fill_share: float) -> ExtractedPage | None:
    """Main thread of a process (the CLI and pool workers): SIGALRM interrupts the parse."""

    def on_alarm(signum: int, frame: Any) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        return _guarded(html, url, fill_share)
    except _Timeout:
        raise ExtractionError(f"extraction timed out after {timeout_s:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _child(conn: Any, html: bytes | str, url: str | None, fill_share: float) -> None:
    try:
        conn.send(("ok", _guarded(html, url, fill_share)))
    except ExtractionError as e:
        conn.send(("error", str(e)))
    finally:
        conn.close()


def _in_child(html: bytes | str, url: str | None, timeout_s: float,
              fill_share: float) -> ExtractedPage | None:
    """Any other thread: signals are unavailable, so parse in a child process that can be killed."""
    ctx = multiprocessing.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, html, url, fill_share), daemon=True)
    proc.start()
    send.close()
    try:
        if not recv.poll(timeout_s):
            raise ExtractionError(f"extraction timed out after {timeout_s:g} s")
        status, value = recv.recv()
    except EOFError:
        raise ExtractionError("extraction process died") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
    if status == "error":
        raise ExtractionError(value)
    return value


def extract(html: bytes | str, url: str | None = None, timeout_s: float = 10.0,
            fill_share: float = FILL_SHARE) -> ExtractedPage | None:
    """Article paragraphs and metadata of one page (bytes, str, or gzip bytes).

    When the extraction holds less than `fill_share` of the words of the page's cleaned full
    text, the lines it missed are added (pagefill.py; 0 turns this off).

    Returns None when the page holds no article text; raises ExtractionError when it cannot be
    extracted (timeout, nesting, parser failure). Never touches the network."""
    if timeout_s <= 0:
        raise ValueError("timeout_s: must be positive")
    html = _decode_input(html)
    if not (html.strip() if isinstance(html, (bytes, str)) else html):
        return None
    if threading.current_thread() is threading.main_thread():
        return _with_alarm(html, url, timeout_s, fill_share)
    return _in_child(html, url, timeout_s, fill_share)

