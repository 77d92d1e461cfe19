"""Pure functions that turn a plain-text article into a title, a section and paragraphs."""

from __future__ import annotations

import re

_BLOCK_SPLIT = re.compile(r"\n[ \t\f\v\r]*\n")
_LIST_ITEM = re.compile(r"^([-*•·▪►]|\d{1,3}[.)])\s")
# Punctuation that ends a sentence, possibly followed by closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.;,:]['\"’”»)\]]*$")
_TITLE_SUFFIX = re.compile(r"^(?P<title>.+?)\s+\|\s+(?P<section>[^|]+?)\s*$")

# A wrapped line is at least this share of the block's longest line ...
WRAP_MIN_SHARE = 0.6
# ... and hard-wrapped text is never wider than this (72-80 columns is usual).
WRAP_MAX_WIDTH = 120
TITLE_MAX_CHARS = 200
TITLE_MAX_WORDS = 30


def is_wrapped_prose(lines: list[str]) -> bool:
    """True when the lines of one blank-line block are one paragraph hard-wrapped at a width.

    Wrapped lines are of similar width, none of them is a list item, and most of them break
    mid-sentence. One line per paragraph (the usual scraped layout) has lines of very different
    widths, most ending a sentence, and often wider than any wrap width.
    """
    if len(lines) < 2:
        return False
    width = max(len(line) for line in lines)
    if width > WRAP_MAX_WIDTH or width < 30:
        return False
    body = lines[:-1]
    if any(_LIST_ITEM.match(line) for line in lines):
        return False
    if any(len(line) < WRAP_MIN_SHARE * width for line in body):
        return False
    mid_sentence = sum(1 for line in body if not _SENTENCE_END.search(line))
    return mid_sentence * 2 >= len(body)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a text: its non-empty lines, except that a blank-line block of wrapped prose
    is one paragraph (its lines joined with single spaces). Each paragraph is stripped."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = _BLOCK_SPLIT.split(text)
    if "\n" not in "".join(blocks):
        # One line per block (the usual layout): each non-empty line is a paragraph. Same result
        # as the general loop below, without its per-block Python work.
        return [line for block in blocks if (line := block.strip())]
    paragraphs: list[str] = []
    for block in blocks:
        lines = [line.strip() for line in block.split("\n")]
        lines = [line for line in lines if line]
        if is_wrapped_prose(lines):
            paragraphs.append(" ".join(lines))
        else:
            paragraphs.extend(lines)
    return paragraphs


def looks_like_headline(line: str) -> bool:
    """A headline is short and does not end like a sentence (it may end with ? or !)."""
    stripped = line.lstrip("#").strip()
    if not stripped or len(stripped) > TITLE_MAX_CHARS:
        return False
    if len(stripped.split()) > TITLE_MAX_WORDS:
        return False
    return not _SENTENCE_END.search(stripped)


def split_title(title: str | None) -> tuple[str | None, str | None]:
    """'Headline | Section' -> ('Headline', 'Section'); titles without a suffix pass through."""
    if title is None:
        return None, None
    title = " ".join(title.split())
    if not title:
        return None, None
    m = _TITLE_SUFFIX.match(title)
    if m:
        return m.group("title"), m.group("section")
    return title, None


def parse_text_article(text: str) -> tuple[str | None, str | None, list[str]]:
    """(title, section, paragraphs) of a plain-text article.

    The first paragraph becomes the title when it looks like a headline and more text follows.
    """
    paragraphs = split_paragraphs(text)
    title = None
    if len(paragraphs) >= 2 and looks_like_headline(paragraphs[0]):
        title = paragraphs.pop(0).lstrip("#").strip()
    title, section = split_title(title)
    return title, section, paragraphs
