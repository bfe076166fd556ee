"""Goal seek: the value of one input at which the probability of a target reaches a level.

Every evaluation uses the same seed and draws (common random numbers), so the probability is a
deterministic, step-wise function of the lever. The lever is first evaluated on a grid across the
bounds — which shows whether the level is reachable and whether the response is monotone — and the root
is then refined inside the bracketing cell with Brent's method. The Monte Carlo tolerance is the
standard error of the probability at the root divided by the local slope, as a 95% half-width.

Levers: any numeric input by its path (``economy.tfp_growth``, ``projects.airport.capex``; an input
given as a distribution is shifted so that its MEDIAN is the lever value), a project's
``projects.<id>.planned_start``, and ``capex_scale`` (a factor on every project's capex).
"""
from __future__ import annotations

import copy
import dataclasses
import difflib
import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from portfolio.model.compiled import Compiled, compile_scenario
from portfolio.problems import InputError, Problem, UserError
from portfolio.runs.results import Z95
from portfolio.uncertainty.distributions import Distribution

GRID = 9


class GoalSeekError(UserError, ValueError):
    """The level cannot be reached within the bounds, or the response is not monotone."""


@dataclass(frozen=True)
class Shifted(Distribution):
    """A distribution moved by ``delta`` (same shape): ppf(u) = base.ppf(u) + delta."""

    base: Distribution
    delta: float

    def ppf(self, u):
        return self.base.ppf(u) + self.delta

    def mean(self) -> float:
        return self.base.mean() + self.delta

    def var(self) -> float:
        return self.base.var()

    def bounds(self) -> tuple[float, float]:
        lo, hi = self.base.bounds()
        return (lo + self.delta, hi + self.delta)

    def describe(self) -> str:
        return f"{self.base.describe()} {self.delta:+g}"


@dataclass
class GoalSeekResult:
    lever: str
    target: str
    probability: float            # the level asked for
    value: float | None           # the lever value found
    tolerance: float | None       # 95% Monte Carlo half-width on the value
    achieved: float | None        # P at the value found
    grid: list[tuple[float, float]]  # (lever value, P) evaluated
    draws: int
    seed: int
    current: float                # the lever's value (median) in the scenario
    current_probability: float    # P at the scenario's own value
    median: bool                  # the lever is a distribution: the value is its median
    why: list = dataclasses.field(default_factory=list)   # in words, when the gain is one of timing

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    @property
    def is_date(self) -> bool:
        """The lever is a date (a project's planned start, in decimal years)."""
        return self.lever.endswith(".planned_start")

    def show(self, value: float | None) -> str:
        """A lever value as a planner reads it: a date lever also as YYYY-MM-DD."""
        from portfolio.uncertainty.dates import date_text

        if value is None or not math.isfinite(value):
            return "–"
        return f"{value:.6g} ({date_text(value)})" if self.is_date else f"{value:.6g}"

    def show_tolerance(self) -> str:
        if self.tolerance is None or not math.isfinite(self.tolerance):
            return "–"
        return (f"{self.tolerance:.2g} years (about {self.tolerance * 365.25:.0f} days)" if self.is_date
                else f"{self.tolerance:.2g}")


def lever_value(c: Compiled, lever: str) -> float:
    """The lever's current value (median for a distribution)."""
    if lever in ("capex_scale", "portfolio.capex_scale"):
        return c.fixed["portfolio.capex_scale"]
    if lever in c.fixed:
        return c.fixed[lever]
    if lever in c.random:
        return float(c.random[lever].ppf(np.array([0.5]))[0])
    plan = _planned_start_plan(c, lever)
    if plan is not None:
        return plan.planned_start
    candidates = sorted(set(c.fixed) | set(c.random) | {"capex_scale"} |
                        {f"projects.{p.id}.planned_start" for p in c.projects})
    hint = difflib.get_close_matches(lever, candidates, n=1)
    raise InputError([Problem("--lever", None, lever, "not a numeric input of this scenario"
                              + (f" (did you mean '{hint[0]}'?)" if hint else ""))])


def with_lever(c: Compiled, lever: str, value: float) -> Compiled:
    """A copy of the compiled scenario with the lever set to ``value``."""
    out = copy.copy(c)
    out.fixed = dict(c.fixed)
    out.random = dict(c.random)
    if lever in ("capex_scale", "portfolio.capex_scale"):
        out.fixed["portfolio.capex_scale"] = value
    elif lever in c.fixed:
        out.fixed[lever] = value
    elif lever in c.random:
        base = c.random[lever]
        out.random[lever] = Shifted(base, value - float(base.ppf(np.array([0.5]))[0]))
    else:
        plan = _planned_start_plan(c, lever)
        out.projects = [dataclasses.replace(p, planned_start=value) if p is plan else p for p in c.projects]
    return out


def _planned_start_plan(c: Compiled, lever: str):
    parts = lever.split(".")
    if len(parts) == 3 and parts[0] == "projects" and parts[2] == "planned_start":
        return next((p for p in c.projects if p.id == parts[1]), None)
    return None


def default_bounds(lever: str, current: float, years: tuple[float, float] | None = None) -> tuple[float, float]:
    """±50% of the current value (capex_scale 0.25–3, a start ±3 years within the simulated ``years``),
    within the input's allowed range (an investment rate stays within 0–1)."""
    from portfolio.scenario.fields import allowed_range

    if lever in ("capex_scale", "portfolio.capex_scale"):
        return (0.25, 3.0)
    if lever.endswith(".planned_start"):
        first, last = years if years is not None else (-math.inf, math.inf)
        return (max(current - 3.0, first), min(current + 3.0, last))
    lo, hi = (-0.1, 0.1) if current == 0 else tuple(sorted((current * 0.5, current * 1.5)))
    low, high = allowed_range(lever)
    return (lo if low is None else max(lo, low), hi if high is None else min(hi, high))


def goal_seek(scenario, lever: str, probability: float, bounds: tuple[float, float] | None = None,
              target: str | None = None, draws: int | None = None, seed: int | None = None,
              sampler: str | None = None, workers: int = 1, actuals=None, ledger=None) -> GoalSeekResult:
    """Find the lever value at which P(target) = ``probability`` (see the module docstring)."""
    from portfolio.runs.results import Result
    from portfolio.runs.simulate import RunSpec, check_memory, conditioning, run_draws
    from portfolio.scenario.settings import resolve_settings

    if not 0 < probability < 1:
        raise InputError([Problem("--probability", None, "", f"expected a level in (0, 1), got {probability:g}")])
    actuals, ledger = conditioning(scenario, actuals, ledger)
    c = compile_scenario(scenario, actuals=actuals, ledger=ledger)
    goal = _target(scenario, target)
    current = lever_value(c, lever)
    lo, hi = bounds if bounds is not None else default_bounds(
        lever, current, (scenario.meta.base_year, scenario.meta.horizon + 1.0))
    if not lo < hi:
        raise InputError([Problem("--bounds", None, "", f"low {lo:g} must be below high {hi:g}")])
    settings = resolve_settings(scenario, draws, seed, sampler)
    spec = RunSpec(draws=settings.draws, seed=settings.seed, sampler=settings.sampler, workers=workers,
                   chunk_size=8192)
    check_memory(c, spec, keep_inputs=True)      # refused like `run`, before any evaluation
    cache: dict[float, float] = {}
    kept: dict[float, Result] = {}

    def p_at(x: float, keep: bool = False) -> float:
        if x not in cache or (keep and x not in kept):
            compiled = with_lever(c, lever, x)
            result = Result(compiled, spec, run_draws(compiled, spec, keep_inputs=False), 0.0, 0.0)
            met = result.target_met(goal)
            cache[x] = float(met.sum() / max(result.valid.sum(), 1))
            if keep:
                kept[x] = result
        return cache[x]

    xs = np.linspace(lo, hi, GRID)
    ps = np.array([p_at(float(x)) for x in xs])
    grid = [(float(x), float(p)) for x, p in zip(xs, ps)]
    noise = max(3.0 / spec.draws, 0.005)
    rising = ps[-1] >= ps[0]
    steps = np.diff(ps) if rising else -np.diff(ps)
    if np.any(steps < -noise):
        raise GoalSeekError(f"P({goal.name}) is not monotone in {lever} over [{lo:g}, {hi:g}]: "
                            + ", ".join(f"{x:.6g}→{p:.1%}" for x, p in grid)
                            + "; narrow --bounds to a monotone range")
    if not min(ps) <= probability <= max(ps):
        raise GoalSeekError(f"P({goal.name}) = {probability:.1%} is out of reach for {lever} in "
                            f"[{lo:g}, {hi:g}]: it ranges from {ps.min():.1%} to {ps.max():.1%}")
    f = lambda x: p_at(float(x)) - probability  # noqa: E731
    i = next(k for k in range(GRID - 1) if (f(xs[k]) <= 0 <= f(xs[k + 1])) or (f(xs[k]) >= 0 >= f(xs[k + 1])))
    a, b = float(xs[i]), float(xs[i + 1])
    if f(a) == 0:
        root = a
    elif f(b) == 0:
        root = b
    else:
        root = optimize.brentq(f, a, b, xtol=(hi - lo) * 1e-5, maxiter=60)
    xtol = (hi - lo) * 1e-5
    if not c.random:  # nothing uncertain: no Monte Carlo error, only the root finder's
        tolerance = xtol
    else:
        slope = abs(ps[i + 1] - ps[i]) / (xs[i + 1] - xs[i])
        se = math.sqrt(probability * (1 - probability) / spec.draws)
        tolerance = max(Z95 * se / slope if slope > 0 else math.inf, xtol)
    achieved = p_at(root, keep=True)
    found = GoalSeekResult(lever, goal.name, probability, float(root), float(tolerance), achieved, grid,
                           spec.draws, spec.seed, current, p_at(current, keep=True), lever in c.random)
    found.why = _why(kept[current], kept[root], found)
    return found


def _why(at_current, at_root, found: GoalSeekResult) -> list[str]:
    """The comparison's explanation of the move from the scenario's value to the value found (paired
    draws): which source of growth carries it, and whether it is a shift in timing — more spending that
    raises the plan window's growth and costs the decade after, say."""
    from portfolio.analysis.compare import Comparison

    if found.value == found.current or at_current.growth_window() == at_current.long_window():
        return []
    name = f"{found.lever} = {found.show(found.value)}"
    return Comparison([at_current, at_root], ["scenario", name]).explanations("en")


def _target(scenario, name: str | None):
    if name is None:
        return scenario.targets[0]
    for t in scenario.targets:
        if t.name == name:
            return t
    known = ", ".join(t.name for t in scenario.targets)
    raise InputError([Problem("--target", None, name, f"unknown target (known: {known})")])
