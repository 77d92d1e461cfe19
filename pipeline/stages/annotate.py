"""Stage 4, annotate: language (langdetect, seeded), counts and a content hash per document.

Annotations describe the document as it will be written: its title and kept paragraphs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import xxhash

from ..runtime import cache, store
from ..core.model import BOILERPLATE, DUPLICATE, KEPT, Document, RunContext

PARAGRAPH_SEP = "\n\n"


@dataclass(frozen=True)
class AnnotateConfig:
    language: bool = True
    # langdetect samples character n-grams at random; a fixed seed makes its answer repeatable.
    langdetect_seed: int = 0
    # langdetect's max_text_length: it reads at most this many characters of a text (after
    # removing URLs and e-mail addresses); 10,000 is its own default, i.e. the whole-text answer.
    language_max_chars: int = 10_000

    def __post_init__(self) -> None:
        if self.language_max_chars < 20:
            raise ValueError("language_max_chars: must be at least 20")


def document_text(doc: Document) -> str:
    return PARAGRAPH_SEP.join(doc.kept_texts())


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

    documents: str  # IPC file of the job's rows of the documents table
    paragraphs: str  # ... and of the ledger
    n_documents: int
    n_paragraphs: int
    languages: Counter  # of the documents written (the dataset card)
    answers: dict[int, tuple[str | None, float | None]]  # language cache key -> answer
    detected: int
    reused: int


def _annotate_job(job) -> Annotated:
    """Apply the job's dedup decisions, annotate its documents, and write their output rows."""
    parts, decisions, cfg, write_cfg, cache_dir, dest = job
    from ..langid.detect import detect_languages
    from .write import document_rows, paragraph_rows

    docs = list(store.read_parts(parts))
    decisions.apply(docs)
    samples = []
    for doc in docs:
        text = document_text(doc)
        doc.annotations.update(counts(doc, text))
        samples.append(_sample(doc.title, text))
    answers: dict[int, tuple[str | None, float | None]] = {}
    detected = reused = 0
    if cfg.language:
        known = _known(cache_dir)
        keys = [cache.language_key(t, cfg.langdetect_seed, cfg.language_max_chars) for t in samples]
        got = [known.get(k) for k in keys]
        reused = sum(a is not None for a in got)
        todo = [i for i, a in enumerate(got) if a is None]
        found = detect_languages([samples[i] for i in todo], seed=cfg.langdetect_seed,
                                 max_chars=cfg.language_max_chars)
        for i, answer in zip(todo, found):
            got[i] = answer
        detected = len(todo)
        for doc, key, (lang, score) in zip(docs, keys, got):
            doc.annotations["language"], doc.annotations["language_score"] = lang, score
            answers[key] = (lang, score)
    del samples
    out = [d for d in docs if not (write_cfg.drop_empty_documents and d.annotations["n_paragraphs"] == 0)]
    doc_rows, par_rows = document_rows(out), paragraph_rows(docs)
    store.write_atomic(doc_rows.schema, doc_rows.to_batches(), Path(f"{dest}.documents.arrow"))
    store.write_atomic(par_rows.schema, par_rows.to_batches(), Path(f"{dest}.paragraphs.arrow"))
    languages = Counter(d.annotations.get("language") for d in out if d.annotations.get("n_paragraphs"))
    return Annotated(f"{dest}.documents.arrow", f"{dest}.paragraphs.arrow", doc_rows.num_rows,
                     par_rows.num_rows, languages, answers, detected, reused)


def run(jobs: list[list[store.Part]], decisions: list, cfg: AnnotateConfig, write_cfg,
        ctx: RunContext, spill: Path) -> list[Annotated]:
    """Every job annotated (on the executor), in job order; the language answers are added
    to the cache."""
    cache_dir = str(ctx.cache_dir) if ctx.cache_dir is not None else None
    done = []
    for result in ctx.map(_annotate_job, [
            (job, dec, cfg, write_cfg, cache_dir, str(spill / "annotated" / f"{i:06d}"))
            for i, (job, dec) in enumerate(zip(jobs, decisions))]):
        done.append(result)
        ctx.tick(sum(p.n_docs for p in jobs[len(done) - 1]))
    if cfg.language:
        if ctx.cache_dir is not None:
            known: dict = {}
            for r in done:
                known.update(r.answers)
            cache.save_languages(ctx.cache_dir, known)
        ctx.stage_stats["annotate"] = {"language_reused": sum(r.reused for r in done),
                                       "language_detected": sum(r.detected for r in done)}
    for r in done:
        r.answers = {}
    return done
