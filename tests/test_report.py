"""processed/report.html: pure helpers, a fake folder, the seeds' run, headless Chromium."""
from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.report import agg as report_agg, data as report_data
from pipeline.report.render import main as report_main
from pipeline.report.render import render_report
from pipeline.report.svg import (bin_counts, bin_labels, cluster_size_edges, esc, funnel,
                                 hbar_chart, histogram, nice_log_edges, stacked_hbar_chart,
                                 tokenize, word_diff)
from pipeline.core.schema import DOCUMENT_SCHEMA

from conftest import ROOT, ledger_table, missing
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SECTION_IDS = ("funnel", "removals", "clusters", "languages", "lengths", "boilerplate",
               "pairs", "quarantine")


# --------------------------------------------------------------------------- pure helpers
def test_esc_escapes_markup_and_quotes():
    assert esc('<a href="x">&\'') == "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;"
    assert esc(None) == ""


def test_tokenize_round_trips():
    text = "  Hello, world!\n“Quoted” — 30-day truce…  "
    assert "".join(tokenize(text)) == text


def test_word_diff_marks_changed_words_only():
    a, b = word_diff("the quick brown fox", "the slow brown fox jumps")
    assert a == "the <del>quick</del> brown fox"
    assert b == "the <ins>slow</ins> brown fox<ins> jumps</ins>"
    same_a, same_b = word_diff("identical text", "identical text")
    assert same_a == same_b == "identical text"


def test_word_diff_escapes_both_sides():
    a, b = word_diff("x <b>bold</b>", "x <i>it</i>")
    for side in (a, b):
        assert "<b>" not in side and "<i>" not in side and "&lt;" in side


def test_bin_counts_half_open_with_clipping():
    assert bin_counts([0, 1, 1.5, 2, 9, 10, 99, -3], [0, 1, 2, 10]) == [2, 2, 4]
    assert bin_counts(np.array([0.5, float("nan")]), [0, 1]) == [1]
    with pytest.raises(ValueError):
        bin_counts([1], [0])


def test_log_edges_and_labels():
    assert nice_log_edges(7) == [0, 1, 2, 5, 10]
    assert nice_log_edges(10) == [0, 1, 2, 5, 10, 20]
    assert bin_labels([0, 1, 2, 5, 10]) == ["0", "1", "2–4", "5–9"]
    assert bin_labels([1000, 2000]) == ["1k–2k"]
    assert bin_labels([0.5, 0.55], integer=False) == ["0.5–0.55"]
    assert cluster_size_edges(2) == [2, 3]
    assert bin_labels(cluster_size_edges(57)) == [
        "2", "3", "4", "5", "6–10", "11–20", "21–50", "51–100"]


def test_charts_are_well_formed_svg_and_escape_labels():
    charts = [
        hbar_chart([(EVIL, 3), ("b", 0)], notes=["n1", "n2"]),
        stacked_hbar_chart([(EVIL, {"k1": 2, "k2": 1}, "note")], ["k1", "k2"],
                           {"k1": "#000", "k2": "#111"}),
        histogram(["0", "1–4", EVIL], {"s": [1, 0, 5], "t": [0, 2, 1]},
                  {"s": "#000", "t": "#111"}, title=EVIL, xlabel="x"),
        funnel([("ingest", 10), ("clean", 7), ("x", None)], title="f"),
    ]
    for svg in charts:
        root = ET.fromstring(svg)  # parses: balanced and escaped
        assert root.tag.endswith("svg")
        assert "<script" not in svg
    assert "nothing to plot" in hbar_chart([])


# --------------------------------------------------------------------------- a fake folder
def _write_folder(out: Path, docs: list[dict], pars: list[dict], *, shards: int = 1,
                  learned: str | None = None, quarantine: list[dict] = ()) -> Path:
    for name, rows in (("documents", docs), ("paragraphs", pars)):
        folder = out / "parquet" / name
        folder.mkdir(parents=True)
        for s in range(shards):
            part = rows[s::shards]
            table = ledger_table(part) if name == "paragraphs" else pa.Table.from_pydict(
                {f.name: [r.get(f.name) for r in part] for f in DOCUMENT_SCHEMA}, schema=DOCUMENT_SCHEMA)
            pq.write_table(table, folder / f"{name}-{s:05d}-of-{shards:05d}.parquet")
    n_docs, n_pars = len(docs), len(pars)
    stages = {"ingest": {"documents_in": None, "documents_out": n_docs, "paragraphs_in": None,
                         "paragraphs_out": n_pars, "quarantined": {"decode": len(quarantine)},
                         "wall_seconds": 1.5}}
    for name in ("clean", "dedup", "annotate", "write"):
        stages[name] = {"documents_in": n_docs, "documents_out": n_docs, "paragraphs_in": n_pars,
                        "paragraphs_out": n_pars, "removed": {}, "wall_seconds": 0.1}
    (out / "stats.json").write_text(json.dumps({"stages": stages, "totals": {}}))
    if learned is not None:
        (out / "boilerplate_learned.csv").write_text(learned)
    (out / "quarantine.jsonl").write_text("".join(json.dumps(q) + "\n" for q in quarantine))
    return out


def _fake_rows():
    docs = [{"id": f"d{i}", "source": EVIL if i == 0 else f"src{i % 2}", "text": "t",
             "language": "en" if i % 3 else "de", "language_score": 0.9, "n_chars": 100 * i + 5,
             "n_words": 20 * i + 1, "n_paragraphs": 3} for i in range(4)]
    pars = []
    for i, d in enumerate(docs):
        for k in range(3):
            pars.append({"doc_id": d["id"], "index": k, "source": d["source"],
                         "text": f"paragraph {k} of doc {i} {EVIL}", "status": "kept"})
    pars[4].update(status="boilerplate", reason="learned:" + EVIL)
    pars[5].update(text="Alpha beta gamma delta <evil>", status="duplicate",
                   reason="near_duplicate", duplicate_of_doc_id="d0", duplicate_of_index=0,
                   similarity=0.91, cluster_id=7)
    pars[0].update(text="Alpha beta GAMMA delta", cluster_id=7)
    pars[8].update(text=pars[2]["text"], status="duplicate", reason="exact_document",
                   duplicate_of_doc_id="d0", duplicate_of_index=2, similarity=1.0, cluster_id=9)
    pars[2].update(cluster_id=9)
    learned = ("source,line,n_docs,share_of_source_docs,n_removed\r\n"
               f'"{EVIL}","{EVIL}, line",3,0.75,3\r\nsrc1,Subscribe now,2,1.0,2\r\n')
    quarantine = [{"path": f"raw/{EVIL}.txt", "line": None, "reason": "decode: " + EVIL}]
    return docs, pars, learned, quarantine


def test_fake_folder_renders_escaped_complete_and_deterministic(tmp_path):
    docs, pars, learned, quarantine = _fake_rows()
    one = _write_folder(tmp_path / "one", docs, pars, learned=learned, quarantine=quarantine)
    # the same rows, sharded and in another order, give the same bytes
    two = _write_folder(tmp_path / "two", docs[::-1], pars[::-1], shards=3, learned=learned,
                        quarantine=quarantine)
    html = render_report(one)
    assert html == render_report(one) == render_report(two)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    for sid in SECTION_IDS:
        assert f'<section id="{sid}">' in html
    assert "<del>GAMMA</del>" in html and "<ins>gamma</ins>" in html
    assert html.index("near_duplicate</code> · similarity 0.910") < html.index("identical")
    assert "Subscribe now" in html and "1.5" not in html  # no wall times
    assert "decode" in html


def test_partial_folder_renders(tmp_path):
    (tmp_path / "stats.json").write_text("{}")
    html = render_report(tmp_path)
    assert "no boilerplate_learned.csv" in html and "no duplicate paragraphs" in html


def test_scales_to_a_large_ledger(tmp_path):
    """A ledger the size of allsides part-00's renders into a bounded page (its wall time is in
    `make bench`: bench/report.py)."""
    n_docs, per_doc = 20_000, 20   # 400k ledger rows, like allsides part-00
    rng = np.random.default_rng(0)
    doc_ids = np.repeat([f"d{i:06d}" for i in range(n_docs)], per_doc)
    status = rng.choice(["kept", "boilerplate", "duplicate"], size=len(doc_ids),
                        p=[0.8, 0.1, 0.1])
    is_dup = status == "duplicate"
    src = np.array([f"source{i % 300}" for i in range(n_docs)])
    cols = {
        "doc_id": doc_ids, "index": np.tile(np.arange(per_doc, dtype=np.int32), n_docs),
        "source": np.repeat(src, per_doc),
        "text": np.array(["A sentence of moderate length about the news number %d." % (i % 997)
                          for i in range(len(doc_ids))]),
        "status": status,
        "reason": np.where(status == "kept", None, np.where(is_dup, "near_duplicate",
                                                             "learned:line")),
        "duplicate_of_doc_id": np.where(is_dup, "d000000", None),
        "duplicate_of_index": np.where(is_dup, 0, None),
        "similarity": np.where(is_dup, 0.9, None),
        "cluster_id": np.where(is_dup, rng.integers(0, 5000, len(doc_ids)), None),
        "covered_by": np.full(len(doc_ids), None, dtype=object),
    }
    folder = tmp_path / "parquet" / "paragraphs"
    folder.mkdir(parents=True)
    pq.write_table(ledger_table(cols), folder / "paragraphs-00000-of-00001.parquet")
    (tmp_path / "stats.json").write_text("{}")
    html = render_report(tmp_path)
    assert len(html.encode()) < 2_000_000
    assert html.count('<div class="pair">') == 20


# --------------------------------------------------------------------------- bounded loading
def test_log_histogram_matches_binning_everything_at_once():
    rng = np.random.default_rng(1)
    batches = [rng.integers(0, 10 ** rng.integers(1, 6), 50).astype(float) for _ in range(20)]
    batches[3][:5] = np.nan
    batches[7][:2] = -4
    hist = report_agg.LogHistogram()
    for b in batches:
        hist.add(b, "s")
    everything = np.concatenate(batches)
    edges = nice_log_edges(np.nanmax(everything))
    assert hist.edges() == edges and hist.n == int((~np.isnan(everything)).sum())
    assert hist.counts("s") == bin_counts(everything, edges)
    assert hist.counts("absent") == [0] * (len(edges) - 1)
    assert report_agg.LogHistogram().edges() == [0, 1]


def test_cluster_sizes_merge_batches(monkeypatch):
    monkeypatch.setattr(report_agg.ClusterSizes, "MIN_MERGE", 8)
    rng = np.random.default_rng(2)
    batches = [rng.integers(-2 ** 62, 2 ** 62, 30) for _ in range(3)]
    batches += [rng.integers(0, 200, int(rng.integers(0, 60))) for _ in range(40)]
    sizes = report_agg.ClusterSizes()
    for b in batches:
        sizes.add(b)
    ids, counts = np.unique(np.concatenate(batches), return_counts=True)
    sizes.finish()
    assert (sizes.ids == ids).all() and (sizes.sizes == counts).all()
    order = sorted(zip(ids.tolist(), counts.tolist()), key=lambda ic: (-ic[1], ic[0]))
    assert sizes.top(10) == order[:10]


def test_batches_and_missing_columns_do_not_change_the_page(tmp_path, monkeypatch):
    docs, pars, learned, quarantine = _fake_rows()
    one = _write_folder(tmp_path / "one", docs, pars, learned=learned, quarantine=quarantine)
    html = render_report(one)
    monkeypatch.setattr(report_data, "BATCH_ROWS", 2)
    monkeypatch.setattr(report_agg.ClusterSizes, "MIN_MERGE", 1)
    assert render_report(one) == html
    # a shard without a text column: its paragraphs count as 0 characters, no example text
    two = _write_folder(tmp_path / "two", docs, pars, shards=2, learned=learned,
                        quarantine=quarantine)
    shard = two / "parquet" / "paragraphs" / "paragraphs-00001-of-00002.parquet"
    pq.write_table(pq.read_table(shard).drop_columns(["text"]), shard)
    assert '<section id="lengths">' in render_report(two)


def test_memory_does_not_grow_with_the_text(tmp_path):
    """Arrow's and Python's peak allocations while loading stay far below the ledger's text."""
    n_rows, per_row = 120_000, 500
    rng = np.random.default_rng(3)
    words = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"])
    pieces = rng.choice(words, size=(2000, per_row // 5))
    pool = [" ".join(p)[:per_row] for p in pieces]
    is_dup = np.arange(n_rows) % 10 == 0
    table = ledger_table({
        "doc_id": [f"d{i // 20:06d}" for i in range(n_rows)],
        "index": np.arange(n_rows, dtype=np.int32) % 20,
        "source": [f"s{i % 50}" for i in range(n_rows)],
        "text": [pool[i % len(pool)] + str(i) for i in range(n_rows)],
        "status": np.where(is_dup, "duplicate", "kept"),
        "reason": np.where(is_dup, "near_duplicate", None),
        "duplicate_of_doc_id": np.where(is_dup, "d000000", None),
        "duplicate_of_index": np.where(is_dup, 0, None),
        "similarity": np.where(is_dup, 0.9, None),
        "cluster_id": np.where(is_dup, np.arange(n_rows) % 3000, None),
    })
    folder = tmp_path / "parquet" / "paragraphs"
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "paragraphs-00000-of-00001.parquet", row_group_size=10_000)
    text_bytes = pa.compute.sum(pa.compute.binary_length(table["text"])).as_py()
    del table
    (tmp_path / "stats.json").write_text("{}")
    code = (
        "import sys, tracemalloc, pyarrow as pa\n"
        "from pipeline.report.data import load\n"
        "pa.array([0])  # pyarrow imports pandas on first use: not the report's memory\n"
        "tracemalloc.start()\n"
        "data = load(sys.argv[1])\n"
        "print(pa.default_memory_pool().max_memory(), tracemalloc.get_traced_memory()[1])\n"
        "assert len(data.pairs) == 20 and data.ledger.rows == int(sys.argv[2])\n")
    res = subprocess.run([sys.executable, "-c", code, str(tmp_path), str(n_rows)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    arrow_peak, python_peak = map(int, res.stdout.split())
    assert text_bytes > 55_000_000
    assert arrow_peak < text_bytes / 4, (arrow_peak, text_bytes)
    assert python_peak < text_bytes / 10, (python_peak, text_bytes)


# --------------------------------------------------------------------------- the seeds' run
def test_seeds_report_has_sections_and_both_duplicate_pairs(seeds_out):
    html = render_report(seeds_out)
    for sid in SECTION_IDS:
        assert f'<section id="{sid}">' in html
    assert html.count('<div class="pair">') == 2
    assert "003_f0f537a06f17b18a</code> ¶3" in html and "003_f0f537a06f17b18a</code> ¶5" in html
    assert "<del>emphasise</del>" in html and "<ins>emphasize</ins>" in html
    assert "rule:comment_prompt" in html and "near_duplicate" in html
    for bad in ("<script", "<link", "<img", "@import", "url(", 'src="http', 'href="http'):
        assert bad not in html
    assert html == render_report(seeds_out)


def test_cli_writes_report(seeds_out):
    assert report_main([str(seeds_out)]) == 0
    assert (seeds_out / "report.html").read_text(encoding="utf-8") == render_report(seeds_out)
    assert report_main([]) == 2


# --------------------------------------------------------------------------- headless Chromium
@pytest.fixture(scope="session")
def chromium() -> str:
    """The chromium binary (Debian's package; .ci/run installs it when missing)."""
    found = shutil.which("chromium")
    if not found:
        missing("chromium is not installed (apt-get install chromium; .ci/run does it)")
    return found


def screenshot(chromium: str, page: Path, png: Path, tmp: Path, size: str = "1200,2000") -> None:
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp / 'chromium-profile'}",
         f"--screenshot={png}", f"--window-size={size}", page.resolve().as_uri()],
        capture_output=True, timeout=180, check=False)


def decode_png(data: bytes) -> np.ndarray:
    """8-bit RGB/RGBA non-interlaced PNG -> array (height, width, channels), stdlib + numpy."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
        elif kind == b"IDAT":
            idat.append(body)
    bpp = 3 if ctype == 2 else 4
    stride = w * bpp
    raw = zlib.decompress(b"".join(idat))
    out = np.zeros((h, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(h):
        ftype, line = raw[y * (stride + 1)], raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]
        cur = np.frombuffer(line, dtype=np.uint8).copy()
        if ftype == 1:    # Sub: running sum per channel
            cur = (np.cumsum(cur.reshape(w, bpp).astype(np.int64), axis=0) % 256)\
                .astype(np.uint8).ravel()
        elif ftype == 2:  # Up
            cur = cur + prev
        elif ftype in (3, 4):
            c, p = bytearray(cur.tobytes()), prev.tobytes()
            for i in range(stride):
                left = c[i - bpp] if i >= bpp else 0
                up = p[i]
                if ftype == 3:
                    c[i] = (c[i] + ((left + up) >> 1)) & 0xFF
                else:
                    ul = p[i - bpp] if i >= bpp else 0
                    est = left + up - ul
                    pa_, pb, pc = abs(est - left), abs(est - up), abs(est - ul)
                    pred = left if pa_ <= pb and pa_ <= pc else (up if pb <= pc else ul)
                    c[i] = (c[i] + pred) & 0xFF
            cur = np.frombuffer(bytes(c), dtype=np.uint8)
        out[y] = cur
        prev = cur
    return out.reshape(h, w, bpp)


def test_decode_png_round_trip():
    w, h = 5, 4
    pixels = np.arange(w * h * 3, dtype=np.uint8).reshape(h, w * 3) * 7
    rows = b"".join(bytes([f]) + _filter(f, pixels[y], pixels[y - 1] if y else None)
                    for y, f in zip(range(h), (1, 2, 3, 4)))
    png = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b""))
    assert (decode_png(png).reshape(h, w * 3) == pixels).all()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _filter(ftype: int, row: np.ndarray, prev: np.ndarray | None, bpp: int = 3) -> bytes:
    prev = np.zeros_like(row) if prev is None else prev
    out = bytearray()
    for i, x in enumerate(row.tolist()):
        left = int(row[i - bpp]) if i >= bpp else 0
        up, ul = int(prev[i]), int(prev[i - bpp]) if i >= bpp else 0
        if ftype == 1:
            pred = left
        elif ftype == 2:
            pred = up
        elif ftype == 3:
            pred = (left + up) >> 1
        else:
            est = left + up - ul
            pa_, pb, pc = abs(est - left), abs(est - up), abs(est - ul)
            pred = left if pa_ <= pb and pa_ <= pc else (up if pb <= pc else ul)
        out.append((x - pred) & 0xFF)
    return bytes(out)


def test_report_renders_in_headless_chromium(seeds_out, chromium, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render_report(seeds_out), encoding="utf-8")
    png = tmp_path / "shot.png"
    screenshot(chromium, page, png, tmp_path)
    assert png.is_file() and png.stat().st_size > 0, "chromium wrote no screenshot"
    img = decode_png(png.read_bytes())[:, :, :3]
    assert img.shape[:2] == (2000, 1200)
    packed = (img[:, :, 0].astype(np.uint32) << 16) | (img[:, :, 1].astype(np.uint32) << 8) \
        | img[:, :, 2]
    colours, counts = np.unique(packed, return_counts=True)
    assert len(colours) > 50, f"only {len(colours)} distinct colours: blank page?"
    background_share = counts.max() / packed.size
    assert background_share < 0.95, f"{background_share:.1%} of the page is one colour"
    non_white = (img.min(axis=2) < 235).mean()
    assert non_white > 0.03, f"only {non_white:.1%} of pixels are not near-white"
    # the funnel's first bar is drawn in the palette's blue (#4e79a7): the SVG was painted
    blue = int(((img[:, :, 0] == 0x4E) & (img[:, :, 1] == 0x79) & (img[:, :, 2] == 0xA7)).sum())
    assert blue > 2000, f"{blue} pixels of the chart colour"
