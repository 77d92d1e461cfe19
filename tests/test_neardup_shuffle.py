"""The distributed path of the detector (chunk tasks, shuffle by fingerprint) equals the local one."""

from __future__ import annotations

import numpy as np

from pipeline.neardup import NearDupConfig, find_duplicates
from pipeline.neardup_hash import candidate_pairs, candidate_pairs_shuffled, fingerprint_all

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
    _, keys = fingerprint_all(texts, 24, 3)
    _, keys_mapped = fingerprint_all(texts, 24, 3, mapper=_plain_map)
    assert np.array_equal(keys, keys_mapped)
    expected = candidate_pairs(keys.copy(), len(texts), 1000, 8)
    for buckets in (2, 3, 7):
        got = candidate_pairs_shuffled(keys.copy(), len(texts), 1000, 8, _plain_map, buckets)
        for e, g in zip(expected, got):
            assert np.array_equal(e, g)
    assert len(expected[0]) > 50


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
    assert (one.dup_of >= 0).sum() > 40
    for got in (forked,):
        assert np.array_equal(one.dup_of, got.dup_of)
        assert np.array_equal(np.nan_to_num(one.similarity, nan=-1), np.nan_to_num(got.similarity, nan=-1))


def test_components_and_parts_keep_linked_paragraphs_together():
    from pipeline.neardup_decide import components

    # Two chains (0-3-5, 1-4) and loners: labels are each component's smallest member.
    label = components(7, np.array([3, 1, 5]), np.array([0, 4, 3]))
    assert label.tolist() == [0, 1, 2, 0, 1, 0, 6]
    # A long chain needs several rounds of propagation.
    n = 1000
    chain = components(n, np.arange(1, n), np.arange(n - 1))
    assert (chain == 0).all()
