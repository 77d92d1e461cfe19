"""FineWeb quality signals: Penedo et al. 2024, "The FineWeb Datasets" (section 3.3, its own
heuristic filters), as datatrove 0.10's `FineWebQualityFilter` computes them over the non-blank
lines (split on newlines):
- line_punct_share: lines ending in terminal punctuation (FineWeb drops below 0.12)
- short_line_share: lines of at most 30 characters (drops above 0.67)
- dup_line_char_share: characters of lines repeating an earlier line, over the text's
  characters without newlines (drops above 0.01)
- newline_word_ratio: newlines per word (drops above 0.3)
"""

from __future__ import annotations

import pyarrow as pa

from .base import Annotator, Batch, columns, share
from .repetition import duplicates
from .text import SENTENCE_END

COLUMNS = columns(
    "fineweb",
    ("line_punct_share", pa.float64(), "lines ending in terminal punctuation (FineWeb: >= 0.12)"),
    ("short_line_share", pa.float64(), "lines of <= 30 characters (FineWeb: <= 0.67)"),
    ("dup_line_char_share", pa.float64(), "characters in repeated lines (FineWeb: <= 0.01)"),
    ("newline_word_ratio", pa.float64(), "newlines per word (FineWeb: <= 0.3)"),
)


def signals(text: str, n_words: int) -> tuple[float, float, float, float]:
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return 0.0, 0.0, 0.0, 0.0
    punct = sum(1 for line in lines if line[-1] in SENTENCE_END)
    short = sum(1 for line in lines if len(line) <= 30)
    dup_chars = duplicates(lines)[1]
    return (punct / len(lines), short / len(lines),
            share(dup_chars, len(text) - text.count("\n")), share(text.count("\n"), n_words))


def compute(batch: Batch) -> dict[str, list]:
    rows = [signals(t, n) for t, n in zip(batch.texts, batch.vocab.counts.tolist())]
    return {c.name: [r[i] for r in rows] for i, c in enumerate(COLUMNS)}


ANNOTATOR = Annotator("fineweb", COLUMNS, compute)
