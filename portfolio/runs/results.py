"""A run's results: the summary a planner reads and the tables an analyst charts (pandas).

Probabilities are over valid draws (draws whose GDP stayed finite and positive); invalid draws are
counted in ``invalid_draws`` and never silently dropped. Intervals are Wilson score intervals (95%)
from the number of valid draws.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from portfolio import __version__
from portfolio.model.compiled import Compiled
from portfolio.model.engine import CONTRIBUTIONS
from portfolio.outputs.folders import indexed as _indexed
from portfolio.outputs.rundata import critical_rows
from portfolio.runs import schedule_risk
from portfolio.runs.schedule_risk import SCHEDULE_QUANTILES

QUANTILES = (5, 10, 25, 50, 75, 90, 95)
#: the per-draw energy detail (draws × technologies × years) → its name in energy.csv and ``to_xarray``
ENERGY_METRICS = {"capacity_by_tech": "capacity_mw", "generation_by_tech": "generation_gwh",
                  "value_added_by_tech": "value_added_yi", "co2_by_tech": "co2_avoided_mt",
                  "losses_by_tech": "storage_losses_gwh"}
LATE_YEARS = 0.5  # a project counts as late when its COD slips more than this (or it is cancelled)


Z95 = 1.959963984540054     # the two-sided 95% normal quantile, for every interval of a run and its analyses


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval for a binomial proportion."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def draw_quantiles(values: np.ndarray, qs) -> np.ndarray:
    """Percentiles ``qs`` over the draws (axis 0) of a per-draw array (n, ...) → (len(qs), ...), as
    ``np.percentile(values, qs, axis=0)`` but with the draws made the contiguous last axis first (about
    twice as fast on (draws × projects × years) arrays)."""
    values = np.asarray(values)
    rest = values.shape[1:]
    flat = np.ascontiguousarray(values.reshape(len(values), -1).T)   # float32 stays float32: the same
    k = len(np.atleast_1d(qs))
    if len(values) == 0:
        return np.percentile(flat, qs, axis=1).reshape((k,) + rest)
    # columns with one value in every draw (an energy metric before its plant exists) need no partition:
    # every percentile of a constant is that constant, exactly as np.percentile gives it
    low, high = flat.min(axis=1), flat.max(axis=1)
    varies = ~(low == high)                          # NaN columns go through np.percentile as before
    out = np.empty((k, len(flat)))
    out[:, ~varies] = low[~varies]
    if varies.any():        # flat[varies] is a copy: partitioning it never touches the caller's array
        out[:, varies] = _row_percentiles(flat[varies], qs)
    return out.reshape((k,) + rest)


#: elements of a (columns × draws) array above which its columns are partitioned in several threads
THREADED_QUANTILES = 4_000_000


def _row_percentiles(rows: np.ndarray, qs) -> np.ndarray:
    """``np.percentile(rows, qs, axis=1)``, partitioning ``rows`` (which it may reorder) in place; large
    arrays in slices of rows on ``threads.spare_threads()`` threads (NumPy's partition releases the
    GIL: 100,000 draws × 400 columns took 0.74 s in one thread, 0.37 s in two). Each row's
    percentiles are computed alone, so the result does not depend on the slicing."""
    from portfolio.model.threads import spare_threads, thread_map

    threads = spare_threads() if rows.size >= THREADED_QUANTILES else 1
    if threads <= 1 or len(rows) < 2:
        return np.percentile(rows, qs, axis=1, overwrite_input=True)
    edges = np.linspace(0, len(rows), min(threads, len(rows)) + 1).astype(int)
    parts = thread_map(lambda ab: np.percentile(rows[ab[0]:ab[1]], qs, axis=1, overwrite_input=True),
                       zip(edges[:-1], edges[1:]), threads)
    return np.concatenate(parts, axis=-1)


def first_growth_target(scenario):
    """The first average-growth target, else the first min-growth target, else None."""
    for metric in ("average_growth", "min_growth"):
        for t in scenario.targets:
            if t.metric == metric:
                return t
    return None


def long_window_of(scenario) -> tuple[tuple[int, int], tuple[int, int]]:
    """The plan window (the first growth target's window, else the first five simulated years) and the
    window twice as long from the same first year, as far as the horizon goes."""
    target = first_growth_target(scenario)
    base, horizon = scenario.meta.base_year, scenario.meta.horizon
    first, last = target.window if target is not None else (base + 1, min(base + 5, horizon))
    return (first, last), (first, min(first + 2 * (last - first + 1) - 1, horizon))


class Result:
    """Outcome of ``simulate``: per-draw outcomes plus the tables and summary derived from them."""

    def __init__(self, compiled: Compiled, spec, collected, started_at: float, finished_at: float,
                 draws_file: Path | None = None):
        self.compiled = compiled
        self.scenario = compiled.scenario
        self.spec = spec
        self.data = collected
        self.started_at, self.finished_at = started_at, finished_at
        self.draws_file = draws_file
        self.folder: Path | None = None      # the run folder, once written
        self.warnings: list[str] = []         # what could not be written (charts), with the reason
        self._summary = None
        self._criticality = None              # schedule_risk.criticality, computed once
        self._critical_projects = None        # critical_projects, computed once (summary and projects)
        self.executor = {"kind": "local", "workers": spec.workers}   # where the draws ran (the manifest)
        self.run_started_at: float | None = None   # when runner.run began (loading included), if it ran it

    def __repr__(self) -> str:
        from portfolio.outputs.textsummary import format_headline

        return format_headline(self.summary(), self._span(), self.folder)

    def _repr_html_(self) -> str:
        from portfolio.outputs.textsummary import headline_html

        return headline_html(self.summary(), self._span(), self.folder)

    def _span(self) -> tuple[int, int]:
        return int(self.years_index[0]), int(self.years_index[-1])

    # ----------------------------------------------------------------------------- basics
    @property
    def years_index(self) -> np.ndarray:
        return self.compiled.years

    @property
    def valid(self) -> np.ndarray:
        return self.data.valid

    def target_outcome(self, name: str) -> np.ndarray:
        return self.data.targets[name]

    def target_met(self, target) -> np.ndarray:
        """Boolean per draw: the target is met (invalid draws count as not met)."""
        values = self.data.targets[target.name]
        with np.errstate(invalid="ignore"):
            return (values >= target.threshold) & self.data.valid

    def first_growth_target(self):
        return first_growth_target(self.scenario)

    def growth_window(self) -> tuple[int, int]:
        return long_window_of(self.scenario)[0]

    def long_window(self) -> tuple[int, int]:
        """A window twice as long as the plan's, from the same first year (as far as the horizon goes):
        where "a delay helps the plan window but costs the decade" shows."""
        return long_window_of(self.scenario)[1]

    def average_growth(self, window: tuple[int, int] | None = None) -> np.ndarray:
        """Geometric average real growth over a window, per draw."""
        first, last = window or self.growth_window()
        y0 = self.years_index[0]
        with np.errstate(all="ignore"):
            return (self.data.gdp[:, last - y0] / self.data.gdp[:, first - 1 - y0]) ** (1 / (last - first + 1)) - 1

    # ----------------------------------------------------------------------------- summary
    def summary(self) -> dict:
        """The run's key figures (what ``summary.json`` holds)."""
        if self._summary is None:
            self._summary = self._make_summary()
        return self._summary

    def _make_summary(self) -> dict:
        s = self.scenario
        valid = self.data.valid
        n_valid = int(valid.sum())
        from portfolio.scenario.actuals import required_remaining_growth

        targets = []
        actuals = self.compiled.actuals
        for t in s.targets:
            met = int(self.target_met(t).sum())
            outcome = self.data.targets[t.name][valid]
            if t.metric == "completion":          # cancelled draws never finish: no slack to rank
                outcome = outcome[np.isfinite(outcome)]
            entry = {
                "name": t.name, "label": t.label.model_dump() if t.label else None, "metric": t.metric,
                "window": list(t.years), "threshold": t.threshold,
                "probability": met / n_valid if n_valid else math.nan,
                "ci95": list(wilson_interval(met * self.effective_share, n_valid * self.effective_share)),
                "outcome": _quantiles(outcome),
                "shortfall": _shortfall(outcome, t.threshold),
            }
            if t.metric == "completion":
                entry.update(self._finish(t, outcome))
            if t.metric == "average_growth":
                entry["required_average_growth_remaining"] = required_remaining_growth(actuals, t.window,
                                                                                       t.threshold)
            targets.append(entry)
        window = self.growth_window()
        avg = self.average_growth(window)[valid]
        headline = [t for t in s.targets if t.metric != "completion"] or s.targets   # a date is not a GDP year
        last_year = min(max(t.years[1] for t in headline), s.meta.horizon)
        gdp_last = self.data.gdp[valid, last_year - self.years_index[0]]
        summary = {
            "format_version": 1,
            "package_version": __version__,
            "scenario": s.meta.name,
            "title": s.meta.title.model_dump(),
            "draws": self.spec.draws, "seed": self.spec.seed, "sampler": self.spec.sampler,
            "targets": targets,
            "average_growth": {"window": list(window), "mean": _mean(avg), **_quantiles(avg, (5, 10, 50, 90, 95))},
            "gdp": {"year": last_year, "unit": "亿元", "mean": _mean(gdp_last), **_quantiles(gdp_last, (10, 50, 90))},
            "long_window": self._long_window_summary(),
            "contributions": self._window_contributions(window),
            "economy": self._economy_summary(window),
            "energy": self._energy_summary(),
            "critical_projects": self.critical_projects()[:5],
            "actuals": None if actuals is None else {
                "source": actuals.source, "years": list(actuals.years), "growth": list(actuals.growth),
                "learning": self.data.learning},
            "ledger": self.ledger_report(),
            "invalid_draws": int((~valid).sum()),
            "timing": {"wall_seconds": round(self.data.wall_seconds, 3),
                       "draws_per_second": round(self.spec.draws / max(self.data.wall_seconds, 1e-9))},
        }
        return summary

    def _block_total(self, key: str) -> np.ndarray:
        total = None
        for block in self.data.block_sums:  # in draw order: the same sum for any chunking
            total = block[key] if total is None else total + block[key]
        return total

    def mean_contributions(self) -> dict[str, np.ndarray]:
        """Mean contribution of each source to growth in each simulated year (fractions)."""
        total = self.mean_path("contributions")
        return {k: total[i] for i, k in enumerate(CONTRIBUTIONS)}

    @property
    def effective_share(self) -> float:
        """Effective draws per draw: 1, or after learning from actuals ESS / draws (the resample repeats
        draws, so intervals are computed from the effective number, not the count)."""
        learning = self.data.learning
        return min(1.0, learning["effective_draws"] / self.spec.draws) if learning else 1.0

    def _finish(self, target, slack: np.ndarray) -> dict:
        """A completion target's finish dates: P10/P50/P80/P90 of the finish (when it is not
        cancelled), as decimal years and dates, and the share of draws in which it is cancelled."""
        from portfolio.uncertainty.dates import date_text

        finish = target.by - slack
        valid = self.data.targets[target.name][self.data.valid]
        quantiles = _quantiles(finish, SCHEDULE_QUANTILES)
        table = critical_rows(self.criticality(), target.name, target.project)
        table = table[table.criticality_ci_low > 0]
        critical = [{"id": r.id, "criticality": float(r.criticality),
                     "ci95": [float(r.criticality_ci_low), float(r.criticality_ci_high)],
                     "cruciality": None if math.isnan(r.cruciality) else float(r.cruciality)}
                    for r in table.itertuples()]
        return {"project": target.project, "by": target.by, "by_date": date_text(target.by),
                "critical_path": critical,
                "finish": quantiles, "finish_dates": {k: date_text(v) for k, v in quantiles.items()},
                "p_cancelled": float(np.isnan(valid).mean()) if len(valid) else math.nan}

    def _long_window_summary(self) -> dict | None:
        window = self.long_window()
        if window == self.growth_window():
            return None
        valid = self.data.valid
        avg = self.average_growth(window)[valid]
        gdp = self.data.gdp[valid, window[1] - self.years_index[0]]
        return {"window": list(window),
                "average_growth": {"mean": _mean(avg), **_quantiles(avg, (5, 10, 50, 90, 95))},
                "gdp": {"year": window[1], "unit": "亿元", "mean": _mean(gdp), **_quantiles(gdp, (10, 50, 90))}}

    def mean_path(self, key: str) -> np.ndarray:
        """Mean over the valid draws of a per-year path (``simulate.BLOCK_PATHS``), base year first."""
        n_valid = max(sum(b["valid"] for b in self.data.block_sums), 1)
        return self._block_total(key) / n_valid

    def _economy_summary(self, window) -> dict:
        """K/Y, the total investment rate and the portfolio's ICOR over the growth window (means)."""
        first, last = (y - int(self.years_index[0]) for y in window)
        before = first - 1                                    # the year the window grows from
        ky, rate = self.mean_path("ky"), self.mean_path("investment_rate")
        capex, overlay = self.mean_path("capex_spent"), self.mean_path("overlay")
        added = float(overlay[last] - overlay[before])
        spent = float(capex[first:last + 1].sum())
        integrated = self.scenario.economy.mode == "integrated"
        icor = spent / added if not integrated and added > 0 else math.nan
        regime = self.scenario.uncertainty.contraction
        return {
            "window": list(window),
            "contraction_share": (float(self.mean_path("contraction")[first:last + 1].mean())
                                  if regime is not None else None),
            "capital_output_ratio": {"from": float(ky[before]), "to": float(ky[last]),
                                     "unit": "years of output (the economy outside the portfolio)"},
            "investment_rate_total": {"mean": float(rate[first:last + 1].mean()),
                                      "unit": "share of GDP, the portfolio's capital formation included"},
            "portfolio_icor": {
                "value": icor, "capex": spent, "gdp_added": added,
                "unit": "亿元 of capex spent in the window per 亿元 of GDP the portfolio adds over it",
                "note": ("not defined in integrated mode (the portfolio acts through capital)" if integrated
                         else None if added > 0 else "the portfolio adds no GDP over the window"),
            },
        }

    def _window_contributions(self, window) -> dict:
        first, last = window
        idx = slice(first - self.years_index[1], last - self.years_index[1] + 1)
        means = self.mean_contributions()
        modelled = [int(y) for y, ok in zip(self.years_index[1:][idx], ~np.isnan(means["tfp"][idx])) if ok]
        with np.errstate(all="ignore"):
            values = {k: float(np.nanmean(v[idx]) * 100) if modelled else math.nan for k, v in means.items()}
        return {"window": list(window), "unit": "percentage points of growth per year (mean)",
                "modelled_years": modelled, **values}

    def _energy_summary(self) -> dict | None:
        detail = self.data.detail
        techs = list(self.scenario.energy.technologies)
        if not techs or "capacity_by_tech" not in detail:
            return None
        target = next((t for t in self.scenario.targets if t.metric == "energy_capacity"), None)
        year = target.years[1] if target else self.scenario.meta.horizon
        chosen = (target.technologies if target and target.technologies else
                  [k for k, t in self.scenario.energy.technologies.items() if t.kind == "generation"])
        idx = [techs.index(k) for k in chosen]
        cap = detail["capacity_by_tech"][:, idx, year - self.years_index[0]].sum(axis=1).astype(float)
        return {"year": year, "unit": "MW", "technologies": list(chosen),
                "target_mw": target.threshold if target else None, "mean": _mean(cap),
                **_quantiles(cap, (10, 50, 90))}

    def ledger_report(self) -> dict | None:
        """Projects in the ledger: status, start slip and expected COD slip against the plan, and
        (when simulate() ran the comparison) how the ledger moved each target's probability."""
        ledger = self.compiled.ledger
        if not ledger:
            return None
        from portfolio.model.schedules import planned_dates

        detail = self.data.detail
        rows = []
        planned = planned_dates(self.compiled)
        for j, entry in sorted(ledger.items()):
            plan = self.compiled.projects[j]
            planned_cod = float(planned[1][j])
            live = ~detail["cancelled"][:, j]
            cod = detail["cod"][live, j]
            start = detail["start"][live, j]
            rows.append({
                "id": plan.id, "status": entry.status, "report_date": entry.report_date,
                "planned_start": float(planned[0][j]), "planned_cod": planned_cod,
                "start_slip_years": float(np.median(start) - planned[0][j]) if len(start) else None,
                "cod_p50": float(np.median(cod)) if len(cod) else None,
                "cod_slip_years_p50": float(np.median(cod) - planned_cod) if len(cod) else None,
                "cod_p10": float(np.percentile(cod, 10)) if len(cod) else None,
                "cod_p90": float(np.percentile(cod, 90)) if len(cod) else None,
                "actual_start": entry.actual_start, "share_complete": entry.share_complete,
                "actual_cod": entry.actual_cod,
            })
        rows.sort(key=lambda r: -(r["cod_slip_years_p50"] or 0))
        report = {"projects": rows}
        if getattr(self, "without_ledger", None) is not None:
            report["probability_without_ledger"] = {t["name"]: t["probability"]
                                                    for t in self.without_ledger["targets"]}
        return report

    def critical_projects(self) -> list[dict]:
        """Projects ranked by how much more often the first growth target is missed when they are
        late (COD more than LATE_YEARS after plan) or cancelled, from the detail draws, with a 95%
        interval of that difference (two proportions, normal approximation); ``decisive`` when the
        interval excludes zero — only those are named as deciding a miss."""
        if self._critical_projects is None:
            self._critical_projects = self._rank_critical_projects()
        return [dict(row) for row in self._critical_projects]

    def _rank_critical_projects(self) -> list[dict]:
        target = self.first_growth_target()
        detail = self.data.detail
        if target is None or "cod" not in detail or not self.compiled.projects:
            return []
        m = len(detail["cod"])
        missed = ~self.target_met(target)[:m]
        from portfolio.model.schedules import planned_dates

        rows = []
        planned_cod = planned_dates(self.compiled)[1]
        for j, plan in enumerate(self.compiled.projects):
            late = detail["cancelled"][:, j] | (detail["cod"][:, j] > planned_cod[j] + LATE_YEARS)
            share = late.mean()
            if share < 0.01 or share > 0.99:
                continue
            p1, p0 = missed[late].mean(), missed[~late].mean()
            delta = p1 - p0
            effective = self.effective_share             # resampled draws repeat: count effective ones
            se = math.sqrt(p1 * (1 - p1) / (late.sum() * effective) + p0 * (1 - p0) / ((~late).sum() * effective))
            low, high = delta - Z95 * se, delta + Z95 * se
            rows.append({"id": plan.id, "name": plan.project.name.model_dump(), "late_share": float(share),
                         "miss_if_late": float(p1), "miss_if_on_time": float(p0), "miss_increase": float(delta),
                         "ci95": [float(low), float(high)], "decisive": bool(low > 0)})
        rows.sort(key=lambda r: -r["miss_increase"])
        return rows

    # ----------------------------------------------------------------------------- tables
    def years(self, indexed: bool = True) -> pd.DataFrame:
        """One row per year, indexed by ``year``: GDP and growth quantiles, mean contributions, capex spent
        (``indexed=False``: ``year`` an ordinary column, as years.csv holds it)."""
        ys = self.years_index
        valid = self.data.valid
        gdp = self.data.gdp[valid]
        growth = self.data.growth[valid]
        table = pd.DataFrame({"year": ys})
        for q, values in zip(QUANTILES, draw_quantiles(gdp, QUANTILES) if len(gdp) else
                             [np.full(len(ys), np.nan)] * len(QUANTILES)):
            table[f"gdp_p{q}"] = values
        table["gdp_mean"] = gdp.mean(axis=0) if len(gdp) else np.nan
        gq = draw_quantiles(growth, QUANTILES) if len(growth) else np.full((len(QUANTILES), len(ys) - 1), np.nan)
        for q, values in zip(QUANTILES, gq):
            table[f"growth_p{q}"] = np.concatenate([[np.nan], values])
        table["growth_mean"] = np.concatenate([[np.nan], growth.mean(axis=0) if len(growth) else
                                               np.full(len(ys) - 1, np.nan)])
        for k, values in self.mean_contributions().items():
            table[f"contribution_{k}"] = np.concatenate([[np.nan], values])
        table["capex_spent_mean"] = self.mean_path("capex_spent")
        if "capex_spent" in self.data.detail:
            spent = self.data.detail["capex_spent"][self.data.detail["valid"]]
            quantiles = draw_quantiles(spent, (10, 90)) if len(spent) else [np.nan, np.nan]
            for q, values in zip((10, 90), quantiles):
                table[f"capex_spent_p{q}"] = values
        self._add_detail_columns(table)
        table["capital_output_ratio_mean"] = self.mean_path("ky")
        table["investment_rate_total_mean"] = self.mean_path("investment_rate")
        table["portfolio_gdp_mean"] = self.mean_path("overlay")
        if self.scenario.uncertainty.contraction is not None:
            table["contraction_share"] = self.mean_path("contraction")      # P(in a contraction that year)
        return _indexed(table, "years") if indexed else table

    def _add_detail_columns(self, table: pd.DataFrame) -> None:
        """Per-year statistics of totals that need the per-draw detail (quantiles of a sum are not sums
        of quantiles): cumulative capex (the S-curve), and energy capacity and generation summed over
        technologies. Capacity counts the technologies of the energy target (else all generation
        technologies), as ``summary.json``'s ``energy`` block; generation sums all technologies."""
        detail = self.data.detail
        if "valid" not in detail:
            return
        ok = detail["valid"]
        stats = (("mean", None), ("p10", 10), ("p50", 50), ("p90", 90))

        def put(prefix: str, values: np.ndarray) -> None:
            quantiles = draw_quantiles(values, [q for _, q in stats[1:]]) if len(values) else None
            for i, (name, q) in enumerate(stats):
                if len(values) == 0:
                    table[f"{prefix}_{name}"] = np.nan
                elif q is None:
                    table[f"{prefix}_{name}"] = values.mean(axis=0)
                else:
                    table[f"{prefix}_{name}"] = quantiles[i - 1]

        if "capex_spent" in detail:
            put("capex_cumulative", np.cumsum(detail["capex_spent"][ok].astype(float), axis=1))
        techs = list(self.scenario.energy.technologies)
        if techs and "capacity_by_tech" in detail:
            energy = self._energy_summary()
            idx = [techs.index(k) for k in energy["technologies"]] if energy else []
            cap = detail["capacity_by_tech"][ok][:, idx, :].astype(float).sum(axis=1)
            put("energy_capacity_mw", cap)
            gen = detail["generation_by_tech"][ok].astype(float).sum(axis=1)
            put("energy_generation_gwh", gen)

    def projects(self, indexed: bool = True) -> pd.DataFrame:
        """One row per project, indexed by its ``id``: planned dates, start and COD mean, sd and
        P10/P50/P80/P90 (decimal years, and as dates in the ``*_date`` columns), P(operating) by year,
        capex (``indexed=False``: ``id`` an ordinary column, as projects.csv holds it)."""
        from portfolio.model.schedules import planned_dates
        from portfolio.uncertainty.dates import date_text

        detail = self.data.detail
        rows = []
        critical = {r["id"]: r["miss_increase"] for r in self.critical_projects()}
        planned_start, planned_cod = planned_dates(self.compiled)
        if self.compiled.projects:                       # one pass over the draws for every project
            spent_q = draw_quantiles(detail["spent"], (10, 50, 90))
            spent_mean = detail["spent"].mean(axis=0)
            operating = detail["operating"].mean(axis=0)
        for j, plan in enumerate(self.compiled.projects):
            p = plan.project
            live = ~detail["cancelled"][:, j]
            row = {"id": p.id, "name_zh": p.name.zh, "name_en": p.name.en, "kind": p.kind,
                   "technology": p.technology or "", "planned_start": float(planned_start[j]),
                   "planned_cod": float(planned_cod[j]), "p_cancelled": float((~live).mean())}
            for key in ("start", "cod"):
                row.update(schedule_risk.date_statistics(detail[key][live, j], key))
            if p.not_after is not None:
                row["not_after"] = p.not_after
                row["p_by_not_after"] = float((live & (detail["cod"][:, j] <= p.not_after)).mean())
            for i, q in enumerate((10, 50, 90)):
                row[f"capex_spent_p{q}"] = float(spent_q[i, j])
            row["capex_spent_mean"] = float(spent_mean[j])
            for t, year in enumerate(self.years_index):
                row[f"p_operating_{year}"] = float(operating[j, t])
            row["miss_increase_if_late"] = critical.get(p.id, math.nan)
            for key in ("planned_start", "planned_cod"):
                row[f"{key}_date"] = date_text(row[key])
            rows.append(row)
        table = pd.DataFrame(rows)
        return _indexed(table, "projects") if indexed else table

    def criticality(self) -> pd.DataFrame:
        """Criticality index (with its 95% interval) and cruciality of every project for every end point:
        each completion target and the portfolio's finish (``schedule_risk.criticality``)."""
        if self._criticality is None:
            self._criticality = schedule_risk.criticality(self.compiled, self.data.detail, self.effective_share)
        return self._criticality.copy()

    def s_curves(self) -> pd.DataFrame:
        """P(finished by the end of each month) of every project, milestone and group."""
        return schedule_risk.s_curves(self.compiled, self.data.detail)

    def groups(self) -> pd.DataFrame:
        """One row per group (programme): members, P(cancelled), start and finish statistics as dates."""
        return schedule_risk.groups(self.compiled, self.data.detail)

    def schedule_tables(self) -> dict[str, pd.DataFrame]:
        """The schedule-risk tables of a run folder: ``criticality``, ``s_curves`` and (with groups) ``groups``."""
        return {name: getattr(self, name)() for name in self.schedule_table_names()}

    def schedule_table_names(self) -> list[str]:
        """The names of ``schedule_tables`` (each also a method of this result), in order."""
        return ["criticality", "s_curves"] + (["groups"] if self.scenario.groups else [])

    def energy(self, indexed: bool = True) -> pd.DataFrame:
        """One row per technology and year, indexed by both: capacity, generation, value added, CO2 avoided
        quantiles (``indexed=False``: ordinary columns, as energy.csv holds them)."""
        detail = self.data.detail
        rows = []
        units = ENERGY_METRICS
        stats = {}                 # per metric: mean (K, T) and P10/P50/P90 (3, K, T), one pass each
        for key in units:
            values = detail[key]
            stats[key] = (values.mean(axis=0, dtype=float), draw_quantiles(values, (10, 50, 90)))
        for k, tech in enumerate(self.scenario.energy.technologies):
            for t, year in enumerate(self.years_index):
                row = {"technology": tech, "year": int(year)}
                for key, name in units.items():
                    mean, quantiles = stats[key]
                    row[f"{name}_mean"] = float(mean[k, t])
                    for i, q in enumerate((10, 50, 90)):
                        row[f"{name}_p{q}"] = float(quantiles[i, k, t])
                row["lcoe_cny_per_kwh"] = self.lcoe(tech, int(year))
                rows.append(row)
        columns = ["technology", "year"] + [f"{name}_{stat}" for name in units.values()
                                            for stat in ("mean", "p10", "p50", "p90")] + ["lcoe_cny_per_kwh"]
        table = pd.DataFrame(rows, columns=columns)
        return _indexed(table, "energy") if indexed else table

    def lcoe(self, tech: str, year: int) -> float:
        """Levelised cost [CNY/kWh] of a generating technology commissioned in ``year``, at central values:
        (capex/kW × CRF(discount rate, lifetime) + fixed opex/kW) / (full-load hours × (1 − curtailment) × D),
        D the levelised output factor of its degradation (``energy.output_factor``; 1 without degradation).
        NaN for storage, charging and technologies without a capex per kW."""
        from portfolio.model.compiled import _capex_per_kw, _centre
        from portfolio.model.energy import lcoe
        from portfolio.uncertainty.quantities import Dist

        t = self.scenario.energy.technologies[tech]
        if t.kind != "generation" or t.capex_per_kw is None:
            return math.nan
        capex = _centre(t.capex_per_kw) if isinstance(t.capex_per_kw, Dist) else _capex_per_kw(t.capex_per_kw, year)
        hours = _centre(t.full_load_hours) * (1 - _centre(t.curtailment))
        return float(lcoe(capex, _centre(t.fixed_opex), self.scenario.energy.discount_rate, t.lifetime, hours,
                          _centre(t.degradation)))

    def draws(self, long: bool = False) -> pd.DataFrame:
        """One row per draw: every sampled input and the outcomes (growth and GDP per year, targets), the
        columns of draws.parquet; ``long=True``: one row per draw and quantity (``outputs.tidy``)."""
        if self.data.inputs is None:
            if self.draws_file is None:
                raise RuntimeError("the inputs of this run were streamed and not kept; read draws.parquet")
            wide = pd.read_parquet(self.draws_file)
        else:
            from portfolio.outputs.folders import draw_columns

            d = self.data
            wide = pd.DataFrame(draw_columns(self.years_index, 0, d.inputs, d.gdp, d.growth, d.valid, d.targets,
                                             d.schedule))
        if long:
            from portfolio.outputs.tidy import draws_long

            return draws_long(wide)
        return wide

    def to_xarray(self):
        """The per-draw data as an xarray Dataset (needs the ``xarray`` extra): ``gdp``, ``growth`` (draw ×
        year), ``outcome`` (draw × target: the value each target is judged on), ``start``, ``finish`` (draw ×
        project), ``inputs`` (draw × input),
        ``valid``, and the energy detail by technology (``capacity_mw`` … : draw × technology × year; kept for
        the first 100,000 draws, NaN after them)."""
        from portfolio.outputs.tidy import require_xarray, draws_dataset

        require_xarray()                                     # the clear ImportError before any work
        detail, techs = self.data.detail, list(self.scenario.energy.technologies)
        technology = {}
        if techs and "capacity_by_tech" in detail:
            draws = np.arange(len(detail["capacity_by_tech"]))
            technology = {name: (detail[key], draws, techs, self.years_index) for key, name in ENERGY_METRICS.items()}
        s = self.summary()
        return draws_dataset(self.draws(), technology, attrs={"scenario": s["scenario"], "draws": s["draws"],
                                                               "seed": s["seed"], "sampler": s["sampler"]})

    @property
    def plot(self):
        """The standard charts: ``result.plot.growth_fan()`` etc. return matplotlib Figures
        (``lang="zh"|"en"``; default the scenario's ``meta.language``); nothing is shown."""
        from portfolio.outputs.charts import PlotAccessor

        return PlotAccessor(self)

    def save(self, folder, force: bool = False, command: str | None = None, charts: bool = True,
             lang: str | None = None) -> Path:
        """Write the run folder (atomically), with the standard charts unless ``charts=False`` — the same
        folder ``portfolio run`` writes; return its path."""
        from portfolio.runs.runner import save

        return save(self, folder, force=force, command=command, charts=charts, lang=lang)


def _quantiles(values: np.ndarray, qs=(5, 10, 50, 90, 95)) -> dict:
    """{"p5": …} percentiles of ``values`` (NaN when empty), from one partition."""
    values = np.asarray(values, float)
    if len(values) == 0:
        return {f"p{q}": math.nan for q in qs}
    return {f"p{q}": float(v) for q, v in zip(qs, np.percentile(values, qs))}


def _shortfall(outcome: np.ndarray, threshold: float) -> dict:
    """How far below the threshold the valid draws fall, in the target's own unit: the expected shortfall
    E[max(threshold − x, 0)] over all draws, and the mean shortfall of the draws that miss."""
    gap = threshold - np.asarray(outcome, float)
    missed = gap > 0
    return {"expected": float(np.where(missed, gap, 0.0).mean()) if len(gap) else math.nan,
            "mean_if_missed": float(gap[missed].mean()) if missed.any() else 0.0}


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else math.nan
