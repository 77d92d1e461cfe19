"""Each new format read from realistic files gives the documents of the same articles given as
HTML files or JSONL; all formats in one raw folder give one corpus, deduplicated across them."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.core.config import load_config
from pipeline.readers.html import extract
from pipeline.readers.urls import registered_domain
from pipeline.runner import run
from pipeline.runtime.executors import LocalExecutor
from pipeline.stages.ingest import IngestConfig
from readers_data import (WarcBuilder, allsides_records, benchmark_pages, ingest_docs, record_view,
                          write_jsonl)


def test_warc_pages_equal_the_same_pages_as_html_files(tmp_path):
    pages = benchmark_pages(8)
    html_raw = tmp_path / "html"
    html_raw.mkdir()
    for i, (_, body) in enumerate(pages):
        (html_raw / f"p{i}.html").write_bytes(body)
    by_file, _ = ingest_docs(html_raw)

    warc = WarcBuilder(tmp_path / "warc" / "crawl.warc.gz")
    warc.warcinfo()
    for i, (url, body) in enumerate(pages[:-1]):
        warc.request(url)
        warc.response(url, body, name=f"p{i}")
    response_ids = [warc.ids[k] for k in range(2, 2 * len(pages) - 1, 2)]
    warc.response("https://img.example.org/a.jpg", b"\xff\xd8\xff\xe0" + bytes(200), "image/jpeg")
    warc.revisit(pages[0][0])
    warc.response("https://www.example.org/gone", b"<html>Not found</html>", status="404 Not Found")
    warc.broken_http("https://www.example.org/broken", name="broken")
    warc.response("https://www.example.org/garbage", bytes(range(256)) * 40, name="garbage")
    warc.response(*pages[-1], name="cut")  # the file breaks off inside this record
    warc.close(cut=200)

    with LocalExecutor(2) as executor:
        docs, ctx = ingest_docs(tmp_path / "warc", executor=executor)
    assert len(docs) == len(pages) - 1, "every page before the break, no other record"
    for doc, page_doc, (url, _), rid in zip(docs, by_file, pages, response_ids):
        assert [p.text for p in doc.paragraphs] == [p.text for p in page_doc.paragraphs]
        assert (doc.title, doc.date) == (page_doc.title, page_doc.date)  # the page's own date
        assert doc.url == url and doc.source == registered_domain(url)
        assert doc.id == "crawl#" + rid.strip("<>").removeprefix("urn:uuid:")
        assert doc.meta["crawl_date"] and doc.date != doc.meta["crawl_date"]
    assert ctx.stage_stats["ingest"]["records_skipped"] == {
        "request": len(pages) - 1, "response 404": 1, "response image/jpeg": 1, "revisit": 1,
        "warcinfo": 1}
    q = {(x.offset, x.reason.split(":")[0]) for x in ctx.quarantine}
    assert q == {(warc.offsets["broken"], "broken HTTP header"),
                 (warc.offsets["garbage"], "HTML page with no extractable article text"),
                 (warc.offsets["cut"], "truncated WARC file")}, ctx.quarantine

    # The same records uncompressed, read again: the same documents, ids included.
    plain = tmp_path / "plain" / "crawl.warc"
    plain.parent.mkdir()
    import gzip
    plain.write_bytes(gzip.decompress((tmp_path / "warc" / "crawl.warc.gz").read_bytes()[:warc.offsets["cut"]]))
    again, ctx = ingest_docs(plain.parent)
    assert [record_view(d) for d in again] == [record_view(d) for d in docs]
    # And gzipped whole (one member, not one per record): the same, and not taken as truncated.
    whole = tmp_path / "whole" / "crawl.warc.gz"
    whole.parent.mkdir()
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    again, ctx_whole = ingest_docs(whole.parent)
    assert [record_view(d) for d in again] == [record_view(d) for d in docs]
    assert [q.reason.split(":")[0] for q in ctx_whole.quarantine] == [
        q.reason.split(":")[0] for q in ctx.quarantine] == ["broken HTTP header", "HTML page with no extractable article text"]


def _headline_records(n: int) -> list[dict]:
    from pipeline.readers.text import looks_like_headline

    return [r for r in allsides_records(4 * n, skip=500) if r.get("title")
            and looks_like_headline(r["title"]) and r["content_original"].strip()][:n]


def test_wet_conversions_equal_the_same_articles_as_jsonl(tmp_path):
    records = _headline_records(12)
    write_jsonl(tmp_path / "j" / "a.jsonl", records)
    wet = WarcBuilder(tmp_path / "w" / "cc.warc.wet.gz")
    wet.warcinfo()
    for r in records:
        wet.conversion(r["url"], r["title"] + "\n\n" + r["content_original"])
    wet.close()
    by_jsonl, _ = ingest_docs(tmp_path / "j")
    by_wet, ctx = ingest_docs(tmp_path / "w")
    assert len(by_wet) == len(records)
    for doc, ref, rid in zip(by_wet, by_jsonl, wet.ids[1:]):
        assert (doc.title, [p.text for p in doc.paragraphs]) == (ref.title, [p.text for p in ref.paragraphs])
        assert doc.url == ref.url and doc.source == registered_domain(ref.url) and doc.date is None
        assert doc.id == "cc#" + rid.strip("<>").removeprefix("urn:uuid:")
    assert ctx.stage_stats["ingest"]["records_skipped"] == {"warcinfo": 1}


def _tables(tmp_path, records):
    import datasets

    write_jsonl(tmp_path / "jsonl" / "a.jsonl", records)
    table = pa.Table.from_pylist(records)
    (tmp_path / "parquet").mkdir()
    pq.write_table(table, tmp_path / "parquet" / "a.parquet", row_group_size=90)  # several groups
    (tmp_path / "csv").mkdir()
    frame = pd.DataFrame(records)
    frame.to_csv(tmp_path / "csv" / "a.csv.gz", index=False)
    (tmp_path / "tsv").mkdir()
    frame.to_csv(tmp_path / "tsv" / "a.tsv", index=False, sep="\t")
    datasets.Dataset.from_list(records).save_to_disk(str(tmp_path / "hf" / "a"))
    return ("parquet", "csv", "tsv", "hf")


def test_tables_and_datasets_folders_equal_the_same_records_as_jsonl(tmp_path):
    records = allsides_records(300)
    assert any("\n" in r["content_original"] for r in records), "the CSV has multi-line fields"
    kinds = _tables(tmp_path, records)
    ref, _ = ingest_docs(tmp_path / "jsonl")
    assert len(ref) == len(records)
    with LocalExecutor(2) as executor:
        for kind in kinds:
            docs, ctx = ingest_docs(tmp_path / kind, executor=executor)
            assert [record_view(d) for d in docs] == [record_view(d) for d in ref], kind
            assert not ctx.quarantine, (kind, ctx.quarantine[:3])
            if kind == "parquet":  # typed columns keep their types in meta
                assert [d.meta for d in docs] == [d.meta for d in ref]


def test_same_dedup_decisions_from_csv_as_from_jsonl(tmp_path):
    records = allsides_records(150)
    records += [dict(r, ID=r["ID"] + "-copy") for r in records[:20]]  # reprints
    write_jsonl(tmp_path / "jsonl" / "a.jsonl", records)
    (tmp_path / "csv").mkdir()
    pd.DataFrame(records).to_csv(tmp_path / "csv" / "a.csv", index=False)
    outs = {}
    for kind in ("jsonl", "csv"):
        run(load_config(None, ["run.workers=1"]), tmp_path / kind, tmp_path / f"out-{kind}")
        ledger = pd.read_parquet(tmp_path / f"out-{kind}" / "parquet" / "paragraphs")
        docs = pd.read_parquet(tmp_path / f"out-{kind}" / "parquet" / "documents")
        outs[kind] = (ledger, docs[["id", "text", "date", "n_duplicates_removed"]])
    pd.testing.assert_frame_equal(outs["csv"][0], outs["jsonl"][0])
    pd.testing.assert_frame_equal(outs["csv"][1], outs["jsonl"][1])
    assert (outs["csv"][0].status == "duplicate").sum() > 100


def test_field_names_given_in_the_config_map_other_columns(tmp_path):
    rows = [{"story": "First paragraph.\nSecond one.", "web": "https://www.bbc.co.uk/a", "headline": "A"},
            {"story": "Another story.", "web": "https://example.com/b", "headline": "B"}]
    (tmp_path / "raw").mkdir()
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "raw" / "t.parquet")
    cfg = load_config(None, ["ingest.fields.text=[story]", "ingest.fields.url=[web]"]).ingest
    docs, ctx = ingest_docs(tmp_path / "raw", cfg)
    assert [(d.id, d.title, d.url, [p.text for p in d.paragraphs]) for d in docs] == [
        ("t:1", "A", "https://www.bbc.co.uk/a", ["First paragraph.", "Second one."]),
        ("t:2", "B", "https://example.com/b", ["Another story."])]
    assert cfg.fields["title"] == IngestConfig().fields["title"]  # the other aliases stay


def test_all_formats_in_one_raw_folder_give_one_corpus_deduplicated_across_formats(tmp_path):
    """A page in a WARC and the same article in a CSV (or a Parquet file, a datasets folder, an
    HTML file) are duplicates; the allsides records spread over JSONL, CSV, Parquet, WET and a
    datasets folder with overlaps are each kept once."""
    import datasets

    pages = benchmark_pages(6)
    arts = _headline_records(9)
    extracted = [extract(body, url=url) for url, body in pages]
    as_record = [{"ID": f"page-{i}", "url": url, "title": e.title, "text": "\n".join(e.paragraphs)}
                 for i, ((url, _), e) in enumerate(zip(pages, extracted))]
    raw = tmp_path / "raw"
    warc = WarcBuilder(raw / "crawl.warc.gz")
    for url, body in pages:
        warc.response(url, body)
    warc.close()
    wet = WarcBuilder(raw / "cc.warc.wet.gz")
    for r in arts[0:3]:
        wet.conversion(r["url"], r["title"] + "\n\n" + r["content_original"])
    wet.close()
    def copy(i: int, where: str) -> dict:  # the same article under the id of another file
        return dict(arts[i], ID=f"{arts[i]['ID']}-{where}")

    pd.DataFrame([copy(0, "csv"), copy(3, "csv"), copy(4, "csv"), as_record[0]]).to_csv(raw / "a.csv", index=False)
    pq.write_table(pa.Table.from_pylist([arts[i] for i in (3, 4, 5, 6)]), raw / "b.parquet")
    write_jsonl(raw / "c.jsonl", [copy(6, "jsonl"), arts[7], arts[1]] + [as_record[3]])
    datasets.Dataset.from_list([{k: r.get(k) for k in ("ID", "url", "title", "text")}
                                for r in [dict(arts[8], text=arts[8]["content_original"]), as_record[1]]]
                               ).save_to_disk(str(raw / "hf"))
    (raw / "page2.html").write_bytes(pages[2][1])

    stats = run(load_config(None), raw, tmp_path / "out")
    docs = pd.read_parquet(tmp_path / "out" / "parquet" / "documents")
    assert stats["stages"]["ingest"]["files_in"] == 7
    assert stats["stages"]["ingest"]["documents_out"] == 6 + 3 + 4 + 4 + 4 + 2 + 1
    assert len(docs) == len(pages) + len(arts), docs[["id", "path"]].to_string()
    assert not (tmp_path / "out" / "quarantine.jsonl").read_text().strip()
    ledger = pd.read_parquet(tmp_path / "out" / "parquet" / "paragraphs")
    removed = ledger[ledger.status == "duplicate"]
    # The page copies outside the WARC are duplicates of the WARC pages or the other way round.
    for i in (0, 1, 2, 3):
        ids = set(docs.id)
        copies = {f"page-{i}", f"crawl#{warc.ids[i].strip('<>').removeprefix('urn:uuid:')}"} | (
            {"page2"} if i == 2 else set())
        assert len(copies & ids) == 1, (i, copies & ids)
    assert removed.duplicate_of_doc_id.notna().all() and len(removed) > 0


def test_a_recrawl_is_an_exact_duplicate_and_the_crawl_date_never_ranks_it(tmp_path):
    """Two records of one URL (a re-crawl, the later one first in the file): one copy stays, the
    other is an exact duplicate; neither takes its crawl date as publication date."""
    pages = benchmark_pages(3)
    warc = WarcBuilder(tmp_path / "raw" / "crawl.warc.gz")
    warc.request(pages[0][0])
    for url, body in pages + pages[:2]:
        warc.response(url, body)
    warc.close()
    first = run(load_config(None), tmp_path / "raw", tmp_path / "out")
    # Read again from the cache: the same counts of records passed over.
    again = run(load_config(None), tmp_path / "raw", tmp_path / "out", force=True)
    assert first["stages"]["ingest"]["records_skipped"] == {"request": 1}
    assert again["stages"]["ingest"]["records_skipped"] == {"request": 1}
    assert again["stages"]["ingest"]["files_reused"] == 1
    warc.ids.pop(0)  # the request
    docs = pd.read_parquet(tmp_path / "out" / "parquet" / "documents")
    ledger = pd.read_parquet(tmp_path / "out" / "parquet" / "paragraphs")
    assert sorted(docs.url) == sorted(url for url, _ in pages)
    ids = [f"crawl#{i.strip('<>').removeprefix('urn:uuid:')}" for i in warc.ids]
    for first, again in ((ids[0], ids[3]), (ids[1], ids[4])):
        # Equal dates (the page's own, or none): the keeper rule falls to the id.
        kept, removed = sorted((first, again))
        assert kept in set(docs.id) and removed not in set(docs.id)
        assert (ledger[ledger.doc_id == removed].status == "duplicate").all()
    for meta, date in zip(docs.meta, docs.date):
        assert json.loads(meta)["crawl_date"][:10] != date
