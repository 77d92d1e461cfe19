"""Exact verification of near-duplicate candidates (runs only for paragraphs with candidates).

A paragraph p is covered by kept paragraphs C when
  containment = |S(p) & (S(c1) | ... | S(ck))| / |S(p)| >= cfg.containment,
with S the set of byte n-grams of the folded text (`textnorm.fold_bytes`: case, punctuation,
quote and dash style, thousands separators), k <= max_sources and each source adding >=
min_part of S(p) (a joined paragraph needs both halves, a join of a kept paragraph and three
stray words does not); and the facts agree (words in other forms aside: `forms`):
  * no sentence of C is used only in part (cfg.sentence_partial): outlets keep, trim, split or
    join whole sentences; a clause dropped from the middle of one is a paraphrase;
  * every figure of p (numbers after folding 1,000/1000, five/5, 5 percent/5%) is in C;
  * at most max_new_words + n_content // new_words_per content words of p are absent from C.
Containment, not Jaccard: a trimmed copy or a split half is fully contained in its original even
though its Jaccard is 0.3-0.6. The fact checks are what keep "30 were killed" / "45 were killed"
and a paraphrase that adds a detail, whose shingle overlap alone is high.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .facts import (WIRE, Para, acronyms, attributed_dates, calendar_word, contradicts, exceeds,
                    has_wire_word, joined_tokens, lead, pronoun_speaker, speakers, typo_of)
from .shingles import found as _found, intersect, longest as _longest, prefix as _prefix
from .shingles import shingle_seq, shingle_sets, sorted_unique
from .forms import free_words, rank_contradicts
from .textnorm import STOPWORDS, fold_small_bytes, sentences, side_by_side, token_set

if TYPE_CHECKING:
    from .config import NearDupConfig


_FULL_STOP = re.compile(r"[.!?][\"'\u201d\u2019]*$")
_OPEN = "\"'\u201c\u2018( "


@lru_cache(maxsize=1 << 16)
def _word_kind(w: bytes) -> int:
    """0 a function word (or none), 1 a content word, 2 a wire or calendar word (folded)."""
    t = w.decode("utf-8", "replace")
    return 2 if t in WIRE or calendar_word(t) else 0 if not t or t in STOPWORDS else 1


def _merged(parts: list):
    """A cover's sets (their union) or counts (their sum), read only: one is not copied."""
    if len(parts) == 1:
        return parts[0]
    return sum(parts, Counter()) if isinstance(parts[0], Counter) else set().union(*parts)


class Verifier:
    """Covers p with kept candidates. The shingle sets of the paragraphs that will be compared
    are built in one vectorised batch (`prepare`); words and sentences only for the few that
    reach the fact checks."""

    def __init__(self, texts: Sequence[str], cfg: NearDupConfig, workers: int = 1) -> None:
        self.texts = texts
        self.cfg = cfg
        self.workers = workers
        self._local: dict[int, int] = {}
        self._offsets = np.zeros(1, np.int64)
        self._values = np.empty(0, np.uint64)
        self._extra: dict[int, np.ndarray] = {}
        self._paras: dict[int, Para] = {}
        self._alias: Sequence[int] = ()

    def prepare(self, indices: np.ndarray) -> None:
        idx = sorted_unique(indices).tolist()
        self._local = {i: j for j, i in enumerate(idx)}
        texts = [self.texts[i] for i in idx]
        self._offsets, self._values = shingle_sets(texts, self.cfg.verify_chars, self.workers)

    def shingles(self, i: int) -> np.ndarray:
        j = self._local.get(i)
        if j is not None:
            return self._values[self._offsets[j]:self._offsets[j + 1]]
        s = self._extra.get(i)
        if s is None:
            s = self._extra[i] = shingle_sets([self.texts[i]], self.cfg.verify_chars)[1]
        return s

    def para(self, i: int) -> Para:
        p = self._paras.get(i)
        if p is None:
            p = self._paras[i] = Para(self.texts[i])
        return p

    def covered_by(self, i: int, cands: list[int], alias: Sequence[int] = ()) -> \
            tuple[list[int], float] | None:
        """(the covering paragraphs, main one first; the containment of p's shingles in their
        union) or None when p stays.
        alias[c], when given, is a paragraph with the same folded text as c (same shingles)."""
        cfg = self.cfg
        self._alias = alias
        ps = self.shingles(alias[i] if len(alias) else i)
        total = len(ps)
        if total == 0:
            return None
        # ps & S(c) for every candidate with one binary search: S(c) are concatenated, and the
        # part of each found in ps is, like ps, sorted and unique.
        sets = [self.shingles(alias[c] if len(alias) else c) for c in cands]
        if len(sets) == 1:
            inter = {cands[0]: sets[0][_found(sets[0], ps)]}
        else:
            cat = np.concatenate(sets)
            hit = _found(cat, ps)
            inter, at = {}, 0
            for c, cs in zip(cands, sets):
                inter[c] = cat[at:at + len(cs)][hit[at:at + len(cs)]]
                at += len(cs)
        ranked = sorted(cands, key=lambda c: (-len(inter[c]), cands.index(c)))
        # The most contained candidate first; when that cover falls short or holds p inside a
        # longer sentence of its own (a quote in "X wrote: ..."), the next one is tried: another
        # kept copy may print the paragraph as it is.
        for _ in range(cfg.cover_attempts):
            if not ranked:
                return None
            found = self._cover(i, ps, ranked, inter)
            if found is None:
                return None
            chosen, covered, score = found
            agrees = self._agrees(i, ps, chosen, covered, inter, score)
            if agrees:
                return chosen, score
            if agrees is not None:  # p's own facts or words: no other copy will hold them
                return None
            ranked = [c for c in ranked if c != chosen[0]]
        return None

    def _cover(self, i: int, ps: np.ndarray, ranked: list[int],
               inter: dict[int, np.ndarray]) -> tuple[list[int], np.ndarray, float] | None:
        """(the covering paragraphs, main one first; p's shingles they hold; the containment
        in their union), from the ranked candidates, or None when they cannot cover p."""
        cfg = self.cfg
        total = len(ps)
        best = ranked[0]  # most contained; ties: earliest in candidate order
        if len(inter[best]) < cfg.min_part * total:
            return None
        chosen = [best]
        covered = inter[best]
        # A second source joins whenever it adds min_part, even past the threshold: a joined
        # paragraph's first sentence is covered by its own original, not waved through as a
        # few new words (and covered_by names both).
        while len(chosen) < cfg.max_sources and len(covered) < total:
            gain, pick = 0, -1
            for c in ranked:
                if c not in chosen:
                    g = len(inter[c]) - len(intersect(inter[c], covered))
                    if g > gain:
                        gain, pick = g, c
            if pick < 0 or gain < cfg.min_part * total:
                break
            chosen.append(pick)
            covered = sorted_unique(np.concatenate([covered, inter[pick]]))
        score = len(covered) / total
        if score < cfg.containment - 0.1:
            return None
        return chosen, covered, score

    def _agrees(self, i: int, ps: np.ndarray, chosen: list[int], covered: np.ndarray,
                inter: dict[int, np.ndarray], score: float) -> bool | None:
        """True when the cover's sentences and facts agree with p (see the module doc); None
        when the cover falls short or uses a sentence of its only in part (how this outlet
        printed it: another cover may not); False when p's facts or words are not in it."""
        cfg = self.cfg
        alias = self._alias
        total = len(ps)
        new_run = -1
        if score < cfg.containment:
            # Below the threshold, unless it is reached once the shingles that only a wire edit
            # explains (added time adverbials, attribution frames) are set aside.
            if not has_wire_word(self.texts[i]):
                return None
            wire_only, new_run = self._uncovered(i, covered)
            if len(covered) < cfg.containment * (total - wire_only):
                return None
        p = self.para(i)
        # Whole sentences: a reprint keeps, trims, splits or joins sentences; it does not keep
        # half of one. A covering sentence partly used (between the two bounds) means a clause
        # was dropped or rewritten: a paraphrase that changes content, unless the paragraph is
        # a piece of the sentence cut at one end (a split inside the sentence) and nothing else.
        lo, hi = cfg.sentence_partial

        def fragment(shared: int) -> bool:
            # p holds a fragment of a longer covering sentence (under lo of it) that makes up a
            # good part of p, and p is not near wholly covered: words around a borrowed phrase
            # ("The president said the leadership was 'on board'" / "... can be brought on
            # board ..."), a rewrite. A quoted fragment copied exactly is covered (>= 0.95).
            return score < cfg.split_containment and shared >= 0.25 * total

        for c in chosen:
            cs = self.shingles(alias[c] if len(alias) else c)
            if len(cs) >= 40 and len(inter[c]) >= hi * len(cs):
                continue  # the whole cover is used: so is each of its sentences, near enough
            cp = self.para(c)
            sets = cp.sentences(cfg.verify_chars)
            if sets is None:  # one sentence: its share is the cover's own
                r = len(inter[c]) / len(cs) if len(cs) else 1.0
                if len(cs) >= 40 and (lo <= r < hi and not self._split_piece(i, cp.text, ps, score)
                                      or r < lo and fragment(len(inter[c]))):
                    return None
                continue
            offsets, values = sets
            sizes = np.diff(offsets)
            if not (sizes >= 40).any():  # short sentences: one typo would look like a rewrite
                continue
            # Shingles of each sentence found in p: one binary search for all sentences.
            found = _prefix(_found(values, ps))[offsets]
            for j in np.flatnonzero(sizes >= 40).tolist():
                r = int(found[j + 1] - found[j]) / int(sizes[j])
                if r < lo and fragment(int(found[j + 1] - found[j])):
                    return None
                if lo <= r < hi and not self._split_piece(
                        i, cp.parts[j], ps, score,
                        sorted_unique(np.delete(values, slice(offsets[j], offsets[j + 1])))):
                    return None
        cover = [self.para(c) for c in chosen]
        words = _merged([c.words for c in cover])
        free: set[str] | None = None

        def other_forms() -> set[str]:  # the cover's words in another form (`forms`)
            nonlocal free
            if free is None:
                text = " ".join(c.text for c in cover)
                free = free_words(p.text, p.words, p.caps, [c.text for c in cover], words,
                                  _merged([c.caps for c in cover]),
                                  bool(speakers(text) or pronoun_speaker(text))
                                  and not speakers(p.text), p.tokens, joined_tokens(cover))
            return free

        if cfg.check_figures and p.figures:
            cf = _merged([c.figures for c in cover])
            if exceeds(p.figures, cf) and exceeds(
                    Counter({k: n for k, n in p.figures.items() if k not in other_forms()}), cf):
                return False
        if cfg.check_names:
            # Names in other roles: "New Jersey has joined a coalition with ... Connecticut"
            # against "Connecticut has joined a coalition with ... New Jersey" (the same words,
            # another subject: a list of entries, not a reprint).
            a, b = lead(p.text), lead(cover[0].text)
            if a and b and a != b and a in cover[0].names and b in p.names:
                return False
            # Names are facts: one the cover lacks (a typo of a long one aside) keeps p; so does
            # a weekday or month that contradicts the cover's. Sentence-initial capitals are
            # names where the cover lacks the word in any case ("Trump sat down" / "The president
            # met"). (Names are capitalised words: if the cover has all of p's, none is new.)
            new_names = (p.names | p.initials) - words if p.caps - words else set()
            if new_names:  # a typo of a name the cover has (capitalised there) is that name
                caps = _merged([c.caps for c in cover])
                new_names = {w for w in new_names
                             if not typo_of(w, caps, changed=len(w) >= 8)}
            if new_names and new_names - other_forms():
                new_names -= other_forms()
                # One exception: the speaker the cover calls "he" or "she" ("he said" /
                # "Trump stated"); a quote whose cover names another speaker or none stays.
                text = " ".join(c.text for c in cover)
                if not (cfg.pronoun_speaker and len(new_names) == 1
                        and new_names <= speakers(p.text)
                        and pronoun_speaker(text) and not pronoun_speaker(p.text)
                        and not speakers(text) - p.names):
                    return False
            if rank_contradicts(p.text, [c.text for c in cover]):  # "Gov." for "Sen. Abbott"
                return False
            # A dotted abbreviation is a name where the cover has others ("U.K." / "U.S."; single
            # letters are never names); one added or dropped ("U.S. President") is not.
            pa = acronyms(p.text)
            if pa and pa - words and any(acronyms(c.text) for c in cover):
                return False
            # A weekday that dates the statement ("said Wednesday") is a wire edit, unless the
            # cover dates its own statement: "said Tuesday" / "said Thursday" contradict.
            pd = p.dates
            if pd and not any(attributed_dates(c.text) for c in cover):
                pd = pd - attributed_dates(p.text)
            if pd and contradicts(pd, _merged([c.dates for c in cover])):
                return False
        new = [w for w in p.content if w not in words and not typo_of(w, words)]
        if new:
            new = [w for w in new if w not in other_forms()]
        if len(new) > cfg.max_new_words + len(p.content) // cfg.new_words_per:
            return False
        # Two new content words side by side are a phrase the cover lacks ("... the election
        # that he won handily" for "... last November's gubernatorial election"), not two words
        # changed one at a time, which is what the allowance is for.
        if len(new) > 1 and side_by_side(p.text, set(new)):
            return False
        # A stretch of text the cover lacks, longer than a changed word: an added clause ("...
        # at which time the tariffs will be removed"). (Fewer missing shingles cannot make one.)
        if new_run < 0 and total - len(covered) >= cfg.max_new_run:
            new_run = self._uncovered(i, covered, wire_too=False)[1]
        if new_run >= cfg.max_new_run:
            return False
        if new and self._added_sentence(p, covered, set(new)):
            return False
        return True

    def _added_sentence(self, p: Para, covered: np.ndarray, new: set[str]) -> bool:
        """True when a sentence of p is mostly (over half its shingles) missing from the cover
        and holds one of p's new content words: a sentence the cover lacks ("Trump said.
        'It's very unfair.'"), however short."""
        parts = sentences(p.text)
        if len(parts) < 2:
            return False
        offsets, values = shingle_sets(parts, self.cfg.verify_chars)
        hit = _found(values, covered) if len(covered) else np.zeros(len(values), dtype=bool)
        found = _prefix(hit)[offsets]
        for j, part in enumerate(parts):
            size = int(offsets[j + 1] - offsets[j])
            if size and (found[j + 1] - found[j]) < 0.5 * size and new & token_set(part):
                return True
        return False

    def _uncovered(self, i: int, covered: np.ndarray, wire_too: bool = True) -> tuple[int, int]:
        """(the shingles of p missing from `covered` that lie on wire and function words only,
        "said earlier this week", ", according to officials": a wire edit's, not content;
        the longest run of p's other missing shingles, in order: new text). wire_too=False:
        only the run is wanted, and words are looked at only when the raw run reaches the
        bound (setting wire shingles aside can only shorten it)."""
        text = self.texts[i]
        k = self.cfg.verify_chars
        seq = shingle_seq(text, k)
        if len(seq) == 0:
            return 0, 0
        missing = ~_found(seq, covered) if len(covered) else np.ones(len(seq), dtype=bool)
        if not wire_too and _longest(missing) < self.cfg.max_new_run:
            return 0, 0
        # Folded words are runs of non-space bytes between single spaces: one class per word
        # (0 free, 1 content, 2 wire), spread over its bytes and the space after it.
        b = fold_small_bytes(text.replace("\x00", " ").encode())
        words = b.split(b" ")
        kind = np.zeros(2 * len(words), dtype=np.int8)  # word, space, word, space, ...
        kind[::2] = [_word_kind(w) for w in words]
        size = np.ones(2 * len(words), dtype=np.int64)
        size[::2] = [len(w) for w in words]
        kind = np.repeat(kind, size)[:len(b)]
        free = kind != 1  # spaces are free; content words are not
        wire = kind == 2
        # A shingle is the wire edit's when it touches a wire word and nothing but function
        # words besides: "they can't have it both" is a quote, not an attribution frame.
        bad = _prefix(~free)
        on_wire = _prefix(wire)
        excused = (((bad[k:k + len(seq)] - bad[:len(seq)]) == 0)
                   & ((on_wire[k:k + len(seq)] - on_wire[:len(seq)]) > 0))
        only = sorted_unique(seq[missing & excused])
        other = sorted_unique(seq[missing & ~excused])
        return (int(len(only) - (_found(only, other).sum() if len(other) else 0)),
                _longest(missing & ~excused))

    def _split_piece(self, i: int, sentence: str, ps: np.ndarray, score: float,
                     others: np.ndarray | None = None) -> bool:
        """True when p holds one end of `sentence` and nothing more of it, and p is itself
        wholly covered (>= split_containment): the sentence was split in two paragraphs, not
        rewritten. The piece is the longest start (or end) of the sentence whose shingles are
        >= 90 % in p; beyond it p may share only shingles the piece also has (common 5-grams
        such as " the "), shingles of the cover's other sentences (p may hold them whole) or an
        edit's worth. A clause dropped from the middle leaves shingles of
        the far end in p; a rewritten clause lowers p's own containment."""
        if score < self.cfg.split_containment:
            return False
        k = self.cfg.verify_chars
        seq = shingle_seq(sentence, k)
        if len(seq) < 4 * k:
            return False
        text = self.texts[i].strip()
        # The cut leaves an unfinished sentence: a piece from the start of the sentence ends p
        # without a full stop, one from its end starts p without a capital. (A sentence
        # rewritten to end early is a trim with a new ending: an edit, not a split.)
        ends = (not _FULL_STOP.search(text), not text.lstrip(_OPEN)[:1].isupper())
        for s, cut_ok in zip((seq, seq[::-1]), ends):
            if not cut_ok:
                continue
            used = _found(s, ps)
            ok = np.flatnonzero(np.cumsum(used) >= 0.9 * np.arange(1, len(s) + 1))
            if not len(ok) or ok[-1] + 1 < 2 * k:
                continue
            x = int(ok[-1]) + 1
            head = sorted_unique(s[:x] if others is None else np.concatenate((s[:x], others)))
            rest = sorted_unique(s[x:][used[x:]])
            if len(rest) - int(_found(rest, head).sum()) <= 2 * k:
                return True
        return False
