"""The numba kernels against the array formulas they replace: bit for bit, on random inputs with the
awkward cases (zero durations, builds outside the years, starts exactly on a year boundary)."""
from __future__ import annotations

import numpy as np
import pytest

from portfolio.model import kernels
from portfolio.model.schedules import PROFILES, profile_cdf


def _formula(start, duration, years, profile):
    """Share in year t = F((t + 1 − s)/d) − F((t − s)/d); a zero duration spends all in the start's year."""
    edges = np.append(years, years[-1] + 1.0)
    lag = edges[None, :] - start[:, None]
    d = duration[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        cum = np.where(d > 0, profile_cdf(profile, lag / np.where(d > 0, d, 1.0)), (lag > 0).astype(float))
    return np.diff(cum, axis=-1)


@pytest.mark.parametrize("profile", PROFILES)
def test_spending_kernel_is_the_formula_bit_for_bit(profile):
    rng = np.random.default_rng(3)
    n = 5000
    years = np.arange(2020, 2036)
    start = 2018 + rng.random(n) * 20                       # some before, some after the years
    start[:50] = np.round(start[:50])                       # exactly on a year boundary
    duration = rng.random(n) * 5
    duration[50:100] = 0.0                                  # milestones and instant spending
    out = np.empty((n, 1, len(years)))
    kernels.spending_shares(start[:, None], duration[:, None], kernels.profile_codes([profile]),
                            np.append(years, years[-1] + 1.0).astype(float), out)
    np.testing.assert_array_equal(out[:, 0], _formula(start, duration, years, profile))


def test_profile_codes_follow_the_schema_order():
    assert list(kernels.profile_codes(PROFILES)) == [kernels.UNIFORM, kernels.S_CURVE, kernels.FRONT_LOADED,
                                                     kernels.BACK_LOADED]
    with pytest.raises(ValueError):
        kernels.profile_codes(["sideways"])
