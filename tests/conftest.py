from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEWSPREP_SHARED", ROOT.parent / "shared"))
CORPORA = Path(os.environ.get("NEWSPREP_CORPORA", SHARED / "corpora"))
SEEDS = ROOT / "raw"
SEED_FILES = ("000_c31a543739f4d4b5.txt", "003_f0f537a06f17b18a.txt")


@pytest.fixture
def seed_raw(tmp_path: Path) -> Path:
    """A raw folder holding the two sample articles shipped in raw/."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in SEED_FILES:
        shutil.copy(SEEDS / name, raw / name)
    return raw


def corpus(*parts: str) -> Path:
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    return path
