"""Where the parallel parts of the stages run: this process, a local process pool, or Ray.

A stage hands its partitionable work to `executor.map(fn, items)`: `fn` is a module-level pure
function, `items` its arguments; results come back in the order of `items`. Barriers (learning a
source's repeated lines, the keeper-order dedup decisions) stay in the stage, between two maps.
Because every map is ordered and every function pure, the output is the same for any executor
and any worker count.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Pending:
    """Results of a `submit`: `result()` waits for them, in the order of the items."""

    def __init__(self, collect: Callable[[], list]) -> None:
        self._collect = collect

    def result(self) -> list:
        return self._collect()


class Executor:
    name = "base"
    workers = 1

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:  # pragma: no cover
        raise NotImplementedError

    def submit(self, fn: Callable[[T], R], items: Sequence[T]) -> Pending:
        """Start `map(fn, items)` and return at once where the executor can run it beside this
        process (a pool, Ray); otherwise it runs when the result is asked for."""
        return Pending(lambda: self.map(fn, items))

    def close(self) -> None:
        pass

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """In this process for one worker; a process pool (started on first use) for more."""

    name = "local"

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if self.workers == 1 or len(items) <= 1:
            return [fn(item) for item in items]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        return list(self._pool.map(fn, items))

    def submit(self, fn: Callable[[T], R], items: Sequence[T]) -> Pending:
        if self.workers == 1:
            return super().submit(fn, items)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        futures = [self._pool.submit(fn, item) for item in items]
        return Pending(lambda: [f.result() for f in futures])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


class RayExecutor(Executor):
    """Each item a Ray task. Connects to `address` (a running cluster), or starts a local Ray."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise RuntimeError("the ray executor needs Ray: pip install -e '.[ray]'") from None
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "configure_logging": False}
            if address:
                kwargs["address"] = address
            else:
                kwargs["num_cpus"] = workers or os.cpu_count() or 1
            # Workers import this package from the driver's environment (same venv on a node).
            ray.init(**kwargs)
            self._started = True
        self.workers = int(ray.cluster_resources().get("CPU", 1))
        self._remote: dict[Callable, Any] = {}

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if not items:
            return []
        remote = self._remote.get(fn)
        if remote is None:
            remote = self._remote[fn] = self._ray.remote(fn)
        return self._ray.get([remote.remote(item) for item in items])

    def submit(self, fn: Callable[[T], R], items: Sequence[T]) -> Pending:
        remote = self._remote.get(fn) or self._remote.setdefault(fn, self._ray.remote(fn))
        refs = [remote.remote(item) for item in items]
        return Pending(lambda: self._ray.get(refs))

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False


def make_executor(kind: str, workers: int, address: str | None = None) -> Executor:
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "ray":
        return RayExecutor(address, workers)
    raise ValueError(f"unknown executor {kind!r} (local or ray)")
