"""Executors: local processes and Dask (a LocalCluster on loopback, started and stopped by the tests) give
the same sweep table; a killed Dask worker's cases are retried; an unreachable or vanished scheduler is a
clear error within the timeout, with the finished cases kept."""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from portfolio.runs.executors import DaskExecutor, ExecutorError, LocalExecutor
from portfolio.runs.sweep import load_sweep, run_sweep
from tests.runs.test_sweep import GRID, SLOW, _setup


def _square(x, offset=0):
    return x * x + offset


def _die_once(x, flag):
    """Kill this worker process the first time (the flag file does not exist yet)."""
    if x == 3 and not os.path.exists(flag):
        open(flag, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_local_executor_runs_everything_and_retries_a_dead_process(tmp_path):
    with LocalExecutor(1) as one:
        assert sorted(r for _, r in one.map_unordered(_square, range(5))) == [0, 1, 4, 9, 16]
    with LocalExecutor(2) as two:
        got = dict(two.map_unordered(_square, range(7), shared=10))
    assert got == {x: x * x + 10 for x in range(7)}
    with LocalExecutor(2) as two:
        got = dict(two.map_unordered(_die_once, range(8), shared=str(tmp_path / "died")))
    assert got == {x: x for x in range(8)} and (tmp_path / "died").exists()


def _slow_first(x, shared):
    """Early specs take longest, so they finish after later ones; returns the worker's copy of shared."""
    time.sleep(0.05 * max(0, 4 - x))
    return x, shared["tag"], os.getpid()


def test_ordered_mapping_keeps_the_order_and_sends_shared_once_per_worker(tmp_path):
    shared = {"tag": "once", "payload": list(range(1000))}
    for workers in (1, 2):
        with LocalExecutor(workers) as executor:
            got = list(executor.map_ordered(_slow_first, range(12), shared=shared))
        assert [spec for spec, _ in got] == list(range(12))
        assert [r[0] for _, r in got] == list(range(12))
        assert {r[1] for _, r in got} == {"once"}
        assert len({r[2] for _, r in got}) <= workers     # the same pool served every call
    # the generic version (any executor): the same pairs, in order
    from portfolio.runs.executors import Executor
    with LocalExecutor(2) as executor:
        generic = [(s, r[:2]) for s, r in Executor.map_ordered(executor, _slow_first, range(6), shared)]
    assert generic == [(x, (x, "once")) for x in range(6)]


def test_ordered_mapping_survives_a_dead_worker_and_keeps_the_order(tmp_path):
    with LocalExecutor(2) as two:
        got = list(two.map_ordered(_die_once, range(10), shared=str(tmp_path / "died")))
    assert got == [(x, x) for x in range(10)]
    assert (tmp_path / "died").exists()

@pytest.fixture
def cluster():
    """A Dask LocalCluster of two single-threaded worker processes on 127.0.0.1."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL) as local:
        yield local


def test_dask_and_local_processes_give_identical_tables(tmp_path, cluster, cli):
    path = _setup(tmp_path)
    local = cli("sweep", path, "--out", tmp_path / "local", "--workers", "2", "--quiet", "--no-charts")
    assert local.exit_code == 0, local.stderr
    dask = cli("sweep", path, "--out", tmp_path / "dask", "--scheduler", cluster.scheduler_address, "--quiet",
               "--no-charts")
    assert dask.exit_code == 0, dask.stderr
    assert (tmp_path / "dask" / "results.csv").read_bytes() == (tmp_path / "local" / "results.csv").read_bytes()
    import json

    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["executor"]["kind"] == "dask" and manifest["executor"]["workers"] == 2


def test_a_killed_dask_worker_changes_nothing(tmp_path, cluster):
    from distributed import Client

    path = _setup(tmp_path, draws=20_000, body=SLOW)      # 12 cases
    with Client(cluster) as client:
        pids = sorted(client.run(os.getpid).values())
    killed = []

    def kill_one(case):
        if not killed:                    # after the first result: both workers are busy
            os.kill(pids[0], signal.SIGKILL)
            killed.append(case.index)

    executor = DaskExecutor(address=cluster.scheduler_address, timeout=30)
    disturbed = run_sweep(path, out=tmp_path / "disturbed", executor=executor, on_case=kill_one, charts=False)
    assert killed and disturbed.computed == 12
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)
    calm = run_sweep(load_sweep(path), out=tmp_path / "calm", executor=LocalExecutor(2), charts=False)
    assert (disturbed.folder / "results.csv").read_bytes() == (calm.folder / "results.csv").read_bytes()


def test_dask_local_cluster_from_the_command_line(tmp_path, cli):
    path = _setup(tmp_path, body=GRID.replace("[0.30, 0.40]", "[0.30]"))
    result = cli("sweep", path, "--out", tmp_path / "out", "--dask-local", "2", "--no-charts")
    assert result.exit_code == 0, result.stderr
    assert "on Dask (local cluster, 2 processes" in result.stderr
    assert (tmp_path / "out" / "results.csv").is_file()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_a_clear_error_within_the_timeout(tmp_path, cli):
    path = _setup(tmp_path)
    began = time.monotonic()
    result = cli("sweep", path, "--out", tmp_path / "out", "--scheduler", f"tcp://127.0.0.1:{_free_port()}",
                 "--timeout", "2")
    assert time.monotonic() - began < 15
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:")
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_a_scheduler_that_disappears_is_a_clear_error_and_finished_cases_are_kept(tmp_path, cli):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--no-dashboard"], **quiet)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                               "--no-nanny", "--no-dashboard", "--death-timeout", "20"], **quiet)
    try:
        path = _setup(tmp_path, draws=20_000, body=SLOW)
        out = tmp_path / "out"

        stopped = []

        def stop_scheduler(case):
            if not stopped:
                scheduler.kill()
                stopped.append(time.monotonic())

        executor = DaskExecutor(address=address, timeout=3)
        with pytest.raises(ExecutorError, match=f"lost the connection to the Dask scheduler at {address}"):
            run_sweep(path, out=out, executor=executor, on_case=stop_scheduler, charts=False,
                      command=f"portfolio sweep {path} --resume --out {out}")
        assert time.monotonic() - stopped[0] < 3 + 10      # the timeout, and closing the client
        done = len(list((out / "cases").glob("*.json")))
        assert 1 <= done < 12
        assert f"{done} of 12 cases are done" in (out / "INCOMPLETE").read_text(encoding="utf-8")
        # the finished cases are kept: --resume on local processes computes only the rest
        resumed = cli("sweep", path, "--out", out, "--resume", "--workers", "2", "--no-charts")
        assert resumed.exit_code == 0, resumed.stderr
        assert f"{done} already done" in resumed.stderr
    finally:
        for proc in (worker, scheduler):
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)


# --- one run (and compare, sensitivity) on a Dask cluster: bit-identical to a local run ---------------
def test_dask_ordered_mapping_keeps_the_order_with_a_bounded_window(cluster):
    shared = {"tag": "once"}
    with DaskExecutor(address=cluster.scheduler_address) as executor:
        got = list(executor.map_ordered(_slow_first, range(9), shared=shared))
    assert [spec for spec, _ in got] == list(range(9)) and [r[0] for _, r in got] == list(range(9))
    assert {r[1] for _, r in got} == {"once"}


def test_a_run_on_dask_is_bit_identical_to_a_local_run(tmp_path, cluster, cli):
    import json

    import pandas as pd

    from tests.conftest import REPO

    baseline = REPO / "scenarios" / "chuxiong" / "baseline.yaml"
    common = ["--draws", "9000", "--no-charts", "--quiet"]          # two chunks, the second partial
    assert cli("run", baseline, *common, "--out", tmp_path / "local").exit_code == 0
    dask = cli("run", baseline, *common, "--out", tmp_path / "dask", "--scheduler", cluster.scheduler_address)
    assert dask.exit_code == 0, dask.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "dask" / "draws.parquet"),
                                  pd.read_parquet(tmp_path / "local" / "draws.parquet"))
    for name in ("years.csv", "projects.csv", "energy.csv", "criticality.csv"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    summaries = [json.loads((tmp_path / k / "summary.json").read_text(encoding="utf-8")) for k in ("dask", "local")]
    for s in summaries:
        s.pop("timing")                                   # how long it took, not what it found
    assert summaries[0] == summaries[1]
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["executor"]["kind"] == "dask" and manifest["executor"]["workers"] == 2
    both = cli("run", baseline, *common, "--out", tmp_path / "x", "--dask-local", "2", "--workers", "2")
    assert both.exit_code == 2 and "--workers is for local processes" in both.output


def test_compare_and_sensitivity_on_dask_match_local_results(cluster):
    from portfolio import load_scenario
    from portfolio.analysis.compare import compare
    from portfolio.analysis.sensitivity import sobol, tornado
    from tests.conftest import REPO

    folder = REPO / "scenarios" / "chuxiong"
    files = [folder / "baseline.yaml", folder / "energy-late.yaml"]
    params = ["economy.tfp_growth", "economy.investment_rate"]
    base = load_scenario(files[0])
    local = (compare(files, draws=4096).summary(), sobol(base, params, N=64).table,
             tornado(base, params, outcome="probability", draws=4096).table)
    with DaskExecutor(address=cluster.scheduler_address) as executor:
        remote = (compare(files, draws=4096, executor=executor).summary(),
                  sobol(base, params, N=64, executor=executor).table,
                  tornado(base, params, outcome="probability", draws=4096, executor=executor).table)
    assert remote[0] == local[0]
    for a, b in zip(remote[1:], local[1:]):
        a, b = a.drop(columns=[c for c in a.columns if "second" in c]), b.drop(columns=[c for c in b.columns
                                                                                      if "second" in c])
        import pandas as pd

        pd.testing.assert_frame_equal(a, b)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the memory settings apply on Linux")
def test_a_process_running_draws_keeps_freed_memory_and_asks_for_no_huge_pages():
    """``tune_memory`` (called by every process that runs draws) turns NumPy's huge-page advice off
    for the process, and reports whether glibc's heap settings applied."""
    import numpy as np

    from portfolio.runs.executors import tune_memory

    core = getattr(np, "_core", None) or np.core
    before = core.multiarray._get_madvise_hugepage()
    try:
        assert tune_memory() in (True, False)
        assert core.multiarray._get_madvise_hugepage() is False
    finally:
        core.multiarray._set_madvise_hugepage(before)
