"""Stage 4, annotate: language (langdetect, seeded), counts and a content hash per document.

Annotations describe the document as it will be written: its title and kept paragraphs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal
from pathlib import Path

import xxhash

from ..runtime import cache, store
from ..core.schema import document_rows, document_text, paragraph_rows
from ..core.model import BOILERPLATE, DUPLICATE, KEPT, Document, RunContext
from .base import Handoff, PartsJob, RowFiles

@dataclass(frozen=True)
class AnnotateConfig:
    language: bool = True
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


def _sample(title: str | None, text: str) -> str:
    # The title is part of what a reader sees, and helps short documents.
    return f"{title}\n{text}" if title else text


def counts(doc: Document, text: str) -> dict[str, int | str]:
    return {
        "n_chars": len(text),
        "n_words": len(text.split()),
        "n_paragraphs": doc.count(KEPT),
        "n_boilerplate_removed": doc.count(BOILERPLATE),
        "n_duplicates_removed": doc.count(DUPLICATE),
        "content_hash": xxhash.xxh3_64_hexdigest(text.encode("utf-8")),
    }


NAME = "annotate"
_KNOWN: dict[str, tuple[float, dict]] = {}


def _known(cache_dir: str | None) -> dict[int, tuple[str | None, float | None]]:
    """The cached language answers, read once per process (and again if the file changed)."""
    if cache_dir is None:
        return {}
    path = Path(cache_dir) / "language.arrow"
    stamp = path.stat().st_mtime if path.exists() else 0.0
    hit = _KNOWN.get(cache_dir)
    if hit is None or hit[0] != stamp:
        hit = _KNOWN[cache_dir] = (stamp, cache.load_languages(Path(cache_dir)))
    return hit[1]


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


def _languages(samples: list[str], cfg: AnnotateConfig) -> list[tuple[str | None, float | None]]:
    from ..langid.detect import detect_languages, detect_languages_langdetect

    detect = detect_languages if cfg.language_backend == "fast" else detect_languages_langdetect
    return detect(samples, seed=cfg.langdetect_seed, max_chars=cfg.language_max_chars)


def _annotate_job(job: AnnotateJob) -> Annotated:
    """Annotate the job's documents (their dedup decisions applied as they are read), and write
    their output rows."""
    cfg = job.cfg
    docs = list(job.source.documents())
    samples = []
    for doc in docs:
        text = document_text(doc)
        doc.annotations.update(counts(doc, text))
        samples.append(_sample(doc.title, text))
    answers: dict[int, tuple[str | None, float | None]] = {}
    detected = reused = 0
    if cfg.language:
        known = _known(job.cache_dir)
        keys = [cache.language_key(t, cfg.langdetect_seed, cfg.language_max_chars) for t in samples]
        got = [known.get(k) for k in keys]
        reused = sum(a is not None for a in got)
        todo = [i for i, a in enumerate(got) if a is None]
        for i, answer in zip(todo, _languages([samples[i] for i in todo], cfg)):
            got[i] = answer
        detected = len(todo)
        for doc, key, (lang, score) in zip(docs, keys, got):
            doc.annotations["language"], doc.annotations["language_score"] = lang, score
            answers[key] = (lang, score)
    del samples
    doc_rows, par_rows = document_rows(docs), paragraph_rows(docs)
    paths = f"{job.dest}.documents.arrow", f"{job.dest}.paragraphs.arrow"
    store.write_atomic(doc_rows.schema, doc_rows.to_batches(), Path(paths[0]))
    store.write_atomic(par_rows.schema, par_rows.to_batches(), Path(paths[1]))
    with_text = [d for d in docs if d.annotations["n_paragraphs"]]
    languages = Counter(d.annotations.get("language") for d in with_text)
    rows = RowFiles(*paths, doc_rows.num_rows, par_rows.num_rows, len(docs) - len(with_text))
    return Annotated(rows, languages, answers, detected, reused)


def run(handoff: Handoff, cfg: AnnotateConfig, ctx: RunContext) -> Handoff:
    """Every job annotated (on the executor), in job order, into output rows; the language
    answers are added to the cache."""
    cache_dir = str(ctx.cache_dir) if ctx.cache_dir is not None else None
    jobs = handoff.jobs()
    done: list[Annotated] = []
    for result in ctx.map(_annotate_job, [
            AnnotateJob(job, cfg, cache_dir, str(ctx.spill / "annotated" / f"{i:06d}"))
            for i, job in enumerate(jobs)]):
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
