"""`diff --html FILE`: the comparison as a self-contained page in the style of report.html.

Inline CSS and SVG (the report's helpers and stylesheet), no script, no network; every text from
the data goes through `esc`. The same two folders give the same bytes.
"""

from __future__ import annotations

from .diff import Diff
from .diffout import TOP_TRANSITIONS, fate_rows, link_text, source_rows, summary_lines
from ..report.render import CSS, _table
from ..report.svg import (page, PALETTE, STATUS_COLORS, esc, fmt_int, hbar_chart, legend_html, pct,
                          stacked_hbar_chart, truncate)

SAMPLE_CHARS = 2500
EXTRA_CSS = """
.fate{display:inline-block;border-radius:3px;padding:0 5px;color:#fff;font-size:12px}
.arrow{color:#888;margin:0 4px}
"""
SECTIONS = (("moves", "Moved paragraphs"), ("fates", "Fates before and after"),
            ("sources", "Movers per source"), ("samples", "Sample of moved paragraphs"),
            ("documents", "Documents added and dropped"))


def _fate(f: str | None) -> str:
    if f is None:
        return '<span class="fate" style="background:#999">absent</span>'
    color = STATUS_COLORS.get(f.split(":", 1)[0], "#999")
    return f'<span class="fate" style="background:{color}">{esc(f)}</span>'


def _move(x: str, y: str) -> str:
    return f'{_fate(x)}<span class="arrow">→</span>{_fate(y)}'


def cards(d: Diff) -> str:
    items = [("paragraphs in A", d.paragraphs[0]), ("paragraphs in B", d.paragraphs[1]),
             ("moved", d.moved), ("only in A", sum(d.only[0].values())),
             ("only in B", sum(d.only[1].values())), ("documents in A", d.documents[0]),
             ("documents in B", d.documents[1]), ("documents added", d.documents_only_n[1]),
             ("documents dropped", d.documents_only_n[0])]
    html = "".join(f'<div class="card"><b>{fmt_int(v)}</b><span>{esc(k)}</span></div>'
                   for k, v in items)
    return f'<div class="cards">{html}</div>'


def moves_section(d: Diff) -> str:
    ranked = d.ranked_transitions()
    if not ranked:
        return '<p class="empty">no paragraph changed fate.</p>'
    top = ranked[:TOP_TRANSITIONS]
    chart = hbar_chart([(f"{x} → {y}", n) for (x, y), n in top], width=900, label_width=420,
                       notes=[pct(n, d.moved) for _, n in top], title="moved paragraphs")
    rows = [[_move(x, y), fmt_int(n), pct(n, d.matched, 2)] for (x, y), n in top]
    more = ""
    if len(ranked) > TOP_TRANSITIONS:
        rest = sum(n for _, n in ranked[TOP_TRANSITIONS:])
        more = (f'<p class="note">{fmt_int(rest)} more in {len(ranked) - TOP_TRANSITIONS} '
                "smaller transitions.</p>")
    note = (f'<p class="note">{fmt_int(d.moved)} of the {fmt_int(d.matched)} paragraphs in '
            "both ledgers changed fate (<code>status:reason</code>).</p>")
    return note + chart + _table(["A → B", "paragraphs", "of all"], rows, {1, 2}) + more


def fates_section(d: Diff) -> str:
    rows = [[_fate(k), fmt_int(a), fmt_int(b), f"{b - a:+,}"] for k, a, b in fate_rows(d)]
    return _table(["fate", "A", "B", "change"], rows, {1, 2, 3})


def sources_section(d: Diff) -> str:
    srcs = source_rows(d)
    if not srcs:
        return '<p class="empty">no paragraph changed fate.</p>'
    keys = [f"{x} → {y}" for (x, y), _ in d.ranked_transitions()[: len(PALETTE) - 1]]
    other = "other moves"
    colors = {k: PALETTE[i] for i, k in enumerate(keys + [other])}
    rows = []
    for src, moved, total, _ in srcs:
        parts: dict[str, int] = {}
        for (x, y), n in d.by_source[src].items():
            key = f"{x} → {y}"
            key = key if key in colors else other
            parts[key] = parts.get(key, 0) + n
        rows.append((src or "(no source)", parts, f"of {fmt_int(total)} ({pct(moved, total, 2)})"))
    used = [k for k in keys + [other] if any(k in p for _, p, _ in rows)]
    return (f'<p class="note">The {len(srcs)} sources with the most moved paragraphs; the note '
            "gives the source's paragraphs in both ledgers and the share moved.</p>"
            + legend_html([(k, colors[k]) for k in used])
            + stacked_hbar_chart(rows, used, colors, title="moved paragraphs per source"))


def samples_section(d: Diff) -> str:
    if not d.samples:
        return '<p class="empty">no paragraph changed fate.</p>'
    out = ['<p class="note">Up to three paragraphs for each of the largest moves, chosen by a '
           "hash of their id. <code>python -m pipeline explain DOC_ID --out B</code> shows the "
           "whole document.</p>"]
    for s in d.samples:
        text = s.text or ""
        cut = len(text) > SAMPLE_CHARS
        links = "".join(f" · {side}: {esc(link_text(link))}"
                        for side, link in (("A", s.a_link), ("B", s.b_link)) if link)
        url = f" · <code>{esc(s.url)}</code>" if s.url else ""
        meta = (f"<code>{esc(s.doc_id)}</code> ¶{s.index} ({esc(s.source)}) "
                f"{_move(s.a_fate, s.b_fate)}{links}{url}"
                + (f" · cut at {SAMPLE_CHARS} characters" if cut else ""))
        out.append(f'<div class="pair"><div class="meta">{meta}</div>'
                   f'<div class="cols" style="grid-template-columns:1fr">'
                   f"<div>{esc(text[:SAMPLE_CHARS])}</div></div></div>")
    return "".join(out)


def documents_section(d: Diff) -> str:
    out = [f'<p class="note">Documents written: {fmt_int(d.documents[0])} in A, '
           f"{fmt_int(d.documents[1])} in B. A document leaves the documents table when none of "
           "its paragraphs is kept, or when its input is gone.</p>"]
    for side, name in ((1, "added"), (0, "dropped")):
        n = d.documents_only_n[side]
        ids = ", ".join(f"<code>{esc(truncate(i, 60))}</code>" for i in d.documents_only[side])
        out.append(f"<h3>{fmt_int(n)} {name}</h3>" + (f"<p>e.g. {ids}</p>" if n else ""))
    return "".join(out)


def render_diff(d: Diff) -> str:
    builders = {"moves": moves_section, "fates": fates_section, "sources": sources_section,
                "samples": samples_section, "documents": documents_section}
    head = "".join(f"<div>{esc(line)}</div>" for line in summary_lines(d))
    return page("newsprep diff", CSS + EXTRA_CSS, f'<div class="note">{head}</div>', SECTIONS,
                builders, d, cards(d))
