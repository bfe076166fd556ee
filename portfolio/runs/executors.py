"""Executors: where the cases of a sweep run — local processes or a Dask cluster — behind one interface.

An executor is a context manager with ``map_unordered(func, specs, shared=None)``, which yields
``(spec, func(spec[, shared]))`` pairs as the calls finish, in any order (``map_ordered``: in the
order of ``specs``; the Monte Carlo chunks of one run go through it). Specifications and results
should be small (a case's paths and overrides out, its summary back); ``shared`` is sent once per
worker (the scenario files for a remote cluster). Nothing is logged per call.

- ``LocalExecutor(workers)``: ``workers`` local processes, each with one BLAS thread (one worker: in
  this process, no pool, BLAS threads as they are, and ``map_ordered`` on the process's threads,
  ``model.threads.thread_imap``).
  A bounded number of calls is in flight (twice the workers), so an interrupt stops quickly. Worker
  processes ignore Ctrl-C; the parent stops them. A worker process that dies (killed, out of memory)
  has its calls retried in a fresh pool, up to ``retries`` times each.
- ``DaskExecutor(address=None, local_workers=None, timeout=10)``: an existing Dask cluster (its
  scheduler's address, e.g. ``tcp://host:8786``) or a ``LocalCluster`` of ``local_workers``
  single-threaded processes on 127.0.0.1, started and stopped by the executor. Calls on a worker that
  dies are rescheduled by Dask on the others. A scheduler that cannot be reached within ``timeout``
  seconds, has no workers, or disappears mid-way raises ``ExecutorError`` (never a hang).

Results never depend on the executor: each call is a pure function of its specification.
"""
from __future__ import annotations

import heapq
import logging
import os
import signal
import time
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Iterator

from portfolio.model.threads import mark_worker, thread_imap
from portfolio.problems import UserError


class ExecutorError(UserError):
    """The executor cannot run (or goes on running) calls: a scheduler unreachable or lost, workers
    dying repeatedly. The message is one line for a planner."""


def _call(func: Callable, spec, shared):
    return func(spec) if shared is None else func(spec, shared)


def _indexed_call(func: Callable, item: tuple, shared=None):
    return _call(func, item[1], shared)


class Executor:
    """The interface: ``with executor: for spec, result in executor.map_unordered(func, specs): ...``."""

    kind = "abstract"
    remote = False        # True when workers may not see this machine's files
    workers = 1

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, kind, value, tb) -> None:
        self.close(abort=kind is not None)

    def close(self, abort: bool = False) -> None:
        """Release the workers; ``abort`` stops calls still running."""

    def map_unordered(self, func: Callable, specs: Iterable, shared=None) -> Iterator[tuple[object, object]]:
        raise NotImplementedError

    def map_ordered(self, func: Callable, specs: Iterable, shared=None) -> Iterator[tuple[object, object]]:
        """``(spec, result)`` pairs in the order of ``specs``."""
        from functools import partial

        specs = list(specs)
        results = {index: result for (index, _), result
                   in self.map_unordered(partial(_indexed_call, func), list(enumerate(specs)), shared)}
        for index, spec in enumerate(specs):
            yield spec, results[index]

    def describe(self) -> dict:
        return {"kind": self.kind, "workers": self.workers}


# --------------------------------------------------------------------------------------- local
def process_context():
    """fork where the platform has it safely (Linux: fast start, nothing re-imported); spawn elsewhere
    (Windows, macOS), which needs the usual ``if __name__ == "__main__":`` guard in scripts."""
    import sys
    from multiprocessing import get_context

    return get_context("fork" if sys.platform.startswith("linux") else "spawn")


def _ignore_interrupts() -> None:
    """Worker processes leave Ctrl-C to the parent, which stops them (no tracebacks from workers), and
    end on SIGTERM at once (a forked worker would otherwise inherit the command's SIGTERM handler and
    take the signal for an error of the call it is running)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def one_blas_thread():
    """One BLAS thread: parallelism comes from the worker processes, and BLAS threads of several workers
    oversubscribe the cores and spin (measured: a 200-case sweep on 2 workers about 1.2x faster with
    one BLAS thread each). Results do not depend on it."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover — a declared dependency; without it, only slower
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


#: M_MMAP_THRESHOLD and M_TRIM_THRESHOLD of glibc's mallopt(3)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def tune_memory() -> bool:
    """Memory settings of a process that runs draws (Linux; they affect only speed and resident memory,
    never results, and last for the process). Returns whether glibc's applied.

    - Freed memory is kept for reuse: by default glibc hands every freed array above a few MiB back to
      the system, so each chunk of draws page-faults its working arrays in again (measured: 160,000 page
      faults and about 0.4 s of a 100,000-draw run). This raises the size up to which freed memory stays
      in the heap to glibc's maximum (32 MiB) and stops it trimming the heap's top.
    - NumPy stops advising the kernel to back large arrays with huge pages: where the kernel then
      compacts memory to make them (``transparent_hugepage/defrag`` = ``madvise``, the usual default),
      first touching the ~0.5 GB a 100,000-draw run keeps cost 1.0–1.2 s of system time against
      0.4 s with ordinary pages (measured on a 2-core virtual machine, `NUMPY_MADVISE_HUGEPAGE=0|1`).
    """
    import ctypes
    import sys

    import numpy as np

    if not sys.platform.startswith("linux"):
        return False
    core = getattr(np, "_core", None) or np.core            # NumPy 2, or 1.26
    set_advice = getattr(core.multiarray, "_set_madvise_hugepage", None)
    if set_advice is not None:
        set_advice(False)
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, 32 * 2**20)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, 2**30))
    except (OSError, AttributeError):   # not glibc (e.g. musl)
        return False


#: the ``shared`` object of the pool this worker process belongs to (set once, by the initializer)
_WORKER_SHARED = None


def die_with_parent(parent: int | None = None) -> None:
    """End this worker process when its parent ends, however the parent ends (SIGTERM, SIGKILL, a
    crash): on Linux the kernel sends SIGKILL (``PR_SET_PDEATHSIG``); on other POSIX systems a thread
    watches for the parent to change. A worker never outlives the command, holding its pipes open.
    ``parent``: the parent's process id as the parent knew it (a parent that ended before this runs is
    then seen too)."""
    import sys
    import threading

    parent = os.getppid() if parent is None else parent
    if os.getppid() != parent:
        os._exit(1)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:       # the parent ended before the request took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    if os.name != "posix":
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="portfolio-parent-watch", daemon=True).start()


_PR_SET_PDEATHSIG = 1


def _worker_init(shared=None, parent: int | None = None) -> None:
    global _WORKER_SHARED
    _WORKER_SHARED = shared
    mark_worker()          # its sibling workers have the other cores: no extra array threads here
    die_with_parent(parent)
    _ignore_interrupts()
    tune_memory()
    one_blas_thread()      # applies to the whole worker process (not used as a context)


def _call_in_worker(func: Callable, spec, has_shared: bool):
    return _call(func, spec, _WORKER_SHARED if has_shared else None)


class LocalExecutor(Executor):
    """``workers`` local processes (``concurrent.futures``; fork on Linux, spawn elsewhere).

    ``shared`` goes to each worker process once, when the pool starts (inherited on fork, pickled once
    per worker on spawn), never with each call."""

    kind = "local"

    def __init__(self, workers: int = 1, retries: int = 2):
        if int(workers) < 1:
            raise ValueError(f"workers must be ≥ 1, got {workers}")
        self.workers = int(workers)
        self.retries = int(retries)
        self._pool: ProcessPoolExecutor | None = None
        self._pool_shared = None

    def _new_pool(self, shared) -> ProcessPoolExecutor:
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=process_context(),
                                         initializer=_worker_init, initargs=(shared, os.getpid()))
        self._pool_shared = shared
        return self._pool

    def _pool_for(self, shared) -> ProcessPoolExecutor:
        if self._pool is not None and self._pool_shared is not shared:
            self.close()                       # a pool holds one shared object: start one for this
        return self._pool or self._new_pool(shared)

    def map_unordered(self, func, specs, shared=None):
        return self._map(func, specs, shared, ordered=False)

    def map_ordered(self, func, specs, shared=None):
        """As ``map_unordered``, but in the order of ``specs``; finished calls wait for earlier ones
        within the same bounded window, so memory does not grow with the number of specs."""
        return self._map(func, specs, shared, ordered=True)

    def _map(self, func, specs, shared, ordered: bool):
        if self.workers == 1:
            # in this process, BLAS keeps its threads: with no other worker they use the idle core;
            # ordered calls (the chunks of one run or design) go on the process's threads, unordered
            # ones (the cases of a sweep, each of which uses those threads itself) one after another
            tune_memory()
            if ordered:
                yield from thread_imap(lambda spec: (spec, _call(func, spec, shared)), specs)
                return
            for spec in specs:
                yield spec, _call(func, spec, shared)
            return
        window = 2 * self.workers
        queue = enumerate(specs)
        retry: list = []              # (index, spec) whose worker process died, smallest index first
        attempts: dict[int, int] = {}
        pending: dict = {}            # future -> (index, spec)
        ready: dict = {}              # ordered only: index -> (spec, result), waiting for earlier calls
        following = 0                 # ordered only: the index to yield next
        pool = self._pool_for(shared)
        state = {"broken": False}
        restarts = 0                  # fresh pools started in a row without a call finishing

        def submit_next() -> bool:
            if len(pending) + len(ready) >= window:
                return False
            item = heapq.heappop(retry) if retry else next(queue, None)
            if item is None:
                return False
            try:
                pending[pool.submit(_call_in_worker, func, item[1], shared is not None)] = item
            except (BrokenProcessPool, RuntimeError) as exc:
                # the pool broke since the last result (once broken it also says it is shut down): run
                # the call again later, in a fresh pool; any other RuntimeError is not ours to hide
                if not isinstance(exc, BrokenProcessPool) and not getattr(pool, "_broken", False):
                    raise
                heapq.heappush(retry, item)
                state["broken"] = True
                return False
            return True

        def fill() -> None:
            while submit_next():
                pass

        fill()
        while pending or state["broken"]:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED) if pending else (set(), set())
            broken, state["broken"] = state["broken"], False
            finished = []
            for future in sorted(done, key=lambda f: pending[f][0]):
                index, spec = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    attempts[index] = attempts.get(index, 0) + 1
                    if attempts[index] > self.retries:
                        raise ExecutorError(f"a worker process died {attempts[index]} times running the "
                                            "same case (out of memory?)") from None
                    heapq.heappush(retry, (index, spec))
                    continue
                finished.append((index, spec, result))
            restarts = 0 if finished else restarts + broken
            if restarts > self.retries + 2:
                raise ExecutorError(f"the worker processes died {restarts} times in a row before finishing "
                                    "a call (out of memory?)")
            if broken:
                # every call still in the dead pool fails too: collect them and start a fresh pool
                for item in pending.values():
                    heapq.heappush(retry, item)
                pending.clear()
                self._terminate()
                pool = self._new_pool(shared)
            if ordered:
                ready.update((index, (spec, result)) for index, spec, result in finished)
                while following in ready:
                    spec, result = ready.pop(following)
                    following += 1
                    fill()
                    yield spec, result
            else:
                for index, spec, result in finished:
                    fill()
                    yield spec, result
            fill()

    def _terminate(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)

    def close(self, abort: bool = False) -> None:
        if self._pool is None:
            return
        if abort:
            self._terminate()
        else:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._pool_shared = None


# --------------------------------------------------------------------------------------- Dask
class DaskExecutor(Executor):
    """A Dask cluster: an existing one (``address``) or a local one started here (``local_workers``)."""

    kind = "dask"
    remote = True
    POLL_SECONDS = 0.5

    def __init__(self, address: str | None = None, local_workers: int | None = None, timeout: float = 10.0):
        if (address is None) == (local_workers is None):
            raise ValueError("give either a scheduler address or a number of local workers")
        if local_workers is not None and int(local_workers) < 1:
            raise ValueError(f"local_workers must be ≥ 1, got {local_workers}")
        self.address = address
        self.local_workers = None if local_workers is None else int(local_workers)
        self.timeout = float(timeout)
        self.client = None
        self.cluster = None
        self._log_levels: dict = {}

    @property
    def workers(self) -> int:
        if self.client is None:
            return self.local_workers or 0
        try:
            return sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values())
        except Exception:  # noqa: BLE001 — only for the record
            return self.local_workers or 0

    def describe(self) -> dict:
        where = self.address if self.address else f"local cluster, {self.local_workers} processes"
        return {"kind": self.kind, "scheduler": where, "workers": self.workers}

    def _quiet_logs(self) -> None:
        """Dask logs reconnection attempts with tracebacks; the executor reports one clear error instead
        (PORTFOLIO_DEBUG=1 keeps Dask's own logs)."""
        if os.environ.get("PORTFOLIO_DEBUG"):
            return
        names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] in ("distributed", "tornado")]
        for name in {"distributed", "distributed.client", "tornado", *names}:
            logger = logging.getLogger(name)
            self._log_levels[name] = logger.level
            logger.setLevel(logging.CRITICAL)

    def __enter__(self) -> "DaskExecutor":
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError("Dask is not installed; install it with: pip install \"dask[distributed]\"") \
                from None
        self._quiet_logs()
        try:
            if self.local_workers is not None:
                # the worker processes leave Ctrl-C to this process, which stops them: started with
                # SIGINT ignored (inherited), and a plugin does the same for workers restarted later
                with _interrupts_ignored():
                    self.cluster = LocalCluster(n_workers=self.local_workers, threads_per_worker=1,
                                                processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                                silence_logs=logging.CRITICAL)
                self.client = Client(self.cluster, timeout=f"{self.timeout}s")
                plugin = globals().get("IgnoreInterrupts") or __getattr__("IgnoreInterrupts")
                self.client.register_plugin(plugin(), name="portfolio-ignore-interrupts")
            else:
                probe_scheduler(self.address, self.timeout)      # bounded: no hang on any listener
                try:
                    self.client = Client(self.address, timeout=f"{self.timeout}s")
                except (OSError, TimeoutError) as exc:
                    raise ExecutorError(f"cannot reach the Dask scheduler at {self.address} within "
                                        f"{self.timeout:g} s ({_reason(exc)})") from None
                except ValueError as exc:
                    raise ExecutorError(f"not a Dask scheduler address: {self.address} ({exc})") from None
            try:
                self.client.wait_for_workers(1, timeout=self.timeout)
            except (TimeoutError, OSError):
                raise ExecutorError(f"the Dask scheduler at {self.address or 'the local cluster'} has no "
                                    f"workers (waited {self.timeout:g} s)") from None
        except BaseException:
            self.close(abort=True)
            raise
        return self

    def map_unordered(self, func, specs, shared=None):
        return self._map(func, list(specs), shared)

    def map_ordered(self, func, specs, shared=None):
        """In the order of ``specs``, with at most twice the workers' calls in flight or waiting to be
        yielded (the chunks of one run: memory stays bounded whatever the number of draws)."""
        from functools import partial

        specs = list(specs)
        window = 2 * max(self.workers, 1)
        finished: dict[int, object] = {}
        state = {"next": 0}
        calls = self._map(partial(_indexed_call, func), list(enumerate(specs)), shared,
                          may_submit=lambda k: k < state["next"] + window)
        for (index, _), result in calls:
            finished[index] = result
            while state["next"] in finished:
                yield specs[state["next"]], finished.pop(state["next"])
                state["next"] += 1

    def _map(self, func, specs: list, shared=None, may_submit=None):
        """Submit ``func(spec[, shared])`` for each spec — all at once, or spec ``k`` only once
        ``may_submit(k)`` — and yield ``(spec, result)`` as each finishes."""
        from distributed import wait as dask_wait

        client = self.client
        extra = []
        if shared is not None:
            # sent once to every worker (in a list: a dict would be scattered value by value)
            extra = [client.scatter([shared], broadcast=True)[0]]
        pending: dict = {}
        queued = iter(range(len(specs)))
        upcoming = next(queued, None)

        def submit() -> None:
            nonlocal upcoming
            while upcoming is not None and (may_submit is None or may_submit(upcoming)):
                pending[client.submit(func, specs[upcoming], *extra, pure=False)] = specs[upcoming]
                upcoming = next(queued, None)

        submit()
        self._pending = pending
        lost_since = None
        try:
            while pending:
                try:
                    done, _ = dask_wait(list(pending), timeout=self.POLL_SECONDS, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    done = set()
                except CancelledError:      # FuturesCancelledError: the scheduler connection was lost
                    raise self._lost() from None
                if client.status not in ("running", "connecting", "newly-created"):
                    raise self._lost()
                if client.status == "connecting":     # reconnecting to a scheduler that went away
                    lost_since = lost_since or time.monotonic()
                    if time.monotonic() - lost_since > self.timeout:
                        raise self._lost()
                else:
                    lost_since = None
                for future in done:
                    spec = pending.pop(future)
                    if future.status == "cancelled":
                        raise self._lost()
                    try:
                        result = future.result()
                    except Exception as exc:  # noqa: BLE001 — Dask wraps worker failures
                        if type(exc).__name__ == "KilledWorker":
                            raise ExecutorError("Dask workers died repeatedly running the same case "
                                                "(out of memory?)") from None
                        if type(exc).__name__ in ("CancelledError", "FutureCancelledError"):
                            raise self._lost() from None
                        raise
                    yield spec, result
                submit()
        finally:
            if pending:
                try:
                    client.cancel(list(pending), force=True)
                except Exception:  # noqa: BLE001 — the scheduler may be gone
                    pass
            self._pending = {}

    def _lost(self) -> ExecutorError:
        where = self.address or "the local cluster"
        return ExecutorError(f"lost the connection to the Dask scheduler at {where}")

    def close(self, abort: bool = False) -> None:
        client, cluster = self.client, self.cluster
        self.client = self.cluster = None
        try:
            if client is not None:
                try:
                    client.close(timeout=self.timeout)
                except Exception:  # noqa: BLE001 — closing after a lost scheduler
                    pass
            if cluster is not None:
                try:
                    cluster.close(timeout=self.timeout)
                except Exception:  # noqa: BLE001
                    pass
        finally:
            for name, level in self._log_levels.items():
                logging.getLogger(name).setLevel(level)
            self._log_levels = {}


class _interrupts_ignored:
    """SIGINT ignored while the block runs (in the main thread only; elsewhere nothing changes)."""

    def __enter__(self):
        import threading

        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, signal.SIG_IGN)

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _ignore_interrupts_plugin():
    """A worker plugin that makes a local Dask worker process ignore Ctrl-C (the sweep process stops the
    cluster). Built on first use so that importing this module does not import Dask."""
    from distributed import WorkerPlugin

    class IgnoreInterrupts(WorkerPlugin):
        def setup(self, worker):
            import threading

            mark_worker()              # its siblings have the other cores: no extra array threads
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGINT, signal.SIG_IGN)

    IgnoreInterrupts.__module__ = __name__
    IgnoreInterrupts.__qualname__ = "IgnoreInterrupts"
    return IgnoreInterrupts


def __getattr__(name: str):
    # workers unpickle the plugin by reference: portfolio.runs.executors.IgnoreInterrupts
    if name == "IgnoreInterrupts":
        cls = globals()["IgnoreInterrupts"] = _ignore_interrupts_plugin()
        return cls
    raise AttributeError(name)


#: the address schemes a scheduler may be reached by (no scheme: tcp)
SCHEMES = ("tcp",)


def probe_scheduler(address: str, timeout: float) -> None:
    """Check, within ``timeout`` seconds in all, that a Dask scheduler answers at ``address``: the
    connection, the handshake and an ``identity`` call are each bounded, so a listener that is not a
    scheduler (an HTTP server, a socket that accepts and never answers) is an ExecutorError, never a
    hang. Unsupported schemes (``tls://``, which needs certificates, ``ws://``, ...) are refused."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    scheme, sep, _ = address.partition("://")
    if sep and scheme not in SCHEMES:
        raise ExecutorError(f"unsupported scheduler address {address}: give tcp://HOST:PORT (a {scheme}:// "
                            "scheduler needs a connection setup this tool does not make)")

    async def ask():
        from distributed.comm import connect

        deadline = time.monotonic() + timeout
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
        try:
            await asyncio.wait_for(comm.write({"op": "identity"}), max(deadline - time.monotonic(), 0.01))
            return await asyncio.wait_for(comm.read(), max(deadline - time.monotonic(), 0.01))
        finally:
            comm.abort()

    with ThreadPoolExecutor(1) as thread:      # a loop of its own, also where one is running (notebooks)
        try:
            reply = thread.submit(asyncio.run, ask()).result()
        except ValueError as exc:
            raise ExecutorError(f"not a Dask scheduler address: {address} ({_reason(exc)})") from None
        except (OSError, TimeoutError, asyncio.TimeoutError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
                                f"({_reason(exc)})") from None
        except Exception as exc:  # noqa: BLE001 — whatever a foreign listener makes the comm raise
            raise ExecutorError(f"no Dask scheduler answers at {address} ({_reason(exc)})") from None
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise ExecutorError(f"no Dask scheduler answers at {address} (something else is listening there)")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:160]


def drawing_executor() -> "LocalExecutor":
    """The processes that draw a run's charts: two where the machine has two cores or more and the
    platform forks (Linux: the run's tables reach the workers without copying), else this process."""
    import sys

    two = (os.cpu_count() or 1) >= 2 and sys.platform.startswith("linux")
    return LocalExecutor(2 if two else 1)


def make_executor(workers: int = 1, scheduler: str | None = None, dask_local: int | None = None,
                  timeout: float = 10.0) -> Executor:
    """The executor the command-line options ask for: a Dask cluster (``scheduler`` address, or
    ``dask_local`` local processes) or ``workers`` local processes. ValueError for contradictory
    options."""
    if scheduler is not None and dask_local is not None:
        raise ValueError("give either --scheduler ADDRESS or --dask-local N, not both")
    if scheduler is not None or dask_local is not None:
        if workers != 1:
            raise ValueError("--workers is for local processes; a Dask cluster has its own workers "
                             "(--dask-local N starts N)")
        return DaskExecutor(address=scheduler, local_workers=dask_local, timeout=timeout)
    return LocalExecutor(workers)


__all__ = ["Executor", "LocalExecutor", "DaskExecutor", "ExecutorError", "make_executor", "drawing_executor"]
