"""The article region of a page (pure logic, re-exported by `classify.py`).

A full web page is navigation, then the article, then related links, comments and the footer.
Each line gets a prose weight (long lines that end like sentences count for their word count,
short lines and page chrome count against); the article is the maximum-sum run of lines (Kadane),
joined by nearby runs of similar weight. Before the run is chosen, copies of earlier prose and
the prose of comment threads weigh nothing. Everything works on plain values (the line facts of
`table.LineTable`: the folded line and its shape).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .lines import LineFacts

_WORD = re.compile(r"\w+")
# Punctuation inside a line (Latin, CJK): a long line with none is a list of tags or links.
_PUNCT = re.compile(r"[.,;:!?、。，？！…]")
# A line ends like a sentence when its last character, after closing quotes and brackets, is
_TERMINAL_CHARS = ".!?…。！？:;"
_CLOSERS = "\"'”’»)]"


def ends_like_sentence(folded: str) -> bool:
    """Terminal punctuation at the end of a folded line (a string check: a regex search for `$`
    scanned the whole line and cost 4 s on allsides)."""
    if folded and folded[-1] in "\"”»":
        return True
    core = folded.rstrip(_CLOSERS)
    return bool(core) and core[-1] in _TERMINAL_CHARS


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
    thread_min_marks: int = 4  # this many comment markers / vote counters ...
    thread_gap: int = 15  # ... each within this many non-empty lines of the last make a thread
    structure_max_words: int = 12  # a learned line this short between prose is structure
    article_min_share: float = 0.3  # zones are cut only when the runs hold this share of prose
    short_run_lines: int = 3  # not an article: this many short lines in a row go (0 = off)
    sentence_min_words: int = 3  # ... but a line ending like a sentence with this many words stays
    header_block_lines: int = 2  # prose lines this many in a row before the article stay (0 = off)


def prose_weight(line: str, shape: str | None, is_barrier: bool, p: RegionParams,
                 page_rule: bool = False) -> float:
    """Positive for lines that read like article prose, negative for everything else.
    `page_rule`: a rule that only whole pages print matched (a cookie notice, legal links): that is
    chrome however long it is (a 100-word cookie notice outweighed a three-paragraph review)."""
    if is_barrier:
        return -p.barrier_penalty
    n = word_count(line)
    if n == 0:
        return 0.0
    if shape is not None or page_rule:
        return -p.chrome_penalty
    sentence = n >= p.min_words and ends_like_sentence(line)
    if n >= p.long_words and not sentence and not _PUNCT.search(line):
        # 20+ words without a comma or a full stop: a tag cloud or a row of links, not prose
        # (benchmark: 9 of 73 such lines are article text). Neutral, as the region's own weight.
        return 0.0
    if n >= p.long_words or sentence:
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
def _grams(folded: str) -> set[tuple[str, ...]]:
    toks = _WORD.findall(folded.lower())
    return {tuple(toks[k:k + 4]) for k in range(len(toks) - 3)}


def _discount_repeats(facts: Sequence[LineFacts | None], weights: list[float],
                      p: RegionParams) -> None:
    """A prose line printed again on the page (a meta description, a print copy, a cookie notice
    shown twice) counts once: later copies weigh 0, so a duplicated block does not win the region
    by its copies. Same test as `_mark_page_repeats` (word 4-grams, `dup_share`)."""
    if p.dup_share <= 0.0:
        return
    seen: set[tuple[str, ...]] = set()
    for i, f in enumerate(facts):
        if f is None or weights[i] <= 0.0 or word_count(f.folded) < p.dup_min_words:
            continue
        grams = _grams(f.folded)
        if grams and len(grams & seen) >= p.dup_share * len(grams):
            weights[i] = 0.0
        else:
            seen |= grams


THREAD_SHAPES = frozenset({"comment_marker", "counter"})


def comment_threads(facts: Sequence[LineFacts | None], p: RegionParams) -> list[tuple[int, int]]:
    """Spans [first, last] of comment threads: >= `thread_min_marks` lines shaped like comment
    chrome ("Jane on May 3 said:", "Reply", "Rating: 36 Votes"), each within `thread_gap`
    non-empty lines of the previous one. Language-independent apart from the marker words."""
    if p.thread_min_marks <= 0:
        return []
    spans: list[tuple[int, int]] = []
    group: list[int] = []
    live_since = 0  # non-empty lines since the last marker
    for i, f in enumerate(facts):
        if f is None:
            continue
        if f.shape in THREAD_SHAPES:
            if group and live_since > p.thread_gap:
                if len(group) >= p.thread_min_marks:
                    spans.append((group[0], group[-1]))
                group = []
            group.append(i)
            live_since = 0
        else:
            live_since += 1
    if len(group) >= p.thread_min_marks:
        spans.append((group[0], group[-1]))
    return spans


def _discount_threads(facts: Sequence[LineFacts | None], weights: list[float],
                      p: RegionParams) -> None:
    """Prose inside a comment thread is not the article: a long discussion under a short post
    otherwise wins the region (benchmark: two blog/forum pages lost their whole article)."""
    for a, b in comment_threads(facts, p):
        for i in range(a, b + 1):
            if weights[i] > 0.0:
                weights[i] = 0.0


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
        if len(_WORD.findall(f.folded)) < p.dup_min_words:
            continue
        grams = _grams(f.folded)
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


def prose_share(weights: Sequence[float], runs: Sequence[tuple[int, int]]) -> float:
    """The share of a page's prose weight that its article runs hold: near 1 on an article (one
    body of prose between chrome), lower where prose is spread over the page in many small
    pieces (listings, programmes, product pages, forums), where no region is the article."""
    total = sum(w for w in weights if w > 0.0)
    inside = sum(w for a, b in runs for w in weights[a:b] if w > 0.0)
    return inside / total if total else 0.0


def _sentence(folded: str, p: RegionParams) -> bool:
    """A short sentence ("Prices start at $9.", "Works on Linux.") on a page that is not an
    article: >= `sentence_min_words` words ending like a sentence, and not page chrome."""
    return folded.count(" ") + 1 >= p.sentence_min_words and ends_like_sentence(folded)


def mark_short_runs(facts: Sequence[LineFacts | None], reasons: list[str | None],
                     weights: Sequence[float], p: RegionParams) -> None:
    """On a page that is not an article: a run of >= `short_run_lines` consecutive lines none of
    which reads as prose (menus, link lists, footers) goes as "short_run"; shorter runs of short
    lines between prose (headings, a few list items) stay. 0 = off."""
    if p.short_run_lines <= 0:
        return
    run: list[int] = []
    for i in range(len(facts) + 1):
        f = facts[i] if i < len(facts) else None
        if i < len(facts) and f is None:
            continue  # empty lines neither break nor extend a run
        if i < len(facts) and weights[i] <= 0.0 and not _sentence(f.folded, p):  # type: ignore[union-attr]
            if reasons[i] is None:
                run.append(i)
            continue
        if len(run) >= p.short_run_lines:
            for j in run:
                reasons[j] = "short_run"
        run = []


def prose_blocks(weights: Sequence[float], live: Sequence[bool], min_lines: int) -> set[int]:
    """Lines that stand in a block of >= `min_lines` prose lines in a row (empty lines skipped):
    paragraphs of text together are text, wherever the region starts (a page's lead before a
    table, a product description over the specification, a service page's introduction), while
    the prose a page prints before its article in single lines is chrome (a teaser's lead, a
    cookie or affiliate notice, a subscription prompt between menus). 0 = none."""
    out: set[int] = set()
    if min_lines <= 0:
        return out
    block: list[int] = []
    for i in range(len(weights) + 1):
        if i < len(weights) and not live[i]:
            continue
        if i < len(weights) and weights[i] > 0.0:
            block.append(i)
            continue
        if len(block) >= min_lines:
            out.update(block)
        block = []
    return out
