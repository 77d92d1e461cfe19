"""Annotators, registered by name: each computes some columns of the documents table.

`annotate.annotators` chooses them (all by default); their columns follow the table's
fixed columns in the order below, whatever the order in the configuration. A filter rule
names a column as `<annotator>.<signal>` (`gopher.mean_word_length`).
"""

from __future__ import annotations

from . import c4, fineweb, gopher, language, pii, repetition
from .base import Annotator, Batch, Column

REGISTRY: dict[str, Annotator] = {m.ANNOTATOR.name: m.ANNOTATOR
                                  for m in (language, gopher, c4, fineweb, repetition, pii)}
NAMES = tuple(REGISTRY)
# What a run computes unless told otherwise. The quality signals (gopher, c4, fineweb,
# repetition) cost about +35% CPU on allsides part-00 (`python -m bench annotators`, most of it
# splitting words as datatrove's spaCy tokenizer does, and the repetition n-grams), against the
# issue's +15% for the defaults, so they are asked for by name; a filter
# rule on one of them says which annotator it needs.
DEFAULT = ("language", "pii")


def check_names(names: tuple[str, ...]) -> None:
    """ValueError naming the first unknown or repeated annotator."""
    for i, name in enumerate(names):
        if name not in REGISTRY:
            raise ValueError(f"annotators: unknown annotator {name!r} (known: {', '.join(NAMES)})")
        if name in names[:i]:
            raise ValueError(f"annotators: {name!r} is listed twice")


def selected(names: tuple[str, ...]) -> list[Annotator]:
    """The named annotators, in registry order."""
    return [a for a in REGISTRY.values() if a.name in names]


def signal(key: str, names: tuple[str, ...]) -> Column:
    """The column of a filter rule's key `<annotator>.<signal>`; ValueError when there is
    none among the selected annotators."""
    ann, _, sig = key.partition(".")
    if ann not in REGISTRY or not sig:
        raise ValueError(f"unknown signal {key!r}: expected <annotator>.<signal>, "
                         f"annotators: {', '.join(NAMES)}")
    cols = {c.signal: c for c in REGISTRY[ann].columns}
    if sig not in cols:
        raise ValueError(f"unknown signal {key!r} (known for {ann}: {', '.join(cols)})")
    if ann not in names:
        raise ValueError(f"signal {key!r} needs annotator {ann!r} in annotate.annotators")
    return cols[sig]


__all__ = ["Annotator", "Batch", "Column", "DEFAULT", "NAMES", "REGISTRY", "check_names", "selected", "signal"]
