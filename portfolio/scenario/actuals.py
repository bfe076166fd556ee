"""Observed growth (actuals): read them and condition every draw on them.

An actuals file (CSV or XLSX) has a ``year`` column and either ``growth`` (real growth, a fraction or
a percentage like ``5.2%``) or ``gdp`` (real GDP at constant prices). GDP levels are turned into growth
rates (a base-year row, if present, gives the first rate; otherwise the scenario's base-year GDP does)
and the path is always anchored on the scenario's base-year GDP: levels from different statistical
vintages are not comparable, growth rates are. Years must be consecutive from the first simulated year. In every draw those years take the observed growth and the
simulation continues from the last observed level with its own simulated growth rates after it
(the simulated path is re-based on the observed level). Contributions to growth are not defined for
observed years (NaN).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from portfolio.problems import InputError, Problem
from portfolio.scenario.register import check_columns, read_table
from portfolio.uncertainty.units import UnitError, parse_quantity


@dataclass(frozen=True)
class Actuals:
    """Observed real growth by year, for the first simulated years."""

    years: tuple[int, ...]
    growth: tuple[float, ...]
    source: str = ""
    path: str | None = None

    @property
    def last_year(self) -> int:
        return self.years[-1]


def load_actuals(path: str | Path, base_year: int, horizon: int, base_gdp: float) -> Actuals:
    """Read and check an actuals file against the scenario's years; InputError with file:row."""
    path = Path(path)
    from portfolio.scenario.loading import label_for

    label = label_for(path)
    header, rows = read_table(path, label)
    problems = check_columns(header, {"year", "growth", "gdp", "note", "source"}, {"year"}, label)
    if not problems and not ({"growth", "gdp"} & set(header)):
        problems.append(Problem(label, 1, "", "needs a 'growth' or a 'gdp' column"))
    if {"growth", "gdp"} <= set(header):
        problems.append(Problem(label, 1, "", "give either 'growth' or 'gdp', not both"))
    if problems:
        raise InputError(problems)
    by_year: dict[int, tuple[int, float]] = {}
    kind = "growth" if "growth" in header else "gdp"
    for line, row in rows:
        try:
            number = float(row.get("year"))
            if not number.is_integer():
                raise ValueError
            year = int(number)
        except (TypeError, ValueError):
            problems.append(Problem(label, line, "year", f"expected a whole year, got {row.get('year')!r}"))
            continue
        if year in by_year:
            problems.append(Problem(label, line, "year", f"{year} appears twice"))
            continue
        if kind not in row:
            problems.append(Problem(label, line, kind, "missing value"))
            continue
        try:
            value = parse_quantity(row[kind], "fraction" if kind == "growth" else "money")
        except UnitError as exc:
            problems.append(Problem(label, line, kind, str(exc)))
            continue
        if kind == "gdp" and value <= 0:
            problems.append(Problem(label, line, kind, f"GDP must be > 0, got {value:g}"))
            continue
        if kind == "growth" and value <= -1:
            problems.append(Problem(label, line, kind, f"growth must be > -100%, got {value:g}"))
            continue
        by_year[year] = (line, value)
    if problems:
        raise InputError(problems)
    years = sorted(y for y in by_year if y != base_year or kind == "growth")
    if kind == "growth" and base_year in by_year:
        problems.append(Problem(label, by_year[base_year][0], "year",
                                f"{base_year} is the base year; growth rows start at {base_year + 1}"))
    for year in years:
        if not base_year < year <= horizon:
            problems.append(Problem(label, by_year[year][0], "year",
                                    f"{year} is outside the simulated years {base_year + 1}–{horizon}"))
    expected = list(range(base_year + 1, base_year + 1 + len(years)))
    if not problems and years != expected:
        missing = sorted(set(expected) - set(years))
        line = by_year[years[-1]][0] if years else 1
        problems.append(Problem(label, line, "year", "years must be consecutive from "
                                f"{base_year + 1} (missing {', '.join(map(str, missing))})"))
    if not years and not problems:
        problems.append(Problem(label, None, "", "no observed years"))
    if problems:
        raise InputError(problems)
    if kind == "growth":
        growth = [by_year[y][1] for y in years]
    else:
        level = by_year[base_year][1] if base_year in by_year else base_gdp
        growth = []
        for y in years:
            growth.append(by_year[y][1] / level - 1.0)
            level = by_year[y][1]
    return Actuals(tuple(years), tuple(growth), label, str(path))


def apply_actuals(actuals: Actuals, years: np.ndarray, gdp: np.ndarray, growth: np.ndarray,
                  contributions: dict) -> None:
    """Condition draws in place: observed growth in observed years, the simulated path re-based after.

    ``years`` is base year … horizon; ``gdp`` (n, T+1) and ``growth`` (n, T) are modified in place.
    """
    k = len(actuals.years)
    observed = np.asarray(actuals.growth)
    level = gdp[:, 0] * np.cumprod(1.0 + observed)[-1]          # observed GDP at the last actual year
    with np.errstate(all="ignore"):
        rebase = level / gdp[:, k]
    gdp[:, 1:k + 1] = gdp[:, [0]] * np.cumprod(1.0 + observed)[None, :]
    gdp[:, k + 1:] *= rebase[:, None]
    growth[:, :k] = observed[None, :]
    for values in contributions.values():
        values[:, :k] = np.nan


def required_remaining_growth(actuals: Actuals | None, window: tuple[int, int], threshold: float) -> float | None:
    """Average growth the rest of ``window`` needs for the window's average to reach ``threshold``.

    (1 + g_req)^m = (1 + threshold)^n / Π(1 + g_observed) over the m unobserved years; None when the
    whole window is observed.
    """
    first, last = window
    n = last - first + 1
    observed = [g for y, g in zip(actuals.years, actuals.growth) if first <= y <= last] if actuals else []
    m = n - len(observed)
    if m == 0:
        return None
    done = float(np.prod([1.0 + g for g in observed])) if observed else 1.0
    return ((1.0 + threshold) ** n / done) ** (1.0 / m) - 1.0
