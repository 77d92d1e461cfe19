"""The learned line classifier's pieces (issue 14): features, labels, the tree fit and the JSON
round trip. Pure functions on a realistic page; no benchmark run (that is
`python -m pipeline.eval.boilerplate_learn`)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline.boilerplate import classify as bp, linemodel as lm
from pipeline.eval import boilerplate_learn as bl, boilerplate_trees as trees
from pipeline.stages.clean import CleanConfig

MENU = ["Home", "News", "Sport", "Kultur", "Kontakt", "Impressum", "Datenschutz", "Suche"]
BODY = [
    "Der Gemeinderat hat am Dienstagabend nach langer Debatte den neuen Haushalt beschlossen.",
    "Die Investitionen in Schulen und Kindergärten steigen damit im kommenden Jahr deutlich an.",
    "Kritik kam von der Opposition, die höhere Schulden für die nächsten Jahre befürchtet.",
    "Bürgermeisterin Anna Weber sprach dagegen von einem soliden und fairen Kompromiss.",
]
FOOTER = ["Teilen", "Facebook Twitter WhatsApp E-Mail", "Weitere Artikel", "© 2026 Musterzeitung",
          "Nach oben", "Cookie-Einstellungen", "AGB", "Barrierefreiheit", "Jobs", "Abo", "Archiv",
          "Leserbriefe", "Podcast", "Newsletter", "Facebook Twitter", "Wetter", "Verkehr",
          "Termine", "Anzeigen"]
PAGE = MENU + ["Haushalt 2027 beschlossen"] + BODY + FOOTER


@pytest.fixture(scope="module")
def cfg() -> CleanConfig:
    return CleanConfig()


def _facts_and_reasons(lines: list[str], cfg: CleanConfig):
    table = bp.LineTable(cfg.rules, cfg.repeated_max_words)
    reasons = bp.classify_lines(lines, cfg.rules, params=cfg.region, table=table)
    return table.facts_many(lines), reasons


def test_features_describe_shape_context_and_verdicts(cfg: CleanConfig) -> None:
    facts, reasons = _facts_and_reasons(PAGE, cfg)
    assert lm.page_like(facts, cfg.region)  # the region's own page test holds for this page
    x = lm.features(facts, reasons, cfg.region)
    assert x.shape == (len(PAGE), len(lm.FEATURES))
    col = {name: x[:, k] for k, name in enumerate(lm.FEATURES)}
    first = PAGE.index(BODY[0])
    assert col["prose"][first] == 1 and col["prose"][0] == 0  # a sentence vs a menu word
    assert col["sentence_end"][first] == 1 and col["short"][0] == 1
    # context: the heading over the body has prose after it, none before
    head = first - 1
    assert col["next_prose"][head] == 1 and col["prev_prose"][head] == 0
    assert col["prose_gap"][first] == 0 and col["prose_gap"][0] > col["prose_gap"][head]
    # the rules' verdicts are inputs: the sharing row is chrome by its shape, the body kept
    share = PAGE.index("Facebook Twitter WhatsApp E-Mail")
    assert col["chrome_shape"][share] == 1 and col["kept"][share] == 0
    assert all(col["kept"][PAGE.index(b)] == 1 for b in BODY)
    assert 0 < col["prose_before"][first + 1] < col["prose_before"][first + 3] < 1


def test_an_extracted_article_is_not_a_page(cfg: CleanConfig) -> None:
    facts, _ = _facts_and_reasons(BODY * 10, cfg)
    assert not lm.page_like(facts, cfg.region)


def test_labels_from_main_text_and_snippets() -> None:
    main = " ".join(BODY)
    y = bl.labels(["Home", BODY[1], "Die Investitionen", "Kritik kam von der Opposition",
                   "Weitere Artikel von Anna Weber", "Abo"],
                  main, with_=["Abo"], without=["Weitere Artikel"])
    # a menu word absent from the text; a body line; a short line whose words run in the text;
    # a body fragment; a must-drop snippet; a must-keep snippet
    assert y.tolist() == [0, 1, 1, 1, 0, 1]


def test_trees_learn_an_interaction_and_round_trip_through_json() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((2000, len(lm.FEATURES)))
    y = ((x[:, 0] > 0.5) ^ (x[:, 1] > 0.7)).astype(float)  # needs two levels: no single cut
    model = trees.fit(x, y, np.ones(len(y)), depth=2, n_trees=20, rate=0.5)
    acc = float(((model.proba(x) >= 0.5) == (y == 1)).mean())
    assert acc > 0.97
    again = trees.fit(x, y, np.ones(len(y)), depth=2, n_trees=20, rate=0.5)
    assert np.array_equal(model.proba(x), again.proba(x))  # deterministic
    back = lm.Trees.from_json(json.loads(json.dumps(model.to_json())))
    assert np.allclose(back.proba(x), model.proba(x), atol=1e-6)


def test_logistic_fit_round_trips_and_rejects_other_features(tmp_path) -> None:
    rng = np.random.default_rng(1)
    x = rng.random((500, len(lm.FEATURES)))
    y = (x[:, 3] > 0.5).astype(float)
    model = bl.fit(x, y, np.ones(len(y)))
    assert float(((model.proba(x) >= 0.5) == (y == 1)).mean()) > 0.95
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model.to_json()))
    assert np.allclose(lm.load(path).proba(x), model.proba(x), atol=1e-6)
    bad = model.to_json() | {"features": ["x"]}
    with pytest.raises(ValueError, match="features"):
        lm.LineModel.from_json(bad)
