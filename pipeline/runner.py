"""The stage order, in one place, and the bookkeeping around each stage."""

from __future__ import annotations

import json
import resource
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import annotate, clean, dedup, ingest, outdir, runkey, write
from .cache import CACHE_DIR
from .card import dataset_card
from .report import render_report
from .config import Config, dump_yaml
from .executors import make_executor
from .model import KEPT, Document, RunContext

STAGES = ("ingest", "clean", "dedup", "annotate", "write")


class NothingToRead(Exception):
    """No document could be read from the raw folder."""


@contextmanager
def _progress(ctx: RunContext, stage: str, total: int | None):
    """A tqdm bar for one stage (documents/s), when progress is on; stages tick it where they
    loop over documents, and it is completed when the stage ends."""
    if not ctx.progress:
        yield
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=f"{stage:9s}", unit="doc", dynamic_ncols=True, leave=False) as bar:
        ctx.bar = bar
        try:
            yield
        finally:
            if total is not None and bar.n < total:
                bar.update(total - bar.n)
            ctx.bar = None


def _peak_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is in KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _tally(docs: list[Document]) -> tuple[int, int, Counter[str]]:
    """(documents with kept text, kept paragraphs, removals by "status:reason"): one pass, taken
    at each stage boundary (the after-tally of one stage is the before-tally of the next)."""
    n_docs = n_pars = 0
    removed: Counter[str] = Counter()
    for d in docs:
        k = 0
        for p in d.paragraphs:
            if p.status == KEPT:
                k += 1
            else:
                removed[f"{p.status}:{p.reason}"] += 1
        n_pars += k
        n_docs += k > 0
    return n_docs, n_pars, removed


def run(cfg: Config, raw: Path, out: Path, progress: bool = False, force: bool = False) -> dict[str, Any]:
    """Run every stage on `raw` and swap the result into `out`; returns the stats.

    When `out` was made from the same inputs, configuration and code, nothing is redone (unless
    `force`): the stats of that run are returned with "up_to_date": true.
    """
    if not raw.is_dir():
        raise NothingToRead(f"raw folder {raw} does not exist")
    outdir.recover(out)
    key = runkey.run_key(cfg, raw)
    if not force and runkey.up_to_date(out, key):
        return {**json.loads((out / "stats.json").read_text()), "up_to_date": True}
    with make_executor(cfg.run.executor, cfg.run.workers, cfg.run.address) as executor:
        ctx = RunContext(workers=executor.workers, executor=executor, progress=progress,
                         cache_dir=out / CACHE_DIR if cfg.run.cache else None)
        return _run_stages(cfg, raw, out, key, ctx)


def _run_stages(cfg: Config, raw: Path, out: Path, key: str, ctx: RunContext) -> dict[str, Any]:
    stats: dict[str, Any] = {"stages": {}}
    started = time.perf_counter()

    t = time.perf_counter()
    with _progress(ctx, "ingest", None):
        docs = ingest.run(raw, cfg.ingest, ctx)
    n_docs, n_pars, removals = _tally(docs)
    stats["stages"]["ingest"] = {
        "documents_in": None, "documents_out": len(docs),
        "paragraphs_in": None, "paragraphs_out": n_pars,
        **ctx.stage_stats.get("ingest", {}),
        "quarantined": dict(sorted(Counter(q.reason.split(":")[0] for q in ctx.quarantine).items())),
        "wall_seconds": round(time.perf_counter() - t, 3),
        "peak_rss_mb": _peak_mb(),
    }
    if not docs:
        raise NothingToRead(
            f"no document could be read from {raw} ({len(ctx.quarantine)} inputs quarantined)"
        )

    early = None
    for name, stage, section in (
        ("clean", clean.run, cfg.clean),
        ("dedup", dedup.run, cfg.dedup),
        ("annotate", annotate.run, cfg.annotate),
    ):
        t = time.perf_counter()
        before_docs, before_pars, before = n_docs, n_pars, removals
        if name == "dedup":
            # Language identification starts on the cleaned text beside dedup; annotate reuses
            # each answer whose text dedup left unchanged.
            early = annotate.prefetch(docs, cfg.annotate, ctx)
        with _progress(ctx, name, len(docs)):
            docs = stage(docs, section, ctx, **({"early": early} if name == "annotate" else {}))
        n_docs, n_pars, removals = _tally(docs)
        removed = removals - before
        stats["stages"][name] = {
            "documents_in": before_docs, "documents_out": n_docs,
            "documents_dropped": {"no_text_left": before_docs - n_docs},
            "paragraphs_in": before_pars, "paragraphs_out": n_pars,
            "removed": dict(sorted(removed.items())),
            **ctx.stage_stats.get(name, {}),
            "wall_seconds": round(time.perf_counter() - t, 3),
            "peak_rss_mb": _peak_mb(),
        }

    t = time.perf_counter()
    staging = outdir.new_staging(out)
    with _progress(ctx, "write", len(docs)):
        written = write.run(docs, cfg.write, ctx, staging)
    stats["stages"]["write"] = {
        # Documents left without text were counted as dropped by the stage that emptied them.
        "documents_in": n_docs, "documents_out": written["documents_written"],
        "documents_dropped": {"no_text_left": max(0, n_docs - written["documents_written"])},
        "paragraphs_in": n_pars, "paragraphs_out": n_pars,
        "ledger_rows": written["paragraphs_written"],
        "files": written["files"],
        "wall_seconds": round(time.perf_counter() - t, 3),
        "peak_rss_mb": _peak_mb(),
    }
    stats["totals"] = totals(len(docs), n_pars, removals, len(ctx.quarantine))
    stats["wall_seconds"] = round(time.perf_counter() - started, 3)
    (staging / "config.yaml").write_text(dump_yaml(cfg), encoding="utf-8")
    (staging / runkey.KEY_FILE).write_text(key + "\n")
    (staging / "hf" / "documents" / "README.md").write_text(
        dataset_card(cfg, stats, docs), encoding="utf-8"
    )
    # stats.json holds timings, so it is the one output that differs between identical runs.
    (staging / "stats.json").write_text(json.dumps(stats, indent=2, sort_keys=False) + "\n")
    (staging / "report.html").write_text(render_report(staging), encoding="utf-8")
    outdir.commit(staging, out)
    return stats


def totals(n_docs: int, n_kept: int, removals: Counter[str], n_quarantined: int) -> dict[str, Any]:
    """Whole-run counts from the last tally (statuses never contain ":")."""
    status: Counter[str] = Counter({KEPT: n_kept} if n_kept else {})
    for key, n in removals.items():
        status[key.split(":", 1)[0]] += n
    return {
        "documents_ingested": n_docs,
        "paragraphs_ingested": sum(status.values()),
        "paragraphs_by_status": dict(sorted(status.items())),
        "inputs_quarantined": n_quarantined,
    }
