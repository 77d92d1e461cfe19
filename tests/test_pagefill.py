"""readers/pagefill.py: an HTML extraction that missed most of its page is filled from the
page's cleaned full text; one that holds most of it is left as trafilatura gave it."""

from __future__ import annotations

import gzip
import json

from pipeline.eval.boilerplate_web2026 import snippet_counts
from pipeline.readers import html as htmlextract
from pipeline.readers.pagefill import fill, page_lines

from conftest import corpus

POST = ("I replaced the thermostat last winter and the boiler still short-cycles every ten "
        "minutes when the outside temperature drops below freezing. Has anyone seen this?")
REPLIES = [
    ("Check the pressure gauge first: below one bar the boiler protects itself by cutting out, "
     "and a slow leak on the expansion vessel is the usual cause in older systems."),
    ("Mine did the same until the installer lowered the flow temperature to fifty-five degrees; "
     "the short cycles stopped and the gas bill went down by about a tenth."),
    ("If the pump runs on after the burner stops, the overheat sensor is fine and the fault is "
     "more likely the thermostat wiring than the boiler itself."),
]
THREAD = ["Home", "Forums", "Heating", "Log in", "Register", "Boiler short-cycles after new thermostat",
          POST, *REPLIES, "Reply", "Share", "Copyright © 2025 Example Forums. All rights reserved.",
          "Privacy Policy", "Terms of Use"]


def test_a_thread_cut_to_its_first_post_gets_its_replies_back_and_no_chrome():
    out, added = fill([POST], THREAD)
    assert out[:4] == [POST, *REPLIES] and added == len(out) - 1
    # The menu before the post and the footer's legal lines are the text path's to cut; a lone
    # "Reply" may pass (the clean stage's rules judge it with the rest of the document).
    assert not {"Home", "Forums", "Log in", "Privacy Policy", "Terms of Use"} & set(out)
    assert not any(line.startswith("Copyright") for line in out)
    # A share above what the extraction holds of the page is a no-op, and 0 turns it off.
    assert fill([POST, *REPLIES], THREAD) == ([POST, *REPLIES], 0)
    assert fill([POST], THREAD, min_share=0) == ([POST], 0)


def test_lines_before_the_extraction_start_stay_out_and_fills_keep_page_order():
    # The extractor took the second reply only: the first reply and the post come before it
    # on the page and stay out; the third follows it and is added after it.
    out, _ = fill([REPLIES[1]], THREAD)
    assert out[:2] == [REPLIES[1], REPLIES[2]] and POST not in out and REPLIES[0] not in out


def test_page_lines_are_the_blocks_of_the_page():
    html = ("<html><body><nav><a href='/'>Home</a> <a href='/f'>Forums</a></nav>"
            f"<div class='post'><p>{POST}</p></div>"
            + "".join(f"<div class='reply'><p>{r}</p></div>" for r in REPLIES)
            + "<footer>Copyright © 2025 Example Forums.</footer></body></html>")
    from trafilatura.utils import load_html

    lines = page_lines(load_html(html))
    assert lines[0] == "Home Forums" and POST in lines and lines[-1].startswith("Copyright")
    assert all(r in lines for r in REPLIES)


def _forum_pages(n: int):
    root = corpus("web-content-extraction-2026")
    truth = json.loads((root / "ground-truth.json").read_text())
    ids = [i for i in sorted(truth) if truth[i].get("page_type") == "forum"][:n]
    return [(truth[i], gzip.decompress((root / "html" / f"{i}.html.gz").read_bytes())) for i in ids]


def _snippets(text: str, gt: dict) -> tuple[int, int]:
    """Must-keep and must-drop snippets found (the benchmark's own scoring)."""
    keep, drop, _ = snippet_counts(text, gt.get("with") or [], gt.get("without") or [])
    return keep, drop


def test_on_real_forum_pages_the_fill_finds_content_not_clutter():
    # Forum pages of web-content-extraction-2026: trafilatura tends to return the first post.
    # With the fill, more must-keep snippets are found than must-drop ones come with them
    # (before the clean stage, which removes more of the latter).
    before = after = (0, 0)
    filled = 0
    for gt, body in _forum_pages(24):
        plain = htmlextract.extract(body, gt.get("url"), fill_share=0)
        page = htmlextract.extract(body, gt.get("url"))
        a = _snippets("\n".join(plain.paragraphs) if plain else "", gt)
        b = _snippets("\n".join(page.paragraphs) if page else "", gt)
        before, after = (before[0] + a[0], before[1] + a[1]), (after[0] + b[0], after[1] + b[1])
        filled += bool(page and page.meta.get("page_fill_lines"))
    gained, cluttered = after[0] - before[0], after[1] - before[1]
    assert filled >= 3, filled
    assert gained >= 5 and cluttered < gained, (before, after)
