"""The verification's inner loops, rewritten for speed, against their plain spelling: shingle
sets built by sorted runs against one set per text, the wire-word test by word runs against
the pattern, a cover's tokens from its paragraphs against the tokens of the joined text."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from pipeline.neardup.facts import WIRE_WORD, Para, has_wire_word, joined_tokens
from pipeline.neardup.shingles import shingle_sets
from pipeline.neardup.textnorm import fold_bytes, tokens

RAW = Path(__file__).resolve().parents[1] / "raw"


def seed_paragraphs() -> list[str]:
    """The repository's seed articles, line by line: real news prose, curly quotes, dashes."""
    return [line.strip() for f in sorted(RAW.glob("*.txt"))
            for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]


def plain_sets(texts: list[str], k: int) -> list[set[int]]:
    out = []
    for t in texts:
        b = bytes(fold_bytes(t.replace("\x00", " ").encode()))
        out.append({int.from_bytes(b[i:i + k], "little") for i in range(len(b) - k + 1)})
    return out


def test_shingle_sets_are_each_texts_own_set() -> None:
    paras = seed_paragraphs()
    assert len(paras) >= 20
    rng = random.Random(5)
    # Many paragraphs at once (more records than one sorted run holds), a few, odd ones.
    batches = [paras * 12, paras[:3], ["", "ab", "x" * 4, "\x00 Zero byte\x00", "  ", "é—“”"],
               rng.sample(paras, 7) + ["Short."] + rng.sample(paras, 5)]
    for texts in batches:
        for k in (5, 3):
            offsets, values = shingle_sets(texts, k)
            assert len(offsets) == len(texts) + 1
            got = [values[offsets[j]:offsets[j + 1]] for j in range(len(texts))]
            for g, want in zip(got, plain_sets(texts, k)):
                assert np.all(np.diff(g.astype(np.float64)) > 0)  # sorted, unique
                assert set(g.tolist()) == want
    assert len(shingle_sets(paras * 12, 5)[1]) > 1 << 15
    # Built in threads (2,000 texts or more), parts concatenated in order: the same arrays.
    many = (paras * (2000 // len(paras) + 1))[:2100] + ["", "é—“”"]
    one = shingle_sets(many, 5)
    for workers in (2, 3):
        got = shingle_sets(many, 5, workers)
        assert np.array_equal(one[0], got[0]) and np.array_equal(one[1], got[1])


def test_wire_word_test_and_joined_tokens_match_their_plain_spelling() -> None:
    paras = seed_paragraphs()
    odd = ["Said so.", "SAIDx said_ x_said", "\u017faid", "Tuesday\u2019s vote", "weekend-long",
           "caf\u00e9 reported", "no such word here", "Thurs. night", "Mon\u00e9t sat"]
    for t in paras + odd:
        assert has_wire_word(t) == (WIRE_WORD.search(t) is not None), t
    # A cover's tokens: its paragraphs' tokens one after the other, except where "per" ending
    # one text meets "cent" opening the next (the joined text folds them to "%").
    rng = random.Random(3)
    for _ in range(30):
        texts = rng.sample(paras, 2)
        assert joined_tokens([Para(t) for t in texts]) == tokens(" ".join(texts))
    edge = ["Prices rose 5 per", "cent of the time, it said."]
    assert joined_tokens([Para(t) for t in edge]) == tokens(" ".join(edge))
    assert "%" in joined_tokens([Para(t) for t in edge])
