"""pipeline.langid.detect_languages gives seeded langdetect's (language, probability)."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from conftest import corpus

from pipeline.langid.detect import detect_languages

SAMPLES = {
    "en": "The city council voted on Tuesday to expand the bus network, after residents complained "
    "that the old routes left whole neighbourhoods without a reliable way to reach the hospital.",
    "fr": "Le conseil municipal a voté mardi l'extension du réseau de bus, après que des habitants se "
    "sont plaints que les anciennes lignes laissaient des quartiers entiers sans accès à l'hôpital.",
    "de": "Der Stadtrat hat am Dienstag beschlossen, das Busnetz zu erweitern, nachdem sich Anwohner "
    "beschwert hatten, dass ganze Viertel keine zuverlässige Verbindung zum Krankenhaus haben.",
    "ru": "Городской совет во вторник проголосовал за расширение автобусной сети после того, как "
    "жители пожаловались, что старые маршруты оставляли целые районы без связи с больницей.",
    "ko": "시의회는 화요일 버스 노선을 확대하기로 의결했다. 주민들은 기존 노선으로는 병원에 갈 "
    "방법이 없다고 불만을 제기해 왔다.",
    "zh-cn": "市议会周二投票决定扩大公交网络，此前居民抱怨旧线路让整个街区无法可靠地到达医院。"
    "新线路将于明年春天开通，市政府表示将增加发车频率。",
}

# Edge cases of langdetect's text handling: URLs and e-mails removed, runs of capitals skipped,
# Latin noise dropped from non-Latin text, Vietnamese combining marks, astral characters.
TRICKY = [
    "See https://example.com/a?b=c and mail editor@example.org for the NATO and USA story today.",
    "NASA SAID ON MONDAY THAT THE LAUNCH WAS DELAYED",
    "Trump 트럼프 대통령은 화요일 White House 백악관에서 기자회견을 열었다 CNN",
    "Tiếng Việt có dấu: Hà Nội là thủ đô của Việt Nam",
    "emoji 😀 𝐁𝐎𝐋𝐃 text with 𐐀 deseret capital and ordinary words in english",
    "  leading spaces,\ttabs\nand  double  spaces ... -- 123 ; l'été à Paris",
    "x",
    "ÉÉ é",
]


def langdetect_answer(text: str, seed: int = 0) -> tuple[str | None, float | None]:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = seed
    try:
        best = detect_langs(text)[0]
    except (LangDetectException, IndexError):
        return None, None
    return best.lang, best.prob


def assert_same(texts, got, seed=0):
    for text, (lang, prob) in zip(texts, got):
        ref_lang, ref_prob = langdetect_answer(text, seed)
        assert lang == ref_lang, text[:80]
        if ref_prob is None:
            assert prob is None
        else:
            assert prob == pytest.approx(ref_prob, abs=1e-9), text[:80]


def test_languages_of_realistic_sentences_are_langdetects():
    texts = list(SAMPLES.values())
    got = detect_languages(texts)
    assert [lang for lang, _ in got] == list(SAMPLES)
    assert_same(texts, got)


def test_tricky_texts_and_other_seeds():
    assert_same(TRICKY, detect_languages(TRICKY))
    assert_same(TRICKY[:3], detect_languages(TRICKY[:3], seed=7), seed=7)


@pytest.mark.parametrize("text", ["", "   ", "2024 12 31 0042", "!!! ... ??? -- ;:", "\n\t"])
def test_no_features_gives_none_like_langdetect_raises(text):
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    with pytest.raises(LangDetectException):
        detect_langs(text)
    assert detect_languages([text]) == [(None, None)]


def test_answer_is_independent_of_batch_order_and_composition():
    texts = list(SAMPLES.values()) + TRICKY + ["", "42"]
    got = detect_languages(texts)
    order = list(range(len(texts)))
    random.Random(1).shuffle(order)
    shuffled = detect_languages([texts[i] for i in order])
    assert [got[i] for i in order] == shuffled
    assert [detect_languages([t])[0] for t in texts] == got


@pytest.mark.parametrize("max_chars", [60, 150, 400])
def test_max_chars_is_langdetects_max_text_length(max_chars):
    from langdetect import DetectorFactory, detector_factory

    # French first, then English: the answer depends on where the text is cut; a URL in front
    # checks that the cut comes after URL removal, as in Detector.append.
    text = "https://example.com/" + "x" * 80 + " " + SAMPLES["fr"] + " " + SAMPLES["en"] * 3
    DetectorFactory.seed = 0
    detector_factory.init_factory()
    detector = detector_factory._factory.create()
    detector.set_max_text_length(max_chars)
    detector.append(text)
    best = detector.get_probabilities()[0]
    lang, prob = detect_languages([text], max_chars=max_chars)[0]
    assert (lang, prob) == (best.lang, pytest.approx(best.prob, abs=1e-9))


def test_profiles_are_langdetects_own():
    from langdetect import detector_factory

    from pipeline.langid.tables import load_profiles

    langs, words, P = load_profiles()
    detector_factory.init_factory()
    factory = detector_factory._factory
    assert langs == tuple(factory.langlist)
    assert len(words) == sum(1 <= len(w) <= 3 for w in factory.word_lang_prob_map)
    for row in range(0, len(words), 97):
        assert P[row].tolist() == factory.word_lang_prob_map[words[row]]
    assert not P[-1].any()


def test_character_tables_match_langdetect_normalisation():
    """The vectorised per-character tables agree with NGram.normalize and str.isupper."""
    from langdetect.utils.ngram import NGram

    from pipeline.langid.tables import tables

    T = tables()
    ids = {ch: i for i, ch in enumerate(T.alphabet, start=1)}
    rng = random.Random(0)
    for cp in rng.sample(range(0x10000), 4000) + [0x41, 0x3042, 0x30A2, 0xAC01, 0x4E00, 0x219]:
        n = NGram.normalize(chr(cp))
        assert int(T.alpha_of_cp[cp]) == ids.get(n, 0), hex(cp)
        assert bool(T.upper_of_cp[cp]) == n.isupper(), hex(cp)
    # _normalised_bmp asks NGram.normalize only in the blocks it rewrites per character: it must
    # still be NGram.normalize on every BMP code point.
    from pipeline.langid.tables import _normalised_bmp

    norm = _normalised_bmp()
    assert all(norm[cp] == ord(NGram.normalize(chr(cp))) for cp in range(0x10000))
    for cp in (0x10400, 0x1D400, 0x1F600, 0x20000, 0x10FFFF):  # astral: left as they are
        assert NGram.normalize(chr(cp)) == chr(cp)
        assert chr(cp) not in ids


def test_agrees_with_langdetect_on_benchmark_pages():
    gt = json.loads(corpus("article-extraction-benchmark", "ground-truth.json").read_text())
    bodies = [gt[i]["articleBody"] for i in sorted(gt)]
    # every 8th page, plus the pages with a fair share of non-ASCII letters (most non-English ones)
    texts = bodies[::8] + [
        b for b in bodies if sum(not c.isascii() and c.isalpha() for c in b) > 0.05 * len(b)
    ]
    assert len(texts) > 30
    assert_same(texts, detect_languages(texts))


def test_random_mixed_script_texts_match_langdetect():
    """Short random texts over a pool that exercises every rule of the n-gram walk (capital runs,
    space runs, punctuation, Latin noise in non-Latin text, Kanji classes, Hangul, Vietnamese
    marks, astral characters, URLs)."""
    pool = (
        list("abcdefghijklmnopqrstuvwxyzAEIOUNSTXYZ") + [" "] * 8 + list("  ,.;'!?0123-_[`")
        + list("éèçñüößøåæłğışțș") + list("приветМИРдлязы") + list("日本語の文字カタ中文字漢")
        + list("한국어글자") + ["\u0301", "\u0303", "\u0323", "\u00a0", "\u2019", "😀", "𐐀"]
        + ["http://x.org/a ", "a@b.cc ", "Đ", "ǅ"]
    )
    rng = random.Random(2024)
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(1, 60))) for _ in range(300)]
    assert_same(texts, detect_languages(texts))


def test_mail_removal_near_the_at_signs_is_langdetects():
    """_remove_mail scans only around each '@' and must give MAIL_RE.sub's result."""
    from langdetect.detector import Detector

    from pipeline.langid.ngrams import MAIL_AFTER, MAIL_BEFORE, _remove_mail

    rng = random.Random(3)
    pieces = ["a" * 70, "b" * 300, "@", ".", " ", "x-y_z", "9", "é"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        assert _remove_mail(text, Detector.MAIL_RE) == Detector.MAIL_RE.sub(" ", text)
    edge = "x" * 64 + "@" + "d" * 255 + "e" * 255 + "!"  # the longest match, then one more
    assert len(edge) == MAIL_BEFORE + 1 + MAIL_AFTER + 1
    assert _remove_mail("q" + edge, Detector.MAIL_RE) == Detector.MAIL_RE.sub(" ", "q" + edge)


def test_langdetect_backend_gives_the_same_answers_as_the_replay():
    """`annotate.language_backend: langdetect` calls langdetect itself: the same (language,
    score) as the vectorised replay, on realistic and tricky texts and another seed."""
    from pipeline.langid.detect import detect_languages_langdetect

    texts = list(SAMPLES.values()) + TRICKY + [""]
    for seed in (0, 7):
        plain = detect_languages_langdetect(texts, seed=seed)
        fast = detect_languages(texts, seed=seed)
        assert [lang for lang, _ in plain] == [lang for lang, _ in fast]
        for (_, a), (_, b) in zip(plain, fast):
            assert (a is None and b is None) or a == pytest.approx(b, abs=1e-9)
    (lang, score), = detect_languages_langdetect([SAMPLES["fr"] * 3], max_chars=60)
    (want_lang, want_score), = detect_languages([SAMPLES["fr"] * 3], max_chars=60)
    assert lang == want_lang and score == pytest.approx(want_score, abs=1e-9)


def test_language_backend_in_a_run(seed_raw, tmp_path):
    import pyarrow.parquet as pq

    from pipeline.core.config import load_config
    from pipeline.runner import run

    for backend in ("fast", "langdetect"):
        run(load_config(None, [f"annotate.language_backend={backend}"]), seed_raw,
            tmp_path / backend)
    fast, plain = (pq.read_table(tmp_path / b / "parquet" / "documents").to_pydict()
                   for b in ("fast", "langdetect"))
    assert fast["language"] == plain["language"] == ["en", "en"]
    assert fast["language_score"] == pytest.approx(plain["language_score"], abs=1e-9)


def test_tables_come_whole_from_the_cache_and_a_damaged_entry_is_derived_again(tmp_path, monkeypatch):
    """The mapped tables equal the ones derived from the profiles, and an entry cut short (a
    full disk, a killed copy) is derived again and repaired, not trusted."""
    from dataclasses import fields

    from pipeline.langid import tables as T

    def same(a, b):
        return all(np.array_equal(getattr(a, f.name), getattr(b, f.name))
                   if isinstance(getattr(b, f.name), np.ndarray) else getattr(a, f.name) == getattr(b, f.name)
                   for f in fields(b))

    monkeypatch.setenv("NEWSPREP_CACHE_DIR", str(tmp_path))
    T.tables.cache_clear()
    try:
        built = T.build_tables()
        first = T.tables()
        [entry] = tmp_path.glob("langid-*")
        assert same(first, built) and not first.member3.flags.writeable
        member = entry / "member3.npy"
        member.write_bytes(member.read_bytes()[:4096])
        T.tables.cache_clear()
        assert same(T.tables(), built)
        assert member.stat().st_size == built.member3.nbytes + 128  # the .npy header
        monkeypatch.setenv("NEWSPREP_CACHE_DIR", "off")
        assert T.cache_root() is None
    finally:
        T.tables.cache_clear()
