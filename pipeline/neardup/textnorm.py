"""Text normalisation for matching reprints (never applied to the texts that are written out).

Two levels, because they serve two different costs:

* `fold_bytes` is the bulk pass over every paragraph of a run: a byte lookup table in numpy
  (lower-case ASCII, punctuation and typographic quotes/dashes to one space, thousands separators
  dropped). It feeds the fingerprints that find candidates, so it only has to be good enough that
  a light edit changes few shingles.
* `tokens` is the exact pass over the few paragraphs that have candidates: words and
  figures, with spelling variants (emphasise/emphasize, colour/color, centre/center), number
  formatting (1,000/1000, 5 percent/5 per cent/5%) and small number words (five/5) folded, so the
  verification and the number check see "the same fact written differently" as equal.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

# ---------------------------------------------------------------- bulk byte folding (numpy)

SPACE = 0x20


def _byte_table() -> np.ndarray:
    lut = np.full(256, SPACE, dtype=np.uint8)
    for c in range(ord("0"), ord("9") + 1):
        lut[c] = c
    for c in range(ord("a"), ord("z") + 1):
        lut[c] = c
        lut[c - 32] = c  # upper case -> lower case
    lut[ord("%")] = ord("%")
    lut[0x80:] = np.arange(0x80, 0x100)  # UTF-8 letters (é, ü, ...) stay part of their word
    lut[0] = 0  # the paragraph separator
    return lut


_LUT = _byte_table()


_TABLE = _LUT.tobytes()


_SMALL = 1 << 11  # below this many bytes, fold with bytes/regex calls (few numpy calls)
_DIGIT_COMMA = re.compile(rb"(?<=[0-9]),(?=[0-9])")
_WIDE_PUNCT = re.compile(rb"\xe2[\x80\x81][\x00-\xff]|\xc2[\xa0\xab\xbb]")
_SPACES = re.compile(rb"  +")


def _wide_to_spaces(m: re.Match) -> bytes:
    return b" " * (m.end() - m.start())


def _fold_small(raw: bytes) -> np.ndarray:
    return np.frombuffer(fold_small_bytes(raw), dtype=np.uint8)


def fold_small_bytes(raw: bytes) -> bytes:
    """`fold_bytes` for a short buffer: the same steps as bytes and regex operations, whose
    per-call cost is far below numpy's on a few hundred bytes. In valid UTF-8 the patched
    sequences cannot overlap, and a thousands comma is flanked by digits, never by a space, so
    dropping it before the collapse gives the same bytes."""
    if len(raw) >= 3 and not raw.isascii():  # as fold_bytes: no patch below 3 bytes
        raw = _WIDE_PUNCT.sub(_wide_to_spaces, raw)
    if b"," in raw:
        raw = _DIGIT_COMMA.sub(b"", raw)
    # Runs of spaces to one, then no space at the start or after a separator.
    out = _SPACES.sub(b" ", raw.translate(_TABLE)).replace(b"\x00 ", b"\x00")
    return out[1:] if out[:1] == b" " else out


def fold_bytes(raw: bytes) -> np.ndarray:
    """Fold UTF-8 text bytes for fingerprinting; returns a uint8 array, possibly shorter.

    Runs of spaces are collapsed to one and spaces after a 0x00 byte (the paragraph separator,
    which folds to itself) are dropped, so nothing here crosses a paragraph boundary and
    whitespace or punctuation style does not shift the shingles. The bulk is one
    `bytes.translate`; the rare cases (non-ASCII punctuation, digit commas) are found first and
    patched on their few positions only.
    """
    if len(raw) < _SMALL:
        return _fold_small(raw)
    buf = np.frombuffer(raw, dtype=np.uint8)
    out = np.frombuffer(raw.translate(_TABLE), dtype=np.uint8).copy()
    n = len(buf)
    keep = None
    if n >= 3:
        # U+2000..U+206F (curly quotes, dashes, ellipsis, thin spaces) is E2 80 xx / E2 81 xx in
        # UTF-8; U+00A0 (no-break space) and the guillemets are C2 A0 / C2 AB / C2 BB.
        e2 = np.flatnonzero(buf[:-2] == 0xE2)
        e2 = e2[(buf[e2 + 1] == 0x80) | (buf[e2 + 1] == 0x81)]
        for d in range(3):
            out[e2 + d] = SPACE
        c2 = np.flatnonzero(buf[:-1] == 0xC2)
        nb = buf[c2 + 1]  # (not np.isin: on integers it imports numpy.ma, 0.06 s a process)
        c2 = c2[(nb == 0xA0) | (nb == 0xAB) | (nb == 0xBB)]
        out[c2] = SPACE
        out[c2 + 1] = SPACE
        # "1,000" -> "1000": a comma between two digits is a thousands separator.
        cm = np.flatnonzero(buf[1:-1] == ord(",")) + 1
        dl, dr = buf[cm - 1], buf[cm + 1]
        cm = cm[(dl >= 0x30) & (dl <= 0x39) & (dr >= 0x30) & (dr <= 0x39)]
        if len(cm):
            keep = np.ones(n, dtype=bool)
            keep[cm] = False
    # Collapse: drop a space after a space, a separator or the start of the buffer. A single
    # trailing space (from final punctuation) stays: it costs one window, not a second pass.
    drop = out == SPACE
    drop[1:] &= out[:-1] <= SPACE  # previous byte is a space or the separator (0)
    return out[~drop if keep is None else keep & ~drop]


# ---------------------------------------------------------------- exact-pass normalisation

_NUM_SEP = re.compile(r"(\d),(?=\d{3}(?!\d))")  # 1,000,000 -> 1000000 (not "3,4" lists)
_PER_CENT = re.compile(r"\bper ?cent\b|\bpct\b")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|%|[^\W\d_]+")
WORD = re.compile(r"[^\W\d_]+")  # a run of letters: the words of names and descriptions

# Spelling: British and American forms folded to one spelling. Rules act on word endings and
# are applied to both sides of every comparison, so a rule that also rewrites an unrelated word
# ("rise" -> "rize") is harmless: it only matters that two *different* words are rarely merged.
_SUFFIX_RULES = [
    (re.compile(r"^(\w{2,})is(e|es|ed|ing|ation|ations|er|ers)$"), r"\1iz\2"),  # emphasise
    (re.compile(r"^(\w{2,})ys(e|es|ed|ing)$"), r"\1yz\2"),  # analyse, paralyse
    (re.compile(r"^(\w{3,})our(s|ed|ing|ite|ites|able|ably|ful|er|ers)?$"), r"\1or\2"),  # colour
    (re.compile(r"^(\w{2,})tre(s|d)?$"), r"\1ter\2"),  # centre, theatre, metre
    (re.compile(r"^(\w{2,})ogue(s)?$"), r"\1og\2"),  # catalogue, dialogue
    (re.compile(r"^(travel|cancel|label|model|fuel|counsel|signal|total|level|channel|tunnel"
                r"|marshal|dial|equal|rival|quarrel|jewel|pedal)l(ed|ing|er|ers)$"), r"\1\2"),
]
_WORD_MAP = {
    "defence": "defense", "offence": "offense", "licence": "license", "pretence": "pretense",
    "grey": "gray", "programme": "program", "programmes": "programs", "cheque": "check",
    "tyre": "tire", "tyres": "tires", "aluminium": "aluminum", "whilst": "while",
    "amongst": "among", "judgement": "judgment", "ageing": "aging", "sceptic": "skeptic",
    "sceptical": "skeptical", "manoeuvre": "maneuver", "plough": "plow", "jewellery": "jewelry",
    "enrolment": "enrollment", "fulfil": "fulfill", "practise": "practice", "storey": "story",
    "towards": "toward", "afterwards": "afterward", "learnt": "learned", "spelt": "spelled",
    "percent": "%", "pct": "%",
}
# Small number words are figures too ("five were killed" reports the same fact as "5 were").
NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
NUMBER_WORDS.update({w: str(10 * i) for i, w in enumerate(
    "thirty forty fifty sixty seventy eighty ninety".split(), start=3)})


@lru_cache(maxsize=1 << 16)
def fold_word(word: str) -> str:
    """One lower-case word to its canonical spelling (pure; cached, words repeat a lot)."""
    w = _WORD_MAP.get(word) or NUMBER_WORDS.get(word)
    if w is not None:
        return w
    for pattern, repl in _SUFFIX_RULES:
        if pattern.match(word):
            return pattern.sub(repl, word)
    return word


def raw_tokens(text: str) -> list[str]:
    """The words and figures of `text`, lower-cased, thousands separators and "per cent" folded."""
    s = text.lower()
    if "," in s:
        s = _NUM_SEP.sub(r"\1", s)
    if "per" in s or "pct" in s:
        s = _PER_CENT.sub(" % ", s)
    return _TOKEN.findall(s)


def side_by_side(text: str, words: set[str]) -> bool:
    """True when two words of `text` in `words` (folded) stand next to each other, with only
    spaces between them: a phrase, not two words across a quote or a clause ("... our
    community," Bottoms said)."""
    last, end = None, -1
    for m in WORD.finditer(text):
        w = fold_word(m.group().lower())
        if w in words and last is not None and text[end:m.start()].isspace():
            return True
        last, end = (w if w in words else None), m.end()
    return False


def tokens(text: str) -> list[str]:
    """Words and figures of `text`, folded: the units the exact verification compares."""
    return [fold_word(t) for t in raw_tokens(text)]


def token_set(text: str) -> set[str]:
    """set(tokens(text)), folding each distinct word once."""
    return {fold_word(t) for t in set(raw_tokens(text))}


# Function words: a reprint may add or drop these freely ("requested to President Putin").
# Everything else is a content word, and new content words mean new content.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who
whom why will with would you your yours yourself s t d ll m re ve said says say told stated
added according mr mrs ms dr also however meanwhile still even yet
""".split())


# Sentence boundaries: [.!?] (and a closing quote) then space then an opening quote, capital or
# digit, unless the word before the stop is a common abbreviation or an initial ("Mr. Putin",
# "Oct. 17", "U.S. forces").
_STOP = re.compile(r"[.!?][\"\u201d\u2019']?\s+(?=[\"\u201c\u2018'A-Z0-9])")
_ABBREV = frozenset("""mr mrs ms dr st sen rep gov gen lt col sgt capt adm jr sr inc co corp ltd no
vs jan feb mar apr aug sep sept oct nov dec u.s u.k u.n d.c a.m p.m e.g i.e""".split())


def sentences(text: str) -> list[str]:
    """Split a paragraph into sentences (pure; good enough for news prose)."""
    out, start = [], 0
    for m in _STOP.finditer(text):
        word = text[:m.start()].rsplit(None, 1)[-1].lstrip("\"(\u201c").lower() if m.start() else ""
        if word in _ABBREV or (len(word) == 1 and word.isalpha()):
            continue
        out.append(text[start:m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out
