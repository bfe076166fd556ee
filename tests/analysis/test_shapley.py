"""Shapley effects from given (correlated) draws, against the closed forms of linear Gaussian models
(Iooss & Prieur 2019, section 3) and the defining properties (efficiency, the independent case)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from portfolio.analysis.shapley import MAX_INPUTS, shapley_effects, shapley_from_costs

RHO = 0.6
COV = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, RHO], [0.0, RHO, 1.0]])
BETA = np.array([1.0, 1.0, 2.0])


def closed_form(beta, rho):
    """Y = β1 X1 + β2 X2 + β3 X3, unit variances, X1 independent, corr(X2, X3) = ρ (Iooss & Prieur 2019):
    Sh1 = β1², Sh2 = β2²(1 − ρ²/2) + ρβ2β3 + β3²ρ²/2, Sh3 the same with 2 and 3 exchanged."""
    b1, b2, b3 = beta
    return np.array([b1 ** 2, b2 ** 2 * (1 - rho ** 2 / 2) + rho * b2 * b3 + b3 ** 2 * rho ** 2 / 2,
                     b3 ** 2 * (1 - rho ** 2 / 2) + rho * b2 * b3 + b2 ** 2 * rho ** 2 / 2])


def gaussian_costs(beta, cov):
    """c(u) = Var(E[Y | X_u]) = β'Σ_{·u} Σ_uu⁻¹ Σ_{u·}β for every subset mask of a linear Gaussian model."""
    d = len(beta)
    cost = np.zeros(1 << d)
    for mask in range(1, 1 << d):
        u = [i for i in range(d) if mask >> i & 1]
        s = cov[:, u] @ np.linalg.solve(cov[np.ix_(u, u)], cov[u, :])
        cost[mask] = beta @ s @ beta
    return cost


def test_the_shapley_sum_over_subsets_gives_the_published_closed_form():
    exact = shapley_from_costs(gaussian_costs(BETA, COV), 3)
    np.testing.assert_allclose(exact, closed_form(BETA, RHO), rtol=1e-12)
    assert exact.sum() == pytest.approx(BETA @ COV @ BETA, rel=1e-12)           # efficiency: Σ Sh = Var(Y)


def test_shapley_weights_average_over_every_order():
    """The subset formula equals the average of marginal contributions over all d! orders."""
    rng = np.random.default_rng(1)
    d = 4
    cost = np.r_[0.0, rng.random((1 << d) - 1)]
    by_order = np.zeros(d)
    for order in itertools.permutations(range(d)):
        mask = 0
        for i in order:
            by_order[i] += cost[mask | 1 << i] - cost[mask]
            mask |= 1 << i
    np.testing.assert_allclose(shapley_from_costs(cost, d), by_order / 24, rtol=1e-12)


def _within(estimate, exact, k=4.0):
    """|estimate − exact| within k bootstrap standard errors (SE from the 95% interval's width)."""
    se = (estimate.high - estimate.low) / (2 * 1.96)
    return np.abs(estimate.share - exact) <= k * se


def test_correlated_linear_gaussian_model_is_estimated_from_given_draws():
    rng = np.random.default_rng(7)
    x = rng.multivariate_normal(np.zeros(3), COV, size=20_000)
    y = x @ BETA
    found = shapley_effects(x, y, seed=3)
    exact = closed_form(BETA, RHO) / (BETA @ COV @ BETA)
    assert _within(found, exact).all(), (found.share, exact, found.low, found.high)
    assert found.share.sum() == pytest.approx(found.explained, abs=1e-12)      # efficiency, as estimated
    assert found.explained == pytest.approx(1.0, abs=0.01)                      # y is a function of x
    # X3 gets more than its independent share β3²/Var would suggest less: the pair's joint effect is split
    assert found.share[2] > found.share[1] > found.share[0]


def test_independent_inputs_give_the_first_order_indices_and_noise_is_unexplained():
    """Independent inputs of an additive model: Sh_i = β_i² σ_i² / Var(Y) (= the first-order Sobol'
    index); an outcome with independent noise ε leaves Var(ε)/Var(Y) unexplained."""
    rng = np.random.default_rng(11)
    n = 20_000
    x = rng.normal(size=(n, 3)) * np.array([1.0, 2.0, 0.5])
    y = x @ np.array([1.0, 1.0, 1.0]) + rng.normal(0.0, 1.0, n)
    var = 1 + 4 + 0.25 + 1
    found = shapley_effects(x, y, seed=5)
    assert _within(found, np.array([1.0, 4.0, 0.25]) / var).all(), (found.share, found.low, found.high)
    se = (found.high - found.low).sum() / (2 * 1.96)
    assert abs(found.explained - (var - 1) / var) <= 4 * se


def test_too_many_inputs_is_refused_with_the_limit():
    with pytest.raises(ValueError, match=f"1 to {MAX_INPUTS} inputs"):
        shapley_effects(np.zeros((100, MAX_INPUTS + 1)), np.zeros(100))
