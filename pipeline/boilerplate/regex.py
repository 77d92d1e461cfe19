"""What a whole-line pattern can match, read from its parse tree, so most lines skip the regex.

Python's `re` tries `.{0,200}cookies...` at every split point of every line: on allsides part-00
the rules and shapes cost ~20 s of regex work for 420k distinct lines that almost never match.
Two facts, derived from the pattern itself (so a rule added to the YAML needs no hand-written
hint and cannot get one wrong), let a line skip a pattern without changing any decision:

- `max_width`: the longest line the pattern can match *on folded text* (whitespace runs are one
  space, so `\\s*` matches at most one character). A longer line cannot match.
- `required_literals`: a set of strings one of which every match contains (lower-cased); a line
  containing none of them cannot match. Used only for patterns that start with a wildcard, the
  ones the engine cannot reject at the first character.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from re import _constants as C, _parser as P  # the stdlib's own parser (stable since 3.11)

import ahocorasick
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT)


def _parse(pattern: str) -> P.SubPattern:
    return P.parse(pattern, re.IGNORECASE)


def _only_space(sub: P.SubPattern) -> bool:
    """True when `sub` matches a single whitespace character (\\s, [\\s] or a space)."""
    if len(sub) != 1:
        return False
    op, av = sub[0]
    if op is C.LITERAL:
        return chr(av).isspace()
    if op is C.IN:
        return all(o is C.CATEGORY and a is C.CATEGORY_SPACE for o, a in av)
    return False


def _width(items) -> float:
    total = 0.0
    for op, av in items:
        if op in (C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN):
            total += 1
        elif op is C.SUBPATTERN:
            total += _width(av[-1])
        elif op is C.ATOMIC_GROUP:
            total += _width(av)
        elif op is C.BRANCH:
            total += max(_width(b) for b in av[1])
        elif op in _REPEATS:
            lo, hi, sub = av
            if hi is C.MAXREPEAT:
                hi = 1 if _only_space(sub) else math.inf  # folded text: one space at most
            w = _width(sub)
            total += 0 if w == 0 else hi * w
        elif op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue  # zero width
        else:
            return math.inf  # back-references and anything unknown: no bound
    return total


def max_width(pattern: str) -> float:
    """Longest folded line `pattern` can fully match (math.inf when unbounded)."""
    return _width(_parse(pattern))


def _required(items) -> frozenset[str] | None:
    """Strings one of which every match of the sequence `items` contains, or None."""
    options: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            options.append(frozenset(["".join(run)]))
            run.clear()

    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av))
            continue
        flush()
        req = None
        if op is C.SUBPATTERN:
            req = _required(av[-1])
        elif op is C.ATOMIC_GROUP:
            req = _required(av)
        elif op is C.BRANCH:
            parts = [_required(b) for b in av[1]]
            if all(p is not None for p in parts):
                req = frozenset().union(*parts)
        elif op in _REPEATS and av[0] >= 1:
            req = _required(av[2])
        if req:
            options.append(req)
    flush()
    if not options:
        return None
    # The most selective option: longest shortest string, then fewest strings.
    return max(options, key=lambda o: (min(map(len, o)), -len(o)))


def required_literals(pattern: str) -> frozenset[str] | None:
    """Lower-cased strings one of which every match contains; None when there is no such set.
    (Compared with `line.lower()`: `re.IGNORECASE` and `str.lower` agree except for a few
    exotic letters such as the long s, which no rule uses.)"""
    req = _required(_parse(pattern))
    return frozenset(s.lower() for s in req) if req else None


def starts_with_wildcard(pattern: str) -> bool:
    """True when some match can begin with (nearly) any character (`.{0,80}...`, `[^"]{0,80}`):
    the expensive kind."""

    def first(items) -> bool:
        for op, av in items:
            if op is C.ANY:
                return True
            if op is C.IN and av and av[0][0] is C.NEGATE:  # [^"]: nearly any character
                return True
            if op is C.SUBPATTERN:
                return first(av[-1])
            if op is C.BRANCH:
                return any(first(b) for b in av[1])
            if op in _REPEATS:
                return first(av[2]) or (av[0] == 0 and first(items[1:]))
            return False
        return False

    return first(list(_parse(pattern)))


class Matcher:
    """The first of several whole-line patterns that matches a folded line, with as few regex
    calls as possible: the patterns that can match a line of this length run as one alternation
    (one C call; the engine rejects most lines within the first characters), except wildcard-led
    ones, which run only when the line holds one of their required strings (one search for all of
    them). Gives the same answer as trying each pattern's fullmatch in order."""

    def __init__(self, patterns: list[re.Pattern[str]]):
        self._patterns = list(patterns)
        self._anchored: list[tuple[int, float, str]] = []
        self._floating: list[tuple[int, float, tuple[str, ...] | None]] = []
        for i, pat in enumerate(self._patterns):
            width = max_width(pat.pattern)
            try:  # a pattern with inline global flags cannot sit inside an alternation
                re.compile(f"(?P<p0>{pat.pattern})", pat.flags)
                embeddable = True
            except re.error:
                embeddable = False
            if not embeddable or starts_with_wildcard(pat.pattern):
                lits = required_literals(pat.pattern) if embeddable else None
                if lits and any(len(s) < 3 and s.isascii() for s in lits):
                    lits = None  # "ad" is in every other line: not worth a pre-check
                if lits:  # a string that contains another required one adds nothing
                    lits = tuple(sorted(s for s in lits if not any(o != s and o in s for o in lits)))
                self._floating.append((i, width, lits))
            else:
                self._anchored.append((i, width, pat.pattern))
        # Every required string of every wildcard-led pattern in one Aho-Corasick automaton: one
        # pass over the line says which patterns may match (a Python `in` per string, ~60 of them,
        # cost more than all the regexes together on allsides part-00).
        self._ac = None
        owners: dict[str, list[int]] = {}
        for i, _, lits in self._floating:
            for s in lits or ():
                owners.setdefault(s, []).append(i)
        if owners:
            self._ac = ahocorasick.Automaton()
            for s, idx in owners.items():
                self._ac.add_word(s, tuple(idx))
            self._ac.make_automaton()
        # Wildcard-led patterns without required strings run on every line of their width.
        self._unfiltered = any(lits is None for _, _, lits in self._floating)
        self._long = _long_lines_rx(self._floating)
        self._flags = self._patterns[0].flags if self._patterns else 0
        self._by_length: dict[int, tuple[re.Pattern[str] | None, list]] = {}
        self._compiled: dict[tuple[str, ...], re.Pattern[str]] = {}
        # The longest line any pattern can match (math.inf: no bound), and the longest bound
        # there is: `first_many` plans lines by length up to it, longer ones share one plan.
        widths = [max_width(p.pattern) for p in self._patterns]
        self.width = max(widths, default=0.0)
        self._top = int(max((w for w in widths if w != math.inf), default=0)) + 1
        self._plans: list[tuple[re.Pattern[str] | None, list]] | None = None
        self._calls: list[Callable[[str], re.Match[str] | None]] = []

    def _plan(self, n: int) -> tuple[re.Pattern[str] | None, list]:
        """For lines of n characters: the anchored patterns that can match one, as an alternation
        whose groups are named after the pattern index (the first alternative that matches wins,
        as in a loop over the patterns), and the wildcard-led ones with their required strings."""
        alts = tuple(f"(?P<p{i}>{src})" for i, w, src in self._anchored if n <= w)
        # Lengths between two patterns' widths share one alternation: compiled once (a run meets
        # ~600 line lengths but only as many distinct sets as there are widths).
        combined = self._compiled.get(alts)
        if combined is None and alts:
            combined = self._compiled[alts] = re.compile("|".join(alts), self._flags)
        return combined, [(i, lits) for i, w, lits in self._floating if n <= w]

    def first(self, folded: str, low: str | None = None) -> int | None:
        """Index of the first pattern that fully matches the folded line (`low`: its lower-cased
        form, if the caller has it)."""
        n = len(folded)
        plan = self._by_length.get(n)
        if plan is None:
            plan = self._by_length[n] = self._plan(n)
        combined, floating = plan
        best = None
        if combined is not None:
            m = combined.fullmatch(folded)
            if m is not None:
                best = next(int(k[1:]) for k, v in m.groupdict().items() if v is not None)
        if floating:
            low = folded.lower() if low is None else low
            found: set[int] = set()  # patterns one of whose required strings the line holds
            if self._ac is not None:
                for _, idx in self._ac.iter(low):
                    found.update(idx)
            for i, lits in floating:
                if best is not None and i > best:
                    break
                if lits is not None and i not in found:
                    continue
                if self._patterns[i].fullmatch(folded):
                    return i
        return best

    def first_many(self, folded: Sequence[str], low: Sequence[str]) -> list[int | None]:
        """`first` of each folded line (`low`: the same lines lower-cased), with fewer Python
        calls: one alternation call per line, and the wildcard-led patterns' required strings
        found in one Aho-Corasick pass over all the lines joined (a string that spans two lines
        only adds a candidate, which its fullmatch then rejects)."""
        if self._plans is None:  # by length; every longer line has the plan of `_top`
            self._plans = [self._plan(n) for n in range(self._top + 1)]
            self._calls = [_no_match if c is None else c.fullmatch for c, _ in self._plans]
        calls, plans, top = self._calls, self._plans, self._top
        out: list[int | None] = [None if m is None else int(m.lastgroup[1:])  # type: ignore[index]
                                 for m in [calls[n if n < top else top](f)
                                           for f in folded for n in [len(f)]]]
        if not self._floating:
            return out
        found: dict[int, set[int]] = {}  # line -> patterns one of whose required strings it holds
        if self._ac is not None:
            lines = _may_hold(self._long, folded, low) if len(low) >= PREFILTER_MIN_LINES else None
            if lines is None:
                lines = range(len(low))
            starts, at = [], 0
            for k in lines:
                starts.append(at)
                at += len(low[k]) + 1
            for end, idx in self._ac.iter("\n".join([low[k] for k in lines])):
                found.setdefault(lines[bisect_right(starts, end) - 1], set()).update(idx)
        for k in range(len(folded)) if self._unfiltered else sorted(found):
            f = folded[k]
            best, hits = out[k], found.get(k, ())
            for i, lits in plans[len(f) if len(f) < top else top][1]:
                if best is not None and i > best:
                    break
                if lits is not None and i not in hits:
                    continue
                if self._patterns[i].fullmatch(f):
                    out[k] = i
                    break
        return out


def _no_match(_: str) -> None:
    return None


# The Aho-Corasick walk costs ~12 ns a character, more than everything else the matcher does on
# allsides part-00 (~1.3 s of 110 MB). Most lines are long and hold none of the required strings
# of the patterns wide enough for them (the narrowest wildcard-led pattern, "Jane says:", needs
# "says", found in every other news paragraph, but only in lines of <= 87 characters): RE2
# (Arrow) counts those strings in blocks of PREFILTER_BLOCK long lines at ~4x the walk's speed,
# and the walk then covers the short lines and the blocks that hold one (~5% of the text).
PREFILTER_MIN_LINES = 512
PREFILTER_BLOCK = 16
_RE2_SPECIAL = frozenset("\\.^$|?*+()[]{}")


def _long_lines_rx(floating) -> tuple[int, str] | None:
    """(short, rx): lines of <= `short` characters may need any required string; a longer line
    only those of the patterns wider than `short`, whose RE2 alternation is `rx` ("" when no
    pattern is). None when a wildcard-led pattern has no required strings."""
    if not floating or any(lits is None for _, _, lits in floating):
        return None
    short = min(w for _, w, _ in floating)
    if short == math.inf:
        return None
    lits = sorted({s for _, w, ls in floating if w > short for s in ls})
    return int(short), "|".join("".join("\\" + c if c in _RE2_SPECIAL else c for c in s)
                                for s in lits)


def _may_hold(long_rx: tuple[int, str] | None, folded: Sequence[str],
              low: Sequence[str]) -> list[int] | None:
    """The lines (ascending) the Aho-Corasick walk must see: every short line, and the long
    lines of each block of PREFILTER_BLOCK in which RE2 finds a required string that a long
    line may need. A long line outside them holds no string of a pattern it can match, so its
    candidates would be none (a string spanning two joined lines adds only a candidate its
    fullmatch rejects: either way the same answers). None: examine every line (no bound known,
    or a lone surrogate that Arrow cannot encode)."""
    if long_rx is None:
        return None
    short, rx = long_rx
    n = np.fromiter(map(len, folded), np.int64, len(folded))
    keep = n <= short
    far = np.flatnonzero(~keep)
    if not rx or not far.size:
        return np.flatnonzero(keep).tolist()
    lines = [low[k] for k in far.tolist()]
    try:
        joined = pa.array(["\n".join(lines[i:i + PREFILTER_BLOCK])
                           for i in range(0, len(lines), PREFILTER_BLOCK)], type=pa.large_string())
    except (UnicodeError, pa.ArrowException):
        return None
    hit = pc.count_substring_regex(joined, rx).to_numpy(zero_copy_only=False) > 0
    keep[far[np.repeat(hit, PREFILTER_BLOCK)[:far.size]]] = True
    return np.flatnonzero(keep).tolist()
