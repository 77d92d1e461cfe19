"""Edits of issue 15 for the near-duplicate evaluation set (`dedup_set`): pure functions of a
paragraph and a seeded `random.Random`, each returning the edited text or None when it does not
apply.

Reprints (must go): a time adverbial or an attribution frame added, dropped or swapped (wire
edits); a paragraph split inside a sentence (two pieces); a sentence whose two clauses swapped.
Hard negatives (must stay): a weekday changed, a quote given another speaker or one where it had
none, a sentence about another person (the same words, another name).

Found by reading kept pairs on allsides part-00 (the recall probe): reprints that date the
statement ("said Wednesday", beside another weekday of the story), name the month of "last
month", drop the dots of an abbreviation ("U.S." / "US"), name the medium ("wrote on
Twitter") or title a speaker ("Senator Graham said"); hard negatives that change a month or
an abbreviation ("U.S." / "U.K.").
"""

from __future__ import annotations

import random
import re

from ..neardup.facts import WIRE, typo_of
from ..neardup.textnorm import STOPWORDS, sentences

_NOT_NAMES = {"House", "Department", "Office", "Officials", "Police", "Authorities", "Court",
              "Committee", "Agency", "Ministry", "Service", "Administration", "Campaign",
              "January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December", "Street", "Journal", "Times",
              "Post", "News", "Press", "Reuters", "Statement", "Spokesman", "Spokeswoman",
              "States"}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b")
_SAID = re.compile(r"\b(said|says)\b")
_TIME_ADDED = ["last week", "earlier this week", "on {day}", "late {day}", "this week",
               "on {day} morning", "last month"]
_TIME_DROPPED = re.compile(r",? \b(on|late|last|earlier this|this) (week|month|year|"
                           + "|".join(WEEKDAYS) + r")\b")
_SPEAKER = re.compile(r"\b([A-Z][a-z]{2,})( said| says| told)\b")
_ANY_VERB = re.compile(r"\b(said|says|states|stated|told|tells|added|adds|wrote|writes|"
                       r"asserted|noted|explained|continued)\b")
# A name before "said" that does not start a sentence ("Sen. Lindsey Graham said").
_NAMED = re.compile(r"(?<=[a-z,] )([A-Z][a-z]{2,}) (?:said|says|told)\b")
_HONORIFIC = re.compile(r"\b(Mr|Ms|Mrs|Dr|Sen|Rep|Gov)\. ([A-Z][a-z]{2,})\b")


def wire_time(t: str, rng: random.Random) -> str | None:
    """A time adverbial added after "said", or one the paragraph has dropped."""
    m = _TIME_DROPPED.search(t)
    if m and rng.random() < 0.4:
        return t[:m.start()] + t[m.end():]
    m = _SAID.search(t)
    if not m:
        return None
    phrase = rng.choice(_TIME_ADDED)
    if "{day}" in phrase:
        if WEEKDAY.search(t):  # a second weekday would be a different date
            return None
        phrase = phrase.format(day=rng.choice(WEEKDAYS))
    return t[:m.end()] + " " + phrase + t[m.end():]


def wire_attribution(t: str, rng: random.Random) -> str | None:
    """An attribution frame swapped or added: "said" -> "told reporters" / "said in a
    statement" / "wrote"; or ", according to officials" after a sentence without a quote."""
    m = _SAID.search(t)
    if m and rng.random() < 0.7:
        frame = rng.choice(["told reporters", "said in a statement", "wrote", "stated",
                            "said in an interview", "wrote on Twitter", "said on Facebook",
                            "tweeted"])
        return t[:m.start()] + frame + t[m.end():]
    ss = sentences(t)
    cands = [k for k, s in enumerate(ss) if s.endswith(".") and not re.search("[\"“”]", s)]
    if not cands:
        return None
    k = rng.choice(cands)
    ss[k] = ss[k][:-1] + rng.choice([", according to officials.", ", officials said.",
                                     ", according to a statement."])
    return " ".join(ss)


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
# A month after a preposition ("in May"; "Mrs May" is a name).
_MONTH = re.compile(r"\b(?:in|on|of|since|until|by|from|through|during|early|late|last|next) ("
                    + "|".join(MONTHS) + r")\b")
_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}")


def wire_dated(t: str, rng: random.Random) -> str | None:
    """The wire's date of a statement: "said" -> "said Wednesday", in a paragraph that already
    names another weekday (of the events it reports); or "last month" named ("in May")."""
    m = _SAID.search(t)
    w = WEEKDAY.search(t)
    if m and w:
        day = rng.choice([d for d in WEEKDAYS if d != w.group()])
        return t[:m.end()] + " " + day + t[m.end():]
    m = re.search(r"\blast month\b", t)
    if m and not _MONTH.search(t):
        return t[:m.start()] + "in " + rng.choice(MONTHS) + t[m.end():]
    return None


def undotted(t: str, rng: random.Random) -> str | None:
    """A dotted abbreviation written without its dots ("U.S." -> "US")."""
    m = _DOTTED.search(t)
    if not m:
        return None
    return t[:m.start()] + m.group().replace(".", "") + t[m.end():]


def titled(t: str, rng: random.Random) -> str | None:
    """A title put before a named speaker ("Graham said" -> "Senator Graham said")."""
    m = _NAMED.search(t)
    if not m:
        return None
    title = rng.choice(["President", "Senator", "Secretary", "Governor", "Speaker", "Sen."])
    return t[:m.start(1)] + title + " " + t[m.start(1):]


def month_changed(t: str, rng: random.Random) -> str | None:
    """Another month: a different date (a hard negative)."""
    m = _MONTH.search(t)
    if not m:
        return None
    return t[:m.start(1)] + rng.choice([x for x in MONTHS if x != m.group(1)]) + t[m.end(1):]


def abbreviation_changed(t: str, rng: random.Random) -> str | None:
    """Another dotted abbreviation: "U.S." -> "U.K." (another country, a hard negative)."""
    m = _DOTTED.search(t)
    if not m:
        return None
    pool = [x for x in ("U.S.", "U.K.", "U.N.", "E.U.") if x not in t]
    if not pool:
        return None
    other = rng.choice(pool)
    return t[:m.start()] + other + t[m.end():]


def split_inside(t: str, rng: random.Random) -> list[str] | None:
    """The paragraph cut at a comma inside one of its sentences: two paragraphs, each of at
    least 60 characters."""
    cuts = [m.end() for m in re.finditer(r", ", t)
            if 60 <= m.end() <= len(t) - 60 and t[m.end():m.end() + 1].islower()]
    if not cuts:
        return None
    c = rng.choice(cuts)
    return [t[:c - 2] + ",", t[c:]]


def reorder(t: str, rng: random.Random) -> str | None:
    """One sentence "A, B." rewritten "B, A." (its two clauses swapped)."""
    ss = sentences(t)
    opts = []
    for k, s in enumerate(ss):
        if not s.endswith(".") or s.count(", ") != 1 or re.search("[\"“”]", s):
            continue
        a, b = s[:-1].split(", ")
        if len(a) >= 25 and len(b) >= 25:
            opts.append((k, a, b))
    if not opts:
        return None
    k, a, b = rng.choice(opts)
    first = a.split(" ", 1)[0]
    if first.lower() in ("the", "a", "an", "when", "after", "before", "while", "as", "if",
                         "although", "since", "but", "and", "in", "on", "at", "for", "it"):
        a = a[0].lower() + a[1:]
    ss[k] = b[0].upper() + b[1:] + ", " + a + "."
    return " ".join(ss)


def weekday_changed(t: str, rng: random.Random) -> str | None:
    m = WEEKDAY.search(t)
    if not m:
        return None
    other = rng.choice([d for d in WEEKDAYS if d != m.group()])
    return t[:m.start()] + other + t[m.end():]


def other_speaker(t: str, rng: random.Random, names: list[str]) -> str | None:
    """The quote or statement given to someone the paragraph does not name: its named speaker
    replaced, or a speaker added to a quote that had none."""
    pool = [n for n in names if n not in t]
    if not pool:
        return None
    who = rng.choice(pool)
    m = _SPEAKER.search(t)
    if m and m.group(1) not in ("He", "She", "They", "It", "The", "This", "That"):
        return t[:m.start(1)] + who + t[m.end(1):]
    if re.search("[\"“”]", t) and not _ANY_VERB.search(t):
        return t.rstrip().rstrip(".") + f", {who} said."
    return None


def other_person(t: str, rng: random.Random, names: list[str]) -> str | None:
    """The same sentence about another person: "Mr. Hull" -> "Mr. Adams" (every mention)."""
    m = _HONORIFIC.search(t)
    pool = [n for n in names if n not in t]
    if not m or not pool:
        return None
    return re.sub(r"\b" + m.group(2) + r"\b", rng.choice(pool), t)


def speaker_names(paragraphs: list[str]) -> list[str]:
    """Surnames that stand before "said" in some paragraphs (a pool of real names)."""
    out = {m.group(1) for p in paragraphs for m in _NAMED.finditer(p)}
    return sorted(n for n in out if n not in WEEKDAYS and n not in _NOT_NAMES)


# Other forms of the same words (`neardup.forms`), found by reading kept pairs on part-00:
# abbreviations and their long forms, a rank put before a named speaker, a wire dateline, an
# interjection opening a quote, a hyphenated word joined.
_SHORT_LONG = [("Gen.", "General"), ("Lt.", "Lieutenant"), ("Brig.", "Brigadier"),
               ("Sen.", "Senator"), ("Rep.", "Representative"), ("Gov.", "Governor"),
               ("Prop", "Proposition"), ("Dept.", "Department"), ("Col.", "Colonel"),
               ("Sgt.", "Sergeant"), ("Capt.", "Captain"), ("Corp.", "Corporation"),
               ("Prof.", "Professor"), ("Atty.", "Attorney"), ("Adm.", "Admiral")]


def abbreviated(t: str, rng: random.Random) -> str | None:
    """A word abbreviated or written out ("Sen. Graham" / "Senator Graham", "Prop 8")."""
    opts = []
    for short, long_ in _SHORT_LONG:
        after = r"(?= \d)" if short == "Prop" else r"(?= [A-Z])"  # before a number or a name
        for a, b in ((short, long_), (long_, short)):
            m = re.search(r"\b" + re.escape(a) + after, t)
            if m:
                opts.append((m, b))
    if not opts:
        return None
    m, b = rng.choice(opts)
    return t[:m.start()] + b + t[m.end():]


_RANKS = ["Army Lt. Gen.", "Navy Adm.", "Air Force Gen.", "Maj. Gen.", "Brig. Gen.",
          "Deputy Secretary", "Marine Corps Gen.", "Col."]


def ranked(t: str, rng: random.Random) -> str | None:
    """A rank and service put before a named speaker ("said Army Lt. Gen. H.R. McMaster" for
    "McMaster said"), with initials half the time."""
    m = _NAMED.search(t)
    if not m or re.search(r"[A-Z][\w.]* $", t[:m.start(1)]):  # not inside "Gov. Andrew Cuomo"
        return None
    rank = rng.choice(_RANKS)
    if rng.random() < 0.5:
        rank += " " + rng.choice("ABCDEHJKMR") + "." + rng.choice("ABCDEHJKMR") + "."
    return t[:m.start(1)] + rank + " " + t[m.start(1):]


def datelined(t: str, rng: random.Random) -> str | None:
    """A wire dateline before the paragraph ("WASHINGTON (Reuters) - ")."""
    if not t[:1].isupper() or t[:2].isupper():
        return None
    city = rng.choice(["WASHINGTON", "NEW YORK", "LONDON", "BEIRUT", "MOSCOW", "LOS ANGELES"])
    agency = rng.choice(["Reuters", "AP", "AFP"])
    return f"{city} ({agency}) {rng.choice(['-', '--', chr(0x2014)])} {t}"


def interjection(t: str, rng: random.Random) -> str | None:
    """An interjection opening a quote ("Well, our response ...")."""
    m = re.match(r"([\"\u201c])([A-Z][a-z]*)\b", t)
    if not m:
        return None
    first = m.group(2) if m.group(2) == "I" else m.group(2).lower()
    word = rng.choice(["Well", "Look", "Yes", "Oh"])
    return f"{m.group(1)}{word}, {first}{t[m.end():]}"


def joined(t: str, rng: random.Random) -> str | None:
    """A hyphenated word written as one ("one-time" / "onetime")."""
    ms = list(re.finditer(r"\b([a-z]{3,})-([a-z]{3,})\b", t))
    if not ms:
        return None
    m = rng.choice(ms)
    return t[:m.start()] + m.group(1) + m.group(2) + t[m.end():]


_OFFICES = ["Sen.", "Rep.", "Gov.", "Gen.", "Lt. Gen.", "Maj. Gen.", "Adm.", "Col.",
            "Secretary", "Senator", "Governor", "General"]
_OFFICE = re.compile(r"\b(?:Lt\. Gen\.|Maj\. Gen\.|Sen\.|Rep\.|Gov\.|Gen\.|Adm\.|Col\.|"
                     r"Secretary|Senator|Governor|General)(?= [A-Z])")


def rank_changed(t: str, rng: random.Random) -> str | None:
    """Another office or rank before a name ("Sen. Graham" -> "Gov. Graham"): another fact (a
    hard negative)."""
    m = _OFFICE.search(t)
    if not m:
        return None
    other = rng.choice([o for o in _OFFICES if o != m.group()
                        and o.rstrip(".")[:3] != m.group().rstrip(".")[:3]])
    return t[:m.start()] + other + t[m.end():]


def name_extended(t: str, rng: random.Random) -> str | None:
    """A named speaker replaced by a longer name that starts with theirs ("Mann" -> "Manning"):
    another person, not an abbreviation (a hard negative)."""
    m = _NAMED.search(t)
    if not m:
        return None
    name = m.group(1) + rng.choice(["son", "ley", "ton", "ing"])
    return re.sub(r"\b" + m.group(1) + r"\b", name, t)


def described(t: str, rng: random.Random) -> str | None:
    """A named speaker given as a description ("Holder said" -> "the attorney general said"),
    as a pronoun would be."""
    m = _NAMED.search(t)
    if not m or re.search(r"[A-Z][\w.]* $", t[:m.start(1)]):
        return None
    who = rng.choice(["the attorney general", "the senator", "the president", "the official",
                      "the spokesman", "the governor"])
    return t[:m.start(1)] + who + t[m.end(1):]


_COUNT = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten) of the\b", re.IGNORECASE)


def count_changed(t: str, rng: random.Random) -> str | None:
    """"two of the" -> "one of the": another count (a hard negative; "one of" is otherwise read
    as a pronoun)."""
    m = _COUNT.search(t)
    if not m:
        return None
    return t[:m.start(1)] + ("One" if m.group(1)[0].isupper() else "one") + t[m.end(1):]


_PLAIN = re.compile(r"[a-z]{4,}")


def _content_pairs(words: list[str]) -> list[int]:
    """Positions j where words j and j+1 are plain lower-case content words (not function or
    wire words: "every year", "told reporters" are a wire edit's)."""
    ok = [bool(_PLAIN.fullmatch(w)) and w not in STOPWORDS and w not in WIRE for w in words]
    return [j for j in range(len(words) - 1) if ok[j] and ok[j + 1]]


def phrase_replaced(t: str, rng: random.Random, donors: list[str]) -> str | None:
    """Two neighbouring content words of a long paragraph (20+ content words, where two new
    words are within the new-words allowance) replaced by two others, taken together from
    another paragraph ("... in last November's gubernatorial election" -> "... in the election
    that he won handily"): a phrase with other content (a hard negative)."""
    words = t.split(" ")
    if sum(w.lower().strip(".,;:\"'()") not in STOPWORDS for w in words) < 20:
        return None
    spots = _content_pairs(words)
    if not spots:
        return None
    mine = {w.lower().strip(".,;:\"'()") for w in words}
    for _ in range(20):
        d = rng.choice(donors).split(" ")
        # (and no typo of a word of the paragraph: "state" for "states" is no new word)
        pairs = [k for k in _content_pairs(d) if not any(
            w in mine or typo_of(w, mine) for w in d[k:k + 2])]
        if pairs:
            j, k = rng.choice(spots), rng.choice(pairs)
            return " ".join(words[:j] + d[k:k + 2] + words[j + 2:])
    return None
