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
Step 1 is a few C-speed string passes per text (each regex only when its literal occurs), step 2
a count on the text's code points; step 3 runs on one code-point array for the whole batch, texts
separated by a NUL that plays the leading space and emits nothing: a handful of table gathers per
character (see langid_tables), no Python loop.

The result keeps, per character, a 3-bit mask of the emitted n-grams and their running count, so
the j-th n-gram of a text (what `random.choice` picks) is found by binary search, and profile rows
are only looked up for the few hundred n-grams per text that are actually sampled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .tables import BMP, ONE_GRAM, TWO_GRAM, UPPER, Tables

# Set bits of a 3-bit mask, and NTH[mask, r] = length of the r-th emitted n-gram (1-based).
POPCOUNT = np.array([bin(m).count("1") for m in range(8)], dtype=np.uint8)
NTH = np.zeros((8, 3), dtype=np.int8)
for _m in range(8):
    _ns = [n for n in (1, 2, 3) if _m >> (n - 1) & 1]
    NTH[_m, : len(_ns)] = _ns

BLOCK = 32  # characters per block of the two-level search in Batch.position
# Reach of langdetect's e-mail pattern around its '@' (see _remove_mail).
MAIL_BEFORE, MAIL_AFTER = 64, 510


def prepare(text: str, max_chars: int) -> str:
    """Step 1: exactly Detector.append's string operations, but for the space collapse, which
    _codepoints does on the code points (a numpy pass costs less than a string scan for '  ')."""
    from langdetect.detector import Detector
    from langdetect.utils.ngram import NGram

    # Each pattern needs a literal ('http', '@', a combining mark): skip the scan when absent.
    if "http" in text:
        text = Detector.URL_RE.sub(" ", text)
    if "@" in text:
        text = _remove_mail(text, Detector.MAIL_RE)
    for mark in NGram.DMARK_CLASS:
        if mark in text:
            text = NGram.normalize_vi(text)
            break
    return text[:max_chars]  # cut before the space collapse, as append does


def _remove_mail(text: str, mail_re: re.Pattern) -> str:
    """mail_re.sub(" ", text), scanning only near the '@'s. langdetect's pattern
    `[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}` has no anchor or lookaround,
    so whether and how far it matches from a position depends only on the MAIL_REACH characters
    that follow; every match holds exactly one '@' and lies within 64 characters before it and
    510 after. So the matches are those of the regions around each '@' (merged where they
    overlap), scanned left to right as sub does; the rest of the text (where the full scan costs
    a failed attempt at every letter) cannot match."""
    spans: list[list[int]] = []
    at = text.find("@")
    while at >= 0:
        lo, hi = max(at - MAIL_BEFORE, 0), at + MAIL_AFTER + 1
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = hi
        else:
            spans.append([lo, hi])
        at = text.find("@", at + 1)
    out, end = [], 0
    for lo, hi in spans:
        out.append(text[end:lo])
        out.append(mail_re.sub(" ", text[lo:hi]))
        end = hi
    out.append(text[end:])
    return "".join(out)


def _codepoints(text: str) -> np.ndarray:
    """Code points of NUL + text, in the narrowest codec that holds them (CPython's ASCII,
    Latin-1 and UTF-16 encoders are memcpy-like, its UTF-32 encoder is not); the rest of step 1
    (append drops every ' ' that follows a ' ') and step 2 applied."""
    text = "\0" + text
    ascii_only = text.isascii()
    try:
        cp = np.frombuffer(text.encode("latin-1"), dtype=np.uint8)
    except UnicodeEncodeError:
        b = text.encode("utf-16-le", "surrogatepass")
        if len(b) == 2 * len(text):  # no astral character, so no surrogate pair
            cp = np.frombuffer(b, dtype="<u2")
        else:
            cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<i4")
    space = cp == 0x20
    double = space[1:] & space[:-1]  # the NUL at 0 is no space: a leading ' ' stays
    if double.any():
        cp = np.concatenate((cp[:1], cp[1:][~double]))
    if ascii_only:
        return cp
    # Step 2: Latin noise in a non-Latin text.
    other = np.count_nonzero(cp >= 0x300)
    if other:
        latin = (cp >= 0x41) & (cp <= 0x7A)
        if np.count_nonzero(latin) * 2 < other:
            cp = cp[~latin]
    return cp


@dataclass
class Batch:
    """N-grams of a batch of texts: text d owns the emitted n-grams offset[d] .. offset[d]+count[d]-1."""

    count: np.ndarray  # (D,) int64: len(ngrams) of each text
    offset: np.ndarray  # (D,) int64: global index of each text's first n-gram
    cum: np.ndarray  # (L,) int32: n-grams emitted up to and including each character
    mask: np.ndarray  # (L,) uint8: bit n-1 set if the n-gram of length n ending there is emitted
    a: np.ndarray  # (L,) intp: alphabet id of each (normalised) character
    key2: np.ndarray  # (L,) intp: lookup key of the 2-gram ending at each character
    key3: np.ndarray  # (L,) intp: lookup key of the 3-gram ending at each character
    block_cum: np.ndarray | None = None  # cum at the last character of each block

    def position(self, d: np.ndarray, j: np.ndarray) -> np.ndarray:
        """The character holding n-gram j of text d: the first character c with cum[c] > g,
        g = offset[d] + j. A binary search over the whole cum misses the cache at most of its ~22
        steps (~1 us each); searching the block totals first (a small, cache-resident array),
        then within one block (two cache lines), costs about two misses."""
        g = self.offset[d] + j
        if self.block_cum is None:
            self.block_cum = self.cum[BLOCK - 1 :: BLOCK].copy()
        pos = np.searchsorted(self.block_cum, g, side="right") * BLOCK  # first char of the block
        # Within the block, count the characters with cum <= g (a prefix, cum is sorted) by
        # binary lifting; the block's last character has cum > g (or is past the end).
        last = self.cum.size - 1
        step = BLOCK >> 1
        while step:
            probe = np.minimum(pos + (step - 1), last)
            pos += step * (self.cum[probe] <= g)
            step >>= 1
        return pos

    def rows(self, d: np.ndarray, j: np.ndarray, T: Tables) -> np.ndarray:
        """Profile rows of n-gram j (0 <= j < count[d]) of text d."""
        pos = self.position(d, j)
        m = self.mask[pos]
        n = NTH[m, self.offset[d] + j - (self.cum[pos] - POPCOUNT[m])]
        out = np.where(n == 1, T.row1[self.a[pos]], T.row2[self.key2[pos]])
        tri = n == 3
        if tri.any():
            out[tri] = T.rows3[np.searchsorted(T.keys3, self.key3[pos[tri]])]
        return out


def extract(texts: Sequence[str], max_chars: int, T: Tables) -> Batch:
    parts = [_codepoints(prepare(t, max_chars)) for t in texts]
    lengths = np.fromiter(map(len, parts), np.int64, len(parts))
    # Index arrays are intp: numpy converts any other index dtype on every gather.
    cp = np.concatenate(parts, dtype=np.intp, casting="unsafe")
    starts = np.cumsum(lengths) - lengths  # position of each text's NUL

    # Step 3. Alphabet ids of the normalised characters (the NUL normalises to ' ') and their
    # flags (1-gram, upper case).
    if cp.max(initial=0) < BMP:
        a = T.alpha_of_cp[cp]
        flags = T.flags_of_cp[cp]
    else:  # astral characters: normalised to themselves, in no profile
        bmp = cp < BMP
        safe = np.where(bmp, cp, 0)
        a = np.where(bmp, T.alpha_of_cp[safe], 0)
        flags = np.where(bmp, T.flags_of_cp[safe], 0).astype(np.uint8)
        astral = np.flatnonzero(~bmp)
        flags[astral] = [UPPER if chr(c).isupper() else 0 for c in cp[astral].tolist()]
    W = T.width
    # 2-gram s_{i-1}s_i and 3-gram s_{i-2}s_{i-1}s_i keys (position 0 is a NUL: nothing emitted).
    key2 = np.empty_like(a)
    key2[0] = T.space * W + a[0]
    np.multiply(a[:-1], W, out=key2[1:])
    key2[1:] += a[1:]
    pair = T.pair[key2]  # TWO_GRAM, and 4 * the prefix id of s_{i-1}s_i for the 3-gram at i+1
    key3 = np.empty_like(a)
    key3[0] = 0
    np.right_shift(pair[:-1], 2, out=key3[1:], casting="unsafe")
    key3[1:] *= W
    key3[1:] += a[1:]
    mask = flags & ONE_GRAM
    mask |= (pair & TWO_GRAM).astype(np.uint8)
    mask |= T.member3[key3].view(np.uint8) << 2
    mask[starts] = 0  # the separators
    # capitalword: two capitals in a row emit nothing
    mask[1:][(flags[1:] & flags[:-1]) >= UPPER] = 0
    cum = np.cumsum(POPCOUNT[mask], dtype=np.int32 if mask.size < 1 << 29 else np.int64)
    # Texts are contiguous and each starts with its NUL, which emits nothing.
    offset = cum[starts]
    count = np.diff(np.append(offset, cum[-1]))
    return Batch(count=count, offset=offset, cum=cum, mask=mask, a=a, key2=key2, key3=key3)
