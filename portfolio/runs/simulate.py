"""Monte Carlo driver: sample parameter blocks, evaluate the engine chunk by chunk, reduce the results.

Draws are cut into chunks of whole sampling blocks (``sampling.BLOCK_SIZE``); each chunk is sampled
from the root seed and evaluated independently, on this process's threads or in worker processes, so
the per-draw results are bit-identical for any number of threads or workers and any chunk size.
Per-year means are summed per block and then over blocks in order, so they are identical too. Memory is bounded by the chunk size
plus the per-draw outcome table (GDP and growth per year, target outcomes); per-project and
per-technology detail is kept for the first ``DETAIL_DRAWS`` draws only.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from portfolio.model.compiled import Compiled, compile_scenario
from portfolio.model import threads
from portfolio.model.engine import CONTRIBUTIONS, evaluate
from portfolio.model.threads import thread_imap
from portfolio.problems import UserError
from portfolio.runs.executors import LocalExecutor, one_blas_thread, tune_memory
from portfolio.scenario.schema import Scenario
from portfolio.scenario.settings import resolve_settings
from portfolio.runs.learning import effective_draws, log_weights, resample
from portfolio.uncertainty.sampling import BLOCK_SIZE, sample

DETAIL_DRAWS = 100_000          # per-project / per-technology quantiles come from the first draws
DEFAULT_CHUNK_BLOCKS = 2        # 8,192 draws per chunk: ~250 MB of working arrays for 25 projects


@dataclass
class Chunk:
    """What one chunk of draws [start, stop) contributes to a run."""

    start: int
    stop: int
    inputs: dict[str, np.ndarray]
    gdp: np.ndarray
    growth: np.ndarray
    valid: np.ndarray
    targets: dict[str, np.ndarray]
    block_sums: list[dict]
    detail: dict | None
    seconds: float
    schedule: dict = field(default_factory=dict)   # start_<id>, finish_<id> per draw (NaN when cancelled)
    log_weights: np.ndarray | None = None     # learning from actuals: the likelihood of the observations
    paths: dict | None = None                 # learning: per-draw paths, to sum again after resampling


#: per-year paths (n, T+1) whose means a run reports, summed per block over the valid draws
BLOCK_PATHS = ("capex_spent", "ky", "investment_rate", "overlay", "contraction")


def run_chunk(c: Compiled, start: int, stop: int, seed: int, sampler: str) -> Chunk:
    """Sample and evaluate draws [start, stop); reduce to per-draw rows and per-block sums."""
    began = time.perf_counter()
    n = stop - start
    params = sample(c.random, start, stop, seed, sampler, c.correlation, c.correlated or None)
    detail_rows = max(0, min(stop, DETAIL_DRAWS) - start)
    out = evaluate(c, params, n, detail=detail_rows > 0)
    valid = out["valid"]
    paths = {"contributions": np.stack([out["contributions"][k] for k in CONTRIBUTIONS], axis=1),
             **{k: out[k] for k in BLOCK_PATHS}}
    sums = block_sums(paths, valid, start, stop)
    learning = learns(c)
    log_w = (log_weights(out["model_growth_observed"], c.actuals.growth,
                         c.scenario.simulation.observation_noise, valid) if learning else None)
    detail = None
    if detail_rows:
        keep = slice(0, detail_rows)
        detail = {k: out[k][keep] for k in ("start", "cod", "cancelled", "spent", "capex_spent")}
        detail["operating"] = out["operating"][keep]
        for k in ("capacity_by_tech", "generation_by_tech", "value_added_by_tech", "co2_by_tech", "losses_by_tech"):
            detail[k] = out[k][keep].astype(np.float32)
        detail["valid"] = valid[keep]
    return Chunk(start, stop, params, out["gdp"], out["growth"], valid, out["targets"], sums, detail,
                 time.perf_counter() - began, schedule_columns(c, out), log_w, paths if learning else None)


def schedule_columns(c: Compiled, out: dict) -> dict:
    """``start_<id>`` and ``finish_<id>`` of every project and group per draw [decimal year], NaN when
    cancelled (a group: when all its members are)."""
    from portfolio.model.schedules import group_dates

    columns = {}
    for j, plan in enumerate(c.projects):
        gone = out["cancelled"][:, j]
        columns[f"start_{plan.id}"] = np.where(gone, np.nan, out["start"][:, j])
        columns[f"finish_{plan.id}"] = np.where(gone, np.nan, out["cod"][:, j])
    for group, members in c.groups.items():
        columns[f"start_{group}"], columns[f"finish_{group}"], _ = group_dates(
            out["start"], out["cod"], out["cancelled"], members)
    return columns


def learns(c: Compiled) -> bool:
    """The run learns from actuals: it has them, and ``simulation.learn_from_actuals`` is on."""
    return c.actuals is not None and c.scenario.simulation.learn_from_actuals


def block_sums(paths: dict, valid: np.ndarray, start: int, stop: int) -> list[dict]:
    """Per-block sums over the valid draws of the per-draw paths (draws [start, stop), blocks of
    ``BLOCK_SIZE`` counted from draw 0, so any chunking gives the same sums)."""
    sums = []
    for b0 in range(start, stop, BLOCK_SIZE):
        rows = slice(b0 - start, min(b0 + BLOCK_SIZE, stop) - start)
        ok = valid[rows]
        sums.append({"valid": int(ok.sum()),
                     **{k: np.where(ok.reshape(-1, *[1] * (v.ndim - 1)), v[rows], 0.0).sum(axis=0)
                        for k, v in paths.items()}})
    return sums


def _run_bounds(job: tuple[int, int, int, str], compiled: Compiled) -> Chunk:
    """One chunk in a worker process: ``job`` is (start, stop, seed, sampler); the compiled scenario
    reaches each worker once, as the executor's shared object."""
    start, stop, seed, sampler = job
    return run_chunk(compiled, start, stop, seed, sampler)


@dataclass
class RunSpec:
    draws: int
    seed: int
    sampler: str
    workers: int
    chunk_size: int


@dataclass
class Collected:
    """Everything gathered from the chunks, in draw order."""

    gdp: np.ndarray
    growth: np.ndarray
    valid: np.ndarray
    targets: dict[str, np.ndarray]
    block_sums: list[dict]
    detail: dict
    inputs: dict[str, np.ndarray] | None
    schedule: dict[str, np.ndarray] = field(default_factory=dict)   # start_<id>, finish_<id> per draw
    learning: dict | None = None              # learning from actuals: noise, effective and distinct draws
    compute_seconds: float = 0.0
    wall_seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def conditioning(scenario: Scenario, actuals, ledger):
    """Load actuals and ledger files (paths) for a scenario; objects pass through."""
    from portfolio.scenario.actuals import Actuals, load_actuals
    from portfolio.scenario.ledger import load_ledger

    m = scenario.meta
    if actuals is not None and not isinstance(actuals, Actuals):
        actuals = load_actuals(actuals, m.base_year, m.horizon, scenario.economy.gdp)
    if ledger is not None and not isinstance(ledger, dict):
        ledger = load_ledger(ledger, [p.id for p in scenario.projects], m.base_year, m.horizon)
    return actuals, ledger


def _input_files(actuals, ledger) -> dict:
    """{label: {path, sha256}} of the actuals and ledger files a run was conditioned on."""
    import hashlib

    from portfolio.scenario.loading import label_for

    paths = [getattr(actuals, "path", None), getattr(ledger, "path", None)]
    out = {}
    for path in paths:
        if path is not None and Path(path).is_file():
            out[label_for(Path(path))] = {"path": str(Path(path).resolve()),
                                          "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()}
    return out


def prepare(scenario: Scenario, actuals=None, ledger=None) -> Compiled:
    """The compiled scenario a run evaluates: conditioned on the actuals and the ledger (files or
    loaded objects), with the files it was conditioned on recorded for the manifest."""
    actuals, ledger = conditioning(scenario, actuals, ledger)
    compiled = compile_scenario(scenario, actuals=actuals, ledger=ledger)
    compiled.input_files = _input_files(actuals, ledger)
    return compiled


def available_memory() -> int | None:
    """Bytes of memory available to new allocations (Linux /proc/meminfo), else None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def memory_estimate(c: Compiled, spec: RunSpec, keep_inputs: bool) -> int:
    """Bytes a run needs: the per-draw outcome table (and sampled inputs when kept), the detail
    arrays of the first DETAIL_DRAWS draws, and the working arrays of the chunks in flight."""
    n, T, J = spec.draws, len(c.years) - 1, max(len(c.projects), 1)
    K = max(len(c.scenario.energy.technologies), 1)
    per_draw = (8 * ((T + 1) + T + len(c.scenario.targets)) + 1
                + (8 * (len(c.random) + 2 * len(c.projects)) if keep_inputs else 0))
    detail = min(n, DETAIL_DRAWS) * (8 * (T + 1) + J * (8 * 4 + (T + 1)) + 4 * 4 * K * (T + 1))
    chunk = min(n, spec.chunk_size) * (12 * J * (T + 2) * 8 + 16 * len(c.random))
    in_flight = spec.workers if spec.workers > 1 else chunk_threads(spec, -(-n // spec.chunk_size))
    if learns(c):   # the per-draw paths kept for resampling, and the resampled copy of the table
        per_draw = 2 * per_draw + 8 * (len(CONTRIBUTIONS) * T + len(BLOCK_PATHS) * (T + 1) + 1)
    return per_draw * n + detail + chunk * (1 + 2 * in_flight)


class MemoryLimitError(UserError, ValueError):
    """A run would not fit in this machine's memory."""


def check_memory(c: Compiled, spec: RunSpec, keep_inputs: bool) -> None:
    """Refuse, before starting, a run whose estimated memory exceeds what is available."""
    need = memory_estimate(c, spec, keep_inputs)
    have = available_memory()
    if have is not None and need > 0.8 * have:
        per_draw = max(need // max(spec.draws, 1), 1)
        fits = int(0.8 * have // per_draw)
        raise MemoryLimitError(f"{spec.draws:,} draws need about {need / 2**30:.1f} GiB (the per-draw outcome "
                               f"table grows with the number of draws) but {have / 2**30:.1f} GiB is available; "
                               f"use at most about {fits:,} draws")


def check_rows_fit(c: Compiled, rows: int, what: str, extra_per_row: int = 0, keep_inputs: bool = False) -> None:
    """Refuse, before anything is sampled, ``rows`` draws of one evaluation (a goal-seek step, the rows
    of a sensitivity design) that would not fit in memory; ``extra_per_row`` bytes per row besides the
    run's own (the design itself). MemoryLimitError naming ``what`` and the largest size that fits."""
    spec = RunSpec(draws=max(int(rows), 1), seed=0, sampler="mc", workers=1, chunk_size=8192)
    need = memory_estimate(c, spec, keep_inputs) + extra_per_row * spec.draws
    have = available_memory()
    if have is not None and need > 0.8 * have:
        per_row = max(need // spec.draws, 1)
        raise MemoryLimitError(f"{what} of {spec.draws:,} rows needs about {need / 2**30:.1f} GiB but "
                               f"{have / 2**30:.1f} GiB is available; use at most about "
                               f"{int(0.8 * have // per_row):,} rows")


def chunk_threads(spec: RunSpec, chunks: int) -> int:
    """Threads that run the chunks of a run in this process (one worker): ``threads.spare_threads()``,
    no more than there are chunks; with several worker processes, none here."""
    return 1 if spec.workers > 1 else max(1, min(threads.spare_threads(), chunks))


def chunk_bounds(draws: int, chunk_size: int) -> list[tuple[int, int]]:
    """[start, stop) of each chunk; chunk_size must be a multiple of BLOCK_SIZE (or ≥ draws)."""
    return [(a, min(a + chunk_size, draws)) for a in range(0, draws, chunk_size)]


def run_draws(c: Compiled, spec: RunSpec, on_chunk: Callable[[Chunk], None] | None = None,
              keep_inputs: bool = True, executor=None) -> Collected:
    """Evaluate all draws of a run; ``on_chunk`` sees every chunk in draw order (for streaming).

    The chunks run in this process (``spec.workers`` 1), on ``spec.workers`` local processes, or on an
    entered ``executor`` (``executors.DaskExecutor``: a Dask cluster); the result is the same."""
    if spec.draws < 1:
        raise ValueError("draws must be ≥ 1")
    if spec.chunk_size % BLOCK_SIZE and spec.chunk_size < spec.draws:
        raise ValueError(f"chunk_size must be a multiple of {BLOCK_SIZE}")
    began = time.perf_counter()
    tune_memory()                  # this process keeps the collected draws (and runs them with one worker)
    n, T = spec.draws, len(c.years) - 1
    col = Collected(gdp=np.empty((n, T + 1)), growth=np.empty((n, T)), valid=np.empty(n, bool),
                    targets={t.name: np.empty(n) for t in c.scenario.targets}, block_sums=[], detail={},
                    inputs={k: np.empty(n) for k in c.random} if keep_inputs else None)
    detail_rows = min(n, DETAIL_DRAWS)
    learning = learns(c)
    log_w = np.empty(n) if learning else None
    paths: dict | None = None

    def absorb(chunk: Chunk) -> None:
        nonlocal paths
        if learning:
            if paths is None:
                paths = {k: np.empty((n, *v.shape[1:])) for k, v in chunk.paths.items()}
            log_w[chunk.start:chunk.stop] = chunk.log_weights
            for k, v in chunk.paths.items():
                paths[k][chunk.start:chunk.stop] = v
        rows = slice(chunk.start, chunk.stop)
        col.gdp[rows], col.growth[rows], col.valid[rows] = chunk.gdp, chunk.growth, chunk.valid
        for k, values in chunk.targets.items():
            col.targets[k][rows] = values
        if col.inputs is not None:         # kept with the inputs; a streamed run writes them as it goes
            for k, values in chunk.schedule.items():
                col.schedule.setdefault(k, np.empty(n))[rows] = values
            for k, values in chunk.inputs.items():
                col.inputs[k][rows] = values
        col.block_sums.extend(chunk.block_sums)
        if chunk.detail is not None:       # written in place: no second copy of ~270 MB at 100,000 draws
            for k, values in chunk.detail.items():
                if k not in col.detail:
                    col.detail[k] = np.empty((detail_rows, *values.shape[1:]), values.dtype)
                col.detail[k][chunk.start:chunk.start + len(values)] = values
        col.compute_seconds += chunk.seconds
        if on_chunk is not None:
            on_chunk(chunk)

    bounds = chunk_bounds(n, spec.chunk_size)
    jobs = [(a, b, spec.seed, spec.sampler) for a, b in bounds]
    if executor is not None:
        for _, chunk in executor.map_ordered(_run_bounds, jobs, shared=c):
            absorb(chunk)
            del chunk
    elif spec.workers <= 1 or len(bounds) == 1:
        # one process: chunks on spare_threads() threads (the kernels and NumPy's array passes release
        # the GIL: 100,000 draws took 2.0–2.5 s in one thread, 1.3–1.4 s in two), absorbed in order
        with one_blas_thread():    # the small matrix products of the sampler gain nothing from threads
            for chunk in thread_imap(lambda ab: run_chunk(c, ab[0], ab[1], spec.seed, spec.sampler), bounds,
                                     threads=chunk_threads(spec, len(bounds))):
                absorb(chunk)
                del chunk
    else:
        # a bounded window of chunks in flight (twice the workers): finished chunks wait in memory
        # only until every earlier chunk is absorbed, so memory does not grow with the number of draws
        with LocalExecutor(spec.workers) as executor:
            for _, chunk in executor.map_ordered(_run_bounds, jobs, shared=c):
                absorb(chunk)
                del chunk
    if learning:
        _resample(col, log_w, paths, c, spec)
    col.wall_seconds = time.perf_counter() - began
    return col


def _resample(col: Collected, log_w: np.ndarray, paths: dict, c: Compiled, spec: RunSpec) -> None:
    """Learning from actuals (``runs.learning``): replace the draws by a resample in proportion to the
    likelihood of the observed growth; every table is then computed from the resample as usual."""
    ess = effective_draws(log_w)
    if ess == 0:
        raise UserError("no draw is consistent with the actuals (every draw is invalid)")
    idx = resample(log_w, spec.seed)
    col.gdp, col.growth, col.valid = col.gdp[idx], col.growth[idx], col.valid[idx]
    col.targets = {k: v[idx] for k, v in col.targets.items()}
    col.schedule = {k: v[idx] for k, v in col.schedule.items()}
    if col.inputs is not None:
        col.inputs = {k: v[idx] for k, v in col.inputs.items()}
    col.block_sums = block_sums({k: v[idx] for k, v in paths.items()}, col.valid, 0, len(idx))
    if col.detail:
        kept = idx[idx < len(col.detail["valid"])]
        col.detail = {k: v[kept] for k, v in col.detail.items()}
    col.learning = {"observation_noise": c.scenario.simulation.observation_noise, "effective_draws": ess,
                    "distinct_draws": int(len(np.unique(idx)))}


def simulate(scenario: Scenario | str | os.PathLike, draws: int | None = None, seed: int | None = None,
             workers: int = 1, overrides=None, sampler: str | None = None, chunk_size: int | None = None,
             on_chunk: Callable[[Chunk], None] | None = None, keep_inputs: bool = True,
             actuals=None, ledger=None, compiled: Compiled | None = None, executor=None):
    """Run the Monte Carlo simulation of a scenario (object or file path) → ``Result``.

    ``draws``, ``seed`` and ``sampler`` default to the scenario's ``simulation`` section. ``workers``
    local processes evaluate chunks in parallel (with 1, the chunks run on this process's threads,
    ``model.threads.spare_threads``); results do not depend on either. ``actuals`` (a file or
    an ``actuals.Actuals``) fixes observed growth; ``ledger`` (a file or {id: LedgerEntry}) conditions
    project schedules on their reported state. ``compiled`` skips compilation (goal seek reuses one).
    ``executor``: an entered ``executors.DaskExecutor`` (or any ``Executor``) to run the chunks on
    instead of ``workers`` local processes; results are bit-identical either way.
    """
    from portfolio.runs.results import Result
    from portfolio.scenario.loading import load_scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(Path(scenario), overrides)
    elif overrides:
        raise ValueError("overrides apply to a scenario file; pass the path instead of a Scenario")
    settings = resolve_settings(scenario, draws, seed, sampler)
    workers = executor.workers if executor is not None else workers
    spec = RunSpec(draws=settings.draws, seed=settings.seed, sampler=settings.sampler, workers=max(1, int(workers)),
                   chunk_size=chunk_size or DEFAULT_CHUNK_BLOCKS * BLOCK_SIZE)
    if compiled is None:
        compiled = prepare(scenario, actuals, ledger)
    check_memory(compiled, spec, keep_inputs)
    started = time.time()
    collected = run_draws(compiled, spec, on_chunk=on_chunk, keep_inputs=keep_inputs, executor=executor)
    result = Result(compiled, spec, collected, started_at=started, finished_at=time.time())
    if executor is not None:
        result.executor = executor.describe()
    if compiled.ledger:
        # the same draws without the ledger (common random numbers): how the reports moved the odds
        plain = compile_scenario(scenario, actuals=compiled.actuals)
        reference = run_draws(plain, spec, keep_inputs=False, executor=executor)
        result.without_ledger = Result(plain, spec, reference, started, time.time()).summary()
    return result
