"""The keep / remove decisions of the near-duplicate detector, split by connected component.

A decision for paragraph i reads only the kept state of paragraphs linked to it: its candidates,
its exact copies, and their exact copies. So the graph whose edges are the candidate pairs and
the exact-repeat links falls apart into components whose decisions are independent: each is
made in keeper order on its own, and together they are the decisions of one pass over all
paragraphs. Components are grouped into balanced parts; a part is a self-contained job (its
texts, candidates and copies, renumbered in keeper order) that a forked worker or a Ray task
decides, so no single process has to walk every decision of a large corpus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .facts import field_label
from .shingles import member, sorted_unique
from .verify import Verifier

if TYPE_CHECKING:
    from .config import NearDupConfig


# Paragraphs per part of the decisions, at most (but for one component larger than that): the
# parts follow the corpus, as the fingerprint slices do. With 4 x workers parts only, a worker
# deciding one of the 8 parts of a 5x allsides corpus peaked at 763 MB (its texts and their
# shingle sets) against a driver at 471 MB; allsides part-00's 8 parts hold 3,000-4,100
# paragraphs each, so up to both allsides parts the parts are as before.
PART_PARAGRAPHS = 8_000


def components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """label[i] = the smallest index in i's connected component of the graph with edges (u, v)
    (vectorised min-label propagation with pointer jumping)."""
    label = np.arange(n, dtype=np.int64)
    if not len(u):
        return label
    while True:
        m = np.minimum(label[u], label[v])
        new = label.copy()
        np.minimum.at(new, u, m)
        np.minimum.at(new, v, m)
        new = new[new]
        if np.array_equal(new, label):
            return label
        label = new


@dataclass
class Job:
    """One part of the decisions, in its own index space 0..len(nodes)-1 (keeper order kept).
    nodes: the global index of each local paragraph; events: local indices to decide, in order;
    cand_a/cand_start: CSR of each local paragraph's candidates, best first."""

    nodes: np.ndarray
    texts: list[str]  # or a function giving them, called where the job runs
    groups: np.ndarray
    rep: np.ndarray
    cand_a: np.ndarray
    cand_start: np.ndarray
    events: np.ndarray
    member_roots: np.ndarray
    cfg: NearDupConfig
    within_group: bool


def decide(job: Job, workers: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(global indices of the removed paragraphs, global index of the kept paragraph that covers
    each, of the second one for a join or -1, containment in their union) for one job."""
    cfg, rep, groups, a, cand_start = job.cfg, job.rep, job.groups, job.cand_a, job.cand_start
    n = len(job.nodes)
    dup_of = np.full(n, -1, dtype=np.int64)
    also = np.full(n, -1, dtype=np.int64)
    sim = np.full(n, np.nan, dtype=np.float64)
    kept = np.ones(n, dtype=bool)
    members: dict[int, list[int]] = {int(r): [] for r in job.member_roots}
    verifier = Verifier(job.texts, cfg, workers)
    # Shingle sets of everything the loop is likely to compare, built in one batch: the events
    # (by their first occurrence) and the first max_candidates candidates of each.
    row = np.repeat(np.arange(n), np.diff(cand_start))
    rank = np.arange(len(a)) - cand_start[row]
    verifier.prepare(np.r_[rep[job.events], a[rank < cfg.max_candidates]])
    for i in job.events.tolist():
        r = int(rep[i])
        g = groups[i]
        # A labelled field of a list entry ("TARGET: ...") is not covered by the same field of
        # another entry of its document: it belongs to its entry. Any other line printed twice
        # in one document (a pull quote, a doubled caption) is.
        label = field_label(job.texts[i])

        def allowed(m: int) -> bool:
            if groups[m] != g:
                return True
            return job.within_group and (label is None or field_label(job.texts[m]) != label)

        if r != i:
            # An exact repeat: the first kept copy outside this document (or inside it, when
            # allowed) covers it.
            for m in [r, *members[r]]:
                if m < i and kept[m] and allowed(m):
                    dup_of[i], sim[i] = m, 1.0
                    break
        if dup_of[i] < 0:
            cands: list[int] = []
            for c in a[cand_start[r]:cand_start[r + 1]].tolist():
                # A candidate that was removed may have a kept exact copy that covers instead.
                for m in [c, *members.get(c, ())]:
                    if m < i and kept[m] and allowed(m):
                        if m not in cands:
                            cands.append(m)
                        break
                if len(cands) >= cfg.max_candidates:
                    break
            if cands:
                hit = verifier.covered_by(i, cands, rep)
                if hit is not None:
                    dup_of[i], sim[i] = hit[0][0], hit[1]
                    if len(hit[0]) > 1:
                        also[i] = hit[0][1]
        if dup_of[i] >= 0:
            kept[i] = False
        elif r in members and r != i:
            members[r].append(i)
    removed = np.flatnonzero(dup_of >= 0)
    second = also[removed]
    second = np.where(second >= 0, job.nodes[np.maximum(second, 0)], -1)
    return job.nodes[removed], job.nodes[dup_of[removed]], second, sim[removed]


@dataclass
class Plan:
    """Everything the decisions need, over all paragraphs (global indices, keeper order)."""

    texts: Sequence[str]
    groups: np.ndarray
    rep: np.ndarray
    cand_a: np.ndarray  # candidate pairs (earlier, later), sorted by the later paragraph
    cand_b: np.ndarray  # (its first occurrence), then best candidate first
    events: np.ndarray  # the paragraphs to decide, ascending
    member_roots: np.ndarray  # first occurrences of texts that repeat exactly
    cfg: NearDupConfig
    within_group: bool
    # Per paragraph, what deciding with it costs (its folded length), when the parts are to be
    # balanced by that instead of by their number of events (forked workers: a part's CPU
    # follows the text it verifies, up to 2x apart between parts of equal events).
    cost: np.ndarray | None = None

    def parts(self, n_parts: int, per_part: int | None = None) -> list[np.ndarray]:
        """The paragraphs of each part (sorted): whole components, balanced by their number of
        events, largest first onto the lightest part (ties by smallest member). `per_part`:
        at least one part per that many paragraphs involved, so that a part (the texts its job
        loads) does not grow with the corpus."""
        if not len(self.events):
            return []
        copies = np.flatnonzero(self.rep != np.arange(len(self.rep)))
        u = np.r_[self.cand_a, copies]
        v = np.r_[self.cand_b, self.rep[copies]]
        # The components over the linked paragraphs (and the events) only, renumbered in order:
        # a paragraph without links is a component of its own, and the monotone renumbering
        # keeps each component's smallest member. So the labels are a few per cent of the
        # paragraphs, not one per paragraph of the corpus.
        linked = sorted_unique(np.r_[u, v, self.events])
        label = linked[components(len(linked), np.searchsorted(linked, u),
                                  np.searchsorted(linked, v))]
        del copies, u, v
        roots, weight = np.unique(label[np.searchsorted(linked, self.events)], return_counts=True)
        # Every paragraph in a component with events: the events, their candidates and copies.
        with_events = member(label, roots)
        involved = linked[with_events]
        if self.cost is not None:
            weight = np.bincount(np.searchsorted(roots, label[with_events]),
                                 weights=self.cost[involved], minlength=len(roots)).astype(np.int64)
        if per_part:
            n_parts = max(n_parts, -(-len(involved) // per_part))
        load = np.zeros(max(1, n_parts), dtype=np.int64)
        part_of_root = np.empty(len(roots), dtype=np.int64)
        for j in np.lexsort((roots, -weight)).tolist():
            p = int(load.argmin())
            part_of_root[j] = p
            load[p] += weight[j]
        part = part_of_root[np.searchsorted(roots, label[with_events])]
        order = np.argsort(part, kind="stable")
        cuts = np.searchsorted(part[order], np.arange(len(load) + 1))
        return [involved[order[cuts[p]:cuts[p + 1]]] for p in range(len(load))
                if cuts[p + 1] > cuts[p]]

    def job(self, nodes: np.ndarray, texts=None) -> Job:
        """The self-contained job of one part (nodes sorted, closed under the links). `texts`:
        its texts, or a function the job calls for them (where it runs); else from `self.texts`."""
        local = lambda g: np.searchsorted(nodes, g)  # noqa: E731 - monotone renumbering
        keep = member(self.cand_b, nodes)
        a, b = local(self.cand_a[keep]), local(self.cand_b[keep])
        start = np.searchsorted(b, np.arange(len(nodes) + 1))
        events = self.events[member(self.events, nodes)]
        roots = self.member_roots[member(self.member_roots, nodes)]
        if texts is None:
            texts = [self.texts[i] for i in nodes.tolist()]
        return Job(nodes, texts, self.groups[nodes],
                   local(self.rep[nodes]), a, start, local(events), local(roots), self.cfg,
                   self.within_group)

    def node_sets(self, workers: int = 1, mapper=None) -> list[np.ndarray]:
        """The paragraphs of each job `decide_all` runs (the texts it reads are theirs)."""
        if not len(self.events):
            return []
        if mapper is not None:
            return self.parts(4 * max(1, workers), PART_PARAGRAPHS)
        if workers > 1:
            return self.parts(4 * workers, PART_PARAGRAPHS)
        return [sorted_unique(np.r_[self.events, self.cand_a, self.rep[self.events]])]


def _decide_job(job: Job):
    if callable(job.texts):  # loaded here, where the job runs (`Plan.job`)
        job.texts = job.texts()
    return decide(job)


def _decide_inherited(shared: tuple[Plan, list[np.ndarray]], part: int):
    plan, parts = shared
    return decide(plan.job(parts[part]))


def decide_all(plan: Plan, workers: int = 1, mapper=None, parts: list[np.ndarray] | None = None,
               loaders: list | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dup_of, second cover of a join, similarity) over all paragraphs: -1 / -1 / nan where kept
    (and -1 as second cover when one paragraph covers). With a mapper (Ray), each
    part is a task; with workers > 1, forked workers decide the parts; else one job. `parts`:
    `plan.node_sets(workers, mapper)`, when the caller already has them; `loaders`: with a
    mapper, a function per part that gives its texts where its job runs."""
    n = len(plan.texts)
    dup_of = np.full(n, -1, dtype=np.int64)
    also = np.full(n, -1, dtype=np.int64)
    sim = np.full(n, np.nan, dtype=np.float64)
    removed, by, second, score = decide_removed(plan, workers, mapper, parts, loaders)
    dup_of[removed], also[removed], sim[removed] = by, second, score
    return dup_of, also, sim


def decide_removed(plan: Plan, workers: int = 1, mapper=None,
                   parts: list[np.ndarray] | None = None, loaders: list | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`decide_all` as its removed paragraphs only, ascending: (removed, dup_of, second cover
    or -1, similarity), four arrays of one entry per removed paragraph, not per paragraph."""
    from ..runtime.forkmap import fork_map

    empty = np.empty(0, dtype=np.int64)
    if not len(plan.events):
        return empty, empty, empty, np.empty(0, dtype=np.float64)
    if parts is None:
        parts = plan.node_sets(workers, mapper)
    if mapper is not None:
        results = mapper(_decide_job, [plan.job(p, loaders[k] if loaders else None)
                                       for k, p in enumerate(parts)])
    elif workers > 1:
        results = fork_map(_decide_inherited, (plan, parts), len(parts), workers)
    else:
        results = [decide(plan.job(parts[0]))]
    if not results:
        return empty, empty, empty, np.empty(0, dtype=np.float64)
    removed, by, second, score = (np.concatenate(x) for x in zip(*results))
    order = np.argsort(removed, kind="stable")  # the parts' components are disjoint
    return removed[order], by[order], second[order], score[order]
