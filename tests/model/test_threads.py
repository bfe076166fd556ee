"""Threads for array work: results in order and independent of the number of threads, a bounded window,
errors raised, early stops, and how many threads a process takes."""
from __future__ import annotations

import os
import threading
import time

import pytest

from portfolio.model import threads
from portfolio.model.threads import thread_imap, thread_map


def test_thread_map_keeps_the_order_and_raises_the_first_error():
    assert thread_map(lambda x: x * x, range(7), threads=3) == [x * x for x in range(7)]
    assert thread_map(lambda x: x, [], threads=2) == []

    def fails(x):
        if x == 2:
            raise ValueError(f"item {x}")
        return x

    with pytest.raises(ValueError, match="item 2"):
        thread_map(fails, range(5), threads=2)


def test_thread_imap_yields_in_order_keeps_a_bounded_window_and_stops_when_closed():
    """Results come in the order of the items, however long each takes; no more than threads + ahead
    calls have started before the caller takes the first result; closing the iterator early cancels
    the calls not yet started."""

    started, lock = [], threading.Lock()

    def slow(x):
        with lock:
            started.append(x)
        time.sleep(0.02 * (x % 3))
        return x * 10

    assert list(thread_imap(slow, range(9), threads=3)) == [x * 10 for x in range(9)]
    started.clear()
    stream = thread_imap(slow, range(100), threads=2, ahead=2)
    assert next(stream) == 0
    assert len(started) <= 4
    stream.close()
    assert len(started) <= 6                    # the running calls finish; the rest never start
    assert list(thread_imap(slow, [], threads=2)) == []
    assert list(thread_imap(slow, range(3), threads=1)) == [0, 10, 20]


def test_spare_threads_follows_the_environment_and_is_one_in_a_worker(monkeypatch):
    monkeypatch.setenv("PORTFOLIO_THREADS", "1")
    assert threads.spare_threads() == 1
    monkeypatch.setenv("PORTFOLIO_THREADS", "64")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert threads.spare_threads() == cores
    monkeypatch.delenv("PORTFOLIO_THREADS")
    monkeypatch.setattr(threads, "_IN_WORKER", False)
    threads.mark_worker()                     # monkeypatch restores the flag after the test
    assert threads.spare_threads() == 1


def _threads_here(_):
    return threads.spare_threads()


def test_a_worker_process_of_a_pool_takes_one_thread():
    from portfolio.runs.executors import LocalExecutor

    with LocalExecutor(2) as pool:
        assert [n for _, n in pool.map_ordered(_threads_here, range(4))] == [1, 1, 1, 1]
