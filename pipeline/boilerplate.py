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
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from .boilerplate_regex import Matcher

_WORD = re.compile(r"\w+")
# A line ends like a sentence when its last character, after closing quotes and brackets, is
# terminal punctuation (Latin, Cyrillic, CJK), or when it ends with a closing quote.
_TERMINAL_CHARS = ".!?…。！？:;"
_CLOSERS = "\"'”’»)]"


def ends_like_sentence(folded: str) -> bool:
    """Terminal punctuation at the end of a folded line (a string check: a regex search for `$`
    scanned the whole line and cost 4 s on allsides)."""
    if folded and folded[-1] in "\"”»":
        return True
    core = folded.rstrip(_CLOSERS)
    return bool(core) and core[-1] in _TERMINAL_CHARS


def fold(text: str) -> str:
    """Whitespace collapsed and stripped. Already-folded text (no whitespace but single inner
    spaces: all other whitespace is unprintable) is returned as is, without a split and join."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def normalise_line(text: str) -> str:
    """Key for counting a line across documents: folded, lower-cased, digits kept."""
    return fold(text).lower()


def word_count(text: str) -> int:
    """Words as the benchmark counts them (`\\w+`), with unspaced scripts (Chinese, Japanese)
    counted as one word per three characters, so a CJK sentence is not a single 'word'."""
    if len(text) > 400 and text.isascii():
        return len(text.split())  # long prose: the exact count does not change any decision
    if text.isascii():
        return len(_WORD.findall(text))  # the long-word rule below is for non-ASCII scripts only
    n = 0
    for w in _WORD.findall(text):
        n += max(1, len(w) // 3) if len(w) > 12 and not w.isascii() else 1
    return n


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str  # "remove" or "barrier"
    pattern: re.Pattern[str]
    page: bool = False  # printed by whole web pages, not inside extracted article bodies


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
        rules.append(Rule(str(item["name"]), kind, pattern, page))
    return rules


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
    rf"|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\.?\s+{_MONTH}\s+\d{{4}})"
    r"([\s,]{0,3}(at\s+)?\d{1,2}:\d{2}(\s*[ap]\.?m\.?)?(\s*[a-z]{2,4})?)?",
    re.IGNORECASE,
)
# Repeats are bounded so each shape has a longest line it can match (longer lines skip it).
# Rows of sharing buttons: only network names and separators. These names are the same in every
# language, so this is not an English-only signal.
_SOCIAL = re.compile(
    r"((facebook|twitter|linkedin|whatsapp|pinterest|pint|reddit|e-?mail|print|share|tweet"
    r"|telegram|flipboard|instagram|youtube|rss|vk|copy link|messenger|sms|tumblr|pocket"
    r"|google\+?|baixar|x)[\s,|/·•]{0,4}){1,20}",
    re.IGNORECASE,
)
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


@dataclass(frozen=True)
class RegionParams:
    """How the article region of a page is found (defaults measured, see docs/boilerplate.md)."""

    min_words: int = 6  # a line ending like a sentence with at least this many words is prose
    long_words: int = 20  # a line this long is prose even without terminal punctuation
    short_penalty: float = 10.0  # cost of one short line inside the region
    short_word_cost: float = 1.0  # plus this per word of the short line
    chrome_penalty: float = 30.0  # cost of a line whose shape says page chrome
    barrier_penalty: float = 50.0  # cost of a barrier line (inf: the region never crosses one)
    zone_min_lines: int = 4  # a header/footer zone is cut only when it holds this many lines
    page_min_short_share: float = 0.5  # region logic only on page-like documents (see is_page_like)
    page_min_lines: int = 30  # ... that have at least this many non-empty lines
    page_min_chrome: int = 2  # ... and at least this many lines only whole pages print
    join_ratio: float = 0.5  # a run outside the region with >= this share of its sum joins it ...
    join_gap: int = 15  # ... when at most this many non-empty lines lie between (0: never)
    dup_share: float = 0.8  # a kept line whose 4-grams are this covered by earlier kept lines ...
    dup_min_words: int = 8  # ... and has at least this many words is a repeat within the page


def prose_weight(line: str, shape: str | None, is_barrier: bool, p: RegionParams) -> float:
    """Positive for lines that read like article prose, negative for everything else."""
    if is_barrier:
        return -p.barrier_penalty
    n = word_count(line)
    if n == 0:
        return 0.0
    if shape is not None:
        return -p.chrome_penalty
    if n >= p.long_words or (n >= p.min_words and ends_like_sentence(line)):
        # Numbers are not prose: a contact notice full of phone numbers and opening hours must
        # not outweigh a short article (scaled by the share of tokens that are not all digits).
        toks = _WORD.findall(line)
        digits = sum(1 for t in toks if t.isdigit())
        return float(n) * (1.0 - digits / len(toks)) if toks else float(n)
    return -p.short_penalty - p.short_word_cost * n


def best_region(weights: Sequence[float]) -> tuple[int, int] | None:
    """Half-open [start, end) of the maximum-sum run of lines (Kadane), or None if none is positive.
    Ties keep the earliest run, so the result depends only on the weights."""
    return _best_run(weights, 0, len(weights))[0]


def _best_run(weights: Sequence[float], lo: int, hi: int) -> tuple[tuple[int, int] | None, float]:
    """The maximum-sum run within [lo, hi) and its sum (earliest on ties)."""
    best_sum, best = 0.0, None
    cur, start = 0.0, lo
    for i in range(lo, hi):
        if cur <= 0.0:
            cur, start = 0.0, i
        cur += weights[i]
        if cur > best_sum:
            best_sum, best = cur, (start, i + 1)
    return best, best_sum


def article_runs(weights: Sequence[float], live: Sequence[bool],
                 p: RegionParams) -> list[tuple[int, int]]:
    """The article as one or more runs, in order: the best run, joined by the best run on either
    side of it while that run sums to >= `join_ratio` of the best and at most `join_gap` non-empty
    lines separate them. A widget of teasers ("Most read") that splits an article in two then
    costs the widget only, not the smaller half of the article. Empty when no run is positive."""
    first, best_sum = _best_run(weights, 0, len(weights))
    if first is None:
        return []
    runs = [first]
    if p.join_gap <= 0:
        return runs
    grown = True
    while grown:
        grown = False
        start, end = runs[0][0], runs[-1][1]
        left, s = _best_run(weights, 0, start)
        if left and s >= p.join_ratio * best_sum and sum(live[left[1]:start]) <= p.join_gap:
            runs.insert(0, left)
            grown = True
        right, s = _best_run(weights, end, len(weights))
        if right and s >= p.join_ratio * best_sum and sum(live[end:right[0]]) <= p.join_gap:
            runs.append(right)
            grown = True
    return runs


# Every rule and shape describes a short line (the longest, a cookie notice, stays under ~500
# characters): longer lines are prose and skip the pattern checks, which keeps the stage fast.
MAX_PATTERN_CHARS = 600


class LineFacts(NamedTuple):
    folded: str
    key: str | None  # folded + lower-cased, for lines of at most max_words words (else None)
    rule: Rule | None
    shape: str | None


_EMPTY = LineFacts("", None, None, None)


class LineTable:
    """What rules and shapes say about each distinct line of a run, computed once: a source
    repeats a few boilerplate strings thousands of times, and learning and classifying both need
    the same facts. Pure given (rules, max_words); the cache only saves time."""

    def __init__(self, rules: Sequence[Rule], max_words: int = 40):
        self.rules = list(rules)
        self.max_words = max_words
        # Rules and shapes in one matcher: one pass says "nothing" for almost every line.
        self._all = Matcher([r.pattern for r in self.rules] + list(_SHAPES_RX))
        self._cache: dict[str, LineFacts] = {}

    def facts(self, text: str) -> LineFacts:
        f = self._cache.get(text)
        if f is None:
            f = self._cache[text] = self._compute(text)
        return f

    def _compute(self, text: str) -> LineFacts:
        folded = fold(text)
        if not folded:
            return _EMPTY
        low = folded.lower()
        key = low if folded.count(" ") < self.max_words else None  # folded: words = spaces + 1
        if len(folded) > MAX_PATTERN_CHARS:
            return LineFacts(folded, key, None, None)
        i = self._all.first(folded, low)
        if i is None:
            return LineFacts(folded, key, None, None)
        n_rules = len(self.rules)
        if i >= n_rules:
            return LineFacts(folded, key, None, SHAPES[i - n_rules])
        j = _SHAPES.first(folded)  # a rule matched (rare): its shape still sets the region weight
        return LineFacts(folded, key, self.rules[i], None if j is None else SHAPES[j])


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
    for i, t in enumerate(lines):
        f = table.facts(t)
        if not f.folded or (allow and any(a.fullmatch(f.folded) for a in allow)):
            continue
        facts[i] = f
        if f.rule is not None:
            reasons[i] = f"rule:{f.rule.name}"
        elif f.shape is not None and f.shape not in PAGE_ONLY_SHAPES:
            reasons[i] = f"shape:{f.shape}"
        elif repeated and f.key is not None and f.key in repeated:
            reasons[i] = "repeated_in_source"
        elif f.shape is not None:
            page_only.append(i)
        chrome += (f.rule is not None and f.rule.page) or f.shape in PAGE_SHAPES
    n_live = n - facts.count(None)
    # Cheap tests first: weights (word counts) are computed only for documents that can be pages.
    if not use_region or n_live < params.page_min_lines or chrome < params.page_min_chrome:
        return reasons
    weights = [0.0 if f is None else prose_weight(f.folded, f.shape,
                                                  f.rule is not None and f.rule.kind == "barrier",
                                                  params) for f in facts]
    live = [f is not None for f in facts]
    if not is_page_like(weights, live, params):
        return reasons
    for i in page_only:
        reasons[i] = f"shape:{facts[i].shape}"  # type: ignore[union-attr]
    runs = article_runs(weights, live, params)
    if not runs:
        return reasons
    zones = [(range(0, runs[0][0]), "zone:header"), (range(runs[-1][1], n), "zone:footer")]
    zones += [(range(a[1], b[0]), "zone:inner") for a, b in zip(runs, runs[1:])]
    for zone, name in zones:
        idx = [i for i in zone if live[i]]
        if len(idx) >= params.zone_min_lines:
            for i in idx:
                if reasons[i] is None:
                    reasons[i] = name
    _mark_page_repeats(facts, reasons, params)
    return reasons


def _mark_page_repeats(facts: Sequence[LineFacts | None], reasons: list[str | None],
                       p: RegionParams) -> None:
    """On a page, a kept line of >= `dup_min_words` words whose word 4-grams are mostly
    (`dup_share`) in earlier kept lines is a second copy ("repeated_in_page"): pages print the
    article again as a summary, a meta description or a print version, and teasers repeat its lead.
    Language-independent; allowlisted lines (facts None) are never marked."""
    if p.dup_share <= 0.0:
        return
    seen: set[tuple[str, ...]] = set()
    for i, f in enumerate(facts):
        if f is None or reasons[i] is not None:
            continue
        toks = _WORD.findall(f.folded.lower())
        if len(toks) < p.dup_min_words:
            continue
        grams = {tuple(toks[k:k + 4]) for k in range(len(toks) - 3)}
        if len(grams & seen) >= p.dup_share * len(grams):
            reasons[i] = "repeated_in_page"
        else:
            seen |= grams


def is_page_like(weights: Sequence[float], live: Sequence[bool], p: RegionParams) -> bool:
    """A whole web page (navigation, menus, footer) rather than an extracted article: long, and
    at least half of its lines short. Measured: benchmark full pages median 0.86 short, 5th
    percentile 0.59; allsides articles median 0.08, 99th percentile 0.48. The caller has also
    required `page_min_chrome` lines that only whole pages print, which is what keeps long
    short-lined extracted articles (transcripts, result lists) out: see classify_lines."""
    n_live = sum(live)
    short = sum(1 for w, ok in zip(weights, live) if ok and w < 0)
    return n_live >= p.page_min_lines and short / n_live >= p.page_min_short_share


def count_lines(docs_lines: Iterable[Sequence[str]], max_words: int) -> tuple[Counter[str], int]:
    """For one source: in how many documents each normalised line occurs, and the document count.
    Lines longer than `max_words` are not counted (boilerplate is short; long repeats are wire copy,
    which is dedup's business)."""
    counts: Counter[str] = Counter()
    n_docs = 0
    for lines in docs_lines:
        n_docs += 1
        counts.update(
            {k for k in map(normalise_line, lines) if k and len(k.split()) <= max_words}
        )
    return counts, n_docs


# A label introduces the content after it ("TRUMP:", "Q:", "Background:"): a transcript or Q&A
# repeats it in every document, yet it is structure, not boilerplate. Never learned.
_LABEL = re.compile(r"[^.!?]{1,60}:")


def learn_repeated(
    counts: Counter[str], n_docs: int, min_docs: int, min_share: float
) -> dict[str, int]:
    """Lines of one source that occur in at least max(min_docs, min_share * n_docs) documents,
    except labels and lines without a letter (numbers, bullets). Returns {line: n_docs}."""
    need = max(min_docs, min_share * n_docs)
    return {
        line: c
        for line, c in counts.items()
        if c >= need and not _LABEL.fullmatch(line) and any(ch.isalpha() for ch in line)
    }
