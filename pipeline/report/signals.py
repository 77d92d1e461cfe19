"""The report's "Signals" section: a small histogram per annotator column of the documents
table, with the run's filter thresholds (config.yaml's `filter:`) drawn as red lines.

Bins are fixed per kind of column (shares and ratios: 0 to 1 by 0.05; counts: 1-2-5 steps;
true/false: two bars), so the documents table is folded batch by batch, never held whole.
Filtered documents are not in the documents table: the histograms show the documents written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from .svg import PALETTE, _svg, _text, bin_counts, esc, fmt_short

SHARE_EDGES = [round(0.05 * i, 2) for i in range(21)]
LENGTH_EDGES = list(range(0, 16))
COUNT_EDGES = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000, 10**9]


def _edges(name: str, type_: pa.DataType) -> list[float]:
    if pa.types.is_boolean(type_):
        return [0, 1, 2]
    if name.endswith("mean_word_length"):
        return LENGTH_EDGES
    if pa.types.is_floating(type_):
        return SHARE_EDGES
    return COUNT_EDGES


@dataclass
class SignalHistograms:
    columns: dict[str, tuple[str, list[float]]] = field(default_factory=dict)  # name -> (signal, edges)
    counts: dict[str, list[int]] = field(default_factory=dict)
    rules: dict[str, dict] = field(default_factory=dict)  # column -> {"min":, "max":, "equals":}


def load_signals(out_dir: Path, batch_rows: int = 4096) -> SignalHistograms:
    from ..annotators import REGISTRY
    from ..annotators.filters import parse

    h = SignalHistograms()
    files = sorted((out_dir / "parquet" / "documents").glob("*.parquet"))
    if not files:
        return h
    present = set(pq.read_schema(files[0]).names)
    for ann in REGISTRY.values():
        for c in ann.columns:
            if c.name in present and (c.numeric or pa.types.is_boolean(c.type)):
                h.columns[c.name] = (f"{ann.name}.{c.signal}", _edges(c.name, c.type))
    h.counts = {n: [0] * (len(e) - 1) for n, (_, e) in h.columns.items()}
    for f in files:
        with pq.ParquetFile(f) as pf:
            for b in pf.iter_batches(batch_size=batch_rows, columns=list(h.columns),
                                     use_threads=False):
                for n, (_, edges) in h.columns.items():
                    col = b.column(n)
                    if pa.types.is_boolean(col.type):
                        col = col.cast(pa.int8())
                    values = np.asarray(col.to_numpy(zero_copy_only=False), dtype=float)
                    got = bin_counts(values[~np.isnan(values)], edges)
                    h.counts[n] = [a + b for a, b in zip(h.counts[n], got)]
    cfg = out_dir / "config.yaml"
    if cfg.is_file():
        try:
            raw = yaml.safe_load(cfg.read_text(encoding="utf-8")) or {}
            names = tuple((raw.get("annotate") or {}).get("annotators") or ())
            for r in parse(raw.get("filter") or {}, names):
                h.rules[r.column] = {"min": r.min, "max": r.max, "equals": r.equals}
        except (ValueError, yaml.YAMLError, AttributeError):
            pass  # a foreign or older config: no thresholds drawn
    return h


def _x(value: float, edges: list[float], left: float, width: float) -> float:
    """Where a value falls on an axis of equal-width bins."""
    i = int(np.searchsorted(edges, value, side="right")) - 1
    i = min(max(i, 0), len(edges) - 2)
    lo, hi = edges[i], edges[i + 1]
    frac = 0.0 if hi == lo else min(max((value - lo) / (hi - lo), 0.0), 1.0)
    return left + width * (i + frac) / (len(edges) - 1)


def small_histogram(title: str, counts: list[int], edges: list[float], rule: dict | None,
                    boolean: bool = False, width: int = 230, height: int = 120) -> str:
    left, right, top, bottom = 8, 8, 18, 20
    pw, ph = width - left - right, height - top - bottom
    vmax = max(counts) or 1
    bw = pw / len(counts)
    body = [_text(left, 12, title, extra=' font-weight="600" font-size="11"')]
    for i, v in enumerate(counts):
        if v:
            h = max(ph * v / vmax, 1)
            label = ("false", "true")[i] if boolean else f"{edges[i]:g}–{edges[i + 1]:g}"
            body.append(f'<rect x="{left + i * bw + 0.5:.1f}" y="{top + ph - h:.1f}" '
                        f'width="{max(bw - 1, 1):.1f}" height="{h:.1f}" fill="{PALETTE[0]}">'
                        f'<title>{esc(label)}: {v}</title></rect>')
    body.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#888"/>')
    lo, hi = ("false", "true") if boolean else (f"{edges[0]:g}", fmt_short(edges[-1]))
    body.append(_text(left, height - 6, lo, extra=' font-size="9" fill="#666"'))
    body.append(_text(left + pw, height - 6, hi, "end", ' font-size="9" fill="#666"'))
    for key in ("min", "max"):
        value = (rule or {}).get(key)
        if value is not None:
            x = _x(value, edges, left, pw)
            body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{top + ph}" '
                        f'stroke="#c0392b" stroke-width="1.5" stroke-dasharray="3,2">'
                        f'<title>filter {key} {value:g}</title></line>')
    if rule and rule.get("equals") is not None:
        keep = int(bool(rule["equals"]))
        x = left + bw * (1 - keep)
        body.append(f'<rect x="{x:.1f}" y="{top}" width="{bw:.1f}" height="{ph}" fill="#c0392b" '
                    f'fill-opacity="0.15"><title>filtered: {("false", "true")[1 - keep]}</title></rect>')
    return _svg(width, height, body, title)


def signals_section(h: SignalHistograms) -> str:
    if not h.columns:
        return '<p class="empty">no annotator columns in the documents table</p>'
    charts = "".join(
        small_histogram(signal, h.counts[name], edges, h.rules.get(name), edges == [0, 1, 2])
        for name, (signal, edges) in h.columns.items())
    note = ('<p class="note">Documents written, per signal; red dashed lines: the filter rules '
            'of this run (documents outside were dropped and are not counted here). Shares are '
            'binned by 0.05, counts in 1-2-5 steps (last bin open).</p>')
    return note + f'<div class="row" style="flex-wrap:wrap">{charts}</div>'
