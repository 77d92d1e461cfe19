"""Build a run's output beside the old one and swap it in at the end.

A run writes into a staging folder next to the output folder. At the end the two are exchanged
with one atomic `renameat2(RENAME_EXCHANGE)` where the kernel offers it, else with two renames
whose gap `recover` repairs on the next run. Killed at any moment, the previous complete output
is either in place or restored by the next run; a staging folder is never mistaken for output.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from pathlib import Path

from .killpoint import reach

CACHE_DIR = ".cache"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False when the platform cannot."""
    libc = _libc()
    fn = getattr(libc, "renameat2", None) if libc else None
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def _siblings(out: Path, kind: str) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.{kind}-*"))


def recover(out: Path) -> None:
    """Undo what a run killed mid-way left: restore a moved-away output, drop stale staging."""
    olds = _siblings(out, "old")
    if not out.exists() and olds:
        olds[-1].rename(out)
        olds = olds[:-1]
    for path in olds + _siblings(out, "staging"):
        shutil.rmtree(path, ignore_errors=True)


def new_staging(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    recover(out)
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    if (out / ".gitkeep").exists():
        (staging / ".gitkeep").touch()
    return staging


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())


def commit(staging: Path, out: Path) -> None:
    """Make `staging` the output folder; the previous output is removed only afterwards."""
    _fsync_tree(staging)
    reach("commit:start")
    # The reusable-work cache lives in the output folder and moves on to the new one.
    cache = out / CACHE_DIR
    if cache.is_dir() and not (staging / CACHE_DIR).exists():
        cache.rename(staging / CACHE_DIR)
        reach("commit:cache-moved")
    if out.exists():
        if exchange(staging, out):
            reach("commit:exchanged")
            shutil.rmtree(staging)
            return
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
        reach("commit:old-moved")
        staging.rename(out)
        reach("commit:exchanged")
        shutil.rmtree(old)
    else:
        staging.rename(out)
