"""Property tests: readers never crash on arbitrary input and never lose a line of text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.readers.decode import InputError, decode_text, decompress, TruncatedInput
from pipeline.readers.records import record_to_document
from pipeline.stages.ingest import IngestConfig
from pipeline.readers.text import parse_text_article, split_paragraphs

lines = st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=120), max_size=30)


def _covered(line: str, paragraphs: list[str]) -> bool:
    words = line.split()
    return not words or any(" ".join(words) in " ".join(p.split()) for p in paragraphs)


@given(lines)
@settings(max_examples=300, deadline=None)
def test_split_paragraphs_loses_no_line(parts):
    text = "\n".join(parts)
    paragraphs = split_paragraphs(text)
    assert all(p and p == p.strip() for p in paragraphs)
    # Lines are split on universal newlines by split_paragraphs too.
    for part in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        assert _covered(part, paragraphs)


@given(lines)
@settings(max_examples=200, deadline=None)
def test_parse_text_article_keeps_title_and_every_line(parts):
    text = "\n".join(parts)
    title, section, paragraphs = parse_text_article(text)
    pieces = paragraphs + [x for x in (title, section) if x]
    for part in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        words = part.lstrip("#").split()
        assert not words or any(w in " ".join(pieces) for w in words)


@given(st.binary(max_size=2048))
@settings(max_examples=300, deadline=None)
def test_decode_text_returns_text_or_a_reason(data):
    try:
        text, encoding = decode_text(data)
    except InputError as e:
        assert str(e)
    else:
        assert isinstance(text, str) and encoding


@given(st.binary(max_size=512))
@settings(max_examples=200, deadline=None)
def test_decompress_garbage_gives_a_reason(data):
    try:
        decompress(b"\x1f\x8b" + data, ".gz")
    except TruncatedInput as e:
        assert str(e) and isinstance(e.data, bytes)
    except InputError as e:
        assert str(e)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.sampled_from(["id", "text", "title", "date", "source", "url", "body", "x"]), json_values))
@settings(max_examples=300, deadline=None)
def test_any_json_record_is_a_document_or_a_reason(record):
    try:
        doc = record_to_document(record, "f.jsonl", 1, IngestConfig())
    except InputError as e:
        assert "text" in str(e) or "object" in str(e)
    else:
        assert doc.paragraphs and doc.id
