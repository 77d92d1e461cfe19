"""Stage 4, annotate: language (langdetect, seeded), counts and a content hash per document.

Annotations describe the document as it will be written: its title and kept paragraphs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import xxhash

from . import cache
from .model import BOILERPLATE, DUPLICATE, KEPT, Document, RunContext

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


def _detect_chunk(args: tuple[list[str], int, int]) -> list[tuple[str | None, float | None]]:
    from .langid import detect_languages

    texts, seed, max_chars = args
    return detect_languages(texts, seed=seed, max_chars=max_chars)


def _jobs(texts: list[str], cfg: AnnotateConfig, workers: int) -> list[tuple[list[str], int, int]]:
    # A few large chunks per worker: each process builds langid's tables once (~1 s).
    chunk = max(256, -(-len(texts) // (2 * max(1, workers))))
    return [(texts[i : i + chunk], cfg.langdetect_seed, cfg.language_max_chars)
            for i in range(0, len(texts), chunk)]


def detect_all(texts: list[str], cfg: AnnotateConfig, ctx: RunContext) -> list[tuple[str | None, float | None]]:
    """langdetect's (language, probability) for each text, replayed by `langid` with numpy.

    Chunks are independent (each answer depends only on its text and the seed), so they run on
    the executor and the result is the same for any worker count.
    """
    out = []
    for part in ctx.map(_detect_chunk, _jobs(texts, cfg, ctx.workers)):
        out.extend(part)
        ctx.tick(len(part))
    return out


def _sample(title: str | None, text: str) -> str:
    # The title is part of what a reader sees, and helps short documents.
    return f"{title}\n{text}" if title else text



def _detect_keyed(args: tuple[list[str], int, int]) -> list[tuple[int, str | None, float | None]]:
    """(cache key, language, score) per text: answers matched by key, not by position."""
    texts, seed, max_chars = args
    return [(cache.language_key(t, seed, max_chars), *answer)
            for t, answer in zip(texts, _detect_chunk(args))]


# Documents per background chunk: small, so that only a few chunks of text (the ones in flight)
# are in memory at once; each worker process builds langid's tables once, whatever the count.
PREFETCH_CHUNK = 512


@dataclass
class Prefetch:
    pending: Any  # executors.Pending of lists of (key, language, score)


def prefetch(docs: list[Document], cfg: AnnotateConfig, ctx: RunContext) -> Prefetch | None:
    """Start language identification on the documents as they are now, beside the stages that
    follow (dedup works in this process, so the other cores are free). `run` reuses an answer
    only where the document's text did not change since (same key); the output is the same as
    without. The texts are snapshotted now (references, not copies) and joined chunk by chunk
    as the workers take them."""
    if not cfg.language or ctx.executor is None or ctx.workers < 2:
        return None
    snapshot = [(d.title, d.kept_texts()) for d in docs]
    known = cache.load_languages(ctx.cache_dir) if ctx.cache_dir is not None else {}
    seed, max_chars = cfg.langdetect_seed, cfg.language_max_chars

    def chunks():
        for i in range(0, len(snapshot), PREFETCH_CHUNK):
            texts = [_sample(title, PARAGRAPH_SEP.join(kept))
                     for title, kept in snapshot[i:i + PREFETCH_CHUNK]]
            # Texts whose answer is cached are not sent.
            texts = [t for t in texts if cache.language_key(t, seed, max_chars) not in known]
            if texts:
                yield texts, seed, max_chars

    return Prefetch(ctx.executor.submit(_detect_keyed, chunks()))


def counts(doc: Document, text: str) -> dict[str, int | str]:
    return {
        "n_chars": len(text),
        "n_words": len(text.split()),
        "n_paragraphs": doc.count(KEPT),
        "n_boilerplate_removed": doc.count(BOILERPLATE),
        "n_duplicates_removed": doc.count(DUPLICATE),
        "content_hash": xxhash.xxh3_64_hexdigest(text.encode("utf-8")),
    }


def run(docs: list[Document], cfg: AnnotateConfig, ctx: RunContext,
        early: Prefetch | None = None) -> list[Document]:
    samples: list[str] = []  # each document's text is joined once, for counts and language
    for doc in docs:
        text = document_text(doc)
        doc.annotations.update(counts(doc, text))
        if cfg.language:
            samples.append(_sample(doc.title, text))
    if not cfg.language:
        return docs
    answers: list[tuple[str | None, float | None] | None] = [None] * len(docs)
    known = cache.load_languages(ctx.cache_dir) if ctx.cache_dir is not None else {}
    keys = [cache.language_key(t, cfg.langdetect_seed, cfg.language_max_chars) for t in samples]
    for i, key in enumerate(keys):
        answers[i] = known.get(key)
    reused = sum(a is not None for a in answers)
    if early is not None:
        done = {key: (lang, score) for part in early.pending.result() for key, lang, score in part}
        for i, key in enumerate(keys):
            if answers[i] is None and key in done:
                answers[i] = done[key]
    todo = [i for i, a in enumerate(answers) if a is None]
    for i, answer in zip(todo, detect_all([samples[i] for i in todo], cfg, ctx)):
        answers[i] = answer
    for doc, (lang, score) in zip(docs, answers):
        doc.annotations["language"] = lang
        doc.annotations["language_score"] = score
    if ctx.cache_dir is not None:
        cache.save_languages(ctx.cache_dir, dict(zip(keys, answers)))
    ctx.stage_stats["annotate"] = {"language_reused": reused,
                                   "language_detected": len(todo)}
    return docs
