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

import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .base import Annotator, Batch, columns
from .lines import SPACE, ratio
from .text import SENTENCE_END

COLUMNS = columns(
    "fineweb",
    ("line_punct_share", pa.float64(), "lines ending in terminal punctuation (FineWeb: >= 0.12)"),
    ("short_line_share", pa.float64(), "lines of <= 30 characters (FineWeb: <= 0.67)"),
    ("dup_line_char_share", pa.float64(), "characters in repeated lines (FineWeb: <= 0.01)"),
    ("newline_word_ratio", pa.float64(), "newlines per word (FineWeb: <= 0.3)"),
)


@functools.cache
def _end() -> pa.Array:
    # Built on first use: pa.array of a list loads pyarrow's pandas shim, and so pandas (1.6 s),
    # which every command would pay at start-up.
    return pa.array(sorted(SENTENCE_END), type=pa.string())


def compute(batch: Batch) -> dict[str, list]:
    """Over each document's non-blank lines (`line.strip()` not empty), for a whole batch."""
    lines = batch.lines
    kept = ~lines.matches(f"^{SPACE}*$")
    last = pc.utf8_slice_codeunits(lines.values, start=-1)
    punct = pc.is_in(last, value_set=_end()).to_numpy(zero_copy_only=False) & kept
    length = lines.lengths()
    n_lines = lines.per_doc_sum(kept)
    newlines = lines.per_doc - 1
    n_chars = np.fromiter(map(len, batch.texts), dtype=np.int64, count=len(batch.texts))
    dup_chars = lines.per_doc_sum(lines.repeats(kept) * length)
    return {
        "fineweb_line_punct_share": ratio(lines.per_doc_sum(punct), n_lines),
        "fineweb_short_line_share": ratio(lines.per_doc_sum((length <= 30) & kept), n_lines),
        "fineweb_dup_line_char_share": ratio(dup_chars, n_chars - newlines),
        "fineweb_newline_word_ratio": ratio(np.where(n_lines > 0, newlines, 0), batch.vocab.counts),
    }


ANNOTATOR = Annotator("fineweb", COLUMNS, compute)
