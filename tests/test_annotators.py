"""The annotators' signals on realistic news text, against hand-computed values and against a
plain re-statement of the published definitions (Gopher app. A, C4, FineWeb)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from pipeline.annotators import REGISTRY, Batch, c4, fineweb, gopher, repetition
from pipeline.annotators.base import Vocab
from pipeline.annotators.text import count_sentences, words, words_and_newlines

from conftest import corpus

ARTICLE = (
    "WASHINGTON (AP) — Sen. Mitch McConnell said Tuesday that the U.S. Senate won't vote on the "
    "$1.9 trillion bill before March 14, and Democrats can't pass it alone.\n\n"
    "\"We have to do this right,\" he told reporters. \"It's not a matter of speed.\"\n\n"
    "The bill, which passed the House 219-212, includes $1,400 checks for most Americans.\n\n"
    "Republicans have said the package is too costly; the White House disagrees..."
)


def batch(*texts: str) -> Batch:
    return Batch(list(texts), [None] * len(texts))


def test_utf8_of_the_batch_is_each_texts_encoding():
    texts = [ARTICLE, "", "Zürich’s “Ökonomen” say 5 €; 東京 too 😀"]
    b = batch(*texts)
    assert b.utf8_if_made() == [None, None, None]  # no Arrow array yet: nothing is encoded
    b.arrow
    assert [bytes(u) for u in b.utf8_if_made()] == [t.encode("utf-8") for t in texts]


def test_words_split_like_spacy_english():
    assert words("Sen. McConnell said the U.S. won't pay $1,400 (AP) — it's 219-212...") == [
        "Sen.", "McConnell", "said", "the", "U.S.", "wo", "n't", "pay", "$", "1,400", "(", "AP",
        ")", "—", "it", "'s", "219", "-", "212", "..."]
    assert words("COVID-19 and H1N1-2009") == ["COVID-19", "and", "H1N1", "-", "2009"]
    assert words("Write to jane@example.org or see https://example.org/a?b=1 now.") == [
        "Write", "to", "jane@example.org", "or", "see", "https://example.org/a?b=1", "now", "."]
    assert words("a well-known COVID-19 case, 10:30 a.m.") == [
        "a", "well", "-", "known", "COVID-19", "case", ",", "10:30", "a.m."]


def _vocab_rows(v: Vocab) -> tuple:
    return ([v.uniques[i] for i in v.ids.tolist()], v.doc_of.tolist(), v.line_of.tolist(),
            v.counts.tolist(), v.starts.tolist())


def test_batch_words_by_distinct_chunk_equal_the_tokenizer_on_each_text():
    """`Vocab.of_texts` splits each distinct chunk once; it must give every text's words, lines
    and documents exactly as the tokenizer run on each whole text."""
    import gzip
    import json

    tricky = [ARTICLE, "", "\n\n", "  lead\tand trail  \n", "wo n't won't cannot Cannot",
              "mail jane@example.org, see www.example.com/a?b. O'Neill, S&P; AT&T.",
              "- item one\n- item two\n\u2022 three\n\n\n#tag ... end…",
              "non\u00a0breaking\u2028line\x1csep\u3000wide", "a.m. p.m. U.S.A. Sen. Co."]
    texts = list(tricky)
    with gzip.open(corpus("allsides-news", "articles-part-00.jsonl.gz"), "rt") as fh:
        for _, line in zip(range(400), fh):
            texts.append(json.loads(line).get("content_original") or "")
    for batch_texts in (tricky, texts, [], [""]):
        fast = Vocab.of_texts(batch_texts)
        plain = Vocab.of([words_and_newlines(t) for t in batch_texts])
        assert _vocab_rows(fast) == _vocab_rows(plain)
    assert sum(Vocab.of_texts(texts).counts) > 100_000  # real articles were compared


def test_sentences_follow_the_sentencizer_rule():
    assert count_sentences(words('He said "No." Then he left! Really?')) == 3
    assert count_sentences(words("Mr. Smith went to the U.S. capital.")) == 1
    assert count_sentences([]) == 0


def test_gopher_signals_on_an_article():
    got = {k: v[0] for k, v in gopher.compute(batch(ARTICLE)).items()}
    ws = words(ARTICLE)
    real = [w for w in ws if re.search(r"\w", w)]
    assert got["gopher_word_count"] == len(real)
    assert got["gopher_mean_word_length"] == pytest.approx(sum(map(len, real)) / len(real))
    # the, that, to, and, have, of ("with" and "be" are absent)
    assert got["gopher_stop_words"] == len(gopher.STOP_WORDS & set(ws)) == 6
    assert got["gopher_symbol_word_ratio"] == pytest.approx(1 / len(ws))  # one "..."
    # 7 lines (4 paragraphs and the 3 blank lines between them), the last ends with "..."
    assert got["gopher_ellipsis_line_share"] == pytest.approx(1 / 7)
    assert got["gopher_bullet_line_share"] == 0
    alpha = sum(1 for w in ws if re.search(r"[^\W\d_]", w))
    assert got["gopher_alpha_word_share"] == pytest.approx(alpha / len(ws))
    assert 0.6 < got["gopher_alpha_word_share"] < 0.9


def test_gopher_bullets_and_hashes():
    text = "- one item here\n- two items here\n• three\nplain line #tag #tag2"
    got = {k: v[0] for k, v in gopher.compute(batch(text)).items()}
    assert got["gopher_bullet_line_share"] == pytest.approx(3 / 4)
    assert got["gopher_symbol_word_ratio"] == pytest.approx(2 / len(words(text)))


def _reference_ngrams(ws: list[str], n_chars: int) -> dict[int, float]:
    """Gopher's n-gram shares, written the plain way (the way datatrove does)."""
    out = {}
    for n in repetition.TOP_N:
        grams = [" ".join(ws[i:i + n]) for i in range(len(ws) - n + 1)]
        if grams:
            top, count = Counter(grams).most_common(1)[0]
            out[n] = len(top) * count / n_chars
        else:
            out[n] = 0.0
    for n in repetition.DUP_N:
        seen, rep, i = set(), 0, 0
        while i < len(ws) - n + 1:
            gram = tuple(ws[i:i + n])
            if gram in seen:
                rep += sum(map(len, gram))
                i += n
            else:
                seen.add(gram)
                i += 1
        out[n] = rep / n_chars
    return out


def test_repetition_ngrams_equal_the_plain_definition():
    spammy = ("Buy cheap flights now. Buy cheap flights now and save. " * 6
              + "\n\nBest deals on hotels, best deals on cars.\n\nBest deals on hotels, best deals on cars.")
    texts = [ARTICLE, spammy, "one two", "", "a b a b a b a b a b a b"]
    b = batch(*texts)
    got = repetition.compute(b)
    for i, (text, ws) in enumerate(zip(texts, b.words)):
        ref = _reference_ngrams(ws, len(text)) if text else {n: 0.0 for n in (*repetition.TOP_N, *repetition.DUP_N)}
        for n, value in ref.items():
            name = f"repetition_top_{n}gram_char_share" if n in repetition.TOP_N else f"repetition_dup_{n}gram_char_share"
            assert got[name][i] == pytest.approx(value), (i, n)
    assert got["repetition_dup_5gram_char_share"][1] > 0.3  # the spam repeats itself
    assert got["repetition_dup_5gram_char_share"][0] == 0.0


def test_repetition_duplicate_lines_and_paragraphs():
    para = "Click here to subscribe to our newsletter today."
    text = f"Opening paragraph of the story.\n\n{para}\n\n{para}\n\nClosing line."
    got = {k: v[0] for k, v in repetition.compute(batch(text)).items()}
    assert got["repetition_dup_para_share"] == pytest.approx(1 / 4)
    assert got["repetition_dup_para_char_share"] == pytest.approx(len(para) / len(text))
    assert got["repetition_dup_line_share"] == pytest.approx(1 / 4)
    assert got["repetition_dup_line_char_share"] == pytest.approx(len(para) / len(text))


def test_c4_counts_only_the_lines_c4_keeps():
    text = ("Please enable JavaScript to view the comments on this page.\n"
            "Menu\n"  # no terminal punctuation, too short: not looked at
            "Our privacy policy explains how we use cookies on this site.\n"
            "The council met on Monday. It approved the budget. Two members voted no.\n"
            "function() { return 1; }\n"  # no terminal punctuation: its { is never looked at
            "Lorem ipsum dolor sit amet\n"  # idem
            "Residents said the vote was fair [1].")
    got = {k: v[0] for k, v in c4.compute(batch(text)).items()}
    assert got == {"c4_sentences": 4, "c4_lorem_ipsum": False, "c4_curly_bracket": False,
                   "c4_javascript_lines": 1, "c4_policy_lines": 1}
    flagged = {k: v[0] for k, v in c4.compute(batch(text + "\nUse {braces} with care, he said.")).items()}
    assert flagged["c4_curly_bracket"] is True


def test_fineweb_shares():
    text = "Short one\nShort one\nThis line is long enough to count as a real line of text.\n\nEnd."
    got = {k: v[0] for k, v in fineweb.compute(batch(text)).items()}
    assert got["fineweb_line_punct_share"] == pytest.approx(2 / 4)
    assert got["fineweb_short_line_share"] == pytest.approx(3 / 4)
    assert got["fineweb_dup_line_char_share"] == pytest.approx(len("Short one") / (len(text) - 4))
    assert got["fineweb_newline_word_ratio"] == pytest.approx(4 / len(words(text)))


def test_every_annotator_fills_exactly_its_declared_columns():
    b = Batch([ARTICLE, ""], ["Title", None], options={"langdetect_seed": 0, "language_max_chars": 10_000})
    for ann in REGISTRY.values():
        out = ann(b)
        assert list(out) == [c.name for c in ann.columns]
        assert all(len(v) == 2 for v in out.values())


def test_agrees_with_datatrove_on_realistic_texts():
    pytest.importorskip("datatrove")
    from datatrove.data import Document
    from datatrove.pipeline.filters import GopherQualityFilter
    from datatrove.utils.text import split_into_words

    texts = [ARTICLE, ARTICLE.replace("\n\n", "\n\n- "), "Short text, too short to keep."]
    for text in texts:
        assert words(text) == split_into_words(text)
    keep = [GopherQualityFilter().filter(Document(text=t, id="x")) is True for t in texts]
    cols = gopher.compute(batch(*texts))
    ours = [cols["gopher_word_count"][i] >= 50 and 3 <= cols["gopher_mean_word_length"][i] <= 10
            and cols["gopher_alpha_word_share"][i] >= 0.8 and cols["gopher_stop_words"][i] >= 2
            for i in range(len(texts))]
    assert ours == keep
