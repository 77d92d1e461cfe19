"""`python -m pipeline explain DOC_ID`: a document's ledger, read back from the output."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pyarrow.dataset as pads


def _ledger(out: Path):
    return pads.dataset(out / "parquet" / "paragraphs", format="parquet")


def explain(doc_id: str, out: Path) -> int:
    folder = out / "parquet" / "paragraphs"
    if not folder.is_dir():
        print(f"error: no output at {out} (run the pipeline first)", file=sys.stderr)
        return 1
    ledger = _ledger(out)
    rows = ledger.to_table(filter=pads.field("doc_id") == doc_id).to_pylist()
    if not rows:
        print(f"error: no document {doc_id!r} in {out}", file=sys.stderr)
        return 1
    rows.sort(key=lambda r: r["index"])
    kept = sum(r["status"] == "kept" for r in rows)
    print(f"{doc_id}: {len(rows)} paragraphs ingested, {kept} kept")
    targets = {(r["duplicate_of_doc_id"], r["duplicate_of_index"]) for r in rows if r["duplicate_of_doc_id"]}
    originals = {}
    for target_doc in {d for d, _ in targets}:
        for r in ledger.to_table(filter=pads.field("doc_id") == target_doc).to_pylist():
            originals[(r["doc_id"], r["index"])] = r["text"]
    for r in rows:
        mark = "KEPT" if r["status"] == "kept" else f"{r['status'].upper()} ({r['reason']})"
        print(f"\n[{r['index']}] {mark}")
        print(textwrap.indent(textwrap.fill(r["text"], 96), "    "))
        if r["duplicate_of_doc_id"]:
            key = (r["duplicate_of_doc_id"], r["duplicate_of_index"])
            print(f"    = matches {key[0]} [{key[1]}], similarity {r['similarity']:.3f}:")
            print(textwrap.indent(textwrap.fill(originals.get(key, "?"), 96), "      > "))
    return 0
