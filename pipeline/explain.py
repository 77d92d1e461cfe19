"""`python -m pipeline explain DOC_ID|PATH`: a document's ledger, read back from the output.

What a user types is accepted: a document id, or an input path as it lies in the raw folder
(`raw/outlet/a.txt`, `outlet/a.txt`, `a.txt`). When nothing matches, the closest ids are listed.
"""

from __future__ import annotations

import difflib
import sys
import textwrap
from pathlib import Path, PurePosixPath

import pyarrow.compute as pc
import pyarrow.dataset as pads

from .readers.registry import doc_id_for

# Documents listed when a path holds several (a JSONL, WARC or CSV file), and closest ids shown.
LIST_MAX = 20
CLOSEST = 5


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
        ids = ids_for_path(doc_id, out)
        if len(ids) > 1:
            print(f"{doc_id} holds {len(ids)} documents; explain one of them:")
            for i in ids[:LIST_MAX]:
                print(f"  {i}")
            if len(ids) > LIST_MAX:
                print(f"  ... and {len(ids) - LIST_MAX} more")
            return 0
        if ids:
            doc_id = ids[0]
            rows = ledger.to_table(filter=pads.field("doc_id") == doc_id).to_pylist()
    if not rows:
        near = closest_ids(doc_id, out)
        hint = f"; closest ids: {', '.join(near)}" if near else ""
        print(f"error: no document {doc_id!r} in {out}{hint}", file=sys.stderr)
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


def _typed_paths(typed: str) -> list[str]:
    """'raw/outlet/a.txt' -> ['raw/outlet/a.txt', 'outlet/a.txt', 'a.txt']: the typed path and
    each shorter tail of it, one of which is the path relative to the raw folder."""
    parts = [p for p in PurePosixPath(typed.replace("\\", "/")).parts if p not in ("/", ".")]
    return ["/".join(parts[i:]) for i in range(len(parts))]


def ids_for_path(typed: str, out: Path) -> list[str]:
    """The ids of the documents read from the input path `typed`, in output order."""
    tails = _typed_paths(typed)
    if not tails:
        return []
    ledger_ids = set(_ledger(out).to_table(
        columns=["doc_id"], filter=pads.field("doc_id").isin([doc_id_for(t) for t in tails])
    ).column("doc_id").to_pylist())
    # A one-document file's id is its path without the format suffix (also when every paragraph
    # was removed and the document is in the ledger only).
    for tail in tails:
        if doc_id_for(tail) in ledger_ids:
            return [doc_id_for(tail)]
    docs = pads.dataset(out / "parquet" / "documents", format="parquet")
    for tail in tails:
        ids = docs.to_table(columns=["id"], filter=pads.field("path") == tail).column("id").to_pylist()
        if ids:
            return ids
    # A file name typed without its folder.
    name = tails[-1]
    table = docs.to_table(columns=["id", "path"])
    hits = [i for i, p in zip(table.column("id").to_pylist(), table.column("path").to_pylist())
            if p and (p == name or p.endswith("/" + name))]
    return hits


def closest_ids(typed: str, out: Path) -> list[str]:
    ids = pc.unique(_ledger(out).to_table(columns=["doc_id"]).column("doc_id")).to_pylist()
    return difflib.get_close_matches(typed, [i for i in ids if i], n=CLOSEST, cutoff=0.5)
