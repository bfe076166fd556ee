"""The economy's shocks outside TFP (docs/model.md section 1): the persistent investment-rate deviation,
the output gap, their common national cycle, the contraction regime and trend-TFP deceleration —
against closed forms, with Monte Carlo tolerances from standard errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

from tests.model.test_engine import (
    ECON, INERT, YEARS, assert_contributions_add_up, engine, ltgm, scenario_yaml,
)

N = 20_000


def test_trend_tfp_deceleration_is_the_ltgm_with_a_falling_gA(write):
    out = engine(write("d.yaml", scenario_yaml(INERT, economy_extra="  tfp_growth_change: -0.002\n")))
    T = len(YEARS) - 1
    expected = ltgm(1000.0, gA=[ECON["gA"] - 0.002 * k for k in range(T)])
    np.testing.assert_allclose(out["gdp"][0], expected, rtol=1e-12)


def test_the_investment_deviation_is_an_ar1_with_the_closed_form_variance(write):
    sd, rho = 0.01, 0.6
    extra = f"  investment_shock_sd: {sd}\n  investment_shock_persistence: {rho}\n"
    out = engine(write("i.yaml", scenario_yaml(INERT, economy_extra=extra)), n=N)
    trend = np.array([ECON["s"] + ECON["ds"] * k for k in range(len(YEARS))])
    u = out["investment_rate"] - trend                      # no portfolio: the rate is s_t itself
    assert np.all(u[:, 0] == 0)                             # the base year is observed
    for t in range(1, len(YEARS)):
        var = sd ** 2 * (1 - rho ** (2 * t)) / (1 - rho ** 2)
        se = var * math.sqrt(2 / (N - 1))                   # standard error of a normal sample variance
        assert abs(u[:, t].var(ddof=1) - var) < 4 * se
        assert abs(u[:, t].mean()) < 4 * math.sqrt(var / N)
    # lag-1 autocovariance of the AR(1): cov(u_t, u_t−1) = ρ var(u_t−1)
    c = np.cov(u[:, 3], u[:, 2])[0, 1]
    v2 = sd ** 2 * (1 - rho ** 4) / (1 - rho ** 2)
    assert abs(c - rho * v2) < 4 * v2 * math.sqrt(2 / N)


@pytest.mark.parametrize("loading", [0.0, 0.5, 0.9])
def test_the_national_cycle_correlates_investment_and_demand_by_its_square(write, loading):
    extra = (f"  investment_shock_sd: 0.01\n  demand_shock_sd: 0.01\n  national_cycle_loading: {loading}\n")
    out = engine(write("c.yaml", scenario_yaml(INERT, economy_extra=extra)), n=N)
    trend1 = ECON["s"] + ECON["ds"]
    u1 = out["investment_rate"][:, 1] - trend1
    # the first year's gap is its innovation: ln(Y_1 / Y*_1) with Y* the calm path
    x1 = np.log(out["gdp"][:, 1] / ltgm(1000.0)[1])
    r = np.corrcoef(u1, x1)[0, 1]
    se = (1 - loading ** 4) / math.sqrt(N)
    assert abs(r - loading ** 2) < 4 * se + 1e-3


def test_the_contraction_regime_follows_its_markov_chain(write):
    p, q = 0.2, 0.5
    sections = f"uncertainty:\n  contraction: {{probability: {p}, exit_probability: {q}, depth: 0.05}}\n"
    out = engine(write("m.yaml", scenario_yaml(INERT, sections=sections)), n=N)
    state = out["contraction"]
    assert np.all(state[:, 0] == 0)
    share = 0.0
    for t in range(1, len(YEARS)):
        share = share * (1 - q) + (1 - share) * p             # π_t = π_t−1 (1 − q) + (1 − π_t−1) p
        assert abs(state[:, t].mean() - share) < 4 * math.sqrt(share * (1 - share) / N)
    # P(still in it | in it last year) = 1 − q
    was = state[:, 1] == 1
    stay = state[was, 2].mean()
    assert abs(stay - (1 - q)) < 4 * math.sqrt(q * (1 - q) / was.sum())
    # the investment rate is exactly depth lower in contraction years
    trend = np.array([ECON["s"] + ECON["ds"] * k for k in range(len(YEARS))])
    np.testing.assert_allclose(out["investment_rate"], trend - 0.05 * state, rtol=0, atol=1e-15)


def test_a_certain_contraction_lowers_gdp_by_its_output_gap_in_its_first_year(write):
    sections = ("uncertainty:\n  contraction: {probability: 1, exit_probability: 0.01, depth: 0.0, "
                "output_gap: -2%, first_year: 2023}\n")
    path = write("g.yaml", scenario_yaml(INERT, sections=sections))
    c_out = engine(path, n=200)
    calm = ltgm(1000.0)
    k = YEARS.index(2023)
    certain = c_out["contraction"][:, k] == 1
    assert certain.all()                                    # probability 1: every draw enters in 2023
    np.testing.assert_allclose(c_out["gdp"][:, :k], np.broadcast_to(calm[:k], (200, k)), rtol=1e-12)
    np.testing.assert_allclose(c_out["gdp"][:, k], calm[k] * math.exp(-0.02), rtol=1e-12)
    # the demand contribution that year is the gap's change, scaled into the growth split
    assert np.all(c_out["contributions"]["demand"][:, k - 1] < 0)
    assert_contributions_add_up(c_out)


def test_a_lasting_output_gap_also_slows_capital(write):
    """Investment is s_t of actual GDP: a year below potential builds less capital, so the year after a
    one-year contraction GDP is still below the calm path."""
    sections = ("uncertainty:\n  contraction: {probability: 1, exit_probability: 1, depth: 0.0, "
                "output_gap: -5%, first_year: 2022}\n")
    out = engine(write("h.yaml", scenario_yaml(INERT, sections=sections)), n=50)
    calm = ltgm(1000.0)
    k = YEARS.index(2022)
    state = out["contraction"][0]
    assert state[k] == 1 and state[k + 1] == 0               # exit probability 1: one year only
    assert out["gdp"][0, k + 1] < calm[k + 1] * (1 - 1e-6)   # below the calm path after the gap closed


def test_no_shocks_means_no_demand_contribution(write):
    out = engine(write("n.yaml", scenario_yaml(INERT)), n=3)
    assert np.all(out["contributions"]["demand"] == 0) and np.all(out["contraction"] == 0)
