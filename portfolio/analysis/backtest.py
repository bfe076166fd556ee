"""Rolling-origin back-test of the baseline economy: does the model's uncertainty cover what happened?

At each origin year o the history up to o is calibrated (``calibrate``: capital stock, growth
accounting), the next ``horizon`` years are simulated with the uncertainty of a template scenario
(its cycle, contraction regime and TFP shocks: the specification under test), and each year that the
history then records is scored, as is the average growth over the horizon when all of it is observed:

- **coverage** of the central 50%, 80% and 90% intervals, with a Wilson 95% interval; a calibrated
  forecast holds about 50/80/90% of outcomes;
- **PIT** (probability integral transform) = the share of draws at or below what happened; uniform on
  [0, 1] when the forecast is calibrated, piled at 0 and 1 when it is too narrow;
- **CRPS** = E|X − y| − ½ E|X − X′| (Gneiting & Raftery 2007, JASA 102(477)), in percentage points of
  growth: lower is better, and it rewards sharpness, so the widest band does not win.

Scores at different origins overlap in time (the same year is scored from several origins), so the
Wilson intervals over all cases are too narrow; the one-year-ahead scores do not overlap.

The template's centres (GDP, K/Y, investment rate, TFP and labour growth) are replaced by the
calibration; its spreads are kept. Without a template the specification is the calibration alone: TFP
growth N(mean, sd/√N) for the long-run mean and an annual innovation of the residual's sd.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from portfolio.problems import InputError, Problem
from portfolio.runs.results import wilson_interval

LEVELS = (0.5, 0.8, 0.9)
PIT_BINS = 10
#: the template's economy fields that describe uncertainty (kept); every other economy field is calibrated
SPREAD_FIELDS = ("tfp_shock_sd", "tfp_shock_persistence", "tfp_growth_change", "investment_shock_sd",
                 "investment_shock_persistence", "demand_shock_sd", "demand_shock_persistence",
                 "national_cycle_loading")


def crps_sample(draws, observed: float) -> float:
    """CRPS of the empirical distribution of ``draws`` at ``observed``: E|X − y| − ½ E|X − X′|, with
    ½ E|X − X′| = Σ_i (2i − n − 1) x_(i) / n² over the sorted draws (i = 1 … n)."""
    x = np.sort(np.asarray(draws, float))
    n = len(x)
    if n == 0:
        return math.nan
    spread = float(np.dot(2 * np.arange(1, n + 1) - n - 1, x)) / n ** 2
    return float(np.abs(x - observed).mean()) - spread


def pit_value(draws, observed: float) -> float:
    """The share of draws below ``observed`` (ties count half)."""
    x = np.asarray(draws, float)
    return float(((x < observed).sum() + 0.5 * (x == observed).sum()) / len(x))


@dataclass
class BacktestResult:
    """The scores of a back-test: one row per origin and year ahead (``horizon`` 1 … h) and one per
    origin for the average growth over the horizon (``horizon`` = "avg")."""

    scores: pd.DataFrame
    label: str
    horizon: int
    draws: int
    seed: int
    template: str | None
    notes: list[str] = field(default_factory=list)
    paths: dict = field(default_factory=dict, repr=False)     # origin -> (years, p5, p50, p95) of growth

    def coverage(self, rows: pd.DataFrame | None = None) -> list[dict]:
        rows = self.scores if rows is None else rows
        out = []
        for level in LEVELS:
            inside = int(rows[f"in_{int(level * 100)}"].sum())
            n = len(rows)
            low, high = wilson_interval(inside, n) if n else (math.nan, math.nan)
            verdict = ("too narrow" if high < level else "too wide" if low > level else "consistent") if n else "–"
            out.append({"level": level, "inside": inside, "cases": n, "share": inside / n if n else math.nan,
                        "ci95": [low, high], "verdict": verdict})
        return out

    def bias(self, rows: pd.DataFrame) -> dict:
        """Are the forecasts centred? The mean PIT (0.5 when centred; its standard error for
        independent uniform PITs is √(1/12 n)) and the mean of actual − median in points, over the
        one-year-ahead scores (independent across origins)."""
        n = len(rows)
        mean_pit = float(rows["pit"].mean()) if n else math.nan
        se = math.sqrt(1 / (12 * n)) if n else math.nan
        verdict = ("–" if not n else "forecasts too high" if mean_pit + 1.96 * se < 0.5
                   else "forecasts too low" if mean_pit - 1.96 * se > 0.5 else "centred")
        return {"mean_pit": mean_pit, "se": se, "cases": n,
                "mean_error_pp": float(((rows["actual"] - rows["p50"]) * 100).mean()) if n else math.nan,
                "verdict": verdict}

    def summary(self) -> dict:
        s = self.scores
        yearly = s[s.horizon != "avg"]
        first = yearly[yearly.horizon == 1]
        averages = s[s.horizon == "avg"]
        counts, _ = np.histogram(yearly["pit"], bins=PIT_BINS, range=(0, 1))
        return {
            "kind": "backtest", "label": self.label, "horizon": self.horizon, "draws": self.draws,
            "seed": self.seed, "template": self.template,
            "origins": sorted(int(o) for o in s.origin.unique()),
            "cases": int(len(yearly)),
            "coverage": self.coverage(yearly),
            "coverage_one_year_ahead": self.coverage(first),
            "coverage_average_growth": self.coverage(averages) if len(averages) else [],
            "crps_pp": {"all_years": _mean(yearly.crps), "one_year_ahead": _mean(first.crps),
                        "average_growth": _mean(averages.crps) if len(averages) else None},
            "pit_histogram": {"bins": PIT_BINS, "counts": [int(c) for c in counts]},
            "bias": self.bias(first if len(first) else yearly),
            "notes": self.notes,
        }

    def format(self) -> str:
        s = self.summary()
        lines = [f"Back-test of {self.label}: origins {s['origins'][0]}–{s['origins'][-1]}, "
                 f"{self.horizon} years ahead, {self.draws:,} draws each"
                 + (f", spreads of {self.template}" if self.template else ", spreads from the calibration alone"),
                 f"{s['cases']} scored years"]
        for name, rows in (("every year", s["coverage"]), ("one year ahead", s["coverage_one_year_ahead"]),
                           (f"{self.horizon}-year average", s["coverage_average_growth"])):
            if not rows:
                continue
            parts = [f"{int(r['level'] * 100)}%: {r['share']:.0%} of {r['cases']} ({r['verdict']})" for r in rows]
            lines.append(f"  coverage, {name}: " + "; ".join(parts))
        c = s["crps_pp"]
        lines.append(f"  CRPS (pp of growth, lower is better): every year {c['all_years']:.2f}, "
                     f"one year ahead {c['one_year_ahead']:.2f}"
                     + (f", {self.horizon}-year average {c['average_growth']:.2f}" if c["average_growth"] is not None else ""))
        lines.append("  PIT histogram (10 bins, flat if calibrated): " + " ".join(str(n) for n in s["pit_histogram"]["counts"]))
        b = s["bias"]
        lines.append(f"  centre, one year ahead: mean PIT {b['mean_pit']:.2f} ± {1.96 * b['se']:.2f} (0.50 if centred), "
                     f"actual − median {b['mean_error_pp']:+.2f} pp on average ({b['verdict']})")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def save(self, folder, force: bool = False, charts: bool = True, lang: str = "en",
             command: str | None = None, formats=("png", "svg")) -> Path:
        from portfolio.outputs import style as S
        from portfolio.outputs.folders import StagedFolder, write_csv, write_json

        with StagedFolder(Path(folder), force) as stage:
            write_csv(self.scores, stage / "scores.csv", index=False, float_format="%.10g")
            files = []
            if charts:
                figures = {"pit": plot_pit(self, lang), "fans": plot_fans(self, lang)}
                files = [p.name for p in S.save_all(figures, stage, lang, formats)]
            summary = self.summary()
            summary["command"] = command
            summary["files"] = ["backtest.json", "scores.csv", *files]
            write_json(stage / "backtest.json", summary)
        return Path(folder)


def _mean(values) -> float:
    values = np.asarray(values, float)
    return float(values.mean()) if len(values) else math.nan


def _template_parts(template) -> tuple[dict, dict | None]:
    """(economy spread fields, contraction section) of a template scenario, as written."""
    if template is None:
        return {}, None
    from portfolio.scenario.loading import load_scenario, origin

    scenario = load_scenario(template) if isinstance(template, (str, Path)) else template
    data = origin(scenario).data if origin(scenario) is not None else scenario.model_dump()
    economy = {k: v for k, v in (data.get("economy") or {}).items() if k in SPREAD_FIELDS}
    contraction = copy.deepcopy((data.get("uncertainty") or {}).get("contraction"))
    if contraction:
        contraction.pop("first_year", None)
    return economy, contraction


def origin_scenario(calibration, origin: int, horizon: int, spreads: dict, contraction: dict | None,
                    draws: int, seed: int):
    """The scenario forecast from ``origin``: the calibrated economy with the template's spreads."""
    from portfolio.outputs.texts import both
    from portfolio.scenario.loading import from_data

    block = dict(calibration.economy_block)
    tfp = block.pop("tfp_growth")
    years = len(calibration.accounting)
    economy = {**block, "tfp_growth": {"dist": "normal", "mean": tfp["mean"],
                                       "sd": max(tfp["sd"] / math.sqrt(years), 1e-9)}}
    economy["tfp_shock_sd"] = tfp["sd"]
    economy["tfp_shock_persistence"] = 0.0
    economy.update(spreads)
    data = {
        "meta": {"name": f"backtest-{origin}", "title": both("backtest.scenario.title", origin=origin),
                 "region": both("backtest.scenario.region"), "base_year": origin, "horizon": origin + horizon},
        "targets": [{"name": "growth", "metric": "average_growth", "window": [origin + 1, origin + horizon],
                     "threshold": 0.0}],
        "economy": economy,
        "simulation": {"draws": draws, "seed": seed},
    }
    if contraction:
        data["uncertainty"] = {"contraction": contraction}
    return from_data(data, f"back-test origin {origin}")


def backtest(history: pd.DataFrame, template=None, horizon: int = 5, origins=None, draws: int = 2000,
             seed: int = 0, min_years: int = 8, alpha: float | None = None,
             depreciation: float | None = None, gfcf_share: float | None = None) -> BacktestResult:
    """Rolling-origin back-test (module docstring). ``history`` as :func:`calibrate.read_history` gives
    it; ``template`` a scenario (or its path) whose spreads are tested; ``origins`` the origin years
    (default: every year with ``min_years`` of history before it and at least one year after)."""
    from portfolio.analysis.calibrate import DEFAULT_ALPHA, DEFAULT_DEPRECIATION, calibrate
    from portfolio.runs.simulate import simulate

    if horizon < 1:
        raise InputError([Problem("--horizon", None, "", f"expected at least 1 year, got {horizon}")])
    alpha = DEFAULT_ALPHA if alpha is None else alpha
    depreciation = DEFAULT_DEPRECIATION if depreciation is None else depreciation
    # the whole history once: checked and read as calibrate reads it (gdp levels or growth, 8.9% or 0.089)
    whole = calibrate(history, alpha=alpha, depreciation=depreciation, gfcf_share=gfcf_share)
    growth = {int(y): float(g) for y, g in whole.accounting["gdp_growth"].items()}
    first, last = int(whole.capital.index[0]), int(whole.capital.index[-1])
    if origins is None:
        origins = list(range(first + min_years, last))
    origins = sorted(int(o) for o in origins)
    bad = [o for o in origins if not first + 2 <= o < last]
    if not origins or bad:
        raise InputError([Problem("--origins", None, "",
                                  f"origins must lie in {first + 2}–{last - 1} (history {first}–{last})"
                                  + (f"; got {', '.join(map(str, bad))}" if bad else "; none left"))])
    spreads, contraction = _template_parts(template)
    rows, paths = [], {}
    for o in origins:
        part = history[history["year"].astype(int) <= o].copy()
        part.attrs = dict(history.attrs)
        cal = calibrate(part, alpha=alpha, depreciation=depreciation, gfcf_share=gfcf_share)
        scenario = origin_scenario(cal, o, horizon, spreads, contraction, draws, seed)
        result = simulate(scenario)
        sim = result.data.growth[result.data.valid]                  # (n, horizon)
        q = np.percentile(sim, [5, 50, 95], axis=0)
        paths[o] = (list(range(o + 1, o + horizon + 1)), q[0], q[1], q[2])
        for k in range(1, horizon + 1):
            year = o + k
            if year not in growth:
                continue
            rows.append(_score(o, k, year, sim[:, k - 1], growth[year]))
        window = [o + k for k in range(1, horizon + 1)]
        if all(y in growth for y in window):
            actual = float(np.prod([1 + growth[y] for y in window]) ** (1 / horizon) - 1)
            simulated = np.prod(1 + sim, axis=1) ** (1 / horizon) - 1
            rows.append(_score(o, "avg", window[-1], simulated, actual))
    scores = pd.DataFrame(rows)
    notes = ["a year is scored from every origin before it, so those scores are not independent and the "
             "Wilson intervals over every year are too narrow; the one-year-ahead scores do not overlap"]
    if not len(scores):
        raise InputError([Problem("--origins", None, "", "no origin has an observed year after it to score")])
    return BacktestResult(scores=scores, label=Path(str(history.attrs.get("label", "history"))).name, horizon=horizon, draws=draws, seed=seed,
                          template=_template_label(template), notes=notes, paths=paths)


def _template_label(template) -> str | None:
    if template is None:
        return None
    return str(template) if isinstance(template, (str, Path)) else template.meta.name


def _score(origin: int, horizon, year: int, draws: np.ndarray, actual: float) -> dict:
    row = {"origin": origin, "horizon": horizon, "year": year, "actual": actual,
           "p5": float(np.percentile(draws, 5)), "p50": float(np.percentile(draws, 50)),
           "p95": float(np.percentile(draws, 95)), "pit": pit_value(draws, actual),
           "crps": crps_sample(draws * 100, actual * 100)}
    for level in LEVELS:
        tail = (1 - level) / 2
        low, high = np.percentile(draws, [100 * tail, 100 * (1 - tail)])
        row[f"in_{int(level * 100)}"] = bool(low <= actual <= high)
    return row


# ----------------------------------------------------------------------------------------- charts
def plot_pit(result: BacktestResult, lang: str = "en"):
    """The PIT histogram: flat at the dashed line when the forecast is calibrated."""
    from portfolio.outputs import style as S
    from portfolio.outputs import texts as L

    with S.house_style(lang):
        from matplotlib.figure import Figure

        fig = Figure(figsize=(S.WIDTH_CM * S.CM, 8.5 * S.CM), layout="constrained")
        ax = fig.subplots()
        yearly = result.scores[result.scores.horizon != "avg"]
        counts, edges = np.histogram(yearly["pit"], bins=PIT_BINS, range=(0, 1))
        ax.bar(edges[:-1], counts, width=1 / PIT_BINS, align="edge", color=S.BLUE, edgecolor="white")
        ax.axhline(len(yearly) / PIT_BINS, color=S.VERMILLION, ls="--", lw=1.2,
                   label=L.text("backtest.pit.uniform", lang))
        ax.set_xlim(0, 1)
        ax.set_xlabel(L.text("backtest.pit.xlabel", lang))
        ax.set_ylabel(L.text("backtest.pit.ylabel", lang))
        ax.set_title(L.text("backtest.pit.title", lang, label=result.label), loc="left")
        ax.legend(loc="upper center", frameon=False)
    return fig


def plot_fans(result: BacktestResult, lang: str = "en"):
    """Forecasts (median and P5–P95) from up to six origins, evenly spaced, against the growth that
    happened, over the observed years only."""
    from portfolio.outputs import style as S
    from portfolio.outputs import texts as L

    with S.house_style(lang):
        from matplotlib.figure import Figure

        fig = Figure(figsize=(S.WIDTH_CM * S.CM, 9.5 * S.CM), layout="constrained")
        ax = fig.subplots()
        actual = result.scores[result.scores.horizon == 1].sort_values("year")
        observed_to = int(result.scores.year.max())
        origins = sorted(result.paths)
        shown = origins[::max(1, math.ceil(len(origins) / 6))]
        for i, o in enumerate(shown):
            years, p5, p50, p95 = (np.asarray(v, float) for v in result.paths[o])
            keep = years <= observed_to
            ax.fill_between(years[keep], p5[keep] * 100, p95[keep] * 100, color=S.SKY, alpha=0.25, lw=0,
                            label=L.text("backtest.fans.band", lang) if i == 0 else None)
            ax.plot(years[keep], p50[keep] * 100, color=S.BLUE, lw=0.9,
                    label=L.text("backtest.fans.median", lang) if i == 0 else None)
            ax.annotate(str(o), (years[0], p50[0] * 100), fontsize=6.5, color=S.BLUE, ha="right", va="bottom")
        ax.plot(actual["year"], actual["actual"] * 100, color=S.BLACK, lw=1.6, marker="o", ms=3,
                label=L.text("backtest.fans.actual", lang))
        ax.set_ylabel(L.text("backtest.fans.ylabel", lang))
        ax.set_title(L.text("backtest.fans.title", lang, label=result.label), loc="left")
        fig.legend(loc="outside lower center", ncols=3, frameon=False)
    return fig
