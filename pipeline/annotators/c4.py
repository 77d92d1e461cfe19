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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .base import Annotator, Batch, columns
from .lines import SPACE, WHITESPACE, Pieces
from .text import _PUNCT_WORD, SENTENCE_END

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


def line_verdict(raw: str) -> int:
    """What C4 makes of one line: 0 not kept (no terminal punctuation, too few words, a word
    over 1,000 characters), 1 kept, 2 removed for javascript, 3 for a policy notice;
    +4 when it has "lorem ipsum", +8 when it has "{" (flags of lines that reach those checks)."""
    line = raw.strip()
    if not line:
        return 0
    if len(line.split(None, 2)) < 3 or (len(line) > 1000 and max(map(len, line.split())) > 1000):
        return 0
    if "[" in line:
        line = CITATION.sub("", line)
    if not line.endswith(END_PUNCTUATION) or line.endswith("..."):
        return 0
    low = line.lower()
    flags = 4 if "lorem ipsum" in low else 0
    if "javascript" in low:
        return 2 + flags
    if "{" in line:
        flags += 8
    if any(p in low for p in POLICY):
        return 3 + flags
    return 1 + flags


def line_sentences(batch: Batch, n_lines: int) -> np.ndarray:
    """Sentences per line of the batch, by spaCy's sentencizer rule (`text.count_sentences`),
    with numpy: a word that is not punctuation starts a sentence when a sentence-ending mark
    came after the line's previous such word; every line with a word has one more."""
    v = batch.vocab
    ends = v.per_word(v.isin(SENTENCE_END), bool)
    punct = v.per_word(v.where("^[^0-9A-Za-z_]+$", _PUNCT_WORD.fullmatch), bool)
    line = v.line_of
    out = np.zeros(n_lines, dtype=np.int64)
    if not len(line):
        return out
    out[line] = 1
    cum = np.concatenate([[0], np.cumsum(ends)])
    first_of_line = np.zeros(n_lines, dtype=np.int64)
    first_of_line[line[::-1]] = np.arange(len(line) - 1, -1, -1)  # earliest wins
    words = np.flatnonzero(~punct)
    prev = np.concatenate([[-1], words[:-1]])
    same = np.zeros(len(words), dtype=bool)
    same[1:] = line[prev[1:]] == line[words[1:]]
    start = np.where(same, prev + 1, first_of_line[line[words]])
    new = (cum[words] - cum[start]) > 0
    out += np.bincount(line[words[new]], minlength=n_lines)
    return out


# Lines whose verdict needs more than "retained or not" (a flag phrase or mark, a citation, a
# character that lowercases to ASCII letters, a very long line): `line_verdict` reads them.
_SPECIAL = ("[\\[{\\x{130}\\x{212A}]|(?i:lorem ipsum|javascript|terms of use|privacy policy|"
            "cookie policy|uses cookies|use of cookies|use cookies)")
_NOT_SPACE = "[^" + SPACE[1:]


def verdicts(lines: Pieces) -> np.ndarray:
    """`line_verdict` of every line, with Arrow: a plain line is kept (1) when, stripped, it
    has 3 words and ends in terminal punctuation but not "..."; the others are read one by one."""
    v = lines.values
    special = lines.matches(_SPECIAL) | (lines.lengths() > 1000)
    stripped = pc.utf8_trim(v, characters=_WHITESPACE)
    three = pc.match_substring_regex(stripped, f"^{_NOT_SPACE}+{SPACE}+{_NOT_SPACE}+{SPACE}+{_NOT_SPACE}")
    ends = pc.match_substring_regex(stripped, r"[.?!\"']$")
    dots = pc.ends_with(stripped, "...")
    kept = pc.and_(pc.and_(three, ends), pc.invert(dots)).to_numpy(zero_copy_only=False)
    out = kept.astype(np.int64)
    at = np.flatnonzero(special)
    if len(at):
        out[at] = [line_verdict(x) for x in v.take(pa.array(at)).to_pylist()]
    return out


_WHITESPACE = WHITESPACE


def compute(batch: Batch) -> dict[str, list]:
    n_docs = len(batch.texts)
    lines = batch.lines
    verdict = verdicts(lines)
    kind = verdict & 3
    sentences = np.where(kind == 1, line_sentences(batch, len(verdict)), 0)

    def per_doc_sum(values: np.ndarray) -> list:
        return np.bincount(lines.doc_of, weights=values, minlength=n_docs).astype(np.int64).tolist()

    return {
        "c4_sentences": per_doc_sum(sentences),
        "c4_lorem_ipsum": [bool(x) for x in per_doc_sum((verdict & 4) > 0)],
        "c4_curly_bracket": [bool(x) for x in per_doc_sum((verdict & 8) > 0)],
        "c4_javascript_lines": per_doc_sum(kind == 2),
        "c4_policy_lines": per_doc_sum(kind == 3),
    }


ANNOTATOR = Annotator("c4", COLUMNS, compute)
