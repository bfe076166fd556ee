"""Comparing scenarios with common random numbers.

Every scenario is simulated with the same seed, sampler and number of draws; because random streams
are keyed by parameter name, the same uncertainty gets the same draws in every scenario, so the
differences against the first scenario are paired draw by draw and their intervals are narrow
(``paired_difference``). Draws invalid in either scenario are left out of a pair.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from portfolio.outputs import texts as L
from portfolio.outputs.kinds import LANGS
from portfolio.runs.results import Z95


def paired_difference(a: np.ndarray, b: np.ndarray) -> dict:
    """Mean of b − a over paired draws with its 95% interval (normal approximation, sd/√n)."""
    d = np.asarray(b, float) - np.asarray(a, float)
    n = len(d)
    if n == 0:
        return {"difference": math.nan, "ci95": [math.nan, math.nan], "n": 0}
    mean = float(d.mean())
    se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return {"difference": mean, "ci95": [mean - Z95 * se, mean + Z95 * se], "se": se, "n": n}


@dataclass
class Comparison:
    """Results of several scenarios on the same draws; differences are against the first."""

    results: list
    names: list[str]

    @property
    def base(self):
        return self.results[0]

    def __repr__(self) -> str:
        from portfolio.outputs.textsummary import probability_lines

        return "\n".join([f"<Comparison {', '.join(self.names)}>", _heading(self), *probability_lines(probability_rows(self))])

    def _repr_html_(self) -> str:
        from portfolio.outputs.textsummary import PROBABILITY_HEADER, card

        return card(f"Comparison: {', '.join(self.names)}", [_heading(self)],
                    [*PROBABILITY_HEADER, f"difference against {self.names[0]}"], probability_rows(self))

    def growth_window(self) -> tuple[int, int]:
        return self.base.growth_window()

    def table(self) -> pd.DataFrame:
        """One row per scenario: probabilities with intervals, average growth quantiles, GDP, capacity."""
        rows = []
        for name, result in zip(self.names, self.results):
            s = result.summary()
            row = {"scenario": name, "title_zh": s["title"]["zh"], "title_en": s["title"]["en"]}
            for t in s["targets"]:
                row[f"p_{t['name']}"] = t["probability"]
                row[f"p_{t['name']}_ci_low"], row[f"p_{t['name']}_ci_high"] = t["ci95"]
            avg = result.average_growth(self.growth_window())[result.valid]
            for q in (10, 50, 90):
                row[f"average_growth_p{q}"] = float(np.percentile(avg, q)) if len(avg) else math.nan
            row["gdp_year"] = s["gdp"]["year"]
            row["gdp_p50"] = s["gdp"]["p50"]
            energy = s.get("energy")
            row["capacity_mw_p50"] = energy["p50"] if energy else math.nan
            row["invalid_draws"] = s["invalid_draws"]
            rows.append(row)
        return pd.DataFrame(rows)

    def decomposition(self) -> pd.DataFrame:
        """Why the scenarios differ: for each other scenario and year, the difference of each source's
        mean contribution to growth against the first, in percentage points (common random numbers, so
        these are means of paired differences; they add up to the difference of mean growth)."""
        from portfolio.model.engine import CONTRIBUTIONS

        base = self.base.mean_contributions()
        rows = []
        for name, result in zip(self.names[1:], self.results[1:]):
            other = result.mean_contributions()
            for i, year in enumerate(self.base.years_index[1:]):
                rows.append({"scenario": name, "against": self.names[0], "year": int(year),
                             **{k: float((other[k][i] - base[k][i]) * 100) for k in CONTRIBUTIONS}})
        return pd.DataFrame(rows)

    def window_decomposition(self, window: tuple[int, int] | None = None) -> dict:
        """{scenario: {source: mean difference over the window, pp/yr}} (observed years left out)."""
        first, last = window or self.growth_window()
        table = self.decomposition()
        if not len(table):
            return {}
        inside = table[(table.year >= first) & (table.year <= last)]
        sources = [c for c in table.columns if c not in ("scenario", "against", "year")]
        return {name: {k: float(group[k].mean()) if group[k].notna().any() else math.nan for k in sources}
                for name, group in inside.groupby("scenario", sort=False)}

    def explanations(self, lang: str = "en") -> list[str]:
        """In words, per scenario: which source moves its plan-window growth most, and — when the plan
        window and the longer window move in opposite directions (both beyond Monte Carlo error), or the
        difference fades to under a third over the longer window — that the gain or loss is one of
        timing (a delay that helps the plan window costs the decade, or changes nothing over it)."""
        from portfolio.outputs.texts import text

        diffs = self.differences()
        window, long = self.growth_window(), self.base.long_window()
        parts = self.window_decomposition(window)
        out = []
        for name in self.names[1:]:
            mine = diffs[diffs.scenario == name].set_index("measure")
            plan = mine.loc[f"average_growth_{window[0]}_{window[1]}"]
            sources = parts.get(name, {})
            finite = {k: v for k, v in sources.items() if v == v}
            if not finite:
                continue
            source = max(finite, key=lambda k: abs(finite[k]))
            what = text(f"contrib.{source}", lang)
            later = f"average_growth_{long[0]}_{long[1]}"
            if later in mine.index and long != window:
                far = mine.loc[later]
                opposite = plan.difference * far.difference < 0
                certain = plan.ci95_low * plan.ci95_high > 0 and far.ci95_low * far.ci95_high > 0
                fades = plan.ci95_low * plan.ci95_high > 0 and abs(far.difference) < abs(plan.difference) / 3
                if (opposite and certain) or fades:
                    out.append(text("compare.explain.tradeoff" if opposite and certain else "compare.explain.fades",
                                    lang, scenario=name, a=window[0], b=window[1],
                                    plan=f"{plan.difference * 100:+.2f}", c=long[1], far=f"{far.difference * 100:+.2f}",
                                    source=what, pp=f"{finite[source]:+.2f}"))
                    continue
            if plan.ci95_low * plan.ci95_high > 0:          # a difference beyond Monte Carlo error
                out.append(text("compare.explain.driver", lang, scenario=name, a=window[0], b=window[1],
                                plan=f"{plan.difference * 100:+.2f}", source=what, pp=f"{finite[source]:+.2f}"))
        return out

    def differences(self) -> pd.DataFrame:
        """Paired differences of every other scenario against the first, per target and for average growth."""
        rows = []
        base = self.base
        window = self.growth_window()
        for name, result in zip(self.names[1:], self.results[1:]):
            both = base.valid & result.valid
            for t in base.scenario.targets:
                other = next((x for x in result.scenario.targets if x.name == t.name), None)
                if other is None:
                    continue
                d = paired_difference(base.target_met(t)[both], result.target_met(other)[both])
                rows.append({"scenario": name, "against": self.names[0], "measure": f"p_{t.name}",
                             "unit": "probability", **_flat(d)})
            for span in dict.fromkeys((window, base.long_window())):
                d = paired_difference(base.average_growth(span)[both], result.average_growth(span)[both])
                rows.append({"scenario": name, "against": self.names[0],
                             "measure": f"average_growth_{span[0]}_{span[1]}", "unit": "growth rate", **_flat(d)})
        return pd.DataFrame(rows, columns=["scenario", "against", "measure", "unit", "difference",
                                           "ci95_low", "ci95_high", "se", "n"])

    def summary(self) -> dict:
        base = self.base
        return {
            "format_version": 1,
            "scenarios": self.names,
            "draws": base.spec.draws, "seed": base.spec.seed, "sampler": base.spec.sampler,
            "common_random_numbers": True,
            "growth_window": list(self.growth_window()),
            "table": self.table().to_dict(orient="records"),
            "differences": self.differences().to_dict(orient="records"),
            "long_window": list(base.long_window()),
            "decomposition": {"window": list(self.growth_window()), "unit": "percentage points of growth per year",
                              "scenarios": self.window_decomposition()},
            "explanations": {lang: self.explanations(lang) for lang in LANGS},
        }

    def per_draw(self) -> pd.DataFrame:
        """Average growth over the window and target hits per draw, one column per scenario."""
        window = self.growth_window()
        cols = {"draw": np.arange(self.base.spec.draws)}
        for name, result in zip(self.names, self.results):
            cols[f"{name}:valid"] = result.valid
            cols[f"{name}:average_growth"] = result.average_growth(window)
            for t in result.scenario.targets:
                cols[f"{name}:met_{t.name}"] = result.target_met(t)
        return pd.DataFrame(cols)

    def save(self, folder: str | Path, force: bool = False, command: str | None = None,
             charts: bool = True, lang: str | None = None) -> Path:
        """Write the comparison folder atomically: comparison.json, scenarios.csv, differences.csv,
        draws.parquet, each scenario's summary.json, a manifest and (with ``charts``) the charts."""
        from portfolio.outputs import folders

        with folders.StagedFolder(Path(folder), force) as stage:
            folders.write_json(stage / "comparison.json", self.summary())
            folders.write_csv(self.table(), stage / "scenarios.csv", index=False)
            folders.write_csv(self.differences(), stage / "differences.csv", index=False)
            folders.write_csv(self.decomposition(), stage / "decomposition.csv", index=False, float_format="%.10g")
            self.per_draw().to_parquet(stage / "draws.parquet", index=False)
            for name, result in zip(self.names, self.results):
                (stage / "scenarios").mkdir(exist_ok=True)
                folders.write_json(stage / "scenarios" / f"{name}.json", result.summary())
            if charts:
                draw_comparison_charts(self, stage, lang)
            manifest = {"format_version": 1, "kind": "comparison", "command": command,
                        "runs": [folders.manifest(r, command) for r in self.results]}
            folders.write_json(stage / "manifest.json", manifest)
        return Path(folder)


def draw_comparison_charts(comparison: Comparison, folder: Path, lang: str | None) -> None:
    """The comparison charts, when the chart module is available."""
    from portfolio.outputs.charts_compare import draw_comparison_charts as draw

    draw(comparison, folder, lang)


def _flat(d: dict) -> dict:
    return {"difference": d["difference"], "ci95_low": d["ci95"][0], "ci95_high": d["ci95"][1],
            "se": d.get("se", math.nan), "n": d["n"]}


def compare(scenarios, draws: int | None = None, seed: int | None = None, workers: int = 1,
            sampler: str | None = None, overrides=None, actuals=None, ledger=None, executor=None) -> Comparison:
    """Simulate each scenario (paths or Scenario objects) on the same draws; → Comparison.

    ``draws``, ``seed`` and ``sampler`` default to the FIRST scenario's simulation section and apply to
    all, so that the draws are shared (common random numbers). ``executor``: an entered Dask executor
    to run the draws on instead of ``workers`` local processes (``runs.executors``).
    """
    from portfolio.runs.simulate import simulate
    from portfolio.scenario.loading import load_scenario
    from portfolio.scenario.schema import Scenario
    from portfolio.scenario.settings import resolve_settings

    loaded = [s if isinstance(s, Scenario) else load_scenario(Path(s), overrides) for s in scenarios]
    if len(loaded) < 2:
        raise ValueError("compare needs at least two scenarios")
    settings = resolve_settings(loaded[0], draws, seed, sampler)   # the first scenario's, for all
    draws, seed, sampler = settings.draws, settings.seed, settings.sampler
    results = [simulate(s, draws=draws, seed=seed, sampler=sampler, workers=workers, keep_inputs=False,
                        actuals=actuals, ledger=ledger, executor=executor) for s in loaded]
    names = []
    for s in loaded:
        name = s.meta.name
        while name in names:
            name += "_"
        names.append(name)
    return Comparison(results, names)


def _heading(comparison: Comparison) -> str:
    return (f"{comparison.base.spec.draws:,} draws per scenario, seed {comparison.base.spec.seed}, "
            "common random numbers (differences are paired, against the first scenario)")


def probability_rows(comparison: Comparison, table=None, diffs=None, target: str | None = None) -> list[list[str]]:
    """``textsummary.probability_rows`` of this comparison (every target, or one)."""
    from portfolio.outputs.textsummary import probability_rows as rows

    table = comparison.table() if table is None else table
    diffs = comparison.differences() if diffs is None else diffs
    return rows(table, diffs, [target] if target else [t.name for t in comparison.base.scenario.targets])


def format_comparison(comparison: Comparison) -> str:
    """The terminal table: probabilities with intervals and paired differences against the first."""
    table = comparison.table()
    diffs = comparison.differences()
    targets = [t.name for t in comparison.base.scenario.targets]
    window = comparison.growth_window()
    lines = [_heading(comparison), ""]
    for target in targets:
        lines.append(f"P({target})")
        lines += [f"  {name:<28} {p:>6} {interval}" + (f"   {difference}" if difference else "")
                  for _, name, p, interval, difference in probability_rows(comparison, table, diffs, target)]
    lines.append(f"Average growth {window[0]}–{window[1]} (P10 / P50 / P90)")
    for _, row in table.iterrows():
        text = (f"  {row['scenario']:<28} {row['average_growth_p10'] * 100:.2f}% / "
                f"{row['average_growth_p50'] * 100:.2f}% / {row['average_growth_p90'] * 100:.2f}%")
        d = diffs[(diffs.scenario == row["scenario"]) & (diffs.measure == f"average_growth_{window[0]}_{window[1]}")]
        if len(d):
            r = d.iloc[0]
            text += "   mean " + L.pp_interval(r.difference * 100, (r.ci95_high - r.ci95_low) / 2 * 100, decimals=2)
        lines.append(text)
    long = comparison.base.long_window()
    if long != window:
        lines.append(f"Average growth {long[0]}–{long[1]}, mean difference against {comparison.names[0]}")
        for name in comparison.names[1:]:
            d = diffs[(diffs.scenario == name) & (diffs.measure == f"average_growth_{long[0]}_{long[1]}")]
            if len(d):
                r = d.iloc[0]
                lines.append(f"  {name:<28} "
                             + L.pp_interval(r.difference * 100, (r.ci95_high - r.ci95_low) / 2 * 100, decimals=2))
    parts = comparison.window_decomposition()
    if parts:
        lines.append(f"Why: difference of mean contributions {window[0]}–{window[1]} (pp/yr)")
        for name, sources in parts.items():
            shown = ", ".join(f"{k} {v:+.2f}" for k, v in sources.items() if v == v and abs(v) >= 0.005)
            lines.append(f"  {name:<28} {shown or 'none above 0.005'}")
    lines += [f"  {sentence}" for sentence in comparison.explanations("en")]
    return "\n".join(lines)
