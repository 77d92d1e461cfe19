"""An extraction that missed most of its page, filled from the page's own cleaned text.

trafilatura returns the one block of a page it takes for the article. On pages not shaped like
one article (a forum thread after its first post, a service or listing page, an article split
around a widget) that block is a fraction of the content. The page's full text, cleaned the way
the text path cleans it (the article region, the whole-line rules; docs/boilerplate.md), holds
the rest. When the extraction holds less than `min_share` of the cleaned page's words, the
cleaned page's lines that come after the extraction's first line and that the extraction lacks
are added, each after the extracted paragraph it follows on the page. Lines before the
extraction's start stay out (headers, menus, teasers). A page whose extraction already holds
most of its cleaned text is left exactly as trafilatura extracted it.

Measured on both boilerplate benchmarks (docs/boilerplate.md, `python -m pipeline.eval
boilerplate`): the share 0.5 gained on both, and 0.3 and 0.7 did too.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..core.digest import update_file


def page_lines(tree: Any) -> list[str]:
    """The page's text, a line per block as a browser lays it out (html-text's `guess_layout`,
    the text baseline of web-content-extraction-2026); `tree` is not modified."""
    import html_text

    text = html_text.extract_text(tree, guess_layout=True)
    return [s for s in (line.strip() for line in text.split("\n")) if s]


@lru_cache(maxsize=1)
def _clean_config() -> Any:
    # The shipped rules and region settings (configs/boilerplate.yaml, the clean defaults);
    # learned per-source lines are the clean stage's: a reader sees one page at a time.
    from ..stages.clean import CleanConfig

    return CleanConfig()


def rules_fingerprint() -> str:
    """What the fill's decisions depend on besides the code: the shipped rules file's bytes."""
    import xxhash

    h = xxhash.xxh3_64()
    update_file(h, _clean_config().rules_path)
    return h.hexdigest()


def cleaned_page(lines: list[str]) -> list[str]:
    """The lines of a full page that the text path keeps (no per-source learning)."""
    from ..boilerplate import classify as bp

    cfg = _clean_config()
    table = bp.shared_table(tuple(cfg.rules), cfg.repeated_max_words)
    try:
        reasons = bp.classify_lines(lines, cfg.rules, frozenset(), cfg.allow, cfg.region,
                                    cfg.use_region, table)
    finally:
        table.forget()  # a reader sees pages of many sites: no per-line cache across them
    return [line for line, reason in zip(lines, reasons) if reason is None]


def _words(lines: list[str]) -> int:
    return sum(len(line.split()) for line in lines)


def fill(extracted: list[str], page: list[str], min_share: float = 0.5) -> tuple[list[str], int]:
    """`extracted` with the cleaned page's lines it misses inserted in page order, and how many
    were added; unchanged when it holds at least `min_share` of the cleaned page's words."""
    have = _words(extracted)
    if min_share <= 0 or not extracted or have >= min_share * _words(page):
        return extracted, 0
    kept = cleaned_page(page)
    if have >= min_share * _words(kept):
        return extracted, 0
    joined = "\n".join(extracted)  # a page line (no newline in it) is in it iff in a paragraph
    after: dict[int, list[str]] = {}  # extracted paragraph index -> page lines that follow it
    last = -1
    for line in kept:
        if line in joined:
            found = next((k for k, p in enumerate(extracted) if line in p), last)
            last = max(last, found)
        elif last >= 0:
            after.setdefault(last, []).append(line)
    if not after:
        return extracted, 0
    out: list[str] = []
    for k, paragraph in enumerate(extracted):
        out.append(paragraph)
        out += after.get(k, [])
    return out, len(out) - len(extracted)
