"""The dedup evaluation set and scoring, on a small slice of the real corpora."""

from __future__ import annotations

import pytest

from pipeline.eval.dedup import msrp_whole, ours, score
from pipeline.eval.dedup_set import build

from conftest import corpus


@pytest.fixture(autouse=True)
def _corpora() -> None:
    corpus("allsides-news")
    corpus("msr-paraphrase")


def test_small_set_is_deterministic_and_labelled() -> None:
    a, b = build(12), build(12)
    assert [(d.id, d.paragraphs) for d in a] == [(d.id, d.paragraphs) for d in b]
    reprints = [t for d in a for t in d.truth if t is not None]
    hard = [h for d in a for h in d.hard if h]
    assert reprints and hard
    ids = {d.id: d for d in a}
    for d in a:
        for j, t in enumerate(d.truth):
            for doc_id, k in t or ():
                # An earlier document's paragraph, or (a pull quote) an earlier one of its own.
                assert (ids[doc_id].date < d.date and k < len(ids[doc_id].paragraphs)
                        or doc_id == d.id and k < j)
    # Issue 15's phenomena are in the set: wire edits, splits inside a sentence, swapped
    # clauses, pull quotes as reprints; other speakers, weekdays, list fields as hard negatives.
    # (100 originals: 5 list articles, enough for a field that recurs.) And the phenomena the
    # recall probe found: a statement's weekday, dots dropped, a titled speaker; another month
    # or abbreviation as hard negatives.
    big = build(100)
    kinds = {k for d in big for v in d.kind.values() for k in v.split("+")}
    assert {"wire_time", "wire_attribution", "split_inside", "reorder", "pull_quote",
            "wire_dated", "undotted", "titled"} <= kinds
    assert {"other_speaker", "weekday_changed", "list_field", "month_changed",
            "abbreviation_changed"} <= {h for d in big for h in d.hard}


def test_within_document_phenomena() -> None:
    # List fields that recur in their article stay; a paragraph printed twice in one goes.
    # (100 originals: 5 list articles, enough for fields that recur.)
    res = score(build(100), ours(within=True), within=True)
    assert res["hard_by_kind"]["list_field"] >= 5 and res["hard_removed"] == 0.0
    assert res["reprints"] >= 2 and res["recall"] == 1.0 and res["precision"] == 1.0


def test_detector_scores_on_small_set() -> None:
    # A small set: a single MSRP label-0 pair that only trims a phrase weighs 1 % of precision
    # here, so the bounds are looser than the goals `make eval` checks on the full set.
    res = score(build(25), ours())
    assert res["precision"] >= 0.97 and res["recall"] >= 0.95 and res["links_right"] >= 0.99
    assert res["hard_removed"] <= 0.01


def test_msrp_whole_reports_each_label() -> None:
    res = msrp_whole(ours())
    assert res["label 0"]["pairs"] == 1901 and res["label 1"]["pairs"] == 3900
    assert res["label 0"]["removed"] < 0.02
