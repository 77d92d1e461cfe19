"""Pure boilerplate logic: line shapes, the article region of a page, per-source repeated lines.

Everything here works on plain strings and returns plain values, so tests call it directly and the
clean stage (`clean.py`) only glues it to documents. Signals, strongest first:

1. Rules (`configs/boilerplate.yaml`): named patterns that a whole line must match. `remove` rules
   mark a line wherever it is; `barrier` rules mark lines that end an article (a comment section
   header, "Related stories", "Share this:"): the article region crosses one only at a high
   cost (a "Read more:" line inside an article must not split it).
2. Shape: date-only lines, rows of social-network names, vote counters. Language-independent
   except for a few network names, which are the same words in every language.
3. Region (position and neighbours), on page-like documents only (long, mostly short lines, and
   a few lines that only whole pages print): a full web page is navigation, then the article, then
   related links, comments and the footer. The article is the run of lines that maximises the sum
   of a prose weight (long lines that end like sentences count for their word count, short lines
   count against), the classic maximum-subarray body-text extractor. Lines outside it are removed
   only when the zone looks like page chrome (several lines), so a title line over an already
   extracted article is never cut.
4. What the source repeats: a line that one source prints in many of its documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from .labels import TEASER, keep_templated_fields
from .languages import compile_languages
from .lines import LEAD_STRIP, LineFacts, Rule, fold, lead_of, normalise_line  # noqa: F401 - part of this API
from .regex import Matcher
from .region import (  # noqa: F401  (re-exported: the region is part of this API)
    THREAD_SHAPES,
    RegionParams,
    _discount_repeats,
    _discount_threads,
    _mark_page_repeats,
    article_runs,
    best_region,
    comment_threads,
    ends_like_sentence,
    is_page_like,
    mark_short_runs,
    prose_blocks,
    prose_share,
    prose_weight,
    word_count,
)
from .table import (  # noqa: F401  (re-exported: the line facts are part of this API)
    _SHAPES,
    _SHAPES_RX,
    _SLIDES,
    MAX_PATTERN_CHARS,
    PAGE_ONLY_SHAPES,
    PAGE_SHAPES,
    SHAPES,
    LineTable,
    line_shape,
    shared_table,
)


def compile_rules(data: dict[str, Any] | None) -> list[Rule]:
    """Rules from the YAML mapping {rules: [{name, pattern, kind?}]}; ValueError names a bad one."""
    rules = []
    for i, item in enumerate((data or {}).get("rules", []) or []):
        if not isinstance(item, dict) or "name" not in item or "pattern" not in item:
            raise ValueError(f"rules[{i}]: must have a name and a pattern")
        kind = item.get("kind", "remove")
        if kind not in ("remove", "barrier"):
            raise ValueError(f"rules[{i}] ({item['name']}): kind must be remove or barrier")
        try:
            pattern = re.compile(str(item["pattern"]), re.IGNORECASE)
        except re.error as e:
            raise ValueError(f"rules[{i}] ({item['name']}): invalid regular expression ({e})") from None
        page = item.get("page", False)
        if not isinstance(page, bool):
            raise ValueError(f"rules[{i}] ({item['name']}): page must be true or false")
        scope = item.get("scope", "all")
        if scope not in ("all", "pages"):
            raise ValueError(f"rules[{i}] ({item['name']}): scope must be all or pages")
        rules.append(Rule(str(item["name"]), kind, pattern, page, scope == "pages"))
    return rules + compile_languages((data or {}).get("languages"))


def rule_match(line: str, rules: Sequence[Rule]) -> Rule | None:
    """The first rule whose pattern matches the whole folded line."""
    folded = fold(line)
    i = _matcher(tuple(r.pattern for r in rules)).first(folded)
    return None if i is None else rules[i]


@lru_cache(maxsize=16)
def _matcher(patterns: tuple[re.Pattern[str], ...]) -> Matcher:
    return Matcher(list(patterns))


def classify_lines(
    lines: Sequence[str],
    rules: Sequence[Rule],
    repeated: Iterable[str] = frozenset(),
    allow: Sequence[re.Pattern[str]] = (),
    params: RegionParams = RegionParams(),
    use_region: bool = True,
    table: LineTable | None = None,
) -> list[str | None]:
    """One removal reason (or None = keep) per line of one document.

    `repeated` holds normalised lines learned for this document's source; `allow` patterns
    (full match, folded line) protect a line from every signal. `table` (built from `rules`) is
    shared across a run's documents so each distinct line is examined once."""
    table = table or LineTable(rules)
    n = len(lines)
    reasons: list[str | None] = [None] * n
    facts: list[LineFacts | None] = [None] * n  # None: empty or allowlisted (never cut by a zone)
    chrome = 0
    page_only: list[int] = []  # shapes that are chrome only on a page (see PAGE_ONLY_SHAPES)
    learned: list[int] = []  # lines the source repeats (or many sources print)
    for i, f in enumerate(table.facts_many(lines)):
        if not f.folded or (allow and any(a.fullmatch(f.folded) for a in allow)):
            continue
        facts[i] = f
        if f.rule is not None:
            reasons[i] = f"rule:{f.rule.name}"
        elif f.shape is not None and f.shape not in PAGE_ONLY_SHAPES:
            reasons[i] = f"shape:{f.shape}"
        elif repeated and f.key is not None and f.key in repeated:
            learned.append(i)  # where it stands decides (see _place_learned)
        elif f.shape is not None:
            page_only.append(i)
        chrome += (f.rule is not None and f.rule.page) or f.shape in PAGE_SHAPES
    if TEASER in reasons:  # a teaser's label, or a field of a list the document prints
        keep_templated_fields([None if f is None else f.folded for f in facts], reasons)
    n_live = n - facts.count(None)
    maybe_page = use_region and n_live >= params.page_min_lines and chrome >= params.page_min_chrome
    timeline = use_region and not maybe_page
    if maybe_page:  # a whole page: what its site repeats is the site's template, wherever it is
        for i in learned:
            reasons[i] = "repeated_in_source"
    elif learned or (timeline and sum(r in DATE_REASONS for r in reasons) >= 2):
        _place_learned(facts, reasons, learned, params, timeline)
    # Cheap tests first: weights (word counts) are computed only for documents that can be pages.
    if not use_region or n_live < params.page_min_lines or chrome < params.page_min_chrome:
        return reasons
    weights = [0.0 if f is None else prose_weight(f.folded, f.shape,
                                                  f.rule is not None and f.rule.kind == "barrier",
                                                  params, f.rule is not None and f.rule.page)
               for f in facts]
    live = [f is not None for f in facts]
    if not is_page_like(weights, live, params):
        return reasons
    for i in page_only:
        reasons[i] = f"shape:{facts[i].shape}"  # type: ignore[union-attr]
    for i, f in enumerate(facts):
        if f is not None and reasons[i] is None:
            r = table.page_rule(f.folded)
            if r is not None:
                reasons[i] = f"rule:{r.name}"
    _discount_repeats(facts, weights, params)
    _discount_threads(facts, weights, params)
    runs = article_runs(weights, live, params)
    if not runs or prose_share(weights, runs) < params.article_min_share:
        _mark_page_repeats(facts, reasons, params)  # not an article: line rules decide
        mark_short_runs(facts, reasons, weights, params)
        return reasons
    zones = [(range(0, runs[0][0]), "zone:header"), (range(runs[-1][1], n), "zone:footer")]
    zones += [(range(a[1], b[0]), "zone:inner") for a, b in zip(runs, runs[1:])]
    # Before the article, paragraphs of prose that stand together are text too (prose_blocks).
    text = prose_blocks(weights, live, params.header_block_lines)
    for zone, name in zones:
        idx = [i for i in zone if live[i]]
        if len(idx) >= params.zone_min_lines:
            for i in idx:
                if reasons[i] is None and not (name == "zone:header" and i in text):
                    reasons[i] = name
    _mark_page_repeats(facts, reasons, params)
    return reasons


DATE_REASONS = frozenset({"shape:date_only", "rule:date"})
# An attribution after a quote: "Jane Doe, The Daily Planet" (a name, a comma, an outlet).
_ATTRIBUTION = re.compile(r"[-–—•]?\s?[^\W\d_][^,.!?:;]{0,60}, [^\W\d_][^.!?:;]{0,60}")


_QUOTES = "\"“„«‘'"


def is_prose(folded: str, p: RegionParams) -> bool:
    """A paragraph of text: a sentence of >= min_words words, or >= long_words words."""
    if len(folded) > 400:
        return True
    n = folded.count(" ") + 1  # words of a folded line (no need for the region's \\w+ count)
    return n >= p.long_words or (n >= p.min_words and ends_like_sentence(folded))


def _place_learned(facts: Sequence[LineFacts | None], reasons: list[str | None],
                   learned: Sequence[int], p: RegionParams, timeline: bool) -> None:
    """Repeated structure is not boilerplate. A learned line (one the source repeats) of at most
    `structure_max_words` words stays when it stands between two prose paragraphs (a section
    head, a credit line after a quote, a recurring subheading), when it opens the body as a
    heading (directly followed by prose, not ending like a sentence) or closes it as an
    attribution ("Jane Doe, Outlet" directly after prose). Elsewhere, at the edges, and when
    longer (a newsletter form, a bio paragraph), it goes: "repeated_in_source".
    With `timeline` (a plain-text article, not a page), date-only lines between prose paragraphs
    stay when there are at least two of them: the entry dates of a timeline."""
    n = len(facts)
    pending = set(learned)

    def prose(i: int) -> bool:
        f = facts[i]
        return f is not None and reasons[i] is None and i not in pending and is_prose(f.folded, p)

    first = next((i for i in range(n) if prose(i)), n)
    last = next((i for i in range(n - 1, first - 1, -1) if prose(i)), -1)

    def neighbour(i: int, step: int) -> int | None:
        j = i + step
        while 0 <= j < n and facts[j] is None:
            j += step
        return j if 0 <= j < n else None

    # A document most of whose paragraphs the source prints elsewhere is a reprint of another
    # document, not a template: its long learned paragraphs are story, and dedup's to decide.
    long = [i for i in learned if facts[i].folded.count(" ") >= p.structure_max_words]  # type: ignore[union-attr]
    reprint = len(long) >= 2
    for i in learned:
        f = facts[i]
        words = f.folded.count(" ") + 1  # type: ignore[union-attr]
        if words > p.structure_max_words and (reprint or f.folded[:1] in _QUOTES):  # type: ignore[union-attr]
            continue  # a quotation is story, never a template's text
        keep = False
        if words <= p.structure_max_words:
            if first < i < last:
                keep = True
            elif i < first:
                nxt = neighbour(i, 1)
                keep = nxt == first and not ends_like_sentence(f.folded)  # type: ignore[union-attr]
            else:
                prev = neighbour(i, -1)
                keep = prev == last and bool(_ATTRIBUTION.fullmatch(f.folded))  # type: ignore[union-attr]
        if not keep:
            reasons[i] = "repeated_in_source"
    if timeline:
        inside = [i for i in range(first + 1, last) if reasons[i] in DATE_REASONS]
        if len(inside) >= 2:
            for i in inside:
                reasons[i] = None


# A label introduces the content after it ("TRUMP:", "Q:", "Background:"): a transcript or Q&A
# repeats it in every document, yet it is structure, not boilerplate. Never learned.
_LABEL = re.compile(r"[^.!?]{1,60}:")


def repeated_need(n_docs: int, min_docs: int, min_share: float) -> float:
    """Documents of a source (of `n_docs`) that must print a line for it to be learned."""
    return max(min_docs, min_share * n_docs)


def learnable(line: str) -> bool:
    """Labels and lines without a letter (numbers, bullets) are never learned."""
    return not _LABEL.fullmatch(line) and any(ch.isalpha() for ch in line)
