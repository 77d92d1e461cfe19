"""Stage 5, filter: drop the documents that fail the `filter:` rules (none by default).

Deciding is apart from computing, as dolma splits taggers from its mixer: the annotate stage
wrote every document's columns; this stage reads its row files, decides on those columns with
Arrow (`annotators/filters.py` holds the rules), and rewrites them: a dropped document leaves
the documents table, and its kept paragraphs become `filtered` in the ledger, with the first
rule it fails (in the configuration's order) as reason. stats.json, the report's funnel,
`explain` and the dataset card show them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..annotators import NAMES
from ..annotators.filters import Rule, parse
from ..core.model import FILTERED, KEPT, RunContext, Tally
from ..runtime import store
from .base import Handoff, RowFiles

NAME = "filter"


def _table(path: str) -> pa.Table:
    return pa.Table.from_batches(list(store.read_batches(path)))


def first_failing(docs: pa.Table, rules: tuple[Rule, ...]) -> list[str | None]:
    """Per document (row), the reason of the first rule it fails; None when it passes all (or
    has no text: it is no longer in the text anyway). A null value fails no rule."""
    reason = pa.nulls(docs.num_rows, pa.string())
    has_text = pc.greater(docs.column("n_paragraphs"), 0)
    for rule in reversed(rules):  # the first failing rule is written last
        col = docs.column(rule.column)
        if rule.equals is not None:
            ok = pc.equal(col, pa.scalar(rule.equals))
        else:
            ok = pa.array([True] * docs.num_rows)
            if rule.min is not None:
                ok = pc.and_(ok, pc.greater_equal(col, rule.min))
            if rule.max is not None:
                ok = pc.and_(ok, pc.less_equal(col, rule.max))
        fails = pc.and_(pc.invert(pc.fill_null(ok, True)), has_text)
        reason = pc.if_else(fails, pa.scalar(rule.reason), reason)
    return reason.to_pylist()


@dataclass(frozen=True)
class FilterJob:
    rows: RowFiles
    rules: tuple[Rule, ...]
    dest: str


@dataclass
class Filtered:
    rows: RowFiles
    documents: Counter       # dropped, by reason
    paragraphs: Counter      # made `filtered`, by reason
    languages: Counter       # of the dropped documents


def _filter_job(job: FilterJob) -> Filtered:
    docs = _table(job.rows.documents)
    why = first_failing(docs, job.rules)
    if not any(why):
        return Filtered(job.rows, Counter(), Counter(), Counter())
    dropped = {d: r for d, r in zip(docs.column("id").to_pylist(), why) if r}
    langs = Counter(lang for lang, r in zip(docs.column("language").to_pylist()
                                            if "language" in docs.column_names
                                            else [None] * len(why), why) if r)
    keep = pa.array([r is None for r in why])
    docs = docs.filter(keep)
    pars = _table(job.rows.paragraphs)
    doc_reason = pa.array([dropped.get(d) for d in pars.column("doc_id").to_pylist()], pa.string())
    hit = pc.and_(pc.is_valid(doc_reason), pc.equal(pars.column("status"), KEPT))
    n_pars = Counter(r for r, h in zip(doc_reason.to_pylist(), hit.to_pylist()) if h)
    i_status, i_reason = pars.schema.get_field_index("status"), pars.schema.get_field_index("reason")
    pars = pars.set_column(i_status, "status", pc.if_else(hit, FILTERED, pars.column("status")))
    pars = pars.set_column(i_reason, "reason", pc.if_else(hit, doc_reason, pars.column("reason")))
    paths = f"{job.dest}.documents.arrow", f"{job.dest}.paragraphs.arrow"
    store.write_atomic(docs.schema, docs.to_batches(), Path(paths[0]))
    store.write_atomic(pars.schema, pars.to_batches(), Path(paths[1]))
    rows = RowFiles(*paths, docs.num_rows, pars.num_rows, job.rows.n_empty)
    return Filtered(rows, Counter(dropped.values()), n_pars, langs)


def run(handoff: Handoff, cfg: dict, ctx: RunContext) -> Handoff:
    """The annotated rows without the documents failing a rule; their paragraphs `filtered`."""
    rules = parse(cfg, NAMES)  # checked against the run's annotators when the config loaded
    if not rules:
        return handoff.next()
    done = ctx.map(_filter_job, [FilterJob(r, rules, str(ctx.spill / "filtered" / f"{i:06d}"))
                                 for i, r in enumerate(handoff.rows)])
    docs: Counter = Counter()
    pars: Counter = Counter()
    langs: Counter = Counter()
    for f in done:
        docs.update(f.documents)
        pars.update(f.paragraphs)
        langs.update(f.languages)
    before = handoff.tally
    tally = Tally(before.documents - sum(docs.values()), before.paragraphs - sum(pars.values()),
                  before.removed + Counter({f"{FILTERED}:{k}": n for k, n in pars.items()}))
    return handoff.next(rows=[f.rows for f in done], tally=tally,
                        languages=handoff.languages - langs,
                        stats={"documents_dropped": {f"{FILTERED}:{k}": n
                                                     for k, n in sorted(docs.items())}})
