"""Lookup tables that let numpy extract langdetect's n-grams without a per-character Python loop.

langdetect (1.0.9) turns a text into a list of character 1-, 2- and 3-grams: every character is
first normalised (`NGram.normalize`: Unicode-block rules, e.g. ASCII punctuation and digits become
a space, every Hangul syllable becomes U+AC00, Kanji map to a class representative), then after
each character the 1-3 most recent characters of the current word are emitted, but only those
present in some language profile. The profiles are read from the installed langdetect package
the way its `DetectorFactory` reads them (see load_profiles), so probabilities and the language
order are the very floats and order langdetect uses.

Everything here is derived from the profiles (~1 s of CPU and ~170 MB of arrays) and kept on disk
(see `tables`), so a process maps the arrays instead of deriving them:
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

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass, fields
from functools import lru_cache
from itertools import compress
from pathlib import Path

import numpy as np

BMP = 0x10000
ONE_GRAM, TWO_GRAM, UPPER = 1, 2, 8  # bits of flags_of_cp and pair


@dataclass(frozen=True)
class Tables:
    langs: tuple[str, ...]
    alphabet: str  # every character of every profile n-gram; its ids are 1..len(alphabet)
    P: np.ndarray  # (rows + 1, n_langs) float64: langdetect's word_lang_prob_map, then zeros
    # Per BMP code point; astral ones (normalised to themselves, in no profile) have id 0 and
    # their case is looked up by the caller.
    alpha_of_cp: np.ndarray  # (0x10000,) intp: alphabet id of the normalised code point
    upper_of_cp: np.ndarray  # (0x10000,) bool: normalised character is upper case
    # (0x10000,) uint8: bit 0 (ONE_GRAM) set if the normalised code point is a 1-gram, bit 3
    # (UPPER) if it is upper case: one gather gives both.
    flags_of_cp: np.ndarray
    space: int  # alphabet id of ' '
    width: int  # alphabet size + 1 (ids are 1..A, 0 = unknown)
    row1: np.ndarray  # (width,) int32: row of the 1-gram, -1 if none
    row2: np.ndarray  # (width**2,) int32: row of the 2-gram a*width+b, -1 if none
    # (width**2,) int32: for the pair a*width+b, TWO_GRAM (2) if it is a 2-gram, plus 4 * (1 +
    # index of the 3-gram prefix ab, 0 if none): one gather for both.
    pair: np.ndarray
    member3: np.ndarray  # ((n_prefixes+1)*width,) bool: 3-gram prefix*width+c exists
    keys3: np.ndarray  # sorted int64 keys prefix*width+c of all 3-grams
    rows3: np.ndarray  # int32 rows of keys3


def _normalised_bmp() -> np.ndarray:
    """NGram.normalize for every BMP code point. It only rewrites characters of a dozen Unicode
    blocks (returning every other character unchanged), and maps the kana, Bopomofo and Hangul
    blocks wholesale to one character and the CJK block through its CJK_MAP: so normalize is asked
    per character only in the small blocks (~1,200 calls, not 65,536). Astral code points map to
    themselves. Both are checked in tests against NGram.normalize on every code point."""
    from langdetect.utils import unicode_block as ub
    from langdetect.utils.ngram import NGram

    spans = {name: (start, min(end, BMP - 1) + 1) for name, start, end in ub._unicode_blocks}
    norm = np.arange(BMP, dtype=np.int32)
    for block in (ub.UNICODE_HIRAGANA, ub.UNICODE_KATAKANA, ub.UNICODE_BOPOMOFO,
                  ub.UNICODE_BOPOMOFO_EXTENDED, ub.UNICODE_HANGUL_SYLLABLES):
        start, end = spans[block]
        norm[start:end] = ord(NGram.normalize(chr(start)))
    start, end = spans[ub.UNICODE_CJK_UNIFIED_IDEOGRAPHS]
    for ch, rep in NGram.CJK_MAP.items():
        if start <= ord(ch) < end:
            norm[ord(ch)] = ord(rep)
    for block in (ub.UNICODE_BASIC_LATIN, ub.UNICODE_LATIN_1_SUPPLEMENT, ub.UNICODE_LATIN_EXTENDED_B,
                  ub.UNICODE_GENERAL_PUNCTUATION, ub.UNICODE_ARABIC,
                  ub.UNICODE_LATIN_EXTENDED_ADDITIONAL):
        start, end = spans[block]
        norm[start:end] = [ord(NGram.normalize(chr(c))) for c in range(start, end)]
    return norm


def load_profiles() -> tuple[tuple[str, ...], list[str], np.ndarray]:
    """(languages, n-grams, P) exactly as DetectorFactory.load_profile builds langlist and
    word_lang_prob_map from the package's profiles: languages in os.listdir order (which is also
    langdetect's tie order), n-grams numbered in order of first appearance, p(w|lang) =
    freq / n_words[len(w) - 1] in float64 (the same IEEE division as langdetect's
    `1.0 * freq / n_words[...]`, done per profile by numpy). Read directly rather than through
    langdetect's factory, which holds ~5 M Python floats (~150 MB, ~1 s).
    P has one extra row of zeros at the end, see langid_sample.estimate."""
    from langdetect.detector_factory import PROFILES_DIRECTORY

    langs: list[str] = []
    keys: list[str] = []  # every profile's kept n-grams, one profile after the other
    cols, vals = [], []
    for name in os.listdir(PROFILES_DIRECTORY):
        path = os.path.join(PROFILES_DIRECTORY, name)
        if name.startswith(".") or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            profile = json.load(f)
        freq = profile["freq"]
        lens = np.fromiter(map(len, freq), np.int64, len(freq))
        # langdetect keeps longer keys too, with all-zero probabilities: they never match.
        keep = (lens >= 1) & (lens <= 3)
        n_words = np.array(profile["n_words"], dtype=np.float64)
        freqs = np.fromiter(freq.values(), np.float64, len(freq))[keep]
        vals.append(freqs / n_words[lens[keep] - 1])
        keys.extend(compress(freq, keep.tolist()))
        cols.append(np.full(vals[-1].size, len(langs)))
        langs.append(profile["name"])
    words = list(dict.fromkeys(keys))
    row_of = dict(zip(words, range(len(words))))
    rows = np.fromiter(map(row_of.__getitem__, keys), np.intp, len(keys))
    P = np.zeros((len(words) + 1, len(langs)))
    P[rows, np.concatenate(cols)] = np.concatenate(vals)
    return tuple(langs), words, P


@lru_cache(maxsize=1)
def tables() -> Tables:
    """The tables, mapped read-only from the machine's cache folder (`cache_root`), derived and
    stored there first when absent or unreadable. Every run's annotate workers used to derive
    them again: ~1 s of CPU and 170 MB of private memory each; mapped, they cost ~10 ms and share
    the page cache. Without a writable cache folder they are derived in memory, as before."""
    root = cache_root()
    if root is None:
        return build_tables()
    entry = root / f"langid-{_key()}"
    try:
        return _load(entry)
    except (OSError, ValueError, KeyError, TypeError):  # absent, cut short, or not ours
        pass
    damaged = entry.exists()
    built = build_tables()
    try:
        _store(built, entry, replace=damaged)
        return _load(entry)
    except (OSError, ValueError, KeyError, TypeError) as e:  # a read-only or full disk
        # Not an error: the run's output is the same, only each process derives its own tables.
        logging.getLogger(__name__).info("language tables not cached in %s: %s", root, e)
        return built


def cache_root() -> Path | None:
    """$NEWSPREP_CACHE_DIR, else $XDG_CACHE_HOME/newsprep, else ~/.cache/newsprep; None when
    NEWSPREP_CACHE_DIR is "off". Derived files only: deleting the folder costs one rebuild."""
    env = os.environ.get("NEWSPREP_CACHE_DIR")
    if env == "off":
        return None
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "newsprep"


def _key() -> str:
    """What the tables derive from: the profiles' bytes in directory order (which is langdetect's
    language order), langdetect's normalisation code, this file, and numpy's file format."""
    import langdetect
    from langdetect.detector_factory import PROFILES_DIRECTORY
    from langdetect.utils import ngram, unicode_block

    h = hashlib.sha256(f"numpy {np.__version__.split('.')[0]}".encode())
    for name in os.listdir(PROFILES_DIRECTORY):
        h.update(name.encode() + b"\0" + Path(PROFILES_DIRECTORY, name).read_bytes())
    for path in (ngram.__file__, unicode_block.__file__, __file__, langdetect.__file__):
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:24]


_SCALARS = ("langs", "alphabet", "space", "width")


def _store(t: Tables, entry: Path, replace: bool) -> None:
    """Write the entry whole under another name, then rename it into place: a reader sees a
    complete entry or none. A damaged one (a file cut short) is replaced."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    meta = {name: getattr(t, name) for name in _SCALARS}
    arrays = {f.name: getattr(t, f.name) for f in fields(t) if f.name not in _SCALARS}
    meta["arrays"] = {name: [str(a.dtype), list(a.shape)] for name, a in arrays.items()}
    for name, a in arrays.items():
        np.save(tmp / f"{name}.npy", a, allow_pickle=False)
    (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    if replace:  # the entry failed to load: out of the way first
        shutil.rmtree(entry, ignore_errors=True)
    try:
        os.rename(tmp, entry)
    except OSError:  # another process stored the same entry meanwhile
        shutil.rmtree(tmp, ignore_errors=True)


def _load(entry: Path) -> Tables:
    meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    arrays = {}
    for name, (dtype, shape) in meta.pop("arrays").items():
        a = np.load(entry / f"{name}.npy", mmap_mode="r", allow_pickle=False)  # checks the size
        if str(a.dtype) != dtype or list(a.shape) != shape:
            raise ValueError(f"{name}.npy is not the array the entry describes")
        arrays[name] = np.asarray(a)  # a plain read-only ndarray over the mapping
    meta["langs"] = tuple(meta["langs"])
    return Tables(**meta, **arrays)


def build_tables() -> Tables:
    langs, words, P = load_profiles()

    alphabet = sorted({ch for w in words for ch in w} | {" "})
    width = len(alphabet) + 1
    ids = {ch: i for i, ch in enumerate(alphabet, start=1)}
    assert max(map(ord, alphabet)) < BMP  # astral characters are in no profile n-gram
    alpha_id = np.zeros(BMP, dtype=np.intp)
    alpha_id[[ord(ch) for ch in alphabet]] = np.arange(1, width)

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
    assert 4 * (len(prefixes) + 1) < 1 << 31
    pair = np.zeros(width * width, dtype=np.int32)
    for i, p in enumerate(prefixes):
        pair[aid(p[0]) * width + aid(p[1])] = 4 * (i + 1)
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
    pair[row2 >= 0] |= TWO_GRAM
    flags_of_cp = np.where((row1 >= 0)[alpha_of_cp], ONE_GRAM, 0).astype(np.uint8)
    flags_of_cp[upper_of_cp] |= UPPER
    return Tables(
        langs=langs, alphabet="".join(alphabet), P=P, alpha_of_cp=alpha_of_cp, upper_of_cp=upper_of_cp,
        flags_of_cp=flags_of_cp, space=aid(" "), width=width, row1=row1, row2=row2, pair=pair,
        member3=member3, keys3=keys3, rows3=rows3,
    )
