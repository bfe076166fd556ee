"""Threads for array work inside one process: how many it may use, and mapping a function over items on
them. NumPy's ufuncs, sorts and partitions, the compiled kernels and pyarrow release the GIL, so chunks
of draws, slices of columns and independent tables computed on threads use the machine's cores without
copying anything between processes. Results never depend on the number of threads: each call is a pure
function of its item and the results come back in the order of the items.
"""
from __future__ import annotations

import os
from typing import Callable, Iterable, Iterator

_IN_WORKER = False           # this process is a worker of a pool (local processes or a Dask cluster)


def mark_worker() -> None:
    """This process is a worker of a pool: ``spare_threads()`` is 1 from now on."""
    global _IN_WORKER
    _IN_WORKER = True


def spare_threads() -> int:
    """Threads this process may use for array work that releases the GIL (NumPy's ufuncs, sorts and
    partitions, the compiled kernels, pyarrow): the cores it may run on (``taskset`` limits them), at
    most ``PORTFOLIO_THREADS`` when that is set, and 1 in a worker process of a pool (its sibling
    workers have the other cores). Results never depend on it."""
    if _IN_WORKER:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:      # not Linux
        cores = os.cpu_count() or 1
    limit = os.environ.get("PORTFOLIO_THREADS", "").strip()
    if limit.isdigit() and int(limit) > 0:
        cores = min(cores, int(limit))
    return max(1, cores)


def thread_imap(func: Callable, items: Iterable, threads: int | None = None, ahead: int | None = None) -> Iterator:
    """``func(item)`` for each item, yielded in the order of ``items``, computed on up to ``threads``
    threads (default ``spare_threads()``) at most ``ahead`` items (default: the threads) beyond the one
    the caller holds; in one thread, lazily inline. Worth it only where ``func`` releases the GIL; the
    results are the same either way. The first exception is raised; stopping early (an exception, Ctrl-C,
    closing the iterator) cancels the calls not yet started and waits for the running ones."""
    threads = threads or spare_threads()
    if threads <= 1:
        yield from map(func, items)
        return
    import collections
    from concurrent.futures import ThreadPoolExecutor

    ahead = max(1, ahead or threads)
    pending: collections.deque = collections.deque()
    with ThreadPoolExecutor(threads, thread_name_prefix="portfolio-array") as pool:
        try:
            for item in items:
                pending.append(pool.submit(func, item))
                if len(pending) > ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def thread_map(func: Callable, items: Iterable, threads: int | None = None) -> list:
    """``[func(item) for item in items]`` on up to ``threads`` threads (``thread_imap``, all at once)."""
    items = list(items)
    return list(thread_imap(func, items, min(threads or spare_threads(), max(len(items), 1)), len(items)))
