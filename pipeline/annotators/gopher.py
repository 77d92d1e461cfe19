"""Gopher quality signals: Rae et al. 2021, "Scaling Language Models: Methods, Analysis &
Insights from Training Gopher", appendix A (MassiveWeb quality filter), as datatrove 0.10's
`GopherQualityFilter` computes them.

Words are the text's tokens (`text.words`: punctuation marks are words of their own); "real"
words are those with a character that is not punctuation.
- word_count: real words (the paper keeps 50 to 100,000)
- mean_word_length: of real words (kept: 3 to 10)
- symbol_word_ratio: the larger of "#" per word and "..."/"…" per word (dropped above 0.1)
- bullet_line_share: lines starting with "•" or "-" (dropped above 0.9)
- ellipsis_line_share: lines ending with "..." or "…" (dropped above 0.3)
- alpha_word_share: words with an alphabetic character (dropped below 0.8)
- stop_words: how many of the, be, to, of, and, that, have, with appear (dropped below 2)
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa

from .base import Annotator, Batch, columns
from .lines import ratio
from .text import is_symbol

STOP_WORDS = frozenset(["the", "be", "to", "of", "and", "that", "have", "with"])
_ALPHA = re.compile(r"[^\W\d_]")

COLUMNS = columns(
    "gopher",
    ("word_count", pa.int64(), "words that are not only punctuation (Gopher: 50 to 100,000)"),
    ("mean_word_length", pa.float64(), "mean length of those words (Gopher: 3 to 10)"),
    ("symbol_word_ratio", pa.float64(), "max of '#' and ellipses per word (Gopher: <= 0.1)"),
    ("bullet_line_share", pa.float64(), "lines starting with a bullet (Gopher: <= 0.9)"),
    ("ellipsis_line_share", pa.float64(), "lines ending with an ellipsis (Gopher: <= 0.3)"),
    ("alpha_word_share", pa.float64(), "words with an alphabetic character (Gopher: >= 0.8)"),
    ("stop_words", pa.int64(), "distinct English stop words present (Gopher: >= 2)"),
)


def line_signals(batch: Batch) -> tuple[list[int], list[float], list[float]]:
    """symbol_word_ratio's numerator, bullet_line_share, ellipsis_line_share of every document,
    over its lines as `text.splitlines()` gives them."""
    symbols, bullets, ellipses = [], [], []
    for text in batch.texts:
        symbols.append(max(text.count("#"), text.count("...") + text.count("…")))
        ls = text.splitlines()
        n = len(ls) or 1
        bullets.append(sum(1 for s in ls if s.lstrip().startswith(("•", "-"))) / n)
        ellipses.append(sum(1 for s in ls if s.rstrip().endswith(("...", "…"))) / n)
    return symbols, bullets, ellipses


def compute(batch: Batch) -> dict[str, list]:
    v = batch.vocab
    # An ASCII word is a symbol word when it has no letter or digit (SYMBOLS holds every other
    # printable ASCII character, "_" included, and the control characters).
    real = v.per_word(v.where("[0-9A-Za-z]", lambda w: not is_symbol(w)), bool)
    n_real = v.per_doc_sum(real)
    len_real = v.per_doc_sum(v.per_word(v.lengths()) * real)
    alpha = v.per_doc_sum(v.per_word(v.where("[A-Za-z]", _ALPHA.search), bool))
    stop_u = v.isin(STOP_WORDS)
    # Distinct stop words per document: distinct (document, word) pairs among stop words.
    at = np.flatnonzero(stop_u[v.ids])
    pairs = np.unique(v.doc_of[at] * len(v.uniques) + v.ids[at])
    stops = np.bincount(pairs // max(len(v.uniques), 1), minlength=len(v.counts))
    n = v.counts
    symbols, bullet_share, ellipsis_share = line_signals(batch)
    return {
        "gopher_word_count": n_real.astype(np.int64).tolist(),
        "gopher_mean_word_length": np.divide(len_real, n_real, out=np.zeros(len(n)),
                                             where=n_real > 0).tolist(),
        "gopher_symbol_word_ratio": ratio(symbols, n),
        "gopher_bullet_line_share": bullet_share,
        "gopher_ellipsis_line_share": ellipsis_share,
        "gopher_alpha_word_share": np.divide(alpha, n, out=np.zeros(len(n)), where=n > 0).tolist(),
        "gopher_stop_words": stops.astype(np.int64).tolist(),
    }


ANNOTATOR = Annotator("gopher", COLUMNS, compute)
