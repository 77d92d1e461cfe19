"""Personal data found and masked everywhere; filter rules parsed, applied and explained."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.annotators import pii
from pipeline.annotators.filters import Rule, failing, parse
from pipeline.stages.filter import first_failing

from conftest import fork_cli

PHONES = ["+1 (202) 555-0143", "(212) 555-1234", "202-555-0143", "202.555.0143",
          "+44 20 7946 0958", "+33 1 23 45 67 89", "+49 (0)30 1234567", "1-800-555-0199",
          "+91 98765 43210", "(703)-683-5004", "561 670 0462"]
NOT_PHONES = ["in 2019-2020", "on 2020-01-15", "on 01/15/2020", "raised $1,234,567",
              "won 21-17", "passed 219-212", "by 52-48", "ISBN 978-3-16-148410-0",
              "call 555-1234", "$202-555-0143", "+5 points", "1,234,567,890 people",
              "version 1.2.3.4.5", "at 12:30:00", "on a scale -20 0 +20 40 60 80 100 120"]


@pytest.mark.parametrize("phone", PHONES)
def test_phone_formats_are_found(phone):
    text = f"Readers can reach the desk at {phone} during office hours."
    assert pii.find(text)["phone"] == [(text.index(phone), text.index(phone) + len(phone))]


@pytest.mark.parametrize("text", NOT_PHONES)
def test_numbers_that_are_not_phones(text):
    found = pii.find(f"The measure {text}, officials said.")
    assert found["phone"] == [] and found["email"] == []


def test_emails_and_ip_addresses():
    text = ("Tips: news.desk@example.co.uk or j_smith+tips@mail.example.org. The attack came from "
            "203.0.113.7 and 2001:db8::ff00:42:8329; version 10.2.3.4.5 is not an address, nor is "
            "999.1.1.1, nor the time 10:30:15.")
    f = pii.find(text)
    assert [text[a:b] for a, b in f["email"]] == ["news.desk@example.co.uk", "j_smith+tips@mail.example.org"]
    assert [text[a:b] for a, b in f["ip"]] == ["203.0.113.7", "2001:db8::ff00:42:8329"]
    assert pii.mask(text).startswith("Tips: <EMAIL> or <EMAIL>. The attack came from <IP> and <IP>;")


def test_the_batch_prefilter_changes_nothing():
    texts = [f"Call {p} or write a@b.org from 10.0.0.1." for p in PHONES] + NOT_PHONES + ["", "no digits"]
    kinds = pii.candidates(texts)
    assert [pii.counts(t, k) for t, k in zip(texts, kinds)] == [pii.counts(t) for t in texts]


def test_candidates_are_each_kinds_own_scan():
    """One scan for any kind, then each kind on the texts it found, gives what scanning every
    text for every kind gives (a list or an Arrow array of texts)."""
    import pyarrow.compute as pc

    texts = ["Write to desk@example.org today.", "Call +44 20 7946 0958 after 6 p.m.",
             "The attack came from 203.0.113.7.", "Its server, 2001:db8::ff00:42:8329, is down.",
             "Nothing here: 2019-2020, 52-48, 10:30.", "", "Reach a@b.org or 202-555-0143, not 10.0.0.1."]
    want = [frozenset(k for k, p in pii.PREFILTER.items()
                      if pc.match_substring_regex(pa.array([t]), p)[0].as_py()) for t in texts]
    assert {k for kinds in want for k in kinds} == set(pii.PREFILTER) and frozenset() in want
    assert pii.candidates(texts) == want == pii.candidates(pa.array(texts))


def test_rules_parse_and_decide():
    rules = parse({"gopher.mean_word_length": [3, 10], "repetition.dup_line_char_share": {"max": 0.2},
                   "c4.lorem_ipsum": False, "gopher.word_count": [50, None]},
                  ("gopher", "repetition", "c4"))
    assert [r.reason for r in rules] == ["gopher.mean_word_length in [3, 10]",
                                         "repetition.dup_line_char_share <= 0.2",
                                         "c4.lorem_ipsum == false", "gopher.word_count >= 50"]
    doc = {"gopher_mean_word_length": 4.5, "repetition_dup_line_char_share": 0.3,
           "c4_lorem_ipsum": True, "gopher_word_count": 10}
    assert failing(doc, rules).reason == "repetition.dup_line_char_share <= 0.2"
    assert failing({**doc, "repetition_dup_line_char_share": None}, rules).reason == "c4.lorem_ipsum == false"
    table = pa.table({"n_paragraphs": [3, 3, 0, 3], "gopher_mean_word_length": [4.5, 2.0, 2.0, None],
                      "repetition_dup_line_char_share": [0.1, 0.1, 0.1, 0.5],
                      "c4_lorem_ipsum": [False, False, False, False], "gopher_word_count": [80, 80, 80, 80]})
    # the second fails the first rule; the third has no text left; a null fails no rule
    assert first_failing(table, rules) == [None, "gopher.mean_word_length in [3, 10]", None,
                                           "repetition.dup_line_char_share <= 0.2"]
    assert Rule("k", "c", min=1.0).passes(float("nan"))


def _run(raw: Path, out: Path, *sets: str) -> subprocess.CompletedProcess:
    args = ["run", "--raw", str(raw), "--out", str(out), "--quiet", "--workers", "2"]
    for s in sets:
        args += ["--set", s]
    return fork_cli(*args)


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("pii") / "raw"
    raw.mkdir()
    body = ("The city council met on Monday evening to debate the new budget for schools and roads. "
            "Members argued for hours before the final vote, which passed by a narrow margin.")
    rows = [
        {"id": "contact", "source": "Daily", "title": "Contact jane.doe@example.org",
         "text": f"{body}\nFor questions write to jane.doe@example.org or call +1 (202) 555-0143.\n"
                 "The vote was 52-48 in 2019; the server at 192.168.10.1 logged it.",
         "author_email": "reporter@example.com"},
        {"id": "short", "source": "Daily", "text": "Click here.\nMore soon."},
        {"id": "plain", "source": "Daily",
         "text": "Heavy rain flooded the river valley overnight, and the county closed three roads.\n"
                 "Crews expect the water to recede by the weekend, the sheriff's office said."},
    ]
    (raw / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return raw


SECRETS = ("jane.doe@example.org", "555-0143", "192.168.10.1", "reporter@example.com")


@pytest.fixture(scope="module")
def default_out(raw: Path, tmp_path_factory) -> Path:
    """One run with the default settings, which three tests compare against (read only)."""
    out = tmp_path_factory.mktemp("pii-default") / "processed"
    r = _run(raw, out)
    assert r.returncode == 0, r.stderr
    return out


def _arrow(path: Path) -> pa.Table:
    from pyarrow import ipc

    try:
        return ipc.open_file(path).read_all()
    except pa.ArrowInvalid:  # the `datasets` shards are Arrow streams
        return ipc.open_stream(path).read_all()


def _all_text(out: Path) -> str:
    """Every file under out/ (the cache included), Parquet and Arrow files read back to values
    (their pages may be compressed), the others as bytes."""
    parts = []
    for f in sorted(out.rglob("*")):
        if f.is_file():
            if f.suffix in (".parquet", ".arrow"):
                t = pq.read_table(f) if f.suffix == ".parquet" else _arrow(f)
                parts += [str(v) for c in t.columns for v in c.to_pylist()]
            else:
                parts.append(f.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def test_masked_data_is_in_no_file(raw: Path, default_out: Path, tmp_path: Path):
    counted = default_out
    assert all(s in _all_text(counted) for s in SECRETS)  # the check can fail
    assert all(s in _all_text(counted / ".cache") for s in SECRETS)  # ... in the cache too
    doc = pq.read_table(counted / "parquet" / "documents").to_pylist()[0]
    assert (doc["pii_emails"], doc["pii_phones"], doc["pii_ips"]) == (1, 1, 1)

    out = tmp_path / "masked"
    r = _run(raw, out, "annotate.pii=mask")
    assert r.returncode == 0, r.stderr
    assert (out / ".cache" / "ingest").is_dir()
    text = _all_text(out)
    assert not [s for s in SECRETS if s in text]
    doc = pq.read_table(out / "parquet" / "documents").to_pylist()[0]
    assert "<EMAIL>" in doc["text"] and "<PHONE>" in doc["text"] and "<IP>" in doc["text"]
    assert doc["title"] == "Contact <EMAIL>" and "<EMAIL>" in doc["meta"]
    assert (doc["pii_emails"], doc["pii_phones"], doc["pii_ips"]) == (1, 1, 1)
    assert "52-48 in 2019" in doc["text"]


def test_filters_drop_documents_and_explain_them(raw: Path, default_out: Path, tmp_path: Path):
    plain = default_out
    out = tmp_path / "filtered"
    r = _run(raw, out, "annotate.annotators=[language, gopher, repetition, pii]",
             "filter.gopher.word_count=[20, 100000]",
             "filter.repetition.dup_line_char_share={max: 0.2}")
    assert r.returncode == 0, r.stderr
    ledger = pq.read_table(out / "parquet" / "paragraphs").to_pylist()
    assert len(ledger) == len(pq.read_table(plain / "parquet" / "paragraphs"))  # every paragraph
    short = [p for p in ledger if p["doc_id"] == "short"]
    assert {(p["status"], p["reason"]) for p in short} == {("filtered", "gopher.word_count in [20, 100000]")}
    assert [d["id"] for d in pq.read_table(out / "parquet" / "documents").to_pylist()] == ["contact", "plain"]
    stats = json.loads((out / "stats.json").read_text())
    assert stats["stages"]["filter"]["documents_dropped"] == {"filtered:gopher.word_count in [20, 100000]": 1}
    assert stats["totals"]["paragraphs_by_status"]["filtered"] == 2
    card = (out / "README.md").read_text()
    assert "| `gopher.word_count in [20, 100000]` | 1 |" in card
    assert "| `repetition.dup_line_char_share <= 0.2` | 0 |" in card
    explain = fork_cli("explain", "short", "--out", str(out))
    assert "FILTERED (gopher.word_count in [20, 100000])" in explain.stdout
    report = (out / "report.html").read_text()
    assert "filtered:gopher.word_count in [20, 100000]" in report
    assert 'aria-label="repetition.dup_line_char_share"' in report and "filter max 0.2" in report


def test_filters_off_change_nothing_but_add_columns(raw: Path, default_out: Path, tmp_path: Path):
    base, full = tmp_path / "base", default_out
    assert _run(raw, base, "annotate.annotators=[language]").returncode == 0
    a = pq.read_table(base / "parquet" / "documents")
    b = pq.read_table(full / "parquet" / "documents")
    assert b.column_names[:len(a.column_names)] == a.column_names
    assert b.select(a.column_names).equals(a)
    assert pq.read_table(base / "parquet" / "paragraphs").equals(pq.read_table(full / "parquet" / "paragraphs"))


@pytest.mark.parametrize("setting, words", [
    ("filter.gopher.nope=[1, 2]", "unknown signal 'gopher.nope'"),
    ("filter.gopherx.word_count=[1, 2]", "unknown signal 'gopherx.word_count'"),
    ("annotate.annotators=[language, fasttext]", "unknown annotator 'fasttext'"),
])
def test_validate_rejects_unknown_names_in_one_line(setting, words):
    r = fork_cli("validate", "--set", setting)
    assert r.returncode == 2
    assert words in r.stderr and len(r.stderr.strip().splitlines()) == 1
