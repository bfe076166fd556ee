"""Batch sweeps: many full Monte Carlo runs (cases) from one sweep file, resumable, locally or on Dask.

A sweep file (YAML; paths relative to it)::

    name: investment-tfp                 # optional; default the file name
    scenarios: baseline.yaml             # one file or a list: every scenario gets every design point
    draws: 2000                          # optional; default the first scenario's simulation.draws
    seed: 20210617                       # optional; default the first scenario's seed — one seed for
                                         #   every case: common random numbers, differences are paired
    sampler: lhs                         # optional; default the first scenario's
    set: [projects.airport.capex=30]     # optional: overrides for every case (or a mapping path: value)
    design: grid                         # grid (default: every combination), zip (the k-th values
                                         #   together) or lhs (a Latin hypercube of `samples` points)
    samples: 50                          # lhs only
    design_seed: 7                       # lhs only (default: seed)
    factors:                             # --set paths and their values
      economy.investment_rate: [0.60, 0.65, 0.70]            # a list
      economy.tfp_growth: {from: 0.01, to: 0.03, steps: 5}   # a range (both ends included)
      projects.airport.capex: {from: 20, to: 40, step: 5, unit: 亿元}
      # lhs: {from: a, to: b} is a uniform range; a list is sampled by strata

Each case runs ``simulate(scenario, draws, seed, overrides=set + factor values)`` with one worker. Its
id is a short hash of the scenario path (as written), the sorted overrides, draws, seed and sampler,
so a resumed sweep matches cases exactly. Results are bit-identical whatever the executor.

The sweep folder (``SweepFolder``): ``sweep.yaml`` (a copy), ``cases/<id>.json`` (each written
atomically when its case finishes: the table row, the full summary, the input files' SHA-256), and
when all cases are done ``results.csv``, ``results.parquet`` (one row per case, in case order),
``heatmap.png``/``.svg`` for a two-factor grid and ``manifest.json``. While cases are missing an
``INCOMPLETE`` file says how many are done and the command that resumes the sweep.
"""
from __future__ import annotations

import atexit
import datetime as dt
import difflib
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable

import numpy as np

from portfolio.outputs import folders
from portfolio.problems import InputError, Problem, UserError, clip, dotted, short
from portfolio.scenario.settings import resolve_settings
from portfolio.scenario.yamlio import load_yaml
from portfolio.uncertainty import seeds

FORMAT_VERSION = 1
MAX_CASES = 100_000
CHECK_VALUES = 25            # list values per factor checked against the scenario before anything runs
KEYS = ("name", "description", "scenarios", "draws", "seed", "sampler", "set", "design", "samples",
        "design_seed", "factors")
DESIGNS = ("grid", "zip", "lhs")
RANGE_KEYS = ("from", "to", "steps", "step", "unit")
CASE_CHUNK = 4096            # draws per chunk inside a case: less memory per worker (results do not depend on it)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class SweepFolderError(UserError):
    """The sweep folder cannot be used as asked (not empty, a different sweep, changed inputs)."""


class CaseError(UserError):
    """A case failed on a worker (its input problems are in the message)."""


# ----------------------------------------------------------------------------------- the sweep file
@dataclass(frozen=True)
class Factor:
    """One swept input: ``values`` (grid, zip, or an lhs list) or a range ``low``–``high`` (lhs)."""

    path: str
    values: tuple = ()
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    line: int | None = None

    def describe(self) -> dict:
        out = {"path": self.path}
        if self.values:
            out["values"] = [_table_value(v) for v in self.values]
        else:
            out["range"] = [self.low, self.high]
        if self.unit:
            out["unit"] = self.unit
        return out


@dataclass(frozen=True)
class Case:
    """What travels to a worker: a few paths and overrides; ``run_case`` turns it into a result."""

    index: int
    id: str
    scenario: str                         # the scenario file as written in the sweep file
    path: str                             # its absolute path
    bundle_path: str                      # its path inside the input bundle (remote workers)
    overrides: tuple[str, ...]            # the sweep's `set`, then this case's factor values
    values: tuple[tuple[str, object], ...]  # (factor path, value) for the table
    draws: int
    seed: int
    sampler: str


@dataclass
class ScenarioInput:
    written: str
    path: Path
    files: dict            # path relative to the sweep file → sha256, for every file the scenario reads
    paths: dict            # the same keys → absolute path
    name: str
    language: str


@dataclass
class Sweep:
    path: Path
    label: str
    name: str
    sha256: str
    scenarios: list[ScenarioInput]
    draws: int
    seed: int
    sampler: str
    fixed: tuple[str, ...]
    design: str
    factors: list[Factor]
    cases: list[Case] = field(default_factory=list)
    bundle_root: Path | None = None

    @property
    def language(self) -> str:
        return self.scenarios[0].language

    def grid2(self) -> tuple[Factor, Factor] | None:
        """The two factors of a two-factor grid (for the heatmap), else None."""
        if self.design == "grid" and len(self.factors) == 2 and all(len(f.values) >= 2 for f in self.factors):
            return self.factors[0], self.factors[1]
        return None


def is_sweep_file(path: str | os.PathLike) -> bool:
    """True for a YAML mapping with ``factors:`` or ``scenarios:`` and no ``meta:``: a sweep file, not a
    scenario (an unreadable file is not: the scenario loader reports what is wrong with it)."""
    try:
        data, _ = load_yaml(Path(path))
    except InputError:
        return False
    return isinstance(data, dict) and "meta" not in data and bool({"factors", "scenarios"} & set(data))


def load_sweep(path: str | os.PathLike) -> Sweep:
    """Read and validate a sweep file and expand its cases. Raises InputError (file:line problems)."""
    from portfolio.scenario.loading import label_for

    path = Path(path)
    label = label_for(path)
    data, prov = load_yaml(path, label)
    problems: list[Problem] = []

    def line(key: tuple) -> int | None:
        while key not in prov and key:
            key = key[:-1]
        return prov.get(key, (label, None))[1]

    def bad(key: tuple, message: str) -> None:
        problems.append(Problem(label, line(key), dotted(key), message))

    if not isinstance(data, dict):
        raise InputError([Problem(label, line(()), "", "expected a mapping with scenarios: and factors:, "
                                  f"got {type(data).__name__}")])
    for key in data:
        if key not in KEYS:
            near = difflib.get_close_matches(str(key), KEYS, 1)
            bad((key,), "unknown key" + (f" (did you mean '{near[0]}'?)" if near else
                                         f" (expected one of: {', '.join(KEYS)})"))

    name = data.get("name", None)
    if name is None:
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-_") or "sweep"
    elif not isinstance(name, str) or not NAME.match(name) or len(name) > 80:
        bad(("name",), f"expected letters, digits, '-' or '_' (it names the output folder), got {short(name)}")
        name = "sweep"

    scenario_files = _scenario_list(data, path, bad)
    draws = _integer(data, "draws", 1, bad)
    seed = _integer(data, "seed", 0, bad)
    sampler = data.get("sampler")
    if sampler is not None and sampler not in ("mc", "lhs"):
        bad(("sampler",), f"expected mc or lhs, got {short(sampler)}")
    fixed = _fixed_overrides(data.get("set"), bad)
    design = data.get("design", "grid")
    if design not in DESIGNS:
        bad(("design",), f"expected one of {', '.join(DESIGNS)}, got {short(design)}")
        design = "grid"
    samples = _integer(data, "samples", 1, bad)
    design_seed = _integer(data, "design_seed", 0, bad)
    if design == "lhs" and samples is None and "samples" not in data:
        bad(("design",), "the lhs design needs samples: (the number of points)")
    for key in ("samples", "design_seed"):
        if design != "lhs" and key in data:
            bad((key,), f"only used by design: lhs (this sweep's design is {design})")
    factors = _factors(data.get("factors"), design, fixed, prov, line, bad)
    if not problems:
        if not factors:
            n_points = 1
        elif design == "lhs":
            n_points = samples or 1
        elif design == "zip":
            n_points = len(factors[0].values)
        else:
            n_points = math.prod(len(f.values) for f in factors)
        if n_points * len(scenario_files) > MAX_CASES:
            bad(("factors",), f"{n_points * len(scenario_files):,} cases; a sweep is limited to {MAX_CASES:,}")
    if problems:
        raise InputError(problems)

    # the scenarios, loaded once each with the fixed overrides: defaults, inputs, language
    inputs = []
    for written, file in scenario_files:
        try:
            inputs.append(_load_input(written, file, fixed, label, line, path.parent))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    first = inputs[0].scenario
    settings = resolve_settings(first, draws, seed, sampler)
    draws, seed, sampler = settings.draws, settings.seed, settings.sampler
    scenarios = [i.info for i in inputs]
    _check_factor_values(inputs, factors, fixed, label)

    points = _design_points(design, factors, samples, seed if design_seed is None else design_seed)
    sweep = Sweep(path=path, label=label, name=name, sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                  scenarios=scenarios, draws=draws, seed=seed, sampler=sampler, fixed=fixed, design=design,
                  factors=factors)
    sweep.bundle_root = _bundle_root(scenarios)
    sweep.cases = _expand(sweep, points)
    seen: dict[str, Case] = {}
    for case in sweep.cases:
        if case.id in seen:
            raise InputError([Problem(label, line(("factors",)), "factors",
                                      f"cases {seen[case.id].index} and {case.index} are the same "
                                      "(repeated scenario or factor values)")])
        seen[case.id] = case
    return sweep


def _scenario_list(data: dict, path: Path, bad) -> list[tuple[str, Path]]:
    value = data.get("scenarios")
    if value is None:
        bad(("scenarios",) if "scenarios" in data else (), "scenarios: is required (a scenario file or a list)")
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
        bad(("scenarios",), "expected a scenario file or a non-empty list of files")
        return []
    out, seen = [], set()
    for i, item in enumerate(items):
        key = ("scenarios",) if isinstance(value, str) else ("scenarios", i)
        written = PurePosixPath(item.replace("\\", "/")).as_posix()
        file = path.parent / written
        if written in seen:
            bad(key, f"{clip(item)} is listed twice")
        elif not file.is_file():
            bad(key, f"file not found: {clip(item)} (paths are relative to the sweep file)")
        seen.add(written)
        out.append((written, file))
    return out


def _integer(data: dict, key: str, minimum: int, bad) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        bad((key,), f"expected a whole number ≥ {minimum}, got {short(value)}")
        return None
    return value


def _fixed_overrides(value, bad) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, dict):
        return tuple(f"{k}={render(v)}" for k, v in value.items())
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        bad(("set",), "expected a list of path=value texts or a mapping path: value")
        return ()
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or "=" not in item or not item.split("=", 1)[0].strip():
            bad(("set", i), f"expected path=value, got {short(item)}")
            continue
        out.append(item)
    for i, item in enumerate(out):
        if item.split("=", 1)[0].strip().startswith("simulation."):
            bad(("set", i), "set draws:, seed: and sampler: of the sweep file instead of simulation.*")
    return tuple(out)


def _set_path(override: str) -> str:
    return override.split("=", 1)[0].strip()


def _factors(value, design: str, fixed: tuple, prov: dict, line, bad) -> list[Factor]:
    if value is None:
        return []
    if not isinstance(value, dict):
        bad(("factors",), "expected a mapping of input paths to values, e.g. economy.tfp_growth: [0.01, 0.02]")
        return []
    fixed_paths = {_set_path(o) for o in fixed}
    out = []
    for key, spec in value.items():
        where = ("factors", key)
        if not isinstance(key, str) or not key.strip() or "=" in key or " " in key.strip():
            bad(where, "expected an input path such as economy.tfp_growth or projects.airport.capex")
            continue
        if key.startswith("simulation."):
            bad(where, "set draws:, seed: and sampler: of the sweep file instead of simulation.*")
            continue
        if key in fixed_paths:
            bad(where, "this path is also in set:; give it in one place only")
            continue
        factor_line = line(where)
        if isinstance(spec, list):
            if not spec:
                bad(where, "empty list of values")
                continue
            texts = [render(v) for v in spec]
            repeated = sorted({t for t in texts if texts.count(t) > 1})
            if repeated:
                bad(where, f"value {clip(repeated[0], 40)} is listed twice")
                continue
            out.append(Factor(key, tuple(_plain_value(v) for v in spec), line=factor_line))
        elif isinstance(spec, dict):
            factor = _range(key, spec, design, factor_line, lambda k, m: bad(where + (k,) if k else where, m))
            if factor is not None:
                out.append(factor)
        else:
            bad(where, "expected a list of values or a range {from: A, to: B, steps: N} "
                       "(a single value belongs in set:)")
    if design == "zip" and out:
        lengths = {f.path: len(f.values) for f in out}
        if len(set(lengths.values())) > 1:
            bad(("factors",), "the zip design pairs the k-th values of every factor: they need as many values "
                              "each, got " + ", ".join(f"{k}: {n}" for k, n in lengths.items()))
    return out


def _range(key: str, spec: dict, design: str, factor_line, bad) -> Factor | None:
    unknown = [k for k in spec if k not in RANGE_KEYS]
    if unknown:
        bad(unknown[0], f"unknown key in a range (expected {', '.join(RANGE_KEYS)})")
        return None
    low, high = spec.get("from"), spec.get("to")
    for k, v in (("from", low), ("to", high)):
        if v is None or isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            bad(k if k in spec else None, f"a range needs a number for {k}:, got {short(v)}")
            return None
    if not low < high:
        bad("to", f"expected to: above from: ({low}), got {high}")
        return None
    unit = spec.get("unit")
    if unit is not None and (not isinstance(unit, str) or not unit.strip()):
        bad("unit", f"expected a unit such as 亿元 or %, got {short(unit)}")
        return None
    steps, step = spec.get("steps"), spec.get("step")
    if design == "lhs":
        if steps is not None or step is not None:
            bad("steps" if steps is not None else "step",
                "the lhs design samples a range uniformly: give only from: and to:")
            return None
        return Factor(key, (), float(low), float(high), unit, factor_line)
    if (steps is None) == (step is None):
        bad(None, "a range needs either steps: (the number of values, ends included) or step: (the spacing)")
        return None
    integral = all(isinstance(v, int) for v in (low, high, step if step is not None else 0))
    if steps is not None:
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
            bad("steps", f"expected a whole number ≥ 2, got {short(steps)}")
            return None
        if steps > MAX_CASES:
            bad("steps", f"{steps:,} values; a sweep is limited to {MAX_CASES:,} cases")
            return None
        raw = [low + (high - low) * i / (steps - 1) for i in range(steps)]
    else:
        if isinstance(step, bool) or not isinstance(step, (int, float)) or not step > 0:
            bad("step", f"expected a positive number, got {short(step)}")
            return None
        n = int(math.floor((high - low) / step * (1 + 1e-12))) + 1
        if n > MAX_CASES:
            bad("step", f"{n:,} values; a sweep is limited to {MAX_CASES:,} cases")
            return None
        raw = [low + i * step for i in range(n)]
    values = tuple(_tidy(v, integral) for v in raw)
    if len(set(values)) < len(values):
        bad(None, "the range gives repeated values")
        return None
    return Factor(key, values, unit=unit, line=factor_line)


def _tidy(x: float, integral: bool = False, digits: int = 12):
    """Round away floating-point dust (0.30000000000000004 → 0.3); whole numbers stay whole."""
    value = float(f"{x:.{digits}g}")
    if integral and value.is_integer():
        return int(value)
    return value


def _plain_value(value):
    """A factor value as it goes in the table: numbers and text as they are; dates as ISO text."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _table_value(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return value


def render(value, unit: str | None = None) -> str:
    """A value as the text of a ``path=value`` override (YAML syntax) that reads back as the value."""
    import yaml

    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, (dt.date, dt.datetime)):
        text = value.isoformat()
    elif isinstance(value, str):
        try:
            same = "\n" not in value and value.strip() == value and yaml.safe_load(value) == value
        except yaml.YAMLError:
            same = False
        text = value if same else json.dumps(value, ensure_ascii=False)
    elif value is None:
        text = "null"
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return f"{text} {unit}" if unit else text


# ----------------------------------------------------------------------------------- checking inputs
@dataclass
class _Loaded:
    info: ScenarioInput
    scenario: object
    written: str
    file: Path


def _load_input(written: str, file: Path, fixed: tuple, label: str, line, sweep_dir: Path) -> _Loaded:
    from portfolio.scenario.loading import load_scenario, origin

    try:
        scenario = load_scenario(file, fixed)
    except InputError as exc:
        raise InputError([_relocate(p, fixed, label, line, None) for p in exc.problems]) from None
    resolved = origin(scenario)
    # files named relative to the sweep file, so that a resume from another working folder matches
    base = sweep_dir.resolve()
    keys = {label: Path(os.path.relpath(resolved.paths.get(label, label), base)).as_posix()
            for label in resolved.files}
    info = ScenarioInput(written=written, path=file.resolve(),
                         files={keys[label]: digest for label, digest in resolved.files.items()},
                         paths={keys[label]: str(Path(resolved.paths.get(label, label)).resolve())
                                for label in resolved.files},
                         name=scenario.meta.name, language=scenario.meta.language)
    return _Loaded(info, scenario, written, file)


def _relocate(problem: Problem, fixed: tuple, label: str, line, factor: tuple | None) -> Problem:
    """A problem from an override, located at its line in the sweep file."""
    from portfolio.scenario.loading import SET_SOURCE

    if problem.file != SET_SOURCE:
        if factor is None:
            return problem
        return Problem(problem.file, problem.line, problem.path,
                       f"{problem.message} (with {factor[0]}={clip(factor[1], 40)} from {label})")
    if factor is not None:
        path, text = factor
        detail = "" if problem.path == path else f"{problem.path}: "
        return Problem(label, line(("factors", path)), f"factors.{path}",
                       f"value {clip(text, 40)}: {detail}{problem.message}")
    for i, override in enumerate(fixed):
        if problem.path.startswith(_set_path(override)) or _set_path(override).startswith(problem.path):
            return Problem(label, line(("set", i)) or line(("set",)), "set", f"{problem.path}: {problem.message}")
    return Problem(label, line(("set",)), "set", f"{problem.path}: {problem.message}")


def _check_factor_values(inputs: list[_Loaded], factors: list[Factor], fixed: tuple, label: str) -> None:
    """Load each scenario with each factor value (list values; a range's ends) to find bad values now,
    with the sweep file's line, rather than in a worker halfway through the sweep."""
    from portfolio.scenario.loading import load_scenario

    prov_line = {f.path: f.line for f in factors}

    def line(key: tuple) -> int | None:
        return prov_line.get(key[1]) if len(key) > 1 else None

    problems: list[Problem] = []
    for factor in factors:
        if factor.values:
            values = list(factor.values)
            if len(values) > CHECK_VALUES:
                values = values[: CHECK_VALUES // 2] + values[-(CHECK_VALUES // 2):]
        else:
            values = [factor.low, factor.high]
        for value in values:
            text = render(value, factor.unit)
            for loaded in inputs:
                try:
                    load_scenario(loaded.file, fixed + (f"{factor.path}={text}",))
                except InputError as exc:
                    problems.extend(_relocate(p, fixed, label, line, (factor.path, text)) for p in exc.problems)
                    break
            else:
                continue
            break   # one bad value per factor is enough to show what is wrong
    if problems:
        raise InputError(problems)


# ----------------------------------------------------------------------------------- cases
def _design_points(design: str, factors: list[Factor], samples: int | None, design_seed: int) -> list[tuple]:
    """The design: a list of points, each a tuple of one value per factor (in file order)."""
    if not factors:
        return [()]
    if design == "grid":
        return list(itertools.product(*(f.values for f in factors)))
    if design == "zip":
        return list(zip(*(f.values for f in factors)))
    n = samples or 1
    columns = []
    for f in factors:
        # one stream per factor, keyed by its path: adding a factor leaves the others' values alone
        rng = seeds.generator(design_seed, "sweep", "design", f.path)
        u = (rng.permutation(n) + rng.random(n)) / n
        if f.values:
            columns.append([f.values[min(int(x * len(f.values)), len(f.values) - 1)] for x in u])
        else:
            columns.append([_tidy(f.low + (f.high - f.low) * x, digits=10) for x in u])
    return list(zip(*columns))


def case_id(scenario: str, overrides: Iterable[str], draws: int, seed: int, sampler: str) -> str:
    """A short hash of what defines a case (order of overrides aside: their paths are distinct)."""
    key = json.dumps({"scenario": scenario, "overrides": sorted(overrides), "draws": int(draws),
                      "seed": int(seed), "sampler": sampler}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _expand(sweep: Sweep, points: list[tuple]) -> list[Case]:
    cases = []
    for scenario in sweep.scenarios:
        bundle_path = scenario.path.relative_to(sweep.bundle_root).as_posix()
        for point in points:
            overrides = sweep.fixed + tuple(f"{f.path}={render(v, f.unit)}" for f, v in zip(sweep.factors, point))
            cases.append(Case(index=len(cases),
                              id=case_id(scenario.written, overrides, sweep.draws, sweep.seed, sweep.sampler),
                              scenario=scenario.written, path=str(scenario.path), bundle_path=bundle_path,
                              overrides=overrides,
                              values=tuple((f.path, _table_value(v)) for f, v in zip(sweep.factors, point)),
                              draws=sweep.draws, seed=sweep.seed, sampler=sweep.sampler))
    return cases


# ----------------------------------------------------------------------------------- running a case
def outputs(summary: dict) -> dict:
    """The table columns of one case from its summary: each target's probability with its 95% interval,
    average growth quantiles, GDP, energy capacity, contributions, the most critical project."""
    row: dict = {}
    for t in summary["targets"]:
        row[f"p_{t['name']}"] = t["probability"]
        row[f"p_{t['name']}_ci_low"], row[f"p_{t['name']}_ci_high"] = t["ci95"]
    avg = summary["average_growth"]
    row["average_growth_mean"] = avg["mean"]
    for q in (5, 10, 50, 90, 95):
        row[f"average_growth_p{q}"] = avg[f"p{q}"]
    gdp = summary["gdp"]
    row["gdp_year"] = gdp["year"]
    for k in ("mean", "p10", "p50", "p90"):
        row[f"gdp_{k}"] = gdp[k]
    energy = summary.get("energy")
    row["capacity_mw_mean"] = energy["mean"] if energy else math.nan
    row["capacity_mw_p50"] = energy["p50"] if energy else math.nan
    from portfolio.model.engine import CONTRIBUTIONS

    for k in CONTRIBUTIONS:
        row[f"contribution_{k}_pp"] = summary["contributions"].get(k, math.nan)
    critical = summary.get("critical_projects") or []
    row["most_critical_project"] = critical[0]["id"] if critical else ""
    row["invalid_draws"] = summary["invalid_draws"]
    return row


def run_case(case: Case, bundle: dict | None = None) -> dict:
    """Simulate one case (in a worker) → {id, outputs, summary, seconds} or {id, error}."""
    from portfolio.runs.simulate import simulate

    began = time.perf_counter()
    path = case.path if bundle is None else str(_materialise(bundle) / case.bundle_path)
    try:
        result = simulate(path, draws=case.draws, seed=case.seed, sampler=case.sampler,
                          overrides=list(case.overrides), workers=1, keep_inputs=False, chunk_size=CASE_CHUNK)
    except InputError as exc:   # the exception itself does not survive pickling: send its text
        return {"id": case.id, "error": [str(p) for p in exc.problems]}
    summary = result.summary()
    return {"id": case.id, "outputs": outputs(summary), "summary": summary,
            "seconds": round(time.perf_counter() - began, 3)}


_BUNDLES: dict[str, Path] = {}
_BUNDLE_LOCK = threading.Lock()


def _bundle_root(scenarios: list[ScenarioInput]) -> Path:
    folders = [Path(p).parent for s in scenarios for p in list(s.paths.values()) + [s.path]]
    return Path(os.path.commonpath([str(f) for f in folders]))


def input_bundle(sweep: Sweep) -> dict:
    """Every file the sweep's scenarios read, by path under their common folder (sent once to each
    remote worker, so a cluster needs no shared file system)."""
    files = {}
    for s in sweep.scenarios:
        for p in list(s.paths.values()) + [str(s.path)]:
            rel = Path(p).resolve().relative_to(sweep.bundle_root).as_posix()
            files[rel] = Path(p).read_bytes()
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode("utf-8") + b"\0" + hashlib.sha256(files[rel]).digest())
    return {"digest": digest.hexdigest(), "files": files}


def _materialise(bundle: dict) -> Path:
    """Write a bundle's files into a temporary folder of this worker process (once per bundle)."""
    with _BUNDLE_LOCK:
        root = _BUNDLES.get(bundle["digest"])
        if root is None:
            root = Path(tempfile.mkdtemp(prefix="portfolio-sweep-"))
            atexit.register(shutil.rmtree, root, True)
            for rel, content in bundle["files"].items():
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            _BUNDLES[bundle["digest"]] = root
        return root


# ----------------------------------------------------------------------------------- the folder
def default_folder(sweep: Sweep) -> Path:
    return folders.default_folder(f"sweep-{sweep.name}")


def latest_unfinished(sweep: Sweep, parent: Path = Path("outputs")) -> Path | None:
    """The newest ``outputs/sweep-<name>-*`` folder that is not finished."""
    found = sorted(p for p in parent.glob(f"sweep-{sweep.name}-*") if (p / folders.MARKER).is_file())
    return found[-1] if found else None


class SweepFolder:
    """A sweep's output folder: the finished cases, the marker, and the final tables.

    ``SweepFolder.open(sweep, folder, resume)`` checks the folder (nothing is written yet);
    ``begin(resume_command)`` creates it; ``run(executor, cases)`` computes cases and records each
    as it finishes; ``finish(...)`` writes the table, heatmap and manifest and removes the marker.
    """

    def __init__(self, sweep: Sweep, folder: Path, done: dict[str, dict]):
        self.sweep = sweep
        self.folder = Path(folder)
        self.done = done                 # case id → record (from cases/<id>.json)
        self.resume_command = ""
        self.computed = 0

    @property
    def cases_dir(self) -> Path:
        return self.folder / "cases"

    @classmethod
    def open(cls, sweep: Sweep, folder: Path, resume: bool = False) -> "SweepFolder":
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise SweepFolderError(f"{folder} exists and is not a folder")
        copy = folder / "sweep.yaml"
        if not resume:
            if folder.exists() and any(folder.iterdir()):
                if copy.is_file() and copy.read_bytes() == sweep.path.read_bytes():
                    raise SweepFolderError(f"{folder} already holds this sweep; add --resume to continue it")
                raise SweepFolderError(f"{folder} is not empty (choose another --out folder)")
            return cls(sweep, folder, {})
        if not folder.is_dir():
            raise SweepFolderError(f"nothing to resume: {folder} does not exist")
        if not copy.is_file():
            raise SweepFolderError(f"nothing to resume: {folder} is not a sweep folder (no sweep.yaml)")
        if copy.read_bytes() != sweep.path.read_bytes():
            raise SweepFolderError(f"{folder} holds a different sweep: its sweep.yaml differs from {sweep.label} "
                                   "(resume with the sweep file it was started with, or start a new sweep)")
        for stray in [*folder.glob(".*.tmp"), *folder.glob("cases/.*.tmp")]:   # left by a killed sweep
            stray.unlink(missing_ok=True)
        done = {}
        inputs = {s.written: s.files for s in sweep.scenarios}
        for case in sweep.cases:
            record = _read_record(folder / "cases" / f"{case.id}.json", case)
            if record is None:
                continue
            if record.get("inputs") != inputs[case.scenario]:
                changed = sorted(k for k in set(record.get("inputs") or {}) | set(inputs[case.scenario])
                                 if (record.get("inputs") or {}).get(k) != inputs[case.scenario].get(k))
                raise SweepFolderError(f"{', '.join(changed) or case.scenario} changed since the sweep in {folder} "
                                       "started (its finished cases used the old file); start a new sweep")
            done[case.id] = record
        return cls(sweep, folder, done)

    def missing(self) -> list[Case]:
        return [c for c in self.sweep.cases if c.id not in self.done]

    def begin(self, resume_command: str = "") -> None:
        """Create the folder (or reopen it) with the sweep file's copy and the INCOMPLETE marker."""
        self.resume_command = resume_command
        self.cases_dir.mkdir(parents=True, exist_ok=True)
        copy = self.folder / "sweep.yaml"
        if not copy.exists():
            folders.write_atomic(copy, lambda tmp: shutil.copyfile(self.sweep.path, tmp))
        if self.missing() or not (self.folder / "manifest.json").exists():
            self.mark()

    def mark(self) -> None:
        total, done = len(self.sweep.cases), len(self.done)
        text = (f"This sweep is not finished: {done} of {total} cases are done (in cases/); results.csv is "
                "written when all are.\n")
        if self.resume_command:
            text += f"Resume it (only the missing cases run) with:\n  {self.resume_command}\n"
        folders.write_atomic(self.folder / folders.MARKER, lambda tmp: tmp.write_text(text, encoding="utf-8"))

    def record(self, case: Case, result: dict) -> dict:
        """Write a finished case to cases/<id>.json (atomically) and update the marker."""
        if "error" in result:
            raise CaseError(f"case {case.index} ({case.scenario} with {', '.join(case.overrides) or 'no overrides'})"
                            ": " + "; ".join(result["error"]))
        scenario = next(s for s in self.sweep.scenarios if s.written == case.scenario)
        row = {"case": case.index, "case_id": case.id, "scenario": case.scenario,
               "scenario_name": result["summary"]["scenario"]}
        row.update(dict(case.values))
        row.update({"draws": case.draws, "seed": case.seed, "sampler": case.sampler})
        row.update(result["outputs"])
        record = {"format_version": FORMAT_VERSION, "id": case.id, "index": case.index,
                  "scenario": case.scenario, "overrides": list(case.overrides),
                  "values": {k: v for k, v in case.values}, "draws": case.draws, "seed": case.seed,
                  "sampler": case.sampler, "inputs": scenario.files, "row": row,
                  "summary": result["summary"], "seconds": result.get("seconds"),
                  "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        folders.write_json_atomic(self.cases_dir / f"{case.id}.json", record)
        self.done[case.id] = record
        self.computed += 1
        self.mark()
        return record

    def run(self, executor, cases: list[Case] | None = None, on_case: Callable[[Case], None] | None = None) -> None:
        """Compute the missing cases on ``executor`` (entered), recording each as it finishes."""
        cases = self.missing() if cases is None else cases
        if not cases:
            return
        shared = input_bundle(self.sweep) if getattr(executor, "remote", False) else None
        for case, result in executor.map_unordered(run_case, cases, shared=shared):
            self.record(case, result)
            if on_case is not None:
                on_case(case)

    def table(self):
        """The results table: one row per case, in case order (from the case files)."""
        import pandas as pd

        missing = self.missing()
        if missing:
            raise SweepFolderError(f"{len(missing)} of {len(self.sweep.cases)} cases are not done yet")
        rows = []
        for case in self.sweep.cases:
            # read back from the files, so that a resumed sweep's table is built the same way
            record = json.loads((self.cases_dir / f"{case.id}.json").read_text(encoding="utf-8"))
            rows.append(record["row"])
        table = pd.DataFrame(rows)
        for column in [f.path for f in self.sweep.factors]:
            values = table[column]
            if values.dtype == object and not all(isinstance(v, str) for v in values):
                table[column] = [v if isinstance(v, str) else render(v) for v in values]
        return table

    def finish(self, command: str | None = None, executor: dict | None = None, started: float | None = None,
               charts: bool = True, lang: str | None = None):
        """Write results.csv, results.parquet, the heatmap and manifest.json; remove the marker."""
        table = self.table()
        folders.write_atomic(self.folder / "results.csv", lambda tmp: folders.write_csv(table, tmp, index=False))
        folders.write_atomic(self.folder / "results.parquet", lambda tmp: table.to_parquet(tmp, index=False))
        naming = _naming(self.sweep)
        drawn = save_heatmaps(self, table, lang=lang, naming=naming) if charts else []
        finished = time.time()
        started = started if started is not None else finished
        from portfolio import __version__

        manifest = {
            "format_version": FORMAT_VERSION, "package_version": __version__, "sweep": self.sweep.name,
            "sweep_file": {"path": str(self.sweep.path.resolve()), "sha256": self.sweep.sha256},
            "command": command or " ".join(sys.argv),
            "scenarios": [s.written for s in self.sweep.scenarios],
            "draws": self.sweep.draws, "seed": self.sweep.seed, "sampler": self.sweep.sampler,
            "set": list(self.sweep.fixed), "design": self.sweep.design,
            "factors": [f.describe() for f in self.sweep.factors],
            "language": lang or self.sweep.language, "naming": naming,
            "cases": len(self.sweep.cases), "cases_computed_last": self.computed,
            "input_files": {key: {"path": s.paths[key], "sha256": digest}
                            for s in self.sweep.scenarios for key, digest in s.files.items()},
            "files": ["results.csv", "results.parquet"] + [p.name for p in drawn],
            "executor": executor,
            "started": dt.datetime.fromtimestamp(started, dt.timezone.utc).isoformat(),
            "finished": dt.datetime.fromtimestamp(finished, dt.timezone.utc).isoformat(),
            "wall_seconds_last": round(finished - started, 3),
            "case_seconds_total": round(sum(r.get("seconds") or 0 for r in self.done.values()), 3),
            "environment": folders.environment(),
        }
        folders.write_json_atomic(self.folder / "manifest.json", manifest)
        (self.folder / folders.MARKER).unlink(missing_ok=True)
        return table


def _read_record(path: Path, case: Case) -> dict | None:
    """A finished case's record, or None when absent or unreadable (then the case runs again)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("id") != case.id:
        return None
    row = record.get("row")
    # the table row as written: this case's, with plain values (a hand-edited one is computed again)
    if not isinstance(row, dict) or row.get("case_id") != case.id or row.get("case") != case.index:
        return None
    if not all(isinstance(k, str) and (v is None or isinstance(v, (str, int, float, bool))) for k, v in row.items()):
        return None
    return record


@dataclass
class SweepRun:
    folder: Path
    table: object           # pandas DataFrame
    cases: int
    computed: int
    sweep: Sweep | None = None

    def __repr__(self) -> str:
        head = f"<SweepRun {self.sweep.name if self.sweep else ''}: {self.cases} cases in {self.folder}>"
        return head + ("\n" + format_table(self.table, self.sweep, limit=5) if self.sweep else "")

    def _repr_html_(self) -> str:
        from portfolio.outputs.textsummary import card

        shown = shown_table(self.table, self.sweep, limit=15) if self.sweep else self.table.head(15)
        more = [f"… {len(self.table) - len(shown)} more cases in results.csv"] if len(self.table) > len(shown) else []
        return card(f"Sweep {self.sweep.name if self.sweep else ''}",
                    [f"{self.cases} cases, {self.computed} computed in this call; folder {self.folder}", *more],
                    list(shown.columns), shown.astype(str).to_numpy().tolist())


def shown_table(table, sweep, limit: int = 15):
    """The first rows of the results as the terminal shows them: case, its inputs, P(first target) and
    average growth P10/P50/P90, as percentages."""
    targets = [c for c in table.columns if c.startswith("p_") and not c.endswith(("_ci_low", "_ci_high"))]
    inputs = (["scenario"] if len(sweep.scenarios) > 1 else []) + [f.path for f in sweep.factors]
    columns = ["case"] + inputs + targets[:1] + ["average_growth_p10", "average_growth_p50", "average_growth_p90"]
    shown = table[columns].head(limit).copy()
    for c in targets[:1] + ["average_growth_p10", "average_growth_p50", "average_growth_p90"]:
        shown[c] = shown[c].map(lambda v: "–" if v != v else f"{v * 100:.1f}%")
    return shown


def format_table(table, sweep, limit: int = 15) -> str:
    """The first rows of the results (``shown_table``) as text (``portfolio sweep`` prints it)."""
    text = shown_table(table, sweep, limit).to_string(index=False)
    if len(table) > limit:
        text += f"\n… {len(table) - limit} more cases in results.csv"
    return text


def sweep_folder(sweep: Sweep, out: str | os.PathLike | None = None, resume: bool = False) -> Path:
    """Where a sweep runs: ``out``, else (resuming) the newest unfinished ``outputs/sweep-<name>-*``
    folder, else a new ``outputs/sweep-<name>-<timestamp>``."""
    if out is not None:
        return Path(out)
    if resume:
        found = latest_unfinished(sweep)
        if found is None:
            raise SweepFolderError(f"no unfinished sweep folder outputs/sweep-{sweep.name}-*/ to resume; "
                                   "give --out DIR")
        return found
    return default_folder(sweep)


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep: the finished cases are kept and the folder says how to resume."""

    def __init__(self, folder: Path, done: int, total: int, resume_command: str):
        self.folder, self.done, self.total, self.resume_command = folder, done, total, resume_command
        super().__init__(f"interrupted: {done} of {total} cases are done and kept in {folder}\n"
                         f"resume with: {resume_command}")


def run_sweep(sweep: Sweep | str | os.PathLike, out: str | os.PathLike | None = None, executor=None,
              workers: int = 1, resume: bool = False, charts: bool = True, lang: str | None = None,
              on_case: Callable[[Case], None] | None = None, on_start: Callable | None = None,
              command: str | None = None, resume_command: str | None = None) -> SweepRun:
    """Run (or resume) a sweep into ``out`` (see ``sweep_folder``) on ``executor`` (default ``workers``
    local processes) → SweepRun; ``portfolio sweep`` is this call.

    Each case is written to ``out/cases/<id>.json`` as it finishes; an interrupted sweep resumes with
    ``resume=True`` and computes only the missing cases. The table is the same whatever the executor
    and however often the sweep was resumed. ``on_start(done, missing, executor_info)`` is called once
    the executor is up, ``on_case(case)`` as each case finishes. When an executor or a case fails, its
    ``ExecutorError`` or ``CaseError`` carries notes saying how many cases are kept and how to resume
    (``resume_command``, default: this call with ``resume=True``); Ctrl-C raises ``SweepInterrupted``.
    """
    from portfolio.runs.executors import ExecutorError, LocalExecutor

    sweep = sweep if isinstance(sweep, Sweep) else load_sweep(sweep)
    out = sweep_folder(sweep, out, resume)
    resume_command = resume_command or f"run_sweep({str(sweep.path)!r}, out={str(out)!r}, resume=True)"
    started = time.time()
    folder = SweepFolder.open(sweep, out, resume=resume)
    missing = folder.missing()
    total = len(sweep.cases)
    executor = executor or LocalExecutor(workers)
    try:
        if missing:
            with executor:
                folder.begin(resume_command)
                if on_start is not None:
                    on_start(total - len(missing), missing, executor.describe())
                folder.run(executor, missing, on_case=on_case)
                info = executor.describe()
        else:
            folder.begin(resume_command)
            info = {"kind": "none", "workers": 0}
            if on_start is not None:
                on_start(total, [], info)
    except KeyboardInterrupt:
        folder.mark()
        raise SweepInterrupted(folder.folder, len(folder.done), total, resume_command) from None
    except (ExecutorError, CaseError) as exc:
        if not folder.cases_dir.is_dir():
            raise
        folder.mark()
        exc.add_note(f"{len(folder.done)} of {total} cases are done and kept in {folder.folder}")
        exc.add_note(f"resume with: {resume_command}")
        raise
    table = folder.finish(command=command, executor=info, started=started, charts=charts, lang=lang)
    return SweepRun(folder.folder, table, total, folder.computed, sweep)


# ----------------------------------------------------------------------------------- the heatmap
def heatmap(table, x: Factor, y: Factor, target: str, label=None, title=None, draws: int = 0, seed: int = 0,
            lang: str = "en", names=None):
    """P(target) over a two-factor grid: ``x`` across, ``y`` up, each cell annotated → Figure.

    ``table`` holds the rows of one scenario (columns ``x.path``, ``y.path`` and ``p_<target>``);
    ``names`` (an ``outputs.names.Names``, default without the scenario's names) labels the axes with
    each input's name and unit and its values in the unit the other charts show (% for rates).
    Drawn in the house style when it is available; nothing is shown."""
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    from portfolio.outputs import texts as L
    from portfolio.outputs.names import Names

    names = Names(None, lang) if names is None else names

    xs = [_table_value(v) for v in x.values]
    ys = [_table_value(v) for v in y.values]
    grid = np.full((len(ys), len(xs)), np.nan)
    for _, row in table.iterrows():
        try:
            i, j = ys.index(_key(row[y.path], ys)), xs.index(_key(row[x.path], xs))
        except ValueError:
            continue
        grid[i, j] = row[f"p_{target}"]
    fig = Figure(figsize=(16 / 2.54, max(7.0, min(14.0, 2.5 + 0.75 * len(ys))) / 2.54), layout="constrained")
    ax = fig.subplots()
    norm = Normalize(0.0, 1.0)
    image = ax.imshow(grid, cmap="cividis", norm=norm, origin="lower", aspect="auto", interpolation="nearest")
    ax.grid(False)
    ax.set_xticks(range(len(xs)), [_tick(v, x, names) for v in xs], rotation=45 if len(xs) > 8 else 0,
                  ha="right" if len(xs) > 8 else "center")
    ax.set_yticks(range(len(ys)), [_tick(v, y, names) for v in ys])
    ax.set_xlabel(names.axis_label(x.path, 90))
    ax.set_ylabel(names.axis_label(y.path, 30))      # on two lines when it is longer than the plot
    for spine in ax.spines.values():
        spine.set_visible(False)
    if grid.size <= 400:
        size = 7 if grid.size <= 100 else 5.5
        for i in range(len(ys)):
            for j in range(len(xs)):
                value = grid[i, j]
                if np.isfinite(value):
                    ax.text(j, i, f"{value * 100:.0f}%", ha="center", va="center", fontsize=size,
                            color="white" if value < 0.55 else "black")
    bar = fig.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
    bar.set_label(L.text("sweep.colorbar", lang))
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}%"))
    name = L.pick(label, lang) or target
    fig.suptitle(L.text("sweep.title", lang, target=name), x=0.012, ha="left")
    room = 108 - L.width(L.text("sweep.subtitle", lang, scenario="", draws=draws, seed=seed))
    scenario = L.shorten(L.pick(title, lang), max(room, 16))     # the line fits above the plot
    ax.set_title(L.text("sweep.subtitle", lang, scenario=scenario, draws=draws, seed=seed),
                 loc="left", fontsize=7, color="#7F7F7F", pad=6)
    return fig


def _key(value, options: list):
    """Match a table value to a grid value (numbers compared as numbers)."""
    if value in options:
        return value
    for option in options:
        try:
            if float(option) == float(value):
                return option
        except (TypeError, ValueError):
            continue
    return value


def _tick(value, factor: Factor, names) -> str:
    """A factor's value as a tick: a number in its display unit (a rate in %), other values as written."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    number = float(value)
    if factor.unit:                       # values written in a unit of their own: to the base unit
        from portfolio.scenario.fields import quantity_at
        from portfolio.uncertainty.units import UnitError, unit_factor

        quantity = quantity_at(names.field_path(factor.path))
        try:
            number *= unit_factor(factor.unit, quantity.kind) if quantity is not None else 1.0
        except UnitError:
            return f"{value:g} {factor.unit}"
    return names.tick(factor.path, number)


def _naming(sweep: Sweep) -> dict:
    """The names of the first scenario's projects and technologies (``outputs.names.naming``)."""
    from portfolio.outputs.names import naming
    from portfolio.outputs.rundata import resolved_scenario
    from portfolio.scenario.loading import load_scenario

    try:
        return naming(resolved_scenario(load_scenario(sweep.scenarios[0].path, list(sweep.fixed))))
    except (InputError, OSError):
        return naming(None)


def save_heatmaps(folder: SweepFolder, table, lang: str | None = None, formats=("png", "svg"),
                  naming: dict | None = None) -> list[Path]:
    """Draw the heatmap of a two-factor grid (one per scenario) into the sweep folder (``naming``: the
    scenario's names, ``outputs.names.naming``; default read from the first scenario)."""
    pair = folder.sweep.grid2()
    if pair is None:
        return []
    return _draw_heatmaps(folder.folder, table, pair, [s.written for s in folder.sweep.scenarios],
                          list(folder.done.values()), folder.sweep.draws, folder.sweep.seed,
                          lang or folder.sweep.language, naming or _naming(folder.sweep), formats)


def _folder_heatmaps(folder) -> dict:
    """What the heatmaps of a finished sweep folder are drawn from (its manifest, results and cases)."""
    import pandas as pd

    folder = Path(folder)
    folders.check_finished(folder, "sweep folder")
    manifest = folders.read_json(folder / "manifest.json")
    if not isinstance(manifest, dict) or not (folder / "results.parquet").is_file():
        raise SweepFolderError(f"{folder}: not a finished sweep folder (no manifest.json and results.parquet)")
    factors = [Factor(f["path"], tuple(f.get("values") or ()), unit=f.get("unit")) for f in manifest["factors"]]
    if manifest.get("design") != "grid" or len(factors) != 2 or any(len(f.values) < 2 for f in factors):
        raise SweepFolderError(f"{folder}: this sweep has no heatmap (only a grid of two factors has one)")
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((folder / "cases").glob("*.json"))]
    return {"table": pd.read_parquet(folder / "results.parquet"), "pair": tuple(factors),
            "scenarios": manifest["scenarios"], "records": records, "draws": manifest["draws"],
            "seed": manifest["seed"], "lang": manifest.get("language") or "zh", "naming": manifest.get("naming")}


def sweep_figures(folder, lang: str | None = None) -> dict:
    """{file stem: Figure} of a finished sweep folder's heatmaps, in ``lang`` (default the sweep's)."""
    found = _folder_heatmaps(folder)
    found["lang"] = lang or found["lang"]
    return dict(_heatmap_figures(**found))


def draw_sweep_charts(folder, lang: str | None = None, formats=("png", "svg"), out=None) -> list[Path]:
    """Redraw the heatmaps of a finished sweep folder into ``out`` (default the folder itself) from its
    manifest, results and case files, in ``lang`` (default the scenario's language); nothing runs."""
    found = _folder_heatmaps(folder)
    found["lang"] = lang or found["lang"]
    return _draw_heatmaps(Path(out) if out is not None else Path(folder), formats=formats, **found)


def _heatmap_figures(table, pair, scenarios: list[str], records: list[dict], draws: int, seed: int, lang: str,
                     naming: dict | None):
    """(stem, Figure, style module or None) of each scenario's heatmap, drawn inside the house style."""
    from portfolio.outputs.names import Names

    y, x = pair           # the first factor up the side, the second across
    multiple = len(scenarios) > 1
    for k, scenario in enumerate(scenarios):
        rows = table[table["scenario"] == scenario]
        first = records[0] if records else None
        record = next((r for r in records if r["scenario"] == scenario), first)
        summary = record["summary"]
        target = summary["targets"][0]
        stem = "heatmap" if not multiple else f"heatmap-{k + 1}-{Path(scenario).stem}"
        style, context = _house_style(lang)
        chart_lang = lang if style is not None else "en"   # without the CJK font, English labels
        with context:
            fig = heatmap(rows, x, y, target["name"], label=target.get("label"), title=summary.get("title"),
                          draws=draws, seed=seed, lang=chart_lang, names=Names(naming, chart_lang))
            if style is not None:
                fig.draw_without_rendering()     # laid out in the house style
        yield stem, fig


def _draw_heatmaps(out: Path, table, pair, scenarios: list[str], records: list[dict], draws: int, seed: int,
                   lang: str, naming: dict | None, formats) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, fig in _heatmap_figures(table, pair, scenarios, records, draws, seed, lang, naming):
        style, context = _house_style(lang)
        with context:
            for fmt in formats:
                path = out / f"{stem}.{fmt}"
                if style is not None:
                    folders.write_atomic(path, lambda tmp, fmt=fmt: style.save(fig, tmp, fmt))
                else:
                    folders.write_atomic(path, lambda tmp, fmt=fmt: fig.savefig(tmp, format=fmt, dpi=300))
                written.append(path)
    return written


def _house_style(lang: str):
    """(the style module, its context) when the house style and its font are available, else
    (None, a null context): plain matplotlib."""
    import contextlib

    try:
        from portfolio.outputs import style

        style.register_fonts()
        return style, style.house_style(lang)
    except Exception:  # noqa: BLE001 — no house style or no font: plain matplotlib
        return None, contextlib.nullcontext()


__all__ = ["Sweep", "Case", "Factor", "load_sweep", "run_sweep", "run_case", "SweepFolder", "SweepRun",
           "SweepFolderError", "CaseError", "SweepInterrupted", "sweep_folder", "heatmap", "draw_sweep_charts", "sweep_figures", "render", "case_id", "outputs"]
