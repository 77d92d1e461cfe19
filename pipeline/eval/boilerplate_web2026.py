"""web-content-extraction-2026 (999 pages of eight types, ../shared/corpora; see its SOURCE.md).

Scored two ways, as the benchmark's SOURCE.md says:
- shingle F1 on `main_content` (the article-extraction-benchmark rule, `boilerplate.prf`);
- snippet F1: whitespace collapsed in the output and in each snippet; a `with` snippet found is a
  true positive, one missing a false negative; a `without` snippet found a false positive; sums
  over all pages (overall and per page type).

Systems, measured in the same run on the same pages:
- HTML: trafilatura `extract()` at its defaults (comments off, tables on: as trafilatura's own
  evaluation runs it), newsprep's extractor alone, and newsprep extract + clean;
- full-page text (html-text `extract_text(html, guess_layout=True)`, the benchmark's text
  baseline): keep all, C4-style line rules, newsprep clean.
Halves: pages at even / odd positions of the sorted ids, so a rule chosen on one half (or on the
other benchmark) can be confirmed on the other.
"""

from __future__ import annotations

import gzip
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..stages.clean import CleanConfig
from .boilerplate_score import c4_lines, clean_pages, host, prf

NAME = "web-content-extraction-2026"


def fold(text: str) -> str:
    return " ".join(text.split())


def snippet_counts(pred: str, with_: list[str], without: list[str]) -> tuple[int, int, int]:
    """TP, FP, FN of one page's snippets (whitespace collapsed on both sides)."""
    text = fold(pred)
    tp = sum(1 for s in with_ if fold(s) in text)
    fp = sum(1 for s in without if fold(s) in text)
    return tp, fp, len(with_) - tp


def snippet_prf(preds: dict[str, str], gt: dict[str, dict[str, Any]], ids: list[str]) -> dict[str, float]:
    tp = fp = fn = 0
    for i in ids:
        a, b, c = snippet_counts(preds.get(i, ""), gt[i].get("with") or [], gt[i].get("without") or [])
        tp, fp, fn = tp + a, fp + b, fn + c
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def score(preds: dict[str, str], gt: dict[str, dict[str, Any]]) -> dict[str, Any]:
    ids = sorted(gt)
    truth = {i: gt[i].get("main_content") or "" for i in ids}
    out: dict[str, Any] = {"snippet": snippet_prf(preds, gt, ids),
                           "shingle": prf(preds, truth, ids)}
    out["snippet_f1_half_a"] = snippet_prf(preds, gt, ids[0::2])["f1"]
    out["snippet_f1_half_b"] = snippet_prf(preds, gt, ids[1::2])["f1"]
    by_type: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        by_type[gt[i].get("page_type") or "unknown"].append(i)
    out["by_type"] = {t: {"pages": len(v), **snippet_prf(preds, gt, v)}
                      for t, v in sorted(by_type.items(), key=lambda kv: -len(kv[1]))}
    return out


def load(root: Path) -> tuple[dict[str, dict[str, Any]], dict[str, bytes]]:
    bench = root / NAME
    gt = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    raw = {i: gzip.decompress((bench / "html" / f"{i}.html.gz").read_bytes()) for i in sorted(gt)}
    return gt, raw


def full_page_text(raw: dict[str, bytes]) -> dict[str, str]:
    """The benchmark's full-page text: html-text with guess_layout (the `eval` extra)."""
    import html_text

    return {i: html_text.extract_text(h.decode("utf-8", "replace"), guess_layout=True)
            for i, h in raw.items()}


def trafilatura_default(raw: dict[str, bytes], gt: dict[str, dict[str, Any]]) -> dict[str, str]:
    import trafilatura

    return {i: trafilatura.extract(h, url=gt[i].get("url"), include_comments=False,
                                   include_tables=True) or "" for i, h in raw.items()}


def newsprep_extract(raw: dict[str, bytes], gt: dict[str, dict[str, Any]]) -> tuple[dict[str, list[str]], int]:
    """Paragraphs of newsprep's HTML reader per page, and how many pages gave none."""
    from ..readers import html as htmlextract

    out: dict[str, list[str]] = {}
    failures = 0
    for i, h in raw.items():
        try:
            page = htmlextract.extract(h, url=gt[i].get("url"))
        except htmlextract.ExtractionError:
            page = None
        failures += page is None
        out[i] = page.paragraphs if page else []
    return out, failures


def eval_web2026(root: Path, cfg: CleanConfig) -> dict[str, Any]:
    gt, raw = load(root)
    sources = {i: host(v.get("url")) for i, v in gt.items()}
    out: dict[str, Any] = {"pages": len(gt)}
    t = time.perf_counter()
    plain = trafilatura_default(raw, gt)
    out["html_trafilatura_default"] = score(plain, gt)
    out["html_trafilatura_default"]["seconds"] = round(time.perf_counter() - t, 2)
    out["html_trafilatura_default"]["pages_without_text"] = sum(1 for v in plain.values() if not v.strip())
    t = time.perf_counter()
    extracted, failures = newsprep_extract(raw, gt)
    out["html_extract_only"] = score({i: "\n".join(p) for i, p in extracted.items()}, gt)
    cleaned = clean_pages(extracted, sources, cfg, {"extractor": "trafilatura"})
    out["html_extract_clean"] = score(cleaned, gt)
    out["html_extract_clean"]["seconds"] = round(time.perf_counter() - t, 2)
    out["html_extract_clean"]["pages_without_text"] = failures
    out["html_extract_clean"]["quarantined_where_trafilatura_has_text"] = sum(
        1 for i in gt if not extracted[i] and plain[i].strip())
    try:
        text = full_page_text(raw)
    except ImportError:
        out["text_skipped"] = "html-text is not installed: pip install -e '.[eval]' (make eval does)"
        return out
    t = time.perf_counter()
    out["text_clean"] = score(clean_pages({i: s.split("\n") for i, s in text.items()}, sources, cfg), gt)
    out["text_clean"]["seconds"] = round(time.perf_counter() - t, 2)
    out["text_c4_rules"] = score({i: c4_lines(s) for i, s in text.items()}, gt)
    out["text_keep_all"] = score(text, gt)
    return out


ROWS = (
    ("html_extract_clean", "html: newsprep extract+clean"),
    ("html_extract_only", "html: newsprep extract only"),
    ("html_trafilatura_default", "html: trafilatura defaults"),
    ("text_clean", "text: newsprep clean"),
    ("text_c4_rules", "text: C4 line rules"),
    ("text_keep_all", "text: keep all"),
)


def render(res: dict[str, Any]) -> list[str]:
    lines = [f"Boilerplate: {NAME} ({res.get('pages', 0)} pages; snippet scoring and shingle "
             "F1 on main_content; halves = even/odd ids)"]
    if "skipped" in res:
        return lines + [f"  skipped: {res['skipped']}"]
    lines.append(f"  {'system':<31}{'snipP':>7}{'snipR':>7}{'snipF1':>7}{'F1 a':>7}{'F1 b':>7}"
                 f"{'shP':>7}{'shR':>7}{'shF1':>7}")
    rows = [(k, label) for k, label in ROWS if k in res]
    if "text_skipped" in res:
        lines.append(f"  text path skipped: {res['text_skipped']}")
    for key, label in rows:
        r = res[key]
        s, h = r["snippet"], r["shingle"]
        lines.append(f"  {label:<31}{s['precision']:>7.3f}{s['recall']:>7.3f}{s['f1']:>7.3f}"
                     f"{r['snippet_f1_half_a']:>7.3f}{r['snippet_f1_half_b']:>7.3f}"
                     f"{h['precision']:>7.3f}{h['recall']:>7.3f}{h['f1']:>7.3f}")
    types = list(res[ROWS[0][0]]["by_type"])
    lines.append("  snippet F1 by page type (pages):")
    lines.append(f"  {'system':<31}" + "".join(f"{t[:9] + ' ' + str(res[ROWS[0][0]]['by_type'][t]['pages']):>14}"
                                               for t in types))
    for key, label in rows:
        bt = res[key]["by_type"]
        lines.append(f"  {label:<31}" + "".join(f"{bt[t]['f1']:>14.3f}" for t in types))
    c = res["html_extract_clean"]
    lines.append(f"  html: pages without text (newsprep) {c['pages_without_text']}, of which "
                 f"trafilatura's defaults extract text: {c['quarantined_where_trafilatura_has_text']}; "
                 f"trafilatura without text: {res['html_trafilatura_default']['pages_without_text']}")
    return lines
