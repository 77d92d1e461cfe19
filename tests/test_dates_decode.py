import codecs
import gzip

import pytest

from pipeline.readers.dates import normalise_date
from pipeline.readers.decode import InputError, TruncatedInput, decode_text, decompress


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2020-01-05", "2020-01-05"),
        ("1/5/20", "2020-01-05"),
        ("January 5, 2020", "2020-01-05"),
        ("2020-01-05T10:00:00Z", "2020-01-05T10:00:00+00:00"),
        ("0001-11-30", None),  # junk seen in allsides: would win the keeper rule
        ("2020-02-30", None),
        ("not a date", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_date(raw, expected):
    assert normalise_date(raw) == expected


TEXT = "Zelenskyy said the café’s owner – “a friend” – paid 1,000 €."


@pytest.mark.parametrize(
    "data, encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_decode_text_recovers_the_text(data, encoding):
    text, used = decode_text(data)
    assert text == TEXT and used == encoding


def test_latin1_text_is_read():
    text, _ = decode_text("Crème brûlée à Paris, über alles".encode("latin-1"))
    assert text == "Crème brûlée à Paris, über alles"


def test_binary_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(InputError, match="binary"):
        decode_text(png)


def test_truncated_gzip_keeps_the_part_before_the_break():
    payload = ("line of text number %d\n" * 5000 % tuple(range(5000))).encode()
    packed = gzip.compress(payload)
    assert decompress(packed, ".gz") == payload
    with pytest.raises(TruncatedInput) as e:
        decompress(packed[: len(packed) // 2], ".gz")
    assert 0 < len(e.value.data) < len(payload)
    assert payload.startswith(e.value.data)


def test_concatenated_gzip_members():
    assert decompress(gzip.compress(b"a\n") + gzip.compress(b"b\n"), ".gz") == b"a\nb\n"


@pytest.mark.parametrize(
    "broken, fixed",
    [
        ("The cafÃ© said â€œhiâ€\x9d", "The café said “hi”"),
        ("Ð¿Ñ€Ð¸Ð²ÐµÑ‚ Ð¼Ð¸Ñ€", "привет мир"),
        ("São Paulo e Ã© que", "São Paulo e é que"),
    ],
)
def test_mojibake_is_repaired(broken, fixed):
    from pipeline.readers.decode import repair_mojibake

    assert repair_mojibake(broken) == fixed


def test_real_text_is_left_alone():
    from pipeline.readers.decode import repair_mojibake

    for text in ("ÑANDÚ is a bird; Ørsted is a company.", "Müller – “quoted” café", "plain"):
        assert repair_mojibake(text) == text


def test_repair_document_scans_the_whole_text_once():
    from pipeline.stages.ingest import repair_document
    from pipeline.core.model import Document

    doc = Document.from_texts("d", ["clean \u2019 text", "the cafÃ© owner", "more"], title="cafÃ©")
    repair_document(doc)
    assert [p.text for p in doc.paragraphs] == ["clean \u2019 text", "the café owner", "more"]
    assert doc.title == "café" and doc.meta == {"mojibake_repaired": 1}
    clean = Document.from_texts("c", ["no marks", "at all"])
    repair_document(clean)
    assert clean.meta == {}
