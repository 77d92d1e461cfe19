"""Lookup tables that let numpy extract langdetect's n-grams without a per-character Python loop.

langdetect (1.0.9) turns a text into a list of character 1-, 2- and 3-grams: every character is
first normalised (`NGram.normalize`: Unicode-block rules, e.g. ASCII punctuation and digits become
a space, every Hangul syllable becomes U+AC00, Kanji map to a class representative), then after
each character the 1-3 most recent characters of the current word are emitted, but only those
present in some language profile. The profiles are read from the installed langdetect package
the way its `DetectorFactory` reads them (see load_profiles), so probabilities and the language
order are the very floats and order langdetect uses.

Everything here is derived once per process (~1 s of CPU, ~200 MB) and cached:
  * per BMP code point: the compact id of its *normalised* character in the profiles' alphabet
    (0 = in no profile n-gram, so no n-gram containing it can match) and whether the normalised
    character is upper case (langdetect skips n-grams inside runs of capitals);
  * dense tables: 1-gram -> row, (char, char) -> 2-gram row, (char, char) -> 3-gram prefix id and a
    membership bitmap over (prefix id, char) for 3-grams; 3-gram rows are found by binary search,
    only for the few n-grams that are actually sampled;
  * P: the (rows x languages) matrix of langdetect's per-n-gram probabilities
    freq(w, lang) / n_words(lang, len(w)).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

BMP = 0x10000


@dataclass(frozen=True)
class Tables:
    langs: tuple[str, ...]
    alphabet: str  # every character of every profile n-gram; its ids are 1..len(alphabet)
    P: np.ndarray  # (rows + 1, n_langs) float64: langdetect's word_lang_prob_map, then zeros
    # Per BMP code point; astral ones (normalised to themselves, in no profile) have id 0 and
    # their case is looked up by the caller.
    alpha_of_cp: np.ndarray  # (0x10000,) uint16: alphabet id of the normalised code point
    upper_of_cp: np.ndarray  # (0x10000,) bool: normalised character is upper case
    space: int  # alphabet id of ' '
    width: int  # alphabet size + 1 (ids are 1..A, 0 = unknown)
    has1_of_cp: np.ndarray  # (0x10000,) bool: the normalised code point is a 1-gram
    row1: np.ndarray  # (width,) int32: row of the 1-gram, -1 if none
    row2: np.ndarray  # (width**2,) int32: row of the 2-gram a*width+b, -1 if none
    has2: np.ndarray  # (width**2,) bool: row2 >= 0 (a smaller table for the per-character pass)
    prefix3: np.ndarray  # (width**2,) uint16: 1 + index of the 3-gram prefix a*width+b, 0 if none
    member3: np.ndarray  # ((n_prefixes+1)*width,) bool: 3-gram prefix*width+c exists
    keys3: np.ndarray  # sorted int64 keys prefix*width+c of all 3-grams
    rows3: np.ndarray  # int32 rows of keys3


def _normalised_bmp() -> np.ndarray:
    """NGram.normalize for every BMP code point. It only rewrites characters of BMP blocks, so
    astral code points map to themselves (checked in tests against langdetect itself)."""
    from langdetect.utils.ngram import NGram

    return np.array([ord(NGram.normalize(chr(c))) for c in range(0x10000)], dtype=np.int32)


def load_profiles() -> tuple[tuple[str, ...], list[str], np.ndarray]:
    """(languages, n-grams, P) exactly as DetectorFactory.load_profile builds langlist and
    word_lang_prob_map from the package's profiles: languages in os.listdir order (which is also
    langdetect's tie order), p(w|lang) = freq / n_words[len(w) - 1] in float64. Read directly
    rather than through langdetect's factory, which holds ~5 M Python floats (~150 MB, ~1 s).
    P has one extra row of zeros at the end, see langid_sample.estimate."""
    from langdetect.detector_factory import PROFILES_DIRECTORY

    langs: list[str] = []
    row_of: dict[str, int] = {}
    cells: list[tuple[int, int, float]] = []
    for name in os.listdir(PROFILES_DIRECTORY):
        path = os.path.join(PROFILES_DIRECTORY, name)
        if name.startswith(".") or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            profile = json.load(f)
        index = len(langs)
        langs.append(profile["name"])
        n_words = profile["n_words"]
        for word, freq in profile["freq"].items():
            if 1 <= len(word) <= 3:  # langdetect keeps longer keys with all-zero probabilities
                cells.append((row_of.setdefault(word, len(row_of)), index,
                              1.0 * freq / n_words[len(word) - 1]))
    P = np.zeros((len(row_of) + 1, len(langs)))
    r, c, v = zip(*cells)
    P[np.array(r), np.array(c)] = v
    return tuple(langs), list(row_of), P


@lru_cache(maxsize=1)
def tables() -> Tables:
    langs, words, P = load_profiles()

    alphabet = sorted({ch for w in words for ch in w} | {" "})
    width = len(alphabet) + 1
    ids = {ch: i for i, ch in enumerate(alphabet, start=1)}
    assert max(map(ord, alphabet)) < BMP  # astral characters are in no profile n-gram
    alpha_id = np.zeros(BMP, dtype=np.uint16)
    alpha_id[[ord(ch) for ch in alphabet]] = np.arange(1, width, dtype=np.uint16)

    norm = _normalised_bmp()
    upper = np.fromiter((chr(c).isupper() for c in range(BMP)), bool, BMP)
    alpha_of_cp = alpha_id[norm]
    upper_of_cp = upper[norm]
    aid = ids.__getitem__

    row1 = np.full(width, -1, dtype=np.int32)
    row2 = np.full(width * width, -1, dtype=np.int32)
    tri = [(r, w) for r, w in enumerate(words) if len(w) == 3]
    prefixes = sorted({w[:2] for _, w in tri})
    # Membership alone decides which n-grams are emitted: no profile holds ' ', '  ' or a 3-gram
    # with a space in the middle, which langdetect never emits (the code relies on it).
    assert not any(w in (" ", "  ") or (len(w) == 3 and w[1] == " ") for w in words)
    assert len(prefixes) < 0xFFFF
    prefix3 = np.zeros(width * width, dtype=np.uint16)
    for i, p in enumerate(prefixes):
        prefix3[aid(p[0]) * width + aid(p[1])] = i + 1
    for r, w in enumerate(words):
        if len(w) == 1:
            row1[aid(w)] = r
        elif len(w) == 2:
            row2[aid(w[0]) * width + aid(w[1])] = r
    prefix_id = {p: i + 1 for i, p in enumerate(prefixes)}
    keys3 = np.array([prefix_id[w[:2]] * width + aid(w[2]) for _, w in tri], dtype=np.int64)
    order = np.argsort(keys3)
    keys3 = keys3[order]
    rows3 = np.array([r for r, _ in tri], dtype=np.int32)[order]
    member3 = np.zeros((len(prefixes) + 1) * width, dtype=bool)
    member3[keys3] = True
    return Tables(
        langs=langs, alphabet="".join(alphabet), P=P, alpha_of_cp=alpha_of_cp, upper_of_cp=upper_of_cp,
        space=aid(" "), width=width, has1_of_cp=(row1 >= 0)[alpha_of_cp], row1=row1, row2=row2,
        has2=row2 >= 0, prefix3=prefix3,
        member3=member3, keys3=keys3, rows3=rows3,
    )
