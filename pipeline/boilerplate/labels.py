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


def keep_templated_fields(folded: Sequence[str | None], reasons: list[str | None]) -> None:
    """Clear `rule:teaser_label` from the lines that are fields of a templated list (in place)."""
    fields = templated_fields(folded)
    if not fields:
        return
    for i, r in enumerate(reasons):
        if r == TEASER:
            m = _FIELD.match(folded[i] or "")
            if m is not None and m.group(1).strip() in fields:
                reasons[i] = None
