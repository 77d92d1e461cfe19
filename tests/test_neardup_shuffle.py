"""The distributed path of the detector (chunk tasks, shuffle by fingerprint) equals the local one."""

from __future__ import annotations

import numpy as np

from pipeline.neardup.detect import NearDupConfig, find_duplicates
from pipeline.neardup.fingerprint import (_pair_keys, candidate_pairs, candidate_pairs_shuffled,
                                          count_keys, fingerprint_all)

from conftest import SEED_FILES, SEEDS


def _plain_map(fn, items):
    return [fn(item) for item in items]


def _paragraphs() -> list[str]:
    texts = []
    for name in SEED_FILES:
        texts += [line.strip() for line in (SEEDS / name).read_text().splitlines() if line.strip()]
    # Variants that share passages with the seeds: copies, trims and an updated figure.
    texts += [t[: len(t) * 2 // 3] for t in texts[:20]] + [t.replace("30", "45") for t in texts[:20]]
    return texts * 3


def test_shuffled_candidate_pairs_equal_the_global_ones():
    texts = _paragraphs()
    _, (keys,) = fingerprint_all(texts, 24, 3)
    _, (keys_mapped,) = fingerprint_all(texts, 24, 3, mapper=_plain_map)
    assert np.array_equal(keys, keys_mapped)
    expected = candidate_pairs(keys.copy(), len(texts), 1000, 8)
    for buckets in (2, 3, 7):
        _, slices = fingerprint_all(texts, 24, 3, mapper=_plain_map, ranges=buckets)
        got = candidate_pairs_shuffled(slices, len(texts), 1000, 8, _plain_map)
        for e, g in zip(expected, got):
            assert np.array_equal(e, g)
        # As the Ray path calls it: slices loaded by functions, two at a time.
        loaded = candidate_pairs_shuffled([lambda s=s: s for s in slices], len(texts), 1000, 8,
                                          _plain_map, batch=2)
        for e, g in zip(expected, loaded):
            assert np.array_equal(e, g)
    assert len(expected[0]) > 50


def test_pairing_slice_by_slice_equals_pairing_all_records():
    # Locally the records are gathered into slices of the fingerprint space and paired one by
    # one (in threads with two workers): the same pairs and counts as one array of all records.
    texts = _paragraphs()
    _, (keys,) = fingerprint_all(texts, 24, 3)
    expected = candidate_pairs(keys.copy(), len(texts), 1000, 8)
    for ranges, workers in ((2, 1), (8, 1), (8, 2)):
        _, slices = fingerprint_all(texts, 24, 3, workers=workers, ranges=ranges)
        assert len(slices) == ranges and sum(map(len, slices)) == len(keys)
        assert np.array_equal(np.sort(np.concatenate(slices)), np.sort(keys))
        got = candidate_pairs(slices, len(texts), 1000, 8, workers=workers)
        assert all(s is None for s in slices)  # handed over and freed
        for e, g in zip(expected, got):
            assert np.array_equal(e, g)
    # Common phrasing (held by more than max_df paragraphs) makes no pairs in either path.
    few = candidate_pairs(keys.copy(), len(texts), 2, 8)
    assert len(few[0]) < len(expected[0])


def test_pair_keys_counted_in_ranges_equal_one_count():
    # The pair keys of all slices are counted in value ranges, one thread each: the same keys
    # and counts as np.unique over all of them, whatever the number of ranges.
    texts = _paragraphs()
    _, slices = fingerprint_all(texts, 24, 3, ranges=8)
    keys: list[np.ndarray] = []
    for s in slices:
        keys += _pair_keys(s, len(texts), 1000, 8)[0]
    pk = np.concatenate(keys)
    expected = np.unique(pk, return_counts=True)
    assert len(expected[0]) > 50 and (expected[1] > 1).any()
    for workers in (1, 2, 3, 7):
        got = count_keys(pk, workers, min_split=0)
        assert got[1].dtype == np.int64
        for e, g in zip(expected, got):
            assert np.array_equal(e, g)
    empty = count_keys(pk[:0], 2, min_split=0)
    assert len(empty[0]) == len(empty[1]) == 0


def _pairs_by_dict(keys: np.ndarray, n: int, max_df: int, fanin: int):
    """candidate_pairs' contract, spelled out with dicts: every holder of a fingerprint (held by
    2..max_df paragraphs) is paired with the first `fanin` holders before it."""
    from collections import Counter, defaultdict

    holders: dict[int, set[int]] = defaultdict(set)
    for k in keys.tolist():
        holders[k >> 32].add(k & 0xFFFFFFFF)
    shared: Counter = Counter()
    nfp = np.zeros(n, dtype=np.int64)
    for ps in holders.values():
        ps = sorted(ps)
        nfp[ps] += 1
        if 2 <= len(ps) <= max_df:
            for r, b in enumerate(ps):
                for a in ps[:min(r, fanin)]:
                    shared[a, b] += 1
    pairs = sorted(shared)
    return ([a for a, _ in pairs], [b for _, b in pairs], [shared[p] for p in pairs], nfp)


def test_candidate_pairs_follow_their_contract():
    texts = _paragraphs()
    _, (keys,) = fingerprint_all(texts, 24, 3)
    found = []
    for max_df, fanin in ((1000, 8), (12, 2), (2, 1)):
        a, b, shared, nfp = candidate_pairs(keys.copy(), len(texts), max_df, fanin)
        ea, eb, es, enfp = _pairs_by_dict(keys, len(texts), max_df, fanin)
        assert a.tolist() == ea and b.tolist() == eb and shared.tolist() == es
        assert np.array_equal(nfp, enfp)
        found.append(len(ea))
    # Every text appears three times, so no fingerprint is held by only two paragraphs.
    assert found[0] > found[1] > 10 and found[2] == 0


def test_find_duplicates_with_a_mapper_gives_the_same_result():
    texts = _paragraphs()
    groups = np.arange(len(texts)) // 10
    local = find_duplicates(texts, groups, NearDupConfig())
    mapped = find_duplicates(texts, groups, NearDupConfig(), workers=2, mapper=_plain_map)
    assert (local.dup_of >= 0).sum() > 40
    for field in ("dup_of", "cluster"):
        assert np.array_equal(getattr(local, field), getattr(mapped, field))
    assert np.array_equal(np.nan_to_num(local.similarity, nan=-1), np.nan_to_num(mapped.similarity, nan=-1))


def test_decisions_split_by_component_equal_one_pass():
    # workers=2 decides parts in forked workers; the mapper path ships each part as a task.
    texts = _paragraphs()
    groups = np.arange(len(texts)) // 10
    one = find_duplicates(texts, groups, NearDupConfig())
    forked = find_duplicates(texts, groups, NearDupConfig(), workers=2)
    mapped = find_duplicates(texts, groups, NearDupConfig(), workers=2, mapper=_plain_map)
    assert (one.dup_of >= 0).sum() > 40 and len(set(one.cluster[one.dup_of >= 0].tolist())) > 5
    for got in (forked, mapped):
        assert np.array_equal(one.dup_of, got.dup_of)
        assert np.array_equal(one.cluster, got.cluster)
        assert np.array_equal(np.nan_to_num(one.similarity, nan=-1), np.nan_to_num(got.similarity, nan=-1))


def test_components_and_parts_keep_linked_paragraphs_together():
    from pipeline.neardup.decide import components

    # Two chains (0-3-5, 1-4) and loners: labels are each component's smallest member.
    label = components(7, np.array([3, 1, 5]), np.array([0, 4, 3]))
    assert label.tolist() == [0, 1, 2, 0, 1, 0, 6]
    # A long chain needs several rounds of propagation.
    n = 1000
    chain = components(n, np.arange(1, n), np.arange(n - 1))
    assert (chain == 0).all()


def test_parts_balanced_by_cost_keep_components_whole():
    from pipeline.neardup.decide import Plan

    # Components {0, 1}, {2, 3}, {4, 5}, {6, 7}: one event each (1, 3, 5, 7). By events the
    # four are equal; by cost (folded lengths) the first outweighs the other three together,
    # so with two parts it goes alone.
    n = 8
    a, b = np.array([0, 2, 4, 6]), np.array([1, 3, 5, 7])
    cost = np.array([900, 900, 100, 100, 100, 100, 100, 100])
    plan = Plan([""] * n, np.arange(n), np.arange(n), a, b, b, np.empty(0, np.int64),
                NearDupConfig(), True, cost)
    parts = plan.parts(2)
    assert sorted(np.concatenate(parts).tolist()) == list(range(n))
    assert [0, 1] in [p.tolist() for p in parts]
    by_events = Plan(*[getattr(plan, f) for f in ("texts", "groups", "rep", "cand_a", "cand_b",
                                                   "events", "member_roots", "cfg",
                                                   "within_group")]).parts(2)
    assert sorted(len(p) for p in by_events) == [4, 4]
