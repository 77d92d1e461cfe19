from pipeline.readers.text import is_wrapped_prose, parse_text_article, split_paragraphs, split_title

from conftest import SEEDS


def test_one_line_per_paragraph_and_blank_lines():
    text = "First paragraph here.\nSecond one, right after.\n\n\nThird after blanks.\n"
    assert split_paragraphs(text) == [
        "First paragraph here.", "Second one, right after.", "Third after blanks."
    ]


def test_wrapped_prose_block_is_one_paragraph():
    block = (
        "Russia will spare the lives of Ukrainian soldiers in its western\n"
        "Kursk region if Kyiv orders them to surrender, President Vladimir\n"
        "Putin has said after US President Donald Trump urged him to avoid\n"
        "a horrible massacre there.\n\nNext paragraph."
    )
    paragraphs = split_paragraphs(block)
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("Russia will spare") and paragraphs[0].endswith("there.")
    assert "western Kursk" in paragraphs[0]


def test_short_lines_and_lists_are_not_wrapped_prose():
    assert not is_wrapped_prose(["Home", "World", "Politics"])
    assert not is_wrapped_prose([
        "- the first item of a list that is long enough to wrap",
        "- the second item of the same list, also fairly long",
    ])
    menu = "Home\nWorld\nBusiness\nSport"
    assert split_paragraphs(menu) == ["Home", "World", "Business", "Sport"]


def test_crlf_and_whitespace():
    assert split_paragraphs("  a b  \r\n\r\n c \r\n") == ["a b", "c"]


def test_title_suffix_goes_to_section():
    assert split_title("Putin says X | Russia-Ukraine war News") == ("Putin says X", "Russia-Ukraine war News")
    assert split_title("No suffix here") == ("No suffix here", None)
    assert split_title("  ") == (None, None)


def test_seed_headline_becomes_title_and_sentence_does_not():
    title, section, paragraphs = parse_text_article((SEEDS / "000_c31a543739f4d4b5.txt").read_text())
    assert title == "Putin says Russia will spare Ukrainian forces in Kursk if they surrender"
    assert section == "Russia-Ukraine war News"
    assert paragraphs[0].startswith("Russia will spare the lives")
    assert "Ceasefire talks" in paragraphs
    title, section, paragraphs = parse_text_article((SEEDS / "003_f0f537a06f17b18a.txt").read_text())
    assert title is None and section is None
    assert paragraphs[0].startswith("Russian President Vladimir Putin on Friday")
    assert "Ukraine denies encirclement claims" in paragraphs


def test_one_line_blocks_match_the_general_path():
    # Blocks of one line each take a shortcut; it must give what the per-block loop gives.
    text = " a \n\n\u00a0\n\nb\u2019s  \n \t\nc\n\n\n\nd"
    assert split_paragraphs(text) == ["a", "b\u2019s", "c", "d"]
    # One block of two lines anywhere sends the whole text through the general path.
    assert split_paragraphs(text + "\n\ne\nf") == ["a", "b\u2019s", "c", "d", "e", "f"]
