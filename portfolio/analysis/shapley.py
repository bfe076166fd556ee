"""Shapley effects: each input's share of an outcome's variance, valid when the inputs are correlated.

Owen (2014) took them from cooperative game theory. With the cost of a set u of inputs
c(u) = Var(E[Y | X_u]) — the variance that knowing u explains — input i's effect is

    Sh_i = Σ_{u ⊆ D∖{i}} |u|! (d − |u| − 1)! / d! · (c(u ∪ {i}) − c(u)),

its average marginal contribution over every order in which the inputs could be learnt. Shapley
effects are never negative, add up to c(D) = Var(E[Y | X_D]) (the variance the chosen inputs explain
together), and under dependence share a correlated pair's joint effect between the two instead of
counting it twice or not at all — which Sobol' indices computed as if the inputs were independent
cannot do (Owen & Prieur 2017; Iooss & Prieur 2019, who give the closed forms of linear Gaussian
models the tests check).

Estimated from given data — a run's own (correlated) draws, no new simulation — with the
nearest-neighbour estimator of Broto, Bachoc & Depecker (2020): for every subset v of the inputs,
E[Var(Y | X_v)] is the mean, over ``queries`` draws, of the unbiased variance of Y among the
``neighbours`` draws nearest to it in the v coordinates (each input as the normal scores of its
average ranks, so units and scales do not matter and tied values of a discrete input are equal), and
c(v) = Var(Y) − E[Var(Y | X_v)]. Every subset is evaluated, so the inputs are limited to
``MAX_INPUTS``. The 95% intervals are a bootstrap of the query draws (one resample serves every
subset); they cover the estimator's sampling noise, not its small-sample bias (upwards for
E[Var(Y | X_v)] when few draws fill many dimensions).

References
----------
- Owen, A. B. (2014) Sobol' indices and Shapley value. *SIAM/ASA J. Uncertainty Quantification* 2, 245-251.
- Owen, A. B. & Prieur, C. (2017) On Shapley value for measuring importance of dependent inputs.
  *SIAM/ASA J. Uncertainty Quantification* 5, 986-1002.
- Iooss, B. & Prieur, C. (2019) Shapley effects for sensitivity analysis with correlated inputs:
  comparisons with Sobol' indices, numerical estimation and applications. *Int. J. Uncertainty
  Quantification* 9(5), 493-514.
- Broto, B., Bachoc, F. & Depecker, M. (2020) Variance reduction for estimation of Shapley effects
  and adaptation to unknown input distribution. *SIAM/ASA J. Uncertainty Quantification* 8, 693-716.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_INPUTS = 10          # 2^10 − 1 = 1,023 subsets, each a nearest-neighbour search
NEIGHBOURS = 3           # Broto et al.'s choice: the bias grows with more, the variance with fewer
QUERIES = 2000           # draws at which each subset's conditional variance is averaged


@dataclass
class ShapleyEffects:
    """``share[i]`` = Sh_i / Var(Y) with its bootstrap 95% interval ``low``/``high``; ``explained`` the
    share the inputs explain together, c(D) / Var(Y) (= Σ share); ``variance`` Var(Y)."""
    share: np.ndarray
    low: np.ndarray
    high: np.ndarray
    explained: float
    variance: float


def copula_scores(x: np.ndarray) -> np.ndarray:
    """Each column of ``x`` (n, d) as the normal scores Φ⁻¹((r − 1/2)/n) of its average ranks r."""
    from scipy import special, stats

    ranks = stats.rankdata(np.asarray(x, float), axis=0)
    return special.ndtri((ranks - 0.5) / len(x))


def subset_weights(d: int) -> np.ndarray:
    """|u|! (d − |u| − 1)! / d! for |u| = 0 … d − 1: the Shapley weight of a set of that size."""
    return np.array([math.factorial(k) * math.factorial(d - k - 1) / math.factorial(d) for k in range(d)])


def shapley_from_costs(cost: np.ndarray, d: int) -> np.ndarray:
    """Shapley values (d,) from the cost of every subset, ``cost[mask]`` with bit i of ``mask`` set
    when input i is in the subset (``cost[0]`` = c(∅) = 0)."""
    weights = subset_weights(d)
    sizes = np.array([bin(m).count("1") for m in range(1 << d)])
    values = np.zeros(d)
    for i in range(d):
        bit = 1 << i
        without = np.array([m for m in range(1 << d) if not m & bit])
        values[i] = np.sum(weights[sizes[without]] * (cost[without | bit] - cost[without]))
    return values


def shapley_effects(x: np.ndarray, y: np.ndarray, *, neighbours: int = NEIGHBOURS, queries: int = QUERIES,
                    resamples: int = 200, seed: int = 0) -> ShapleyEffects:
    """Shapley effects of the columns of ``x`` (n draws × d inputs, any joint distribution) on ``y``
    (n,), by the nearest-neighbour estimator (module docstring); ``seed`` picks the query draws and
    the bootstrap resamples."""
    from scipy.spatial import cKDTree

    x, y = np.asarray(x, float), np.asarray(y, float)
    n, d = x.shape
    if not 1 <= d <= MAX_INPUTS:
        raise ValueError(f"Shapley effects evaluate every subset of the inputs: 1 to {MAX_INPUTS} inputs, got {d}")
    if n < 10 * neighbours:
        raise ValueError(f"too few draws for {neighbours} neighbours: {n}")
    rng = np.random.default_rng(seed)
    at = rng.choice(n, size=min(int(queries), n), replace=False)
    z = copula_scores(x)
    variance = float(np.var(y, ddof=1))
    # per query draw and subset: the variance of y among its nearest neighbours in that subset's scores
    local = np.empty((1 << d, len(at)))
    local[0] = variance                               # knowing nothing: E[Var(Y)] = Var(Y)
    for mask in range(1, 1 << d):
        cols = [i for i in range(d) if mask >> i & 1]
        _, idx = cKDTree(z[:, cols]).query(z[at][:, cols], k=neighbours)
        local[mask] = np.var(y[idx], axis=1, ddof=1)
    cost = variance - local.mean(axis=1)
    cost[0] = 0.0
    share = shapley_from_costs(cost, d) / variance
    boot = np.empty((resamples, d))
    for b in range(resamples):
        pick = rng.integers(0, len(at), len(at))
        c = variance - local[:, pick].mean(axis=1)
        c[0] = 0.0
        boot[b] = shapley_from_costs(c, d) / variance
    low, high = np.percentile(boot, [2.5, 97.5], axis=0) if resamples else (np.full(d, np.nan),) * 2
    return ShapleyEffects(share, low, high, float(cost[-1] / variance), variance)
