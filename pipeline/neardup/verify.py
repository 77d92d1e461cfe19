"""Exact verification of near-duplicate candidates (runs only for paragraphs with candidates).

A paragraph p is covered by kept paragraphs C when
  containment = |S(p) & (S(c1) | ... | S(ck))| / |S(p)| >= cfg.containment,
with S the set of byte n-grams of the folded text (`textnorm.fold_bytes`: case, punctuation,
quote and dash style, thousands separators), k <=
max_sources and each source adding >= min_part of S(p) (a joined paragraph needs both halves,
a join of a kept paragraph and three stray words does not); and the facts agree:
  * no sentence of C is used only in part (cfg.sentence_partial): outlets keep, trim, split or
    join whole sentences; a clause dropped from the middle of one is a paraphrase;
  * every figure of p (numbers after folding 1,000/1000, five/5, 5 percent/5%) is in C;
  * at most max_new_words + n_content // new_words_per content words of p are absent from C.
Containment, not Jaccard: a trimmed copy or a split half is fully contained in its original even
though its Jaccard is 0.3-0.6. The fact checks are what keep "30 were killed" / "45 were killed"
and a paraphrase that adds a detail, whose shingle overlap alone is high.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .fingerprint import shingle_sets
from .textnorm import STOPWORDS, sentences, token_set

if TYPE_CHECKING:
    from .config import NearDupConfig


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a & b for sorted unique arrays (binary search of a in b)."""
    if not len(a) or not len(b):
        return a[:0]
    return a[_found(a, b)]


def _found(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mask of the elements of a (any order) that are in b (sorted unique, non-empty)."""
    idx = b.searchsorted(a)
    np.minimum(idx, len(b) - 1, out=idx)
    return b[idx] == a


def _typo_of(word: str, words: set[str]) -> bool:
    """True when `word` is one edit (swap of neighbours, or one letter changed, added or dropped)
    from a word in `words`: a typo carries no new content. Only words of 5+ letters."""
    if len(word) < 5:
        return False
    for w in words:
        if abs(len(w) - len(word)) > 1 or w[0] != word[0] and w[-1] != word[-1]:
            continue
        if len(w) == len(word):
            diff = [i for i in range(len(w)) if w[i] != word[i]]
            if len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and w[diff[0]] == word[diff[1]] and w[diff[1]] == word[diff[0]]):
                return True
        else:
            short, long_ = (w, word) if len(w) < len(word) else (word, w)
            i = next((i for i in range(len(short)) if short[i] != long_[i]), len(short))
            if short[i:] == long_[i + 1:]:
                return True
    return False


class _Para:
    """Words, figures and sentences of one paragraph, for the fact checks (computed on demand)."""

    __slots__ = ("text", "words", "_content", "_figures", "_sentences")

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = token_set(text)
        self._content: list[str] | None = None
        self._figures: set[str] | None = None
        self._sentences: tuple | None = None

    @property
    def figures(self) -> set[str]:
        if self._figures is None:
            self._figures = {t for t in self.words if t[0].isdigit()}
        return self._figures

    @property
    def content(self) -> list[str]:
        """Content words: not function words, not figures (checked apart), not single letters."""
        if self._content is None:
            self._content = [t for t in self.words if len(t) > 1 and not t[0].isdigit()
                             and t not in STOPWORDS]
        return self._content

    def sentences(self, k: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Shingle sets of the sentences (CSR), or None for a one-sentence paragraph."""
        if self._sentences is None:
            parts = sentences(self.text)
            self._sentences = shingle_sets(parts, k) if len(parts) > 1 else ()
        return self._sentences or None


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
        self._paras: dict[int, _Para] = {}

    def prepare(self, indices: np.ndarray) -> None:
        idx = np.unique(indices).tolist()
        self._local = {i: j for j, i in enumerate(idx)}
        texts = [self.texts[i] for i in idx]
        k = self.cfg.verify_chars
        if self.workers < 2 or len(texts) < 2000:
            self._offsets, self._values = shingle_sets(texts, k)
            return
        # Sets are per text, so parts built in threads (numpy releases the GIL in the folding
        # and sorting) and concatenated in order are the same CSR arrays.
        from concurrent.futures import ThreadPoolExecutor
        cuts = np.linspace(0, len(texts), self.workers + 1).astype(int).tolist()
        with ThreadPoolExecutor(self.workers) as pool:
            parts = list(pool.map(lambda ij: shingle_sets(texts[ij[0]:ij[1]], k),
                                  zip(cuts[:-1], cuts[1:])))
        base = np.cumsum([0] + [len(p[1]) for p in parts[:-1]])
        self._offsets = np.concatenate([parts[0][0]] + [p[0][1:] + b
                                                         for p, b in zip(parts[1:], base[1:])])
        self._values = np.concatenate([p[1] for p in parts])

    def shingles(self, i: int) -> np.ndarray:
        j = self._local.get(i)
        if j is not None:
            return self._values[self._offsets[j]:self._offsets[j + 1]]
        s = self._extra.get(i)
        if s is None:
            s = self._extra[i] = shingle_sets([self.texts[i]], self.cfg.verify_chars)[1]
        return s

    def para(self, i: int) -> _Para:
        p = self._paras.get(i)
        if p is None:
            p = self._paras[i] = _Para(self.texts[i])
        return p

    def covered_by(self, i: int, cands: list[int], alias: Sequence[int] = ()) -> \
            tuple[int, float] | None:
        """(index of the main covering paragraph, containment) or None when p stays.
        alias[c], when given, is a paragraph with the same folded text as c (same shingles)."""
        cfg = self.cfg
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
        best = ranked[0]  # most contained; ties: earliest in candidate order
        if len(inter[best]) < cfg.min_part * total:
            return None
        chosen = [best]
        covered = inter[best]
        while len(covered) < cfg.containment * total and len(chosen) < cfg.max_sources:
            gain, pick = 0, -1
            for c in ranked:
                if c not in chosen:
                    g = len(inter[c]) - len(intersect(inter[c], covered))
                    if g > gain:
                        gain, pick = g, c
            if pick < 0 or gain < cfg.min_part * total:
                break
            chosen.append(pick)
            covered = np.union1d(covered, inter[pick])
        score = len(covered) / total
        if score < cfg.containment:
            return None
        p = self.para(i)
        # Whole sentences: a reprint keeps, trims, splits or joins sentences; it does not keep
        # half of one. A covering sentence partly used (between the two bounds) means a clause
        # was dropped or rewritten: a paraphrase that changes content.
        lo, hi = cfg.sentence_partial
        for c in chosen:
            cs = self.shingles(alias[c] if len(alias) else c)
            if len(cs) >= 40 and len(inter[c]) >= hi * len(cs):
                continue  # the whole cover is used: so is each of its sentences, near enough
            sets = self.para(c).sentences(cfg.verify_chars)
            if sets is None:  # one sentence: its share is the cover's own
                if len(cs) >= 40 and lo <= len(inter[c]) / len(cs) < hi:
                    return None
                continue
            offsets, values = sets
            sizes = np.diff(offsets)
            if not (sizes >= 40).any():  # short sentences: one typo would look like a rewrite
                continue
            # Shingles of each sentence found in p: one binary search for all sentences.
            found = np.zeros(len(values) + 1, np.int64)
            np.cumsum(_found(values, ps), out=found[1:])
            found = found[offsets]
            for j in np.flatnonzero(sizes >= 40).tolist():
                r = int(found[j + 1] - found[j]) / int(sizes[j])
                if lo <= r < hi:
                    return None
        words = set().union(*(self.para(c).words for c in chosen))
        if cfg.check_figures and not p.figures <= words:
            return None
        new = sum(1 for w in p.content if w not in words and not _typo_of(w, words))
        if new > cfg.max_new_words + len(p.content) // cfg.new_words_per:
            return None
        return best, score
