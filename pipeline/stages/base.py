"""What every stage is: a module with a `NAME`, a config section and one function,

    run(handoff: Handoff, cfg: <its section>, ctx: RunContext) -> Handoff

The runner (`pipeline/runner.py`) loops over its `STAGES` and does the bookkeeping around each
call (timing, peak memory, progress bar, stats). A stage reads the documents its predecessor left
on disk, decides, and hands on new parts, or the same parts with a pending `Patch` per part: a
decision taken on the driver (an inherited source, a duplicate removal) is applied where the
documents are next read, in a worker, instead of rewriting every part. Adding a stage means
writing one module with this shape and naming it in `STAGES`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..core.model import Document, RunContext, Tally
from ..runtime import store
from ..runtime.store import Part


class Patch(Protocol):
    """A decision about the documents of one part, taken after it was written."""

    def apply(self, docs: list[Document]) -> list[Document]:
        """The part's documents as the rest of the run sees them (changed in place, or fewer)."""
        ...  # pragma: no cover - a protocol


@dataclass(frozen=True)
class PartsJob:
    """Consecutive parts, each with its pending patch: the unit of work a worker reads."""

    parts: tuple[Part, ...]
    patches: tuple[Patch | None, ...]

    @property
    def n_docs(self) -> int:
        return sum(p.n_docs for p in self.parts)

    def documents(self) -> Iterator[Document]:
        """The job's documents, patched, in order."""
        for part, patch in zip(self.parts, self.patches):
            docs = store.read_part(part)
            yield from (patch.apply(docs) if patch is not None else docs)


@dataclass(frozen=True)
class RowFiles:
    """One job's rows of the two output tables, as IPC files (annotate -> write)."""

    documents: str
    paragraphs: str
    n_documents: int
    n_paragraphs: int
    # Documents of `documents` left without a kept paragraph (dropped by write, if so set).
    n_empty: int


@dataclass
class Handoff:
    """What one stage hands the next.

    `parts` hold the documents on disk in input order, `patches` one pending decision (or None)
    per part. `tally` counts documents with text, kept paragraphs and removals so far;
    `n_documents` every document the run read. `rows` and `languages` are the annotated output
    (for the write stage and the dataset card). `stats` is the figures of the stage that made
    this handoff, merged into its entry of stats.json by the runner.
    """

    parts: list[Part] = field(default_factory=list)
    patches: list[Patch | None] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    n_documents: int = 0
    rows: list[RowFiles] = field(default_factory=list)
    languages: Counter = field(default_factory=Counter)
    stats: dict[str, Any] = field(default_factory=dict)

    def jobs(self, docs_per_job: int | None = None) -> list[PartsJob]:
        """The parts grouped into jobs of at least `docs_per_job` documents (`store.jobs_of`):
        the same groups for any worker count."""
        patches = self.patches or [None] * len(self.parts)
        pairs = store.jobs_of(list(zip(self.parts, patches)), docs_per_job)
        return [PartsJob(tuple(p for p, _ in job), tuple(x for _, x in job)) for job in pairs]

    def next(self, *, parts: Sequence[Part] | None = None,
             patches: Sequence[Patch | None] | None = None, **changes: Any) -> Handoff:
        """A handoff for the next stage: this one with `changes`. New parts come with no
        pending patches unless given; `stats` starts empty unless given."""
        new_parts = list(self.parts if parts is None else parts)
        if patches is None:
            patches = self.patches if parts is None else [None] * len(new_parts)
        values = {"tally": self.tally, "n_documents": self.n_documents, "rows": self.rows,
                  "languages": self.languages, "stats": {}, **changes}
        return Handoff(parts=new_parts, patches=list(patches), **values)


def last_reads(jobs: Sequence[PartsJob], spill: Path) -> list[list[str]]:
    """Per job, the files of `spill` whose parts no later job reads (in order of the jobs).
    Files outside the spill (the ingest cache's parts) are kept for the next run."""
    last: dict[str, int] = {}
    for i, job in enumerate(jobs):
        for part in job.parts:
            last[part.path] = i
    gone: list[list[str]] = [[] for _ in jobs]
    for path, i in last.items():
        if Path(path).is_relative_to(spill):
            gone[i].append(path)
    return gone


def map_last_reader(ctx: RunContext, fn: Callable[[Any], Any], items: Sequence[Any],
                    jobs: Sequence[PartsJob]) -> Iterator[Any]:
    """`fn` over `items` (item i reads `jobs[i]`) on the run's executor, results in order, for
    a stage that is the last reader of its input parts: each spilled part file is deleted as
    soon as the last job that reads it is done (results come in order, so every job before it
    is done too). The stage's input and output are then not both whole on disk at its end."""
    gone = last_reads(jobs, Path(ctx.spill))
    for i, result in enumerate(ctx.imap(fn, items)):
        for path in gone[i]:
            Path(path).unlink(missing_ok=True)
        yield result
