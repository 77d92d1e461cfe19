"""Chrome phrases of many languages (data in `configs/boilerplate.yaml`, `languages:`) -> rules.

The YAML lists, per language, the words a page uses for each kind of chrome (navigation, "read
more", share, cookie notices, imprint and privacy links, comment sections, photo credits, dates).
How each kind is matched is the same in every language and lives here: a navigation line is one
or more menu words joined by separators, a date line is an optional weekday, a day, a month name
and a year, and so on. Every rule is a whole-line match on the folded line (case ignored).
"""

from __future__ import annotations

import re
from typing import Any

from .lines import Rule
from .regex import starts_with_wildcard

KINDS = ("navigation", "prev_next", "read_more", "share", "cookie", "consent", "imprint",
         "privacy", "comments", "credit", "click_here", "caption", "subscribe", "disclosure",
         "action", "rights", "published", "months", "weekdays")

_ARROW = r"(?:[←→«»‹›<>]|<-|->|<<|>>)"
_SEP = r"\s?[|•·/,»›–-]?\s?"
_TRAIL = r"(?:\s?(?:[←→«»‹›>+]|->|\.\.\.|…|\(\d{1,6}\)|\d{1,6}))?"


def _alt(phrases: list[str]) -> str:
    # Longest first, so that "kommentar schreiben" is tried before "kommentar".
    return "(?:" + "|".join(sorted(set(phrases), key=lambda p: (-len(p), p))) + ")"


def _patterns(kind: str, alt: str) -> tuple[str, str, bool, bool] | None:
    """(rule name, pattern, kind, page) for one kind's phrase alternation."""
    if kind == "navigation":
        return "navigation", rf"(?:{_ARROW}\s?)?(?:{alt}{_TRAIL}{_SEP}){{1,4}}", False, True
    if kind == "prev_next":
        # Alone (with arrows), or followed by the title it links to after a separator or arrow.
        return "navigation", (rf"(?:{_ARROW}\s?)?{alt}(?:\s?{_ARROW})?(?:\s?[:|]\s?.{{1,150}})?"
                              rf"|{_ARROW}\s?{alt}\s.{{1,150}}"), False, True
    if kind == "read_more":
        return "read_more", rf"(?:\[?(?:\.\.\.|…)\]?\s?)?(?:{_ARROW}\s?)?{alt}\s?[:.]?{_TRAIL}", False, True
    if kind == "share":
        return "share_prompt", rf"(?:{alt}\s?:?{_SEP}){{1,3}}", True, True
    if kind == "cookie":
        return "cookie_notice", rf".{{0,200}}\b{alt}\b.{{0,300}}", False, True
    if kind == "consent":
        return "cookie_notice", rf"{alt}\s?[!.]?", False, True
    if kind in ("imprint", "privacy"):
        return "legal_links", rf"(?:{alt}{_SEP}){{1,4}}", False, True
    if kind == "comments":
        return "comment_prompt", rf"(?:\d{{1,9}}\s)?{alt}(?:\s?\(\d{{1,9}}\)|\s\d{{1,9}})?\s?:?", True, True
    if kind == "credit":
        return "image_credit", rf"\(?{alt}\s?(?::|/|\||©)\s?.{{1,80}}", False, False
    if kind == "click_here":
        # Not the bare phrase ("Click here."): alone it may be a link split out of a sentence.
        return "click_here", rf".{{2,100}}\b{alt}\b.{{0,100}}|{alt}\b.{{4,100}}", False, False
    if kind == "caption":
        return "caption_control", rf".{{0,300}}\b{alt}\b.{{0,300}}", False, False
    if kind == "subscribe":  # a prompt to subscribe, in a line of at most ~250 characters
        # Not inside a quotation: '"Please sign up for my mailing list," he wrote' is speech.
        return "newsletter", rf"[^\"“”„«»]{{0,120}}\b{alt}\b.{{0,200}}", False, False
    if kind == "disclosure":  # the site's own affiliate / advertiser disclosure
        return "disclosure", rf"[^\"“”„«»]{{0,250}}\b{alt}\b.{{0,250}}", False, False
    if kind == "action":  # a button alone on its line: "Get started", "Book a demo"
        # ... or after the short question that leads to it: "Ready to start? Get started today."
        # A button may name what it is for, without a full stop: "Request a quote for roof repairs".
        return "call_to_action", (rf"(?:[^.!?\"“”]{{1,80}}\?\s)?(?:{_ARROW}\s?)?{alt}"
                                  rf"(?:\s(?:for|with)\s[^.!?:]{{1,60}}|\s?[.!:]?)(?:\s?{_ARROW})?"), False, False
    if kind == "rights":
        return "copyright", rf".{{0,150}}\b{alt}\b.{{0,150}}", False, False
    return None


def _date(months: str, weekdays: str | None, published: str | None) -> str:
    day = r"\d{1,2}\.?"
    year = r"\d{4}"
    de = r"(?:\s(?:de|del)\s|\s)"  # "31 de mayo de 2012"
    parts = [rf"{day}{de}{months}\.?(?:,?{de}{year})?", rf"{months}\.?\s{day},?\s{year}",
             rf"{months}\s{year}"]
    core = "(?:" + "|".join(parts) + ")"
    wd = rf"(?:{weekdays},?\s)?" if weekdays else ""
    if weekdays:  # a numeric date is the built-in date_only shape; with a weekday name it is here
        core = rf"(?:{core}|{weekdays},?\s\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}})"
    pub = rf"(?:{published}\s?:?\s)?" if published else ""
    time = r"(?:,?\s?(?:um|à|a las|alle|às|o|godz\.|at|-|\|)?\s?\d{1,2}[:.h]\d{2}(?:\s?(?:uhr|h))?)?"
    return pub + wd + core + time


def compile_languages(data: Any) -> list[Rule]:
    """Rules from the `languages:` mapping {lang: {kind: [phrase, ...]}}; ValueError names a bad
    entry (unknown kind, a phrase that is not a string or not a valid regular expression).
    One rule per kind holds the phrases of every language (one pattern, not one per language:
    each pattern costs a little on every line of a run)."""
    if data is None:
        return []
    if not isinstance(data, dict):
        raise ValueError("languages: must be a mapping of language -> kinds")
    phrases: dict[str, list[str]] = {}
    for lang in sorted(data):
        kinds = data[lang] or {}
        if not isinstance(kinds, dict):
            raise ValueError(f"languages.{lang}: must be a mapping of kind -> phrases")
        for kind, items in kinds.items():
            if kind not in KINDS:
                raise ValueError(f"languages.{lang}: unknown kind {kind!r} (known: {', '.join(KINDS)})")
            if not isinstance(items, list) or not all(isinstance(p, str) and p for p in items):
                raise ValueError(f"languages.{lang}.{kind}: must be a list of phrases")
            for p in items:
                try:
                    re.compile(p)
                except re.error as e:
                    raise ValueError(f"languages.{lang}.{kind}: invalid phrase {p!r} ({e})") from None
            phrases.setdefault(kind, []).extend(p.lower() for p in items)
    alts = {kind: _alt(items) for kind, items in phrases.items()}
    rules: list[Rule] = []
    for kind in KINDS:
        made = _patterns(kind, alts[kind]) if kind in alts else None
        if made is not None:
            name, pattern, barrier, page = made
            # Found anywhere in a line, or after a free lead-in: no first-word test.
            rules.append(Rule(name, "barrier" if barrier else "remove",
                              re.compile(pattern, re.IGNORECASE), page, False,
                              None if starts_with_wildcard(pattern) else _leads(phrases[kind])))
    if "months" in alts:
        pattern = _date(alts["months"], alts.get("weekdays"), alts.get("published"))
        words = phrases["months"] + phrases.get("weekdays", []) + phrases.get("published", [])
        rules.append(Rule("date", "remove", re.compile(pattern, re.IGNORECASE), False, False,
                          _leads(words)))
    return rules


def _leads(phrases: list[str]) -> frozenset[str] | None:
    """The 1-3 leading letters of each phrase (its literal start); None if a phrase starts with
    anything else (then the rule has no first-word test)."""
    out = set()
    for p in phrases:
        lead = ""
        for ch in p:
            if not ch.isalpha() or len(lead) == 3:
                break
            lead += ch
        if not lead:
            return None
        out.add(lead)
    return frozenset(out)
