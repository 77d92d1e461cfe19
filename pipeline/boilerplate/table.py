"""What rules and shapes say about each line, computed once per distinct line (`LineTable`).

Shapes are the language-independent forms of page chrome (date-only lines, rows of sharing
buttons, vote counters, comment markers); rules come from `configs/boilerplate.yaml`
(`classify.compile_rules`). `classify` decides per document from these facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from .lines import LineFacts, Rule, fold, lead_of
from .regex import Matcher, max_width

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
        # like one of their phrases, and only those rules (`_led_rules`): a dictionary lookup
        # by the line's lead instead of a long alternation on every line.
        self.rules = [r for r in rules if not r.pages_only and r.lead is None]
        self.led = [r for r in rules if not r.pages_only and r.lead is not None]
        self.page_rules = [r for r in rules if r.pages_only]
        self.max_words = max_words
        # Rules and shapes in one matcher: one pass says "nothing" for almost every line.
        self._all = Matcher([r.pattern for r in self.rules] + list(_SHAPES_RX))
        self._led_width = [max_width(r.pattern.pattern) for r in self.led]
        self._led_top = max(self._led_width, default=0.0)  # no led rule matches a longer line
        self._by_lead: dict[str, tuple[tuple[Rule, Callable[[str], object], float], ...]] = {}
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

    def _led_rules(self, lead: str) -> tuple[tuple[Rule, Callable[[str], object], float], ...]:
        """The led rules (in order, with their fullmatch and longest line) a line whose lead
        (`lead_of`) is `lead` may match: those with a phrase starting like it."""
        rules = self._by_lead[lead] = tuple(
            (r, r.pattern.fullmatch, w) for r, w in zip(self.led, self._led_width)
            if any(lead[:k] in r.lead for k in (1, 2, 3) if len(lead) >= k))  # type: ignore[operator]
        return rules

    def facts(self, text: str) -> LineFacts:
        f = self._cache.get(text)
        return f if f is not None else self.facts_many([text])[0]

    def facts_many(self, texts: Sequence[str]) -> list[LineFacts]:
        """`facts` of each text; the lines not seen before are examined together (one loop, one
        Aho-Corasick pass: docs/boilerplate.md, Speed)."""
        cache = self._cache
        try:  # a document's lines were most often examined with those of its neighbours
            return [cache[t] for t in texts]
        except KeyError:
            pass
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
        n_rules, top, known, led_rules = len(self.rules), self._led_top, self._by_lead.get, self._led_rules
        for (at, folded, key), low, i in zip(todo, lows, firsts):
            rule = shape = None
            if i is not None and i < n_rules:  # a rule matched (rare): its shape sets the weight
                j = _SHAPES.first(folded)
                rule, shape = self.rules[i], None if j is None else SHAPES[j]
            else:
                if i is not None:
                    shape = SHAPES[i - n_rules]
                if len(folded) <= top:  # the first led rule that matches, if any
                    lead = lead_of(low)
                    rules = known(lead)
                    for r, fullmatch, width in led_rules(lead) if rules is None else rules:
                        if len(folded) <= width and fullmatch(folded):
                            rule = r
                            break
            out[at] = tuple.__new__(LineFacts, (folded, key, rule, shape))  # without NamedTuple's __new__
        return out


@lru_cache(maxsize=4)
def shared_table(rules: tuple[Rule, ...], max_words: int) -> LineTable:
    """One LineTable per process for the same rules: building one reads every pattern's parse
    tree (~1 s with the language rules), which a pool worker would otherwise pay per job.
    Callers `forget()` its per-line cache between jobs."""
    return LineTable(rules, max_words)
