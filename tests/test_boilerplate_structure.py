"""Repeated structure is not boilerplate; clutter a source (or many sources) repeats is; chrome
in other languages. Real allsides documents where the corpus is present, realistic ones else."""

from __future__ import annotations

import gzip
import json

import pytest

from conftest import corpus
from pipeline.boilerplate import classify as bp
from pipeline.boilerplate.languages import compile_languages
from pipeline.core.model import Document, RunContext
from pipeline.stages.clean import CleanConfig, clean_documents as run

RULES = CleanConfig().rules


def _allsides(sources: set[str]) -> list[Document]:
    path = corpus("allsides-news", "articles-part-00.jsonl.gz")
    docs = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["source"] in sources:
                paras = [p for p in rec["content_original"].split("\n") if p.strip()]
                docs.append(Document.from_texts(rec["ID"], paras, source=rec["source"]))
    return docs


def test_flip_side_keeps_its_section_heads_and_credit_lines():
    # The Flip Side opens each side with "From the Left" / "From the Right" and credits every
    # quote on the next line ("Kyle Smith, National Review"), often as the last line. The source
    # repeats them in many documents: they are its structure, and all of them stay.
    docs = run(_allsides({"The Flip Side"}), CleanConfig(), RunContext())
    assert len(docs) > 100
    heads = [p for d in docs for p in d.paragraphs if p.text.strip() in ("From the Left", "From the Right")]
    credits = [p for d in docs for p in d.paragraphs
               if p.text.strip() in ("Kyle Smith, National Review", "Noah Feldman, Bloomberg",
                                     "Editorial Board, New York Times")]
    assert len(heads) > 100 and all(p.kept for p in heads)
    assert len(credits) > 40 and all(p.kept for p in credits)


def test_source_clutter_keeps_no_copy():
    # A paragraph a source prints in many documents with no story content (a 90-word newsletter
    # form inside the body), a caption widget, a teaser under an upper-case label, a "click here"
    # prompt: no copy stays. Story paragraphs around them do.
    docs = run(_allsides({"New York Times - News", "NPR Online News", "Washington Times"}),
               CleanConfig(), RunContext())
    gone = ("Newsletter Sign Up Continue reading the main story Please verify",
            "Enlarge this image", "SPECIAL COVERAGE:", "Don't see the graphic above? Click here.")
    for marker in gone:
        hits = [p for d in docs for p in d.paragraphs if p.text.strip().startswith(marker)]
        assert hits and not any(p.kept for p in hits), marker
    kept = sum(p.kept for d in docs for p in d.paragraphs)
    assert kept > 0.85 * sum(len(d.paragraphs) for d in docs)


PROSE = [f"The council debated the proposal number {i} for hours before it voted on Tuesday night."
         for i in range(4)]


def _doc(i: int, source: str, body: list[str]) -> Document:
    return Document.from_texts(f"{source}-{i}", [f"{p[:-1]} ({i})." for p in body], source=source)


def test_line_many_sources_print_goes_at_the_edges_only():
    # "Our weekly briefing is out now." opens documents of two outlets (3 each): learned across
    # sources, removed where it stands before the first prose paragraph. "What happens next"
    # between prose paragraphs is a subheading both print, and stays.
    docs = []
    for src in ("Outlet A", "Outlet B"):
        for i in range(3):
            d = _doc(i, src, PROSE)
            d.paragraphs[0:0] = Document.from_texts("x", ["Our weekly briefing is out now."]).paragraphs
            d.paragraphs[3:3] = Document.from_texts("x", ["What happens next"]).paragraphs
            docs.append(d)
    ctx = RunContext()
    run(docs, CleanConfig(), ctx)
    for d in docs:
        assert d.paragraphs[0].reason == "repeated_in_source"
        assert d.paragraphs[3].kept
    rows = {r["line"]: r for r in ctx.artifacts["boilerplate_learned"]}
    assert rows["our weekly briefing is out now."]["source"] == "(across sources)"
    assert rows["our weekly briefing is out now."]["n_removed"] == 6
    alone = run([_doc(i, "Outlet A", PROSE + ["Our weekly briefing is out now."]) for i in range(3)],
                CleanConfig(), RunContext())  # one source, 3 documents: not enough to learn
    assert all(d.paragraphs[-1].kept for d in alone)


def test_timeline_dates_between_prose_stay_but_a_dateline_goes():
    lines = ["March 3, 2019", PROSE[0], "April 5, 2019", PROSE[1], "May 9, 2019", PROSE[2]]
    reasons = bp.classify_lines(lines, RULES)
    assert reasons == ["shape:date_only", None, None, None, None, None]
    single = bp.classify_lines(["Donnerstag, 31. Mai 2012", PROSE[0], PROSE[1]], RULES)
    assert single[0] == "rule:date"


@pytest.mark.parametrize("line", [
    "Donnerstag, 31. Mai 2012", "31 de mayo de 2012", "jeudi 31 mai 2012 à 10h30", "31 maja 2012",
    "Weiterlesen »", "Lire la suite", "Leer más", "Continua a leggere", "Leia mais", "Czytaj dalej",
    "← Vorheriger Beitrag", "Article suivant", "Impressum | Datenschutz | AGB",
    "Mentions légales", "Política de privacidad", "Polityka prywatności", "Teilen", "Condividi",
    "Diese Website verwendet Cookies, um die Nutzung zu analysieren.", "Alle akzeptieren",
    "3 Kommentare", "Lascia un commento", "Deixe um comentário", "Foto: Max Mustermann",
    "Zum Inhalt springen", "Strona główna",
])
def test_chrome_in_other_languages(line):
    assert bp.rule_match(line, RULES) is not None


@pytest.mark.parametrize("line", [
    "Wir fahren weiter nach Rom, sagte die Ministerin am Donnerstag.",
    "Mehr als 300 Menschen kamen zur Eröffnung der neuen Halle.",
    "Le site utilise une nouvelle méthode pour mesurer la pollution.",
    "El martes 31 de mayo de 2012 se inauguró el puente.",
    "Foto e video sono stati pubblicati dal comune.",
    "Kontakt mit den Behörden hatte er nicht.",
])
def test_prose_in_other_languages_is_not_chrome(line):
    assert bp.rule_match(line, RULES) is None and bp.line_shape(line) is None


def test_language_data_is_validated():
    with pytest.raises(ValueError, match="unknown kind"):
        compile_languages({"de": {"navigaton": ["startseite"]}})
    with pytest.raises(ValueError, match="invalid phrase"):
        compile_languages({"de": {"navigation": ["(startseite"]}})
    rules = compile_languages({"xx": {"read_more": ["mehr lesen"]}})
    assert [r.name for r in rules] == ["read_more"] and rules[0].page


def _by_id(ids: set[str]) -> dict[str, Document]:
    path = corpus("allsides-news", "articles-part-00.jsonl.gz")
    out = {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["ID"] in ids:
                paras = [p for p in rec["content_original"].split("\n") if p.strip()]
                out[rec["ID"]] = Document.from_texts(rec["ID"], paras, source=rec["source"])
    return out


def test_fields_of_a_templated_list_stay_while_teasers_go():
    # USA TODAY's list of 78 attacks prints "TARGET: ..." and "ATTACKER: ..." for every entry,
    # Media Matters "MYTH: ..." / "FACT: ..." headings: labels that recur inside the document with
    # other values are the fields of a list, article content. A Politico "( PHOTOS: ...)" aside
    # and Washington Times' "SPECIAL COVERAGE: ..." banner (the same value each time) are teasers.
    ids = {"0FE4Kv1otDJGpi90", "2Zd4kHbtv0rdN3sk"}
    docs = _by_id(ids)
    assert set(docs) == ids
    run(list(docs.values()), CleanConfig(), RunContext())
    fields = [p for d in docs.values() for p in d.paragraphs
              if p.text.strip().startswith(("TARGET:", "ATTACKER:", "MYTH:", "FACT:"))]
    assert len(fields) > 80 and all(p.kept for p in fields)
    assert any(p.text.strip() == "ATTACKER: Anis Amri" for p in fields)


def test_teaser_label_is_a_field_only_when_the_list_recurs():
    entries = []
    for target, attacker in (("Two US citizens wounded in shooting", "Anis Amri"),
                             ("Christmas market in Berlin", "Unknown gunman"),
                             ("Police officer stabbed outside station", "Abdul Numan Haider")):
        entries += [f"TARGET: {target}", f"ATTACKER: {attacker}", PROSE[len(entries) % 4]]
    reasons = bp.classify_lines([PROSE[0], *entries, PROSE[1]], RULES)
    assert reasons == [None] * (len(entries) + 2)
    # One teaser, two related links under one label, a bracketed aside, a banner printed twice:
    # removed wherever they stand.
    teasers = ["WATCH: Senator reacts to the vote", "RELATED: Measles outbreak reaches county",
               "RELATED: Measles case linked to theme park", "( PHOTOS: The senators up in 2014)",
               "( PHOTOS: Ten races to watch)", "SPECIAL COVERAGE: Gun Control",
               "SPECIAL COVERAGE: Gun Control"]
    lines = [x for t in teasers for x in (PROSE[0], t)] + [PROSE[2]]
    reasons = bp.classify_lines(lines, RULES)
    assert [r for r in reasons if r] == ["rule:teaser_label"] * len(teasers)
    # A transcript's speakers recur with other words each time: fields, even where a line
    # breaks off without punctuation ("AMY GOODMAN: But today—").
    talk = ["AMY GOODMAN: But today—", "RALPH NADER: We have to look at who pays.",
            "AMY GOODMAN: So, Ralph—", "RALPH NADER: Congress decides that."]
    assert bp.classify_lines([PROSE[0], *talk, PROSE[1]], RULES) == [None] * 6


def test_headlines_in_capitals_over_paragraphs_are_a_columns_sections():
    # Fox News First (allsides part-00) heads each item with a headline set in capitals, labelled
    # or not: "POWER PLAY: THE HAY ISN'T IN THE BARN YET" over the item's paragraph. A column of
    # six or more such sections keeps its labelled heads. One such line over a paragraph that
    # goes on with the story ("WATCH: ..." in a Fox article) is a teaser link and goes.
    item = ("With the focus on foreign policy and the administration’s handling of the Ebola "
            "crisis dragging down Sen. Kay Hagan, Republican challenger Thom Tillis has seen his "
            "numbers improve in North Carolina.")
    heads = ["POLL: DEM ADVANTAGE WITH WOMEN COLLAPSES", "BLUE TEAM WINS THREE QUARTERS OF 1-POINT RACES",
             "FREEDOM PARTNERS PICKS THEIR SIX", "POWER PLAY: THE HAY ISN’T IN THE BARN YET",
             "SULLIVAN: BEGICH IS DESPERATE", "SHAHEEN TRIES TO TAP DANCE ON OBAMA SUPPORT"]
    column = [x for h in heads for x in (h, item)]
    assert bp.classify_lines(column, RULES) == [None] * len(column)
    article = [PROSE[0], "WATCH: SENATOR REACTS TO THE VOTE", item, PROSE[1]]
    assert bp.classify_lines(article, RULES) == [None, "rule:teaser_label", None, None]
    # Five sections are not yet a column: the labelled heads go as teasers.
    five = [x for h in heads[1:] for x in (h, item)]
    assert [r for r in bp.classify_lines(five, RULES) if r] == ["rule:teaser_label"] * 2
