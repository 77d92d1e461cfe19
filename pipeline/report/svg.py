"""Pure rendering helpers for `processed/report.html`: inline SVG charts and word diffs.

Everything here turns plain Python values into HTML/SVG strings; nothing reads files. All text
that reaches the output goes through `esc` (input text is untrusted), and the output depends
only on the arguments, so the report is byte-identical for identical inputs.
"""
from __future__ import annotations

import difflib
import html
import re
from typing import Iterable, Sequence

PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)
STATUS_COLORS = {"kept": "#59a14f", "boilerplate": "#f28e2b", "duplicate": "#e15759",
                 "filtered": "#76b7b2"}
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"


def esc(value: object) -> str:
    """HTML-escape any value (quotes too, so it is safe inside attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def truncate(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def fmt_int(n: float | int) -> str:
    return f"{int(n):,}"


def fmt_short(n: float | int) -> str:
    """Compact count for axis labels: 950, 1.2k, 35k, 4.1M."""
    n = float(n)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= div:
            v = n / div
            return (f"{v:.1f}".rstrip("0").rstrip(".") if v < 10 else f"{v:.0f}") + suffix
    return f"{n:.0f}" if n == int(n) else f"{n:g}"


def pct(part: float, whole: float, digits: int = 1) -> str:
    return f"{100.0 * part / whole:.{digits}f}%" if whole else "–"


# --------------------------------------------------------------------------- binning
def nice_log_edges(max_value: float, start: int = 1) -> list[int]:
    """Edges 0, start, then the 1-2-5 series above it, up to the first edge above `max_value`.

    Bins are half-open [e_i, e_i+1); the first bin [0, start) holds the zeros.
    """
    edges = [0, start]
    mag = 1
    while edges[-1] <= max_value:
        for m in (1, 2, 5):
            e = m * mag
            if e > edges[-1]:
                edges.append(e)
                if e > max_value:
                    break
        mag *= 10
    return edges


def cluster_size_edges(max_size: int) -> list[int]:
    """Edges for cluster sizes: 2, 3, 4, 5 alone, then 6–10, 11–20, 21–50, 51–100, ..."""
    edges = [2, 3, 4, 5, 6]
    mag = 10
    while True:
        for m in (1, 2, 5):
            if edges[-1] > max_size:
                return edges[: max(i for i, e in enumerate(edges) if e <= max(max_size, 2)) + 2]
            edges.append(m * mag + 1)
        mag *= 10


def linear_edges(lo: float, hi: float, step: float) -> list[float]:
    n = int(round((hi - lo) / step))
    return [round(lo + i * step, 10) for i in range(n + 1)]


def bin_counts(values: Iterable[float], edges: Sequence[float]) -> list[int]:
    """Counts per half-open bin [edges[i], edges[i+1]); values outside go to the end bins."""
    import numpy as np

    arr = np.asarray(list(values) if not hasattr(values, "__array__") else values, dtype=float)
    arr = arr[~np.isnan(arr)]
    nbins = len(edges) - 1
    if nbins < 1:
        raise ValueError("need at least two edges")
    idx = np.searchsorted(np.asarray(edges, dtype=float), arr, side="right") - 1
    idx = np.clip(idx, 0, nbins - 1)
    return [int(c) for c in np.bincount(idx, minlength=nbins)]


def bin_labels(edges: Sequence[float], integer: bool = True) -> list[str]:
    """Labels for half-open bins; integer bins [a, b) read "a–(b-1)" (or "a" when b = a+1)."""
    labels = []
    for a, b in zip(edges[:-1], edges[1:]):
        if integer:
            a, b = int(a), int(b)
            labels.append(fmt_short(a) if b - 1 <= a else f"{fmt_short(a)}–{fmt_short(b - 1)}")
        else:
            labels.append(f"{a:g}–{b:g}")
    return labels


# --------------------------------------------------------------------------- charts
def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(label)}" '
        f'style="{FONT};font-size:12px">' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, s: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{esc(s)}</text>'


def legend_html(items: Sequence[tuple[str, str]]) -> str:
    """A row of colour swatches with labels (HTML, wraps naturally)."""
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{esc(c)}"></i>{esc(name)}</span>' for name, c in items
    ) + "</div>"


def hbar_chart(rows: Sequence[tuple[str, float]], *, title: str = "", width: int = 720,
               label_width: int = 220, bar_height: int = 18, color: str = PALETTE[0],
               value_fmt=fmt_int, notes: Sequence[str] | None = None) -> str:
    """Horizontal bars, one per (label, value); an optional note is printed after each value."""
    if not rows:
        return '<p class="empty">nothing to plot</p>'
    top = 4
    vmax = max(v for _, v in rows) or 1
    plot_w = width - label_width - 150
    body = []
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_height + 6)
        w = max(plot_w * value / vmax, 1 if value else 0)
        note = f"  {notes[i]}" if notes else ""
        body.append(
            f"<g><title>{esc(label)}: {esc(value_fmt(value))}{esc(note)}</title>"
            + _text(label_width - 6, y + bar_height - 5, truncate(label, 34), "end")
            + f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_height}" '
              f'fill="{color}"/>'
            + _text(label_width + w + 5, y + bar_height - 5, value_fmt(value) + note)
            + "</g>"
        )
    height = top + len(rows) * (bar_height + 6) + 4
    return _svg(width, height, body, title or "bar chart")


def stacked_hbar_chart(rows: Sequence[tuple[str, dict[str, float], str]], keys: Sequence[str],
                       colors: dict[str, str], *, title: str = "", width: int = 900,
                       label_width: int = 200, bar_height: int = 18) -> str:
    """Horizontal stacked bars: rows of (label, {key: value}, note); segments in `keys` order."""
    if not rows:
        return '<p class="empty">nothing to plot</p>'
    top = 4
    totals = [sum(parts.get(k, 0) for k in keys) for _, parts, _ in rows]
    vmax = max(totals) or 1
    plot_w = width - label_width - 190
    body = []
    for i, ((label, parts, note), total) in enumerate(zip(rows, totals)):
        y = top + i * (bar_height + 6)
        x = float(label_width)
        segs = []
        for k in keys:
            v = parts.get(k, 0)
            if not v:
                continue
            w = plot_w * v / vmax
            segs.append(
                f'<rect x="{x:.1f}" y="{y}" width="{max(w, 0.5):.1f}" height="{bar_height}" '
                f'fill="{colors[k]}"><title>{esc(label)} · {esc(k)}: {fmt_int(v)}</title></rect>'
            )
            x += w
        body.append(
            "<g>" + _text(label_width - 6, y + bar_height - 5, truncate(label, 30), "end")
            + "".join(segs) + _text(x + 5, y + bar_height - 5, f"{fmt_int(total)}  {note}")
            + "</g>"
        )
    height = top + len(rows) * (bar_height + 6) + 4
    return _svg(width, height, body, title or "stacked bar chart")


def histogram(labels: Sequence[str], series: dict[str, Sequence[int]], colors: dict[str, str],
              *, title: str = "", xlabel: str = "", width: int = 440, height: int = 230) -> str:
    """Vertical (stacked) histogram over pre-computed bins; counts printed above the bars."""
    n = len(labels)
    if not n or not series:
        return '<p class="empty">nothing to plot</p>'
    left, right, top, bottom = 44, 8, 32, 54
    totals = [sum(s[i] for s in series.values()) for i in range(n)]
    vmax = max(totals) or 1
    pw, ph = width - left - right, height - top - bottom
    bw = min(pw / n, 56)
    body = [_text(left, 13, title, extra=' font-weight="600"')] if title else []
    body.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" '
                f'stroke="#888"/>')
    body.append(_text(left - 4, top + 4, fmt_short(vmax), "end", ' fill="#666"'))
    body.append(_text(left - 4, top + ph, "0", "end", ' fill="#666"'))
    for i in range(n):
        x = left + i * bw
        y = top + ph
        for name, counts in series.items():
            v = counts[i]
            if not v:
                continue
            h = max(ph * v / vmax, 1)
            y -= h
            body.append(f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bw - 2, 1):.1f}" '
                        f'height="{h:.1f}" fill="{colors[name]}"><title>{esc(labels[i])} · '
                        f'{esc(name)}: {fmt_int(v)}</title></rect>')
        if totals[i]:
            body.append(_text(x + bw / 2, y - 3, fmt_short(totals[i]), "middle",
                              ' font-size="9" fill="#444"'))
        lx, ly = x + bw / 2, top + ph + 10
        body.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="end" font-size="10" '
                    f'transform="rotate(-45 {lx:.1f} {ly:.1f})">{esc(labels[i])}</text>')
    if xlabel:
        body.append(_text(left + pw / 2, height - 3, xlabel, "middle", ' fill="#444"'))
    return _svg(width, height, body, title or "histogram")


def funnel(steps: Sequence[tuple[str, int | None]], *, title: str = "", width: int = 440,
           color: str = PALETTE[0]) -> str:
    """Centred bars, one per stage, with the count and the share of the first stage."""
    steps = [(label, v) for label, v in steps if v is not None]
    if not steps:
        return '<p class="empty">nothing to plot</p>'
    top, bh, gap, label_w = 22, 26, 8, 96
    first = steps[0][1] or 1
    vmax = max(v for _, v in steps) or 1
    pw = width - label_w - 8
    body = [_text(0, 13, title, extra=' font-weight="600"')] if title else []
    for i, (label, v) in enumerate(steps):
        y = top + i * (bh + gap)
        w = max(pw * v / vmax, 2)
        x = label_w + (pw - w) / 2
        body.append(_text(label_w - 6, y + bh / 2 + 4, label, "end"))
        body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bh}" rx="3" '
                    f'fill="{color}" fill-opacity="{1 - 0.1 * i:.2f}"><title>{esc(label)}: '
                    f'{fmt_int(v)}</title></rect>')
        body.append(_text(label_w + pw / 2, y + bh / 2 + 4, f"{fmt_int(v)} ({pct(v, first)})",
                          "middle", ' fill="#fff" font-weight="600" stroke="#000" '
                          'stroke-opacity="0.25" stroke-width="0.6"'))
    height = top + len(steps) * (bh + gap)
    return _svg(width, height, body, title or "funnel")


def css_bar(value: float, vmax: float, color: str = PALETTE[0], width_px: int = 160) -> str:
    """A tiny inline bar for table cells."""
    w = 0 if not vmax else max(round(width_px * value / vmax), 1 if value else 0)
    return (f'<span class="cbar" style="width:{width_px}px"><i style="width:{w}px;'
            f'background:{color}"></i></span>')


# --------------------------------------------------------------------------- diffs
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Words, runs of whitespace and single punctuation marks; ''.join(tokens) == text."""
    return _TOKEN.findall(text)


def word_diff(a: str, b: str) -> tuple[str, str]:
    """Escaped HTML of `a` and `b` with what only `a` has in <del> and what only `b` has in <ins>.

    Word-level (difflib.SequenceMatcher over tokens, no junk heuristic), so a changed word is
    marked whole rather than letter by letter.
    """
    ta, tb = tokenize(a), tokenize(b)
    sm = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    out_a: list[str] = []
    out_b: list[str] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        sa, sb = esc("".join(ta[i1:i2])), esc("".join(tb[j1:j2]))
        if op == "equal":
            out_a.append(sa)
            out_b.append(sb)
            continue
        if i2 > i1:
            out_a.append(f"<del>{sa}</del>")
        if j2 > j1:
            out_b.append(f"<ins>{sb}</ins>")
    return "".join(out_a), "".join(out_b)


def diff_ratio(a: str, b: str) -> float:
    """Share of tokens in common (difflib ratio over word tokens)."""
    ta, tb = tokenize(a), tokenize(b)
    if not ta and not tb:
        return 1.0
    return difflib.SequenceMatcher(None, ta, tb, autojunk=False).ratio()


def section(key: str, title: str, body: str) -> str:
    """A section of a page, under its heading, with an anchor for the page's nav."""
    return f'<section id="{key}"><h2>{esc(title)}</h2>{body}</section>'


def page(title: str, css: str, intro: str, sections: list[tuple[str, str]],
         builders: dict, data, cards: str) -> str:
    """A self-contained page (the report, the diff page): its title, a note (`intro`, HTML), a
    nav over `sections`, the `cards`, then each section built by `builders[key](data)`."""
    nav = "".join(f'<a href="#{k}">{esc(t)}</a>' for k, t in sections)
    body = "".join(section(k, t, builders[k](data)) for k, t in sections)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title>"
        f"<style>{css}</style></head><body><main>"
        f"<h1>{esc(title)}</h1>{intro}<nav>{nav}</nav>{cards}{body}</main></body></html>\n"
    )
