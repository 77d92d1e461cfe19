"""The C heap of a run's processes (glibc's malloc; elsewhere these do nothing).

glibc serves a large block (a numpy array, an Arrow buffer) from the heap once a block of that
size was freed before (its mmap threshold rises with the blocks freed, up to 32 MB), and keeps
what a stage freed for reuse; the next stage's blocks of other sizes do not reuse all of it, so
a process's resident size carried one stage's peak into the next and grew with the corpus (the
dedup stage's driver at 5x: 730 MB resident after the stage, 333 MB at 1x). A fixed threshold
maps each large block on its own and unmaps it when freed; `trim` returns the rest between
stages.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
from collections.abc import Iterator

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (malloc.h)
LARGE_BLOCK = 1 << 20  # bytes: blocks from this size are mapped on their own
# glibc's largest mmap threshold on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX).
REUSE_LIMIT = 32 << 20
# Free memory at the heap's top kept within a reusing job (glibc would give back all but its
# default 128 KiB at every free, and fault it in again at the next allocation).
REUSE_KEEP, DEFAULT_TRIM = 1 << 30, 128 << 10
_fixed = False  # whether map_large_blocks set the threshold in this process (or its parent)


@functools.cache
def _libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def map_large_blocks() -> None:
    """Fix the mmap threshold at `LARGE_BLOCK` for this process and the workers forked from it
    (setting it also stops glibc from raising it)."""
    global _fixed
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)
        _fixed = True


@contextlib.contextmanager
def reuse_large_blocks() -> Iterator[None]:
    """Within: blocks up to `REUSE_LIMIT` come from the heap, so a job that allocates and frees
    the same large numpy temporaries over and over (the language replay's per-round arrays)
    reuses their pages instead of mapping fresh ones and faulting every page in (on part-00's
    annotate jobs that page faulting was a third of their CPU); the heap's top is not given
    back at each free either. After: the thresholds back at `LARGE_BLOCK` and glibc's default
    trim threshold, and the heap trimmed, so nothing of the job stays resident. Does nothing
    where `map_large_blocks` was not applied (glibc's own thresholds are left alone)."""
    libc = _libc()
    if libc is None or not _fixed:
        yield
        return
    libc.mallopt(M_MMAP_THRESHOLD, REUSE_LIMIT)
    libc.mallopt(M_TRIM_THRESHOLD, REUSE_KEEP)
    try:
        yield
    finally:
        libc.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)
        libc.mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM)
        libc.malloc_trim(0)


def trim() -> None:
    """Give the heap's free memory back to the system."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
