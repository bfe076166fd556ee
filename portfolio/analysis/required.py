"""The investment rate a growth target requires: the LTGM inversion ("submodel 2") of a scenario.

For an ``average_growth`` target with threshold g* over the window [w0, w1], the economy outside the
portfolio must grow at g* in every year of the window. With the scenario's central values (medians of
distributions, fixed numbers as they are) for TFP growth gA, labour growth gL (population × working-age
share × participation), human capital growth gh, the capital share α, depreciation δ and base-year K/Y:

    1 + gK_req,t = [(1 + g*) / ((1 + gA) ((1 + gh)(1 + gL))^(1-α))]^(1/α)
    s_req,t      = (K/Y)_t (gK_req,t + δ)
    (K/Y)_t+1    = (K/Y)_t (1 + gK_req,t) / (1 + g*)

(:func:`portfolio.model.economy.required_investment_path`). Years between the base year and the window
follow the scenario's own rate path, which fixes K/Y at the start of the window. The scenario's rate in
year t is investment_rate + investment_rate_change × (t − base_year − 1), clipped to [0, 1], exactly as
the engine applies it (the first simulated year uses ``investment_rate`` itself).

Not included: the portfolio overlay, TFP shocks (mean zero) and shock events. The required rate is what
the economy outside the portfolio would need to reach the target on its own. As a second answer the
portfolio's mean overlay X̄_t (construction demand + operation + energy value added, 亿元, the mean over
draws of the engine) can be credited: total GDP must follow Y*_t = Y_w0-1 (1 + g*)^(t − w0 + 1), so the
economy outside the portfolio needs 1 + g^B_t = (Y*_t − X̄_t) / (Y*_t-1 − X̄_t-1). Catalytic TFP uplift
is not credited (it is part of the portfolio's effect on the baseline's TFP). Not computed in
``integrated`` mode, where the portfolio's capex enters the capital stock instead.

References
----------
Loayza, N. & Pennings, S. (2022). The Long Term Growth Model: Fundamentals, Extensions, and
Applications. World Bank (the required-investment "submodel 2").
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio.model import economy
from portfolio.outputs import texts as L
from portfolio.problems import InputError, Problem
from portfolio.uncertainty.quantities import Dist

__all__ = ["required_investment", "central", "central_economy", "format_required", "plot_required"]

CREDIT_DRAWS = 4096  # draws for the portfolio's mean overlay (one sampling block)


def central(value) -> float:
    """The central value of a scenario input: a fixed number as it is, a distribution's median."""
    if isinstance(value, Dist):
        return float(value.distribution().ppf(np.array([0.5]))[0])
    return float(value)


def central_economy(scenario) -> dict:
    """The economy section's central values [fractions per year; K/Y in years; GDP in 亿元]."""
    e = scenario.economy
    c = {k: central(getattr(e, k)) for k in (
        "capital_output_ratio", "capital_share", "depreciation", "investment_rate", "investment_rate_change",
        "tfp_growth", "population_growth", "working_age_share_growth", "participation_growth",
        "human_capital_growth")}
    c["gdp"] = float(e.gdp)
    c["labour_growth"] = float(economy.labour_growth(c["population_growth"], c["working_age_share_growth"],
                                                     c["participation_growth"]))
    return c


def _where(scenario) -> tuple[str, int | None]:
    from portfolio.scenario.loading import origin

    resolved = origin(scenario)
    return resolved.where(("targets",)) if resolved is not None else ("scenario", None)


def _pick_target(scenario, name: str | None):
    growth = [t for t in scenario.targets if t.metric == "average_growth"]
    file, line = _where(scenario)
    if name is None:
        if not growth:
            raise InputError([Problem(file, line, "targets", "no average_growth target: the required "
                                      "investment rate needs a growth target over a window")])
        return growth[0]
    for t in scenario.targets:
        if t.name == name:
            if t.metric != "average_growth":
                raise InputError([Problem(file, line, "--target", f"target '{name}' has metric {t.metric} "
                                          "(expected an average_growth target)")])
            return t
    known = ", ".join(t.name for t in growth) or "none"
    raise InputError([Problem(file, line, "--target", f"unknown target '{name}' "
                              f"(average_growth targets: {known})")])


def _mean_overlay(scenario, draws: int, seed: int | None) -> np.ndarray:
    """Mean portfolio overlay X̄_t (亿元) for the base year … horizon, over the engine's valid draws."""
    from portfolio.model.compiled import compile_scenario
    from portfolio.model.engine import evaluate
    from portfolio.scenario.settings import resolve_settings
    from portfolio.uncertainty.sampling import sample

    c = compile_scenario(scenario)
    settings = resolve_settings(scenario, seed=seed)
    params = sample(c.random, 0, draws, settings.seed, settings.sampler,
                    c.correlation, c.correlated or None)
    out = evaluate(c, params, draws, detail=False)
    ok = out["valid"]
    if not ok.any():
        return np.full(len(c.years), np.nan)
    return (out["gdp"][ok] - out["gdp_baseline"][ok]).mean(axis=0)


def required_investment(scenario, target: str | None = None, credit_portfolio: bool = True,
                        draws: int = CREDIT_DRAWS, seed: int | None = None) -> pd.DataFrame:
    """The non-portfolio investment-rate path a scenario's growth target requires (LTGM inversion).

    Parameters
    ----------
    scenario : Scenario or path
        A loaded scenario (``load_scenario``) or a scenario file.
    target : str, optional
        Name of an ``average_growth`` target; default the first one. Unknown names raise InputError.
    credit_portfolio : bool
        Also compute the rate needed when the portfolio's mean overlay is credited (runs the engine for
        ``draws`` draws with the scenario's sampler and ``seed``, default the scenario's seed).

    Returns
    -------
    pandas.DataFrame
        One row per year of the target window: ``year``; ``target_growth`` g* [1/yr];
        ``required_rate`` s_req [-]; ``scenario_rate`` the scenario's own s [-]; ``gap_pp``
        (s_req − s) × 100 [percentage points]; ``required_capital_growth`` [1/yr]; ``required_ky``
        K/Y at the end of the year on the required path [years]; and, with ``credit_portfolio``,
        ``portfolio_overlay`` X̄_t [亿元], ``baseline_growth_with_portfolio`` g^B_t [1/yr],
        ``required_rate_with_portfolio`` [-] (NaN in integrated mode). ``attrs`` holds the scenario
        name, the target, the central values used, K/Y at the start of the window, the notes printed
        with the table and, when credited, ``overlay_before_window`` X̄ and
        ``baseline_gdp_before_window`` Y^B in the year before the window [亿元].
    """
    if not hasattr(scenario, "economy"):
        from portfolio.scenario.loading import load_scenario

        scenario = load_scenario(scenario)
    t = _pick_target(scenario, target)
    c = central_economy(scenario)
    base, horizon = scenario.meta.base_year, scenario.meta.horizon
    w0, w1 = t.window
    g = float(t.threshold)
    a, d = c["capital_share"], c["depreciation"]
    gA, gh, gL = c["tfp_growth"], c["human_capital_growth"], c["labour_growth"]

    years_all = np.arange(base + 1, horizon + 1)
    s_scenario = np.clip(c["investment_rate"] + c["investment_rate_change"] * np.arange(len(years_all)), 0.0, 1.0)
    lead = w0 - base - 1                                   # simulated years before the window
    window = slice(lead, w1 - base)
    ky_start, y_start = c["capital_output_ratio"], 1.0
    if lead:
        pre = economy.simulate_baseline(1.0, c["capital_output_ratio"], s_scenario[None, :lead], gA, gh, gL,
                                        a, d)
        ky_start, y_start = float(pre["ky"][0, -1]), float(pre["gdp"][0, -1])
    n = w1 - w0 + 1
    path = economy.required_investment_path(ky_start, np.full((1, n), g), gA, gh, gL, a, d)
    years = np.arange(w0, w1 + 1)
    s_req = path["investment_rate"][0]
    frame = pd.DataFrame({
        "year": years,
        "target_growth": np.full(n, g),
        "required_rate": s_req,
        "scenario_rate": s_scenario[window],
        "gap_pp": (s_req - s_scenario[window]) * 100,
        "required_capital_growth": path["capital_growth"][0],
        "required_ky": path["ky"][0, 1:],
    })

    notes = [
        "The portfolio overlay is not included: the required rate is the non-portfolio investment / GDP "
        "the economy outside the portfolio would need to reach the target on its own.",
        "Central values (medians of distributions); TFP shocks and shock events are left out.",
    ]
    if lead:
        notes.append(f"{base + 1}–{w0 - 1} (before the window) follow the scenario's own rate path.")
    if credit_portfolio:
        if scenario.economy.mode == "integrated":
            frame["portfolio_overlay"] = np.nan
            frame["baseline_growth_with_portfolio"] = np.nan
            frame["required_rate_with_portfolio"] = np.nan
            notes.append("Integrated mode: the portfolio's capex enters the capital stock, so no overlay "
                         "is credited.")
        else:
            x = _mean_overlay(scenario, draws, seed)       # base year … horizon
            y0_base = c["gdp"] - x[0]                      # the engine's Y^B at the base year
            yb_prev = y0_base * y_start                    # central Y^B in year w0 − 1
            xw = x[lead:w1 - base + 1]                     # X̄ in w0 − 1 … w1
            total = (yb_prev + xw[0]) * (1 + g) ** np.arange(n + 1)
            with np.errstate(all="ignore"):
                baseline = total - xw
                gb = np.where(baseline[:-1] > 0, baseline[1:] / baseline[:-1] - 1, np.nan)
            credited = economy.required_investment_path(ky_start, gb[None, :], gA, gh, gL, a, d)
            frame.attrs["overlay_before_window"] = float(xw[0])   # X̄ in w0 − 1
            frame.attrs["baseline_gdp_before_window"] = float(yb_prev)  # central Y^B in w0 − 1
            frame["portfolio_overlay"] = xw[1:]
            frame["baseline_growth_with_portfolio"] = gb
            frame["required_rate_with_portfolio"] = credited["investment_rate"][0]
            notes.append(f"'with portfolio': the portfolio's mean overlay (construction demand, operation, "
                         f"energy; mean of {draws:,} engine draws) is credited; catalytic TFP uplift is not.")
    credited_rates = frame.get("required_rate_with_portfolio", pd.Series(dtype=float)).to_numpy()
    if np.any(s_req > 1) or np.any(credited_rates > 1):
        notes.append("A required rate above 100% means investment alone cannot deliver the target with these "
                     "TFP and labour assumptions.")
    frame.attrs.update({
        "scenario": scenario.meta.name, "target": t.name,
        "target_label": t.label.model_dump() if t.label else None, "window": [w0, w1], "threshold": g,
        "base_year": base, "ky_at_window_start": ky_start, "central": c, "notes": notes,
        "language": scenario.meta.language,
    })
    return frame


# ----------------------------------------------------------------------------------- presentation
def format_required(frame: pd.DataFrame) -> str:
    """The table a planner reads in the terminal."""
    at = frame.attrs
    c = at["central"]
    w0, w1 = at["window"]
    lines = [
        f"Required investment rate — {at['scenario']}, target {at['target']}: "
        f"average growth {w0}–{w1} ≥ {at['threshold']:.2%}",
        f"Central values: α {c['capital_share']:.3f}, δ {c['depreciation']:.3f}, TFP growth "
        f"{c['tfp_growth']:.2%}, labour growth {c['labour_growth']:.2%}, human capital growth "
        f"{c['human_capital_growth']:.2%}, K/Y {at['ky_at_window_start']:.3f} in {w0 - 1}",
        "",
    ]
    credited = "required_rate_with_portfolio" in frame and frame["required_rate_with_portfolio"].notna().any()
    head = f"{'year':>4}  {'required':>8}  {'scenario':>8}  {'gap (pp)':>8}  {'req. K/Y':>8}"
    if credited:
        head += f"  {'with portfolio':>14}"
    lines.append(head)
    for row in frame.itertuples(index=False):
        text = (f"{row.year:>4}  {row.required_rate:>8.1%}  {row.scenario_rate:>8.1%}  {row.gap_pp:>+8.1f}  "
                f"{row.required_ky:>8.2f}")
        if credited:
            text += f"  {row.required_rate_with_portfolio:>14.1%}"
        lines.append(text)
    lines.append("")
    lines.append("required: non-portfolio investment / GDP for the target; scenario: the scenario's own rate; "
                 "gap = required − scenario.")
    lines.extend(f"Note: {n}" for n in at["notes"])
    return "\n".join(lines)


def plot_required(frame: pd.DataFrame, lang: str | None = None):
    """Required vs scenario investment rate by year (a matplotlib Figure; never shown)."""
    from portfolio.analysis.calibrate import (
        _figure,
        _legend_below,
        _style_module,
    )

    lang = lang or frame.attrs.get("language", "en")
    style = _style_module()
    blue, vermillion, green = ((style.BLUE, style.VERMILLION, style.GREEN) if style is not None
                               else ("#0072B2", "#D55E00", "#009E73"))
    fig, ax = _figure()
    years = frame["year"].to_numpy()
    ax.plot(years, frame["required_rate"] * 100, color=blue, marker="o", label=L.text("calibrate.required", lang))
    ax.plot(years, frame["scenario_rate"] * 100, color=vermillion, marker="s", linestyle="--",
            label=L.text("calibrate.scenario_rate", lang))
    if "required_rate_with_portfolio" in frame and frame["required_rate_with_portfolio"].notna().any():
        ax.plot(years, frame["required_rate_with_portfolio"] * 100, color=green, marker="^", linestyle=":",
                label=L.text("calibrate.with_portfolio", lang))
    at = frame.attrs
    label = (at.get("target_label") or {}).get(lang) or f"{at.get('target', '')} ≥ {at.get('threshold', 0):.1%}"
    ax.set_title(L.text("calibrate.required_title", lang, target=label))
    ax.set_xlabel(L.text("calibrate.year", lang))
    ax.set_ylabel(L.text("calibrate.rate_pct", lang))
    ax.set_xticks(years)
    _legend_below(fig, ax, ncols=3)
    return fig
