"""A URL's site: its registered domain, public-suffix aware, offline."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _extractor() -> Any:
    import tldextract

    # The Public Suffix List snapshot shipped inside tldextract: no fetch, no cache on disk, so
    # the answer depends on the installed version only (it is in the run key via the code).
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=65536)
def registered_domain(url: str | None) -> str | None:
    """'https://www.bbc.co.uk/news/x' -> 'bbc.co.uk'; a bare host (an IP, 'localhost') as it is."""
    if not url:
        return None
    parts = _extractor()(url)
    top = getattr(parts, "top_domain_under_public_suffix", None)
    if top is None:  # tldextract < 5.3
        top = parts.registered_domain
    return (top or parts.domain or "").lower() or None
