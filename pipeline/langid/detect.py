"""Language identification: seeded langdetect's answer, computed for many texts at once with numpy.

The annotate stage reports langdetect's (language, probability) for every document with
`DetectorFactory.seed = seed` and `detect_langs(text)[0]`. In pure Python that costs ~20 ms per
news article, mostly the per-character n-gram extraction and the per-draw probability updates.
`detect_languages` computes the same thing, not an approximation of it:

  * langid_ngrams: the n-gram list langdetect would sample from (same cleanup, normalisation,
    capital-word rule and profiles), vectorised over all characters of a batch;
  * langid_sample: langdetect's 7 seeded random-sampling trials replayed exactly (same random
    stream, same draws, same stopping rule), vectorised over texts and draws.

So the language *and* the score are langdetect's, up to float rounding in the last bits (see
langid_sample); the tests and bench/langid.py check this against real langdetect. langdetect's
profiles are read from the installed package (nothing is downloaded).

Score: langdetect's reported probability of the top language (the average over its 7 trials), not
rounded. (None, None) where langdetect raises LangDetectException (no n-gram of the text is in any
profile: empty, digits, punctuation, ...) and also where it would return an empty list (no language
above 0.1, so `detect_langs(text)[0]` raises IndexError; not seen on real text).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .ngrams import extract
from .sample import PROB_THRESHOLD, estimate
from .tables import tables

# Characters per numpy batch: amortises the per-round numpy calls over many texts while keeping
# the per-character arrays (~60 bytes per character) small enough to be reused, not page-faulted.
BATCH_CHARS = 1_000_000


def detect_languages(
    texts: Sequence[str], seed: int = 0, max_chars: int = 10_000
) -> list[tuple[str | None, float | None]]:
    """(language code, score) per text, langdetect's answer: same codes as langdetect ('en',
    'zh-cn', ...), (None, None) where langdetect finds no features (raises LangDetectException).
    Pure function of its inputs: deterministic, independent of batch composition and order.

    seed: DetectorFactory.seed. max_chars: langdetect's max_text_length, i.e. how many characters
    are read *after* URLs and e-mail addresses are removed; the default 10,000 is langdetect's
    own, so the answer is that of `detect_langs(text)` on the whole text."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    if not isinstance(seed, int):  # seed None would make langdetect (and this) non-deterministic
        raise TypeError("seed must be an int")
    T = tables()
    out: list[tuple[str | None, float | None]] = []
    start = 0
    while start < len(texts):
        # Each text's answer depends on its own characters only, so batching is free to cut anywhere.
        end, size = start, 0
        while end < len(texts) and (end == start or size < BATCH_CHARS):
            size += min(len(texts[end]), 4 * max_chars)
            end += 1
        out.extend(_detect_batch(texts[start:end], seed, max_chars, T))
        start = end
    return out


def _detect_batch(texts, seed, max_chars, T) -> list[tuple[str | None, float | None]]:
    batch = extract(texts, max_chars, T)
    answers: list[tuple[str | None, float | None]] = [(None, None)] * len(texts)
    has = np.flatnonzero(batch.count > 0)
    if has.size == 0:
        return answers
    probs = estimate(batch.count[has], lambda d, j: batch.rows(has[d], j, T), T.P, seed)
    # langdetect sorts by probability, stably (ties keep the profile order): the first argmax.
    best = probs.argmax(axis=1)
    for d, k, p in zip(has.tolist(), best.tolist(), probs[np.arange(has.size), best].tolist()):
        if p > PROB_THRESHOLD:
            answers[d] = (T.langs[k], p)
    return answers


def detect_languages_langdetect(
    texts: Sequence[str], seed: int = 0, max_chars: int = 10_000
) -> list[tuple[str | None, float | None]]:
    """The same answers as `detect_languages`, from langdetect itself, one text at a time (about
    20 ms per news article): for anyone who doubts the replay, or meets a Python whose `random`
    stream changed (`annotate.language_backend: langdetect`)."""
    from langdetect import DetectorFactory, detector_factory
    from langdetect.lang_detect_exception import LangDetectException

    if not isinstance(seed, int):
        raise TypeError("seed must be an int")
    if detector_factory._factory is None:
        detector_factory.init_factory()
    factory = detector_factory._factory
    out: list[tuple[str | None, float | None]] = []
    for text in texts:
        DetectorFactory.seed = seed
        detector = factory.create()
        detector.set_max_text_length(max_chars)
        detector.append(text)
        try:
            best = detector.get_probabilities()
        except LangDetectException:
            out.append((None, None))
            continue
        out.append((best[0].lang, best[0].prob) if best else (None, None))
    return out
