"""Other forms of the same words: what a reprint may write differently without adding a fact
(pure text functions; issue 15, found by reading kept pairs on allsides part-00).

* Abbreviations. "Prop 8" / "Proposition 8", "Brig. Gen." / "Brigadier General": a short form
  printed with its dot before a capital or a figure ("Gen. Amir", "Sept. 11"), or without a dot
  right before a figure ("Prop 8"), is the long word of the other text that starts with it
  (3+ letters) or that it contracts with the same first and last letters ("Lt." /
  "Lieutenant", "Dept." / "Department"). A capitalised word that is merely a longer or shorter
  name ("Mann" / "Manning") is neither, so it stays a name.
* Titles before a name. "said Army Lt. Gen. H.R. McMaster" for "Mr. McMaster said": ranks,
  offices and services standing before a name the cover holds (with the name's initials) are a
  description of that person, not a new name, as long as they do not change the cover's own
  title ("Maj. Gen. Smith" against "Lt. Gen. Smith" stays).
* Datelines. "WASHINGTON (Reuters) -" before the story's first sentence is the wire's frame, as
  "according to" is, unless the cover prints a dateline of its own (then another dateline is
  another place).
* Compounds. "onetime" / "one-time", "health care" / "healthcare": the parts are the joined word.
* Descriptions for a speaker. "The attorney general said" where the cover says "Holder said":
  like "he said", the description stands for the speaker the cover names (only this way round:
  a reprint that names the speaker where the cover says "the mayor says" stays).
"""

from __future__ import annotations

import re

from .textnorm import WORD, fold_word, tokens


# A short form: a capitalised word of up to 5 letters with its dot before a capital or a figure,
# or without a dot right before a figure.
_SHORT = re.compile(r"\b([A-Z][a-z]{0,4})\.(?= [A-Z0-9])|\b([A-Z][a-z]{1,4}) (?=\d)")


def short_forms(text: str) -> set[str]:
    """Folded words of `text` printed as abbreviations ("Brig.", "Gen.", "Prop 8")."""
    return {(a or b).lower() for a, b in _SHORT.findall(text)}


def expands(short: str, long_: str) -> bool:
    """True when `long_` is the word `short` abbreviates: it starts with it (3+ letters), or
    has its letters in order with the same first and last letter ("sgt" / "sergeant"; two
    letters only for a title, "lt" / "lieutenant": "Mr." is not "Miler")."""
    if len(long_) <= len(short) or len(short) < 2 or short[0] != long_[0]:
        return False
    if len(short) >= 3 and long_.startswith(short):
        return True
    if short[-1] != long_[-1] or len(short) == 2 and long_ not in TITLES:
        return False
    it = iter(long_)
    return all(ch in it for ch in short)


# Ranks, offices and services that stand before a name ("Army Lt. Gen.", "Deputy Secretary").
TITLES = frozenset("""
general gen lieutenant lt brigadier brig colonel col major maj sergeant sgt captain capt admiral
adm commander cmdr corporal cpl private pvt marshal ensign chief officer
president pres vice senator sen representative rep congressman congresswoman governor gov
secretary sec attorney atty minister ambassador judge justice mayor chairman chairwoman
director deputy assistant acting former spokesman spokeswoman superintendent supt inspector
army navy marine marines air force coast guard national
""".split())
# At least one of these makes a run of TITLES a title (not "National Guard" alone).
_RANKS = TITLES - frozenset("army navy marine marines air force coast guard national former "
                            "acting deputy assistant vice".split())
# A run of capitalised TITLES words (an abbreviation may keep its dot), then the initials of a
# name ("H.R."), before a capitalised name.
_RUN = re.compile(r"\b((?:(?:" + "|".join(sorted((t.capitalize() for t in TITLES), key=len,
                                                  reverse=True))
                  + r")\.? +)+)((?:[A-Z]\.){1,3} ?)?(?=[A-Z][a-z])")


def titles(text: str) -> tuple[set[str], set[str]]:
    """(folded words of the title runs of `text` that stand before a name, with that name's
    initials ("H.R." -> "hr"); the runs' rank and office words). A run is one or more TITLES
    words, each capitalised (a dot after an abbreviation allowed), at least one a rank or
    office, followed by a capitalised name."""
    words: set[str] = set()
    ranks: set[str] = set()
    for run, init in _RUN.findall(text):
        run_words = [w.lower() for w in WORD.findall(run)]
        if any(w in _RANKS for w in run_words):
            words.update(run_words)
            ranks.update(w for w in run_words if w in _RANKS)
            if init:
                words.add(init.replace(".", "").strip().lower())
    return words, ranks


_TITLE_WORD = re.compile(r"\b(?:" + "|".join(sorted((t.capitalize() for t in _RANKS), key=len,
                                                    reverse=True)) + r")\b")


def _same_rank(r: str, q: str) -> bool:
    return r == q or expands(r, q) or expands(q, r)


def rank_contradicts(text: str, cover_texts: list[str]) -> bool:
    """True when the paragraph gives a rank or office the cover does not, where the cover gives
    its own ("Gov. Greg Abbott" against "Sen. Greg Abbott", "Attorney Senator" against
    "Attorney General"): another fact, like another weekday."""
    if not _TITLE_WORD.search(text):
        return False
    cover = " ".join(cover_texts)
    if not _TITLE_WORD.search(cover):
        return False
    ranks, cranks = titles(text)[1], titles(cover)[1]
    return bool(cranks) and any(not any(_same_rank(r, q) for q in cranks) for r in ranks)


# A wire dateline opening the paragraph: "WASHINGTON (Reuters) -", "NEW YORK, May 3 (AP) --",
# "BEIRUT (AFP) \u2014".
_DATELINE = re.compile(r"\s*((?:[A-Z][A-Z.'-]+ ?){1,4}(?:, [A-Z][A-Za-z.]+(?: \d{1,2})?)?"
                       r" ?\([A-Za-z .&-]{2,30}\) ?(?:-{1,2}|\u2013|\u2014) ?)")


def dateline(text: str) -> str | None:
    """The dateline that opens `text`, or None."""
    m = _DATELINE.match(text)
    return m.group(1) if m else None


def dateline_words(text: str) -> set[str]:
    d = dateline(text)
    return {fold_word(w.lower()) for w in WORD.findall(d)} if d else set()


# A description standing for a speaker, as a pronoun does ("the attorney general said", "the
# president tweeted"): the cover may name the person instead ("Holder said"). (Not the other
# way round: a description elsewhere in a cover, "the mayor says", need not be this speaker.)
_PEOPLE = "|".join(sorted(TITLES | {"official", "aide", "spokesperson"}, key=len, reverse=True))
_DESCRIBED = r"the (?:(?:" + _PEOPLE + r") ){0,3}(?:" + _PEOPLE + r")"
DESCRIBED = re.compile(r"\b(" + _DESCRIBED + r")\s+(?:said|says|stated|added|wrote|told|noted|"
                       r"tweeted|continued|concluded)\b", re.IGNORECASE)


# A transcript's speaker label that is a description ("THE PRESIDENT: What I find ...").
_LABEL = re.compile(r"\s*((?:THE )?[A-Z]+(?: [A-Z]+){0,2}):")


def described(text: str) -> set[str]:
    """The words of the descriptions that stand for a speaker ("the attorney general said",
    a transcript's "THE PRESIDENT:")."""
    out = {fold_word(w.lower()) for d in DESCRIBED.findall(text) for w in WORD.findall(d)}
    m = _LABEL.match(text)
    if m:
        label = m.group(1).lower().split()
        if all(w in TITLES for w in label if w != "the"):
            out.update(label)
    return out


_COMPOUND = re.compile(r"\b([^\W\d_]+)-([^\W\d_]+)\b")


def compounds(text: str) -> dict[str, tuple[str, ...]]:
    """Joined form of each hyphenated word of `text` -> its folded parts ("one-time" ->
    "onetime": ("1", "time"), "five" being the figure 5 as in `tokens`)."""
    if "-" not in text:
        return {}
    out = {}
    for a, b in _COMPOUND.findall(text):
        out[fold_word((a + b).lower())] = (fold_word(a.lower()), fold_word(b.lower()))
    return out


_DIGIT_ONE = re.compile(r"(?<![\d.,])1(?!\d|[.,]\d)")  # the figure 1 itself
_ONE = re.compile(r"\b(?:one of|no one|the one|one another|each one|this one|that one)\b|"
                  r"\bone(?= of\b)", re.IGNORECASE)
_ANY_ONE = re.compile(r"\bone\b", re.IGNORECASE)
_FIGURE_WORDS = frozenset(str(i) for i in range(21))  # the spelled numbers' figures


def free_words(text: str, words: set[str], caps: set[str], cover_texts: list[str],
               cover_words: set[str], cover_caps: set[str], named: bool = False,
               text_tokens: list[str] | None = None,
               cover_tokens: list[str] | None = None) -> set[str]:
    """Folded words of a paragraph (`words`, its capitalised ones `caps`) that are other forms
    of its cover's words, or a frame the cover may lack (see the module doc): not new names,
    content words or figures. named: the cover names its speaker (or calls them "he") and
    the paragraph does not, so a description that stands for the speaker ("the attorney
    general said") is free. text_tokens, cover_tokens: `tokens` of the text and of the joined
    cover texts, when the caller has them."""
    free: set[str] = set()
    if named:
        free |= described(text) - {"the"}
    cover = " ".join(cover_texts)
    # Abbreviations either way round (capitalised words only: "Gen." is a title, "gen" is not).
    mine = short_forms(text)
    theirs = short_forms(cover)
    for w in caps - cover_words:
        if (w in mine and any(expands(w, c) for c in cover_caps)
                or any(expands(s, w) for s in theirs)):
            free.add(w)
    # A word the cover hyphenates or writes as two ("onetime" / "one-time", "healthcare" /
    # "health care"), and two words the cover writes as one.
    free |= (words - cover_words) & set(compounds(cover))
    if words - cover_words:
        ct = tokens(cover) if cover_tokens is None else cover_tokens
        free |= (words - cover_words) & {a + b for a, b in zip(ct, ct[1:])}
        pt = tokens(text) if text_tokens is None else text_tokens
        free.update(x for a, b in zip(pt, pt[1:]) if a + b in cover_words for x in (a, b))
    # Titles before a name the cover holds: free unless the cover's own ranks are not all in
    # the paragraph's (in either form).
    described_by, ranks = titles(text)
    if described_by:
        _, cranks = titles(cover)
        if all(any(_same_rank(r, q) for q in ranks) for r in cranks):
            free |= described_by
    # "one" as a pronoun ("one of the tweets", "no one") is no count where the cover has no
    # small count ("two of the victims" against "one of the victims" stays).
    if "1" in words and not _DIGIT_ONE.search(text) \
            and len(_ONE.findall(text)) == len(_ANY_ONE.findall(text)) \
            and not cover_words & _FIGURE_WORDS:
        free.add("1")
    # A dateline, when the cover prints none.
    if not any(dateline(c) for c in cover_texts):
        free |= dateline_words(text)
    # The parts of a compound the cover writes as one word.
    for joined, parts in compounds(text).items():
        if joined in cover_words:
            free.update(parts)
    return free

