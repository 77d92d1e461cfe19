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

from .stages import annotate, clean, dedup, filter, ingest, write
from .runtime import cache, faults, heap, killpoint, outdir, runkey
from .runtime.cache import CACHE_DIR
from .report.card import CARD_FILE, dataset_card
from .report.render import render_report
from .core.config import Config, dump_yaml
from .runtime.executors import make_executor
from .core.model import KEPT, NothingToRead, RunContext
from .stages.base import Handoff

# The stage order, in one place: each a module with NAME and run(handoff, cfg, ctx) -> Handoff
# (`stages/base.py`); its configuration is the section of that name.
STAGES = (ingest, clean, dedup, annotate, filter, write)


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


def run(cfg: Config, raw: Path, out: Path, progress: bool = False, force: bool = False,
        space_check: bool = True) -> dict[str, Any]:
    """Run every stage on `raw` and swap the result into `out`; returns the stats.

    When `out` was made from the same inputs, configuration and code, nothing is redone (unless
    `force`): the stats of that run are returned with "up_to_date": true.

    Faults of the machine raise a `faults.Fault` (one line): an output location that cannot be
    written (before any work), too little free space for the estimate of what the run writes
    (`space_check`, before the first stage), a full disk or a killed worker during a stage.
    Whatever fails, the previous output stays as it was, and the staging folder and every
    partial cache entry are removed.
    """
    if not raw.is_dir():
        raise NothingToRead(f"raw folder {raw} does not exist")
    outdir.check_writable(out)
    cache_dir = out / CACHE_DIR if cfg.run.cache else None
    outdir.recover(out)
    cache.drop_partial(cache_dir)
    key = runkey.run_key(cfg, raw)
    if not force and runkey.up_to_date(out, key):
        return {**json.loads((out / "stats.json").read_text()), "up_to_date": True}
    if space_check:
        faults.preflight(raw, out.parent)
    # Arrow's default pool (mimalloc) keeps freed pages for reuse: a run's batches come and
    # go, so it would hold ~100 MB more at the end than the system allocator, which returns
    # them. Set before the pool's workers are forked, so they inherit it.
    pa.set_memory_pool(pa.system_memory_pool())
    heap.map_large_blocks()  # likewise: large blocks go back to the system when freed
    phase = ["setup"]  # what the run is doing, for the message of a fault
    staging = None
    try:
        staging = outdir.new_staging(out)
        with make_executor(cfg.run.executor, cfg.run.workers, cfg.run.address) as executor:
            ctx = RunContext(workers=executor.workers, executor=executor, progress=progress,
                             cache_dir=cache_dir, raw=raw, staging=staging,
                             mask_pii=cfg.annotate.pii == "mask")
            stats, last = run_stages(cfg, ctx, phase)
        shutil.rmtree(ctx.spill, ignore_errors=True)
        phase[0] = "write"
        _finish(cfg, stats, last, key, staging)
        phase[0] = "the swap"
        outdir.commit(staging, out)
    except BaseException as e:
        fault = faults.classify(e, phase[0], [out.parent, out])  # before space is freed
        # The workers have stopped (the executor waited for them): nothing writes any more.
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        cache.drop_partial(cache_dir)
        if fault is not None and fault is not e:
            raise fault from e
        raise
    return stats


def run_stages(cfg: Config, ctx: RunContext, phase: list[str] | None = None) -> tuple[dict[str, Any], Handoff]:
    """Every stage of `STAGES`, in order, each handed what the one before handed on; the
    stats of the run and the last handoff. `phase[0]` is set to the stage that runs."""
    stats: dict[str, Any] = {"stages": {}}
    started = time.perf_counter()
    handoff = Handoff()
    for stage in STAGES:
        t = time.perf_counter()
        if phase is not None:
            phase[0] = stage.NAME
        with _progress(ctx, stage.NAME, handoff.n_documents or None):
            after = stage.run(handoff, getattr(cfg, stage.NAME), ctx)
        stats["stages"][stage.NAME] = {**flow(handoff, after), **after.stats,
                                       "wall_seconds": round(time.perf_counter() - t, 3),
                                       "peak_rss_mb": _peak_mb()}
        # On a cluster: where the stage's tasks ran (a stage that runs on the driver: none).
        nodes = ctx.executor.tasks_by_node() if ctx.executor is not None else {}
        if nodes:
            stats["stages"][stage.NAME]["tasks_by_node"] = nodes
        release(handoff, after, ctx.spill)
        handoff = after
        heap.trim()  # what the stage freed, before the next one
    stats["totals"] = totals(handoff.n_documents, handoff.tally.paragraphs, handoff.tally.removed,
                             len(ctx.quarantine))
    stats["wall_seconds"] = round(time.perf_counter() - started, 3)
    return stats, handoff


def release(before: Handoff, after: Handoff, spill: Path) -> None:
    """Delete the spilled files that no stage will read again: the parts and rows `before`
    held that `after` does not hand on (files of the reuse cache are not in the spill)."""
    keep = {p.path for p in after.parts} | {f for r in after.rows for f in (r.documents, r.paragraphs)}
    gone = ({p.path for p in before.parts}
            | {f for r in before.rows for f in (r.documents, r.paragraphs)}) - keep
    for path in map(Path, sorted(gone)):
        if path.is_relative_to(spill):
            path.unlink(missing_ok=True)


def flow(before: Handoff, after: Handoff) -> dict[str, Any]:
    """What a stage did to the counts: documents with text and kept paragraphs in and out, and
    the paragraphs it removed by status:reason (a stage may restate any of these)."""
    b, a = before.tally, after.tally
    return {
        "documents_in": b.documents, "documents_out": a.documents,
        "documents_dropped": {"no_text_left": b.documents - a.documents},
        "paragraphs_in": b.paragraphs, "paragraphs_out": a.paragraphs,
        "removed": dict(sorted((a.removed - b.removed).items())),
    }


def _finish(cfg: Config, stats: dict[str, Any], last: Handoff, key: str, staging: Path) -> None:
    """The outputs about the run, beside the tables the write stage wrote."""
    (staging / "config.yaml").write_text(dump_yaml(cfg), encoding="utf-8")
    (staging / runkey.KEY_FILE).write_text(key + "\n")
    (staging / CARD_FILE).write_text(dataset_card(cfg, stats, last.languages), encoding="utf-8")
    # stats.json holds timings, so it is the one output that differs between identical runs.
    (staging / "stats.json").write_text(json.dumps(stats, indent=2, sort_keys=False) + "\n")
    (staging / "report.html").write_text(render_report(staging), encoding="utf-8")


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
