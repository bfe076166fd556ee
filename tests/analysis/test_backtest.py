"""`portfolio backtest`: the scores against closed forms, nominal coverage on histories the model itself
generates, a regime break and an overconfident specification caught, and the command end to end."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from portfolio.analysis.backtest import backtest, crps_sample, pit_value
from tests.conftest import MINIMAL


def test_crps_of_a_normal_sample_matches_the_closed_form():
    """Gneiting & Raftery (2007): CRPS(N(μ, σ²), y) = σ [z (2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ."""
    rng = np.random.default_rng(3)
    n, mu, sigma = 200_000, 0.08, 0.02
    x = rng.normal(mu, sigma, n)
    for y in (0.08, 0.05, 0.13):
        z = (y - mu) / sigma
        exact = sigma * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi))
        assert abs(crps_sample(x, y) - exact) < 5 * sigma / math.sqrt(n)


def test_crps_and_pit_of_simple_samples():
    assert crps_sample([0.05], 0.08) == pytest.approx(0.03)          # a point forecast: the absolute error
    assert crps_sample([0.0, 1.0], 0.5) == pytest.approx(0.25)        # E|X − y| 0.5 − ½ E|X − X'| 0.25
    assert pit_value([1, 2, 3, 4], 2.5) == 0.5 and pit_value([1, 2, 3], 2) == 0.5 and pit_value([1, 2], 9) == 1


def synthetic_history(seed: int, years: int = 30, sd: float = 0.015, brk: tuple[int, float] | None = None,
                      alpha: float = 0.5, delta: float = 0.096, s: float = 0.35) -> pd.DataFrame:
    """A history the model itself could have produced: Y = A K^α L^(1−α), I = s Y, K' = (1 − δ) K + I,
    TFP growth gA + σ z (i.i.d.), employment +0.5%/yr, starting on the steady state. ``brk`` = (k, Δ)
    lowers TFP growth by Δ from the k-th year on (a regime break)."""
    rng = np.random.default_rng(seed)
    g_a, g_l = 0.02, 0.005
    g = (1 + g_a) ** (1 / (1 - alpha)) * (1 + g_l) - 1
    ky = s / (g + delta)
    y, labour = 100.0, 50.0
    k = ky * y
    a = y / (k ** alpha * labour ** (1 - alpha))
    rows = []
    for t in range(years):
        rows.append({"year": 1990 + t, "gdp": y, "gfcf": s * y, "employment": labour})
        shock = g_a + sd * rng.standard_normal() - (brk[1] if brk and t + 1 >= brk[0] else 0.0)
        k = (1 - delta) * k + s * y
        a *= 1 + shock
        labour *= 1 + g_l
        y = a * k ** alpha * labour ** (1 - alpha)
    table = pd.DataFrame(rows)
    table.attrs["label"] = f"synthetic-{seed}"
    return table


def test_coverage_is_nominal_on_histories_the_model_generates():
    inside, cases = {50: 0, 90: 0}, 0
    for seed in range(24):
        result = backtest(synthetic_history(seed), horizon=1, origins=range(2010, 2019, 2), draws=600, seed=seed)
        rows = result.scores
        cases += len(rows)
        for level in inside:
            inside[level] += int(rows[f"in_{level}"].sum())
    for level, count in inside.items():
        p = level / 100
        se = math.sqrt(p * (1 - p) / cases)
        assert abs(count / cases - p) < 3.5 * se + 0.02, (level, count, cases)   # +2 points: sd estimated from ~20 years


def test_a_regime_break_worsens_the_score():
    calm = backtest(synthetic_history(7), horizon=3, origins=range(2008, 2017), draws=600)
    broken = backtest(synthetic_history(7, brk=(22, 0.05)), horizon=3, origins=range(2008, 2017), draws=600)
    assert broken.summary()["crps_pp"]["all_years"] > calm.summary()["crps_pp"]["all_years"] + 0.5
    cover = lambda r: r.summary()["coverage"][2]["share"]                          # noqa: E731 — 90%
    assert cover(broken) < cover(calm)


def _template(write, sd: float):
    text = MINIMAL.replace("  tfp_growth: 0.015\n", f"  tfp_growth: 0.015\n  tfp_shock_sd: {sd}\n  tfp_shock_persistence: 0\n")
    assert f"tfp_shock_sd: {sd}" in text
    return write(f"template-{sd}.yaml", text)


def test_an_overconfident_specification_is_caught_and_the_widest_does_not_win(write):
    history = synthetic_history(11, years=34)
    kw = dict(horizon=1, origins=range(2005, 2023), draws=800)
    honest = backtest(history, template=_template(write, 0.015), **kw).summary()
    narrow = backtest(history, template=_template(write, 0.002), **kw).summary()
    wide = backtest(history, template=_template(write, 0.08), **kw).summary()
    assert narrow["coverage"][2]["verdict"] == "too narrow"                         # 90% band holds far fewer
    assert honest["coverage"][2]["verdict"] == "consistent"
    assert wide["coverage"][2]["share"] == 1.0                                     # covers everything ...
    assert wide["crps_pp"]["all_years"] > honest["crps_pp"]["all_years"]           # ... and still scores worse
    assert narrow["crps_pp"]["all_years"] > honest["crps_pp"]["all_years"]


def test_the_backtest_command_writes_its_folder(cli, tmp_path, write):
    history = synthetic_history(5, years=20)
    path = tmp_path / "history.csv"
    history.to_csv(path, index=False)
    out = tmp_path / "bt"
    result = cli("backtest", path, "--horizon", "3", "--origins", "2000:2006", "--draws", "300", "--out", out)
    assert result.exit_code == 0, result.output
    assert "coverage, every year" in result.output and "CRPS" in result.output
    for name in ("backtest.json", "scores.csv", "pit.png", "fans.svg"):
        assert (out / name).is_file()
    scores = pd.read_csv(out / "scores.csv")
    assert set(scores.origin) == set(range(2000, 2007))
    bad = cli("backtest", path, "--origins", "1980:1985", "--out", tmp_path / "bad")
    assert bad.exit_code == 2 and "origins must lie in 1992–2008" in bad.output


def test_a_biased_forecast_is_called_too_high():
    """A TFP slowdown the calibration cannot know: the outcomes fall low in the forecasts."""
    broken = backtest(synthetic_history(3, years=34, brk=(20, 0.04)), horizon=1, origins=range(2010, 2023),
                      draws=600).summary()["bias"]
    assert broken["verdict"] == "forecasts too high" and broken["mean_error_pp"] < 0
    calm = backtest(synthetic_history(3, years=34), horizon=1, origins=range(2010, 2023), draws=600).summary()["bias"]
    assert calm["verdict"] == "centred"
    assert abs(calm["mean_pit"] - 0.5) < 3 * calm["se"]
