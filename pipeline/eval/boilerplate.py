"""Boilerplate figures on the shared corpora: `python -m pipeline.eval.boilerplate [--json PATH]`.

(a) article-extraction-benchmark full-page text (html-text output, one line per paragraph)
    through the clean stage, beside the anchors computed in the same run (C4 line rules, keep all);
(b) the benchmark's 181 HTML pages through htmlextract + clean, beside trafilatura's plain
    `extract()` and its defaults with comments off;
(b2) web-content-extraction-2026, HTML and full-page text, the same systems side by side
    (`boilerplate_web2026.py`);
(c) allsides part-00: share of the known repeated boilerplate lines (its SOURCE.md) removed, a
    sample of removed lines, and a sample of removed lines outside the known list (precision watch).
Scores use the benchmark's rule (docs anchors.md). Pages are split into two halves by sorted id
(even / odd positions), so a rule tuned on one half can be checked on the other.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ..stages.clean import CleanConfig, clean_documents as clean_run
from ..core.model import Document, RunContext
from .common import corpora_dir, publish
from . import boilerplate_web2026 as web2026
from .boilerplate_score import c4_lines, clean_pages, host, page_score, prf, shingles, with_halves  # noqa: F401

KNOWN_ALLSIDES = (
    "Copyright © 2019 The Washington Times, LLC. Click here for reprint permission.",
    "Story Continued Below",
    "ADVERTISEMENT",
    "Sign up for Daily Newsletters Manage Newsletters",
    "Advertisement",
    "Get the Monitor Stories you care about delivered to your inbox. By signing up, you agree to "
    "our Privacy Policy",
    "The Associated Press contributed to this report.",
    "CLICK HERE TO GET THE FOX NEWS APP",
    "Advertisement Continue reading the main story",
    "Follow @politico",
    "Support Vox's explanatory journalism",
)


def eval_benchmark(root: Path, cfg: CleanConfig) -> dict[str, Any]:
    bench = root / "article-extraction-benchmark"
    gt = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    full = json.loads((bench / "output" / "html-text.json").read_text(encoding="utf-8"))["output"]
    truth = {i: v["articleBody"] for i, v in gt.items()}
    sources = {i: host(v.get("url")) for i, v in gt.items()}
    text = {i: full[i]["articleBody"] for i in truth}
    out: dict[str, Any] = {"pages": len(truth)}
    t = time.perf_counter()
    out["text_clean"] = with_halves(clean_pages({i: s.split("\n") for i, s in text.items()},
                                                sources, cfg), truth)
    out["text_clean"]["seconds"] = round(time.perf_counter() - t, 2)
    out["text_c4_rules"] = with_halves({i: c4_lines(s) for i, s in text.items()}, truth)
    out["text_keep_all"] = with_halves(text, truth)

    import trafilatura

    from ..readers import html as htmlextract

    raw = {i: gzip.decompress((bench / "html" / f"{i}.html.gz").read_bytes()) for i in truth}
    t = time.perf_counter()
    plain = {i: trafilatura.extract(raw[i], url=gt[i].get("url")) or "" for i in truth}
    out["html_trafilatura_plain"] = with_halves(plain, truth)
    out["html_trafilatura_plain"]["seconds"] = round(time.perf_counter() - t, 2)
    # As trafilatura's own evaluation runs it, and as the 2026 benchmark's anchor: comments off.
    out["html_trafilatura_default"] = with_halves(
        {i: trafilatura.extract(raw[i], url=gt[i].get("url"), include_comments=False) or ""
         for i in truth}, truth)
    t = time.perf_counter()
    extracted: dict[str, list[str]] = {}
    failures = 0
    for i in truth:
        try:
            page = htmlextract.extract(raw[i], url=gt[i].get("url"))
        except htmlextract.ExtractionError:
            page = None
        failures += page is None
        extracted[i] = page.paragraphs if page else []
    out["html_extract_only"] = with_halves({i: "\n".join(p) for i, p in extracted.items()}, truth)
    html_meta = {"extractor": "trafilatura"}  # as htmlextract sets it for the ingest stage
    out["html_extract_clean"] = with_halves(clean_pages(extracted, sources, cfg, html_meta), truth)
    out["html_extract_clean"]["seconds"] = round(time.perf_counter() - t, 2)
    out["html_extract_clean"]["pages_without_text"] = failures
    return out


def eval_allsides(root: Path, cfg: CleanConfig, limit: int | None, seed: int = 0) -> dict[str, Any]:
    path = root / "allsides-news" / "articles-part-00.jsonl.gz"
    docs = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f):
            if limit is not None and n >= limit:
                break
            rec = json.loads(line)
            paras = [p for p in rec["content_original"].split("\n") if p.strip()]
            docs.append(Document.from_texts(rec["ID"], paras, source=rec["source"]))
    t = time.perf_counter()
    ctx = RunContext()
    clean_run(docs, cfg, ctx)
    seconds = time.perf_counter() - t
    known = {k.strip() for k in KNOWN_ALLSIDES}
    k_total = k_removed = 0
    removed_other: Counter[tuple[str, str]] = Counter()
    removed_all: Counter[str] = Counter()
    n_paras = n_removed = 0
    for d in docs:
        for p in d.paragraphs:
            n_paras += 1
            text = " ".join(p.text.split())
            if text in known:
                k_total += 1
                k_removed += not p.kept
            if not p.kept:
                n_removed += 1
                removed_all[text] += 1
                if text not in known:
                    removed_other[(p.reason or "", text)] += 1
    rng = random.Random(seed)
    others = sorted(removed_other)
    sample = rng.sample(others, min(25, len(others)))
    return {
        "docs": len(docs),
        "paragraphs": n_paras,
        "removed_paragraphs": n_removed,
        "clean_seconds": round(seconds, 2),
        "known_lines_present": k_total,
        "known_lines_removed_share": round(k_removed / k_total, 4) if k_total else None,
        "learned_lines": len(ctx.artifacts.get("boilerplate_learned", [])),
        "removed_by_reason": ctx.stage_stats.get("clean", {}).get("removed_by_reason", {}),
        "top_removed": [[t, c] for t, c in removed_all.most_common(15)],
        "top_removed_not_known": [[r, t, c] for (r, t), c in
                                  sorted(removed_other.items(), key=lambda kv: -kv[1])[:15]],
        "random_removed_not_known": [[r, t[:160]] for r, t in sample],
    }


def evaluate(limit: int | None = None, root: Path | None = None) -> dict[str, Any]:
    """All boilerplate figures as a dict; a corpus that is absent is reported as skipped."""
    root = root or corpora_dir()
    cfg = CleanConfig()
    out: dict[str, Any] = {}
    if (root / "article-extraction-benchmark" / "ground-truth.json").is_file():
        out["benchmark"] = eval_benchmark(root, cfg)
    else:
        out["benchmark"] = {"skipped": f"not found under {root}"}
    if (root / web2026.NAME / "ground-truth.json").is_file():
        out["web2026"] = web2026.eval_web2026(root, cfg)
    else:
        out["web2026"] = {"skipped": f"not found under {root}"}
    if (root / "allsides-news" / "articles-part-00.jsonl.gz").is_file():
        out["allsides"] = eval_allsides(root, cfg, limit)
    else:
        out["allsides"] = {"skipped": f"not found under {root}"}
    return out


def render(res: dict[str, Any]) -> str:
    lines = ["Boilerplate: article-extraction-benchmark (benchmark scoring; halves = even/odd ids)"]
    b = res["benchmark"]
    if "skipped" in b:
        lines.append(f"  skipped: {b['skipped']}")
    else:
        lines.append(f"  {'system':<34}{'P':>7}{'R':>7}{'F1':>7}{'F1 a':>7}{'F1 b':>7}  goal")
        goals = {"text_clean": ">= 0.93", "html_extract_clean": ">= trafilatura defaults + 0.01"}
        for key, label in (
            ("text_clean", "text: newsprep clean"), ("text_c4_rules", "text: C4 line rules"),
            ("text_keep_all", "text: keep all"), ("html_extract_clean", "html: newsprep extract+clean"),
            ("html_extract_only", "html: newsprep extract only"),
            ("html_trafilatura_default", "html: trafilatura, comments off"),
            ("html_trafilatura_plain", "html: trafilatura extract()"),
        ):
            r = b[key]
            lines.append(f"  {label:<34}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}"
                         f"{r['f1_half_a']:>7.3f}{r['f1_half_b']:>7.3f}  {goals.get(key, '')}")
    lines += web2026.render(res["web2026"])
    a = res["allsides"]
    lines.append("Boilerplate: allsides part-00")
    if "skipped" in a:
        lines.append(f"  skipped: {a['skipped']}")
    else:
        lines.append(f"  {a['docs']} docs, {a['paragraphs']} paragraphs, {a['removed_paragraphs']} "
                     f"removed, clean stage {a['clean_seconds']} s, {a['learned_lines']} learned lines")
        lines.append(f"  known repeated boilerplate lines removed: {a['known_lines_removed_share']}"
                     f" of {a['known_lines_present']}")
        lines.append(f"  removed by reason: {a['removed_by_reason']}")
        lines.append("  most removed lines outside the known list (reason, count, line):")
        lines += [f"    {r:<22}{c:>6}  {t[:90]}" for r, t, c in a["top_removed_not_known"]]
        lines.append("  random removed lines outside the known list (review for precision):")
        lines += [f"    {r:<22}  {t[:100]}" for r, t in a["random_removed_not_known"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.eval.boilerplate", description=__doc__)
    ap.add_argument("--json", help="also write the figures to this JSON file")
    ap.add_argument("--allsides-limit", type=int, default=None,
                    help="only the first N allsides documents (default: all of part-00)")
    args = ap.parse_args(argv)
    res = evaluate(limit=args.allsides_limit)
    return publish(res, render(res), args.json)


if __name__ == "__main__":
    sys.exit(main())
