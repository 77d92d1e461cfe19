"""What every evaluation command shares: where the corpora are, and how figures are handed out."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def corpora_dir() -> Path:
    """$NEWSPREP_CORPORA, or ../shared/corpora beside the checkout."""
    env = os.environ.get("NEWSPREP_CORPORA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "corpora"


def publish(res: dict[str, Any], text: str, json_path: str | None) -> int:
    """Print the rendered figures and, when asked, write them as JSON; the command's exit code."""
    print(text)
    if json_path:
        Path(json_path).write_text(json.dumps(res, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0
