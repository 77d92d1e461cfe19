"""`processed/report.html`: a self-contained picture of one run (issue 7).

    render_report(out_dir) -> str          the whole page (inline CSS and SVG, no script, no
                                           network), from stats.json, the Parquet tables,
                                           boilerplate_learned.csv and quarantine.jsonl
    python -m pipeline.report OUT_DIR      (re)writes OUT_DIR/report.html

Deterministic: no wall times, no dates, no paths of the folder, samples chosen by a hash; the
same folder contents give the same bytes. Bounded: tables are capped to their top rows and 20
duplicate pairs are shown, so a 463k-paragraph run gives a page of a few hundred kB. The
sections only format aggregates: `report_data.load` streams the tables in batches and folds them
into counts, histograms and a handful of example texts, so memory does not grow with the corpus.
"""
from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

from .agg import SCORE_EDGES, SIMILARITY_EDGES, LedgerSummary, ReportData
from .data import load
from .signals import signals_section
from .svg import (page, PALETTE, STATUS_COLORS, bin_counts, bin_labels, cluster_size_edges,
                         css_bar, esc, fmt_int, funnel, hbar_chart, histogram, legend_html, pct,
                         stacked_hbar_chart, truncate, word_diff)

TOP_SOURCES = 20
TOP_REASONS = 9
TOP_LANGUAGES = 12
LEARNED_SOURCES = 15
LEARNED_LINES = 8
PAIR_CHARS = 2500

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;
 margin:0;background:#f6f7f9;color:#222;font-size:14px;line-height:1.45}
main{max-width:1120px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:24px;margin:8px 0 4px}h2{font-size:18px;margin:0 0 8px}
h3{font-size:14px;margin:12px 0 6px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:14px 18px;
 margin:14px 0}
nav a{margin-right:12px;color:#2a5db0;text-decoration:none}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:8px 14px;
 min-width:120px}
.card b{display:block;font-size:20px}.card span{color:#666;font-size:12px}
.row{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border-bottom:1px solid #e6e8eb;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin:4px 0 8px}
.legend i{display:inline-block;width:11px;height:11px;margin-right:5px;vertical-align:-1px}
.cbar{display:inline-block;height:10px;background:#eef0f3}.cbar i{display:block;height:10px}
.note,.empty{color:#666;font-size:12px}
.pair{border-top:1px solid #e6e8eb;padding:8px 0}
.pair .meta{font-size:12px;color:#555;margin-bottom:4px}
.pair .cols{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.pair .cols div{background:#fafbfc;border:1px solid #e6e8eb;padding:6px 8px;
 white-space:pre-wrap;overflow-wrap:anywhere}
del{background:#ffd7d5;color:#8a1f11;text-decoration:line-through}
ins{background:#ccf2d1;color:#14532d;text-decoration:none}
table.wide{width:100%;table-layout:fixed}table.wide th:nth-child(n+2){width:90px}
table.wide th:last-child{width:180px}
code{font-size:12px;background:#f0f2f5;padding:0 3px;overflow-wrap:anywhere}
"""

SECTIONS = (("funnel", "Funnel"), ("removals", "Removals"), ("clusters", "Duplicate clusters"),
            ("languages", "Languages"), ("lengths", "Lengths"), ("signals", "Signals"),
            ("boilerplate", "Learned boilerplate"), ("pairs", "Duplicate pairs"),
            ("quarantine", "Quarantine"))


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset(),
           cls: str = "") -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>"
                         for i, c in enumerate(r)) + "</tr>" for r in rows)
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _stage(stats: dict, name: str) -> dict:
    return (stats.get("stages") or {}).get(name) or {}


# --------------------------------------------------------------------------- sections
def _ranked(counts: dict) -> list[tuple]:
    """(key, count) by count, largest first; equal counts by key."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _by_status(led: LedgerSummary) -> Counter:
    out: Counter = Counter()
    for (_, status, _), n in led.groups.items():
        out[status] += n
    return out


def summary(data: ReportData) -> str:
    led, docs = data.ledger, data.docs
    by_status = _by_status(led)
    languages = {lang for _, lang in docs.groups if lang is not None}
    cards = [
        ("documents ingested", _stage(data.stats, "ingest").get("documents_out")),
        ("documents written", docs.rows),
        ("paragraphs ingested", led.rows),
        ("kept", by_status["kept"]),
        ("boilerplate", by_status["boilerplate"]),
        ("duplicate", by_status["duplicate"]),
        *((("filtered", by_status["filtered"]),) if by_status["filtered"] else ()),
        ("sources", len({src for src, _ in docs.groups})),
        ("languages", len(languages) or None),
        ("inputs quarantined", data.quarantine.n),
    ]
    html = "".join(f'<div class="card"><b>{"–" if v is None else fmt_int(v)}</b>'
                   f"<span>{esc(k)}</span></div>" for k, v in cards)
    return f'<div class="cards">{html}</div>'


def funnel_section(data: ReportData) -> str:
    stats = data.stats
    kept = _by_status(data.ledger)["kept"]
    # The stages in the order they ran: stats.json records them so (runner.STAGES).
    stages = list(stats.get("stages") or {})
    doc_steps = [(n, _stage(stats, n).get("documents_out")) for n in stages]
    par_steps = [(n, _stage(stats, n).get("paragraphs_out")) for n in stages[:-1]]
    par_steps.append(("write (kept)", kept))
    charts = (f'<div class="row">{funnel(doc_steps, title="Documents after each stage")}'
              f'{funnel(par_steps, title="Paragraphs left in the text after each stage")}</div>')
    rows = []
    for n in stages:
        s = _stage(stats, n)
        if not s:
            continue
        removed = dict(s.get("removed") or {})
        removed.update({f"quarantined:{k}": v for k, v in (s.get("quarantined") or {}).items()})
        removed.update({f"documents dropped:{k}": v
                        for k, v in (s.get("documents_dropped") or {}).items() if v})
        reasons = "<br>".join(f"<code>{esc(k)}</code> {fmt_int(v)}"
                              for k, v in sorted(removed.items(), key=lambda kv: (-kv[1], kv[0])))

        def io(a, b):
            return f"{'–' if a is None else fmt_int(a)} → {'–' if b is None else fmt_int(b)}"
        rows.append([esc(n), io(s.get("documents_in"), s.get("documents_out")),
                     io(s.get("paragraphs_in"), s.get("paragraphs_out")), reasons or "–"])
    note = ('<p class="note">The write stage counts every ledger row (kept or removed) as '
            'written; the funnel shows the paragraphs kept in the documents\' text.</p>')
    return charts + _table(["stage", "documents in → out", "paragraphs in → out",
                            "removed (status:reason)"], rows, {1, 2}) + note


def removals_section(data: ReportData) -> str:
    led = data.ledger
    if not led.rows:
        return '<p class="empty">no ledger</p>'
    n_pars: Counter = Counter()
    totals: Counter = Counter()
    for (src, status, reason), n in led.groups.items():
        n_pars[src] += n
        if status != "kept":
            totals[f"{status}:{reason}"] += n
    ranked = _ranked(totals)
    keys = [k for k, _ in ranked[:TOP_REASONS]]
    shown = set(keys)
    other_key = "other reasons"
    if len(ranked) > TOP_REASONS:
        keys.append(other_key)
    colors = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}
    per_source: dict[str, Counter] = defaultdict(Counter)
    for (src, status, reason), n in led.groups.items():
        if status != "kept":
            key = f"{status}:{reason}"
            per_source[src][key if key in shown else other_key] += n
    order = [src for src, _ in _ranked({s: sum(c.values()) for s, c in per_source.items()})]
    rows = []
    for src in order[:TOP_SOURCES]:
        parts = {k: per_source[src][k] for k in keys if per_source[src][k]}
        share = pct(sum(parts.values()), n_pars[src])
        rows.append((src, parts, f"of {fmt_int(n_pars[src])} ({share})"))
    rest = order[TOP_SOURCES:]
    if rest:
        summed = sum((per_source[src] for src in rest), Counter())
        parts = {k: summed[k] for k in keys if summed[k]}
        total = sum(n_pars[src] for src in rest)
        rows.append((f"{len(rest)} other sources", parts,
                     f"of {fmt_int(total)} ({pct(sum(parts.values()), total)})"))
    head = (f'<p class="note">Removed paragraphs per source (top {TOP_SOURCES} sources by '
            f'removals), split by <code>status:reason</code>; the note gives the source\'s '
            f'ingested paragraphs and the share removed.')
    untouched = len(n_pars) - len(order)
    if untouched:
        head += f" {fmt_int(untouched)} sources had nothing removed."
    head += "</p>"
    return head + legend_html(list(colors.items())) + stacked_hbar_chart(
        rows, keys, colors, title="removals by reason per source")


def clusters_section(data: ReportData) -> str:
    led = data.ledger
    sizes = led.clusters.sizes
    if not len(sizes):
        return '<p class="empty">no duplicate clusters</p>'
    edges = cluster_size_edges(int(sizes.max()))
    labels = bin_labels(edges)
    h1 = histogram(labels, {"clusters": bin_counts(sizes, edges)},
                   {"clusters": PALETTE[2]}, title="Clusters by size (paragraphs, kept + copies)",
                   xlabel="cluster size", width=460)
    h2 = histogram(bin_labels(SIMILARITY_EDGES, integer=False), {"copies": led.similarity},
                   {"copies": PALETTE[0]}, title="Similarity of removed copies to their kept one",
                   xlabel="similarity", width=460)
    reasons: Counter = Counter()
    for (_, status, reason), n in led.groups.items():
        if status == "duplicate":
            reasons[reason] += n
    rtab = _table(["duplicate reason", "paragraphs"],
                  [[f"<code>{esc(k)}</code>", fmt_int(v)] for k, v in sorted(reasons.items())],
                  {1})
    rows = [[fmt_int(size), fmt_int(n_src), esc(truncate(text, 160))]
            for size, n_src, text in data.top_clusters]
    summary = (f'<p class="note">{fmt_int(len(sizes))} clusters hold {fmt_int(sizes.sum())} '
               f'paragraphs; largest {fmt_int(sizes.max())}.</p>')
    return (summary + f'<div class="row">{h1}{h2}</div>' + rtab
            + "<h3>Largest clusters</h3>"
            + _table(["size", "sources", "kept paragraph"], rows, {0, 1}))


def languages_section(data: ReportData) -> str:
    docs = data.docs
    if not docs.rows:
        return '<p class="empty">no documents</p>'
    if all(lang is None for _, lang in docs.groups):
        return ('<p class="empty">no language annotations (language identification was off '
                'for this run).</p>')
    counts: Counter = Counter()
    for (_, lang), n in docs.groups.items():
        counts["(none)" if lang is None else lang] += n
    langs = _ranked(counts)
    top = [k for k, _ in langs[:TOP_LANGUAGES]]
    rows = langs[:TOP_LANGUAGES]
    if len(langs) > TOP_LANGUAGES:
        rows.append((f"{len(langs) - TOP_LANGUAGES} others",
                     sum(n for _, n in langs[TOP_LANGUAGES:])))
    notes = [pct(v, docs.rows) for _, v in rows]
    chart = hbar_chart(rows, title="documents by language", notes=notes, width=560,
                       label_width=120)
    # the mix per source: the biggest sources, split by the overall top languages
    keys = top[: len(PALETTE) - 1] + (["other"] if len(langs) > len(PALETTE) - 1 else [])
    colors = {k: PALETTE[i] for i, k in enumerate(keys)}
    per: dict[str, Counter] = defaultdict(Counter)
    for (src, lang), n in docs.groups.items():
        lang = "(none)" if lang is None else lang
        per[src][lang if lang in keys else "other"] += n
    order = [src for src, _ in _ranked({s: sum(c.values()) for s, c in per.items()})]
    src_rows = []
    for src in order[:TOP_SOURCES]:
        parts = {k: per[src][k] for k in keys if per[src][k]}
        main_share = pct(parts.get(keys[0], 0), sum(parts.values()))
        src_rows.append((src, parts, f"documents ({main_share} {keys[0]})"))
    mix = (f"<h3>Language mix of the {min(len(order), TOP_SOURCES)} largest sources</h3>"
           + legend_html(list(colors.items()))
           + stacked_hbar_chart(src_rows, keys, colors, title="languages per source"))
    h = histogram(bin_labels(SCORE_EDGES, integer=False), {"documents": docs.score},
                  {"documents": PALETTE[3]}, title="Language score of documents",
                  xlabel="score", width=420)
    return f'<div class="row"><div><h3>Documents by language</h3>{chart}</div>{h}</div>' + mix


def lengths_section(data: ReportData) -> str:
    docs, led = data.docs, data.ledger
    parts = []
    for col, title, color in (("n_words", "Document length (words)", PALETTE[0]),
                              ("n_chars", "Document length (characters)", PALETTE[6]),
                              ("n_paragraphs", "Kept paragraphs per document", PALETTE[4])):
        hist = docs.lengths[col]
        if not hist.n:
            continue
        parts.append(histogram(bin_labels(hist.edges()), {"documents": hist.counts("documents")},
                               {"documents": color}, title=title, xlabel=col, width=360))
    if led.rows:
        series = {s: led.lengths.counts(s) for s in STATUS_COLORS}
        parts.append(histogram(bin_labels(led.lengths.edges()), series, STATUS_COLORS,
                               title="Paragraph length (characters) by status",
                               xlabel="characters", width=560, height=260))
        parts.append(legend_html(list(STATUS_COLORS.items())))
    note = '<p class="note">Log-spaced bins (1-2-5); each bar is [from, to].</p>'
    return note + f'<div class="row">{"".join(parts)}</div>'


def boilerplate_section(data: ReportData) -> str:
    if data.learned is None:
        return '<p class="empty">no boilerplate_learned.csv in this folder.</p>'
    if not data.learned:
        return ('<p class="empty">no lines were learned (no source had a line repeated across '
                'enough of its documents).</p>')
    by_src: dict[str, list[dict]] = {}
    for r in data.learned:
        by_src.setdefault(r["source"], []).append(r)
    order = sorted(by_src, key=lambda s: (-sum(r["n_removed"] for r in by_src[s]), s))
    out = [f'<p class="note">{fmt_int(len(data.learned))} learned lines in '
           f'{fmt_int(len(by_src))} sources; the top {LEARNED_LINES} lines of the top '
           f'{LEARNED_SOURCES} sources by paragraphs removed.</p>']
    for src in order[:LEARNED_SOURCES]:
        lines = sorted(by_src[src], key=lambda r: (-r["n_removed"], r["line"]))
        vmax = max(r["n_removed"] for r in lines) or 1
        rows = [[esc(truncate(r["line"], 160)), fmt_int(r["n_docs"]),
                 f'{100 * r["share_of_source_docs"]:.1f}%', fmt_int(r["n_removed"]),
                 css_bar(r["n_removed"], vmax, PALETTE[1])] for r in lines[:LEARNED_LINES]]
        more = len(lines) - LEARNED_LINES
        out.append(f"<h3>{esc(src)} <span class=\"note\">({fmt_int(len(lines))} lines"
                   f"{f', {fmt_int(more)} not shown' if more > 0 else ''})</span></h3>")
        out.append(_table(["line", "docs", "share of docs", "removed", ""], rows, {1, 2, 3},
                          cls="wide"))
    if len(order) > LEARNED_SOURCES:
        out.append(f'<p class="note">{fmt_int(len(order) - LEARNED_SOURCES)} more sources '
                   "not shown.</p>")
    return "".join(out)


def pairs_section(data: ReportData) -> str:
    pairs, n_dup = data.pairs, data.ledger.n_dup
    if not pairs:
        return '<p class="empty">no duplicate paragraphs</p>'
    out = [f'<p class="note">{len(pairs)} of {fmt_int(n_dup)} removed duplicates, chosen by a '
           "hash of their id (copies that differ first). Left: the kept copy, with words only it "
           "has <del>struck</del>; right: the removed copy, with words only it has "
           "<ins>marked</ins>.</p>"]
    for p in pairs:
        a, b = p["kept_text"], p["dup_text"]
        cut = len(a) > PAIR_CHARS or len(b) > PAIR_CHARS
        left, right = word_diff(a[:PAIR_CHARS], b[:PAIR_CHARS])
        sim = "" if p["similarity"] is None else f" · similarity {p['similarity']:.3f}"
        meta = (f"kept <code>{esc(p['kept_doc'])}</code> ¶{p['kept_index']} "
                f"({esc(p['kept_source'])})"
                f" ← removed <code>{esc(p['dup_doc'])}</code> ¶{p['dup_index']} "
                f"({esc(p['dup_source'])}) · <code>{esc(p['reason'])}</code>{sim}"
                + (" · identical" if a == b else "")
                + (f" · cut at {PAIR_CHARS} characters" if cut else ""))
        out.append(f'<div class="pair"><div class="meta">{meta}</div><div class="cols">'
                   f"<div>{left}</div><div>{right}</div></div></div>")
    return "".join(out)


def quarantine_section(data: ReportData) -> str:
    q = data.quarantine
    if not q.n:
        return '<p class="empty">no input was quarantined.</p>'
    rows = [[f"<code>{esc(k)}</code>", fmt_int(v)] for k, v in _ranked(q.reasons)[:20]]
    exrows = [[f"<code>{esc(truncate(r['path'], 80))}</code>",
               esc("" if r["line"] is None else r["line"]), esc(truncate(r["reason"], 160))]
              for r in q.first]
    return (_table(["reason", "inputs"], rows, {1}) + "<h3>First records</h3>"
            + _table(["path", "line", "reason"], exrows))


# --------------------------------------------------------------------------- page
def render_report(out_dir: Path) -> str:
    """The complete HTML report of the output folder `out_dir`."""
    data = load(Path(out_dir))
    builders = {"funnel": funnel_section, "removals": removals_section,
                "clusters": clusters_section, "languages": languages_section,
                "lengths": lengths_section, "boilerplate": boilerplate_section,
                "signals": lambda d: signals_section(d.signals),
                "pairs": pairs_section, "quarantine": quarantine_section}
    key = f' · run key <code>{esc(data.run_key)}</code>' if data.run_key else ""
    intro = f'<p class="note">What the pipeline did to this folder\'s inputs{key}.</p>'
    return page("newsprep report", CSS, intro, SECTIONS, builders, data, summary(data))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m pipeline.report OUT_DIR", file=sys.stderr)
        return 2
    out = Path(args[0])
    if not (out / "stats.json").is_file():
        print(f"{out}: not an output folder (no stats.json)", file=sys.stderr)
        return 2
    (out / "report.html").write_text(render_report(out), encoding="utf-8")
    print(out / "report.html")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
