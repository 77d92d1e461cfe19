"""Stage 4, annotate: counts and a content hash per document, the chosen annotators' columns
(`pipeline/annotators`: language, quality signals, personal data), and the optional filters.

Annotations describe the document as it will be written: its title and kept paragraphs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import xxhash

from .. import annotators as registry
from ..annotators import filters
from ..runtime import cache, store
from ..core.model import BOILERPLATE, DUPLICATE, FILTERED, KEPT, Document, RunContext

PARAGRAPH_SEP = "\n\n"


@dataclass(frozen=True)
class AnnotateConfig:
    # Which annotators compute columns (pipeline/annotators); their columns follow the fixed
    # ones in the registry's order: language, gopher, c4, fineweb, repetition, pii.
    annotators: tuple[str, ...] = registry.NAMES
    # Personal data: "count" (the pii columns only) or "mask": e-mail addresses, phone numbers
    # and IP addresses replaced by <EMAIL>, <PHONE>, <IP> as documents are read, so that they
    # reach no output, ledger, report or cache.
    pii: Literal["count", "mask"] = "count"
    # langdetect samples character n-grams at random; a fixed seed makes its answer repeatable.
    langdetect_seed: int = 0
    # langdetect's max_text_length: it reads at most this many characters of a text (after
    # removing URLs and e-mail addresses); 10,000 is its own default, i.e. the whole-text answer.
    language_max_chars: int = 10_000

    def __post_init__(self) -> None:
        if self.language_max_chars < 20:
            raise ValueError("language_max_chars: must be at least 20")
        registry.check_names(self.annotators)

    @property
    def language(self) -> bool:
        return "language" in self.annotators


def document_text(doc: Document) -> str:
    return PARAGRAPH_SEP.join(doc.kept_texts())


def counts(doc: Document, text: str) -> dict[str, int | str]:
    return {
        "n_chars": len(text),
        "n_words": len(text.split()),
        "n_paragraphs": doc.count(KEPT),
        "n_boilerplate_removed": doc.count(BOILERPLATE),
        "n_duplicates_removed": doc.count(DUPLICATE),
        "content_hash": xxhash.xxh3_64_hexdigest(text.encode("utf-8")),
    }


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
    # Documents dropped by a filter rule, and their paragraphs, by the rule's reason.
    filtered_documents: Counter = field(default_factory=Counter)
    filtered_paragraphs: Counter = field(default_factory=Counter)


def annotate(docs: list[Document], cfg: AnnotateConfig, cache_dir: str | None) -> dict[str, Any]:
    """Set every document's counts and annotator columns; returns the annotators' notes."""
    texts = [document_text(d) for d in docs]
    for doc, text in zip(docs, texts):
        doc.annotations.update(counts(doc, text))
    batch = registry.Batch(texts, [d.title for d in docs], options={
        "langdetect_seed": cfg.langdetect_seed, "language_max_chars": cfg.language_max_chars,
        "cache_dir": cache_dir, "pii": cfg.pii})
    for annotator in registry.selected(cfg.annotators):
        for name, values in annotator(batch).items():
            for doc, value in zip(docs, values):
                doc.annotations[name] = value
    return batch.notes


def apply_filters(docs: list[Document], rules: tuple[filters.Rule, ...]) -> tuple[Counter, Counter]:
    """Drop the documents failing a rule: their kept paragraphs become `filtered`, with the
    rule as reason. Returns the documents and paragraphs dropped, by reason."""
    n_docs: Counter = Counter()
    n_pars: Counter = Counter()
    for doc in docs:
        if not doc.annotations.get("n_paragraphs"):
            continue
        rule = filters.failing(doc.annotations, rules)
        if rule is None:
            continue
        for p in doc.paragraphs:
            if p.status == KEPT:
                p.remove(FILTERED, rule.reason)
                n_pars[rule.reason] += 1
        doc.annotations["filtered"] = rule.reason
        n_docs[rule.reason] += 1
    return n_docs, n_pars


def _annotate_job(job) -> Annotated:
    """Apply the job's dedup decisions, annotate its documents, and write their output rows."""
    parts, decisions, cfg, rule_cfg, write_cfg, cache_dir, dest = job
    from .write import document_rows, document_schema, paragraph_rows

    docs = list(store.read_parts(parts))
    decisions.apply(docs)
    notes = annotate(docs, cfg, cache_dir)
    lang = notes.get("language", {"answers": {}, "detected": 0, "reused": 0})
    f_docs, f_pars = apply_filters(docs, filters.parse(rule_cfg, cfg.annotators))
    out = [d for d in docs if "filtered" not in d.annotations
           and not (write_cfg.drop_empty_documents and d.annotations["n_paragraphs"] == 0)]
    doc_rows = document_rows(out, document_schema(cfg.annotators))
    par_rows = paragraph_rows(docs)
    store.write_atomic(doc_rows.schema, doc_rows.to_batches(), Path(f"{dest}.documents.arrow"))
    store.write_atomic(par_rows.schema, par_rows.to_batches(), Path(f"{dest}.paragraphs.arrow"))
    languages = Counter(d.annotations.get("language") for d in out if d.annotations.get("n_paragraphs"))
    return Annotated(f"{dest}.documents.arrow", f"{dest}.paragraphs.arrow", doc_rows.num_rows,
                     par_rows.num_rows, languages, lang["answers"], lang["detected"],
                     lang["reused"], f_docs, f_pars)


def run(jobs: list[list[store.Part]], decisions: list, cfg: AnnotateConfig, write_cfg,
        ctx: RunContext, spill: Path, rules: dict[str, Any] | None = None) -> list[Annotated]:
    """Every job annotated (on the executor), in job order; the language answers are added
    to the cache. `rules`: the configuration's `filter:` section."""
    cache_dir = str(ctx.cache_dir) if ctx.cache_dir is not None else None
    done = []
    for result in ctx.map(_annotate_job, [
            (job, dec, cfg, rules or {}, write_cfg, cache_dir, str(spill / "annotated" / f"{i:06d}"))
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
