"""HTML extraction: metadata, offline, bounded, never crashing on garbage."""

from __future__ import annotations

import gzip
import socket

import pytest

from pipeline.readers import html as htmlextract
from pipeline.readers.html import ExtractionError, extract

PARAS = [
    "The city council approved the new transit plan on Tuesday after a four-hour debate that "
    "drew hundreds of residents to the chamber.",
    "Supporters said the plan would cut commute times for thousands of workers in the eastern "
    "districts, while opponents warned about the cost to taxpayers.",
    "The first new bus lines are expected to open next spring, the mayor's office said in a "
    "statement released after the vote.",
]
PAGE = f"""<!DOCTYPE html><html lang="en"><head>
<title>Council approves transit plan | Springfield Gazette</title>
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2021-03-04T10:00:00Z">
<link rel="canonical" href="https://gazette.example.com/news/transit-plan">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sports">Sports</a></li></ul></nav>
<article><h1>Council approves transit plan</h1>
{''.join(f'<p>{p}</p>' for p in PARAS)}
</article>
<div class="comments"><h3>Leave a Comment</h3><p>Your email address will not be published.</p></div>
<footer>Copyright © 2021 Springfield Gazette. All rights reserved.</footer>
</body></html>"""


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("extraction tried to use the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_realistic_page_gives_article_and_metadata(no_network):
    page = extract(PAGE.encode("utf-8"))
    assert page is not None
    assert page.title == "Council approves transit plan"
    assert page.author == "Jane Doe"
    assert page.date == "2021-03-04"
    assert page.url == "https://gazette.example.com/news/transit-plan"
    for p in PARAS:
        assert p in page.paragraphs
    assert not any("Home" == p or "Leave a Comment" in p for p in page.paragraphs)
    assert page.meta["extractor"].startswith("trafilatura")


def test_gzip_input_and_url_argument(no_network):
    page = extract(gzip.compress(PAGE.encode()), url="https://other.example.org/a")
    assert page is not None and PARAS[0] in page.paragraphs


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\x00\xff\xfe garbage \x00", "<<<>>>", "<html><body></body></html>", "<p>" * 5000,
     bytes(range(256)) * 50],
)
def test_garbage_has_no_article(garbage, no_network):
    assert extract(garbage) is None  # ingest quarantines it: "no extractable article text"


def test_broken_gzip_is_an_extraction_error(no_network):
    with pytest.raises(ExtractionError, match="broken gzip data"):
        extract(b"\x1f\x8b\x08\x00broken gzip")


def test_deep_nesting_is_no_article_and_no_crash():
    # lxml refuses nesting deeper than its limit: no article, which ingest quarantines, instead
    # of a RecursionError taking the run down.
    html = "<div>" * 50_000 + "Deep text that is a full sentence of content. " * 10 + "</div>" * 50_000
    assert extract(html, timeout_s=20) is None


def test_timeout_is_reported(monkeypatch):
    def slow(html, url, fill_share):
        while True:
            pass

    monkeypatch.setattr(htmlextract, "_extract_now", slow)
    with pytest.raises(ExtractionError, match="timed out after 0.2 s"):
        extract(PAGE, timeout_s=0.2)


def test_bad_timeout_rejected():
    with pytest.raises(ValueError, match="timeout_s"):
        extract(PAGE, timeout_s=0)


def _benchmark_pages():
    import json

    from conftest import corpus

    root = corpus("article-extraction-benchmark")
    truth = json.loads((root / "ground-truth.json").read_text())
    return [(truth[f.name.split(".")[0]]["url"], gzip.decompress(f.read_bytes()))
            for f in sorted((root / "html").glob("*.html.gz"))]


def test_metadata_equals_trafilaturas_on_benchmark_pages():
    # htmlmeta searches only the fields the pipeline keeps: on every page of the benchmark each
    # of them must be what trafilatura's own `extract_metadata` finds (with the page's URL and
    # without: the WARC and the .html paths), authors found by its XPath search included.
    from trafilatura.metadata import extract_metadata
    from trafilatura.utils import load_html

    from pipeline.readers.htmlmeta import page_metadata

    fields = ("title", "author", "url", "hostname", "sitename", "date")
    found = dict.fromkeys(fields, 0)
    for i, (url, body) in enumerate(_benchmark_pages()):
        url = url if i % 2 else None
        params = htmlextract._date_params()
        ours = page_metadata(load_html(body), url, params)
        theirs = extract_metadata(load_html(body), url, dict(params))
        for f in fields:
            assert getattr(ours, f) == getattr(theirs, f), (f, url)
            found[f] += bool(getattr(ours, f))
    # Not a comparison of two Nones: most pages have each field.
    assert min(found.values()) > 90, found


def test_text_and_metadata_equal_one_trafilatura_call_on_benchmark_pages():
    # The page is parsed once and the metadata searched apart: the text, title, date, author
    # and url must stay what one `bare_extraction(with_metadata=True)` call gives (the page
    # fill off: it only adds lines, tests/test_pagefill.py).
    import trafilatura

    for url, body in _benchmark_pages()[::3]:
        page = extract(body, url, fill_share=0)
        doc = trafilatura.bare_extraction(body, url=url, with_metadata=True, include_comments=False,
                                          include_tables=True, config=htmlextract._config())
        assert page is not None and doc is not None
        assert page.paragraphs == [s.strip() for s in doc.text.split("\n") if s.strip()], url
        assert (page.title, page.date, page.author, page.url) == (doc.title, doc.date, doc.author,
                                                                  doc.url or url), url
        assert page.meta.get("sitename") == (doc.sitename or None), url


@pytest.mark.parametrize("markup,author", [
    ('<span class="byline">By Jane Roe</span>', "Jane Roe"),  # found by trafilatura's XPaths
    ('<div id="authorBox"><a href="/jr">Jane Roe</a></div>', "Jane Roe"),
    ('<span class="credit">Photo: Jane Roe</span>', None),  # nothing it could match: skipped
])
def test_author_search_only_skipped_where_it_cannot_match(markup, author):
    from trafilatura.metadata import extract_author
    from trafilatura.utils import load_html

    from pipeline.readers.htmlmeta import _author, _author_possible

    tree = load_html(PAGE.replace('<meta name="author" content="Jane Doe">', "")
                     .replace("<article>", f"<article>{markup}"))
    assert extract_author(tree) == _author(tree) == author
    assert _author_possible(tree) == (author is not None)
