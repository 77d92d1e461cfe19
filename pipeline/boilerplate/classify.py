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


_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,7}\.?"
_DATE_ONLY = re.compile(
    r"((posted|published|updated|last updated)\b.{0,60})?"
    r"(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(t[\d:.+-]{1,20}z?)?"
    r"|\d{1,4}\s+(seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago"
    rf"|(mon|tues|wednes|thurs|fri|satur|sun)day,?\s.{{0,30}}\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(st|nd|rd|th|\.)?\s+{_MONTH}\s+\d{{4}})"
    r"([\s,]{0,3}(at\s+)?\d{1,2}:\d{2}(\s*[ap]\.?m\.?)?(\s*[a-z]{2,4})?)?",
    re.IGNORECASE,
)
# Repeats are bounded so each shape has a longest line it can match (longer lines skip it).
# Rows of sharing buttons: only network names and separators. These names are the same in every
# language, so this is not an English-only signal.
_SOCIAL = re.compile(
    r"((facebook|twitter|linkedin|whatsapp|pinterest|pint|reddit|e-?mail|print|share|tweet"
    r"|telegram|flipboard|instagram|youtube|rss|vk|copy link|messenger|sms|tumblr|pocket"
    r"|google\+?|baixar|x|post|share this (article|story|page)"
    # an audio player over the article: "Listen to article 3:05"
    r"|listen( to (this )?(article|story))?|anhören|écouter|escuchar|ascolta|ouvir|posłuchaj"
    r"|\d{1,2}:\d{2}( min)?)[\s,|/·•]{0,4}){1,20}",
    re.IGNORECASE,
)
# A photo gallery dumped into one paragraph: its slide counters "1 of 24 ... 2 of 24" (the
# words of several languages). Checked on long lines only, where no other pattern runs.
_SLIDES = re.compile(r"1 (of|von|sur|de|di|z) (\d{1,3})\b.{0,3000}?\b2 \1 \2\b", re.IGNORECASE)
_COUNTER = re.compile(r"rating: -?\d{1,9} votes?|\d{1,12}\s+(likes?|votes?|shares?|views?|points?)", re.I)
# "Jane Doe says:" / "Jane on May 3, 2019 at 4:47 pm said:" open a comment; a lone "Reply" closes one.
_COMMENTER = re.compile(r".{1,80}\b(says|said|wrote)\s*:|reply|antworten|responder|rispondi|ответить", re.I)


SHAPES = ("comment_marker", "date_only", "share_buttons", "counter")  # checked in this order
_SHAPES_RX = (_COMMENTER, _DATE_ONLY, _SOCIAL, _COUNTER)
_SHAPES = Matcher(list(_SHAPES_RX))
# Shapes that a whole web page prints and an extracted article body does not (see is_page_like).
PAGE_SHAPES = frozenset({"share_buttons", "comment_marker"})
# "Jane Doe says:" heads a comment on a page, but in an extracted article "The Journal says:" or
# "Trump said:" introduces a quote (all 72 such allsides part-00 lines): removed on pages only.
PAGE_ONLY_SHAPES = frozenset({"comment_marker"})


def line_shape(line: str) -> str | None:
    """A shape name when the line's form alone says it is page chrome, else None."""
    folded = fold(line)
    i = _SHAPES.first(folded) if folded else None
    return None if i is None else SHAPES[i]


MAX_PATTERN_CHARS = 600


_EMPTY = LineFacts("", None, None, None)


class LineTable:
    """What rules and shapes say about each distinct line of a run, computed once: a source
    repeats a few boilerplate strings thousands of times, and learning and classifying both need
    the same facts. Pure given (rules, max_words); the cache only saves time."""

    def __init__(self, rules: Sequence[Rule], max_words: int = 40):
        # Rules for pages only (captions, inline teasers) are matched only for the lines of
        # documents that may be pages (`page_rule`): on allsides that is almost no line.
        # Rules whose first word is known (the language rules) run only for lines that start
        # like one of their phrases: one set lookup instead of a long alternation on every line.
        self.rules = [r for r in rules if not r.pages_only and r.lead is None]
        self.led = [r for r in rules if not r.pages_only and r.lead is not None]
        self.page_rules = [r for r in rules if r.pages_only]
        self.max_words = max_words
        # Rules and shapes in one matcher: one pass says "nothing" for almost every line.
        self._all = Matcher([r.pattern for r in self.rules] + list(_SHAPES_RX))
        self._led = Matcher([r.pattern for r in self.led])
        self._leads: dict[int, frozenset[str]] = {}
        for r in self.led:
            for k in range(1, 4):
                self._leads[k] = self._leads.get(k, frozenset()) | {x for x in r.lead if len(x) == k}  # type: ignore[union-attr]
        self._lead1, self._lead2, self._lead3 = (self._leads.get(k, frozenset()) for k in (1, 2, 3))
        self._pages = Matcher([r.pattern for r in self.page_rules])
        self._cache: dict[str, LineFacts] = {}
        self._page_cache: dict[str, Rule | None] = {}

    def forget(self) -> None:
        """Drop the per-line facts (kept only for the lines of one job)."""
        self._cache.clear()
        self._page_cache.clear()

    def page_rule(self, folded: str) -> Rule | None:
        """The first `scope: pages` rule that matches a folded line, or None."""
        if not self.page_rules or len(folded) > MAX_PATTERN_CHARS:
            return None
        if folded not in self._page_cache:
            i = self._pages.first(folded)
            self._page_cache[folded] = None if i is None else self.page_rules[i]
        return self._page_cache[folded]

    def key(self, text: str) -> str | None:
        """facts(text).key without matching the rules: the line's key for learning."""
        folded = fold(text)
        return folded.lower() if folded and folded.count(" ") < self.max_words else None

    def facts(self, text: str) -> LineFacts:
        f = self._cache.get(text)
        return f if f is not None else self.facts_many([text])[0]

    def facts_many(self, texts: Sequence[str]) -> list[LineFacts]:
        """`facts` of each text; the lines not seen before are examined together (one loop, one
        Aho-Corasick pass: docs/boilerplate.md, Speed)."""
        cache = self._cache
        new = [t for t in dict.fromkeys(texts) if t not in cache]
        if new:
            cache.update(zip(new, self._compute(new)))
        return [cache[t] for t in texts]

    def _compute(self, texts: list[str]) -> list[LineFacts]:
        out: list[LineFacts] = [_EMPTY] * len(texts)
        todo: list[tuple[int, str, str | None]] = []  # lines for the matchers: (at, folded, key)
        lows: list[str] = []
        for at, folded in enumerate(map(fold, texts)):
            key = folded.lower() if folded.count(" ") < self.max_words else None  # words = spaces + 1
            if len(folded) > MAX_PATTERN_CHARS:  # prose, unless a slideshow's captions in one line
                out[at] = LineFacts(folded, key, None, "slideshow" if _SLIDES.search(folded) else None)
            elif folded:
                todo.append((at, folded, key))
                lows.append(key if key is not None else folded.lower())
        firsts = self._all.first_many([f for _, f, _ in todo], lows)
        n_rules, led, top = len(self.rules), self.led, self._led.width  # no led rule is longer
        maybe = []  # lines that start like a led rule's phrase (and no YAML rule matched)
        for k, ((_, folded, _), low, i) in enumerate(zip(todo, lows, firsts)) if led else ():
            if (i is None or i >= n_rules) and len(folded) <= top:
                lead = low.lstrip(LEAD_STRIP)[:3]  # lead_of
                if lead[:1] in self._lead1 or lead[:2] in self._lead2 or lead[:3] in self._lead3:
                    maybe.append(k)
        hit = self._led.first_many([todo[k][1] for k in maybe], [lows[k] for k in maybe])
        led_rule = {k: led[j] for k, j in zip(maybe, hit) if j is not None}
        for k, ((at, folded, key), i) in enumerate(zip(todo, firsts)):
            rule, shape = led_rule.get(k), None if i is None or i < n_rules else SHAPES[i - n_rules]
            if i is not None and i < n_rules:  # a rule matched (rare): its shape sets the weight
                j = _SHAPES.first(folded)
                rule, shape = self.rules[i], None if j is None else SHAPES[j]
            out[at] = tuple.__new__(LineFacts, (folded, key, rule, shape))  # without NamedTuple's __new__
        return out


@lru_cache(maxsize=4)
def shared_table(rules: tuple[Rule, ...], max_words: int) -> LineTable:
    """One LineTable per process for the same rules: building one reads every pattern's parse
    tree (~1 s with the language rules), which a pool worker would otherwise pay per job.
    Callers `forget()` its per-line cache between jobs."""
    return LineTable(rules, max_words)


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
