"""Where the parallel parts of the stages run: this process, a local process pool, or Ray.

A stage hands its partitionable work to `executor.map(fn, items)`: `fn` is a module-level pure
function, `items` its arguments; results come back in the order of `items`. Barriers (learning a
source's repeated lines, the keeper-order dedup decisions) stay in the stage, between two maps.
Because every map is ordered and every function pure, the output is the same for any executor
and any worker count.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from .faults import WorkerKilled

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

    def imap(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        """`map(fn, items)`, each result given as soon as it and every one before it are done
        (so a stage can act on a finished job, e.g. delete the files only it still read)."""
        for item in items:
            yield fn(item)

    def submit(self, fn: Callable[[T], R], items: Iterable[T]) -> Pending:
        """Start `map(fn, items)` and return at once where the executor can run it beside this
        process (a pool, Ray); otherwise it runs when the result is asked for. `items` may be
        a generator: a pool draws from it only as workers free up (and this process, one at a
        time), so the inputs of a long map are not all in memory at once."""
        return Pending(lambda: [fn(item) for item in items])

    def close(self) -> None:
        pass

    def tasks_by_node(self) -> dict[str, int]:
        """How many tasks ran on each node since the last call (Ray); empty where there are
        no nodes to tell apart (this machine's pool)."""
        return {}

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _watch_parent(driver: int, method: str) -> None:
    """Pool initializer: end this worker when the process that started it dies (SIGKILLed,
    say), instead of waiting forever for work. A thread polls the parent's pid: the kernel's
    PR_SET_PDEATHSIG would fire when the *thread* that forked the worker ends, and the pool
    forks from whichever thread submits first (the feeder thread of `submit`)."""
    parent = os.getppid()
    if method != "forkserver" and parent != driver:
        os._exit(1)  # the driver died before this worker started

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def process_pool(workers: int, context: Any = None) -> ProcessPoolExecutor:
    """A process pool whose workers end when this process dies."""
    context = context or mp.get_context()
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_watch_parent,
                               initargs=(os.getpid(), context.get_start_method()))


def _killed(procs: dict) -> WorkerKilled:
    """Why a pool broke, from its workers' exit codes: the signal that killed one (the pool
    itself ends the others with SIGTERM afterwards), else the code one exited with."""
    codes = [p.exitcode for p in list(procs.values()) if p.exitcode]
    signals = [-c for c in codes if c < 0]
    first = next((s for s in signals if s != signal.SIGTERM), signals[0] if signals else None)
    return WorkerKilled(first, None if first is not None else next(iter(codes), None))


class LocalExecutor(Executor):
    """In this process for one worker; a process pool (started on first use) for more. A
    worker that dies (the out-of-memory killer) raises `WorkerKilled`, naming the signal."""

    name = "local"

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._procs: dict = {}

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = process_pool(self.workers)
            # The pool's own table of its workers (it drops its reference when shut down).
            self._procs = self._pool._processes  # type: ignore[attr-defined]
        return self._pool

    def _broken(self, e: BrokenProcessPool) -> WorkerKilled:
        self.close(cancel=True)  # joins the workers: their exit codes are then known
        return _killed(self._procs)

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return list(self.imap(fn, items))

    def imap(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        if self.workers == 1 or len(items) <= 1:
            yield from super().imap(fn, items)
            return
        try:
            yield from self._started().map(fn, items)  # the pool's results, in order, as they come
        except BrokenProcessPool as e:
            raise self._broken(e) from e

    def submit(self, fn: Callable[[T], R], items: Iterable[T]) -> Pending:
        if self.workers == 1:
            return super().submit(fn, items)
        pool = self._started()
        # At most two items per worker are in flight (pickled, queued or running); a feeder
        # thread draws the next item from `items` when one finishes.
        slots = threading.Semaphore(2 * self.workers)
        futures: list = []
        failed: list[BaseException] = []
        # Once an item has failed (a full disk), the rest are not started: the map fails anyway.
        stop = threading.Event()

        def done(future) -> None:
            if not future.cancelled() and future.exception() is not None:
                stop.set()
            slots.release()

        def feed() -> None:
            try:
                for item in items:
                    slots.acquire()
                    if stop.is_set():
                        break
                    future = pool.submit(fn, item)
                    future.add_done_callback(done)
                    futures.append(future)
            except BaseException as e:  # noqa: BLE001 - re-raised by result()
                failed.append(e)

        feeder = threading.Thread(target=feed, name="executor-feeder", daemon=True)
        feeder.start()

        def collect() -> list:
            try:
                feeder.join()
                if failed:
                    raise failed[0]
                return [f.result() for f in futures]
            except BrokenProcessPool as e:
                raise self._broken(e) from e

        return Pending(collect)

    def close(self, cancel: bool = False) -> None:
        """Wait for the pool's work; `cancel`: only for what runs (after a failure)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
            self._pool = None

    def __exit__(self, *exc: object) -> None:
        self.close(cancel=exc[0] is not None)


def _placed(fn: Callable[[T], R], item: T) -> tuple[str, R]:
    """A Ray task: `fn(item)`, with the id of the node it ran on (Ray's own task records need
    its dashboard, which a cluster may run without)."""
    import ray

    return ray.get_runtime_context().get_node_id(), fn(item)


class RayExecutor(Executor):
    """Each item a Ray task. Connects to `address` (a running cluster), or starts a local Ray.

    Tasks are spread over the nodes (Ray's SPREAD strategy, Ray Data's default for its tasks):
    each reads and writes files every node sees, so no node is better placed to run it, and
    the default (fill the driver's node first) would leave the other nodes idle on a short map.
    """

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
        self._task = ray.remote(_placed).options(scheduling_strategy="SPREAD")
        self._nodes: Counter[str] = Counter()

    def _results(self, refs: list) -> list:
        placed = self._ray.get(refs)
        self._nodes.update(node for node, _ in placed)
        return [result for _, result in placed]

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if not items:
            return []
        return self._results([self._task.remote(fn, item) for item in items])

    def imap(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        refs = [self._task.remote(fn, item) for item in items]
        for ref in refs:
            yield self._results([ref])[0]

    def submit(self, fn: Callable[[T], R], items: Iterable[T]) -> Pending:
        refs = [self._task.remote(fn, item) for item in items]
        return Pending(lambda: self._results(refs))

    def tasks_by_node(self) -> dict[str, int]:
        counts, self._nodes = dict(sorted(self._nodes.items())), Counter()
        return counts

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
