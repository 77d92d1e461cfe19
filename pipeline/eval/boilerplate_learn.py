"""Train and measure the learned line classifier (`boilerplate/linemodel.py`) on full-page text:
`python -m pipeline.eval.boilerplate_learn [--write-model] [--json PATH]`.

Two benchmarks, both as full-page text through the clean stage's rules (model off):
the article-extraction-benchmark (html-text output; labels from `articleBody`) and
web-content-extraction-2026 (html-text of its HTML; labels from `main_content` and its
must-keep / must-drop snippets). A line is content when >= half of its word 4-grams are in the
main text (a line under 4 words: its words appear there in a row), or it holds a must-keep
snippet; a line holding a must-drop snippet and no must-keep one is not.

Figures, all on page-like documents only (elsewhere the rules' decisions stand, as in the stage):
- rules: the clean stage as it is;
- cross-set: trained on one benchmark, scored on the other (the claim);
- in-set: 5 folds grouped by site (hash of the host), each fold scored by a model trained on the
  other four;
- in-union: the same folds over both benchmarks pooled (a model trained on both, on unseen sites).
The threshold is chosen on the training pages only (their own score over 0.30..0.70).
Deterministic: a logistic regression fitted by Newton's method (no random start), L2 1.0.
`--write-model PATH` fits on both benchmarks and writes the model there (plain JSON).
`--kind trees|logistic`; `--scope all|rescue` (rescue: the model may only keep lines the region
cut, zone:* and short_run; every other verdict stands).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..boilerplate import classify as bp, linemodel as lm
from ..core.model import Document, RunContext
from ..stages.clean import CleanConfig, clean_documents
from . import boilerplate_trees as trees, boilerplate_web2026 as web2026
from .boilerplate_score import host, prf
from .common import corpora_dir, publish

_TOKEN = re.compile(r"\w+")


@dataclass
class Page:
    id: str
    host: str
    kind: str  # page type (2026) or "article"
    texts: list[str]
    rule_keep: np.ndarray  # per paragraph: the rules keep it
    at: list[int] = field(default_factory=list)  # paragraphs the model decides (page-like docs)
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    w: np.ndarray | None = None
    p: Any = None  # (model, its probabilities): the threshold search scores each model once


@dataclass
class Bench:
    name: str
    pages: list[Page]
    gt: dict[str, dict[str, Any]]  # id -> {"main": text, "with": [...], "without": [...], ...}


def _grams(text: str) -> list[tuple[str, ...]]:
    t = _TOKEN.findall(text.lower())
    return [tuple(t)] if 0 < len(t) < 4 else [tuple(t[k:k + 4]) for k in range(len(t) - 3)]


def labels(lines: list[str], main: str, with_: list[str], without: list[str]) -> np.ndarray:
    """1 for a content line, 0 for the rest (see the module docstring)."""
    grams = set(_grams(main))
    tokens = " " + " ".join(_TOKEN.findall(main.lower())) + " "
    keep = [web2026.fold(s) for s in with_]
    drop = [web2026.fold(s) for s in without]
    out = np.zeros(len(lines))
    for k, line in enumerate(lines):
        g = _grams(line)
        if len(g) == 1 and len(g[0]) < 4:
            inside = f" {' '.join(g[0])} " in tokens
        else:
            inside = bool(g) and sum(x in grams for x in g) >= 0.5 * len(g)
        folded = web2026.fold(line)
        if any(s and s in folded for s in keep):
            inside = True
        elif any(s and s in folded for s in drop):
            inside = False
        out[k] = inside
    return out


def prepare(name: str, texts: dict[str, str], gt: dict[str, dict[str, Any]], cfg: CleanConfig) -> Bench:
    """The rules' pass over every page (one run, so per-source learning sees all), then features
    and labels of the page-like documents."""
    ids = sorted(texts)
    docs = [Document.from_texts(i, texts[i].split("\n"), source=gt[i]["host"]) for i in ids]
    clean_documents(docs, cfg, RunContext())
    table = bp.LineTable(cfg.rules, cfg.repeated_max_words)
    pages = []
    for d in docs:
        lines = [p.text for p in d.paragraphs]
        reasons = [p.reason if not p.kept else None for p in d.paragraphs]
        page = Page(d.id, gt[d.id]["host"], gt[d.id]["kind"], lines,
                    np.array([p.kept for p in d.paragraphs], dtype=bool))
        facts = table.facts_many(lines)
        if lm.page_like(facts, cfg.region):
            page.at = [i for i, f in enumerate(facts) if f.folded]
            page.x = lm.features([facts[i] for i in page.at], [reasons[i] for i in page.at], cfg.region)
            g = gt[d.id]
            page.y = labels([lines[i] for i in page.at], g["main"], g.get("with", []), g.get("without", []))
            words = np.array([facts[i].folded.count(" ") + 2.0 for i in page.at])
            page.w = np.log(words) / np.log(words).sum()  # each page weighs the same in training
        pages.append(page)
    return Bench(name, pages, gt)


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1.0) -> lm.LineModel:
    """Weighted L2 logistic regression on standardised features, Newton's method."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = w / w.sum() * len(w)
    beta = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        grad = z.T @ (w * (p - y)) + reg * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return lm.LineModel(lm.FEATURES, mean, scale, beta[:-1], float(beta[-1]), 0.5)


def predict(bench: Bench, model: lm.Model | None, ids: set[str] | None = None) -> dict[str, str]:
    """Kept text per page: the model's decisions on page-like documents, the rules' elsewhere."""
    out = {}
    for pg in bench.pages:
        if ids is not None and pg.id not in ids:
            continue
        keep = pg.rule_keep.copy()
        if model is not None and pg.x is not None:
            if pg.p is None or pg.p[0] is not model:
                pg.p = (model, model.proba(pg.x))
            said = pg.p[1] >= model.threshold
            if SCOPE == "rescue":
                cut = pg.x[:, _REGION_CUTS].sum(axis=1) > 0.5
                said = np.where(cut, said, keep[pg.at])
            keep[pg.at] = said
        out[pg.id] = "\n".join(t for t, k in zip(pg.texts, keep) if k)
    return out


def score(bench: Bench, preds: dict[str, str], full: bool = True) -> dict[str, Any]:
    """The benchmark's own F1 ("f1"): shingles on the article benchmark, snippets on 2026 (with
    `full`, also its shingle F1 and the F1 by page type)."""
    ids = sorted(preds)
    if bench.name == "article":
        truth = {i: bench.gt[i]["main"] for i in ids}
        return prf(preds, truth, ids)
    gt = {i: bench.gt[i]["raw"] for i in ids}
    if not full:
        return web2026.snippet_prf(preds, gt, ids)
    res = web2026.score(preds, gt)
    return {"f1": res["snippet"]["f1"], "snippet": res["snippet"], "shingle": res["shingle"]["f1"],
            "by_type": {t: v["f1"] for t, v in res["by_type"].items()}}


KIND = "trees"  # the command's --kind and --scope (module settings: one evaluation per process)
SCOPE = "all"
_REGION_CUTS = [lm.FEATURES.index(c) for c in ("zone:header", "zone:footer", "zone:inner", "short_run")]


def train(benches: list[Bench], ids: list[set[str] | None], kind: str | None = None) -> lm.Model:
    """A model fitted on the given pages; its threshold the best of their own scores."""
    rows = [pg for b, keep in zip(benches, ids) for pg in b.pages
            if pg.x is not None and (keep is None or pg.id in keep)]
    x, y = np.vstack([p.x for p in rows]), np.concatenate([p.y for p in rows])  # type: ignore[misc]
    w = np.concatenate([p.w for p in rows])  # type: ignore[misc]
    model: lm.Model = trees.fit(x, y, w) if (kind or KIND) == "trees" else fit(x, y, w)
    probs = model.proba(x)
    best = (-1.0, 0.5)
    for t in np.round(np.arange(0.30, 0.701, 0.05), 2):
        m = model.with_threshold(float(t))
        at = 0
        for p in rows:
            p.p = (m, probs[at:at + len(p.at)])
            at += len(p.at)
        f = float(np.mean([score(b, predict(b, m, keep), full=False)["f1"] for b, keep in zip(benches, ids)]))
        best = max(best, (f, float(t)))
    return model.with_threshold(best[1])


def folds(bench: Bench, k: int = 5) -> list[set[str]]:
    """Page ids in k folds by a hash of the site: no site is in two folds."""
    out: list[set[str]] = [set() for _ in range(k)]
    for pg in bench.pages:
        out[int(hashlib.md5(pg.host.encode()).hexdigest(), 16) % k].add(pg.id)
    return out


def in_set(bench: Bench) -> dict[str, Any]:
    preds: dict[str, str] = {}
    for fold in folds(bench):
        rest = {pg.id for pg in bench.pages} - fold
        preds.update(predict(bench, train([bench], [rest]), fold))
    return score(bench, preds)


def in_union(benches: list[Bench]) -> list[dict[str, Any]]:
    """Both benchmarks pooled, 5 folds grouped by site: each fold of each benchmark scored by a
    model trained on the other folds of both (what a model shipped trained on both does on a
    site it never saw)."""
    preds: list[dict[str, str]] = [{} for _ in benches]
    parts = [folds(b) for b in benches]
    for k in range(5):
        rest = [{pg.id for pg in b.pages} - f[k] for b, f in zip(benches, parts)]
        m = train(benches, rest)  # type: ignore[arg-type]
        for out, b, f in zip(preds, benches, parts):
            out.update(predict(b, m, f[k]))
    return [score(b, p) for b, p in zip(benches, preds)]


def load_benches(root: Path, cfg: CleanConfig, text_cache: str | None = None) -> list[Bench]:
    b = root / "article-extraction-benchmark"
    gt = json.loads((b / "ground-truth.json").read_text(encoding="utf-8"))
    full = json.loads((b / "output" / "html-text.json").read_text(encoding="utf-8"))["output"]
    art = {i: {"main": v["articleBody"], "host": host(v.get("url")) or i, "kind": "article"}
           for i, v in gt.items()}
    a = prepare("article", {i: full[i]["articleBody"] for i in art}, art, cfg)
    gt2, raw = web2026.load(root)
    if text_cache and Path(text_cache).is_file():
        text = json.loads(Path(text_cache).read_text(encoding="utf-8"))
    else:
        text = web2026.full_page_text(raw)
    w = {i: {"main": v.get("main_content") or "", "with": v.get("with") or [],
             "without": v.get("without") or [], "host": host(v.get("url")) or i,
             "kind": v.get("page_type") or "unknown", "raw": v} for i, v in gt2.items()}
    return [a, prepare("web2026", text, w, cfg)]


def evaluate(root: Path, text_cache: str | None = None) -> tuple[dict[str, Any], lm.LineModel]:
    cfg = CleanConfig()
    a, w = load_benches(root, cfg, text_cache)
    res: dict[str, Any] = {}
    for b in (a, w):
        n = sum(pg.x is not None for pg in b.pages)
        res[b.name] = {"pages": len(b.pages), "page_like": n,
                       "lines_decided": int(sum(len(pg.at) for pg in b.pages)),
                       "rules": score(b, predict(b, None)), "in_set": in_set(b)}
    for src, dst in ((a, w), (w, a)):
        m = train([src], [None])
        res[dst.name][f"cross_from_{src.name}"] = {**score(dst, predict(dst, m)), "threshold": m.threshold}
    for b, r in zip((a, w), in_union([a, w])):
        res[b.name]["in_union"] = r
    both = train([a, w], [None, None])
    for b in (a, w):
        res[b.name]["both_in_sample"] = score(b, predict(b, both))
    res["model_threshold"] = both.threshold
    return res, both


def render(res: dict[str, Any]) -> str:
    out = ["Learned line classifier on full-page text (page-like documents; rules elsewhere)"]
    for name in ("article", "web2026"):
        r = res[name]
        out.append(f"  {name}: {r['pages']} pages, {r['page_like']} page-like, "
                   f"{r['lines_decided']} lines decided by the model")
        for key in ("rules", "in_set", "in_union", "cross_from_web2026", "cross_from_article",
                    "both_in_sample"):
            if key not in r:
                continue
            s = r[key]
            extra = ""
            if name == "web2026":
                extra = f"  shingle {s['shingle']:.3f}  " + " ".join(
                    f"{t[:7]} {v:.3f}" for t, v in s["by_type"].items())
            thr = f" (t {s['threshold']})" if "threshold" in s else ""
            out.append(f"    {key:<20} F1 {s['f1']:.4f}{thr}{extra}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    global KIND, SCOPE
    ap = argparse.ArgumentParser(prog="python -m pipeline.eval.boilerplate_learn", description=__doc__)
    ap.add_argument("--json", help="also write the figures to this JSON file")
    ap.add_argument("--write-model", metavar="PATH",
                    help="write the model fitted on both benchmarks to this JSON file")
    ap.add_argument("--kind", choices=("trees", "logistic"), default=KIND)
    ap.add_argument("--scope", choices=("all", "rescue"), default=SCOPE,
                    help="all: the model decides every line of a page; rescue: only the lines "
                    "the region cut (zone:*, short_run), every other verdict stands")
    ap.add_argument("--text-cache", help="a JSON of the 2026 set's full-page text (id -> text), "
                    "to skip html-text between runs")
    args = ap.parse_args(argv)
    root = corpora_dir()
    if not (root / web2026.NAME / "ground-truth.json").is_file():
        print(f"skipped: corpora not found under {root}")
        return 0
    KIND, SCOPE = args.kind, args.scope
    res, model = evaluate(root, args.text_cache)
    res["kind"], res["scope"] = KIND, SCOPE
    if args.write_model:
        Path(args.write_model).write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
    return publish(res, render(res), args.json)


if __name__ == "__main__":
    sys.exit(main())
