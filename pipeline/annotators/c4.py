"""C4 signals: Raffel et al. 2020, "Exploring the Limits of Transfer Learning with a Unified
Text-to-Text Transformer", section 2.2, as the reference code (TensorFlow Datasets
`c4_utils.clean_page`) and datatrove 0.10's `C4QualityFilter` apply them, line by line.

A line is *retained* when it ends in terminal punctuation (. ? ! " ', not an ellipsis), once
citation marks like "[1]" are removed, has at least 3 words and no word over 1,000 characters;
the page-level checks look only at retained lines, in order, as the reference does:
- lorem_ipsum: a retained line contains "lorem ipsum" (C4 drops the page)
- curly_bracket: a retained line, not dropped for "javascript", contains "{" (drops the page)
- javascript_lines: retained lines mentioning "javascript" (C4 removes those lines)
- policy_lines: retained lines with "terms of use", "privacy policy", cookie notices (removed)
- sentences: sentences in the lines C4 keeps (C4 drops a page with fewer than 5)
The reference stops at the first lorem-ipsum or curly-bracket line; the counts here go on.
"""

from __future__ import annotations

import re

import pyarrow as pa

from .base import Annotator, Batch, columns
from .text import count_sentences

CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
END_PUNCTUATION = (".", "?", "!", '"', "'")
POLICY = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies",
          "use cookies")

COLUMNS = columns(
    "c4",
    ("sentences", pa.int64(), "sentences in the lines C4 keeps (C4: >= 5)"),
    ("lorem_ipsum", pa.bool_(), "a kept line has 'lorem ipsum' (C4 drops the page)"),
    ("curly_bracket", pa.bool_(), "a kept line has '{' (C4 drops the page)"),
    ("javascript_lines", pa.int64(), "lines C4 removes for mentioning javascript"),
    ("policy_lines", pa.int64(), "lines C4 removes as privacy / cookie / terms notices"),
)


def signals(text: str, line_words: list[list[str]]) -> tuple[int, bool, bool, int, int]:
    sentences = js = policy = 0
    lorem = curly = False
    for raw, ws in zip(text.split("\n"), line_words):
        line = raw.strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) < 3 or max(map(len, parts)) > 1000:
            continue
        if "[" in line:
            line = CITATION.sub("", line)
        if not line.endswith(END_PUNCTUATION) or line.endswith("..."):
            continue
        low = line.lower()
        if "lorem ipsum" in low:
            lorem = True
        if "javascript" in low:
            js += 1
            continue
        if "{" in line:
            curly = True
        if any(p in low for p in POLICY):
            policy += 1
            continue
        sentences += count_sentences(ws)
    return sentences, lorem, curly, js, policy


def compute(batch: Batch) -> dict[str, list]:
    rows = [signals(t, lw) for t, lw in zip(batch.texts, batch.line_words)]
    return {c.name: [r[i] for r in rows] for i, c in enumerate(COLUMNS)}


ANNOTATOR = Annotator("c4", COLUMNS, compute)
