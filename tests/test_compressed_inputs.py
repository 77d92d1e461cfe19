"""Every input format the README lists (.txt .md .jsonl .ndjson .htm), each compressed with
.gz, .bz2 and .xz, whole, corrupt and truncated, in one run: a whole file is read whole; a broken
one keeps what was decoded before the break and has one quarantine line saying why."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import random
from pathlib import Path

import pandas as pd
import pytest

from pipeline.core.config import load_config
from pipeline.readers.decode import TruncatedInput, decompress
from pipeline.runner import run

N = 1500  # paragraphs (or records) per file: several bz2 blocks at level 1, many xz/gz blocks
WORDS = ("council budget river bridge storm school election court police museum harbour ferry "
         "mayor vote plan tax road rail port night market").split()
COMPRESS = {".gz": gzip.compress, ".bz2": lambda b: bz2.compress(b, compresslevel=1),
            ".xz": lzma.compress}


def _paragraphs(tag: str) -> list[str]:
    rng = random.Random(tag)  # different text per file: nothing is a duplicate of anything
    return [f"{tag} paragraph {i}: " + " ".join(rng.choice(WORDS) for _ in range(14)) + f" {rng.random():.6f}."
            for i in range(N)]


def _payload(fmt: str, tag: str) -> bytes:
    paras = _paragraphs(tag)
    if fmt in ("txt", "md"):
        return ("\n".join(paras) + "\n").encode()
    if fmt in ("jsonl", "ndjson"):
        return "".join(json.dumps({"id": f"{tag}-{i}", "text": p}) + "\n"
                       for i, p in enumerate(paras)).encode()
    body = "".join(f"<p>{p}</p>\n" for p in paras)
    return (f"<!DOCTYPE html><html><head><title>A long report {tag}</title></head><body><article>"
            f"<h1>A long report {tag}</h1>\n{body}</article></body></html>").encode()


def _broken(packed: bytes, state: str) -> bytes:
    if state == "truncated":
        return packed[: len(packed) * 3 // 5]
    at = len(packed) * 3 // 5  # garbage in the middle of the stream
    return packed[:at] + bytes((7 * k + 3) % 256 for k in range(256)) + packed[at + 256:]


FORMATS = ("txt", "md", "jsonl", "ndjson", "htm")
CASES = [(fmt, comp, state) for fmt in FORMATS for comp in COMPRESS
         for state in ("whole", "corrupt", "truncated")]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> tuple[Path, dict]:
    raw = tmp_path_factory.mktemp("compressed") / "raw"
    raw.mkdir()
    for fmt, comp, state in CASES:
        tag = f"{fmt}-{comp[1:]}-{state}"
        packed = COMPRESS[comp](_payload(fmt, tag))
        (raw / f"{tag}.{fmt}{comp}").write_bytes(packed if state == "whole" else _broken(packed, state))
    out = raw.parent / "processed"
    stats = run(load_config(None, ["annotate.annotators=[]"]), raw, out)
    return out, stats


@pytest.mark.parametrize("fmt, comp, state", CASES, ids=["-".join(c) for c in CASES])
def test_each_format_and_compression_keeps_what_it_can(matrix, fmt, comp, state):
    out, _ = matrix
    tag = f"{fmt}-{comp[1:]}-{state}"
    name = f"{tag}.{fmt}{comp}"
    ledger = pd.read_parquet(out / "parquet" / "paragraphs",
                             filters=[("doc_id", "in", [tag] + [f"{tag}-{i}" for i in range(N)])])
    quarantine = [json.loads(line) for line in (out / "quarantine.jsonl").read_text().splitlines()]
    mine = [q for q in quarantine if q["path"] == name]
    expected = _paragraphs(tag)
    texts = ledger.sort_values(["doc_id", "index"], key=_natural).text.tolist()
    if fmt == "htm":
        texts = [t for t in texts if t.startswith(tag)]  # the page's heading is a paragraph too
    if state == "whole":
        assert mine == [] and texts == expected
        return
    # Broken: the file's beginning survives; what follows the break is accounted for by a
    # quarantine line. A corrupt deflate or LZMA stream may decode some garbage before its check
    # fails, so past the break the kept text is not compared.
    assert any(w in q["reason"] for q in mine for w in ("truncated", "corrupt", "break")), mine
    assert texts != expected
    same = next((i for i, (a, b) in enumerate(zip(texts, expected)) if a != b), min(len(texts), N))
    assert same >= N // 3, f"{name}: only {same} of the file's first paragraphs kept"
    if state == "truncated":
        assert len(texts) < N and same >= len(texts) - 1  # at most the last one is cut mid-way


def _natural(col: pd.Series) -> pd.Series:
    # "jsonl-gz-whole-10" after "jsonl-gz-whole-9": ids end in a record number.
    if col.name == "doc_id":
        return col.map(lambda s: int(s.rsplit("-", 1)[1]) if s.rsplit("-", 1)[1].isdigit() else -1)
    return col


def test_the_run_goes_on_and_counts_every_quarantine_line(matrix):
    out, stats = matrix
    quarantine = (out / "quarantine.jsonl").read_text().splitlines()
    assert stats["totals"]["inputs_quarantined"] == len(quarantine)
    assert {json.loads(q)["path"] for q in quarantine} >= {
        f"{f}-{c[1:]}-{s}.{f}{c}" for f, c, s in CASES if s != "whole"}


@pytest.mark.parametrize("suffix", list(COMPRESS))
def test_decompress_keeps_the_part_before_a_break(suffix):
    payload = _payload("txt", "unit")
    packed = COMPRESS[suffix](payload)
    assert decompress(packed, suffix) == payload
    assert decompress(packed + COMPRESS[suffix](b"more\n"), suffix) == payload + b"more\n"
    for state in ("truncated", "corrupt"):
        with pytest.raises(TruncatedInput) as e:
            decompress(_broken(packed, state), suffix)
        assert state[:5] in str(e.value) or "corrupt" in str(e.value)
        data = e.value.data
        assert len(data) > len(payload) // 4 and data[: len(payload) // 4] == payload[: len(payload) // 4]
        if state == "truncated":
            assert payload.startswith(data)


# The two bugs of issue 21, each on its own.
def test_corrupt_jsonl_xz_is_quarantined_and_the_lines_before_kept(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "feed.jsonl.xz").write_bytes(_broken(lzma.compress(_payload("jsonl", "feed")), "corrupt"))
    (raw / "fine.txt").write_text("A short article that is read whole.\n")
    stats = run(load_config(None, ["annotate.annotators=[]"]), raw, tmp_path / "out")
    quarantine = [json.loads(q) for q in (tmp_path / "out" / "quarantine.jsonl").read_text().splitlines()]
    assert any("corrupt xz stream" in q["reason"] and q["path"] == "feed.jsonl.xz" for q in quarantine)
    assert stats["totals"]["documents_ingested"] > N // 3


def test_truncated_txt_bz2_keeps_the_blocks_before_the_break(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "long.txt.bz2").write_bytes(_broken(COMPRESS[".bz2"](_payload("txt", "long")), "truncated"))
    run(load_config(None, ["annotate.annotators=[]"]), raw, tmp_path / "out")
    ledger = pd.read_parquet(tmp_path / "out" / "parquet" / "paragraphs")
    assert N // 3 <= len(ledger) < N and ledger.text.iloc[0] == _paragraphs("long")[0]
    docs = pd.read_parquet(tmp_path / "out" / "parquet" / "documents")
    assert json.loads(docs.meta.iloc[0]) == {"truncated": True}
