"""Stage 4, annotate: counts and a content hash per document, and the columns of the chosen
annotators (`pipeline/annotators`: language, quality signals, personal data).

Annotations describe the document as it will be written: its title and kept paragraphs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal
from pathlib import Path

import xxhash

from .. import annotators as registry
from ..runtime import cache, heap, store
from ..core.schema import document_rows, document_schema, document_text, paragraph_rows
from ..core.model import BOILERPLATE, DUPLICATE, KEPT, Document, RunContext
from .base import Handoff, PartsJob, RowFiles, map_last_reader

@dataclass(frozen=True)
class AnnotateConfig:
    # Which annotators compute columns (pipeline/annotators); their columns follow the fixed
    # ones in the registry's order: language, gopher, c4, fineweb, repetition, pii.
    annotators: tuple[str, ...] = registry.DEFAULT
    # Personal data: "count" (the pii columns only) or "mask": e-mail addresses, phone numbers
    # and IP addresses replaced by <EMAIL>, <PHONE>, <IP> as documents are read (the ingest
    # stage does it), so that they reach no output, ledger, report or cache.
    pii: Literal["count", "mask"] = "count"
    # langdetect samples character n-grams at random; a fixed seed makes its answer repeatable.
    langdetect_seed: int = 0
    # langdetect's max_text_length: it reads at most this many characters of a text (after
    # removing URLs and e-mail addresses); 10,000 is its own default, i.e. the whole-text answer.
    language_max_chars: int = 10_000
    # "fast": langdetect's answer replayed with numpy (pipeline/langid, tested equal to it);
    # "langdetect": langdetect itself, one text at a time (about 20 ms per article).
    language_backend: Literal["fast", "langdetect"] = "fast"

    def __post_init__(self) -> None:
        if self.language_max_chars < 20:
            raise ValueError("language_max_chars: must be at least 20")
        registry.check_names(self.annotators)

    @property
    def language(self) -> bool:
        return "language" in self.annotators


def counts(doc: Document, text: str, utf8: bytes | memoryview | None = None) -> dict[str, int | str]:
    """The document's counts and content hash; `utf8`: the text's UTF-8 bytes, when at hand."""
    status = Counter(p.status for p in doc.paragraphs)
    return {
        "n_chars": len(text),
        "n_words": len(text.split()),
        "n_paragraphs": status[KEPT],
        "n_boilerplate_removed": status[BOILERPLATE],
        "n_duplicates_removed": status[DUPLICATE],
        "content_hash": xxhash.xxh3_64_hexdigest(text.encode("utf-8") if utf8 is None else utf8),
    }


NAME = "annotate"


@dataclass
class Annotated:
    """One job's result: its output rows' files, and what the driver adds up."""

    rows: RowFiles
    languages: Counter  # of the documents with text (the dataset card)
    answers: dict[int, tuple[str | None, float | None]]  # language cache key -> answer
    detected: int
    reused: int


@dataclass(frozen=True)
class AnnotateJob:
    source: PartsJob
    cfg: AnnotateConfig
    cache_dir: str | None
    dest: str


def annotate(docs: list[Document], cfg: AnnotateConfig, cache_dir: str | None) -> dict[str, Any]:
    """Set every document's counts and annotator columns; returns the annotators' notes."""
    texts = [document_text(d) for d in docs]
    batch = registry.Batch(texts, [d.title for d in docs], options={
        "langdetect_seed": cfg.langdetect_seed, "language_max_chars": cfg.language_max_chars,
        "language_backend": cfg.language_backend, "cache_dir": cache_dir, "pii": cfg.pii})
    for annotator in registry.selected(cfg.annotators):
        for name, values in annotator(batch).items():
            for doc, value in zip(docs, values):
                doc.annotations[name] = value
    # The texts' UTF-8 is in the batch's Arrow array when an annotator made it (pii does).
    for doc, text, utf8 in zip(docs, texts, batch.utf8_if_made()):
        doc.annotations.update(counts(doc, text, utf8))
    return batch.notes


def _annotate_job(job: AnnotateJob) -> Annotated:
    """Annotate the job's documents (their dedup decisions applied as they are read), and write
    their output rows."""
    with heap.reuse_large_blocks():
        return _annotate_parts(job)


def _annotate_parts(job: AnnotateJob) -> Annotated:
    cfg = job.cfg
    docs = list(job.source.documents())
    notes = annotate(docs, cfg, job.cache_dir).get("language", {})
    doc_rows = document_rows(docs, document_schema(cfg.annotators))
    par_rows = paragraph_rows(docs)
    paths = f"{job.dest}.documents.arrow", f"{job.dest}.paragraphs.arrow"
    store.write_atomic(doc_rows.schema, doc_rows.to_batches(), Path(paths[0]))
    store.write_atomic(par_rows.schema, par_rows.to_batches(), Path(paths[1]))
    with_text = [d for d in docs if d.annotations["n_paragraphs"]]
    languages = Counter(d.annotations.get("language") for d in with_text)
    rows = RowFiles(*paths, doc_rows.num_rows, par_rows.num_rows, len(docs) - len(with_text))
    return Annotated(rows, languages, notes.get("answers", {}), notes.get("detected", 0),
                     notes.get("reused", 0))


def run(handoff: Handoff, cfg: AnnotateConfig, ctx: RunContext) -> Handoff:
    """Every job annotated (on the executor), in job order, into output rows; the language
    answers are added to the cache."""
    cache_dir = str(ctx.cache_dir) if ctx.cache_dir is not None else None
    jobs = handoff.jobs()
    done: list[Annotated] = []
    # The last reader of the parts: each part file goes as soon as its last job is done.
    for result in map_last_reader(ctx, _annotate_job, [
            AnnotateJob(job, cfg, cache_dir, str(ctx.spill / "annotated" / f"{i:06d}"))
            for i, job in enumerate(jobs)], jobs):
        done.append(result)
        ctx.tick(jobs[len(done) - 1].n_docs)
    stats = {}
    if cfg.language:
        if ctx.cache_dir is not None:
            known: dict = {}
            for r in done:
                known.update(r.answers)
            cache.save_languages(ctx.cache_dir, known)
        stats = {"language_reused": sum(r.reused for r in done),
                 "language_detected": sum(r.detected for r in done)}
    languages: Counter = Counter()
    for r in done:
        languages.update(r.languages)
    # From here on the documents are their output rows: the parts are read no more.
    return handoff.next(parts=[], rows=[r.rows for r in done], languages=languages, stats=stats)
