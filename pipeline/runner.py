"""The stage order, in one place, and the bookkeeping around each stage."""

from __future__ import annotations

import json
import resource
import shutil
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from .stages import annotate, clean, dedup, ingest, write
from .runtime import killpoint, outdir, runkey, store
from .runtime.cache import CACHE_DIR
from .report.card import dataset_card
from .report.render import render_report
from .core.config import Config, dump_yaml
from .runtime.executors import make_executor
from .core.model import KEPT, RunContext, Tally

STAGES = ("ingest", "clean", "dedup", "annotate", "write")
SPILL_DIR = ".spill"


class NothingToRead(Exception):
    """No document could be read from the raw folder."""


@contextmanager
def _progress(ctx: RunContext, stage: str, total: int | None):
    """A tqdm bar for one stage (documents/s), when progress is on; stages tick it where they
    loop over documents, and it is completed when the stage ends. The stage's name is also its
    point for the test-only kill hook (`killpoint`), reached when its work is done."""
    if not ctx.progress:
        yield
        killpoint.reach(stage)
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
    killpoint.reach(stage)


def _peak_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is in KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


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
    # Arrow's default pool (mimalloc) keeps freed pages for reuse: a run's batches come and
    # go, so it would hold ~100 MB more at the end than the system allocator, which returns
    # them. Set before the pool's workers are forked, so they inherit it.
    pa.set_memory_pool(pa.system_memory_pool())
    with make_executor(cfg.run.executor, cfg.run.workers, cfg.run.address) as executor:
        ctx = RunContext(workers=executor.workers, executor=executor, progress=progress,
                         cache_dir=out / CACHE_DIR if cfg.run.cache else None)
        return _run_stages(cfg, raw, out, key, ctx)


def _run_stages(cfg: Config, raw: Path, out: Path, key: str, ctx: RunContext) -> dict[str, Any]:
    staging = outdir.new_staging(out)
    # Documents between stages (`store` parts), fingerprints and output rows: on disk, in the
    # staging folder, removed before the output is swapped in (or by the next run's recovery).
    spill = staging / SPILL_DIR
    try:
        stats, languages = _stages(cfg, raw, staging, ctx)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    (staging / "config.yaml").write_text(dump_yaml(cfg), encoding="utf-8")
    (staging / runkey.KEY_FILE).write_text(key + "\n")
    (staging / "hf" / "documents" / "README.md").write_text(
        dataset_card(cfg, stats, languages), encoding="utf-8"
    )
    # stats.json holds timings, so it is the one output that differs between identical runs.
    (staging / "stats.json").write_text(json.dumps(stats, indent=2, sort_keys=False) + "\n")
    (staging / "report.html").write_text(render_report(staging), encoding="utf-8")
    outdir.commit(staging, out)
    return stats


def _stages(cfg: Config, raw: Path, staging: Path, ctx: RunContext) -> tuple[dict[str, Any], Counter]:
    """The five stages, in order; each hands the next its parts on disk and its tally."""
    spill = staging / SPILL_DIR
    stats: dict[str, Any] = {"stages": {}}
    started = time.perf_counter()

    t = time.perf_counter()
    with _progress(ctx, "ingest", None):
        items, n_ingested, tally = ingest.run(raw, cfg.ingest, ctx, spill)
    stats["stages"]["ingest"] = {
        "documents_in": None, "documents_out": n_ingested,
        "paragraphs_in": None, "paragraphs_out": tally.paragraphs,
        **ctx.stage_stats.get("ingest", {}),
        "quarantined": dict(sorted(Counter(q.reason.split(":")[0] for q in ctx.quarantine).items())),
        "wall_seconds": round(time.perf_counter() - t, 3),
        "peak_rss_mb": _peak_mb(),
    }
    if not n_ingested:
        raise NothingToRead(
            f"no document could be read from {raw} ({len(ctx.quarantine)} inputs quarantined)"
        )

    def stage(name: str, before: Tally, after: Tally, t: float) -> None:
        stats["stages"][name] = {
            "documents_in": before.documents, "documents_out": after.documents,
            "documents_dropped": {"no_text_left": before.documents - after.documents},
            "paragraphs_in": before.paragraphs, "paragraphs_out": after.paragraphs,
            "removed": dict(sorted((after.removed - before.removed).items())),
            **ctx.stage_stats.get(name, {}),
            "wall_seconds": round(time.perf_counter() - t, 3),
            "peak_rss_mb": _peak_mb(),
        }

    t = time.perf_counter()
    with _progress(ctx, "clean", n_ingested):
        parts, cleaned = clean.run(items, cfg.clean, ctx, spill)
    stage("clean", tally, cleaned, t)
    jobs = store.jobs_of(parts)

    t = time.perf_counter()
    with _progress(ctx, "dedup", n_ingested):
        decisions, deduped = dedup.run(jobs, cfg.dedup, ctx, spill, cleaned)
    stage("dedup", cleaned, deduped, t)

    t = time.perf_counter()
    with _progress(ctx, "annotate", n_ingested):
        annotated = annotate.run(jobs, decisions, cfg.annotate, cfg.write, ctx, spill)
    stage("annotate", deduped, deduped, t)

    t = time.perf_counter()
    with _progress(ctx, "write", None):
        written = write.run(annotated, cfg.write, ctx, staging)
    n_docs, n_pars = deduped.documents, deduped.paragraphs
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
    stats["totals"] = totals(n_ingested, n_pars, deduped.removed, len(ctx.quarantine))
    stats["wall_seconds"] = round(time.perf_counter() - started, 3)
    languages: Counter = Counter()
    for a in annotated:
        languages.update(a.languages)
    return stats, languages


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
