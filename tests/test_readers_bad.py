"""Bad input to the new readers: each case costs a quarantine line naming the file (and the
line or byte offset), never the run."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.core.config import load_config
from pipeline.runner import run
from pipeline.stages.ingest import IngestConfig
from readers_data import WarcBuilder, allsides_records, benchmark_pages, ingest_docs, write_jsonl


def _reasons(ctx) -> list[tuple[str, int | None, str]]:
    return [(q.path, q.line if q.offset is None else q.offset, q.reason) for q in ctx.quarantine]


def test_parquet_without_text_column_corrupt_footer_or_wrong_type(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    pq.write_table(pa.table({"headline": ["a", "b"], "url": ["u", "v"]}), raw / "no_text.parquet")
    pq.write_table(pa.table({"text": [1, 2], "title": ["a", "b"]}), raw / "ints.parquet")
    pq.write_table(pa.table({"text": ["One paragraph.", "Two."]}), raw / "good.parquet")
    data = (raw / "good.parquet").read_bytes()
    (raw / "cut.parquet").write_bytes(data[:-20])
    docs, ctx = ingest_docs(raw)
    assert [d.id for d in docs] == ["good:1", "good:2"]
    by_path = {p: r for p, _, r in _reasons(ctx)}
    assert by_path["no_text.parquet"].startswith("no text column (text/content_original")
    assert "headline, url" in by_path["no_text.parquet"]
    assert by_path["ints.parquet"] == "type mismatch: text column 'text' is int64, not a string"
    assert by_path["cut.parquet"].startswith("not a readable Parquet file")
    assert len(ctx.quarantine) == 3


def test_csv_ragged_rows_are_quarantined_with_their_lines(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.csv").write_text(
        'title,text,url\n'                                # line 1
        'First,"A quoted field\nover two lines.",u1\n'    # lines 2-3
        'Ragged,too,many,fields\n'                        # line 4
        'Second,Plain text.,u2\n'                         # line 5
        'Short\n'                                         # line 6
        'Third,"Again\n\nthree lines",u3,extra\n'         # lines 7-9, ragged
        'Fourth,Last one.,u4\n')                          # line 10
    docs, ctx = ingest_docs(raw)
    assert [(d.id, d.title, [p.text for p in d.paragraphs]) for d in docs] == [
        ("a:2", "First", ["A quoted field", "over two lines."]),
        ("a:5", "Second", ["Plain text."]),
        ("a:10", "Fourth", ["Last one."])]
    assert _reasons(ctx) == [
        ("a.csv", 4, "ragged row: 4 fields where the header has 3"),
        ("a.csv", 6, "ragged row: 1 fields where the header has 3"),
        ("a.csv", 7, "ragged row: 4 fields where the header has 3")]


def test_csv_without_text_column_and_empty_text_rows(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "names.csv").write_text("name,age\nann,3\n")
    (raw / "b.tsv").write_text("text\tsource\nSome text.\tX\n\tY\n")
    docs, ctx = ingest_docs(raw)
    assert [(d.id, d.source) for d in docs] == [("b:2", "X")]
    assert _reasons(ctx) == [
        ("b.tsv", 3, "no text field (text/content_original/content/body/article/maintext) with text"),
        ("names.csv", 1, "no text column (text/content_original/content/body/article/maintext; "
                         "see ingest.fields) among the columns name, age")]


def test_decompression_bombs_are_stopped_and_quarantined(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    bomb = gzip.compress(b"\n" * 30_000_000, 9)  # ~30 KB expanding 1000x
    for name in ("lines.jsonl.gz", "page.txt.gz"):
        (raw / name).write_bytes(bomb)
    (raw / "table.csv.gz").write_bytes(gzip.compress(b"text\n" + b"\n" * 30_000_000, 9))
    warc = WarcBuilder(raw / "bomb.warc.gz")
    warc.response("https://example.org/", b"<html>" + b" " * 30_000_000 + b"</html>")
    warc.close()
    # A real corpus file over the limit at a normal ratio (~3x) is read whole.
    records = allsides_records(400)
    write_jsonl(raw / "real.jsonl", records)
    (raw / "real.jsonl.gz").write_bytes(gzip.compress((raw / "real.jsonl").read_bytes()))
    (raw / "real.jsonl").unlink()
    limit = 1_000_000
    assert len((raw / "real.jsonl.gz").read_bytes()) * 3 > limit
    docs, ctx = ingest_docs(raw, IngestConfig(max_file_bytes=limit))
    assert len(docs) == len(records)
    reasons = {p: r for p, _, r in _reasons(ctx)}
    assert set(reasons) == {"lines.jsonl.gz", "page.txt.gz", "table.csv.gz", "bomb.warc.gz"}
    assert all(r.startswith("decompression bomb:") for r in reasons.values()), reasons


def test_warc_bad_records_and_a_run_of_every_bad_input(tmp_path):
    """A WARC that is not one, an empty one, a page that cannot be extracted, and the bad
    tables in one run: it completes, and every quarantine line has path, reason and a line or
    offset where the problem is inside the file."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "not.warc.gz").write_bytes(gzip.compress(b"this is not a web archive\n" * 100))
    (raw / "empty.warc").write_bytes(b"")
    url, body = benchmark_pages(1)[0]
    warc = WarcBuilder(raw / "mixed.warc")  # uncompressed
    warc.response(url, body)
    warc.response("https://example.org/empty", b"<html><body></body></html>", name="empty")
    warc.broken_http("https://example.org/b", name="broken")
    warc.close()
    (raw / "ragged.csv").write_text("text\nok\n\"a\",\"b\"\n")
    pq.write_table(pa.table({"x": [1]}), raw / "nothing.parquet")
    stats = run(load_config(None), raw, tmp_path / "out")
    quarantine = [json.loads(line) for line in (tmp_path / "out" / "quarantine.jsonl").read_text().splitlines()]
    by = {(q["path"], q["reason"].split(":")[0]): q for q in quarantine}
    assert by[("mixed.warc", "HTML page with no extractable article text")]["offset"] == warc.offsets["empty"]
    assert by[("mixed.warc", "broken HTTP header")]["offset"] == warc.offsets["broken"]
    assert by[("ragged.csv", "ragged row")]["line"] == 3
    assert ("not.warc.gz", "no WARC records in the file") in by or \
        any(p == "not.warc.gz" and r.startswith("unreadable WARC") for p, r in by)
    assert ("empty.warc", "no WARC records in the file") in by
    assert ("nothing.parquet", "no text column (text/content_original/content/body/article/maintext; see ingest.fields) among the columns x") in by
    assert all({"path", "line", "reason"} <= set(q) for q in quarantine)
    assert stats["stages"]["ingest"]["documents_out"] == 2  # the page and the good CSV row


def _one_stream_gzip(data: bytes, cut: int) -> bytes:
    """`data` gzipped as ONE stream (as `gzip file.warc` does), broken off where its first `cut`
    bytes end: a sync flush there makes the cut fall on that exact byte."""
    import zlib

    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    return c.compress(data[:cut]) + c.flush(zlib.Z_SYNC_FLUSH)


@pytest.mark.parametrize("where", ["warc headers", "http headers", "request block"])
def test_warc_gzipped_whole_or_plain_cut_inside_a_record_keeps_what_was_read(tmp_path, where):
    # No gzip member per record to check: the record FastWARC reads up to the break, its
    # headers without Content-Length or its block shorter than declared, is the one
    # quarantine line; the pages before it are kept.
    pages = benchmark_pages(3)
    plain = WarcBuilder(tmp_path / "src" / "crawl.warc", gzip_=False)
    for i, (url, body) in enumerate(pages[:2]):
        plain.response(url, body, name=f"p{i}")
    request = plain.fh.tell()
    plain.request(pages[2][0])
    plain.response(*pages[2], name="last")
    plain.close()
    data = (tmp_path / "src" / "crawl.warc").read_bytes()
    start = plain.offsets["last"]
    blank = data.index(b"\r\n\r\n", start)  # end of the WARC headers of the last record
    cut = {"warc headers": start + 20, "http headers": blank + 12,
           "request block": data.index(b"\r\n\r\n", request) + 12}[where]
    for name, blob in (("crawl.warc.gz", _one_stream_gzip(data, cut)), ("crawl.warc", data[:cut])):
        raw = tmp_path / f"{name}-{where}".replace(" ", "-")
        raw.mkdir()
        (raw / name).write_bytes(blob)
        docs, ctx = ingest_docs(raw)
        assert [d.url for d in docs] == [u for u, _ in pages[:2]], name
        reasons = [q.reason for q in ctx.quarantine]
        assert len(reasons) == 1 and reasons[0].startswith("truncated WARC file"), (name, reasons)
        skipped = {} if where == "request block" else {"request": 1}
        assert (ctx.stage_stats["ingest"].get("records_skipped") or {}) == skipped, name
