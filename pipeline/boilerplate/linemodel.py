"""A learned line classifier for whole web pages (issue 14): plain numbers, no pickles.

On a page-like document (the region's test: long, short-lined, printing lines only whole pages
print) every non-empty line gets a vector of language-independent features: its shape (length,
shares of letters, digits, capitals and punctuation, sentence ending), its position, the same
facts of the lines around it, and the rule verdicts (`classify_lines`' reasons: rule, shape,
zone, short run, learned repeat) as inputs rather than as cuts. A logistic model or boosted
shallow trees (plain arrays, JSON; trained by `python -m pipeline.eval.boilerplate_learn`) turn
the vector into the probability that the line is page content. Pure functions over a document's
lines; numpy does the context features over all lines of a document at once.

Not wired into the clean stage: out of sample it does not beat the rules on both benchmarks
(docs/boilerplate.md, "Issue 14: a learned line classifier").
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .lines import LineFacts
from .region import RegionParams, ends_like_sentence, is_page_like, prose_weight


_SEPARATORS = frozenset("|»›>·•/")
_VERDICTS = ("rule", "barrier", "page_rule", "date", "chrome_shape", "zone:header", "zone:footer",
             "zone:inner", "short_run", "repeated_in_source", "repeated_in_page", "kept")
BASE = ("log_chars", "log_words", "letters", "digits", "upper", "punct", "sentence_end",
        "prose", "short", "word_len", "stops_per_word", "separators", "lead_mark", "page_copies",
        "weight") + _VERDICTS
_CONTEXT = ("log_words", "sentence_end", "prose", "kept")
FEATURES = (BASE + ("pos", "pos_mid", "prose_before", "prose_gap")
            + tuple(f"prev_{c}" for c in _CONTEXT) + tuple(f"next_{c}" for c in _CONTEXT)
            + ("prose_w3", "kept_w3", "prose_w10", "kept_w10", "page_prose", "page_lines",
               "page_kept"))


def _verdict(f: LineFacts, reason: str | None) -> str:
    if reason is None:
        return "kept"
    if reason.startswith("rule:") and f.rule is not None:
        return "barrier" if f.rule.kind == "barrier" else "page_rule" if f.rule.page else "rule"
    if reason in ("shape:date_only", "rule:date"):
        return "date"
    if reason.startswith("shape:"):
        return "chrome_shape"
    return reason if reason in _VERDICTS else "rule"


def _base_row(f: LineFacts, reason: str | None, copies: int, p: RegionParams) -> list[float]:
    s = f.folded
    n = len(s)
    words = s.count(" ") + 1
    letters = digits = upper = 0
    for ch in s:
        if ch.isalpha():
            letters += 1
            upper += ch.isupper()
        elif ch.isdigit():
            digits += 1
    punct = n - letters - digits - (words - 1)
    end = ends_like_sentence(s)
    prose = words >= p.long_words or (words >= p.min_words and end)
    stops = s.count(". ") + s.count("! ") + s.count("? ") + end
    is_barrier = f.rule is not None and f.rule.kind == "barrier"
    w = prose_weight(s, f.shape, is_barrier, p, f.rule is not None and f.rule.page)
    row = [np.log1p(n), np.log1p(words), letters / n, digits / n, upper / max(letters, 1),
           punct / n, float(end), float(prose), float(words <= 3), min(n / words, 20.0) / 10,
           stops / words, float(any(c in _SEPARATORS for c in s)),
           float(not s[:1].isalpha()), np.log1p(copies - 1), float(np.sign(w) * np.log1p(abs(w)))]
    v = _verdict(f, reason)
    return row + [float(v == name) for name in _VERDICTS]


def _window_mean(x: np.ndarray, k: int) -> np.ndarray:
    """Mean of x over lines i-k..i+k (clipped at the edges), the line itself excluded."""
    c = np.concatenate(([0.0], np.cumsum(x)))
    i = np.arange(len(x))
    lo, hi = np.maximum(i - k, 0), np.minimum(i + k + 1, len(x))
    n = hi - lo - 1
    return np.where(n > 0, (c[hi] - c[lo] - x) / np.maximum(n, 1), 0.0)


def features(facts: Sequence[LineFacts], reasons: Sequence[str | None],
             p: RegionParams) -> np.ndarray:
    """One row of FEATURES per line (non-empty lines of one document, in order)."""
    copies = Counter(f.folded for f in facts)
    base = np.array([_base_row(f, r, copies[f.folded], p) for f, r in zip(facts, reasons)],
                    dtype=np.float64).reshape(len(facts), len(BASE))
    n = len(facts)
    col = {name: base[:, k] for k, name in enumerate(BASE)}
    prose, kept = col["prose"], col["kept"]
    pos = np.arange(n) / max(n - 1, 1)
    pw = prose * np.expm1(col["log_words"])
    total = pw.sum()
    before = (np.cumsum(pw) - pw) / total if total > 0 else np.zeros(n)
    idx = np.flatnonzero(prose)
    if len(idx):
        at = np.searchsorted(idx, np.arange(n))
        left = np.abs(np.arange(n) - idx[np.clip(at - 1, 0, len(idx) - 1)])
        right = np.abs(idx[np.clip(at, 0, len(idx) - 1)] - np.arange(n))
        gap = np.log1p(np.minimum(left, right))
    else:
        gap = np.full(n, np.log1p(n))
    ctx = np.stack([col[c] for c in _CONTEXT], axis=1)
    prev = np.vstack([np.zeros((1, len(_CONTEXT))), ctx[:-1]]) if n else ctx
    nxt = np.vstack([ctx[1:], np.zeros((1, len(_CONTEXT)))]) if n else ctx
    page = np.array([prose.mean() if n else 0.0, np.log1p(n), kept.mean() if n else 0.0])
    rest = np.column_stack([pos, 4 * pos * (1 - pos), before, gap, prev, nxt,
                            _window_mean(prose, 3), _window_mean(kept, 3),
                            _window_mean(prose, 10), _window_mean(kept, 10),
                            np.tile(page, (n, 1))])
    return np.hstack([base, rest])


def page_like(facts: Sequence[LineFacts | None], p: RegionParams) -> bool:
    """The region's page test (`classify_lines`), on the facts of a document's lines."""
    live = [f is not None and bool(f.folded) for f in facts]
    if sum(live) < p.page_min_lines:
        return False
    chrome = sum(1 for f in facts if f is not None and f.folded and (
        (f.rule is not None and f.rule.page) or f.shape in ("share_buttons", "comment_marker")))
    if chrome < p.page_min_chrome:
        return False
    weights = [0.0 if not ok else prose_weight(f.folded, f.shape,  # type: ignore[union-attr]
                                               f.rule is not None and f.rule.kind == "barrier",  # type: ignore[union-attr]
                                               p, f.rule is not None and f.rule.page)  # type: ignore[union-attr]
               for f, ok in zip(facts, live)]
    return is_page_like(weights, live, p)


@dataclass(frozen=True)
class LineModel:
    """Standardised logistic regression: p(content) = sigmoid((x - mean) / scale . coef + b)."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float

    def proba(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict[str, object]:
        return {"kind": "logistic", "features": list(self.names), "mean": self.mean.round(8).tolist(),
                "scale": self.scale.round(8).tolist(), "coef": self.coef.round(8).tolist(),
                "intercept": round(self.intercept, 8), "threshold": self.threshold}

    @classmethod
    def from_json(cls, d: dict[str, object]) -> LineModel:
        names = tuple(d["features"])  # type: ignore[arg-type]
        if names != FEATURES:
            raise ValueError("boilerplate model: its features are not this code's FEATURES")
        return cls(names, np.asarray(d["mean"], float), np.asarray(d["scale"], float),
                   np.asarray(d["coef"], float), float(d["intercept"]),  # type: ignore[arg-type]
                   float(d["threshold"]))  # type: ignore[arg-type]

    def with_threshold(self, t: float) -> LineModel:
        return LineModel(self.names, self.mean, self.scale, self.coef, self.intercept, t)


@dataclass(frozen=True)
class Trees:
    """Boosted trees of a fixed depth, each a full binary tree in level order: inner node k sends
    a line right when x[feature[k]] > threshold[k]; p(content) = sigmoid(bias + sum of leaves)."""

    names: tuple[str, ...]
    feature: np.ndarray  # (trees, 2**depth - 1) feature indices
    threshold_: np.ndarray  # (trees, 2**depth - 1) cut values (inf: all go left)
    leaf: np.ndarray  # (trees, 2**depth)
    bias: float
    threshold: float

    def proba(self, x: np.ndarray) -> np.ndarray:
        n, t = len(x), len(self.leaf)
        node = np.zeros((n, t), dtype=np.int64)
        trees = np.arange(t)
        rows = np.arange(n)[:, None]
        for _ in range(self.leaf.shape[1].bit_length() - 1):
            v = x[rows, self.feature[trees, node]]
            node = 2 * node + 1 + (v > self.threshold_[trees, node])
        z = self.bias + self.leaf[trees, node - self.feature.shape[1]].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict[str, object]:
        return {"kind": "trees", "features": list(self.names), "feature": self.feature.tolist(),
                "split": [[float(v) if np.isfinite(v) else None for v in r] for r in self.threshold_],
                "leaf": self.leaf.round(8).tolist(), "bias": round(self.bias, 8),
                "threshold": self.threshold}

    @classmethod
    def from_json(cls, d: dict[str, object]) -> Trees:
        names = tuple(d["features"])  # type: ignore[arg-type]
        if names != FEATURES:
            raise ValueError("boilerplate model: its features are not this code's FEATURES")
        split = np.array([[np.inf if v is None else v for v in r] for r in d["split"]], float)  # type: ignore[attr-defined]
        return cls(names, np.asarray(d["feature"], np.int64), split, np.asarray(d["leaf"], float),
                   float(d["bias"]), float(d["threshold"]))  # type: ignore[arg-type]

    def with_threshold(self, t: float) -> Trees:
        return Trees(self.names, self.feature, self.threshold_, self.leaf, self.bias, t)


Model = LineModel | Trees


def load(path: str | Path) -> Model:
    """A model written by `python -m pipeline.eval.boilerplate_learn --write-model PATH`."""
    d = json.loads(Path(path).read_text(encoding="utf-8"))
    return Trees.from_json(d) if d.get("kind") == "trees" else LineModel.from_json(d)
