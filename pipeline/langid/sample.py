"""langdetect's seeded random-sampling estimate, replayed for a batch of texts with numpy.

`Detector._detect_block` (langdetect 1.0.9) seeds `random.Random(seed)` and runs 7 trials. Trial t
draws alpha = 0.5 + 0.05 * gauss(0, 1), starts from the uniform prior over the 55 languages and
multiplies it, n-gram after n-gram drawn by `random.choice(ngrams)`, by (alpha / 10000 + p(w|lang));
after draws i = 0, 5, 10, ... it renormalises and stops once the largest probability exceeds
0.99999 (or i reaches 1000). The answer is the average of the 7 final distributions.

The random numbers are the only sequential part, and they depend on the text only through
len(ngrams): Mersenne Twister output is the same 32-bit stream for every text with that seed;
`choice` takes `getrandbits(k) = word >> (32 - k)` with k = len(ngrams).bit_length() and rejects
values >= len(ngrams); `gauss` consumes two `random()` (four words) on even trials and reuses its
cached second value on odd ones. So the stream is generated once per seed, and for every text the
draws of a window of W words are found at once (vectorised over texts and draws); the products are
a cumulative product over the window, checked at the checkpoints of the window. The texts still
running after a window (not converged) go on with the next one; a text whose trial stopped starts
its next trial in the next round, beside texts still in earlier trials.

The products are the same real numbers as langdetect's; only float rounding differs (langdetect
renormalises every 5 draws, here once per window: ~1e-16 relative, which matters only if a
checkpoint lands within that distance of 0.99999). A window holds at most 24 draws, so the
largest probability, at least 1/55 * (alpha/10000)^24, never underflows.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from functools import lru_cache

import numpy as np

N_TRIAL = 7
ALPHA, ALPHA_WIDTH, BASE_FREQ = 0.5, 0.05, 10000
CONV_THRESHOLD, ITERATION_LIMIT, PROB_THRESHOLD = 0.99999, 1000, 0.1
# Draws per text per round, and the 32-bit words read for them (choice accepts >= half of them).
# langdetect needs ~40 draws per trial on news text; 24 wastes little past the stopping point.
WINDOW = 24
RAW_WINDOW = 64


@lru_cache(maxsize=8)
def _stream(seed: int, length: int) -> np.ndarray:
    """The first `length` 32-bit outputs of random.Random(seed), as int64."""
    rng = random.Random(seed)
    return np.array([rng.getrandbits(32) for _ in range(length)], dtype=np.int64)


def stream(seed: int, needed: int) -> np.ndarray:
    length = 1 << 16
    while length < needed:
        length <<= 1
    return _stream(seed, length)


def _random(words: np.ndarray, at: int) -> float:
    """random.random() from the two words at `at` (CPython's genrand_res53)."""
    a, b = int(words[at]) >> 5, int(words[at + 1]) >> 6
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)


@lru_cache(maxsize=4096)
def _gauss_pair(seed: int, at: int) -> tuple[float, float]:
    """random.gauss's (returned, cached) values from the four words at `at` (Python's math, so
    bit-identical to CPython)."""
    words = stream(seed, at + 4)
    x2pi = _random(words, at) * (2.0 * math.pi)
    g2rad = math.sqrt(-2.0 * math.log(1.0 - _random(words, at + 2)))
    return math.cos(x2pi) * g2rad, math.sin(x2pi) * g2rad


def estimate(
    count: np.ndarray,
    rows_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
    P: np.ndarray,
    seed: int,
) -> np.ndarray:
    """langdetect's averaged probabilities (D, n_langs) for texts with `count` n-grams (> 0);
    rows_of(d, j) gives the rows of P of the j-th n-grams of texts d.
    P's last row must be zeros: padding draws (past a text's accepted ones in a window) use it, so
    they multiply by alpha/10000 and only ever come after the last checkpoint looked at."""
    D, n_langs = count.size, P.shape[1]
    pad_row = P.shape[0] - 1
    shift = 32 - np.array([int(n).bit_length() for n in count], dtype=np.int64)
    result = np.zeros((D, n_langs))
    pos = np.zeros(D, dtype=np.int64)  # next unused word of the stream, per text
    # Per text: its current trial, gauss's cached value, the trial's weight, probabilities and
    # draws so far. Each text goes on to its next trial as soon as it finishes one, so a round
    # holds every text still running, whatever its trial: fewer, fuller rounds than trial by
    # trial, and per text the same operations in the same order.
    trial = np.zeros(D, dtype=np.int64)
    cached, weight = np.zeros(D), np.zeros(D)
    prob = np.empty((D, n_langs))
    done = np.zeros(D, dtype=np.int64)
    steps = np.arange(RAW_WINDOW)

    def start(texts: np.ndarray) -> None:
        """Start trial trial[texts] of these texts."""
        z = cached[texts]
        even = trial[texts] % 2 == 0  # gauss draws two fresh random() values
        fresh = texts[even]
        if fresh.size:
            pairs = [_gauss_pair(seed, p) for p in pos[fresh].tolist()]
            z[even] = [p[0] for p in pairs]
            cached[fresh] = [p[1] for p in pairs]
            pos[fresh] += 4
        weight[texts] = (ALPHA + z * ALPHA_WIDTH) / BASE_FREQ
        prob[texts] = 1.0 / n_langs
        done[texts] = 0

    todo = np.arange(D)
    start(todo)
    while todo.size:
        n = todo.size
        words = stream(seed, int(pos[todo].max()) + RAW_WINDOW)
        cand = words[pos[todo, None] + steps] >> shift[todo, None]
        ok = cand < count[todo, None]
        # Pack each text's accepted draws to the left, at most WINDOW of them.
        slot = np.cumsum(ok, axis=1) - 1
        ok &= slot < WINDOW
        n_ok = ok.sum(axis=1)
        d_ok, w_ok = np.nonzero(ok)
        rows = np.full((WINDOW, n), pad_row, dtype=np.int64)
        rows[slot[d_ok, w_ok], d_ok] = rows_of(todo[d_ok], cand[d_ok, w_ok])
        raw_at = np.zeros((n, WINDOW), dtype=np.int64)  # word index of each draw
        raw_at[d_ok, slot[d_ok, w_ok]] = w_ok
        # F[w, d] = prob_d * prod_{v <= w} (weight_d + P[row_{v,d}]): langdetect's products.
        F = np.take(P, rows, axis=0)
        F += weight[todo][None, :, None]
        F[0] *= prob[todo]
        for w in range(1, WINDOW):
            np.multiply(F[w], F[w - 1], out=F[w])
        # Checkpoints: draws whose trial counter i = done + w is a multiple of 5.
        w_first = (-done[todo]) % 5
        w_chk = w_first[None, :] + 5 * np.arange((WINDOW + 4) // 5)[:, None]  # (C, n)
        live = w_chk < n_ok[None, :]
        c_idx, d_idx = np.nonzero(live)
        w_sel = w_chk[c_idx, d_idx]
        at_chk = F[w_sel, d_idx]
        total = at_chk.sum(axis=1)
        stop = (at_chk.max(axis=1) / total > CONV_THRESHOLD) | (
            done[todo[d_idx]] + w_sel >= ITERATION_LIMIT
        )
        # The first stopping checkpoint of each text: order checkpoints by (text, draw).
        order = np.lexsort((w_sel, d_idx))
        hit = order[stop[order]]
        d_stop, first = np.unique(d_idx[hit], return_index=True)
        sel = hit[first]
        finished = todo[d_stop]
        result[finished] += (at_chk[sel] / total[sel, None]) / N_TRIAL
        pos[finished] += raw_at[d_stop, w_sel[sel]] + 1
        going = np.ones(n, dtype=bool)
        going[d_stop] = False
        rest = todo[going]
        # Texts still running carry their (renormalised) product after their last draw, and
        # resume after the last word they consumed (or after the whole window).
        g_idx = np.flatnonzero(going)
        last_w = n_ok[g_idx] - 1
        carried = np.where((last_w >= 0)[:, None], F[np.maximum(last_w, 0), g_idx], prob[rest])
        prob[rest] = carried / carried.sum(axis=1, keepdims=True)
        done[rest] += n_ok[g_idx]
        full = n_ok[g_idx] == WINDOW
        pos[rest] += np.where(full, raw_at[g_idx, WINDOW - 1] + 1, RAW_WINDOW)
        trial[finished] += 1
        again = finished[trial[finished] < N_TRIAL]
        if again.size:
            start(again)
            rest = np.sort(np.concatenate((rest, again)))
        todo = rest
    return result
