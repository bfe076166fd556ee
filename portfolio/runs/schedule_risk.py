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
    for q in SCHEDULE_QUANTILES:
        row[f"{key}_p{q}"] = float(np.percentile(values, q)) if len(values) else math.nan
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
    duration_ranks: dict[int, _Ranker] = {}            # sorted once per project, when first needed
    out = []
    for name, ident in end_points(compiled.scenario):
        finish, terminal = _terminal(compiled, ident, cod)
        done = np.isfinite(finish)
        on = critical_path(start, cod, cancelled, deps, terminal, compiled.order, compiled.ledger, tol=TIE)
        hits_all = on[done].sum(axis=0)
        n_done = int(done.sum())
        finish_ranks = _Ranker(finish)
        for j, plan in enumerate(compiled.projects):
            hits = int(hits_all[j])
            low, high = wilson_interval(hits * effective_share, n_done * effective_share)
            both = done & live[j]
            crucial = math.nan
            if both.sum() > 2 and np.ptp(duration[j][both]) > 1e-12:
                if j not in duration_ranks:
                    duration_ranks[j] = _Ranker(duration[j])
                crucial = _pearson(duration_ranks[j].within(both), finish_ranks.within(both))
            p = plan.project
            out.append({"end_point": name, "end_point_id": ident or "", "id": plan.id, "name_zh": p.name.zh,
                        "name_en": p.name.en, "kind": p.kind,
                        "criticality": hits / n_done if n_done else math.nan,
                        "criticality_ci_low": low, "criticality_ci_high": high, "cruciality": crucial,
                        "draws": n_done})
    return pd.DataFrame(out, columns=columns)


def average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks of ``x``, ties given their average rank (``scipy.stats.rankdata``'s default,
    without importing scipy.stats, which costs about 0.7 s)."""
    order = np.argsort(x, kind="mergesort")
    ordered = x[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    dense = np.cumsum(first)                       # 1-based tie group of each sorted entry
    bounds = np.r_[np.flatnonzero(first), len(x)]  # each group's start, and the end
    ranks = np.empty(len(x))
    ranks[order] = 0.5 * (bounds[dense] + bounds[dense - 1] + 1)
    return ranks


class _Ranker:
    """Ranks of one vector within any subset of its entries, from one sort: in sorted order the rank of
    an entry within a subset is the count of subset entries up to it (ties get their average rank, as
    Spearman's coefficient needs)."""

    def __init__(self, values: np.ndarray):
        self.values = values
        self.order = np.argsort(values)
        ordered = values[self.order]
        self.tied = bool(np.any(ordered[1:] == ordered[:-1]))

    def within(self, mask: np.ndarray) -> np.ndarray:
        if self.tied:
            return average_ranks(self.values[mask])
        picked = mask[self.order]
        ranks = np.empty(len(self.values))
        ranks[self.order[picked]] = np.arange(1, int(picked.sum()) + 1)
        return ranks[mask]


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's correlation (of two rank vectors: Spearman's); NaN when either is constant."""
    x, y = x - x.mean(), y - y.mean()
    denom = math.sqrt(float(x @ x) * float(y @ y))
    return float(x @ y / denom) if denom > 0 else math.nan


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
