"""Publication dates to ISO 8601, or None when a value is no plausible date."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

# Scraped corpora carry junk such as 0001-11-30: such a date would win the keeper rule
# ("earliest-dated copy stays") for no reason, so it counts as undated. A fixed range keeps the
# result independent of the day of the run; a far-future date only sorts last.
MIN_YEAR = 1900
MAX_YEAR = 2100

_FORMATS = ("%m/%d/%y", "%m/%d/%Y", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y", "%Y/%m/%d")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def normalise_date(value: str | None) -> str | None:
    """'2020-01-05', '1/5/20', '2020-01-05T10:00:00Z', 'January 5, 2020' -> ISO 8601 string.

    Dates stay dates ('YYYY-MM-DD'); timestamps keep their time and offset.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    parsed: date | datetime | None = None
    if _ISO_DATE.match(text):
        try:
            parsed = date.fromisoformat(text)
        except ValueError:
            return None
    else:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _FORMATS:
                try:
                    parsed = datetime.strptime(text, fmt).date()
                    break
                except ValueError:
                    continue
    if parsed is None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    return parsed.isoformat()


def instant(iso: str) -> float:
    """The moment a `normalise_date` string names, in seconds since the epoch, so that dates
    with different offsets compare as instants, not as strings ("10:00+05:00" is before
    "07:00+00:00"). A date alone is its midnight, and a time without an offset, in UTC."""
    parsed = datetime.fromisoformat(iso) if "T" in iso else datetime.fromisoformat(iso + "T00:00:00")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()
