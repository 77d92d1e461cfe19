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
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from . import boilerplate as bp
from .forkmap import fork_map
from .model import BOILERPLATE, Document, RunContext

RULES_FILE = Path(__file__).resolve().parent.parent / "configs" / "boilerplate.yaml"


def _compile_all(patterns: tuple[str, ...], name: str) -> list[re.Pattern[str]]:
    out = []
    for i, pat in enumerate(patterns):
        try:
            out.append(re.compile(pat, re.IGNORECASE))
        except re.error as e:
            raise ValueError(f"{name}: must be valid regular expressions ({name}[{i}] {pat!r}: {e})") from None
    return out


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
    region_page_min_short_share: float = 0.5
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
    # Learn the lines each source repeats over the run and remove them.
    learn_repeated: bool = True
    # A line is learned when it occurs in at least max(min_docs, min_share * source docs)
    # documents of one source. 5 docs / 2%: every known allsides boilerplate line qualifies.
    repeated_min_docs: int = 5
    repeated_min_share: float = 0.02
    # Longer lines are never learned: repeated long text is wire copy, which dedup handles.
    repeated_max_words: int = 40
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
        for name in ("region_min_words", "region_long_words", "region_zone_min_lines",
                     "region_page_min_lines"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be at least 1")
        for name in ("region_short_penalty", "region_short_word_cost", "region_chrome_penalty",
                     "region_barrier_penalty", "region_join_ratio", "region_join_gap",
                     "region_dup_share", "region_dup_min_words", "region_thread_min_marks",
                     "region_thread_gap"):
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
        return bp.compile_rules(yaml.safe_load(self.rules_path.read_text(encoding="utf-8")))

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
        )


def learn(docs: list[Document], cfg: CleanConfig,
          table: bp.LineTable | None = None) -> dict[str, dict[str, int]]:
    """{source: {normalised line: n_docs}} over the run; documents without a source learn nothing.
    Sources are visited in sorted order, so the result does not depend on input order."""
    table = table or bp.LineTable(cfg.rules, cfg.repeated_max_words)
    by_source: dict[str, list[Document]] = defaultdict(list)
    for doc in docs:
        if doc.source:
            by_source[doc.source].append(doc)
    learned: dict[str, dict[str, int]] = {}
    for source in sorted(by_source):
        counts: Counter[str] = Counter()
        for d in by_source[source]:
            # facts().key is the normalised line, None beyond repeated_max_words words.
            counts.update({k for k in (table.facts(p.text).key for p in d.paragraphs) if k})
        n = len(by_source[source])
        lines = bp.learn_repeated(counts, n, cfg.repeated_min_docs, cfg.repeated_min_share)
        if cfg.allow:
            lines = {k: c for k, c in lines.items() if not any(a.fullmatch(k) for a in cfg.allow)}
        if lines:
            learned[source] = lines
    return learned


def _clean_partition(job: tuple[list[Document], CleanConfig]):
    docs, cfg = job
    local = RunContext()
    docs = _run(docs, cfg, local)
    return docs, local.artifacts["boilerplate_learned"], local.stage_stats["clean"]


def _clean_inherited(shared: tuple[list[Document], list[list[int]], CleanConfig], part: int):
    """In a forked child: clean one partition of the parent's documents and send back only the
    decisions, (document, paragraph, reason) for each paragraph it removed."""
    docs, members, cfg = shared
    mine = [docs[i] for i in members[part]]
    before = [[p.status for p in d.paragraphs] for d in mine]
    _, rows, stats = _clean_partition((mine, cfg))
    removed = [(i, k, p.reason)
               for i, d, was in zip(members[part], mine, before)
               for k, (p, s) in enumerate(zip(d.paragraphs, was)) if p.status != s]
    return removed, rows, stats


def partitions(docs: list[Document], n_parts: int) -> list[list[int]]:
    """Document indices in at most `n_parts` groups, each source wholly inside one (learning is
    per source, every other decision per document, so the decisions are those of one process).
    Sources are placed largest first on the lightest group, ties by name: deterministic."""
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(docs):
        by_source[d.source or ""].append(i)
    groups: list[list[int]] = [[] for _ in range(max(1, n_parts))]
    for source in sorted(by_source, key=lambda s: (-len(by_source[s]), s)):
        min(groups, key=len).extend(by_source[source])
    return [sorted(g) for g in groups if g]


def _merge(parts: list[tuple[object, list, dict]], ctx: RunContext) -> None:
    rows: list[dict[str, object]] = []
    stats: dict[str, object] = {"removed_by_reason": Counter(), "learned_lines": 0,
                                "sources_with_learned_lines": 0}
    for _, part_rows, part_stats in parts:
        rows += part_rows
        stats["removed_by_reason"].update(part_stats["removed_by_reason"])
        stats["learned_lines"] += part_stats["learned_lines"]
        stats["sources_with_learned_lines"] += part_stats["sources_with_learned_lines"]
    # learned_rows lists sources in sorted order, each source's rows together.
    rows.sort(key=lambda r: r["source"])
    stats["removed_by_reason"] = dict(sorted(stats["removed_by_reason"].items()))
    ctx.artifacts["boilerplate_learned"] = rows
    ctx.stage_stats.setdefault("clean", {}).update(stats)


def run(docs: list[Document], cfg: CleanConfig, ctx: RunContext) -> list[Document]:
    """Mark boilerplate, on partitions of whole sources when there are several workers: on a
    distributed executor the partitions are shipped to its tasks; locally, forked children
    inherit the documents and send back only their decisions."""
    if ctx.workers < 2 or len(docs) < 2:
        return _run(docs, cfg, ctx)
    members = partitions(docs, 2 * ctx.workers)
    if not ctx.distributed:
        results = fork_map(_clean_inherited, (docs, members, cfg), len(members), ctx.workers)
        for removed, _, _ in results:
            for i, k, reason in removed:
                docs[i].paragraphs[k].remove(BOILERPLATE, reason)
        ctx.tick(len(docs))
        _merge(results, ctx)
        return docs
    shipped = ctx.map(_clean_partition, [([docs[i] for i in m], cfg) for m in members])
    out: list[Document | None] = [None] * len(docs)
    for m, (part_docs, _, _) in zip(members, shipped):
        for i, d in zip(m, part_docs):
            out[i] = d
    _merge(shipped, ctx)
    return out  # type: ignore[return-value]


def _run(docs: list[Document], cfg: CleanConfig, ctx: RunContext) -> list[Document]:
    rules, allow, deny, params = cfg.rules, cfg.allow, cfg.deny, cfg.region
    # One table per run: each distinct line is folded and matched once, for learning and
    # classifying alike (59-157 s -> a few seconds on allsides part-00, docs/boilerplate.md).
    table = bp.LineTable(rules, cfg.repeated_max_words)
    learned = learn(docs, cfg, table) if cfg.learn_repeated else {}
    fired: Counter[tuple[str, str]] = Counter()
    reasons_count: Counter[str] = Counter()
    for doc in ctx.track(docs):
        repeated = learned.get(doc.source or "", {})
        texts = [p.text for p in doc.paragraphs]
        # A page an HTML extractor already cut (meta["extractor"], set by htmlextract) is not cut
        # again by region: on extracted benchmark pages that lost recall (F1 0.967 -> 0.949).
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
            reasons_count[reason] += 1
            if reason == "repeated_in_source":
                fired[(doc.source or "", bp.normalise_line(p.text))] += 1
    ctx.artifacts["boilerplate_learned"] = learned_rows(learned, fired, docs, cfg)
    ctx.stage_stats.setdefault("clean", {}).update(
        {
            "removed_by_reason": dict(sorted(reasons_count.items())),
            "learned_lines": sum(len(v) for v in learned.values()),
            "sources_with_learned_lines": len(learned),
        }
    )
    return docs


def learned_rows(
    learned: dict[str, dict[str, int]],
    fired: Counter[tuple[str, str]],
    docs: list[Document],
    cfg: CleanConfig,
) -> list[dict[str, object]]:
    """The reviewable list: one row per learned line, per source, most frequent first."""
    n_source = Counter(d.source for d in docs if d.source)
    rows: list[dict[str, object]] = []
    for source in sorted(learned):
        items = sorted(learned[source].items(), key=lambda kv: (-kv[1], kv[0]))
        for line, n in items[: cfg.report_max_per_source]:
            rows.append(
                {
                    "source": source,
                    "line": line,
                    "n_docs": n,
                    "share_of_source_docs": round(n / n_source[source], 4),
                    "n_removed": fired[(source, line)],
                }
            )
    return rows
