"""Scoring shared by the boilerplate evaluations: the article-extraction-benchmark's shingle rule,
C4-style line rules, and the clean stage run over a set of pages."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from ..core.model import Document, RunContext
from ..stages.clean import CleanConfig, clean_documents as clean_run

_TOKEN = re.compile(r"\w+")


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """4-token shingle multiset (a text under 4 tokens is one shingle of all its tokens)."""
    tokens = _TOKEN.findall(text)
    if len(tokens) < 4:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def page_score(pred: str, true: str) -> tuple[float, float, float]:
    """TP, FP, FN of one page normalised to sum to 1 (the benchmark's per-page weighting)."""
    p, t = shingles(pred), shingles(true)
    tp, fp, fn = sum((p & t).values()), sum((p - t).values()), sum((t - p).values())
    total = tp + fp + fn
    return (1.0, 0.0, 0.0) if total == 0 else (tp / total, fp / total, fn / total)


def prf(preds: dict[str, str], truth: dict[str, str], ids: list[str]) -> dict[str, float]:
    tp = fp = fn = 0.0
    for i in ids:
        a, b, c = page_score(preds.get(i, ""), truth[i])
        tp, fp, fn = tp + a, fp + b, fn + c
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def with_halves(preds: dict[str, str], truth: dict[str, str]) -> dict[str, Any]:
    ids = sorted(truth)
    out = prf(preds, truth, ids)
    out["f1_half_a"] = prf(preds, truth, ids[0::2])["f1"]
    out["f1_half_b"] = prf(preds, truth, ids[1::2])["f1"]
    return out


_C4_END = re.compile(r"[.!?\"'”]\s*$")
_C4_BAD = re.compile(r"javascript|cookie|privacy policy|terms of use|use of cookies", re.I)


def c4_lines(text: str) -> str:
    """Anchor: C4's line rules (terminal punctuation, >= 3 words, no javascript/cookie/policy)."""
    keep = [
        line for line in text.split("\n")
        if _C4_END.search(line) and len(line.split()) >= 3 and not _C4_BAD.search(line)
    ]
    return "\n".join(keep)


def host(url: str | None) -> str | None:
    h = urlsplit(url or "").hostname
    return h.removeprefix("www.") if h else None


def clean_pages(pages: dict[str, list[str]], sources: dict[str, str | None],
                cfg: CleanConfig, meta: dict[str, Any] | None = None) -> dict[str, str]:
    """Run the clean stage over all pages at once (so per-source learning sees every page)."""
    docs = [Document.from_texts(i, pages[i], source=sources[i], meta=dict(meta or {}))
            for i in sorted(pages)]
    clean_run(docs, cfg, RunContext())
    return {d.id: "\n".join(d.kept_texts()) for d in docs}
