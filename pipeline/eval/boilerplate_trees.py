"""Boosted shallow trees for the line classifier, fitted with numpy (histograms of quantile
bins, Newton leaves, log loss): deterministic, no library, exported as plain arrays
(`linemodel.Trees`). Used by `boilerplate_learn`."""

from __future__ import annotations

import numpy as np

from ..boilerplate import linemodel as lm


def _bins(x: np.ndarray, n_bins: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each feature cut at (up to) n_bins - 1 quantiles: bin codes and the cut values."""
    codes = np.empty(x.shape, dtype=np.int32)
    cuts = []
    qs = np.linspace(0, 1, n_bins + 1)[1:-1]
    for j in range(x.shape[1]):
        c = np.unique(np.quantile(x[:, j], qs))
        cuts.append(c)
        codes[:, j] = np.searchsorted(c, x[:, j], side="left")  # bin k: c[k-1] < v <= c[k]
    return codes, cuts


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, depth: int = 3, n_trees: int = 60,
        rate: float = 0.2, l2: float = 1.0, n_bins: int = 32, min_hess: float = 1.0) -> lm.Trees:
    n, f = x.shape
    w = w / w.sum() * n
    codes, cuts = _bins(x, n_bins)
    base_idx = codes + (np.arange(f, dtype=np.int32) * n_bins)[None, :]
    prior = float(np.clip(np.average(y, weights=w), 1e-6, 1 - 1e-6))
    bias = float(np.log(prior / (1 - prior)))
    score = np.full(n, bias)
    n_inner = 2 ** depth - 1
    feats = np.zeros((n_trees, n_inner), dtype=np.int64)
    thrs = np.full((n_trees, n_inner), np.inf)
    leaves = np.zeros((n_trees, 2 ** depth))
    for t in range(n_trees):
        p = 1.0 / (1.0 + np.exp(-score))
        g, h = w * (p - y), w * p * (1 - p)
        node = np.zeros(n, dtype=np.int64)  # index within the level
        for level in range(depth):
            width = 2 ** level
            idx = (base_idx + (node * (f * n_bins))[:, None].astype(np.int32)).ravel()
            size = width * f * n_bins
            hg = np.bincount(idx, np.repeat(g, f), size).reshape(width, f, n_bins)
            hh = np.bincount(idx, np.repeat(h, f), size).reshape(width, f, n_bins)
            cg, ch = np.cumsum(hg, axis=2), np.cumsum(hh, axis=2)
            tg, th = cg[:, :, -1:], ch[:, :, -1:]
            gain = cg ** 2 / (ch + l2) + (tg - cg) ** 2 / (th - ch + l2) - tg ** 2 / (th + l2)
            gain[(ch < min_hess) | (th - ch < min_hess)] = -np.inf
            go_right = np.zeros(n, dtype=bool)
            for k in range(width):
                j, b = np.unravel_index(np.argmax(gain[k]), gain[k].shape)
                at = 2 ** level - 1 + k
                if gain[k, j, b] > 1e-12 and b < len(cuts[j]):
                    feats[t, at], thrs[t, at] = j, cuts[j][b]
                    sel = node == k
                    go_right[sel] = codes[sel, j] > b
            node = 2 * node + go_right
        lg = np.bincount(node, g, 2 ** depth)
        lh = np.bincount(node, h, 2 ** depth)
        leaves[t] = -rate * lg / (lh + l2)
        score += leaves[t][node]
    return lm.Trees(lm.FEATURES, feats, thrs, leaves, bias, 0.5)
