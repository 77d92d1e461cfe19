"""Recall probe on a run's output: kept paragraphs of different documents that are still alike.

    python -m pipeline.eval.dedup_probe OUT [--threshold 0.8] [--sample 60] [--seed 15]

Finds every pair of kept paragraphs (>= 40 characters: shorter ones are never removed) in
different documents whose folded char-5 Jaccard is >= threshold (MinHash-LSH candidates tuned to
miss none at the threshold, then the exact sets), and prints a fixed-seed
sample of them with their texts for reading: each is rightly kept (it adds a name, number, date
or sentence), clutter (bylines, widgets, captions: the clean stage's), a missed reprint, or
questionable. The count and the sample depend only on the output and the seed.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

from ..neardup.fingerprint import fingerprint_chunk
from ..neardup.shingles import shingle_sets


def similar_pairs(texts: list[str], groups: np.ndarray, threshold: float = 0.8,
                  k: int = 5, chunk: int = 20_000) -> list[tuple[int, int, float]]:
    """(i, j, Jaccard) for every i < j in different groups with Jaccard of their folded byte
    k-gram sets >= threshold, checked exactly on the sets. Candidates come from MinHash-LSH
    (rensa, 128 permutations, seed 42) in 32 bands of 4 rows: a pair at Jaccard 0.8 escapes
    every band with probability (1 - 0.8^4)^32 < 1e-7, so the list is complete in practice,
    and it is deterministic. Sets are built a chunk of paragraphs at a time (bounded memory)."""
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=threshold, num_perm=128, num_bands=32)
    vals, ends, sigs = [], [np.zeros(1, np.int64)], []
    for start in range(0, len(texts), chunk):
        offsets, values = shingle_sets(texts[start:start + chunk], k)
        for j in range(len(offsets) - 1):
            m = RMinHash(num_perm=128, seed=42)
            m.update(values[offsets[j]:offsets[j + 1]].astype(str).tolist())
            sigs.append(m)
            lsh.insert(start + j, m)
        vals.append(values)
        ends.append(offsets[1:] + ends[-1][-1])
    values, offsets = np.concatenate(vals), np.concatenate(ends)
    del vals, ends
    out = []
    for i, m in enumerate(sigs):
        for c in sorted(lsh.query(m)):
            if c <= i or groups[c] == groups[i]:
                continue
            x, y = values[offsets[i]:offsets[i + 1]], values[offsets[c]:offsets[c + 1]]
            if not len(x) or min(len(x), len(y)) < threshold * max(len(x), len(y)):
                continue
            inter = int(np.isin(x, y, assume_unique=True).sum())
            jac = inter / (len(x) + len(y) - inter)
            if jac >= threshold:
                out.append((i, c, jac))
    return out


def kept_paragraphs(out_dir: Path, min_chars: int = 40) -> tuple[list[dict], np.ndarray]:
    """The kept paragraphs of a run's ledger (>= min_chars folded characters), ordered by
    (doc_id, index), and their document numbers."""
    import pyarrow.parquet as pq

    t = pq.read_table(out_dir / "parquet" / "paragraphs",
                      columns=["doc_id", "index", "text", "status"]).to_pylist()
    rows = sorted((r for r in t if r["status"] == "kept" and len(r["text"]) >= min_chars),
                  key=lambda r: (r["doc_id"], r["index"]))
    # Folded length, as the detector measures it (`NearDupConfig.min_chars`).
    lengths = np.concatenate([fingerprint_chunk([r["text"] for r in rows[s:s + 20_000]], 24, 3)[0]
                              for s in range(0, len(rows), 20_000)] or [np.empty(0, np.int64)])
    rows = [r for r, n in zip(rows, lengths.tolist()) if n >= min_chars]
    docs: dict[str, int] = {}
    groups = np.array([docs.setdefault(r["doc_id"], len(docs)) for r in rows], dtype=np.int64)
    return rows, groups


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.eval.dedup_probe", description=__doc__)
    ap.add_argument("out", type=Path, help="a run's output folder (processed/)")
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--sample", type=int, default=60)
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args(argv)
    rows, groups = kept_paragraphs(args.out)
    pairs = similar_pairs([r["text"] for r in rows], groups, args.threshold)
    print(f"kept paragraphs >= 40 folded characters: {len(rows)}; cross-document pairs at char-5 "
          f"Jaccard >= {args.threshold}: {len(pairs)}")
    rng = random.Random(args.seed)
    for n, (i, j, jac) in enumerate(rng.sample(pairs, min(args.sample, len(pairs)))):
        a, b = rows[i], rows[j]
        print(f"\n#{n} J={jac:.3f} {a['doc_id']}[{a['index']}] / {b['doc_id']}[{b['index']}]")
        print("  A:", a["text"])
        print("  B:", b["text"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
