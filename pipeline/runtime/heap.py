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

import ctypes
import functools

M_MMAP_THRESHOLD = -3  # mallopt's parameter (malloc.h)
LARGE_BLOCK = 1 << 20  # bytes: blocks from this size are mapped on their own


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
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)


def trim() -> None:
    """Give the heap's free memory back to the system."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
