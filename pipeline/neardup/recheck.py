"""Recompute every removal's `similarity` from the ledger alone: the containment of the removed
paragraph's folded 5-grams in the union of those of the paragraphs its `covered_by` names.

    python -m pipeline.neardup.recheck processed/   # prints removals checked and the worst gap

The ledger says what each removal was verified against; this reads nothing else, so a reader
of the output can check any similarity by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .shingles import shingle_sets

K = 5  # `NearDupConfig.verify_chars`: the n-gram size `similarity` is defined on


def containment(text: str, covers: list[str], k: int = K) -> float:
    """|S(text) & (S(c1) | S(c2) ...)| / |S(text)| on folded byte k-grams (1.0 for a text too
    short to have any, which only an identical copy covers)."""
    offsets, values = shingle_sets([text, *covers], k)
    own = values[offsets[0]:offsets[1]]
    if not len(own):
        return 1.0
    union = np.unique(values[offsets[1]:])
    return int(np.isin(own, union, assume_unique=True).sum()) / len(own)


def recheck(ledger_dir: Path) -> dict:
    """Figures for every duplicate row of a ledger (a folder of Parquet files)."""
    table = pq.read_table(ledger_dir, columns=["doc_id", "index", "text", "status",
                                                "similarity", "covered_by"])
    texts = dict(zip(zip(table["doc_id"].to_pylist(), table["index"].to_pylist()),
                     table["text"].to_pylist()))
    dups = table.filter(pc.equal(table["status"], "duplicate")).to_pylist()
    worst, gaps, joins, missing = [], [], 0, 0
    for row in dups:
        refs = row["covered_by"] or []
        if not refs:
            missing += 1
            continue
        joins += len(refs) > 1
        got = containment(row["text"], [texts[r["doc_id"], r["index"]] for r in refs])
        gap = abs(got - row["similarity"])
        gaps.append(gap)
        if gap > 1e-6:
            worst.append((gap, row["doc_id"], row["index"], row["similarity"], got))
    return {"removals": len(dups), "checked": len(gaps), "joins": joins,
            "without_covered_by": missing, "max_gap": max(gaps, default=0.0),
            "over_1e-6": sorted(worst, reverse=True)[:10]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.neardup.recheck", description=__doc__)
    ap.add_argument("out", type=Path, help="a run's output folder (processed/)")
    args = ap.parse_args(argv)
    res = recheck(args.out / "parquet" / "paragraphs")
    print(f"removals {res['removals']}, checked {res['checked']} ({res['joins']} joins), "
          f"without covered_by {res['without_covered_by']}, max |similarity - recomputed| "
          f"{res['max_gap']:.2e}, over 1e-6: {len(res['over_1e-6'])}")
    for gap, doc, idx, sim, got in res["over_1e-6"]:
        print(f"  {doc} [{idx}]: ledger {sim:.6f}, recomputed {got:.6f}")
    return 0 if res["checked"] == res["removals"] and not res["over_1e-6"] else 1


if __name__ == "__main__":
    sys.exit(main())
