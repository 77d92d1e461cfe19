"""Language: seeded langdetect's answer on the title and text (by default its numpy replay in
`pipeline/langid`, tested equal to it), exactly as the annotate stage has always asked it, with
answers reused from the run cache (`runtime/cache.py`).

Options (from `annotate`): `langdetect_seed`, `language_max_chars`, `language_backend`,
`cache_dir`. The answers it computed go to `batch.notes["language"]` for the stage to add to
the cache.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from ..runtime import cache
from .base import Annotator, Batch, Column

COLUMNS = (
    Column("language", "language", pa.string(), "ISO 639-1 code, langdetect (seeded)"),
    Column("score", "language_score", pa.float64(), "langdetect's probability for it"),
)

_KNOWN: dict[str, tuple[float, dict]] = {}


def _known(cache_dir: str | None) -> dict[int, tuple[str | None, float | None]]:
    """The cached language answers, read once per process (and again if the file changed)."""
    if cache_dir is None:
        return {}
    path = Path(cache_dir) / "language.arrow"
    stamp = path.stat().st_mtime if path.exists() else 0.0
    hit = _KNOWN.get(cache_dir)
    if hit is None or hit[0] != stamp:
        hit = _KNOWN[cache_dir] = (stamp, cache.load_languages(Path(cache_dir)))
    return hit[1]


def sample(title: str | None, text: str) -> str:
    # The title is part of what a reader sees, and helps short documents.
    return f"{title}\n{text}" if title else text


def compute(batch: Batch) -> dict[str, list]:
    from ..langid.detect import detect_languages, detect_languages_langdetect

    detect = (detect_languages if batch.options.get("language_backend", "fast") == "fast"
              else detect_languages_langdetect)
    seed, max_chars = batch.options["langdetect_seed"], batch.options["language_max_chars"]
    samples = [sample(t, x) for t, x in zip(batch.titles, batch.texts)]
    known = _known(batch.options.get("cache_dir"))
    keys = [cache.language_key(s, seed, max_chars) for s in samples]
    got = [known.get(k) for k in keys]
    todo = [i for i, a in enumerate(got) if a is None]
    found = detect([samples[i] for i in todo], seed=seed, max_chars=max_chars)
    for i, answer in zip(todo, found):
        got[i] = answer
    batch.notes["language"] = {"answers": dict(zip(keys, got)), "detected": len(todo),
                               "reused": len(got) - len(todo)}
    return {"language": [a[0] for a in got], "language_score": [a[1] for a in got]}


ANNOTATOR = Annotator("language", COLUMNS, compute)
