"""The data model shared by the stages.

A `Document` holds its metadata and its paragraphs in ingest order. It lives in the hands of one
job at a time: between stages, documents are `store` parts on disk. Every paragraph carries its own
ledger entry: stages never delete a paragraph, they change its `status` and say why in `reason`.
The write stage turns kept paragraphs into the document text and every paragraph into a ledger row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, TypeVar

T = TypeVar("T")

KEPT = "kept"
BOILERPLATE = "boilerplate"
DUPLICATE = "duplicate"
FILTERED = "filtered"  # the document failed a `filter:` rule (pipeline/annotators/filters.py)

SPILL_DIR = ".spill"


@dataclass(slots=True)
class Paragraph:
    text: str
    status: str = KEPT
    reason: str | None = None
    duplicate_of_doc_id: str | None = None
    duplicate_of_index: int | None = None
    similarity: float | None = None
    cluster_id: int | None = None
    covered_by: list[dict] | None = None  # [{doc_id, index}]: the text similarity is against

    @property
    def kept(self) -> bool:
        return self.status == KEPT

    def remove(self, status: str, reason: str) -> None:
        self.status = status
        self.reason = reason


@dataclass(slots=True)
class Document:
    id: str
    paragraphs: list[Paragraph]
    source: str | None = None
    title: str | None = None
    section: str | None = None
    url: str | None = None
    date: str | None = None  # ISO 8601 (YYYY-MM-DD or full timestamp) or None
    path: str | None = None  # input file, relative to the raw folder
    meta: dict[str, Any] = field(default_factory=dict)
    annotations: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_texts(cls, id: str, texts: list[str], **kw: Any) -> Document:
        return cls(id=id, paragraphs=[Paragraph(t) for t in texts], **kw)

    def kept_texts(self) -> list[str]:
        return [p.text for p in self.paragraphs if p.status == KEPT]

    def count(self, status: str) -> int:
        return sum(1 for p in self.paragraphs if p.status == status)


@dataclass
class Tally:
    """Documents with kept text, kept paragraphs, and removals by "status:reason", counted
    where documents pass (a worker) and added up by the runner at each stage boundary."""

    documents: int = 0
    paragraphs: int = 0
    removed: Counter = field(default_factory=Counter)

    def add(self, doc: Document) -> None:
        k = 0
        for p in doc.paragraphs:
            if p.status == KEPT:
                k += 1
            else:
                self.removed[f"{p.status}:{p.reason}"] += 1
        self.paragraphs += k
        self.documents += k > 0

    def merge(self, other: Tally) -> None:
        self.documents += other.documents
        self.paragraphs += other.paragraphs
        self.removed.update(other.removed)


@dataclass(slots=True)
class Quarantine:
    """An input (or part of one) that could not be used, and why."""

    path: str
    reason: str
    line: int | None = None
    offset: int | None = None  # byte offset in the file, where a record is not a line (WARC)

    def as_dict(self) -> dict[str, Any]:
        if self.offset is not None:
            return {"path": self.path, "line": self.line, "offset": self.offset, "reason": self.reason}
        return {"path": self.path, "line": self.line, "reason": self.reason}


class NothingToRead(Exception):
    """No document could be read from the raw folder."""


@dataclass
class RunContext:
    """What a stage may use besides its documents and its own config section."""

    workers: int = 1
    # The input folder, and the folder the output is built in (its `.spill/` holds the parts).
    raw: Any = None
    staging: Any = None
    # Runs the partitionable work of the stages (`executors.Executor`); None: in this process.
    executor: Any = None
    quarantine: list[Quarantine] = field(default_factory=list)
    # Extra outputs a stage hands to the writer (name -> rows), e.g. the learned boilerplate list.
    artifacts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Stage-specific figures merged into stats["stages"][stage] by the runner.
    stage_stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    progress: bool = False
    # Where reusable work is kept between runs (`cache.py`); None: nothing is reused.
    cache_dir: Any = None
    # Personal data masked as documents are read (`annotate.pii: mask`, set by the runner).
    mask_pii: bool = False

    @property
    def spill(self) -> Any:
        """Where stages keep their parts and other intermediate files: removed before the
        output is swapped in (or by the next run's recovery)."""
        return self.staging / SPILL_DIR

    @property
    def distributed(self) -> bool:
        """Whether the executor runs work on other machines (Ray): then data must be shipped,
        locally it can be shared (threads, forked children)."""
        return getattr(self.executor, "name", "local") == "ray"

    def map(self, fn: Any, items: list) -> list:
        """`[fn(item) for item in items]`, on the run's executor when there is one."""
        if self.executor is None:
            return [fn(item) for item in items]
        return self.executor.map(fn, items)

    def imap(self, fn: Any, items: list) -> Iterator:
        """`map(fn, items)`, each result as soon as it and those before it are done."""
        if self.executor is None:
            return (fn(item) for item in items)
        return self.executor.imap(fn, items)

    # The current stage's progress bar (tqdm), set by the runner when progress is on.
    bar: Any = None

    def tick(self, n: int = 1) -> None:
        """A stage reports `n` more documents done (no-op without a bar)."""
        if self.bar is not None:
            self.bar.update(n)

    def track(self, items: Iterable[T], desc: str = "", total: int | None = None,
              unit: str = "doc") -> Iterable[T]:
        """`items`, ticking the stage's bar once per item."""
        if self.bar is None:
            return items
        return self._ticking(items)

    def _ticking(self, items: Iterable[T]) -> Iterable[T]:
        for item in items:
            yield item
            self.bar.update(1)
