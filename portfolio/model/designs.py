"""Evaluating an arbitrary design — rows of chosen input values — through the engine, in chunks.

Sensitivity designs (one-at-a-time swings, Morris trajectories, Saltelli/Sobol' matrices) and sweeps
all reduce to "evaluate these rows". A design is a mapping {parameter name: (n,) values}; the values
are either in the parameter's own units (``scale="value"``) or probabilities in (0, 1) mapped through
the parameter's inverse CDF, ``compiled.random[name].ppf(u)`` (``scale="uniform"``).

Every OTHER random input of the scenario is either

- ``others="median"``: held at its median ``ppf(0.5)`` (Bernoulli events with p < 0.5 do not happen,
  TFP and price innovations are 0), so the results are about the chosen inputs only; or
- ``others="random"``: drawn from the root seed exactly as a Monte Carlo run would draw them — design
  row i gets draw ``start + i`` of every other input, with the scenario's rank correlations (common
  random numbers: two designs, or a design and a run, see the same draws).

Inherited defaults: a project without its own ``multiplier``, ``local_content`` or ``gfcf_share``
takes the economy-wide distribution (``economy.local_multiplier`` etc.), compiled as its own
parameter (``projects.<id>.multiplier``). When a design sets the economy-wide input, the projects that
inherit it take the same value in that row — otherwise varying the economy-wide default would change
nothing (the engine reads only the per-project parameters). :func:`inherited` lists them.

Rows are evaluated in chunks of at most :data:`CHUNK_ROWS` (memory stays bounded for any design);
chunks of ``others="random"`` start on sampling-block boundaries, so results do not depend on the
chunking.
"""
from __future__ import annotations

import difflib
import fnmatch
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Literal, Mapping, Sequence

import numpy as np

from portfolio.model.compiled import Compiled
from portfolio.model.engine import evaluate
from portfolio.model.threads import thread_imap
from portfolio.problems import InputError, Problem
from portfolio.scenario.settings import resolve_settings
from portfolio.uncertainty.sampling import BLOCK_SIZE, sample

CHUNK_ROWS = 4 * BLOCK_SIZE          # 16,384 rows per engine call: ~0.5 GB of working arrays at most

#: Random inputs that are per-year or per-event noise of the model's own processes, not assumptions a
#: planner sets: excluded from the default parameter lists of the sensitivity methods.
NUISANCE = ("economy.tfp_innovation.*", "economy.investment_innovation.*", "economy.demand_innovation.*",
            "economy.national_cycle.*", "uncertainty.contraction.switch.*",
            "uncertainty.price_paths.*.innovation.*", "*.cancelled", "*.occurs")

Scale = Literal["value", "uniform"]
Others = Literal["median", "random"]


def is_nuisance(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in NUISANCE)


def medians(c: Compiled) -> dict[str, float]:
    """Every random input at its median, ``ppf(0.5)``."""
    half = np.array([0.5])
    return {k: float(d.ppf(half)[0]) for k, d in c.random.items()}


def inherited(c: Compiled) -> dict[str, list[str]]:
    """{economy-wide default: [project inputs that inherit it]} for the defaults that are random.

    A project that sets no μ/ℓ/κ of its own uses the economy's draw itself (``Compiled.aliases``), so a
    design on the economy-wide input moves every such project."""
    out: dict[str, list[str]] = {}
    for alias, name in c.aliases.items():
        if name in c.random:
            out.setdefault(name, []).append(alias)
    return out


def default_parameters(c: Compiled) -> list[str]:
    """The scenario's uncertain inputs given as distributions (``parameters.uncertain_inputs``), in
    scenario order, without per-year innovations and event indicators (:data:`NUISANCE`)."""
    from portfolio.scenario.parameters import uncertain_inputs

    return [k for k in uncertain_inputs(c.scenario) if k in c.random and not is_nuisance(k)]


def resolve_parameters(c: Compiled, patterns: Sequence[str] | None, where: str = "--params",
                       allow_fixed: bool = False) -> list[str]:
    """Parameter names from paths or glob patterns (``projects.*.start_delay``); None → the defaults.

    Unknown paths raise ``InputError`` with a "did you mean" hint."""
    if not patterns:
        return default_parameters(c)
    known = list(c.random) + (list(c.fixed) if allow_fixed else [])
    chosen: list[str] = []
    problems = []
    for pattern in patterns:
        for item in [p.strip() for p in str(pattern).split(",") if p.strip()]:
            if any(ch in item for ch in "*?["):
                hits = [k for k in known if fnmatch.fnmatchcase(k, item)]
                if not hits:
                    problems.append(Problem(where, None, item, "matches no uncertain input of this scenario"))
            elif item in known:
                hits = [item]
            else:
                hits = []
                problems.append(Problem(where, None, item, _unknown(c, item)))
            chosen.extend(h for h in hits if h not in chosen)
    if problems:
        raise InputError(problems)
    return chosen


def _unknown(c: Compiled, name: str) -> str:
    if name in c.fixed:
        return "is a fixed value in this scenario, not an uncertain input (give it a distribution with --set)"
    hint = difflib.get_close_matches(name, list(c.random) + list(c.fixed), n=1, cutoff=0.6)
    return "not an uncertain input of this scenario" + (f" (did you mean '{hint[0]}'?)" if hint else "")


def check_design(c: Compiled, design: Mapping[str, np.ndarray], scale: Scale) -> int:
    """Validate a design; return its number of rows."""
    if scale not in ("value", "uniform"):
        raise ValueError(f"scale must be 'value' or 'uniform', got {scale!r}")
    problems = []
    for name in design:
        if name in c.random or (scale == "value" and name in c.fixed):
            continue
        problems.append(Problem("design", None, name, _unknown(c, name)))
    if problems:
        raise InputError(problems)
    sizes = {len(np.atleast_1d(v)) for v in design.values()}
    if len(sizes) > 1:
        raise ValueError(f"design columns differ in length: {sorted(sizes)}")
    n = sizes.pop() if sizes else 0
    if scale == "uniform":
        for name, u in design.items():
            u = np.asarray(u, float)
            if np.any(~np.isfinite(u)) or np.any((u < 0) | (u > 1)):
                raise ValueError(f"design column {name}: uniforms must lie in [0, 1]")
    return n


def to_values(c: Compiled, design: Mapping[str, np.ndarray], scale: Scale = "value") -> dict[str, np.ndarray]:
    """The design in the parameters' own units."""
    if scale == "value":
        return {k: np.asarray(v, float) for k, v in design.items()}
    return {k: np.asarray(c.random[k].ppf(np.asarray(u, float)), float) for k, u in design.items()}


def _with_followers(c: Compiled, values: Mapping[str, np.ndarray], follow: dict[str, list[str]]) -> dict:
    out = dict(values)
    for name, followers in follow.items():
        if name in values:
            for f in followers:
                if f not in values:          # a project set explicitly keeps its own value
                    out[f] = values[name]
    return out


@dataclass
class DesignRun:
    """Outcome arrays of a design, row by row: ``gdp`` (n, T+1), ``growth`` (n, T), ``valid`` (n,),
    ``targets`` {name: (n,)}; ``seconds`` spent sampling and in the engine."""

    gdp: np.ndarray
    growth: np.ndarray
    valid: np.ndarray
    targets: dict[str, np.ndarray]
    years: np.ndarray
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    def __getitem__(self, key: str):           # dict-style access, as the engine's output
        return getattr(self, key)

    @property
    def rows(self) -> int:
        return len(self.valid)

    @property
    def failed(self) -> int:
        return int((~self.valid).sum())


def evaluate_design(c: Compiled, design: Mapping[str, np.ndarray], *, scale: Scale = "value",
                    others: Others = "median", seed: int | None = None, sampler: str | None = None,
                    start: int = 0, chunk_rows: int = CHUNK_ROWS, executor=None) -> DesignRun:
    """Evaluate every row of ``design`` through the engine (see the module docstring).

    ``seed`` and ``sampler`` default to the scenario's ``simulation`` section (used only with
    ``others="random"``); row i then sees Monte Carlo draw ``start + i`` of the other inputs.
    ``executor`` (an entered ``runs.executors`` executor, e.g. a Dask cluster) evaluates the chunks of
    rows in parallel; the result does not depend on it.
    """
    if others not in ("median", "random"):
        raise ValueError(f"others must be 'median' or 'random', got {others!r}")
    n = check_design(c, design, scale)
    values = _with_followers(c, to_values(c, design, scale), inherited(c))
    seed, sampler = _seed_sampler(c, seed, sampler)
    T = len(c.years) - 1
    out = DesignRun(gdp=np.empty((n, T + 1)), growth=np.empty((n, T)), valid=np.empty(n, bool),
                    targets={t.name: np.empty(n) for t in c.scenario.targets}, years=c.years)
    began = time.perf_counter()
    rows = list(_chunks(start, n, chunk_rows, aligned=others == "random"))
    shared = (c, values, medians(c), others, seed, sampler, start)
    done = (executor.map_ordered(_design_rows, rows, shared=shared) if executor is not None
            else zip(rows, thread_imap(lambda ab: _design_rows(ab, shared), rows)))   # this process: threads
    for (a, b), result in done:
        _store(out, slice(a, b), result)
    out.seconds = time.perf_counter() - began
    return out


def _design_rows(rows: tuple[int, int], shared: tuple) -> dict:
    """The engine's outcomes (GDP, growth, valid, targets) of design rows [a, b)."""
    a, b = rows
    c, values, base, others, seed, sampler, start = shared
    m = b - a
    if others == "random":
        params = sample(c.random, start + a, start + b, seed, sampler, c.correlation, c.correlated or None)
    else:
        params = {k: np.full(m, v) for k, v in base.items()}
    for k, v in values.items():
        params[k] = v[a:b]
    result = evaluate(c, params, m, detail=False)
    return {k: result[k] for k in ("gdp", "growth", "valid", "targets")}


def evaluate_cases(c: Compiled, cases: Sequence[Mapping[str, float]], draws: int,
                   reduce: Callable[[dict], np.ndarray], *, seed: int | None = None,
                   sampler: str | None = None, chunk_rows: int = CHUNK_ROWS,
                   executor=None) -> tuple[np.ndarray, np.ndarray]:
    """A full Monte Carlo over the other inputs for each case (a few inputs fixed at given values):
    every case sees the same draws of everything else (common random numbers), sampled once per chunk.

    ``reduce(engine_output)`` turns one chunk's engine output into an (m,) array (or (m, K) for K
    values per draw). Returns ``(values, valid)``: (len(cases), draws[, K]) and (len(cases), draws).
    ``executor`` evaluates the chunks of draws in parallel, as for :func:`evaluate_design`."""
    seed, sampler = _seed_sampler(c, seed, sampler)
    for case in cases:
        check_design(c, {k: np.atleast_1d(v) for k, v in case.items()}, "value")
    values = None
    valid = np.empty((len(cases), draws), bool)
    rows = list(_chunks(0, draws, chunk_rows, aligned=True))
    shared = (c, list(cases), reduce, seed, sampler)
    done = (executor.map_ordered(_case_rows, rows, shared=shared) if executor is not None
            else zip(rows, thread_imap(lambda ab: _case_rows(ab, shared), rows)))
    for (a, b), (reduced, ok) in done:
        if values is None:
            values = np.empty((len(cases), draws) + reduced.shape[2:])
        values[:, a:b] = reduced
        valid[:, a:b] = ok
    return (values if values is not None else np.empty((len(cases), 0))), valid


def _case_rows(rows: tuple[int, int], shared: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Draws [a, b) of every case: the reduced values (cases, m[, K]) and validity (cases, m)."""
    a, b = rows
    c, cases, reduce, seed, sampler = shared
    m = b - a
    follow = inherited(c)
    params = sample(c.random, a, b, seed, sampler, c.correlation, c.correlated or None)
    reduced, valid = [], []
    for case in cases:
        p = dict(params)
        p.update(_with_followers(c, {k: np.full(m, float(v)) for k, v in case.items()}, follow))
        out = evaluate(c, p, m, detail=False)
        reduced.append(np.asarray(reduce(out), float))
        valid.append(out["valid"])
    return np.stack(reduced), np.stack(valid)


def _seed_sampler(c: Compiled, seed, sampler) -> tuple[int, str]:
    settings = resolve_settings(c.scenario, seed=seed, sampler=sampler)
    return settings.seed, settings.sampler


def _chunks(start: int, n: int, rows: int, aligned: bool) -> Iterable[tuple[int, int]]:
    """[a, b) row ranges of at most ``rows``; with ``aligned`` the draw numbers ``start + b`` fall on
    sampling-block boundaries (so each chunk samples whole blocks once)."""
    rows = max(int(rows), 1)
    if aligned:
        rows = max(BLOCK_SIZE, rows - rows % BLOCK_SIZE)
    a = 0
    while a < n:
        b = min(n, a + rows)
        if aligned:
            b = min(n, ((start + a) // BLOCK_SIZE) * BLOCK_SIZE + rows - start)
            b = max(b, a + 1)
        yield a, b
        a = b


def _store(out: DesignRun, rows: slice, result: dict) -> None:
    out.gdp[rows] = result["gdp"]
    out.growth[rows] = result["growth"]
    out.valid[rows] = result["valid"]
    for k, v in result["targets"].items():
        out.targets[k][rows] = v
