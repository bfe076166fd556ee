"""Schedule-risk statistics of a run, as a schedule-risk analyst reads them: date statistics of every
project, milestone and group, the criticality and cruciality of each project with respect to each end
point (every completion target, and the finish of the whole portfolio), and S-curves.

- **Criticality index** of project j for an end point: the share of the draws in which the end point
  finishes and j lies on its critical path (the chain of binding links that drives its date, see
  ``schedules.critical_path``), with a 95% Wilson interval from the effective number of draws.
  A link binds through the date it names: through a start-to-start link the predecessor's *start*
  drives the successor, so it is critical while its duration does not matter (its cruciality is then
  near 0); through a finish-to-finish link the successor's finish is held by the predecessor's.
- **Cruciality**: Spearman's rank correlation between j's duration (finish − start) and the end point's
  finish date over the draws in which both finish (Williams 1992, "Criticality in stochastic networks",
  JORS 43(4)); blank when j's duration does not vary.
- **S-curve**: P(finished by the end of each month), cancelled draws counting as not finished.

All dates are decimal years; the ``*_date`` columns give them as YYYY-MM-DD.
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
from numba import njit

from portfolio.model.schedules import critical_path
from portfolio.uncertainty.dates import date_text, decimal_year

PORTFOLIO_FINISH = "portfolio_finish"      # the end point "every project finished"
SCHEDULE_QUANTILES = (10, 50, 80, 90)     # P80: the planner's commitment date
TIE = 1e-7                                 # years: finishes this close are tied (about 3 seconds)


def date_statistics(values: np.ndarray, key: str) -> dict:
    """Mean, sd and P10/P50/P80/P90 of dates [decimal year] under ``{key}_mean`` … ``{key}_p90``, each
    quantile also as a date in ``{key}_p{q}_date``. NaN when there are no values."""
    values = np.asarray(values, float)
    row = {f"{key}_mean": float(values.mean()) if len(values) else math.nan,
           f"{key}_sd": float(values.std(ddof=1)) if len(values) > 1 else math.nan}
    quantiles = np.percentile(values, SCHEDULE_QUANTILES) if len(values) else [math.nan] * len(SCHEDULE_QUANTILES)
    for q, value in zip(SCHEDULE_QUANTILES, quantiles):     # one partition for all four
        row[f"{key}_p{q}"] = float(value)
    for q in SCHEDULE_QUANTILES:
        row[f"{key}_p{q}_date"] = date_text(row[f"{key}_p{q}"])
    return row


def end_points(scenario) -> list[tuple[str, str | None]]:
    """(name, project/milestone/group id) of every completion target, then the portfolio's finish."""
    points = [(t.name, t.project) for t in scenario.targets if t.metric == "completion"]
    return points + [(PORTFOLIO_FINISH, None)]


def _matrices(detail: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start, finish (NaN when cancelled) and cancellation (n, J) of the valid detail draws."""
    ok = detail["valid"]
    cancelled = detail["cancelled"][ok]
    return (np.where(cancelled, np.nan, detail["start"][ok]), np.where(cancelled, np.nan, detail["cod"][ok]),
            cancelled)


def _terminal(compiled, ident: str | None, cod: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The end point's finish (n,) and the projects that set it (n, J): the project itself, or a
    group's (the portfolio's) latest-finishing members, ties included."""
    ids = [p.id for p in compiled.projects]
    terminal = np.zeros(cod.shape, bool)
    if ident is not None and ident not in compiled.groups:
        j = ids.index(ident)
        terminal[:, j] = True
        return cod[:, j], terminal
    members = compiled.groups[ident] if ident is not None else list(range(len(ids)))
    with np.errstate(invalid="ignore"):
        finish = np.full(len(cod), np.nan)
        sub = cod[:, members]
        finite = np.isfinite(sub).any(axis=1)
        finish[finite] = np.nanmax(sub[finite], axis=1)
        terminal[:, members] = np.abs(sub - finish[:, None]) <= TIE
    return finish, terminal


def criticality(compiled, detail: dict, effective_share: float = 1.0) -> pd.DataFrame:
    """One row per end point and project: criticality index with its 95% interval, and cruciality.

    Parameters
    ----------
    compiled : Compiled
    detail : dict
        The run's detail draws (``Result.data.detail``): ``start``, ``cod`` [decimal year] and ``cancelled``,
        shape (n, J), and ``valid`` (n,); the statistics are over the valid draws.
    effective_share : float
        Effective draws per draw (1, or ESS / draws after learning from actuals).
    """
    from portfolio.model.threads import thread_map
    from portfolio.runs.results import wilson_interval

    columns = ["end_point", "end_point_id", "id", "name_zh", "name_en", "kind", "criticality",
               "criticality_ci_low", "criticality_ci_high", "cruciality", "draws"]
    if not compiled.projects:
        return pd.DataFrame(columns=columns)
    start, cod, cancelled = _matrices(detail)
    deps = [list(p.predecessors) for p in compiled.projects]
    # per project, contiguous rows (J, n): the loops below read one project at a time
    duration = np.ascontiguousarray((cod - start).T)
    live = ~np.ascontiguousarray(cancelled.T)
    out, crucial = [], []          # crucial: (row, project, finish, the draws where both finish)
    finishes = []
    for name, ident in end_points(compiled.scenario):
        finish, terminal = _terminal(compiled, ident, cod)
        done = np.isfinite(finish)
        on = critical_path(start, cod, cancelled, deps, terminal, compiled.order, compiled.ledger, tol=TIE)
        hits_all = on[done].sum(axis=0)
        n_done = int(done.sum())
        finishes.append(finish)
        for j, plan in enumerate(compiled.projects):
            hits = int(hits_all[j])
            low, high = wilson_interval(hits * effective_share, n_done * effective_share)
            both = done & live[j]
            if both.sum() > 2 and np.ptp(duration[j][both]) > 1e-12:
                crucial.append((len(out), j, len(finishes) - 1, both))
            p = plan.project
            out.append({"end_point": name, "end_point_id": ident or "", "id": plan.id, "name_zh": p.name.zh,
                        "name_en": p.name.en, "kind": p.kind,
                        "criticality": hits / n_done if n_done else math.nan,
                        "criticality_ci_low": low, "criticality_ci_high": high, "cruciality": math.nan,
                        "draws": n_done})
    # the sorts and the rank walks release the GIL: spread over threads; each vector is sorted once and
    # its values kept in that order (the rank walks then read them in sequence)
    sorted_projects = sorted({j for _, j, _, _ in crucial})
    orders = dict(zip(sorted_projects, thread_map(lambda j: np.argsort(duration[j]), sorted_projects)))
    in_order = {j: duration[j][orders[j]] for j in sorted_projects}
    finish_orders = thread_map(np.argsort, finishes) if crucial else []
    finish_in_order = [f[o] for f, o in zip(finishes, finish_orders)]
    values = thread_map(lambda job: spearman_within(duration[job[1]], orders[job[1]], finishes[job[2]],
                                                    finish_orders[job[2]], job[3], x_sorted=in_order[job[1]],
                                                    y_sorted=finish_in_order[job[2]]), crucial)
    for (row, *_), value in zip(crucial, values):
        out[row]["cruciality"] = value
    return pd.DataFrame(out, columns=columns)


def spearman_within(x: np.ndarray, x_order: np.ndarray, y: np.ndarray, y_order: np.ndarray,
                    mask: np.ndarray, scratch: np.ndarray | None = None, x_sorted: np.ndarray | None = None,
                    y_sorted: np.ndarray | None = None) -> float:
    """Spearman's rank correlation of ``x`` and ``y`` over the entries where ``mask`` is True (ties
    given their average rank, as ``scipy.stats.spearmanr``), from each vector's ``argsort`` over all
    entries: the subset is ranked by walking that order, so one sort per vector serves every subset.
    NaN when either is constant on the subset. ``scratch`` (2, n) may be given to reuse memory;
    ``x_sorted`` = ``x[x_order]`` (and ``y_sorted``) when the caller keeps them for several subsets."""
    if scratch is None:
        scratch = np.empty((2, len(x)))
    x_sorted = x[x_order] if x_sorted is None else x_sorted
    y_sorted = y[y_order] if y_sorted is None else y_sorted
    return float(_spearman_within(x_sorted, x_order, mask[x_order], y_sorted, y_order, mask[y_order], mask,
                                  scratch[0], scratch[1]))


@njit(cache=True, nogil=True)
def _subset_ranks(sorted_values, order, in_subset, ranks) -> int:
    """1-based ranks within a subset written to ``ranks[order[k]]`` for each k in it, walking the values
    in sorted order (``sorted_values[k]`` = ``values[order[k]]`` and ``in_subset[k]`` = ``mask[order[k]]``:
    read in sequence); ties (equal values, adjacent) get the average of their ranks; returns the subset's
    size."""
    n = len(order)
    below = 0                              # subset entries ranked so far
    i = 0
    while i < n:
        if not in_subset[i]:
            i += 1
            continue
        v = sorted_values[i]
        j, tied = i, 0
        while j < n and sorted_values[j] == v:       # the tie group (NaN is never equal: its own group)
            if in_subset[j]:
                tied += 1
            j += 1
        if j == i:                                   # NaN in the subset: a group of one
            j, tied = i + 1, 1
        rank = below + 0.5 * (tied + 1)
        for k in range(i, j):
            if in_subset[k]:
                ranks[order[k]] = rank
        below += tied
        i = j
    return below


@njit(cache=True, nogil=True)
def _spearman_within(x_sorted, x_order, x_in, y_sorted, y_order, y_in, mask, rx, ry) -> float:
    m = _subset_ranks(x_sorted, x_order, x_in, rx)
    _subset_ranks(y_sorted, y_order, y_in, ry)
    centre = 0.5 * (m + 1)                 # the mean of 1..m, ties averaged or not: exact
    sxy = sxx = syy = 0.0
    for i in range(len(mask)):
        if mask[i]:
            a, b = rx[i] - centre, ry[i] - centre
            sxy += a * b
            sxx += a * a
            syy += b * b
    denom = np.sqrt(sxx * syy)
    return sxy / denom if denom > 0 else np.nan


def groups(compiled, detail: dict) -> pd.DataFrame:
    """One row per group: members, its planned start and finish (the first member's planned start, the
    last member's planned finish), P(cancelled), and the date statistics of its start and finish (valid
    detail draws)."""
    from portfolio.model.schedules import group_dates, planned_dates

    ok = detail["valid"]
    planned_start, planned_finish = planned_dates(compiled)
    out = []
    for g in compiled.scenario.groups:
        members = compiled.groups[g.id]
        start, finish, gone = group_dates(detail["start"][ok], detail["cod"][ok], detail["cancelled"][ok], members)
        live = ~gone
        row = {"id": g.id, "name_zh": g.name.zh, "name_en": g.name.en, "members": "; ".join(g.members),
               "planned_start": float(planned_start[members].min()),
               "planned_finish": float(planned_finish[members].max()),
               "p_cancelled": float((~live).mean()) if len(live) else math.nan}
        row["planned_start_date"], row["planned_finish_date"] = (date_text(row[k]) for k in ("planned_start",
                                                                                            "planned_finish"))
        row.update(date_statistics(start[live], "start"))
        row.update(date_statistics(finish[live], "finish"))
        out.append(row)
    return pd.DataFrame(out)


def s_curves(compiled, detail: dict) -> pd.DataFrame:
    """P(finished by the last day of each month) of every project, milestone and group, one column each,
    from the year of the earliest planned start to the end of the horizon; cancelled draws never finish.
    "By a day" counts as a completion target does: finish ≤ that date."""
    from portfolio.model.schedules import planned_dates

    ids = [p.id for p in compiled.projects] + list(compiled.groups)
    if not ids:
        return pd.DataFrame(columns=["date", "year"])
    first = int(math.floor(min(planned_dates(compiled)[0])))
    days = [dt.date(y, m % 12 + 1, 1) - dt.timedelta(days=1) if m < 12 else dt.date(y, 12, 31)
            for y in range(first, int(compiled.scenario.meta.horizon) + 1) for m in range(1, 13)]
    ends = np.array([decimal_year(d) for d in days])
    table = {"date": [d.isoformat() for d in days], "year": ends}
    _, cod, _ = _matrices(detail)
    for ident in ids:
        finish = np.sort(np.nan_to_num(_terminal(compiled, ident, cod)[0], nan=np.inf))
        table[ident] = np.searchsorted(finish, ends, side="right") / max(len(finish), 1)
    return pd.DataFrame(table)
