"""Loading an output folder for `processed/report.html`.

Reads only stats.json, the two Parquet tables, boilerplate_learned.csv, quarantine.jsonl and
run_key.txt. Each piece may be missing (a partial or foreign folder still renders); rows are
put in a fixed order so that the report does not depend on the order files are listed in.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

DOC_COLUMNS = ("id", "source", "language", "language_score", "n_chars", "n_words",
               "n_paragraphs")
LEDGER_COLUMNS = ("doc_id", "index", "source", "status", "reason", "duplicate_of_doc_id",
                  "duplicate_of_index", "similarity", "cluster_id")
NO_SOURCE = "(no source)"


@dataclass
class ReportData:
    stats: dict
    docs: pd.DataFrame
    ledger: pd.DataFrame          # LEDGER_COLUMNS + n_chars (length of the paragraph text)
    texts: pa.ChunkedArray | None  # the ledger's text column, aligned with `ledger` rows
    learned: list[dict] | None     # None: no boilerplate_learned.csv
    quarantine: list[dict] = field(default_factory=list)
    run_key: str | None = None

    def text(self, row: int) -> str:
        return "" if self.texts is None else (self.texts[row].as_py() or "")


def _read_parquet_dir(folder: Path, columns: tuple[str, ...]) -> pa.Table | None:
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        return None
    tables = []
    for f in files:
        present = set(pq.read_schema(f).names)
        tables.append(pq.read_table(f, columns=[c for c in columns if c in present]))
    return pa.concat_tables(tables, promote_options="default")


def _frame(table: pa.Table | None, columns: tuple[str, ...]) -> pd.DataFrame:
    df = pd.DataFrame(columns=list(columns)) if table is None else table.to_pandas()
    for c in columns:
        if c not in df.columns:
            df[c] = None
    return df


def load(out_dir: Path) -> ReportData:
    out_dir = Path(out_dir)
    stats_path = out_dir / "stats.json"
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.is_file() else {}

    dt = _read_parquet_dir(out_dir / "parquet" / "documents", DOC_COLUMNS)
    docs = _frame(dt, DOC_COLUMNS)
    docs["source"] = docs["source"].fillna(NO_SOURCE).astype(str)
    docs = docs.sort_values("id", kind="stable").reset_index(drop=True)

    lt = _read_parquet_dir(out_dir / "parquet" / "paragraphs", LEDGER_COLUMNS + ("text",))
    texts = None
    if lt is not None:
        # no sort: every aggregate below is order-independent and ties are broken explicitly
        if "text" in lt.column_names:
            texts = lt.column("text")
            lt = lt.append_column("n_chars", pc.fill_null(pc.utf8_length(texts), 0))
            lt = lt.drop_columns(["text"])
    ledger = _frame(lt, LEDGER_COLUMNS + ("n_chars",))
    ledger["source"] = ledger["source"].fillna(NO_SOURCE).astype(str)
    ledger["status"] = ledger["status"].fillna("kept").astype(str)
    ledger["reason"] = ledger["reason"].fillna("").astype(str)

    return ReportData(
        stats=stats, docs=docs, ledger=ledger, texts=texts,
        learned=read_learned(out_dir / "boilerplate_learned.csv"),
        quarantine=read_quarantine(out_dir / "quarantine.jsonl"),
        run_key=_read_small(out_dir / "run_key.txt"),
    )


def _read_small(path: Path) -> str | None:
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8", errors="replace").strip()[:200] or None


def _num(value: str | None) -> float:
    try:
        return float(value) if value not in (None, "") else 0.0
    except ValueError:
        return 0.0


def read_learned(path: Path) -> list[dict] | None:
    """boilerplate_learned.csv as dicts (numbers parsed); None when the file is absent."""
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        if not r.get("line"):
            continue
        rows.append({
            "source": r.get("source") or NO_SOURCE, "line": r["line"],
            "n_docs": int(_num(r.get("n_docs"))),
            "share_of_source_docs": _num(r.get("share_of_source_docs")),
            "n_removed": int(_num(r.get("n_removed"))),
        })
    return rows


def read_quarantine(path: Path) -> list[dict]:
    """quarantine.jsonl records (path, line, reason); unreadable lines are skipped."""
    if not path.is_file():
        return []
    out = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for raw in fh:
            try:
                rec = json.loads(raw)
            except ValueError:
                continue
            if isinstance(rec, dict):
                out.append({"path": str(rec.get("path", "")), "line": rec.get("line"),
                            "reason": str(rec.get("reason", ""))})
    return out


def stable_rank(*parts: object) -> str:
    """A deterministic pseudo-random sort key for sampling (same parts, same key)."""
    key = "\x1f".join(str(p) for p in parts).encode("utf-8", "replace")
    return hashlib.blake2b(key, digest_size=8).hexdigest()


def sample_duplicate_pairs(data: ReportData, n: int = 20) -> tuple[list[dict], int]:
    """Up to `n` (kept copy, removed copy) pairs chosen by a hash of the removed paragraph's id.

    Pairs whose texts differ come first (whole-document exact copies are identical, so they
    are only shown when nothing else is left). Returns the pairs and the number of candidates.
    """
    led = data.ledger
    dup = led[(led["status"] == "duplicate") & led["duplicate_of_doc_id"].notna()]
    if dup.empty:
        return [], 0
    rank = [stable_rank(d, i) for d, i in zip(dup["doc_id"], dup["index"])]
    order = pd.DataFrame({"row": dup.index, "exact": (dup["reason"] == "exact_document").values,
                          "rank": rank, "doc_id": dup["doc_id"].values,
                          "index": dup["index"].values})
    order = order.sort_values(["exact", "rank", "doc_id", "index"], kind="stable")
    wanted = order["row"].tolist()[: n * 3]
    targets = led.loc[wanted, ["duplicate_of_doc_id", "duplicate_of_index"]]
    keep_ids = set(targets["duplicate_of_doc_id"])
    kept_rows = led[led["doc_id"].isin(keep_ids)]
    where = {(d, int(i)): r for r, d, i in zip(kept_rows.index, kept_rows["doc_id"],
                                                 kept_rows["index"])}
    pairs: list[dict] = []
    identical: list[dict] = []
    for row in wanted:
        r = led.loc[row]
        ref = (r["duplicate_of_doc_id"], int(r["duplicate_of_index"])) \
            if pd.notna(r["duplicate_of_index"]) else None
        if ref is None or ref not in where:
            continue
        k = led.loc[where[ref]]
        pair = {
            "kept_doc": k["doc_id"], "kept_index": int(k["index"]), "kept_source": k["source"],
            "kept_text": data.text(where[ref]),
            "dup_doc": r["doc_id"], "dup_index": int(r["index"]), "dup_source": r["source"],
            "dup_text": data.text(row), "reason": r["reason"],
            "similarity": None if pd.isna(r["similarity"]) else float(r["similarity"]),
        }
        (identical if pair["kept_text"] == pair["dup_text"] else pairs).append(pair)
    return (pairs + identical)[:n], len(dup)
