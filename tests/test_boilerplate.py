"""Pure boilerplate functions, and a benchmark slice scored when the corpus is present."""

from __future__ import annotations

import json

import pytest

from pipeline.boilerplate import classify as bp
from pipeline.stages.clean import CleanConfig
from pipeline.eval.boilerplate import c4_lines, clean_pages, host, page_score, prf

from conftest import corpus

RULES = CleanConfig().rules


def _page(body: list[str]) -> list[str]:
    nav = ["Home", "News", "Sport", "Politik", "Wirtschaft", "Kultur", "Suche", "Anmelden"]
    foot = ["Impressum", "Datenschutz", "Kontakt", "Mediadaten", "AGB", "Karriere", "© 2020 Verlag"]
    return ["Beispielzeitung - Nachrichten"] + nav * 3 + body + foot * 3


GERMAN = [
    "Neue Bahnstrecke eröffnet",
    "Die neue Strecke zwischen den beiden Städten wurde am Montag nach sieben Jahren Bauzeit "
    "feierlich eröffnet, wie die Bahn mitteilte.",
    "Pendler sparen damit täglich rund zwanzig Minuten, sagte der Verkehrsminister bei der Feier.",
    "Kritik am Preis",
    "Umweltverbände kritisierten jedoch die hohen Kosten von mehr als zwei Milliarden Euro.",
]


def test_multilingual_page_keeps_article_and_its_heading():
    reasons = bp.classify_lines(_page(GERMAN), RULES)
    kept = [t for t, r in zip(_page(GERMAN), reasons) if r is None]
    # The article (with its in-article heading) stays; menus and footer go.
    assert GERMAN[1:] == kept[-4:] and "Kritik am Preis" in kept
    assert "Impressum" not in kept and "Politik" not in kept


def test_extracted_article_is_not_region_cut():
    # An allsides-like article: a title and dek over prose. Not page-like: nothing is cut.
    lines = ["Senate passes budget", "The vote was 51-49"] + GERMAN[1:3] * 3
    assert bp.classify_lines(lines, RULES) == [None] * len(lines)


def test_comment_section_is_a_barrier():
    comments = ["3 Comments", "Alice says:", "I disagree with every word of this piece, honestly."] * 4
    lines = _page(GERMAN[1:3] + comments)
    kept = [t for t, r in zip(lines, bp.classify_lines(lines, RULES)) if r is None]
    assert kept == GERMAN[1:3]


def test_shapes():
    assert bp.line_shape("November 19, 2019 at 6:34 am") == "date_only"
    assert bp.line_shape("Whatsapp Facebook Pint Baixar") == "share_buttons"
    assert bp.line_shape("Rating: 9 Votes") == "counter"
    assert bp.line_shape("Ceasefire talks") is None


def test_learning_protects_labels_and_needs_enough_documents():
    counts = {"story continued below": 30, "trump:": 30, "q:": 40, "12": 50, "rare line": 3}
    need = bp.repeated_need(100, 5, 0.02)
    learned = {line: c for line, c in counts.items() if c >= need and bp.learnable(line)}
    assert learned == {"story continued below": 30}
    assert bp.repeated_need(1000, 5, 0.02) == 20


def test_best_region_prefers_dense_prose():
    assert bp.best_region([-5, 10, -2, 10, -50, 8]) == (1, 4)
    assert bp.best_region([-1, -1]) is None


def test_invalid_rule_is_reported():
    with pytest.raises(ValueError, match="invalid regular expression"):
        bp.compile_rules({"rules": [{"name": "x", "pattern": "(unclosed"}]})


def test_scoring_rule_matches_the_benchmark():
    assert page_score("a b c d e", "a b c d e") == (1.0, 0.0, 0.0)
    tp, fp, fn = page_score("a b c d x", "a b c d e")
    assert (tp, fp, fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))  # shared abcd; bcdx vs bcde


def test_benchmark_slice_beats_c4_and_keep_all():
    bench = corpus("article-extraction-benchmark")
    gt = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    full = json.loads((bench / "output" / "html-text.json").read_text(encoding="utf-8"))["output"]
    ids = sorted(gt)[1::4]  # 45 pages spread over the set
    truth = {i: gt[i]["articleBody"] for i in ids}
    ours = clean_pages({i: full[i]["articleBody"].split("\n") for i in ids},
                       {i: host(gt[i]["url"]) for i in ids}, CleanConfig())
    f_ours = prf(ours, truth, ids)["f1"]
    f_c4 = prf({i: c4_lines(full[i]["articleBody"]) for i in ids}, truth, ids)["f1"]
    f_all = prf({i: full[i]["articleBody"] for i in ids}, truth, ids)["f1"]
    assert f_ours > f_c4 + 0.03 and f_ours > f_all + 0.15


def test_long_transcript_is_not_a_page():
    # An extracted podcast transcript (allsides, NYT "The Daily"): long, mostly short lines, but
    # no line that only whole web pages print, so no zone is cut.
    lines = []
    for i in range(30):
        lines += ["michael barbaro", f"Question number {i} about the caucus?", "alexander burns",
                  f"Well, answer {i} is that it depends on the turnout in the precinct tonight."]
    assert bp.classify_lines(lines, RULES) == [None] * len(lines)


def test_matcher_agrees_with_a_loop_over_patterns():
    from hypothesis import given, settings, strategies as st

    pats = [r.pattern for r in RULES] + list(bp._SHAPES_RX)
    m = bp.Matcher(pats)
    samples = ["Leave a Comment", "We use cookies to improve your experience. Accept", "Reply",
               "Jane Doe says:", "November 19, 2019 at 6:34 am", "Facebook Twitter Email",
               "Sign up for our daily newsletter today", "Advertisement", "12 Comments",
               "Copyright © 2019 The Example Times, LLC. Click here for reprint permission.",
               "A perfectly ordinary sentence that mentions cookies and newsletters.", "Impressum"]

    def loop(s):
        return next((i for i, p in enumerate(pats) if p.fullmatch(s)), None)

    for s in samples:
        assert m.first(bp.fold(s)) == loop(bp.fold(s)), s
    # Many lines at once (one Aho-Corasick pass over them joined): the same answers, also for a
    # required string that only the join of two lines holds ("...cook" + "ies...").
    lines = [bp.fold(s) for s in samples] + ["we use cook", "ies", "Reply"]
    assert m.first_many(lines, [s.lower() for s in lines]) == [loop(s) for s in lines]

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.lists(st.sampled_from(["cookies", "we", "use", "says", ":", "12", "comments",
                                              "ad", "reply", "newsletter", "sign up for", "©", "x",
                                              "facebook", "2019", "nov", "privacy", "a" * 30]),
                             max_size=12), max_size=4))
    def check(docs):
        lines = [bp.fold(" ".join(words)) for words in docs]
        assert m.first_many(lines, [s.lower() for s in lines]) == [loop(s) for s in lines]
        assert [m.first(s) for s in lines] == [loop(s) for s in lines]

    check()


def test_matcher_prefilter_on_many_lines_agrees_with_a_loop_over_patterns():
    # From PREFILTER_MIN_LINES lines on, long lines reach the Aho-Corasick walk only in blocks
    # where RE2 finds a string of a pattern wide enough for them: the same answers as the loop,
    # for short and long lines, strings split over two lines, and a lone surrogate (no Arrow).
    from pipeline.boilerplate import regex as R

    pats = [r.pattern for r in RULES] + list(bp._SHAPES_RX)
    m = bp.Matcher(pats)
    filler = "The council approved the budget on Tuesday after a long debate over the schools"
    lines = ["Jane Doe says:", "He said: no", "We use cookies to improve your experience. Accept",
             "Sign up for our daily newsletter today", "Enlarge this image", "Click here",
             f"{filler}, and the mayor said she would sign it.", f"{filler} and cookies.",
             f"{filler}. We use cookies to improve your experience on our site. Accept all",
             f"{filler}. Sign up for our newsletter and get the news first, said the editor",
             "we use cook", "ies to improve your experience", "x" * 200 + " said:", "Reply"]
    lines = [bp.fold(s) for s in lines * (R.PREFILTER_MIN_LINES // len(lines) + 1)]
    lines += [filler + " " + str(i) for i in range(R.PREFILTER_BLOCK * 3)]  # blocks without one

    def loop(s):
        return next((i for i, p in enumerate(pats) if p.fullmatch(s)), None)

    once = {s: loop(s) for s in set(lines)}  # the lines repeat: the loop once per line
    want = [once[s] for s in lines]
    assert m.first_many(lines, [s.lower() for s in lines]) == want
    assert want[0] == len(RULES) and len({w for w in want[:14] if w is not None}) >= 4  # shape, rules
    odd = lines + ["We use cookies \ud800 here. Accept"]
    assert m.first_many(odd, [s.lower() for s in odd]) == want + [loop(odd[-1])]


def test_line_table_examines_many_lines_as_one_at_a_time():
    # Every allsides-like and page-like line of this file, batched per document and one by one.
    lines = [*GERMAN, CAPTION, TEASER, "Advertisement", "  Story   continues below ",
             "Facebook Twitter Email", "", "   ", "31. Mai 2012", "Weiterlesen »", "x" * 700,
             "1 of 24 a photo 2 of 24 another " + "word " * 200, "Jane Doe says:", "Impressum"]
    one = bp.LineTable(RULES)
    expected = [one.facts(t) for t in lines]
    many = bp.LineTable(RULES)
    assert many.facts_many(lines[:7]) + many.facts_many(lines[7:] + lines[:3])[:-3] == expected
    got = {t: (f.rule and f.rule.name, f.shape) for t, f in zip(lines, expected)}
    assert got["Advertisement"] == ("advertisement", None)
    assert got["  Story   continues below "] == ("story_continues", None)
    assert got["Facebook Twitter Email"] == (None, "share_buttons")
    assert got["31. Mai 2012"] == ("date", None) and got["Weiterlesen »"] == ("read_more", None)
    assert got["Jane Doe says:"] == (None, "comment_marker")
    assert got[lines[-3]] == (None, "slideshow") and got["x" * 700] == (None, None)
    assert all(got[t] == (None, None) for t in GERMAN) and expected[len(GERMAN) + 5].key is None


def test_language_rules_tried_by_lead_agree_with_every_rule_in_order():
    # A line's lead selects the language rules it can start; the answer is still the first rule
    # of all (YAML rules first, then the language rules in order) whose pattern matches.
    table = bp.LineTable(RULES)
    lines = ["Weiterlesen »", "Lire la suite", "Leer más", "Continua a leggere", "Czytaj dalej",
             "31. Mai 2012", "Donnerstag, 31. Mai 2012", "Impressum | Datenschutz | Kontakt",
             "« Vorheriger Artikel", "Kommentar schreiben", "Foto: dpa", "Teilen", "Compartir",
             "Akzeptieren", "Datenschutzerklärung", "Startseite", "2 Kommentare", "Mehr lesen »",
             "Impressionen vom Stadtfest am Samstag", "Leer a los niños es importante.",
             "Lire, écrire et compter : les fondamentaux", "Foto di gruppo alla festa del paese",
             "Datenschutz ist ein Grundrecht, sagte die Ministerin.", "In Mai 2012 war alles neu",
             "Teilen statt besitzen: das Carsharing wächst", "Kontakt zu den Eltern halten",
             *GERMAN, "Leave a Comment", "Advertisement", "Facebook Twitter Email"]
    led = [r for r in RULES if r.lead is not None and not r.pages_only]
    assert len(led) >= 5

    def loop(line):
        folded = bp.fold(line)
        return next((r for r in table.rules + led if r.pattern.fullmatch(folded)), None)

    want = [loop(t) for t in lines]
    assert [f.rule for f in table.facts_many(lines)] == want
    assert len({r.name for r in want if r is not None and r in led}) >= 5  # several languages' rules
    assert want[lines.index("Impressionen vom Stadtfest am Samstag"):].count(None) >= 10


def test_pattern_facts():
    from pipeline.boilerplate import regex as R

    assert R.max_width(r"ab\s*c") == 4  # folded text: \s* is one space at most
    assert R.max_width(r"a\d+") == float("inf")
    assert R.required_literals(r".{0,20}(uses|use) cookies.{0,9}|privacy overview") == frozenset(
        {" cookies", "privacy overview"})
    assert R.starts_with_wildcard(r".{0,80}x") and not R.starts_with_wildcard(r"(ab|cd).{0,9}")


def test_quote_intro_kept_in_an_extracted_article():
    # "X said:" heads a comment on a page, but introduces a quote in an extracted article.
    lines = ["In his statement, the governor said:", GERMAN[1], "The Journal says:", GERMAN[2]]
    assert bp.classify_lines(lines, RULES) == [None] * 4


def test_teaser_widget_inside_an_article_is_cut_and_both_halves_kept():
    # A "Most read" widget of short headlines splits the article: both halves are prose of
    # similar weight, so they are joined and only the widget (>= 4 lines) goes ("zone:inner").
    part1 = [GERMAN[1], GERMAN[2], GERMAN[4]]
    part2 = [f"Der Verkehrsverbund meldete am Dienstag {w} Fahrgäste mehr als im Vorjahr, hieß es."
             for w in ("viele", "einige", "etwa tausend")]
    widget = ["Meistgelesen", "Bürgermeister tritt zurück", "Sturm über der Küste",
              "Neuer Trainer beim Stadtclub", "Preise für Strom steigen"]
    lines = _page(part1 + widget + part2)
    reasons = bp.classify_lines(lines, RULES)
    kept = [t for t, r in zip(lines, reasons) if r is None]
    assert kept == part1 + part2
    assert {r for t, r in zip(lines, reasons) if t in widget[1:]} == {"zone:inner"}
    off = bp.RegionParams(join_gap=0)
    kept_off = [t for t, r in zip(lines, bp.classify_lines(lines, RULES, params=off)) if r is None]
    assert kept_off == part1  # one best run only: the second half was lost


def test_article_printed_twice_on_a_page_is_kept_once():
    summary = " ".join([GERMAN[1], GERMAN[2], GERMAN[4]])
    # A copy of the lead inside the article region (prose follows it): marked as the repeat.
    lead = GERMAN[1] + " " + GERMAN[2]
    lines = _page(GERMAN[:3] + [lead] + GERMAN[3:])
    reasons = bp.classify_lines(lines, RULES)
    assert reasons[lines.index(lead)] == "repeated_in_page"
    kept = [t for t, r in zip(lines, reasons) if r is None]
    assert GERMAN[1:] == [t for t in kept if t in GERMAN[1:]]  # the first copy stays whole
    # Printed after it: the copy weighs nothing, so the region ends before it and cuts it.
    lines = _page(GERMAN + ["Zusammenfassung", summary])
    reasons = bp.classify_lines(lines, RULES)
    assert reasons[lines.index(summary)] == "zone:footer"
    assert [t for t, r in zip(lines, reasons) if r is None][-4:] == GERMAN[1:]
    # Not a page (an extracted article quoting a sentence twice): never marked.
    assert bp.classify_lines([GERMAN[1], GERMAN[2], GERMAN[1]], RULES) == [None] * 3


def test_numbers_do_not_count_as_prose():
    p = bp.RegionParams()
    words = "Die Bahn fährt ab morgen wieder nach dem alten Fahrplan durch die Stadt."
    hours = "Telefon 030 123 456 Fax 030 123 457 geöffnet 07 00 bis 14 00 und 15 00 bis 18 00 Uhr."
    assert bp.prose_weight(words, None, False, p) == bp.word_count(words)
    assert 0 < bp.prose_weight(hours, None, False, p) < bp.word_count(hours) / 2


# A short blog post under a long comment thread: the thread holds more prose than the post.
POST = [
    ("Our goal with hosting quarterly open threads is to give blog readers an opportunity to "
     "publicly raise comments or questions about our research in a space that is dedicated to it."),
    "You can view our previous open thread here, and we will answer every question below.",
]
THREAD = []
for _name, _day in (("Milan Griffes", 12), ("Catherine", 13), ("Alex", 17), ("Gary M", 17),
                    ("Olivia", 19), ("Mohammad", 29)):
    THREAD += [
        f"{_name} on September {_day}, 2018 at 4:47 pm said:",
        ("I skimmed your latest report, and I did not see any analysis of the trade-off between "
         "giving now and investing the money to give more in the future, which seems important."),
        ("In particular, research is still improving quickly, so we might be able to give more "
         "effectively in a few years; how do you weigh that against now."),
    ]


def test_comment_thread_does_not_win_the_region():
    lines = _page(["Open thread", "September 10, 2018 | by Catherine"] + POST
                  + ["Posted in Open thread | 10 Comments", "Comments"] + THREAD)
    reasons = bp.classify_lines(lines, RULES)
    kept = [t for t, r in zip(lines, reasons) if r is None]
    assert kept == POST
    assert bp.comment_threads([bp.LineTable(RULES).facts(t) for t in lines], bp.RegionParams())
    # Without the thread signal the discussion outweighs its "Comments" header and is kept.
    off = bp.RegionParams(thread_min_marks=0)
    kept_off = [t for t, r in zip(lines, bp.classify_lines(lines, RULES, params=off)) if r is None]
    assert THREAD[1] in kept_off and THREAD[-1] in kept_off


def test_page_rules_weigh_as_chrome_and_tag_clouds_as_nothing():
    p = bp.RegionParams()
    cookie = ("This website uses cookies to improve your experience while you navigate through "
              "the website. Out of these cookies, the cookies that are categorized as necessary "
              "are stored on your browser as they are essential for the working of the website.")
    assert bp.prose_weight(cookie, None, False, p) > 0
    assert bp.prose_weight(cookie, None, False, p, page_rule=True) == -p.chrome_penalty
    tags = ("adote um amigo agua alerta ambiente amizade atendimento atirador bem-estar biblioteca "
            "caminhada campanha capacitacao carnaval civil conselho cultura defesa economia")
    prose = ("A equipe do Serviço de Atendimento Domiciliar registrou nesta manhã o arrombamento "
             "de dois dos cinco automóveis da unidade, segundo a prefeitura")
    assert bp.word_count(tags) >= p.long_words and bp.prose_weight(tags, None, False, p) == 0.0
    assert bp.prose_weight(prose, None, False, p) == bp.word_count(prose)  # a comma: prose
    # On a page, a cookie notice after a short review no longer outweighs it.
    review = GERMAN[1:3]
    notice = [cookie, "Necessary Always Enabled", "Non-necessary", cookie.replace("Out of", "Of")]
    lines = _page(review) + notice
    kept = [t for t, r in zip(lines, bp.classify_lines(lines, RULES)) if r is None]
    assert kept == review


CAPTION = ("Vicente Aguiar loads trims into his truck outside a store in Hialeah, Fla. "
           "(AP Photo/Alan Diaz, File)")
TEASER = "Read more: Alibaba poised to launch record-breaking $13.4bn Hong Kong listing"


def test_captions_and_inline_teasers_are_cut_on_pages_only():
    body = [GERMAN[1], CAPTION, GERMAN[2], TEASER, GERMAN[4]]
    lines = _page(body)
    reasons = dict(zip(lines, bp.classify_lines(lines, RULES)))
    assert reasons[CAPTION] == "rule:caption" and reasons[TEASER] == "rule:related_link"
    assert all(reasons[t] is None for t in GERMAN[1:3])
    for line in ("Image caption Assange gestures after he was arrested in London",
                 "President Trump at the Club. Credit... Anna Moneymaker/The New York Times",
                 "FILE PHOTO: Traders work on the floor of the exchange. REUTERS/Brendan McDermid",
                 "Lakers vs Nets: NBA make final decision on game amid China turmoil [ VIDEO]"):
        table = bp.LineTable(RULES)
        assert table.page_rule(bp.fold(line)) is not None, line
    # Prose that mentions a photo, or an acronym in brackets, is not a caption.
    table = bp.LineTable(RULES)
    for line in ("Das Thema wird seit Jahren diskutiert: Die elektronische Patientenakte (ePA)",
                 "The photo: a man on a bench, which the agency said was taken in May.",
                 "Reuters reported that the deal was signed on Monday after months of talks"):
        assert table.page_rule(bp.fold(line)) is None, line
    # An extracted article (not a page) keeps its captions and "Read more:" lines.
    article = ["Senate passes budget"] + body
    assert bp.classify_lines(article, RULES) == [None] * len(article)


def test_rule_scope_is_validated():
    rules = bp.compile_rules({"rules": [{"name": "c", "pattern": "x", "scope": "pages"}]})
    assert rules[0].pages_only
    with pytest.raises(ValueError, match="scope"):
        bp.compile_rules({"rules": [{"name": "c", "pattern": "x", "scope": "page"}]})


def test_prose_standing_together_before_the_article_stays():
    # A report page (web-content-extraction-2026, educationdata.org): its highlights in prose, a
    # cost table, then the long article. The table parts the highlights from the article run; as
    # paragraphs standing together they are text and stay. A single prose line among the menus
    # (a subscription prompt) is chrome and goes with the header.
    nav = ["Research by Topic", "Student Loans", "Refinance", "About", "Donate", "Contact us"]
    prompt = "Subscribe now for more from the authority on education, finance and student debt."
    lead = ["Report Highlights. The average American online college student pays about $1,000 "
            "per class.",
            "For in-state students, U.S. public universities charge an average of $40,536 for an "
            "online bachelor’s degree.",
            "At the average private college or university, an online degree costs $63,185."]
    table = ["Cost of Online College, Academic Year 2024-25", "Cost for one… Public, in-state Private",
             "Credit Hour $337 $516", "Standard Semester (15 Cr.Hr.) $5,055 $7,740",
             "Bachelor’s Degree $40,536 $63,185", "Cost of Online Classes"]
    body = [f"Among {n} public colleges, the average cost per credit hour for online classes for "
            f"in-state students is ${300 + n} for the academic year, the survey of schools found."
            for n in range(100, 109)]
    foot = ["Sources", "Ways to Give", "Privacy", "Media Coverage", "Twitter",
            "© 2025, EducationData.org. All Rights Reserved."]
    lines = ["Average Cost of Online College"] + nav + [prompt] + nav + lead + table + body + foot
    kept = [t for t, r in zip(lines, bp.classify_lines(lines, RULES)) if r is None]
    assert kept == lead + body
    # With the rule off (0), the highlights go with the header as before.
    off = bp.RegionParams(header_block_lines=0)
    assert [t for t, r in zip(lines, bp.classify_lines(lines, RULES, params=off)) if r is None] == body
