"""Realistic inputs for the reader tests, made in the test: WARC/WET files written with warcio
from the article-extraction-benchmark pages, allsides records as JSONL, Parquet, CSV and a
`save_to_disk` folder."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

from conftest import corpus

from pipeline.core.model import Document, NothingToRead, RunContext
from pipeline.stages import ingest


def benchmark_pages(n: int) -> list[tuple[str, bytes]]:
    """(url, html bytes) of the first n benchmark pages, by file name."""
    root = corpus("article-extraction-benchmark")
    truth = json.loads((root / "ground-truth.json").read_text())
    files = sorted((root / "html").glob("*.html.gz"))[:n]
    return [(truth[f.name.split(".")[0]]["url"], gzip.decompress(f.read_bytes())) for f in files]


def allsides_records(n: int, skip: int = 0) -> list[dict]:
    path = corpus("allsides-news", "articles-part-00.jsonl.gz")
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= skip:
                out.append(json.loads(line))
            if len(out) == n:
                break
    return out


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


class WarcBuilder:
    """A WARC written record by record with warcio; `offsets` maps a name to a record's offset."""

    def __init__(self, path: Path, gzip_: bool = True) -> None:
        from warcio.warcwriter import WARCWriter

        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.fh = path, path.open("wb")
        self.writer = WARCWriter(self.fh, gzip=gzip_)
        self.offsets: dict[str, int] = {}
        self.ids: list[str] = []

    def _write(self, name: str | None, record) -> None:
        if name:
            self.offsets[name] = self.fh.tell()
        self.writer.write_record(record)
        self.ids.append(record.rec_headers.get_header("WARC-Record-ID"))

    def response(self, url: str, body: bytes, ctype: str = "text/html; charset=utf-8",
                 status: str = "200 OK", name: str | None = None) -> None:
        from warcio.statusandheaders import StatusAndHeaders

        headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        self._write(name, self.writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))

    def request(self, url: str) -> None:
        from warcio.statusandheaders import StatusAndHeaders

        headers = StatusAndHeaders(f"GET {url} HTTP/1.1", [("Host", "example")], is_http_request=True)
        self._write(None, self.writer.create_warc_record(url, "request", payload=io.BytesIO(b""),
                                                         http_headers=headers))

    def revisit(self, url: str) -> None:
        from warcio.statusandheaders import StatusAndHeaders

        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        self._write(None, self.writer.create_revisit_record(
            url, digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", refers_to_uri=url,
            refers_to_date="2020-01-01T00:00:00Z", http_headers=headers))

    def warcinfo(self) -> None:
        self._write(None, self.writer.create_warcinfo_record(self.path.name, {"software": "tests"}))

    def broken_http(self, url: str, name: str) -> None:
        """A response record whose block does not start with an HTTP status line."""
        rec = self.writer.create_warc_record(
            url, "resource", payload=io.BytesIO(b"NOT AN HTTP RESPONSE\r\nfoo\r\n\r\n<html><p>x</p></html>"),
            warc_content_type="application/http; msgtype=response")
        rec.rec_headers.replace_header("WARC-Type", "response")
        self._write(name, rec)

    def conversion(self, url: str, text: str) -> None:
        rec = self.writer.create_warc_record(url, "conversion", payload=io.BytesIO(text.encode()),
                                             warc_content_type="text/plain")
        self._write(None, rec)

    def close(self, cut: int = 0) -> None:
        self.fh.close()
        if cut:
            data = self.path.read_bytes()
            self.path.write_bytes(data[:-cut])


def ingest_docs(raw: Path, cfg: ingest.IngestConfig | None = None,
                executor=None) -> tuple[list[Document], RunContext]:
    """The documents of a raw folder as the ingest stage hands them on, and its context."""
    from pipeline.stages.base import Handoff

    ctx = RunContext(executor=executor, workers=getattr(executor, "workers", 1), raw=raw,
                     staging=raw.parent / f"staging-{raw.name}")
    try:
        handoff = ingest.run(Handoff(), cfg or ingest.IngestConfig(), ctx)
    except NothingToRead:
        return [], ctx
    return [d for job in handoff.jobs() for d in job.documents()], ctx


def record_view(doc: Document) -> tuple:
    """What must be equal between formats: id, source, title, section, url, date, paragraphs."""
    return (doc.id, doc.source, doc.title, doc.section, doc.url, doc.date,
            [p.text for p in doc.paragraphs])
