"""Where the parallel parts of the stages run: this process, a local process pool, or Ray.

A stage hands its partitionable work to `executor.map(fn, items)`: `fn` is a module-level pure
function, `items` its arguments; results come back in the order of `items`. Barriers (learning a
source's repeated lines, the keeper-order dedup decisions) stay in the stage, between two maps.
Because every map is ordered and every function pure, the output is the same for any executor
and any worker count.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
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

    def submit(self, fn: Callable[[T], R], items: Iterable[T]) -> Pending:
        """Start `map(fn, items)` and return at once where the executor can run it beside this
        process (a pool, Ray); otherwise it runs when the result is asked for. `items` may be
        a generator: a pool draws from it only as workers free up (and this process, one at a
        time), so the inputs of a long map are not all in memory at once."""
        return Pending(lambda: [fn(item) for item in items])

    def close(self) -> None:
        pass

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, initializer=_end_with_parent,
                               initargs=(os.getpid(),))


def _end_with_parent(parent: int) -> None:
    """A worker outlives a run killed by SIGKILL (or the OOM killer): it waits for work on a
    queue whose other end its siblings still hold open. A watcher thread ends it once its
    parent is gone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="end-with-parent").start()


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
            self._pool = _pool(self.workers)
        return list(self._pool.map(fn, items))

    def submit(self, fn: Callable[[T], R], items: Iterable[T]) -> Pending:
        if self.workers == 1:
            return super().submit(fn, items)
        if self._pool is None:
            self._pool = _pool(self.workers)
        pool = self._pool
        # At most two items per worker are in flight (pickled, queued or running); a feeder
        # thread draws the next item from `items` when one finishes.
        slots = threading.Semaphore(2 * self.workers)
        futures: list = []
        failed: list[BaseException] = []

        def feed() -> None:
            try:
                for item in items:
                    slots.acquire()
                    future = pool.submit(fn, item)
                    future.add_done_callback(lambda _: slots.release())
                    futures.append(future)
            except BaseException as e:  # noqa: BLE001 - re-raised by result()
                failed.append(e)

        feeder = threading.Thread(target=feed, name="executor-feeder", daemon=True)
        feeder.start()

        def collect() -> list:
            feeder.join()
            if failed:
                raise failed[0]
            return [f.result() for f in futures]

        return Pending(collect)

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
                kwargs["num_cpus"] = workers or cpu_count()
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

    def submit(self, fn: Callable[[T], R], items: Iterable[T]) -> Pending:
        remote = self._remote.get(fn) or self._remote.setdefault(fn, self._ray.remote(fn))
        refs = [remote.remote(item) for item in items]
        return Pending(lambda: self._ray.get(refs))

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False


def cpu_count() -> int:
    """CPU cores this process may run on (its affinity mask, e.g. a container's share)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def make_executor(kind: str, workers: int, address: str | None = None) -> Executor:
    """workers 0: one per core (locally), or every CPU of the cluster (Ray)."""
    if kind == "local":
        workers = workers or cpu_count()
        return LocalExecutor(workers)
    if kind == "ray":
        return RayExecutor(address, workers)
    raise ValueError(f"unknown executor {kind!r} (local or ray)")
