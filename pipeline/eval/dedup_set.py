"""Deterministic evaluation set for near-duplicate paragraphs, built from ../shared/corpora.

Originals are real allsides paragraphs (part-01, so the benchmark's part-00 stays unseen). Each
sampled original article gets one reprint document in another outlet, dated later, holding:
  * reprints of its paragraphs with the edits outlets make (spelling variant, quote/dash style,
    number formatting, a word dropped or added, attribution changed, a typo, last sentence
    trimmed, a paragraph split in two, two paragraphs joined), labelled with the original(s);
  * hard negatives that must stay: an updated figure, the paragraph plus a new sentence of other
    details, a new paragraph quoting a few words of the original;
  * real paragraphs of unrelated articles (must stay).
MSRP label-0 pairs (same story, different facts) add hard negatives: #1 in an early document,
#2 in a later one. The corpus data is read at run time and never written into the repository.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import random
import re
from dataclasses import dataclass, field

from ..neardup.textnorm import sentences
from . import dedup_wire as wire
from .common import corpora_dir



@dataclass
class EvalDoc:
    id: str
    source: str
    date: str
    paragraphs: list[str]
    # Per paragraph: None = must stay; a tuple of acceptable (doc_id, index) originals = reprint.
    truth: list[tuple[tuple[str, int], ...] | None] = field(default_factory=list)
    hard: list[str | None] = field(default_factory=list)  # kind of hard negative, or None
    kind: dict[int, str] = field(default_factory=dict)  # kind of reprint, by paragraph


def load_allsides(part: str = "01", limit: int | None = None) -> list[dict]:
    """The part's records, parsed once per process (build() is called with several sizes in
    one eval or test run, and reading the part is a third of its time). Callers must not
    change the records."""
    return list(_load_allsides(part, limit))


@functools.lru_cache(maxsize=2)
def _load_allsides(part: str, limit: int | None) -> tuple[dict, ...]:
    path = corpora_dir() / "allsides-news" / f"articles-part-{part}.jsonl.gz"
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            out.append(json.loads(line))
            if limit and len(out) >= limit:
                break
    return tuple(out)


def load_msrp(name: str) -> list[tuple[int, str, str]]:
    """(label, #1 string, #2 string); tab-separated, utf-8-sig, no csv quoting."""
    path = corpora_dir() / "msr-paraphrase" / f"msr_paraphrase_{name}.txt"
    rows = []
    with open(path, encoding="utf-8-sig") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 5:
                rows.append((int(cols[0]), cols[3], cols[4]))
    return rows


def paragraphs(article: dict, min_chars: int = 80) -> list[str]:
    ps = [p.strip() for p in article["content_original"].split("\n")]
    return [p for p in ps if len(p) >= min_chars]


# ------------------------------------------------------------------ edits outlets make

_SPELL = [("ize", "ise"), ("ization", "isation"), ("color", "colour"), ("favor", "favour"),
          ("labor", "labour"), ("center", "centre"), ("defense", "defence"),
          ("behavior", "behaviour"), ("analyze", "analyse"), ("honor", "honour")]


def _spelling(t: str, rng: random.Random) -> str | None:
    opts = [(a, b) for a, b in _SPELL if a in t] + [(b, a) for a, b in _SPELL if b in t]
    if not opts:
        return None
    a, b = rng.choice(opts)
    return t.replace(a, b, 1)


def _style(t: str, rng: random.Random) -> str | None:
    swaps = [("“", '"'), ("”", '"'), ("’", "'"), ("—", " -- "), ("–", "-")]
    if any(a in t for a, _ in swaps):
        for a, b in swaps:
            t = t.replace(a, b)
        return t
    if '"' in t:
        return re.sub(r'"([^"]*)"', r"“\1”", t)
    return None


def _numbers(t: str, rng: random.Random) -> str | None:
    for pat, rep in [(r"(\d),(\d{3})\b", r"\1\2"), (r"\b(\d{1,3})(\d{3})\b", r"\1,\2"),
                     (r"(\d) percent\b", r"\1%"), (r"(\d)%", r"\1 percent")]:
        if re.search(pat, t):
            return re.sub(pat, rep, t, count=1)
    return None


def _word(t: str, rng: random.Random) -> str | None:
    words = t.split(" ")
    if len(words) < 8:
        return None
    if rng.random() < 0.5:  # drop a function word
        idx = [i for i, w in enumerate(words) if w.lower() in ("the", "to", "that", "a", "also")]
        if idx:
            del words[rng.choice(idx)]
            return " ".join(words)
    i = rng.randrange(3, len(words))
    added = rng.choice(["on Friday", "also", "now", "on Tuesday", "reportedly"])
    if added.startswith("on ") and wire.WEEKDAY.search(t):  # another day is another date
        added = "also"
    words.insert(i, added)
    return " ".join(words)


def _attribution(t: str, rng: random.Random) -> str | None:
    m = re.search(r"\b(he|she|they) (said|says)\b", t)
    if m:
        who = rng.choice(["the official", "Trump", "the senator", "the spokesman"])
        verb = rng.choice(["stated", "added", "told reporters"])
        return t[:m.start()] + f"{who} {verb}" + t[m.end():]
    m = re.search(r"\bsaid\b", t)
    return t[:m.start()] + "stated" + t[m.end():] if m else None


def _typo(t: str, rng: random.Random) -> str | None:
    words = [(m.start(), m.group()) for m in re.finditer(r"[a-z]{6,}", t)]
    if not words:
        return None
    s, w = rng.choice(words)
    j = rng.randrange(1, len(w) - 2)
    w2 = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return t[:s] + w2 + t[s + len(w):]


def _trim(t: str, rng: random.Random) -> str | None:
    ss = sentences(t)
    return " ".join(ss[:-1]) if len(ss) >= 3 else None


def _halves(t: str, rng: random.Random) -> list[str] | None:
    """A paragraph split in two at a sentence boundary, both halves long enough to be content."""
    ss = sentences(t)
    cuts = [c for c in range(1, len(ss)) if len(" ".join(ss[:c])) >= 80
            and len(" ".join(ss[c:])) >= 80]
    if not cuts:
        return None
    c = random.Random(t).choice(cuts)  # the same cut on every call for this text
    return [" ".join(ss[:c]), " ".join(ss[c:])]


LIGHT = {"spelling": _spelling, "style": _style, "numbers": _numbers, "word": _word,
         "attribution": _attribution, "typo": _typo, "trim": _trim,
         "wire_time": wire.wire_time, "wire_attribution": wire.wire_attribution,
         "wire_dated": wire.wire_dated, "undotted": wire.undotted, "titled": wire.titled,
         "abbreviated": wire.abbreviated, "ranked": wire.ranked, "datelined": wire.datelined,
         "interjection": wire.interjection, "joined": wire.joined, "described": wire.described}


def _update_figure(t: str, rng: random.Random) -> str | None:
    nums = list(re.finditer(r"\b\d[\d,]*(\.\d+)?\b", t))
    nums = [m for m in nums if not re.fullmatch(r"(19|20)\d\d", m.group())]
    if not nums:
        return None
    m = rng.choice(nums)
    v = int(re.sub(r"\D", "", m.group()) or 0)
    return t[:m.start()] + f"{v + rng.randint(2, 40)}" + t[m.end():]


# ------------------------------------------------------------------ the set

def _disjoint(pool: list[tuple[int, str, str]], want: int) -> list[tuple[int, str, str]]:
    """The first `want` pairs of the pool, in order, neither of whose sentences has a word
    Jaccard >= 0.5 with a sentence of a pair taken before. Prefix filtering finds the taken
    sentences that can reach 0.5: with words in one fixed order (rarest first), two sets of
    Jaccard >= 0.5 share a word among the first len - ceil(len / 2) + 1 of each."""
    words = [[set(re.findall(r"\w+", x.lower())) for x in r[1:]] for r in pool]
    df: dict[str, int] = {}
    for ws in words:
        for w in ws:
            for word in w:
                df[word] = df.get(word, 0) + 1

    def prefix(w: set[str]) -> list[str]:
        return sorted(w, key=lambda x: (df[x], x))[:len(w) - math.ceil(len(w) / 2) + 1]

    taken: list[set[str]] = []
    holders: dict[str, list[int]] = {}  # word -> taken sentences with it in their prefix
    out = []
    for r, ws in zip(pool, words):
        near = {i for w in ws for word in prefix(w) for i in holders.get(word, ())}
        if any(not w for w in ws):  # no words: only another wordless sentence overlaps
            near |= {i for i, t in enumerate(taken) if not t}
        if all(len(w & taken[i]) < 0.5 * len(w | taken[i]) for w in ws for i in near):
            out.append(r)
            for w in ws:
                for word in prefix(w):
                    holders.setdefault(word, []).append(len(taken))
                taken.append(w)
        if len(out) >= want:
            break
    return out


def build(n_originals: int = 300, seed: int = 20260301) -> list[EvalDoc]:
    rng = random.Random(seed)
    arts = [a for a in load_allsides("01") if len(paragraphs(a)) >= 6]
    rng.shuffle(arts)
    originals, fillers = arts[:n_originals], arts[n_originals:n_originals + 2 * n_originals]
    outlets = sorted({a["source"] for a in arts})
    seen: set[str] = set()

    def unique(ps: list[str]) -> list[str]:
        out = []
        for p in ps:
            key = re.sub(r"\W+", " ", p.lower()).strip()
            if key not in seen:
                seen.add(key)
                out.append(p)
        return out

    filler_pool = [p for a in fillers for p in unique(paragraphs(a))]
    rng.shuffle(filler_pool)
    people = wire.speaker_names(filler_pool)
    docs: list[EvalDoc] = []
    for n, art in enumerate(originals):
        ps = unique(paragraphs(art))
        oid = f"orig-{n:04d}"
        docs.append(EvalDoc(oid, art["source"], "2020-01-01", ps, [None] * len(ps),
                            [None] * len(ps)))
        out, truth, hard, kinds = [], [], [], {}

        def add(text: str, t=None, h=None, k=None) -> None:
            if k is not None:
                kinds[len(out)] = k
            out.append(text)
            truth.append(t)
            hard.append(h)

        picks = rng.sample(range(len(ps)), min(len(ps), rng.randint(3, 6)))
        for i in sorted(picks):
            p, roll = ps[i], rng.random()
            if roll < 0.12 and i + 1 < len(ps):  # joined: either half's original is right
                add(ps[i] + " " + ps[i + 1], ((oid, i), (oid, i + 1)), k="join")
            elif roll < 0.22 and _halves(p, rng):  # split in two at a sentence boundary
                for half in _halves(p, rng):
                    add(half, ((oid, i),), k="split")
            elif roll < 0.30 and (pieces := wire.split_inside(p, rng)):  # inside a sentence
                for piece in pieces:
                    add(piece, ((oid, i),), k="split_inside")
            elif roll < 0.38 and (q := wire.reorder(p, rng)):  # two clauses swapped
                add(q, ((oid, i),), k="reorder")
            else:
                edits = rng.sample(sorted(LIGHT), 2)
                q = p
                for e in edits:
                    q = LIGHT[e](q, rng) or q
                add(q, ((oid, i),), k="+".join(sorted(edits)))
        # Hard negatives built from this article's other paragraphs.
        rest = [i for i in range(len(ps)) if i not in picks]
        rng.shuffle(rest)
        for i in rest[:3]:
            p = ps[i]
            # Issue 15's hard negatives where the paragraph allows them (it names a weekday, a
            # speaker, a person with a title), else one of the original three.
            for kind, edit in rng.sample([("weekday_changed", wire.weekday_changed),
                                          ("month_changed", wire.month_changed),
                                          ("abbreviation_changed", wire.abbreviation_changed),
                                          ("other_speaker", wire.other_speaker),
                                          ("other_person", wire.other_person),
                                          ("rank_changed", wire.rank_changed),
                                          ("name_extended", wire.name_extended),
                                          ("count_changed", wire.count_changed)], 8):
                q = (edit(p, rng, people) if kind in ("other_speaker", "other_person")
                     else edit(p, rng))
                if q is not None and rng.random() < 0.6:
                    break
            else:
                q = None
            if q is not None:
                add(q, None, kind)
                continue
            kind = rng.choice(["figure", "detail", "quote"])
            if kind == "figure":
                q = _update_figure(p, rng)
                if q is None:
                    continue
                add(_style(q, rng) or q, None, "updated_figure")
            elif kind == "detail":
                extra = max(sentences(filler_pool.pop()), key=len)  # a real sentence, not "Mr."
                add(p + " " + extra, None, "added_detail")
            else:
                words = p.split()
                j = rng.randrange(0, max(1, len(words) - 8))
                frag = " ".join(words[j:j + rng.randint(5, 9)]).strip("“”\"'.,")
                host = sentences(filler_pool.pop())
                add(f"{host[0]} As one report put it, “{frag}.” " + " ".join(host[1:]), None,
                    "embedded_quote")
        for _ in range(rng.randint(2, 5)):
            add(filler_pool.pop())
        if rng.random() < 0.1:  # a pull quote: one of its own paragraphs printed again
            k = rng.randrange(len(out))
            add(_style(out[k], rng) or out[k], ((f"repr-{n:04d}", k),) + (truth[k] or ()),
                k="pull_quote")
        # Two neighbouring content words replaced ("... that he won handily" for "... last
        # November's gubernatorial election"), from a stream of its own (and added last), so
        # the rest of the set is the one the figures before it were measured on.
        side = random.Random(f"{seed}-phrase-{n}")
        if len(rest) > 3 and (q := wire.phrase_replaced(ps[rest[3]], side, filler_pool)):
            add(q, None, "phrase_replaced")
        src = rng.choice([o for o in outlets if o != art["source"]])
        docs.append(EvalDoc(f"repr-{n:04d}", src, f"2020-01-{rng.randint(2, 28):02d}",
                            out, truth, hard, kinds))
    docs += list_articles(rng, filler_pool, max(2, n_originals // 20))
    # MSRP label-0 pairs: #1 early, #2 later, in groups of 10 sentences per document.
    # Pairs are taken only when neither side overlaps (word Jaccard >= 0.5) a sentence already
    # taken: MSRP reuses sentences across pairs, and such a cross-pair repeat is a real reprint.
    pool = [r for r in load_msrp("test") + load_msrp("train") if r[0] == 0]
    rng.shuffle(pool)
    neg = _disjoint(pool, 600)
    for g in range(0, len(neg), 10):
        chunk = neg[g:g + 10]
        docs.append(EvalDoc(f"msrp-a-{g:04d}", "msrp-early", "2019-06-01",
                            [r[1] for r in chunk], [None] * len(chunk), [None] * len(chunk)))
        docs.append(EvalDoc(f"msrp-b-{g:04d}", "msrp-late", "2019-06-02",
                            [r[2] for r in chunk], [None] * len(chunk),
                            ["msrp_label0"] * len(chunk)))
    return docs


_LABELS = ["TARGET", "WHAT HAPPENED", "VICTIMS", "Outcome", "SUSPECT", "Status"]


def list_articles(rng: random.Random, pool: list[str], count: int) -> list[EvalDoc]:
    """Templated list articles ("78 attacks"): entries of labelled fields and a description.
    A field value that recurs in a later entry of the same article is a hard negative (it
    belongs to its entry); short fields are never removed and are left out."""
    docs = []
    for n in range(count):
        label = rng.choice(_LABELS)
        values = [s for s in sentences(pool.pop()) if 40 <= len(s) <= 150]
        out, truth, hard = [], [], []
        for e in range(rng.randint(5, 9)):
            if not values and not out:
                break
            if values and (e == 0 or rng.random() < 0.6):
                value, again = values.pop(), False
            else:
                value, again = rng.choice(out[::2]).split(": ", 1)[1], True
            out += [f"{label}: {value}", pool.pop()]
            truth += [None, None]
            hard += ["list_field" if again else None, None]
        docs.append(EvalDoc(f"list-{n:04d}", "list-outlet", f"2020-02-{1 + n % 28:02d}",
                            out, truth, hard))
    return docs


def keeper_sorted(docs: list[EvalDoc]) -> list[EvalDoc]:
    return sorted(docs, key=lambda d: (d.date, d.source, d.id))
