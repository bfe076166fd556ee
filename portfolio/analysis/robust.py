"""Robust choices: the settings of two to six levers that do best across the uncertainty.

A lever is any input goal seek can set (``goalseek.with_lever``: a numeric input — a distribution is
shifted so that its median is the lever's value —, a project's ``planned_start``, ``capex_scale``),
searched within bounds. Each setting is simulated on the same draws (common random numbers: the
scenario's seed), so the comparison between settings carries no Monte Carlo noise of its own, and
scored by one or two objectives, all maximised:

- ``probability``: P(target), over the valid draws;
- ``p10``: the worst decile of the target's outcome (its 10th percentile: average growth, GDP, slack
  in years…), a robustness metric that looks at the bad futures rather than the average one.

A **budget** (``budget``, 亿元) bounds the portfolio's capex spent in the target's window (mean over
the draws); dates are bounded by the levers' own bounds. The search is Optuna's (Akiba et al. 2019):
the tree-structured Parzen estimator for one objective, NSGA-II for two — whose non-dominated
feasible settings are the **Pareto front** — seeded, so a search is reproducible; the scenario's own
setting is the first trial.

Picking the best of many settings on the same draws flatters it (the winner's curse), so the best
setting (and each point of the front) is simulated again on **fresh draws** (another seed) and that
probability, with its Wilson interval, is the one to quote.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from portfolio.analysis.goalseek import _target, default_bounds, lever_value, with_lever
from portfolio.model.compiled import compile_scenario
from portfolio.problems import InputError, Problem, UserError

OBJECTIVES = ("probability", "p10")
MIN_LEVERS, MAX_LEVERS = 1, 6
DEFAULT_TRIALS = 60
CHUNK = 8192


@dataclass(frozen=True)
class Lever:
    path: str
    low: float
    high: float
    current: float               # the scenario's own value (median for a distribution)


def parse_lever(text: str) -> tuple[str, float | None, float | None]:
    """``PATH`` or ``PATH=LOW:HIGH`` (numbers; dates of a ``planned_start`` as decimal years)."""
    path, _, bounds = str(text).partition("=")
    path = path.strip()
    if not bounds:
        return path, None, None
    low, sep, high = bounds.partition(":")
    try:
        if not sep:
            raise ValueError
        return path, float(low), float(high)
    except ValueError:
        raise InputError([Problem("--lever", None, str(text), "expected PATH or PATH=LOW:HIGH, e.g. "
                                  "projects.airport.planned_start=2021.5:2024")]) from None


@dataclass
class RobustResult:
    """The search: every trial, the best setting (one objective) or the Pareto front (two), each
    re-simulated on fresh draws, and the scenario's own setting for reference."""

    levers: list[Lever]
    objectives: list[str]
    target: str
    trials: pd.DataFrame          # trial, <lever paths>, probability, p10, budget_used, feasible
    chosen: pd.DataFrame          # the best trial or the front, with fresh-draw probability and interval
    current: dict                 # objectives and budget at the scenario's own setting (same draws)
    meta: dict = field(default_factory=dict)

    def format(self) -> str:
        """A short text report (the CLI prints it)."""
        m = self.meta
        lines = [f"Robust choice for {self.target} — {m['scenario']}: {len(self.levers)} levers, "
                 f"{len(self.trials)} settings on {m['draws']:,} common draws (seed {m['seed']}), "
                 f"objective{'s' if len(self.objectives) > 1 else ''} {', '.join(self.objectives)}"
                 + (f", budget {m['budget']:,.6g} 亿元 in {m['window'][0]}–{m['window'][1]}" if m.get("budget") else "")]
        clipped = [lv.path for lv in self.levers if not lv.low <= lv.current <= lv.high]
        lines.append("  scenario as given: " + self._setting(self.current)
                     + (f" (with {', '.join(clipped)} moved into the lever's range)" if clipped else ""))
        title = "Pareto front (non-dominated feasible settings):" if len(self.objectives) > 1 else "best setting:"
        lines.append(title)
        for _, row in self.chosen.iterrows():
            lines.append("  " + self._setting(row))
            lines.append(f"    on fresh draws (seed {m['check_seed']}): P = {row['check_probability']:.1%} "
                         f"[{row['check_low']:.1%}, {row['check_high']:.1%}]")
        if not len(self.chosen):
            lines.append("  no setting meets the budget")
        return "\n".join(lines)

    def _setting(self, row) -> str:
        parts = [f"{lever.path} = {float(row[lever.path]):.6g}" for lever in self.levers]
        p10 = float(row["p10"])
        p10_text = f"{p10:.2%}" if self.meta.get("percent") else f"{p10:,.6g}"
        scores = [f"P = {float(row['probability']):.1%}" if k == "probability" else f"P10 = {p10_text}"
                  for k in self.objectives]
        if self.meta.get("budget"):
            scores.append(f"capex in window {float(row['budget_used']):,.1f} 亿元")
        return ", ".join(parts) + " → " + ", ".join(scores)

    def figure(self, lang: str = "zh"):
        """The search as a chart: the trials and the Pareto front (two objectives), or each trial's
        objective with the best so far (one)."""
        return search_chart(self, lang)

    def save(self, folder, force: bool = False, command: str | None = None, charts: bool = True,
             lang: str = "zh", formats=("png", "svg")) -> Path:
        """Write ``trials.csv``, ``chosen.csv``, ``robust.json`` and the chart ``robust``, atomically."""
        from portfolio.outputs import style as S
        from portfolio.outputs.folders import StagedFolder, write_csv, write_json

        with StagedFolder(Path(folder), force) as stage:
            write_csv(self.trials, stage / "trials.csv", index=False, float_format="%.10g")
            write_csv(self.chosen, stage / "chosen.csv", index=False, float_format="%.10g")
            files = [p.name for p in S.save_all({"robust": self.figure(lang)}, stage, lang, formats)] if charts else []
            write_json(stage / "robust.json", {**self.meta, "command": command,
                                               "current": {k: float(v) for k, v in self.current.items()},
                                               "chosen": self.chosen.to_dict(orient="records"),
                                               "files": ["robust.json", "trials.csv", "chosen.csv", *files]})
        return Path(folder)


def robust_choice(scenario, levers: Sequence[str], objectives: Sequence[str] = ("probability",),
                  target: str | None = None, budget: float | None = None, trials: int = DEFAULT_TRIALS,
                  draws: int | None = None, seed: int | None = None, sampler: str | None = None,
                  on_trial: Callable[[int, int], None] | None = None) -> RobustResult:
    """Search ``levers`` (``PATH`` or ``PATH=LOW:HIGH``) for the settings that maximise ``objectives``
    (see the module docstring) within ``budget`` [亿元 of capex in the target's window]; ``trials``
    settings, each a Monte Carlo run of ``draws`` (default the scenario's, at most 4,000) on common
    random numbers; ``on_trial(1, trials)`` after each (a progress bar's step)."""
    try:
        import optuna
    except ImportError:
        raise UserError("the robust search needs Optuna: pip install \"portfolio[robust]\" (or pip install "
                        "optuna), then run the command again") from None

    from portfolio.runs.results import Result, wilson_interval
    from portfolio.runs.simulate import RunSpec, run_draws
    from portfolio.scenario.settings import resolve_settings
    from portfolio.uncertainty import seeds

    objectives = list(dict.fromkeys(objectives))
    bad = [k for k in objectives if k not in OBJECTIVES]
    if bad or not 1 <= len(objectives) <= 2:
        raise InputError([Problem("--objective", None, ",".join(bad or objectives),
                                  f"one or two of {', '.join(OBJECTIVES)}")])
    if not MIN_LEVERS <= len(levers) <= MAX_LEVERS:
        raise InputError([Problem("--lever", None, f"{len(levers)} levers",
                                  f"give {MIN_LEVERS} to {MAX_LEVERS} levers")])
    c = compile_scenario(scenario)
    goal = _target(scenario, target)
    span = (scenario.meta.base_year, scenario.meta.horizon + 1.0)
    chosen_levers: list[Lever] = []
    for text in levers:
        path, low, high = parse_lever(text)
        current = lever_value(c, path)                              # an unknown path: did-you-mean
        if low is None:
            low, high = default_bounds(path, current, span)
        if not low < high:
            raise InputError([Problem("--lever", None, str(text), f"low {low:g} must be below high {high:g}")])
        if path in [lever.path for lever in chosen_levers]:
            raise InputError([Problem("--lever", None, path, "given twice")])
        chosen_levers.append(Lever(path, float(low), float(high), float(current)))
    settings = resolve_settings(scenario, draws, seed, sampler)
    n = int(draws) if draws is not None else min(settings.draws, 4000)
    spec = RunSpec(draws=n, seed=settings.seed, sampler=settings.sampler, workers=1, chunk_size=CHUNK)
    check_seed = seeds.integer(settings.seed, "robust", "check")
    check = RunSpec(draws=n, seed=check_seed, sampler=settings.sampler, workers=1, chunk_size=CHUNK)
    first, last = goal.years if goal.metric != "completion" else (scenario.meta.base_year + 1, scenario.meta.horizon)
    window = slice(first - scenario.meta.base_year, last - scenario.meta.base_year + 1)

    def simulate(values: dict, run_spec: RunSpec) -> dict:
        compiled = c
        for path, value in values.items():
            compiled = with_lever(compiled, path, value)
        result = Result(compiled, run_spec, run_draws(compiled, run_spec, keep_inputs=False), 0.0, 0.0)
        valid = result.valid
        met = int(result.target_met(goal).sum())
        outcome = result.data.targets[goal.name][valid]
        outcome = outcome[np.isfinite(outcome)]
        return {"probability": met / max(int(valid.sum()), 1), "hits": met, "valid": int(valid.sum()),
                "p10": float(np.percentile(outcome, 10)) if len(outcome) else -math.inf,
                "budget_used": float(result.mean_path("capex_spent")[window].sum())}

    def objective(trial):
        values = {lever.path: trial.suggest_float(lever.path, lever.low, lever.high) for lever in chosen_levers}
        found = simulate(values, spec)
        for key in (*OBJECTIVES, "budget_used"):        # every metric is kept, whichever is optimised
            trial.set_user_attr(key, found[key])
        if budget is not None:                    # feasible when ≤ 0 (Optuna's convention)
            trial.set_constraint("budget", found["budget_used"] - budget)
        if on_trial is not None:
            on_trial(1, trials)
        return tuple(found[k] for k in objectives) if len(objectives) > 1 else found[objectives[0]]

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    search_seed = seeds.integer(settings.seed, "robust", "search") % 2**32
    sampler_ = (optuna.samplers.TPESampler(seed=search_seed, multivariate=True) if len(objectives) == 1 else
                optuna.samplers.NSGAIISampler(seed=search_seed, population_size=max(8, min(20, trials // 4))))
    study = optuna.create_study(directions=["maximize"] * len(objectives), sampler=sampler_)
    own = {lever.path: min(max(lever.current, lever.low), lever.high) for lever in chosen_levers}
    study.enqueue_trial(own)
    study.optimize(objective, n_trials=int(trials))

    rows = []
    for t in study.trials:
        row = {"trial": t.number, **t.params}
        row.update({key: t.user_attrs.get(key, math.nan) for key in (*OBJECTIVES, "budget_used")})
        row["feasible"] = budget is None or row["budget_used"] <= budget
        rows.append(row)
    table = pd.DataFrame(rows, columns=["trial", *[lever.path for lever in chosen_levers], *OBJECTIVES,
                                        "budget_used", "feasible"])
    feasible = table[table["feasible"]]
    if len(objectives) == 1:
        chosen = feasible.sort_values([objectives[0], "trial"], ascending=[False, True]).head(1)
    else:
        chosen = pareto_front(feasible, objectives)
    checks = []
    for _, row in chosen.iterrows():
        found = simulate({lever.path: float(row[lever.path]) for lever in chosen_levers}, check)
        low, high = wilson_interval(found["hits"], found["valid"])
        checks.append({"check_probability": found["probability"], "check_low": low, "check_high": high,
                       "check_p10": found["p10"]})
    chosen = pd.concat([chosen.reset_index(drop=True), pd.DataFrame(checks, index=range(len(checks)))], axis=1)
    current = {k: v for k, v in simulate(own, spec).items() if k in (*OBJECTIVES, "budget_used")}
    current.update(own)
    meta = {"scenario": scenario.meta.name, "target": goal.name, "objectives": objectives, "draws": n,
            "seed": settings.seed, "check_seed": check_seed, "sampler": settings.sampler, "trials": int(trials),
            "budget": budget, "window": [first, last],
            "percent": goal.metric in ("average_growth", "min_growth"),    # the outcome is a growth rate
            "title": scenario.meta.title.model_dump() if scenario.meta.title is not None else {},
            "target_label": goal.label.model_dump() if goal.label is not None else {},
            "levers": [{"path": lv.path, "low": lv.low, "high": lv.high, "current": lv.current}
                       for lv in chosen_levers],
            "optimiser": f"optuna {optuna.__version__} "
                         + ("TPESampler (multivariate)" if len(objectives) == 1 else "NSGAIISampler"),
            "search_seed": search_seed}
    return RobustResult(chosen_levers, objectives, goal.name, table, chosen, current, meta)


def pareto_front(table: pd.DataFrame, objectives: Sequence[str]) -> pd.DataFrame:
    """The rows no other row dominates (at least as good in every objective, better in one; all
    maximised), best first objective first; duplicates of a point kept once."""
    values = table[list(objectives)].to_numpy(float)
    keep = []
    for i, v in enumerate(values):
        dominated = np.any(np.all(values >= v, axis=1) & np.any(values > v, axis=1))
        if not dominated:
            keep.append(i)
    front = table.iloc[keep].drop_duplicates(subset=list(objectives))
    return front.sort_values(list(objectives), ascending=False)


def search_chart(result: RobustResult, lang: str = "zh"):
    """Two objectives: every setting (P against the worst decile), over-budget ones hollow, the
    Pareto front joined, the scenario's own setting marked. One: each setting's objective in the order
    searched, with the best so far."""
    from matplotlib.figure import Figure

    from portfolio.outputs import style as S
    from portfolio.outputs import texts as L

    m = result.meta
    t = result.trials
    percent = m.get("percent")
    scale = {"probability": 100.0, "p10": 100.0 if percent else 1.0}
    target = L.shorten(L.pick(m.get("target_label"), lang, result.target), 70)
    unit = "（%）" if lang == "zh" else " (%)"
    label = {"probability": L.text("robust.probability", lang) + unit,
             "p10": L.text("robust.p10", lang) + (unit if percent else "")}
    with S.house_style(lang):
        fig = Figure(figsize=(S.WIDTH_CM * S.CM, 10.5 * S.CM), layout="constrained")
        ax = fig.subplots()
        ok = t["feasible"].to_numpy(bool)
        if len(result.objectives) == 2:
            x, y = (t[k].to_numpy(float) * scale[k] for k in result.objectives)
            ax.scatter(x[ok], y[ok], s=14, color=S.BLUE, alpha=0.6, lw=0, label=L.text("robust.feasible", lang))
            if (~ok).any():
                ax.scatter(x[~ok], y[~ok], s=14, facecolors="none", edgecolors=S.GREY, lw=0.7,
                           label=L.text("robust.infeasible", lang))
            front = result.chosen.sort_values(result.objectives[0])
            ax.plot(front[result.objectives[0]] * scale[result.objectives[0]],
                    front[result.objectives[1]] * scale[result.objectives[1]], "-o", color=S.VERMILLION, ms=4,
                    lw=1.2, label=L.text("robust.front", lang))
            ax.plot([result.current[result.objectives[0]] * scale[result.objectives[0]]],
                    [result.current[result.objectives[1]] * scale[result.objectives[1]]], "D", color=S.BLACK,
                    ms=5, label=L.text("robust.current", lang))
            ax.set_xlabel(label[result.objectives[0]])
            ax.set_ylabel(label[result.objectives[1]])
            title = L.text("robust.title.front", lang, target=target)
        else:
            k = result.objectives[0]
            values = t[k].to_numpy(float) * scale[k]
            trial = t["trial"].to_numpy(int) + 1
            ax.scatter(trial[ok], values[ok], s=14, color=S.BLUE, alpha=0.7, lw=0, label=L.text("robust.feasible", lang))
            if (~ok).any():
                ax.scatter(trial[~ok], values[~ok], s=14, facecolors="none", edgecolors=S.GREY, lw=0.7,
                           label=L.text("robust.infeasible", lang))
            best = np.maximum.accumulate(np.where(ok, values, -np.inf))
            ax.step(trial, np.where(np.isfinite(best), best, np.nan), where="post", color=S.VERMILLION, lw=1.2,
                    label=L.text("robust.best", lang))
            ax.plot([1], [result.current[k] * scale[k]], "D", color=S.BLACK, ms=5, label=L.text("robust.current", lang))
            ax.set_xlabel(L.text("robust.trial", lang))
            ax.set_ylabel(label[k])
            title = L.text("robust.title.best", lang, objective=label[k].replace(unit, ""), target=target)
        fig.suptitle(title, x=0.012, ha="left", fontsize=S.BASE_RC["figure.titlesize"])
        ax.set_title(L.text("robust.subtitle", lang, scenario=L.shorten(L.pick(m.get("title"), lang, m["scenario"]), 64),
                            trials=len(t), draws=m["draws"], seed=m["seed"]), loc="left", fontsize=7, color=S.GREY, pad=6)
        ax.grid(True)
        fig.legend(loc="outside lower center", ncols=4)
    return fig
