import numpy as np
import pytest

from portfolio.model import economy as ec

A, GA, N, S, D = 0.5, 0.02, -0.005, 0.40, 0.096


def test_labour_growth():
    assert ec.labour_growth(0.01, 0.02, -0.01) == pytest.approx(1.01 * 1.02 * 0.99 - 1)
    assert ec.labour_growth(-0.005) == pytest.approx(-0.005)


def test_balanced_growth_and_steady_state():
    g = ec.balanced_growth(A, GA, N)
    assert round(100 * g, 4) == 3.5198
    assert ec.steady_state_ky(S, g, D) == pytest.approx(3.0488, abs=5e-5)


def test_steady_state_is_stationary():
    g = ec.balanced_growth(A, GA, N)
    ky = ec.steady_state_ky(S, g, D)
    r = ec.simulate_baseline(100.0, ky, S, GA, 0.0, N, A, D, n_years=30)
    np.testing.assert_allclose(r["growth"], g, atol=1e-6)
    np.testing.assert_allclose(r["ky"], ky, atol=1e-9)
    assert r["gdp"].shape == (1, 31) and r["gdp"][0, 0] == 100.0 and r["valid"].all()


@pytest.mark.parametrize("ky0", [2.0, 4.5])
def test_convergence_monotone(ky0):
    g = ec.balanced_growth(A, GA, N)
    ky_star = ec.steady_state_ky(S, g, D)
    r = ec.simulate_baseline(1.0, ky0, S, GA, 0.0, N, A, D, n_years=200)
    gap = r["ky"][0] - ky_star
    assert np.all(np.sign(gap) == np.sign(ky0 - ky_star))          # never overshoots
    assert np.all(np.diff(np.abs(gap)) < 0)                         # strictly closer every year
    assert abs(gap[-1]) < 1e-3 and abs(r["growth"][0, -1] - g) < 1e-4
    assert (r["growth"][0, 0] > g) == (ky0 < ky_star)               # capital-poor grows faster


def test_contributions_sum_and_paths():
    rng = np.random.default_rng(0)
    n, T = 400, 12
    kw = dict(y0=rng.uniform(500, 900, n), ky0=rng.uniform(2, 4.5, n),
              investment_rate=rng.uniform(0.2, 0.5, (n, T)), tfp_growth=rng.normal(0.015, 0.01, (n, T)),
              human_capital_growth=0.005, labour_growth=rng.normal(-0.003, 0.003, n),
              alpha=rng.uniform(0.35, 0.6, n), delta=rng.uniform(0.04, 0.1, n))
    r = ec.simulate_baseline(**kw)
    assert r["growth"].shape == r["tfp"].shape == (n, T) and r["ky"].shape == (n, T + 1)
    np.testing.assert_allclose(r["tfp"] + r["capital"] + r["labour"], r["growth"], atol=1e-14)
    np.testing.assert_allclose(r["gdp"][:, 1:] / r["gdp"][:, :-1] - 1, r["growth"], atol=1e-13)
    r2 = ec.simulate_baseline(**kw)
    for k in r:                                                      # deterministic
        np.testing.assert_array_equal(r[k], r2[k])
    tfp, cap, lab, g = ec.growth_contributions(0.0, 0.0, 0.0, 0.0, 0.5)
    assert tfp == cap == lab == g == 0.0


def test_harrod_domar_limit():
    assert ec.harrod_domar_growth(0.30, 4.0) == pytest.approx(0.075)
    r = ec.simulate_baseline(1.0, 4.0, 0.30, 0.0, 0.0, 0.0, alpha=1.0, delta=0.0, n_years=5)
    np.testing.assert_allclose(r["growth"][0], 0.30 / r["ky"][0, :-1], rtol=0, atol=1e-15)
    assert r["growth"][0, 0] == pytest.approx(ec.harrod_domar_growth(0.30, 4.0), abs=1e-15)


def test_required_investment_round_trip():
    rng = np.random.default_rng(3)
    n, T = 50, 10
    target = rng.uniform(0.05, 0.11, (n, T))
    gA = rng.normal(0.015, 0.005, (n, T))
    ky0, a, d, gL, gh = rng.uniform(2, 4, n), rng.uniform(0.4, 0.6, n), 0.06, -0.002, 0.004
    req = ec.required_investment_path(ky0, target, gA, gh, gL, a, d)
    np.testing.assert_allclose(req["investment_rate"][:, 0],
                               ec.required_investment_rate(ky0, target[:, 0], gA[:, 0], gh, gL, a, d))
    r = ec.simulate_baseline(100.0, ky0, req["investment_rate"], gA, gh, gL, a, d)
    np.testing.assert_allclose(r["growth"], target, rtol=0, atol=1e-10)
    np.testing.assert_allclose(r["ky"], req["ky"], atol=1e-10)


def test_required_at_balanced_growth_is_steady_state_rate():
    g = ec.balanced_growth(A, GA, N)
    ky = ec.steady_state_ky(S, g, D)
    assert ec.required_capital_growth(g, GA, 0.0, N, A) == pytest.approx(g)
    assert ec.required_investment_rate(ky, g, GA, 0.0, N, A, D) == pytest.approx(S)


def test_collapse_is_flagged_without_warnings():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = ec.simulate_baseline([100.0, 100.0, 100.0], 3.0, [0.0, 0.1, 0.3], 0.01, 0.0, 0.0, 0.5,
                                 delta=[1.0, 1.5, 0.05], n_years=4)
    assert list(r["valid"]) == [False, False, True]
    assert not np.all(np.isfinite(r["gdp"][1]) & (r["gdp"][1] > 0))
    assert not np.all(np.isfinite(r["gdp"][0]) & (r["gdp"][0] > 0))
    assert np.all(np.isfinite(r["gdp"][2]))


def test_shape_errors():
    with pytest.raises(ValueError, match="n_years"):
        ec.simulate_baseline(1.0, 3.0, 0.3, 0.01)
    with pytest.raises(ValueError, match="lengths"):
        ec.simulate_baseline(1.0, 3.0, np.full((1, 3), 0.3), np.full((1, 4), 0.01))
