"""Personal data: e-mail addresses, phone numbers and IP addresses, counted per document, and
masked (`annotate.pii: mask`) as <EMAIL>, <PHONE>, <IP> everywhere the text goes.

Written as regular expressions (no library finds all three without a model or a slow
per-candidate parser), tuned for precision on news text, where numbers abound:
- e-mail: local@domain.tld, the domain with a 2+ letter top-level label;
- phone: an international number (+ and country code, then 6 to 14 more digits in groups
  separated by spaces, dots or hyphens, optionally "(0)" or an area code in parentheses), or a
  North American one written as a phone number, "(202) 555-0143", "(202)-555-0143",
  "202-555-0143", "202.555.0143", "202 555 0143", "1-800-555-0143" (area code and exchange
  starting 2-9, one separator style). Evenly spaced numbers after a "+" are an axis's ticks.
  Years ("2019-2020"), dates, prices ("$1,234,567"), scores and vote counts ("52-48",
  "218-212") have the wrong digit groups or a currency sign, so they never match;
- IPv4: four dotted numbers 0-255, not part of a longer dotted run (version numbers like
  "1.2.3.4.5" are not addresses); IPv6: hexadecimal groups with colons, checked by `ipaddress`.
"""

from __future__ import annotations

import ipaddress
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .base import Annotator, Batch, columns

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![\w@])")
# Each kind is found in two steps: a pattern that starts with a plain character class, which
# the regex engine scans for quickly, then the precise pattern on each candidate.
_PHONE_CANDIDATE = re.compile(r"[+(\d][\d ().\-]{8,24}\d")
PHONE = re.compile(
    # international: + country code, an optional "(0)" or "(area)", then digit groups
    r"\+[1-9]\d{0,2}(?:[ .\-]?\(0\))?(?:[ .\-]?\(\d{1,4}\))?[ .\-]?\d{1,5}(?:[ .\-]?\d{2,5}){1,5}"
    r"|(?:1[ .\-])?\([2-9]\d{2}\)[ \-]?[2-9]\d{2}[ .\-]\d{4}"       # (202) 555-0143
    r"|[2-9]\d{2} [2-9]\d{2} \d{4}"                                 # 202 555 0143
    r"|(?:1-)?[2-9]\d{2}-[2-9]\d{2}-\d{4}"                          # 202-555-0143
    r"|(?:1\.)?[2-9]\d{2}\.[2-9]\d{2}\.\d{4}")                      # 202.555.0143
_PHONE_BEFORE = re.compile(r"[\w$€£¥+/.,\-]")
_PHONE_AFTER = re.compile(r"[\w%\-]|[.,]\d")
_IPV4_CANDIDATE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_OCTET = re.compile(r"25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d")
IPV6_CANDIDATE = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:)(?![\w:])")

MASKS = {"email": "<EMAIL>", "phone": "<PHONE>", "ip": "<IP>"}

COLUMNS = columns(
    "pii",
    ("emails", pa.int64(), "e-mail addresses in the text"),
    ("phones", pa.int64(), "phone numbers (international or North American format)"),
    ("ips", pa.int64(), "IPv4 and IPv6 addresses"),
)


def _bounded(text: str, a: int, b: int, before: re.Pattern, after: re.Pattern) -> bool:
    return not (a and before.match(text, a - 1)) and not after.match(text, b)


def _phones(text: str) -> list[tuple[int, int]]:
    out = []
    for cand in _PHONE_CANDIDATE.finditer(text):
        at, end = cand.span()
        while at < end:  # the longest phone number starting at each position of the candidate
            m = PHONE.match(text, at, end)
            if m and _bounded(text, at, m.end(), _PHONE_BEFORE, _PHONE_AFTER) and _phone_ok(m.group()):
                out.append(m.span())
                at = m.end()
            else:
                at += 1
    return out


def _phone_ok(s: str) -> bool:
    n = sum(c.isdigit() for c in s)
    if not s.startswith("+"):
        return n in (10, 11)
    return 10 <= n <= 15 and not _is_scale(re.findall(r"\d+", s))


def _is_scale(groups: list[str]) -> bool:
    """Evenly spaced numbers ("+20 40 60 80 100"): a chart's axis, not a phone number."""
    v = [int(g) for g in groups]
    return len(v) >= 4 and len({b - a for a, b in zip(v, v[1:])}) == 1


_IP_BEFORE = re.compile(r"[\w.]")
_IP_AFTER = re.compile(r"\w|\.\d")


def _ipv4(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _IPV4_CANDIDATE.finditer(text)
            if all(_OCTET.fullmatch(o) for o in m.group().split("."))
            and _bounded(text, *m.span(), _IP_BEFORE, _IP_AFTER)]


def _ipv6_ok(m: re.Match) -> bool:
    s = m.group(0)
    if s.count(":") < 2 or not any(c in "0123456789abcdefABCDEF" for c in s):
        return False
    try:
        ipaddress.IPv6Address(s)
    except ValueError:
        return False
    # "12:30:00" is a time, not an address: ask for "::" or more than three groups.
    return "::" in s or s.count(":") >= 4


# Supersets of the candidates, in RE2 syntax: Arrow scans a whole batch of texts for them in
# C++, and only the texts that have one are searched in Python.
PREFILTER = {"email": r"\w@\w", "phone": r"[+(\d][\d ().\-]{8,24}\d",
             "ipv4": r"\d\.\d{1,3}\.\d{1,3}\.\d", "ipv6": r"[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f]*:|::"}
ALL_KINDS = frozenset(PREFILTER)


def find(text: str, kinds: frozenset[str] = ALL_KINDS) -> dict[str, list[tuple[int, int]]]:
    """Each kind's spans, (start, end), in text order. `kinds`: where to look (the others
    are known to be absent)."""
    found: dict[str, list[tuple[int, int]]] = {"email": [], "phone": [], "ip": []}
    if "email" in kinds and "@" in text:
        found["email"] = [m.span() for m in EMAIL.finditer(text)]
    if "phone" in kinds:
        found["phone"] = _phones(text)
    if "ipv4" in kinds:
        found["ip"] = _ipv4(text)
    if "ipv6" in kinds and ("::" in text or text.count(":") >= 4):
        found["ip"] += [m.span() for m in IPV6_CANDIDATE.finditer(text) if _ipv6_ok(m)]
        found["ip"].sort()
    # An address's digits are not also a phone number.
    if found["phone"] and (found["email"] or found["ip"]):
        taken = found["email"] + found["ip"]
        found["phone"] = [p for p in found["phone"]
                          if not any(a < p[1] and p[0] < b for a, b in taken)]
    return found


def counts(text: str, kinds: frozenset[str] = ALL_KINDS) -> tuple[int, int, int]:
    if not kinds:
        return 0, 0, 0
    f = find(text, kinds)
    return len(f["email"]), len(f["phone"]), len(f["ip"])


# Any of them: one scan of the whole batch; the few texts with a match (536 of part-00's
# 18,777) are then scanned for each kind.
_ANY = "|".join(f"(?:{p})" for p in PREFILTER.values())


def candidates(texts: list[str] | pa.Array) -> list[frozenset[str]]:
    """For each text, the kinds it may hold (RE2 over the whole batch)."""
    arr = texts if isinstance(texts, pa.Array) else pa.array(texts, type=pa.string())
    out: list[frozenset[str]] = [frozenset()] * len(arr)
    some = np.flatnonzero(pc.match_substring_regex(arr, _ANY).to_numpy(zero_copy_only=False))
    if some.size:
        sub = arr.take(pa.array(some))
        flags = {k: pc.match_substring_regex(sub, p).to_pylist() for k, p in PREFILTER.items()}
        for i, at in enumerate(some.tolist()):
            out[at] = frozenset(k for k in PREFILTER if flags[k][i])
    return out


def mask(text: str) -> str:
    """The text with every e-mail address, phone number and IP address replaced."""
    f = find(text)
    spans = sorted((a, b, MASKS[kind]) for kind, ss in f.items() for a, b in ss)
    if not spans:
        return text
    out, at = [], 0
    for a, b, token in spans:
        if a < at:
            continue
        out += [text[at:a], token]
        at = b
    out.append(text[at:])
    return "".join(out)


def mask_document(doc) -> None:
    """Personal data replaced in every text field a reader may see: title, section, url,
    paragraphs and the record's other fields (`meta`). Ids and paths are left as they are."""
    for p in doc.paragraphs:
        p.text = mask(p.text)
    doc.title, doc.section, doc.url = (mask(v) if v else v for v in (doc.title, doc.section, doc.url))
    doc.meta = _mask_value(doc.meta)


def _mask_value(value):
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_value(v) for v in value]
    return value


def _masked_counts(text: str) -> tuple[int, int, int]:
    return text.count(MASKS["email"]), text.count(MASKS["phone"]), text.count(MASKS["ip"])


def compute(batch: Batch) -> dict[str, list]:
    # Masked text (`annotate.pii: mask`, applied as documents are read) holds placeholders
    # where the data was: those are what is counted then.
    if batch.options.get("pii") == "mask":
        rows = [_masked_counts(t) for t in batch.texts]
    else:
        rows = [counts(t, k) for t, k in zip(batch.texts, candidates(batch.arrow))]
    return {c.name: [r[i] for r in rows] for i, c in enumerate(COLUMNS)}


ANNOTATOR = Annotator("pii", COLUMNS, compute)
