"""langdetect's n-gram list for a batch of texts, vectorised over all their characters at once.

`Detector.append` + `cleaning_text` + `_extract_ngrams` (langdetect 1.0.9) do, per text:
  1. replace URLs and e-mail addresses by a space, apply the Vietnamese diacritic normalisation,
     keep the first `max_text_length` characters and drop every ' ' that follows a ' ';
  2. if fewer than half as many characters lie in 'A'..'z' as at or above U+0300, drop the
     'A'..'z' ones (the Latin text is noise in a non-Latin page). (langdetect compares a block
     *number* with the string 'Latin Extended Additional', so that exclusion never applies: every
     character >= U+0300 counts, and so it does here.)
  3. walk the characters through `NGram`: after normalising character s_i, emit the 1-gram s_i,
     the 2-gram s_{i-1}s_i and the 3-gram s_{i-2}s_{i-1}s_i, in that order, skipping the ones in no
     profile, a lone ' ', 3-grams whose middle character is a space (the buffer restarts at each
     space, so it never spans a word boundary), and all three when s_i and s_{i-1} are both upper
     case (`capitalword`). A text starts as if preceded by a space.
Step 1 is a couple of C-speed regex passes per text; steps 2-3 run on one code-point array for
the whole batch, texts separated by a NUL that plays the leading space and emits nothing.

The result lists where each emitted n-gram sits (character, length), so the j-th n-gram of a text
(what `random.choice` picks) is one lookup; the profile rows of 3-grams (a binary search) are only
computed for the n-grams that are actually sampled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .langid_tables import BMP, Tables

def prepare(text: str, max_chars: int) -> str:
    """Step 1 up to the space collapse: exactly Detector.append's string operations."""
    from langdetect.detector import Detector
    from langdetect.utils.ngram import NGram

    # Each pattern needs a literal ('http', '@', a combining mark): skip the scan when absent.
    if "http" in text:
        text = Detector.URL_RE.sub(" ", text)
    if "@" in text:
        text = Detector.MAIL_RE.sub(" ", text)
    if any(mark in text for mark in NGram.DMARK_CLASS):
        text = NGram.normalize_vi(text)
    return text[:max_chars]


@dataclass
class Batch:
    """N-grams of a batch of texts: text d owns the emitted n-grams offset[d] .. offset[d]+count[d]-1."""

    count: np.ndarray  # (D,) int64: len(ngrams) of each text
    offset: np.ndarray  # (D,) int64: global index of each text's first n-gram
    where: np.ndarray  # (n-grams,) int64: 3 * character + (length - 1) of each emitted n-gram
    row: np.ndarray  # (3 * L,) int32: profile row of each (character, length); -1 for 3-grams
    key3: np.ndarray  # (L,) int32: lookup key of the 3-gram ending at each character

    def rows(self, g: np.ndarray, T: Tables) -> np.ndarray:
        """Profile rows of the global n-gram indices g (3-gram rows by binary search)."""
        w = self.where[g]
        out = self.row[w]
        tri = out < 0
        if tri.any():
            out[tri] = T.rows3[np.searchsorted(T.keys3, self.key3[w[tri] // 3])]
        return out


def _codepoints(texts: list[str]) -> np.ndarray:
    """Code points of NUL + text for every text, concatenated (int32). Pure-ASCII texts (most news)
    take the byte path, many times faster than CPython's UTF-32 encoder."""
    parts = []
    for t in texts:
        if t.isascii():
            parts.append(np.frombuffer(("\0" + t).encode("ascii"), dtype=np.uint8))
        else:
            parts.append(np.frombuffer(("\0" + t).encode("utf-32-le", "surrogatepass"), dtype="<i4"))
    return np.concatenate(parts, dtype=np.int32, casting="unsafe")


def _per_text(flags: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Number of True flags in each text's segment [starts[d], starts[d+1])."""
    c = np.concatenate(([0], np.cumsum(flags, dtype=np.int64)))
    return np.diff(np.append(c[starts], c[-1]))


def extract(texts: Sequence[str], max_chars: int, T: Tables) -> Batch:
    prepared = [prepare(t, max_chars) for t in texts]
    lengths = np.fromiter(map(len, prepared), np.int64, len(prepared)) + 1  # + the NUL
    cp = _codepoints(prepared)
    starts = np.cumsum(lengths) - lengths  # position of each text's NUL

    # Step 1 (end): drop ' ' after ' ' (the NUL is not a space, so a leading space stays).
    space = cp == 32
    keep = space[1:] & space[:-1]
    # Step 2: per text, Latin letters vs characters >= U+0300 (dropped spaces count in neither).
    latin = (cp >= 0x41) & (cp <= 0x7A)
    n_latin = _per_text(latin, starts)
    n_other = _per_text(cp >= 0x300, starts)
    noisy = n_latin * 2 < n_other
    keep = ~np.concatenate(([False], keep))
    if noisy.any():
        keep &= ~(latin & np.repeat(noisy, lengths))
    is_sep = np.zeros(cp.size, dtype=bool)
    is_sep[starts] = True
    if not keep.all():
        cp, is_sep = cp[keep], is_sep[keep]

    # Step 3. Alphabet ids of the normalised characters; the NUL normalises to ' '.
    bmp = cp < BMP
    if bmp.all():
        a = T.alpha_of_cp[cp].astype(np.int32)
        up = T.upper_of_cp[cp]
    else:  # astral characters: normalised to themselves, in no profile
        safe = np.where(bmp, cp, 0)
        a = np.where(bmp, T.alpha_of_cp[safe], 0).astype(np.int32)
        up = T.upper_of_cp[safe]
        astral = np.flatnonzero(~bmp)
        up[astral] = [chr(c).isupper() for c in cp[astral].tolist()]
    a_prev = np.empty_like(a)
    a_prev[0], a_prev[1:] = T.space, a[:-1]
    emit = ~is_sep
    emit[1:] &= ~(up[1:] & up[:-1])  # capitalword: two capitals in a row emit nothing
    W = T.width
    key2 = a_prev * W + a
    pre3 = np.empty_like(a)
    pre3[0] = 0
    pre3[1:] = T.prefix3[key2[:-1]]  # prefix id of s_{i-2}s_{i-1}
    key3 = pre3 * W + a
    row = np.empty((cp.size, 3), dtype=np.int32)
    row[:, 0] = T.row1[a]
    row[:, 1] = T.row2[key2]
    row[:, 2] = -1
    ok = np.empty((cp.size, 3), dtype=bool)
    np.greater_equal(row[:, :2], 0, out=ok[:, :2])
    ok[:, 2] = T.member3[key3] & (a_prev != T.space)
    ok &= emit[:, None]
    where = np.flatnonzero(ok)
    # Texts are contiguous and each starts with its (never emitting) NUL.
    sep_pos = np.flatnonzero(is_sep)
    offset = np.searchsorted(where, 3 * sep_pos)
    count = np.diff(np.append(offset, where.size))
    return Batch(count=count, offset=offset, where=where, row=row.ravel(), key3=key3)
