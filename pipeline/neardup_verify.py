"""Exact verification of near-duplicate candidates (runs only for paragraphs with candidates).

A paragraph p is covered by kept paragraphs C when
  containment = |S(p) & (S(c1) | ... | S(ck))| / |S(p)| >= cfg.containment,
with S the set of character n-grams of the word-normalised text (`textnorm.normalise`), k <=
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

from .textnorm import STOPWORDS, sentences, tokens

if TYPE_CHECKING:
    from .neardup import NearDupConfig


_MUL = np.uint64(0x9E3779B97F4A7C15)


def shingle_array(norm: str, k: int) -> np.ndarray:
    """Sorted unique 64-bit hashes of the k-character windows of `norm` (Horner over the code
    points, vectorised): ~8 bytes per shingle, where a set of str would take ~70."""
    cp = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(cp) - k + 1
    if n <= 0:
        return np.unique(np.array([np.sum(cp * _MUL)], dtype=np.uint64)) if len(cp) else cp
    h = cp[:n].copy()
    for j in range(1, k):
        h *= _MUL
        h += cp[j:j + n]
    h.sort()
    return h[np.r_[True, h[1:] != h[:-1]]]


def shingles(text: str, k: int) -> np.ndarray:
    return shingle_array(" ".join(tokens(text)), k)


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
    __slots__ = ("text", "shingles", "words", "_content", "_figures", "_sentences")

    def __init__(self, text: str, k: int) -> None:
        self.text = text
        self._sentences: list[np.ndarray] | None = None
        self._content: list[str] | None = None
        self._figures: set[str] | None = None
        toks = tokens(text)
        self.shingles = shingle_array(" ".join(toks), k)
        self.words = set(toks)

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

    def sentences(self, k: int) -> list[np.ndarray]:
        if self._sentences is None:
            self._sentences = [shingles(t, k) for t in sentences(self.text)]
        return self._sentences


class Verifier:
    """Covers p with kept candidates, caching each paragraph's normalised form once."""

    def __init__(self, texts: Sequence[str], cfg: NearDupConfig) -> None:
        self.texts = texts
        self.cfg = cfg
        self._cache: dict[int, _Para] = {}

    def para(self, i: int) -> _Para:
        p = self._cache.get(i)
        if p is None:
            p = self._cache[i] = _Para(self.texts[i], self.cfg.verify_chars)
        return p

    def covered_by(self, i: int, cands: list[int]) -> tuple[int, float] | None:
        """(index of the main covering paragraph, containment) or None when p stays."""
        cfg = self.cfg
        p = self.para(i)
        total = len(p.shingles)
        inter = {c: np.intersect1d(p.shingles, self.para(c).shingles, assume_unique=True)
                 for c in cands}
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
                    g = len(inter[c]) - np.count_nonzero(np.isin(inter[c], covered,
                                                                 assume_unique=True))
                    if g > gain:
                        gain, pick = g, c
            if pick < 0 or gain < cfg.min_part * total:
                break
            chosen.append(pick)
            covered = np.union1d(covered, inter[pick])
        score = len(covered) / total
        if score < cfg.containment:
            return None
        # Whole sentences: a reprint keeps, trims, splits or joins sentences; it does not keep
        # half of one. A covering sentence partly used (between the two bounds) means a clause
        # was dropped or rewritten: a paraphrase that changes content.
        lo, hi = cfg.sentence_partial
        for c in chosen:
            for sent in self.para(c).sentences(cfg.verify_chars):
                if len(sent) >= 40:  # short sentences: one typo would look like a rewrite
                    r = np.count_nonzero(np.isin(sent, p.shingles, assume_unique=True)) / len(sent)
                    if lo <= r < hi:
                        return None
        words = set().union(*(self.para(c).words for c in chosen))
        if cfg.check_figures and not p.figures <= words:
            return None
        new = sum(1 for w in p.content if w not in words and not _typo_of(w, words))
        if new > cfg.max_new_words + len(p.content) // cfg.new_words_per:
            return None
        return best, score
