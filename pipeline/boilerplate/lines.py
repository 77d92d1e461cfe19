"""The values every boilerplate decision works on: a line folded, a rule, and the facts about a
line that rules and shapes establish (`table.LineTable` computes them, `region` weighs them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple


def fold(text: str) -> str:
    """Whitespace collapsed and stripped. Already-folded text (no whitespace but single inner
    spaces: all other whitespace is unprintable) is returned as is, without a split and join."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def normalise_line(text: str) -> str:
    """Key for counting a line across documents: folded, lower-cased, digits kept."""
    return fold(text).lower()


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str  # "remove" or "barrier"
    pattern: re.Pattern[str]
    page: bool = False  # printed by whole web pages, not inside extracted article bodies
    pages_only: bool = False  # removed on page-like documents only (captions, inline teasers)
    # The first 1-3 letters a matching line's first word can start with (after leading digits,
    # arrows and brackets), or None: lets a line skip the pattern by a set lookup (languages.py).
    lead: frozenset[str] | None = None


class LineFacts(NamedTuple):
    folded: str
    key: str | None  # folded + lower-cased, for lines of at most max_words words (else None)
    rule: Rule | None
    shape: str | None


LEAD_STRIP = " ←→«»‹›<>-–—|[]()….,:0123456789"


def lead_of(low: str) -> str:
    """The start of a lower-cased line's first word, as `Rule.lead` holds it."""
    return low.lstrip(LEAD_STRIP)[:3]
