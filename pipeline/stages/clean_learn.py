"""The clean stage's learning pass: each source's repeated lines, counted over the whole run.

In the run (`learn_out_of_core`), the jobs hash each (document, short line) and write the
digests by hash range to the staging folder; a task per range counts them (`learn.count_range`)
and returns the lines learned in it. The driver holds the documents per source and the learned
lines, never the digests: its memory does not grow with the corpus here.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..boilerplate import classify as bp, learn
from ..runtime import store
from ..core.model import RunContext
from .base import PartsJob

# `cfg` is the stage's `clean.CleanConfig` (not imported: clean imports this module).
CleanConfig = Any


def learn_texts(docs: Iterable[tuple[str | None, list[str]]], cfg: CleanConfig) -> learn.Found:
    """Per source: its documents and the digests of its (document, distinct short line) pairs
    (`learn.learn_texts`). Which lines may be learned at all is asked only of the few that reach
    the count: `learn.Learned`."""
    return learn.learn_texts(docs, bp.LineTable((), cfg.repeated_max_words).key)


@dataclass(frozen=True)
class LearnJob:
    source: PartsJob
    cfg: CleanConfig
    ranges: int
    dest: str  # where its digests go by range (`learn.spill`)


def _learn_job(job: LearnJob) -> tuple[Counter[str], list[str], list[str]]:
    """`learn_texts` over ingested parts, read as columns (no document objects): the
    ingest patches' skips and inherited sources applied by hand. The digests go to files."""

    def pairs():
        for part, fix in zip(job.source.parts, job.source.patches):
            batch = store.read_batch(part)
            texts = batch.column("texts").to_pylist()
            for i, source in enumerate(batch.column("source").to_pylist()):
                if i not in fix.skip:
                    yield fix.source(source), texts[i]

    return learn.spill(learn_texts(pairs(), job.cfg), job.ranges, job.dest)


@dataclass(frozen=True)
class CountJob:
    files: list[tuple[str, list[str]]]  # one range's file of each job, with the job's sources
    n_source: Counter[str]
    cfg: CleanConfig


def _count_job(job: CountJob) -> dict[str, dict[bytes, int]]:
    cfg = job.cfg
    return learn.count_range(job.files, job.n_source, cfg.repeated_min_docs,
                             cfg.repeated_min_share, cfg.repeated_min_sources)


# Digests counted per range task: bounds a task's memory whatever the corpus size.
_RANGE_PARAGRAPHS = 500_000


def learn_out_of_core(jobs: list[PartsJob], cfg: CleanConfig,
                      ctx: RunContext) -> tuple[Counter[str], dict[str, dict[bytes, int]]]:
    """Documents per source and the learned lines of the jobs' documents (what `learn.count`
    returns), counted range by range in tasks: the driver holds the learned lines only."""
    n_paragraphs = sum(p.n_paragraphs for job in jobs for p in job.parts)
    ranges = max(4, -(-n_paragraphs // _RANGE_PARAGRAPHS))
    dest = ctx.spill / "learn"
    spilled = ctx.map(_learn_job, [LearnJob(job, cfg, ranges, str(dest / f"{i:06d}"))
                                   for i, job in enumerate(jobs)])
    n_source: Counter[str] = Counter()
    for job_docs, _, _ in spilled:
        n_source.update(job_docs)
    learned = learn.merge(ctx.map(_count_job, [
        CountJob([(paths[r], sources) for _, sources, paths in spilled], n_source, cfg)
        for r in range(ranges)]))
    shutil.rmtree(dest, ignore_errors=True)
    return n_source, learned
