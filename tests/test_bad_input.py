"""Messy inputs never stop a run or vanish: each is read, or quarantined with a reason."""

from __future__ import annotations

import codecs
import gzip
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from pipeline.core.config import load_config
from pipeline.runner import run

ARTICLE = (
    "Officials said on Tuesday that bridge number {n} over the river would open next spring "
    "after two years of delays caused by flooding and a shortage of steel.\n"
    "The project, which cost {n} million euros, links the two halves of the town for the first "
    "time since the old bridge collapsed in {year}.\n"
)


def _article(i: int) -> str:
    return ARTICLE.format(n=100 + i, year=1950 + i)


def _jsonl(records: list) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


@pytest.fixture
def messy_raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    (raw / "wire").mkdir(parents=True)
    good = [{"id": f"g{i}", "source": "Wire", "text": _article(i)} for i in range(40)]
    packed = gzip.compress(_jsonl(good))
    (raw / "wire" / "truncated.jsonl.gz").write_bytes(packed[: len(packed) * 2 // 3])
    (raw / "empty.txt").write_bytes(b"")
    (raw / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    lines = [
        json.dumps({"id": "ok1", "text": _article(101)}),
        "{not json",
        json.dumps({"id": "notext", "title": "Only a title"}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "ok2", "body": _article(102)}),
    ]
    (raw / "mixed.jsonl").write_text("\n".join(lines) + "\n")
    (raw / "latin1.txt").write_bytes(("Crème brûlée à la française, über alles.\n" + _article(201)).encode("latin-1"))
    (raw / "cp1252.txt").write_bytes(("He said “quoted” – and left.\n" + _article(202)).encode("cp1252"))
    (raw / "utf16.txt").write_bytes(codecs.BOM_UTF16_LE + _article(203).encode("utf-16-le"))
    (raw / "utf8bom.txt").write_bytes(codecs.BOM_UTF8 + _article(204).encode())
    mojibake = "The cafÃ© owner said â€œwe are openâ€\x9d on Sunday.\n".encode("utf-8")
    (raw / "mojibake.txt").write_bytes(mojibake + _article(205).encode())
    outside = raw.parent / "secret.txt"
    outside.write_text(_article(999))
    os.symlink(outside, raw / "link-outside.txt")
    os.symlink(raw / "does-not-exist.txt", raw / "dangling.txt")
    (raw / "notes.docx").write_bytes(b"PK\x03\x04 not supported")
    return raw


def test_messy_corpus_end_to_end(messy_raw: Path, tmp_path: Path):
    out = tmp_path / "processed"
    stats = run(load_config(None), messy_raw, out)
    quarantine = [json.loads(line) for line in (out / "quarantine.jsonl").read_text().splitlines()]
    reasons = {(q["path"], q["reason"].split(" ")[0]) for q in quarantine}
    by_path = {q["path"]: q for q in quarantine}

    assert "truncated" in by_path["wire/truncated.jsonl.gz"]["reason"]
    assert "empty" in by_path["empty.txt"]["reason"]
    assert "binary" in by_path["image.txt"]["reason"]
    assert "outside" in by_path["link-outside.txt"]["reason"]
    assert "cannot be read" in by_path["dangling.txt"]["reason"]
    assert "unsupported" in by_path["notes.docx"]["reason"]
    mixed = sorted((q["line"], q["reason"]) for q in quarantine if q["path"] == "mixed.jsonl")
    assert [line for line, _ in mixed] == [2, 3, 4]
    assert "not JSON" in mixed[0][1] and "no text field" in mixed[1][1]
    assert len(reasons) == len(quarantine)

    docs = pd.read_parquet(out / "parquet" / "documents").set_index("id")
    # The records before the break of the truncated archive are kept, under their folder's source.
    wire = docs[docs.source == "Wire"]
    assert 5 < len(wire) < 40
    assert {"ok1", "ok2", "latin1", "cp1252", "utf16", "utf8bom", "mojibake"} <= set(docs.index)
    assert docs.loc["latin1"].text.startswith("Crème brûlée à la française, über alles.")
    assert docs.loc["cp1252"].text.startswith("He said “quoted” – and left.")
    assert docs.loc["utf16"].text.startswith("Officials said on Tuesday")
    assert docs.loc["mojibake"].text.startswith("The café owner said “we are open” on Sunday.")
    assert "secret" not in " ".join(docs.index)

    # Nothing lost: every ingested paragraph is in the ledger, kept ones make the text.
    ledger = pd.read_parquet(out / "parquet" / "paragraphs")
    assert len(ledger) == stats["totals"]["paragraphs_ingested"]
    for doc_id, doc in docs.iterrows():
        rows = ledger[ledger.doc_id == doc_id].sort_values("index")
        assert doc.text == "\n\n".join(rows[rows.status == "kept"].text)
        assert rows[rows.status != "kept"].reason.notna().all()
    # Stage accounting: documents in = documents out + documents dropped.
    for name in ("clean", "dedup", "annotate", "write"):
        s = stats["stages"][name]
        assert s["documents_in"] == s["documents_out"] + sum(s["documents_dropped"].values())
    assert stats["totals"]["inputs_quarantined"] == len(quarantine)


def test_huge_line_and_deep_html_cost_one_file_at_most(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    words = [f"word{i % 5000}" for i in range(2_600_000)]  # ~21 MB on one line
    (raw / "dump.txt").write_text(" ".join(words) + ".\nSecond line of the dump, short.\n")
    (raw / "deep.html").write_text("<html><body>" + "<div>" * 20_000 + "deep text" + "</div>" * 20_000
                                   + "</body></html>")
    (raw / "fine.txt").write_text(_article(7))
    stats = run(load_config(None), raw, tmp_path / "out")
    ledger = pd.read_parquet(tmp_path / "out" / "parquet" / "paragraphs")
    assert ledger.text.str.len().max() > 20_000_000
    assert {"dump", "fine"} <= set(ledger.doc_id)
    quarantine = (tmp_path / "out" / "quarantine.jsonl").read_text()
    # The deep page is either extracted or quarantined with a reason: never a crash.
    assert "deep" in set(ledger.doc_id) or '"path": "deep.html"' in quarantine
    assert stats["totals"]["documents_ingested"] >= 2


def test_half_a_surrogate_pair_is_replaced_not_fatal(tmp_path: Path):
    """JSON can escape half of a surrogate pair; no UTF-8 can hold it. The run goes on, the
    character becomes U+FFFD and the document's meta says how many were replaced."""
    raw = tmp_path / "raw"
    raw.mkdir()
    lines = [
        '{"id": "broken", "source": "wire", "title": "Bad \\udc00 title", '
        '"text": "Officials said the bridge \\ud83d would open.\\n\\nA whole emoji \\ud83d\\ude00 '
        'is fine.", "tags": ["\\udfff"]}',
        json.dumps({"id": "fine", "source": "wire", "text": _article(3)}),
    ]
    (raw / "feed.jsonl").write_text("\n".join(lines) + "\n")
    run(load_config(None), raw, tmp_path / "out")
    docs = pd.read_parquet(tmp_path / "out" / "parquet" / "documents").set_index("id")
    assert list(docs.index) == ["broken", "fine"]
    assert docs.loc["broken", "text"] == (
        "Officials said the bridge \ufffd would open.\n\nA whole emoji \U0001F600 is fine.")
    assert docs.loc["broken", "title"] == "Bad \ufffd title"
    assert json.loads(docs.loc["broken", "meta"]) == {"lone_surrogates_replaced": 3,
                                                      "tags": ["\ufffd"]}
