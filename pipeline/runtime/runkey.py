"""A key for "same inputs, same configuration, same code": a run whose key matches the one the
output folder was made with has nothing to do.

The key hashes every file under the raw folder (path and content), the configuration sections
that shape the output, and the pipeline's own source code, so an edit to any of them reruns.
"""

from __future__ import annotations

from pathlib import Path

import xxhash
import yaml

from ..core.config import Config, to_dict
from ..core.digest import code_digest, update_file

KEY_FILE = "run_key.txt"

def run_key(cfg: Config, raw: Path) -> str:
    h = xxhash.xxh3_128()
    sections = {k: v for k, v in to_dict(cfg).items() if k != "run"}
    h.update(yaml.safe_dump(sections, sort_keys=True).encode())
    h.update(code_digest().encode())
    update_file(h, cfg.clean.rules_path)  # the shipped rules are code too
    root = raw.resolve()
    for path in sorted(raw.rglob("*"), key=lambda p: p.relative_to(raw).as_posix()):
        rel = path.relative_to(raw).as_posix()
        h.update(b"\x00" + rel.encode())
        if path.is_symlink():
            h.update(str(path.resolve()).encode())
            if not path.resolve().is_relative_to(root):
                continue  # never read: only where it points counts
        if path.is_file():
            update_file(h, path)
    return h.hexdigest()


def up_to_date(out: Path, key: str) -> bool:
    marker = out / KEY_FILE
    return (out / "stats.json").is_file() and marker.is_file() and marker.read_text().strip() == key
