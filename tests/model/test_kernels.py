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


def test_ramp_kernel_is_the_formula_bit_for_bit():
    """G(x) = y²/(2R) + max(x − R, 0), y = clip(x, 0, R), x = edge − COD; a year's mean utilisation is
    G(t + 1) − G(t): the kernel equals the array formula exactly, never-opening (COD = inf) and R = 0
    included."""
    rng = np.random.default_rng(5)
    n = 5000
    years = np.arange(2020, 2036)
    cod = 2018 + rng.random(n) * 20
    cod[:20] = np.inf                                       # never opens
    cod[20:40] = np.round(cod[20:40])                       # opens on a year boundary
    ramp = rng.random(n) * 3
    ramp[40:80] = 0.0                                       # a step
    edges = np.append(years, years[-1] + 1.0).astype(float)
    x = edges[None, :] - cod[:, None]
    r = ramp[:, None]
    with np.errstate(invalid="ignore"):
        y = np.clip(x, 0.0, r)
        G = np.where(r > 0, y * y / (2.0 * np.where(r > 0, r, 1.0)), 0.0) + np.maximum(x - r, 0.0)
    out = np.empty((n, len(years)))
    kernels.ramp_fraction(cod, ramp, edges, out)
    np.testing.assert_array_equal(out, np.diff(G, axis=-1))


def test_generation_kernel_is_the_energy_formulas_bit_for_bit():
    from portfolio.model import energy
    from portfolio.model.schedules import interval_fraction

    rng = np.random.default_rng(11)
    n, K, k = 4000, 3, 1
    years = np.arange(2020, 2036)
    cap = rng.uniform(50, 3000, n)
    cod = 2019 + rng.random(n) * 20                           # before, inside and after the years
    cod[:40] = np.round(cod[:40])                             # exactly on a year boundary
    cod[40:60] = np.inf                                       # never commissioned
    alive = rng.random(n) > 0.1                               # some cancelled
    hours, curt = rng.uniform(900, 3500, n), rng.uniform(0, 0.1, n)
    deg, tariff, ratio, factor = rng.uniform(0, 0.008, n), rng.uniform(0.2, 0.4, n), rng.uniform(0.5, 0.8, n), 0.57
    age = np.maximum(energy.age_years(cod, years), 0.0)
    decay = (1.0 - deg[:, None]) ** age
    tables = [np.full((n, K, len(years)), 0.5) for _ in range(4)]           # added to, not overwritten
    kernels.add_generation(k, cap, cod, alive, hours, curt, decay, tariff, ratio, factor, years.astype(float),
                           *tables)
    frac = interval_fraction(cod, np.inf, years) * alive[:, None]
    gen = energy.generation_gwh(cap[:, None], frac, hours[:, None], curt[:, None], deg[:, None],
                                energy.age_years(cod, years))
    want = [energy.capacity_online_mw(cap, cod, years, ~alive), gen,
            energy.value_added_yi(gen, tariff[:, None], ratio[:, None]), energy.co2_avoided_mt(gen, factor)]
    for got, expected in zip(tables, want):
        np.testing.assert_array_equal(got[:, k], 0.5 + expected)
        assert np.all(got[:, [0, 2]] == 0.5)                                 # other technologies untouched
