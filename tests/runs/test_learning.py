"""Learning from actuals: importance resampling on the observed years, against the Kalman filter in a
linear-Gaussian special case; no learning without persistence; off when asked."""
from __future__ import annotations

import math

import numpy as np
import pytest

from portfolio.runs.learning import effective_draws, log_weights, resample
from portfolio.runs.simulate import simulate

MU, SD, NOISE = 0.05, 0.02, 0.01


def scenario_text(rho: float, draws: int, learn: bool = True) -> str:
    """Growth is μ + ε_t with ε an AR(1) (α ≈ 0, no labour or human-capital growth: the LTGM reduces to
    TFP growth), so the Kalman filter gives the exact conditional distribution."""
    return f"""\
meta:
  name: kalman
  title: {{zh: 卡尔曼, en: Kalman}}
  region: {{zh: 测试, en: test}}
  base_year: 2020
  horizon: 2025
targets:
  - {{name: growth, metric: average_growth, window: [2021, 2025], threshold: 0}}
economy:
  gdp: 1000 亿元
  capital_output_ratio: 3
  capital_share: 1e-9
  depreciation: 0.05
  investment_rate: 0.2
  tfp_growth: {MU}
  tfp_shock_sd: {SD}
  tfp_shock_persistence: {rho}
  population_growth: 0
  human_capital_growth: 0
simulation: {{draws: {draws}, seed: 4, observation_noise: {NOISE}, learn_from_actuals: {str(learn).lower()}}}
"""


def kalman_next(observed, rho: float) -> tuple[float, float]:
    """Predictive mean and variance of growth the year after the observations (x_0 = 0 known)."""
    m, p = 0.0, 0.0
    for y in observed:
        m, p = rho * m, rho * rho * p + SD ** 2               # predict
        gain = p / (p + NOISE ** 2)                          # update with y = μ + x + v
        m, p = m + gain * (y - MU - m), (1 - gain) * p
    m, p = rho * m, rho * rho * p + SD ** 2
    return MU + m, p


@pytest.mark.parametrize("observed", [(0.02, 0.03), (0.08, 0.07), (0.05, 0.05)])
def test_the_remaining_years_follow_the_kalman_filter(write, observed):
    draws, rho = 40_000, 0.8
    actuals = write("actuals.csv", "year,growth\n" + "".join(f"{2021 + i},{g}\n" for i, g in enumerate(observed)))
    result = simulate(write("k.yaml", scenario_text(rho, draws)), actuals=actuals)
    learning = result.summary()["actuals"]["learning"]
    ess = learning["effective_draws"]
    assert 1000 < ess < draws
    mean, var = kalman_next(observed, rho)
    g = result.data.growth[:, 2]                             # 2023, the first year after the actuals
    assert abs(g.mean() - mean) < 4 * math.sqrt(var / ess)
    assert abs(g.var() - var) < 4 * var * math.sqrt(2 / ess)
    np.testing.assert_array_equal(result.data.growth[:, :2], np.broadcast_to(observed, (draws, 2)))


def test_low_observations_move_the_remaining_years_down_by_the_closed_form(write):
    actuals = write("low.csv", "year,growth\n2021,0.02\n2022,0.02\n")
    learned = simulate(write("l.yaml", scenario_text(0.8, 30_000)), actuals=actuals)
    plain = simulate(write("p.yaml", scenario_text(0.8, 30_000, learn=False)), actuals=actuals)
    mean, var = kalman_next((0.02, 0.02), 0.8)
    shift = learned.data.growth[:, 2].mean() - plain.data.growth[:, 2].mean()
    ess = learned.summary()["actuals"]["learning"]["effective_draws"]
    assert shift < 0
    assert abs(shift - (mean - MU)) < 4 * math.sqrt(var / ess + SD ** 2 / 30_000)
    assert plain.summary()["actuals"]["learning"] is None            # off: the draws are as simulated


def test_without_persistence_the_future_is_unchanged(write):
    actuals = write("a.csv", "year,growth\n2021,0.01\n2022,0.00\n")
    result = simulate(write("z.yaml", scenario_text(0.0, 30_000)), actuals=actuals)
    ess = result.summary()["actuals"]["learning"]["effective_draws"]
    for t in (2, 3, 4):                                       # 2023-2025: independent of 2021-2022
        g = result.data.growth[:, t]
        assert abs(g.mean() - MU) < 4 * SD / math.sqrt(ess)
        assert abs(g.std() - SD) < 4 * SD * math.sqrt(1 / (2 * ess))


def test_weights_ess_and_resampling():
    model = np.array([[0.0], [0.01], [0.02], [np.nan]])
    lw = log_weights(model, [0.0], 0.01, np.array([True, True, True, True]))
    assert lw[0] == 0 and lw[1] == pytest.approx(-0.5) and lw[2] == pytest.approx(-2.0) and lw[3] == -np.inf
    assert effective_draws(np.zeros(10)) == pytest.approx(10)
    assert effective_draws(np.array([0.0, -np.inf, -np.inf])) == pytest.approx(1)
    idx = resample(np.log(np.array([0.5, 0.25, 0.25, 1e-300])), seed=1)
    assert list(idx) == sorted(idx) and set(idx) <= {0, 1, 2}
    assert np.bincount(idx, minlength=4)[0] == 2                         # systematic: n·w exactly, ±1
    np.testing.assert_array_equal(idx, resample(np.log(np.array([0.5, 0.25, 0.25, 1e-300])), seed=1))


def test_intervals_after_learning_count_effective_draws_not_repeats(write):
    from portfolio.runs.results import wilson_interval

    actuals = write("a.csv", "year,growth\n2021,0.02\n2022,0.03\n")
    result = simulate(write("k.yaml", scenario_text(0.8, 20_000)), actuals=actuals)
    summary = result.summary()
    ess = summary["actuals"]["learning"]["effective_draws"]
    target = summary["targets"][0]
    p = target["probability"]
    assert target["ci95"] == pytest.approx(list(wilson_interval(p * ess, ess)), rel=1e-9)
    assert target["ci95"][1] - target["ci95"][0] > (wilson_interval(p * 20_000, 20_000)[1]
                                                     - wilson_interval(p * 20_000, 20_000)[0]) * 1.5
