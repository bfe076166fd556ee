"""Learning from actuals: the draws that explain what was observed carry their state forward.

Conditioning on actuals (``scenario.actuals``) fixes the observed years' growth in every draw; on its
own that re-bases the GDP level and leaves the remaining years as they were. Learning also updates what
the model does not observe — persistent TFP, investment and demand shocks, the contraction regime,
uncertain trends — by importance resampling (a one-step particle filter):

- each draw's own simulated growth g_i,t in the observed years is compared with the observed y_t,
  which is measured with error ``simulation.observation_noise`` σ (regional growth figures are revised
  by up to a point or more; default 1 point): log w_i = −Σ_t (y_t − g_i,t)² / (2σ²);
- the draws are resampled in proportion to w (systematic resampling, seeded from the run's seed), so
  every output is an ordinary equal-weight sample of the conditioned distribution;
- the effective sample size ESS = (Σw)² / Σw² says how much of the sample the observations kept; a
  small ESS means the actuals lie far from what the scenario expected.

In a linear-Gaussian special case (growth = μ + x_t, x an AR(1)) this is exact Bayesian updating: the
resampled remaining years match the Kalman filter's predictive mean and variance (tests/runs/test_learning.py).
With no persistence and known parameters the remaining years are unchanged.
"""
from __future__ import annotations

import numpy as np

from portfolio.uncertainty import seeds


def log_weights(model_growth: np.ndarray, observed, noise: float, valid: np.ndarray) -> np.ndarray:
    """log w_i = −Σ_t (y_t − g_i,t)² / (2σ²); −inf for invalid draws. ``model_growth`` (n, k)."""
    gap = np.asarray(observed, float)[None, :] - model_growth
    with np.errstate(invalid="ignore"):
        out = -0.5 * np.sum(gap * gap, axis=1) / noise ** 2
    return np.where(valid & np.isfinite(out), out, -np.inf)


def effective_draws(log_w: np.ndarray) -> float:
    """ESS = (Σw)² / Σw² of weights given as logs."""
    if not np.isfinite(log_w).any():
        return 0.0
    w = np.exp(log_w - np.max(log_w))
    return float(w.sum() ** 2 / np.sum(w * w))


def resample(log_w: np.ndarray, seed: int) -> np.ndarray:
    """Systematic resampling: the indices (sorted, with repeats) of n draws taken in proportion to the
    weights, from one uniform offset of the ``seed``'s "actuals-resample" stream."""
    n = len(log_w)
    if not np.isfinite(log_w).any():
        raise ValueError("no draw is consistent with the actuals")
    w = np.exp(log_w - np.max(log_w))
    edges = np.cumsum(w / w.sum())
    edges[-1] = 1.0
    offset = seeds.generator(seed, "actuals-resample").random()
    positions = (offset + np.arange(n)) / n
    return np.minimum(np.searchsorted(edges, positions, side="right"), n - 1)
