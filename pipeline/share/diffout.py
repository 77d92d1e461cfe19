"""`python -m pipeline diff A B`: the comparison as text (the default), JSON, or an HTML page."""

from __future__ import annotations

import textwrap
from typing import Any

from .diff import Diff, Sample

TOP_TRANSITIONS = 20
TOP_SOURCES = 15
TRANSITIONS_PER_SOURCE = 3
TEXT_CHARS = 400


def _n(x: int) -> str:
    return f"{x:,}"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "-"


def link_text(link: dict | None) -> str:
    if not link:
        return ""
    sim = link.get("similarity")
    return (f"duplicate of {link['duplicate_of_doc_id']} ¶{link['duplicate_of_index']}"
            + (f", similarity {sim:.3f}" if sim is not None else ""))


def summary_lines(d: Diff) -> list[str]:
    """The headline figures, as printed first (and quoted in closing notes)."""
    lines = [f"A: {d.a}", f"B: {d.b}"]
    if d.config_changes:
        lines.append("configuration: " + "; ".join(f"{k}: {a!r} -> {b!r}"
                                                   for k, a, b in d.config_changes))
    else:
        lines.append("configuration: the same (outside `run`)")
    lines.append(f"paragraphs: {_n(d.paragraphs[0])} in A, {_n(d.paragraphs[1])} in B, "
                 f"{_n(d.matched)} in both; {_n(d.moved)} moved ({_share(d.moved, d.matched)}), "
                 f"{_n(sum(d.only[0].values()))} only in A, {_n(sum(d.only[1].values()))} only in B")
    lines.append(f"documents written: {_n(d.documents[0])} in A, {_n(d.documents[1])} in B; "
                 f"{_n(d.documents_only_n[1])} added, {_n(d.documents_only_n[0])} dropped")
    return lines


def fate_rows(d: Diff) -> list[tuple[str, int, int]]:
    keys = sorted(set(d.fates[0]) | set(d.fates[1]),
                  key=lambda k: (-(d.fates[0][k] + d.fates[1][k]), k))
    return [(k, d.fates[0][k], d.fates[1][k]) for k in keys]


def source_rows(d: Diff) -> list[tuple[str, int, int, list[tuple[tuple[str, str], int]]]]:
    """(source, moved, matched paragraphs of the source, its top transitions)."""
    out = []
    for src, moved in d.ranked_sources()[:TOP_SOURCES]:
        top = sorted(d.by_source[src].items(), key=lambda kv: (-kv[1], kv[0]))
        out.append((src, moved, d.source_rows[src], top[:TRANSITIONS_PER_SOURCE]))
    return out


def render_text(d: Diff) -> str:
    out = summary_lines(d)
    out += ["", "fate (status:reason)                        A            B       change"]
    for k, a, b in fate_rows(d):
        out.append(f"  {k:40s} {a:>10,} {b:>12,} {b - a:>+12,}")
    out += ["", "moved paragraphs (A -> B):"]
    ranked = d.ranked_transitions()
    for (x, y), n in ranked[:TOP_TRANSITIONS]:
        out.append(f"  {n:>10,}  {x} -> {y}")
    if len(ranked) > TOP_TRANSITIONS:
        rest = sum(n for _, n in ranked[TOP_TRANSITIONS:])
        out.append(f"  {rest:>10,}  in {len(ranked) - TOP_TRANSITIONS} more transitions")
    if not ranked:
        out.append("  none")
    for side, name in ((0, "only in A"), (1, "only in B")):
        if d.only[side]:
            out.append(f"paragraphs {name}: " + ", ".join(
                f"{k} {_n(v)}" for k, v in sorted(d.only[side].items())))
    if d.by_source:
        out += ["", "top movers per source (moved of the source's paragraphs):"]
        for src, moved, total, top in source_rows(d):
            tops = "; ".join(f"{x} -> {y} {_n(n)}" for (x, y), n in top)
            out.append(f"  {src or '(no source)'}: {_n(moved)} of {_n(total)} "
                       f"({_share(moved, total)}): {tops}")
    for side, name in ((1, "added"), (0, "dropped")):
        if d.documents_only_n[side]:
            out.append(f"documents {name} ({_n(d.documents_only_n[side])}), e.g.: "
                       + ", ".join(d.documents_only[side]))
    if d.samples:
        out += ["", "sample of moved paragraphs (the largest moves, chosen by a hash of the id):"]
        for s in d.samples:
            out += sample_lines(s)
    return "\n".join(out) + "\n"


def sample_lines(s: Sample) -> list[str]:
    text = s.text or ""
    cut = text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS - 1] + "…"
    lines = [f"- {s.doc_id} ¶{s.index} ({s.source}): {s.a_fate} -> {s.b_fate}"]
    for name, link in (("A", s.a_link), ("B", s.b_link)):
        if link:
            lines.append(f"    {name}: {link_text(link)}")
    if s.url:
        lines.append(f"    {s.url}")
    lines.append(textwrap.indent(textwrap.fill(cut, 96), "    | "))
    return lines


def to_json(d: Diff) -> dict[str, Any]:
    def tr(items):
        return [{"from": x, "to": y, "paragraphs": n} for (x, y), n in items]

    return {
        "a": d.a, "b": d.b,
        "config_changes": [{"key": k, "a": a, "b": b} for k, a, b in d.config_changes],
        "paragraphs": {"a": d.paragraphs[0], "b": d.paragraphs[1], "in_both": d.matched,
                       "moved": d.moved, "only_a": sum(d.only[0].values()),
                       "only_b": sum(d.only[1].values())},
        "fates": {k: {"a": a, "b": b} for k, a, b in fate_rows(d)},
        "only": {"a": dict(sorted(d.only[0].items())), "b": dict(sorted(d.only[1].items()))},
        "transitions": tr(d.ranked_transitions()),
        "sources": [{"source": src, "moved": moved, "paragraphs": d.source_rows[src],
                     "transitions": tr(sorted(d.by_source[src].items(),
                                              key=lambda kv: (-kv[1], kv[0])))}
                    for src, moved in d.ranked_sources()],
        "documents": {"a": d.documents[0], "b": d.documents[1],
                      "added": d.documents_only_n[1], "dropped": d.documents_only_n[0],
                      "added_sample": d.documents_only[1], "dropped_sample": d.documents_only[0]},
        "samples": [{"doc_id": s.doc_id, "index": s.index, "source": s.source, "from": s.a_fate,
                     "to": s.b_fate, "text": s.text, "url": s.url, "a_link": s.a_link,
                     "b_link": s.b_link} for s in d.samples],
    }
