"""Build a run's output beside the old one and swap it in at the end.

A run writes into a staging folder next to the output folder. At the end the two are exchanged
with one atomic `renameat2(RENAME_EXCHANGE)` where the kernel offers it, else with two renames
whose gap `recover` repairs on the next run. Killed at any moment, the previous complete output
is either in place or restored by the next run; a staging folder is never mistaken for output.
Before the swap every file and folder of the new output is fsynced, and the parent folder after
it, so a power cut leaves the old output or the new one whole, never files without their data.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from pathlib import Path

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


def check_writable(out: Path) -> None:
    """Refuse, before any work, an output location the run cannot build and swap in: a missing
    parent folder, a parent or output folder it may not write, an output that is a file or a
    mount point (the new output is built beside it and renamed over it)."""
    from .faults import OutputUnwritable

    parent = Path(os.path.abspath(out)).parent
    if not parent.is_dir():
        what = "does not exist" if not parent.exists() else "is not a folder"
        raise OutputUnwritable(f"cannot write the output {out}: its parent folder {parent} {what}")
    for folder in (parent, out) if out.exists() else (parent,):
        if not folder.is_dir():
            raise OutputUnwritable(f"cannot write the output {out}: it exists and is not a folder")
        if not os.access(folder, os.W_OK | os.X_OK):
            ro = os.statvfs(folder).f_flag & os.ST_RDONLY
            why = "is on a read-only file system" if ro else "is not writable by this user"
            raise OutputUnwritable(f"cannot write the output {out}: {folder} {why}")
    if out.is_dir() and os.path.ismount(out):
        raise OutputUnwritable(f"cannot write the output {out}: it is a mount point, and the new "
                               "output is built beside it and renamed over it; use a folder inside it")


def new_staging(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    recover(out)
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    if (out / ".gitkeep").exists():
        (staging / ".gitkeep").touch()
    return staging


def fsync_path(path: Path) -> None:
    """Flush a file's data, or a folder's entries, to the disk."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if path.is_dir() else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path, skip: str | None = None) -> None:
    """Every file under `root`, then every folder, deepest first and `root` last; the
    contents of the subfolder `skip` of `root` are left out."""
    folders = []
    for folder, dirs, files in os.walk(root):
        if skip is not None and Path(folder) == root:
            dirs[:] = [d for d in dirs if d != skip]
        folders.append(Path(folder))
        for name in files:
            if not os.path.islink(os.path.join(folder, name)):
                fsync_path(Path(folder, name))
    for folder in reversed(folders):
        fsync_path(folder)


def commit(staging: Path, out: Path) -> None:
    """Make `staging` the output folder; the previous output is removed only afterwards."""
    # The reusable-work cache lives in the output folder and moves on to the new one. Its
    # entries are not flushed: one that a power cut damaged is read again (`cache.py`).
    cache = out / CACHE_DIR
    if cache.is_dir() and not (staging / CACHE_DIR).exists():
        cache.rename(staging / CACHE_DIR)
    if (staging / CACHE_DIR).is_dir():
        fsync_path(staging / CACHE_DIR)
    fsync_tree(staging, skip=CACHE_DIR)
    if out.exists():
        if exchange(staging, out):
            fsync_path(out.parent)
            shutil.rmtree(staging)
            return
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
        staging.rename(out)
        fsync_path(out.parent)
        shutil.rmtree(old)
    else:
        staging.rename(out)
        fsync_path(out.parent)
