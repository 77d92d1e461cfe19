"""Stage 2, clean: mark boilerplate paragraphs (never delete them).

The decisions live in `boilerplate.py` (pure functions); this module loads the rules, learns each
source's repeated lines over the whole run, applies both per document, and reports what it learned
(`ctx.artifacts["boilerplate_learned"]`, written to `processed/boilerplate_learned.csv`) and how
often each reason fired (`ctx.stage_stats["clean"]`). Defaults and the measurements behind them are
in docs/boilerplate.md.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial
from itertools import islice
from pathlib import Path

import yaml

from ..boilerplate import classify as bp, learn
from ..runtime import store
from ..core.model import BOILERPLATE, Document, RunContext, Tally
from .base import Handoff, PartsJob, map_last_reader
from .clean_learn import learn_out_of_core, learn_texts

NAME = "clean"
RULES_FILE = Path(__file__).resolve().parents[2] / "configs" / "boilerplate.yaml"


def _compile_all(patterns: tuple[str, ...], name: str) -> list[re.Pattern[str]]:
    out = []
    for i, pat in enumerate(patterns):
        try:
            out.append(re.compile(pat, re.IGNORECASE))
        except re.error as e:
            raise ValueError(f"{name}: must be valid regular expressions ({name}[{i}] {pat!r}: {e})") from None
    return out


@lru_cache(maxsize=4)
def _compiled_rules(text: str) -> tuple[bp.Rule, ...]:
    """The rules of a rules file's text, compiled once per process: a pool worker receives a new
    copy of the configuration with every job, and compiling the ~900 patterns costs ~0.1 s."""
    return tuple(bp.compile_rules(yaml.safe_load(text)))


@dataclass(frozen=True)
class CleanConfig:
    # Rules file (named whole-line patterns); null means the shipped configs/boilerplate.yaml.
    # (A path, not the default's absolute location, goes into config.yaml, so that identical runs
    # from two checkouts write identical outputs.)
    rules_file: str | None = None
    # Find the article region of page-like documents and cut header/footer chrome around it.
    # Measured on the benchmark's full-page text: F1 0.901 with it, 0.70 without (rules only).
    use_region: bool = True
    # A line ending like a sentence with at least this many words is prose (6: best of 6/8/10).
    region_min_words: int = 6
    # A line this long is prose even without terminal punctuation (20: better than 30).
    region_long_words: int = 20
    # Cost of a short line (plus per word) inside the region: 10 + 1/word kept menus out best.
    region_short_penalty: float = 10.0
    region_short_word_cost: float = 1.0
    # Cost of a line whose shape is chrome (date-only, share buttons, counters).
    region_chrome_penalty: float = 30.0
    # A zone before/after the region is cut only if it holds this many non-empty lines: a title
    # line, a byline or a dateline over an extracted article (1-3 lines) is never cut.
    region_zone_min_lines: int = 4
    # The region logic runs only on page-like documents: at least this share of short lines.
    # Benchmark full pages: median 0.86, 5th percentile 0.59; allsides articles: 99th pct 0.48.
    # 0.5 (was 0.6, tuned on half a: 0.6/0.5/0.4/0.3): the chrome-line test below now keeps
    # extracted articles out, so more real pages can be cut (F1 a 0.907 -> 0.909).
    # 0.3 (issue 14): 43 of web-content-extraction-2026's whole pages (long articles, docs) have
    # 0.3-0.5 short lines and kept all their menus; 2026 text snippet F1 +0.007, the article
    # benchmark +0.0005; allsides part-00: one more page (two READ MORE lists, a caption: 7 lines).
    region_page_min_short_share: float = 0.3
    # ... and at least this many non-empty lines (benchmark full pages: 2nd percentile 36, 5th 52).
    region_page_min_lines: int = 30
    # ... and at least this many lines that only whole web pages print (rules marked `page: true`,
    # share-button rows, comment markers). Separates page dumps from extracted article bodies
    # (transcripts, result lists) that are long and short-lined too: see docs/boilerplate.md.
    region_page_min_chrome: int = 2
    # Cost of a barrier line ("Related stories", "Leave a comment", "Share"). It used to be
    # infinite; but a "Read more:" or "Share" line inside an article then split it and the
    # smaller part was lost. 50 (tuned on half a over inf/200/100/50/40/30/20/10): F1 a 0.901 ->
    # 0.907, b 0.892 -> 0.896. A comment section still costs 50 per header plus its short lines.
    region_barrier_penalty: float = 50.0
    # A run of prose outside the region joins it when it sums to >= this share of the region's
    # sum and at most `region_join_gap` non-empty lines lie between; the lines between are cut
    # ("zone:inner", when >= region_zone_min_lines): a "Most read" widget splitting an article.
    # Tuned on half a over ratio 0.4/0.5/0.7 x gap 10/15/20 (0 = off).
    region_join_ratio: float = 0.5
    region_join_gap: int = 15
    # On a page, a kept line of >= region_dup_min_words words whose word 4-grams are at least
    # this share in earlier kept lines is removed ("repeated_in_page": the article printed twice,
    # a meta description, truncated teasers of the lead). 0 = off. Tuned on half a: 0.5-0.9 x 4/8.
    region_dup_share: float = 0.8
    region_dup_min_words: int = 8
    # A comment thread: >= region_thread_min_marks comment markers ("Jane on May 3 said:", "Reply")
    # or vote counters, each within region_thread_gap non-empty lines of the previous. Its prose
    # weighs 0 in the region, so a long discussion under a short post does not win the page
    # (0 = off). 4 / 15: gaps 8/12/16/20/30 x 3/4 marks measured, see docs/boilerplate.md.
    region_thread_min_marks: int = 4
    region_thread_gap: int = 15
    # Zones are cut only on pages shaped like an article: its runs hold at least this share of
    # the page's prose weight (region.prose_share). Elsewhere (listings, programmes, product
    # pages, forums) line rules decide. 0 = always cut. 0.3: the highest that keeps the article
    # benchmark (all articles) at its F1 (0.934 at 0.3, 0.929 at 0.4, 0.896 at 0.6); on the 2026
    # set it lifts snippet F1 0.650 -> 0.709 (0.4 would give 0.731 but lose on the other set).
    region_article_min_share: float = 0.3
    # On such a page, a run of at least this many consecutive lines that are neither prose nor
    # a sentence of >= region_sentence_min_words words goes ("short_run": menus, link lists);
    # shorter runs (headings, a few list items) stay. 0 = off. 3: chosen on the 2026 set over
    # 1/2/3/5, confirmed on the article benchmark (-0.001).
    region_short_run_lines: int = 3
    region_sentence_min_words: int = 3
    # On a page cut to its article, prose lines standing >= this many in a row before the
    # article stay (region.prose_blocks): a lead before a table, a product description over its
    # specification. 2: web-content-extraction-2026 text snippet F1 0.714 -> 0.743, the article
    # benchmark unchanged (0.934); footer blocks lost 0.017 there (comments, related stories).
    region_header_block_lines: int = 2
    # Learn the lines each source repeats over the run and remove them.
    learn_repeated: bool = True
    # A line is learned when it occurs in at least max(min_docs, min_share * source docs)
    # documents of one source. 5 docs / 2%: every known allsides boilerplate line qualifies.
    repeated_min_docs: int = 5
    repeated_min_share: float = 0.02
    # Longer lines are never learned. A paragraph a source prints in many of its documents
    # (a newsletter form, an author bio of 90 words) is that source's boilerplate: no copy stays.
    repeated_max_words: int = 120
    # A line printed identically by at least this many sources (in >= repeated_min_docs
    # documents in all) is learned for every source (0 = off). Like every learned line it is
    # removed only at a document's edges, or when longer than repeated_structure_max_words.
    repeated_min_sources: int = 2
    # A learned line of at most this many words between two prose paragraphs is structure the
    # source repeats (a section head, a credit line after a quote, a subheading): it stays.
    repeated_structure_max_words: int = 12
    # Full-match patterns (case ignored, whitespace folded). allowlist protects a line from every
    # signal; denylist removes it ("denylist") wherever it stands.
    allowlist: tuple[str, ...] = ()
    denylist: tuple[str, ...] = ()
    # Rows of the learned list kept in the artifact (most frequent first, per source).
    report_max_per_source: int = 200

    def __post_init__(self) -> None:
        if self.repeated_min_docs < 2:
            raise ValueError("repeated_min_docs: must be at least 2")
        if not 0.0 < self.repeated_min_share <= 1.0:
            raise ValueError("repeated_min_share: must be in (0, 1]")
        if self.repeated_max_words < 1:
            raise ValueError("repeated_max_words: must be at least 1")
        if self.repeated_min_sources < 0 or self.repeated_structure_max_words < 0:
            raise ValueError("repeated_min_sources, repeated_structure_max_words: must be >= 0")
        for name in ("region_min_words", "region_long_words", "region_zone_min_lines",
                     "region_page_min_lines"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be at least 1")
        for name in ("region_short_penalty", "region_short_word_cost", "region_chrome_penalty",
                     "region_barrier_penalty", "region_join_ratio", "region_join_gap",
                     "region_dup_share", "region_dup_min_words", "region_thread_min_marks",
                     "region_thread_gap", "region_article_min_share", "region_short_run_lines",
                     "region_sentence_min_words", "region_header_block_lines"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: must be >= 0")
        if self.region_page_min_chrome < 0:
            raise ValueError("region_page_min_chrome: must be >= 0")
        if not 0.0 <= self.region_page_min_short_share <= 1.0:
            raise ValueError("region_page_min_short_share: must be in [0, 1]")
        if self.report_max_per_source < 0:
            raise ValueError("report_max_per_source: must be >= 0")
        _compile_all(self.allowlist, "allowlist")
        _compile_all(self.denylist, "denylist")
        if not self.rules_path.is_file():
            raise ValueError(f"rules_file: must be an existing file ({self.rules_path})")

    @property
    def rules_path(self) -> Path:
        return Path(self.rules_file) if self.rules_file else RULES_FILE

    @cached_property
    def rules(self) -> list[bp.Rule]:
        return list(_compiled_rules(self.rules_path.read_text(encoding="utf-8")))

    @cached_property
    def allow(self) -> list[re.Pattern[str]]:
        return _compile_all(self.allowlist, "allowlist")

    @cached_property
    def deny(self) -> list[re.Pattern[str]]:
        return _compile_all(self.denylist, "denylist")

    @cached_property
    def region(self) -> bp.RegionParams:
        return bp.RegionParams(
            min_words=self.region_min_words,
            long_words=self.region_long_words,
            short_penalty=self.region_short_penalty,
            short_word_cost=self.region_short_word_cost,
            chrome_penalty=self.region_chrome_penalty,
            zone_min_lines=self.region_zone_min_lines,
            page_min_short_share=self.region_page_min_short_share,
            page_min_lines=self.region_page_min_lines,
            page_min_chrome=self.region_page_min_chrome,
            barrier_penalty=self.region_barrier_penalty,
            join_ratio=self.region_join_ratio,
            join_gap=self.region_join_gap,
            dup_share=self.region_dup_share,
            dup_min_words=self.region_dup_min_words,
            thread_min_marks=self.region_thread_min_marks,
            thread_gap=self.region_thread_gap,
            article_min_share=self.region_article_min_share,
            short_run_lines=self.region_short_run_lines,
            sentence_min_words=self.region_sentence_min_words,
            header_block_lines=self.region_header_block_lines,
            structure_max_words=self.repeated_structure_max_words,
        )


def _eligible(line: str, cfg: CleanConfig) -> bool:
    """Whether a normalised line may be learned at all (its count decides the rest)."""
    return bp.learnable(line) and not any(a.fullmatch(line) for a in cfg.allow)


def _count(found: Iterable[learn.Found],
           cfg: CleanConfig) -> tuple[Counter[str], dict[str, dict[bytes, int]]]:
    """Documents per source and the learned lines' digests (`learn.count`)."""
    return learn.count(found, cfg.repeated_min_docs, cfg.repeated_min_share,
                       cfg.repeated_min_sources)


@dataclass
class _Found:
    """What classifying some documents found: reasons, the learned lines met (with their
    counts) and how often each removed a line, and the tally of the documents after."""

    reasons: Counter[str] = field(default_factory=Counter)
    seen: dict[tuple[str, str], int] = field(default_factory=dict)
    fired: Counter[tuple[str, str]] = field(default_factory=Counter)
    tally: Tally = field(default_factory=Tally)

    def merge(self, other: _Found) -> None:
        self.reasons.update(other.reasons)
        self.seen.update(other.seen)
        self.fired.update(other.fired)
        self.tally.merge(other.tally)


def _classify(docs: Iterable[Document], cfg: CleanConfig, learned: dict[str, dict[bytes, int]],
              found: _Found) -> Iterator[Document]:
    """Mark each document's boilerplate (one `LineTable` for all: each distinct line is folded
    and matched once, docs/boilerplate.md); yields the documents."""
    rules, allow, deny, params = cfg.rules, cfg.allow, cfg.deny, cfg.region
    table = bp.shared_table(tuple(rules), cfg.repeated_max_words)
    table.forget()
    eligible = partial(_eligible, cfg=cfg)
    lengths: dict[str, frozenset[int]] = {}  # of each source's learned lines (learn.lengths)
    for doc in _examined(docs, table):
        source = doc.source or ""
        if source not in lengths:
            lengths[source] = learn.lengths(learned, source)
        repeated = learn.Learned(source, learned, found.seen, eligible, lengths[source])
        texts = [p.text for p in doc.paragraphs]
        # A page an HTML extractor already cut (meta["extractor"], set by htmlextract) is not
        # cut again by region: on extracted benchmark pages that lost recall.
        use_region = cfg.use_region and "extractor" not in doc.meta
        reasons = bp.classify_lines(texts, rules, repeated, allow, params, use_region, table)
        for p, reason in zip(doc.paragraphs, reasons):
            if not p.kept:
                continue  # an earlier stage already decided; keep its reason
            if deny and reason is None and any(d.fullmatch(bp.fold(p.text)) for d in deny):
                reason = "denylist"
            if reason is None:
                continue
            p.remove(BOILERPLATE, reason)
            found.reasons[reason] += 1
            if reason == "repeated_in_source":
                line = bp.normalise_line(p.text)
                own = (doc.source or "", line) in found.seen
                found.fired[(doc.source or "" if own else learn.ACROSS, line)] += 1
        if repeated:  # every learned line the documents print goes to the report
            for f in table.facts_many(texts):  # classify_lines has cached each line's facts
                if f.key is not None:
                    f.key in repeated  # noqa: B015 - records the line
        found.tally.add(doc)
        yield doc


# Documents whose lines are examined together: the matchers' per-call costs (an Arrow array,
# one RE2 pass per length band, the Aho-Corasick walk) are paid once for ~25k lines, not once
# per document.
EXAMINE_DOCS = 1024


def _examined(docs: Iterable[Document], table: bp.LineTable) -> Iterator[Document]:
    """The documents, in order, each chunk's distinct lines examined at once before it is
    handed on (the table caches their facts; the decisions are the same as line by line)."""
    it = iter(docs)
    while chunk := list(islice(it, EXAMINE_DOCS)):
        table.facts_many([p.text for d in chunk for p in d.paragraphs])
        yield from chunk


@dataclass(frozen=True)
class CleanJob:
    source: PartsJob
    cfg: CleanConfig
    learned: dict[str, dict[bytes, int]]
    dest: str


def _clean_job(job: CleanJob) -> tuple[list[store.Part], _Found]:
    """Classify one job's documents into a cleaned part file; returns its parts and findings."""
    found = _Found()
    docs = _classify(job.source.documents(), job.cfg, job.learned, found)
    return store.write_docs(Path(job.dest), docs), found


def _report(found: _Found, n_source: Counter[str], cfg: CleanConfig, ctx: RunContext) -> None:
    lines: dict[str, dict[str, int]] = defaultdict(dict)
    for (source, line), n in found.seen.items():
        lines[source][line] = n
    ctx.artifacts["boilerplate_learned"] = learned_rows(lines, found.fired, n_source, cfg)
    ctx.stage_stats.setdefault(NAME, {}).update(
        {
            "removed_by_reason": dict(sorted(found.reasons.items())),
            "learned_lines": len(found.seen),
            "sources_with_learned_lines": len({source for source, _ in found.seen}),
        }
    )


def run(handoff: Handoff, cfg: CleanConfig, ctx: RunContext) -> Handoff:
    """Mark boilerplate: learn each source's repeated lines over the run (a map, then a count
    of digests), then classify every document (a map over jobs of ingested parts, each writing
    a part file). Hands on the cleaned parts, in input order, and their tally."""
    jobs = handoff.jobs()
    n_source, learned = learn_out_of_core(jobs, cfg, ctx) if cfg.learn_repeated else (Counter(), {})
    parts: list[store.Part] = []
    found = _Found()
    spill = ctx.spill / NAME
    # The last reader of the ingested parts (spilled when the cache is off): each goes once read.
    for job_parts, job_found in map_last_reader(ctx, _clean_job, [
            CleanJob(job, cfg, learned, str(spill / f"{i:06d}.arrow"))
            for i, job in enumerate(jobs)], jobs):
        parts += job_parts
        found.merge(job_found)
        ctx.tick(sum(p.n_docs for p in job_parts))
    _report(found, n_source, cfg, ctx)
    return handoff.next(parts=parts, tally=found.tally, stats=ctx.stage_stats.get(NAME, {}))


def clean_documents(docs: list[Document], cfg: CleanConfig, ctx: RunContext) -> list[Document]:
    """`run` on documents in memory, in this process (evaluations, tests): the same decisions."""
    n_source, learned = (_count([learn_texts(((d.source, [p.text for p in d.paragraphs])
                                                for d in docs), cfg)], cfg)
                         if cfg.learn_repeated else (Counter(), {}))
    found = _Found()
    for _ in _classify(ctx.track(docs), cfg, learned, found):
        pass
    _report(found, n_source, cfg, ctx)
    return docs


def learned_rows(
    learned: dict[str, dict[str, int]],
    fired: Counter[tuple[str, str]],
    n_source: Counter[str],
    cfg: CleanConfig,
) -> list[dict[str, object]]:
    """The reviewable list: one row per learned line (that a document of the run printed),
    per source, most frequent first."""
    rows: list[dict[str, object]] = []
    for source in sorted(learned):
        items = sorted(learned[source].items(), key=lambda kv: (-kv[1], kv[0]))
        for line, n in items[: cfg.report_max_per_source]:
            rows.append(
                {
                    "source": source,
                    "line": line,
                    "n_docs": n,
                    "share_of_source_docs": round(n / (n_source[source] or n_source.total()), 4),
                    "n_removed": fired[(source, line)],
                }
            )
    return rows
