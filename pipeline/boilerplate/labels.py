"""Labelled lines: a teaser under a label, or a field of a templated list.

`rule:teaser_label` removes a line that is an upper-case label and a short title: "SPECIAL
COVERAGE: Benghazi Attack Under Microscope", "WATCH: <headline>", a link to another story. The
same shape is also a field of a list that an article prints record by record:

    TARGET: Two US citizens wounded in shooting
    ATTACKER: Anis Amri
    TARGET: Christmas market in Berlin
    ATTACKER: ...

What tells them apart is the document, not the line: a list's labels recur inside the document,
each with other values, and a record has several fields (two labels that each recur: "TARGET" and
"ATTACKER", "MYTH" and "FACT", transcript speakers), or it is a long list under one label (a fact
check printing "VERDICT: ..." after each claim). A teaser's label stands once, or two or three
times for a couple of related links under one label, with no second recurring label beside it.
Two shapes stay teasers whatever the document: a label in brackets inside the text, "( PHOTOS:
...)", an aside that points elsewhere, and a line printed again with the same value ("SPECIAL
COVERAGE: Second Amendment & Gun Control" nine times), a banner, not a list.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

TEASER = "rule:teaser_label"
# "LABEL: value" with the label in capitals (case-sensitive), not in brackets.
_FIELD = re.compile(r"([A-Z][A-Z&'’ ]{2,30}):\s?(\S.*)")
# A single recurring label is a list (not a couple of related links) from this many lines.
LIST_MIN_LINES = 4


def templated_fields(folded: Sequence[str | None]) -> frozenset[str]:
    """The labels of a document (its folded lines; None for empty ones) that are fields of a
    templated list: printed on >= 2 lines with >= 2 different values, and either another label
    does the same or the label heads >= LIST_MIN_LINES lines."""
    values: dict[str, list[str]] = defaultdict(list)
    for line in folded:
        if line and ":" in line:
            m = _FIELD.match(line)
            if m is not None:
                values[m.group(1).strip()].append(m.group(2))
    recurring = {label: v for label, v in values.items() if len(set(v)) >= 2}
    if len(recurring) >= 2:
        return frozenset(recurring)
    return frozenset(label for label, v in recurring.items() if len(v) >= LIST_MIN_LINES)


# A paragraph of text under a heading: this many words.
HEADED_MIN_WORDS = 20
# A document is a column of sections when it prints this many headings in capitals, each over a
# paragraph (allsides part-00: Fox News First prints 6-20; an article with inline teasers in
# capitals, "WATCH: ..." over a paragraph that goes on with the story, 1-5).
SECTIONS_MIN = 6


def _over_paragraph(folded: Sequence[str | None], i: int) -> bool:
    for j in range(i + 1, len(folded)):
        if folded[j]:
            return folded[j].count(" ") + 1 >= HEADED_MIN_WORDS  # type: ignore[union-attr]
    return False


def _capitals(line: str) -> bool:
    return " " in line and line.upper() == line and sum(ch.isalpha() for ch in line) >= 6


def section_heads(folded: Sequence[str | None]) -> int:
    """How many lines of a document are headings in capitals directly over a paragraph."""
    return sum(1 for i, t in enumerate(folded) if t and _capitals(t) and _over_paragraph(folded, i))


def is_section_heading(folded: Sequence[str | None], i: int, heads: int) -> bool:
    """A labelled line set wholly in capitals ("POWER PLAY: THE HAY ISN'T IN THE BARN YET") over
    a paragraph, in a document of >= SECTIONS_MIN such headings (`heads`), heads the section it
    opens, as a newsletter column prints its items: not a link to another story."""
    t = folded[i] or ""
    return heads >= SECTIONS_MIN and _capitals(t) and _over_paragraph(folded, i)


def keep_templated_fields(folded: Sequence[str | None], reasons: list[str | None]) -> None:
    """Clear `rule:teaser_label` from the lines that are fields of a templated list or heads of
    a section (`is_section_heading`), in place."""
    fields = templated_fields(folded)
    heads = section_heads(folded)
    for i, r in enumerate(reasons):
        if r == TEASER:
            m = _FIELD.match(folded[i] or "")
            if m is not None and (m.group(1).strip() in fields or is_section_heading(folded, i, heads)):
                reasons[i] = None
