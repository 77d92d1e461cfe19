"""The facts a reprint must not add, and the wire edits it may (pure text functions).

* Names are facts. A capitalised word that is not the first word of a sentence (or of a quote,
  or after a colon) names a person, organisation or place: "Graham said", "Mr. Hull could not be
  reached". A paragraph that names someone its covering text does not name is not a copy of it,
  however few words it adds. A sentence-initial capital tells nothing (every sentence has one),
  and a word whose lower-case form the cover holds only changed case ("The White House" /
  "the white house"): neither is a name the cover lacks.
* Wire edits are not new content. Outlets add, drop or swap time adverbials ("last week",
  "earlier this week", "late Tuesday") and attribution frames ("according to officials", "in a
  statement", "told reporters" for "said"): `WIRE` words are free. A weekday or month is free
  only when the cover names none: "on Thursday" against "on Tuesday" contradicts it, a fact;
  a weekday that dates the statement ("said Wednesday") is free unless the cover dates its own.
* Not names: "May"/"March" as months ("in May"), the medium of a statement ("wrote on
  Twitter"), a title before a name ("President Trump"); "US" is "U.S." without its dots.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from .shingles import shingle_sets
from .textnorm import NUMBER_WORDS, STOPWORDS, WORD, fold_word, raw_tokens, sentences, tokens

# Time adverbials and attribution frames (their content words; function words are already free).
WIRE = frozenset("""
last week weeks earlier later late early month months year today yesterday tonight tomorrow
morning afternoon evening night overnight recently previously currently weekend
according statement statements reporters reporter told said says say stated states wrote writes
added adds noted notes interview reportedly reports reported tweeted tweets tweet posted
""".split())

# Discourse markers and prepositions that open sentences: capitalised there, never names.
OPENERS = frozenset("""
regarding concerning meanwhile instead indeed moreover furthermore nonetheless nevertheless
besides overall finally first second third separately additionally otherwise similarly
likewise thus hence therefore accordingly consequently earlier later asked speaking despite
following including amid amidst among unlike like since although though whether unless
until upon within without toward towards across along around behind beyond beside inside
outside throughout underneath per via plus minus except
well yes oh okay ok sure look listen anyway actually frankly honestly
""".split())

# Weekdays and months, with their wire abbreviations ("Tues.", "Sept."). "May" and "March" are
# left out: as verbs they are too common to be read as dates.
_DAYS = {"monday": 1, "mon": 1, "tuesday": 2, "tue": 2, "tues": 2, "wednesday": 3, "wed": 3,
         "thursday": 4, "thu": 4, "thur": 4, "thurs": 4, "friday": 5, "fri": 5,
         "saturday": 6, "sat": 6, "sunday": 7, "sun": 7}
_MONTHS = {"january": 1, "jan": 1, "february": 2, "feb": 2, "april": 4, "apr": 4, "june": 6,
           "july": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
           "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12}
_CALENDAR = frozenset(_DAYS) | frozenset(_MONTHS)
# Abbreviations that only count as dates when capitalised in the text ("sat", "sun", "dec").
_AMBIGUOUS = frozenset({"sat", "sun", "mon", "wed", "fri", "dec", "aug", "jan"})


# Any wire or calendar word in a raw text (a quick test before the wire 5-grams are looked for).
WIRE_WORD = re.compile(r"\b(?:" + "|".join(sorted(WIRE | set(_DAYS) | set(_MONTHS), key=len,
                                                  reverse=True)) + r")\b", re.IGNORECASE)


_WORD_RUN = re.compile(r"\w+")
_WIRE_LOWER = WIRE | frozenset(_DAYS) | frozenset(_MONTHS)


def has_wire_word(text: str) -> bool:
    """`WIRE_WORD.search(text) is not None`, by word runs and a set (the alternation is tried at
    every position, ~100 us a paragraph): a listed word matches as a whole run of word
    characters; ASCII runs compare lower-cased, any other run goes through the pattern."""
    for w in set(_WORD_RUN.findall(text)):
        if w.lower() in _WIRE_LOWER if w.isascii() else WIRE_WORD.fullmatch(w):
            return True
    return False


# "May" and "March" capitalised after a lower-case word that is not an attribution verb or a
# preposition ("in May", "Since March"), or before a day number ("May 1"), are months; at a
# sentence start they are a verb, after a first name a surname ("Theresa May").
_VERB_MONTH = re.compile(r"(?:\b(?!said\b|says\b|told\b)[a-z]+[,;]? |\d[,;]? |\b(?:In|Since|By|"
                         r"Until|Through|From|During|Before|After|Early|Late|Last|Next) )"
                         r"(May|March)\b|\b(May|March)(?= \d)")


def dates(text: str) -> Counter:
    """How often a text names each weekday ("d", n) and month ("m", n)."""
    out: Counter = Counter()
    for t in tokens(text):
        kind = "d" if t in _DAYS else "m" if t in _MONTHS else None
        if kind and (t not in _AMBIGUOUS or t.capitalize() in text):
            out[kind, (_DAYS if kind == "d" else _MONTHS)[t]] += 1
    if "Ma" in text:
        for a, b in _VERB_MONTH.findall(text):
            out["m", 5 if (a or b) == "May" else 3] += 1
    return out


# A weekday that dates the statement itself ("said Wednesday", "told reporters on Monday",
# "Thursday said"): the wire's time of attribution, free unless the cover dates its statement.
_ATTRIBUTED = re.compile(
    r"\b(?:said|says|told|wrote|stated|added|announced|tweeted|posted)"
    r"(?: (?:reporters|[a-z]+ [A-Z][a-z]+|[A-Z][a-z]+))?,? (?:on |late |early )?"
    r"(?P<a>[A-Z][a-z]+day)\b"
    r"|\b(?P<b>[A-Z][a-z]+day),? (?:that )?(?:said|says|told|wrote|stated|announced)\b")


def attributed_dates(text: str) -> Counter:
    """How often a text dates a statement with each weekday (the `dates` keys)."""
    out: Counter = Counter()
    for m in _ATTRIBUTED.finditer(text):
        d = _DAYS.get((m.group("a") or m.group("b")).lower())
        if d:
            out["d", d] += 1
    return out


_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}")


def acronyms(text: str) -> set[str]:
    """Dotted abbreviations as one word ("U.S." -> "us"): "US" in a reprint is the same name."""
    return {fold_word(a.replace(".", "").lower()) for a in _ACRONYM.findall(text)} \
        if "." in text else set()


def contradicts(pd: Counter, cd: Counter) -> bool:
    """True when the cover names weekdays (or months) and the paragraph names one more often
    than the cover does (`dates` of each): "on Thursday" against "on Tuesday" is a different
    date, and so is "Saturday ... Saturday" against "Tuesday ... Saturday". Where the cover
    names none, a weekday is a wire edit ("said on Thursday")."""
    return any(n > cd[key] and any(k[0] == key[0] for k in cd) for key, n in pd.items())


def exceeds(p: Counter, c: Counter) -> bool:
    """True when p holds some item more often than c (multiset inclusion fails)."""
    return any(n > c[key] for key, n in p.items())


def calendar_word(w: str) -> bool:
    return w in _DAYS or w in _MONTHS


# Abbreviations after which a capital does not start a sentence ("Mr. Hull", "Sen. Graham").
_TITLES = frozenset("""mr mrs ms dr st sen rep gov gen lt col sgt capt adm jr sr inc co corp ltd
no vs jan feb mar apr aug sep sept oct nov dec u s k n d c a m p e g i""".split())
_QUOTES = "\"'\u201c\u201d\u2018\u2019"
_OPENERS = "(\u201c\u2018[\u2014-"


def capitalised(text: str, title_only: bool = False) -> set[str]:
    """Folded forms of every capitalised word of `text`, sentence-initial ones included
    (title_only: not the words in all capitals)."""
    return {fold_word(w.lower()) for w in WORD.findall(text)
            if w[0].isupper() and not (title_only and len(w) > 1 and w.isupper())}


def names(text: str) -> set[str]:
    """Folded forms of the capitalised words of `text` that are not sentence-initial: names.
    Function words, wire words and calendar words are left out (a capitalised "The" in a title,
    "Thursday" are not names of someone)."""
    out = set()
    for m in WORD.finditer(text):
        w = m.group()
        if len(w) < 2 or not w[0].isupper():
            continue
        # Look back past spaces; an opening quote or bracket, a sentence stop or a colon before
        # the word (or the start of the text) makes it sentence-initial.
        j = m.start() - 1
        while j >= 0 and text[j].isspace():
            j -= 1
        if j < 0:
            continue
        ch = text[j]
        if ch in _QUOTES:  # closing when curly-closing or glued to the word before it
            if ch in "\u201d\u2019" or (j > 0 and not text[j - 1].isspace()):
                if j > 0 and text[j - 1] in ".!?":
                    continue
            else:
                continue
        elif ch in _OPENERS or ch in ":!?\u2026":
            continue
        elif ch == ".":
            before = WORD.findall(text[max(0, j - 12):j])
            if not before or before[-1].lower() not in _TITLES:
                continue
        f = fold_word(w.lower())
        if f in STOPWORDS or f in WIRE or calendar_word(f):
            continue
        out.add(f)
    return out - framed(text)


# The medium of a statement ("wrote on Twitter", "said on CNN"): its attribution frame, as "in
# a statement" is, not a name the paragraph adds.
_MEDIUM = re.compile(r"\b(?:said|says|wrote|writes|posted|posts|tweeted) on ([A-Z][a-z]+)\b")


# A title before a name ("President Trump", "Secretary Pompeo"): the name is the fact, the
# title a description a reprint may add (as a content word it still counts as one).
_TITLE = re.compile(r"\b(President|Senator|Governor|Representative|Secretary|Speaker|Chairman|"
                    r"Chairwoman|Judge|Justice|Mayor|General|Minister|Leader|Director|"
                    r"(?:Sen|Rep|Gov|Gen)(?=\.))\.? (?=[A-Z][a-z])")


def framed(text: str) -> set[str]:
    """Folded capitalised words that only date or frame a statement: "May" and "March" as months
    ("in May"), the medium of a statement ("wrote on Twitter"), a title before a name
    ("President Trump" for "Trump"). Not names."""
    out = set()
    if "Ma" in text:
        for a, b in _VERB_MONTH.findall(text):
            out.add((a or b).lower())
    if " on " in text:
        out.update(fold_word(w.lower()) for w in _MEDIUM.findall(text))
    out.update(fold_word(w.lower()) for w in _TITLE.findall(text))
    return out


_VERBS = (r"(?:said|says|stated|states|added|adds|wrote|writes|told|noted|notes|tweeted|tweets|"
          r"continued|concluded)")
_SPEAKER = re.compile(r"\b([A-Z][^\W\d_]+)\s+" + _VERBS + r"\b|\b" + _VERBS
                      + r"\s+(?:Mr\.|Mrs\.|Ms\.|Dr\.)?\s*([A-Z][^\W\d_]+)")
_PRONOUN = re.compile(r"\b(?:he|she|they)\s+" + _VERBS + r"\b|\b" + _VERBS
                      + r"\s+(?:he|she|they)\b", re.IGNORECASE)


def speakers(text: str) -> set[str]:
    """Folded names next to an attribution verb ("Graham said", "said Mr. Hull")."""
    out = {fold_word((a or b).lower()) for a, b in _SPEAKER.findall(text)}
    # "said Wednesday", "said May 1" date the statement; they do not name a speaker.
    return {w for w in out if w not in STOPWORDS and w not in WIRE and not calendar_word(w)
            and w not in ("may", "march")}


def pronoun_speaker(text: str) -> bool:
    """True when a quote or statement is attributed to a pronoun ("he said", "said she"): the
    speaker is named elsewhere in its article, and a reprint may name them instead."""
    return _PRONOUN.search(text) is not None


# A field of a templated list entry: a short label (up to three upper-case words, or one
# capitalised word) and a colon, then a short value ("TARGET: ...", "When: ..."). Such a line
# belongs to its entry.
_FIELD = re.compile(r"\s*([A-Z][A-Z0-9&/'-]*(?: [A-Z][A-Z0-9&/'-]*){0,2}|[A-Z][a-z]+):\s+\S")
FIELD_MAX_CHARS = 200


def field_label(text: str) -> str | None:
    """The label of a short labelled list field, or None."""
    if len(text) > FIELD_MAX_CHARS:
        return None
    m = _FIELD.match(text)
    return m.group(1).lower() if m else None


def typo_of(word: str, words: set[str], changed: bool = True) -> bool:
    """True when `word` is one edit (swap of neighbours, or one letter changed, added or dropped)
    from a word in `words`: a typo carries no new content. Only words of 5+ letters. With
    changed=False a changed letter does not count (for names under 8 letters: "Hull"/"Hall",
    "Bolton"/"Boston" are other names; a swapped, doubled or dropped letter rarely makes one,
    nor a changed letter in a long one: "Ecuadorean"/"Ecuadorian")."""
    if len(word) < 5:
        return False
    for w in words:
        if abs(len(w) - len(word)) > 1 or w[0] != word[0] and w[-1] != word[-1]:
            continue
        if len(w) == len(word):
            diff = [i for i in range(len(w)) if w[i] != word[i]]
            if (changed and len(diff) == 1) or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and w[diff[0]] == word[diff[1]] and w[diff[1]] == word[diff[0]]):
                return True
        else:
            short, long_ = (w, word) if len(w) < len(word) else (word, w)
            i = next((i for i in range(len(short)) if short[i] != long_[i]), len(short))
            if short[i:] == long_[i + 1:]:
                return True
    return False


_DIGIT = re.compile(r"\d")
_NUMBERS = frozenset(fold_word(w) for w in NUMBER_WORDS)  # "five" is the figure "5"


class Para:
    """Words, figures and sentences of one paragraph, for the fact checks (computed on demand)."""

    __slots__ = ("text", "_words", "_content", "_figures", "_sentences", "parts", "_names",
                 "_dates", "_caps", "_raw", "_tokens")

    def __init__(self, text: str) -> None:
        self.text = text
        self._raw: list[str] = []
        self._tokens: list[str] | None = None
        self._words: set[str] | None = None
        self._content: list[str] | None = None
        self._figures: Counter | None = None
        self._sentences: tuple | None = None
        self._names: set[str] | None = None
        self._dates: Counter | None = None
        self._caps: set[str] | None = None
        self.parts: list[str] = []

    @property
    def words(self) -> set[str]:
        """Folded words (a cover read only for its sentences never needs them)."""
        if self._words is None:
            # The raw tokens are kept for the figures: one tokenisation for both.
            raw = self._raw = raw_tokens(self.text)
            self._words = {fold_word(t) for t in set(raw)} | acronyms(self.text)
        return self._words

    @property
    def tokens(self) -> list[str]:
        """`textnorm.tokens(text)`, from the raw tokens `words` keeps."""
        if self._tokens is None:
            _ = self.words  # the raw tokens come with the words
            self._tokens = [fold_word(t) for t in self._raw]
        return self._tokens

    @property
    def dates(self) -> Counter:
        if self._dates is None:  # (no weekday or month word, no date: most paragraphs)
            self._dates = (dates(self.text) if not self.words.isdisjoint(_CALENDAR)
                           or "Ma" in self.text else Counter())
        return self._dates

    @property
    def caps(self) -> set[str]:
        if self._caps is None:
            self._caps = capitalised(self.text)
        return self._caps

    @property
    def initials(self) -> set[str]:
        # All-caps words at a sentence start are labels and datelines ("FILE PHOTO:"), not
        # taken as names there (mid-sentence, `names` takes acronyms).
        return {w for w in capitalised(self.text, title_only=True) - STOPWORDS - WIRE - OPENERS
                - framed(self.text) if len(w) > 1 and not calendar_word(w)}

    @property
    def names(self) -> set[str]:
        if self._names is None:
            # Speakers count even at the start of a sentence ("Toobin said the ...").
            self._names = names(self.text) | speakers(self.text)
        return self._names

    @property
    def figures(self) -> Counter:
        if self._figures is None:
            # How often each figure occurs: "45 miles ... 20 killed" does not cover "45 miles
            # ... 45 killed".
            # (A quick test first: no digit in the text and no number word, no figure.)
            # (fold_word keeps a figure as it is and spells out no other word as one)
            words = self.words
            self._figures = (Counter(t if t[0].isdigit() else NUMBER_WORDS[t] for t in self._raw
                                     if t[0].isdigit() or t in NUMBER_WORDS)
                             if _DIGIT.search(self.text) or not words.isdisjoint(_NUMBERS)
                             or not self.text.isascii() else Counter())
        return self._figures

    @property
    def content(self) -> list[str]:
        """Content words: not function words, not figures (checked apart), not single letters,
        not wire words (time adverbials, attribution frames) nor weekdays and months (checked
        apart: a date that contradicts the cover is a fact)."""
        if self._content is None:
            self._content = [t for t in self.words if len(t) > 1 and not t[0].isdigit()
                             and t not in STOPWORDS and t not in WIRE and not calendar_word(t)]
        return self._content

    def sentences(self, k: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Shingle sets of the sentences (CSR), or None for a one-sentence paragraph."""
        if self._sentences is None:
            parts = self.parts = sentences(self.text)
            self._sentences = shingle_sets(parts, k) if len(parts) > 1 else ()
        return self._sentences or None


_LEAD = re.compile(r"[^\w\"'\u201c\u2018(\[]*([A-Z][^\W\d_]+)")


def joined_tokens(paras: list[Para]) -> list[str]:
    """`textnorm.tokens(" ".join(texts))` from each paragraph's own tokens: no token spans the
    space between two texts, and no folding either, but "per" / "cent" across it."""
    if any(q.text.lower().endswith("per") for q in paras[:-1]):
        return tokens(" ".join(q.text for q in paras))
    return [t for q in paras for t in q.tokens]


def lead(text: str) -> str | None:
    """The folded first word of a text when it is capitalised and not a function word, opener or
    wire word: the subject a sentence opens with ("New Jersey has joined ..."). None for a text
    that opens with a quote (its first word is the speaker's, not the subject of the text)."""
    m = _LEAD.match(text)
    if not m:
        return None
    w = fold_word(m.group(1).lower())
    return None if w in STOPWORDS or w in OPENERS or w in WIRE or calendar_word(w) else w
