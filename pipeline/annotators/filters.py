"""Filters: rules over the annotators' columns that drop whole documents (off by default).

`filter:` in the configuration maps a signal, `<annotator>.<signal>`, to what a document must
have to stay:
  gopher.mean_word_length: [3, 10]             # between, inclusive (null: no bound)
  repetition.dup_line_char_share: {max: 0.2}   # or {min: ...}, or both
  c4.lorem_ipsum: false                        # a true/false signal must equal this
A document failing a rule is dropped: every paragraph it still had is marked `filtered` in the
ledger, with the first failing rule (in the configuration's order) as the reason. A missing
value (null) fails no rule. Deciding is kept apart from computing (dolma's taggers and mixer):
annotators never drop anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from . import signal


@dataclass(frozen=True)
class Rule:
    key: str            # gopher.mean_word_length
    column: str         # gopher_mean_word_length
    min: float | None = None
    max: float | None = None
    equals: bool | None = None

    @property
    def reason(self) -> str:
        if self.equals is not None:
            return f"{self.key} == {str(self.equals).lower()}"
        if self.min is not None and self.max is not None:
            return f"{self.key} in [{_num(self.min)}, {_num(self.max)}]"
        if self.min is not None:
            return f"{self.key} >= {_num(self.min)}"
        return f"{self.key} <= {_num(self.max)}"

    def passes(self, value: Any) -> bool:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return True
        if self.equals is not None:
            return bool(value) == self.equals
        return not ((self.min is not None and value < self.min)
                    or (self.max is not None and value > self.max))


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _bound(key: str, value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"filter: rule '{key}': {what} must be a number, got {value!r}")
    return float(value)


def parse(rules: dict[str, Any], annotators: tuple[str, ...]) -> tuple[Rule, ...]:
    """The rules of a `filter:` section; ValueError ("filter: ...") on the first bad one."""
    out = []
    for key, spec in rules.items():
        try:
            col = signal(key, annotators)
        except ValueError as e:
            raise ValueError(f"filter: {e}") from None
        if pa.types.is_boolean(col.type):
            if not isinstance(spec, bool):
                raise ValueError(f"filter: rule '{key}' is a true/false signal: write "
                                 f"'{key}: false' (or true), got {spec!r}")
            out.append(Rule(key, col.name, equals=spec))
            continue
        if not col.numeric:
            raise ValueError(f"filter: rule '{key}': {col.name} is not a number")
        if isinstance(spec, (list, tuple)) and len(spec) == 2:
            lo, hi = (_bound(key, v, w) for v, w in zip(spec, ("minimum", "maximum")))
        elif isinstance(spec, dict) and spec and set(spec) <= {"min", "max"}:
            lo, hi = _bound(key, spec.get("min"), "min"), _bound(key, spec.get("max"), "max")
        else:
            raise ValueError(f"filter: rule '{key}' must be [min, max] or {{min: x, max: y}}, "
                             f"got {spec!r}")
        if lo is None and hi is None:
            raise ValueError(f"filter: rule '{key}' sets no bound")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"filter: rule '{key}': minimum {lo} above maximum {hi}")
        out.append(Rule(key, col.name, lo, hi))
    return tuple(out)


def failing(annotations: dict[str, Any], rules: tuple[Rule, ...]) -> Rule | None:
    """The first rule a document's annotations fail, if any."""
    for rule in rules:
        if not rule.passes(annotations.get(rule.column)):
            return rule
    return None
