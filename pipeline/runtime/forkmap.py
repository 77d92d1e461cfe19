"""Map over data this process already holds, in forked children that inherit it.

A process pool pickles every argument; a forked child sees the parent's objects as they are at
the fork, so only each part's (small) result travels back. The in-memory near-duplicate detector
(`neardup.find_duplicates`, used by the evaluations and benchmarks) decides its components so.
A run's stages do not: their jobs read their own parts, and a forked child would count the
driver's memory as its own. Where fork is unavailable (Windows, or a platform that forbids it)
the parts run here.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from typing import Any, TypeVar

from .executors import process_pool

R = TypeVar("R")

_JOB: tuple[Callable[[Any, int], Any], Any] | None = None


def _call(part: int) -> Any:
    assert _JOB is not None, "fork_map job missing in the child"
    fn, shared = _JOB
    return fn(shared, part)


def fork_map(fn: Callable[[Any, int], R], shared: Any, n_parts: int, workers: int) -> list[R]:
    """[fn(shared, i) for i in range(n_parts)], the parts run in `workers` forked children.

    `fn` must not rely on changes it makes to `shared` (they stay in the child); it returns what
    the parent needs. Results come back in part order, so the caller's output does not depend on
    `workers`.
    """
    global _JOB
    if workers < 2 or n_parts < 2 or "fork" not in mp.get_all_start_methods():
        return [fn(shared, i) for i in range(n_parts)]
    _JOB = (fn, shared)
    try:
        # concurrent.futures rather than multiprocessing.Pool: a worker that dies (the OOM
        # killer) raises BrokenProcessPool here instead of hanging the run.
        with process_pool(min(workers, n_parts), mp.get_context("fork")) as pool:
            return list(pool.map(_call, range(n_parts)))
    finally:
        _JOB = None
