"""Gopher repetition signals: Rae et al. 2021, appendix A, table A1 ("repetition removal"), as
datatrove 0.10's `GopherRepetitionFilter` computes them, on a whole job's documents at once.

- dup_line_share, dup_line_char_share: lines (split on newlines) equal to an earlier line, as a
  share of lines, and their characters as a share of the text's (Gopher drops above 0.3, 0.2)
- dup_para_share, dup_para_char_share: the same for paragraphs (split on blank lines)
- top_{2,3,4}gram_char_share: the most frequent word n-gram (the first seen among equals), its
  characters (words joined by spaces) times its count, over the text's characters
  (Gopher: <= 0.20, 0.18, 0.16)
- dup_{5..10}gram_char_share: characters of the word n-grams that repeat an earlier one, read
  left to right and skipping past each repeat (Gopher: <= 0.15, 0.14, ..., 0.10)

Word n-grams are counted with numpy and pandas' hash tables: words become integers, an n-gram
a 64-bit polynomial hash of its words and its document, and only positions whose (n-1)-grams
repeat are looked at for n (an n-gram repeats only if both its (n-1)-grams do), so the work
shrinks with n. Before counting, a bucket count (numpy's bincount on a hash of the key) sets
aside most n-grams that occur once; from n = 5 on, where only the repeats' positions matter
(`_dup` compares the keys themselves), that superset is not narrowed further.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa

from .base import Annotator, Batch, Vocab, columns
from .lines import Pieces, ratio

TOP_N = (2, 3, 4)
DUP_N = (5, 6, 7, 8, 9, 10)
_PARAGRAPH = re.compile(r"\n{2,}")
_LINE = re.compile(r"\n+")

COLUMNS = columns(
    "repetition",
    ("dup_line_share", pa.float64(), "lines repeating an earlier line (Gopher: <= 0.3)"),
    ("dup_line_char_share", pa.float64(), "their characters, of the text's (Gopher: <= 0.2)"),
    ("dup_para_share", pa.float64(), "paragraphs repeating an earlier one (Gopher: <= 0.3)"),
    ("dup_para_char_share", pa.float64(), "their characters, of the text's (Gopher: <= 0.2)"),
    *((f"top_{n}gram_char_share", pa.float64(),
       f"characters of the most frequent word {n}-gram (Gopher: <= {t})")
      for n, t in zip(TOP_N, (0.20, 0.18, 0.16))),
    *((f"dup_{n}gram_char_share", pa.float64(),
       f"characters in repeated word {n}-grams (Gopher: <= {t:.2f})")
      for n, t in zip(DUP_N, (0.15, 0.14, 0.13, 0.12, 0.11, 0.10))),
)


def line_signals(batch: Batch) -> dict[str, list]:
    """The four line and paragraph shares of every document: lines are `re.split(r"\\n+",
    text)`, paragraphs `re.split(r"\\n{2,}", text.strip())`, as datatrove splits them."""
    n_chars = np.fromiter(map(len, batch.texts), dtype=np.int64, count=len(batch.texts))
    lines = Pieces.split(batch.arrow, _LINE.pattern, regex=True)
    paras = Pieces.split(pa.array([t.strip() for t in batch.texts], type=pa.string()),
                         _PARAGRAPH.pattern, regex=True)
    out = {}
    for what, pieces in (("line", lines), ("para", paras)):
        rep = pieces.repeats()
        out[f"repetition_dup_{what}_share"] = ratio(pieces.per_doc_sum(rep), pieces.per_doc)
        out[f"repetition_dup_{what}_char_share"] = ratio(pieces.per_doc_sum(rep * pieces.lengths()), n_chars)
    return out


_P = np.uint64(0x9E3779B97F4A7C15)
_DOC = np.uint64(0xC2B2AE3D27D4EB4F)


def ngram_signals(v: Vocab, n_chars: list[int]) -> dict[int, np.ndarray]:
    """{n: each document's top n-gram character share (n in TOP_N) or repeated n-gram
    character share (n in DUP_N)}."""
    n_docs = len(v.counts)
    out = {n: np.zeros(n_docs) for n in (*TOP_N, *DUP_N)}
    total = len(v.ids)
    if total == 0:
        return out
    ids, doc_of, starts, counts = v.ids.astype(np.uint64), v.doc_of, v.starts, v.counts
    cum = np.concatenate([[0], np.cumsum(v.per_word(v.lengths()))])
    chars = np.asarray(n_chars, dtype=float)
    key = ids * _P + doc_of.astype(np.uint64) * _DOC + np.uint64(1)
    repeated = np.ones(total, dtype=bool)  # level 1: every word may repeat
    for n in range(2, max(DUP_N) + 1):
        m = total - n + 1
        if m <= 0:
            break
        key = key[:m] * _P + ids[n - 1:]
        inside = doc_of[:m] == doc_of[n - 1:]
        cand = _may_repeat(key, np.flatnonzero(inside & repeated[:m] & repeated[1:m + 1]))
        repeated = np.zeros(m, dtype=bool)
        if n in TOP_N:
            # Exact counts, hash-based (O(n)): codes numbered in order of first appearance.
            import pandas as pd  # here, not at the top: 1.6 s of every command's start-up

            inverse, _ = pd.factorize(key[cand])
            count = np.bincount(inverse)
            first = np.empty(len(count), dtype=np.int64)
            first[inverse[::-1]] = np.arange(len(inverse) - 1, -1, -1)
            repeated[cand[count[inverse] > 1]] = True
            _top(out[n], n, cand, first, count, doc_of, starts, counts, cum, chars)
        else:
            repeated[cand] = True  # a superset of the repeated n-grams is enough from here
        if n in DUP_N:
            _dup(out[n], n, np.flatnonzero(repeated), key, doc_of, cum, chars)
    return out


_MIX = np.uint64(0xD6E8FEB86659FD93)


def _may_repeat(key: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """The candidates whose key shares a hash bucket with another candidate's: every key that
    occurs twice, and a few that collide (cheaper than counting the keys exactly)."""
    if len(cand) < 2:
        return cand[:0]
    bits = min(int(len(cand) * 4 - 1).bit_length(), 22)  # at most 4M buckets (32 MB)
    bucket = ((key[cand] * _MIX) >> np.uint64(64 - bits)).astype(np.int64)
    return cand[np.bincount(bucket, minlength=1 << bits)[bucket] > 1]


def _top(out, n, cand, first, count, doc_of, starts, counts, cum, chars) -> None:
    # A document without a repeated n-gram: its most frequent one is its first (count 1).
    has = counts >= n
    pos = starts[has]
    out[has] = (cum[pos + n] - cum[pos] + n - 1) / np.maximum(chars[has], 1)
    keep = count > 1
    if not keep.any():
        return
    pos, cnt = cand[first[keep]], count[keep]
    docs = doc_of[pos]
    order = np.lexsort((pos, -cnt, docs))  # per document: highest count, then first seen
    head = order[np.concatenate([[True], docs[order][1:] != docs[order][:-1]])]
    p, d = pos[head], docs[head]
    out[d] = (cum[p + n] - cum[p] + n - 1) * cnt[head] / np.maximum(chars[d], 1)


def _dup(out, n, positions, key, doc_of, cum, chars) -> None:
    # Left to right, as datatrove reads: a repeat adds its characters and skips its words;
    # a skipped position is not remembered. Positions that never repeat change nothing.
    seen: set[int] = set()
    skip_until = -1
    found = np.zeros(len(out))
    for i, k in zip(positions.tolist(), key[positions].tolist()):
        if i < skip_until:
            continue
        if k in seen:
            found[doc_of[i]] += cum[i + n] - cum[i]
            skip_until = i + n
        else:
            seen.add(k)
    out[:] = found / np.maximum(chars, 1)


def compute(batch: Batch) -> dict[str, list]:
    signals = line_signals(batch)
    grams = ngram_signals(batch.vocab, [len(t) for t in batch.texts])
    result = {c.name: signals[c.name] for c in COLUMNS[:4]}
    for c, n in zip(COLUMNS[4:], (*TOP_N, *DUP_N)):
        result[c.name] = grams[n].tolist()
    return result


ANNOTATOR = Annotator("repetition", COLUMNS, compute)
