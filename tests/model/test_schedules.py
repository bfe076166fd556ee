import datetime as dt

import numpy as np
import pytest

from portfolio.model.schedules import (PROFILES, critical_path, group_dates, interval_fraction, profile_cdf,
                                       ramp_fraction, resolve_schedule, spending_shares)
from portfolio.scenario.graph import CycleError, topological_order
from portfolio.uncertainty.dates import decimal_year

YEARS = np.arange(2018, 2036)


def test_decimal_year_forms():
    assert decimal_year(2021) == 2021.0 and isinstance(decimal_year(2021), float)
    assert decimal_year(2023.5) == 2023.5
    assert decimal_year(dt.date(2021, 7, 1)) == pytest.approx(2021 + 181 / 365)
    assert decimal_year("2021-07-01") == pytest.approx(2021 + 181 / 365)
    assert decimal_year("2024-08") == pytest.approx(2024 + 213 / 366)   # leap year, 1 Aug
    assert decimal_year("2021-01-01") == 2021.0
    assert decimal_year(dt.datetime(2021, 1, 1, 12)) == pytest.approx(2021 + 0.5 / 365)


@pytest.mark.parametrize("bad", ["2021-13-01", "2021-02-30", "July 2021", "", None, True, [2021]])
def test_decimal_year_rejects(bad):
    with pytest.raises(ValueError):
        decimal_year(bad)


@pytest.mark.parametrize("name", PROFILES)
def test_profile_cdf_endpoints_monotone(name):
    x = np.linspace(-0.5, 1.5, 201)
    f = profile_cdf(name, x)
    assert f[0] == 0 and f[-1] == 1
    assert np.all(np.diff(f) >= -1e-15)


def test_profile_cdf_values_and_unknown():
    assert profile_cdf("s_curve", 0.5) == pytest.approx(0.5)
    assert profile_cdf("front_loaded", 0.5) == pytest.approx(0.75)
    assert profile_cdf("back_loaded", 0.5) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="s_curve"):
        profile_cdf("linear", 0.5)


@pytest.mark.parametrize("name", PROFILES)
def test_spending_shares_conservation(name):
    rng = np.random.default_rng(1)
    start = rng.uniform(2020, 2026, 500)
    dur = rng.uniform(0, 6, 500)
    dur[:20] = 0.0
    sh = spending_shares(start, dur, YEARS, name)
    assert sh.shape == (500, YEARS.size)
    assert np.all(sh >= -1e-15)
    np.testing.assert_allclose(sh.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(sh, spending_shares(start, dur, YEARS, name))   # deterministic


def test_spending_shares_uniform_split_and_truncation():
    sh = spending_shares([2021.5], [2.0], YEARS, "uniform")[0]
    got = dict(zip(YEARS, sh))
    assert got[2021] == pytest.approx(0.25) and got[2022] == pytest.approx(0.5) and got[2023] == pytest.approx(0.25)
    tail = spending_shares(2034.0, 4.0, YEARS)            # scalar inputs broadcast; runs past 2035
    assert tail.shape == (1, YEARS.size) and tail.sum() == pytest.approx(0.5)


def test_spending_shares_duration_zero():
    sh = spending_shares([2022.0, 2022.99, 2023.0], 0.0, YEARS)
    for row, year in zip(sh, [2022, 2022, 2023]):
        assert row[YEARS == year][0] == 1.0 and row.sum() == 1.0
    with pytest.raises(ValueError):
        spending_shares(2022.0, -1.0, YEARS)


def test_interval_fraction():
    f = interval_fraction([2021.25, 2020.0, np.inf], [2022.5, np.inf, np.inf], np.array([2020, 2021, 2022, 2023]))
    np.testing.assert_allclose(f[0], [0, 0.75, 0.5, 0])
    np.testing.assert_allclose(f[1], [1, 1, 1, 1])
    np.testing.assert_allclose(f[2], [0, 0, 0, 0])


def test_ramp_fraction_closed_form_and_step():
    yrs = np.array([2020, 2021, 2022, 2023])
    step = ramp_fraction([2021.25], 0.0, yrs)[0]
    np.testing.assert_allclose(step, [0, 0.75, 1, 1])
    r = ramp_fraction([2021.0], 2.0, yrs)[0]                 # u = (τ-2021)/2 over two years
    np.testing.assert_allclose(r, [0, 0.25, 0.75, 1])
    # numerical average of u over each year
    c, R = 2020.6, 1.3
    tau = np.linspace(0, 1, 200001)[:-1] + 0.5 / 200000
    num = [np.mean(np.clip((t + tau - c) / R, 0, 1)) for t in yrs]
    np.testing.assert_allclose(ramp_fraction(c, R, yrs)[0], num, atol=1e-8)
    assert np.all(ramp_fraction(np.inf, 1.0, yrs) == 0)


def test_topological_order_stable():
    assert topological_order(["a", "b", "c"], {}) == ["a", "b", "c"]
    assert topological_order(["c", "a", "b"], {"c": ["b"]}) == ["a", "b", "c"]
    assert topological_order(["x", "y", "z"], {"x": ["z"], "y": ["z"]}) == ["z", "x", "y"]


def test_topological_order_cycle_message():
    with pytest.raises(CycleError) as err:
        topological_order(["a", "b", "c", "d"], {"b": ["a"], "c": ["b"], "a": ["c"], "d": ["a"]})
    assert err.value.cycle == ["a", "b", "c"]
    assert "a → b → c → a" in str(err.value)
    assert isinstance(err.value, ValueError)
    with pytest.raises(CycleError, match="a → a"):
        topological_order(["a"], {"a": ["a"]})


def test_topological_order_unknown():
    with pytest.raises(ValueError, match="ghost"):
        topological_order(["a"], {"a": ["ghost"]})
    with pytest.raises(ValueError, match="zz"):
        topological_order(["a"], {"zz": []})


def test_resolve_schedule_chain_and_cancellation():
    n = 3
    # columns: 0 energy, 1 plant (after 0, lag 0.5), 2 park (after 1), 3 independent
    planned = np.tile([2021.0, 2021.0, 2022.0, 2021.0], (n, 1))
    delay = np.zeros((n, 4)); delay[1, 0] = 1.0
    build = np.tile([1.0, 2.0, 1.0, 3.0], (n, 1))
    ratio = np.ones((n, 4)); ratio[2, 0] = 1.5
    cancel = np.zeros((n, 4), bool); cancel[2, 0] = True
    deps = [[], [(0, 0.5)], [(1, 0.0)], []]
    start, cod, cx = resolve_schedule(planned, delay, build, ratio, cancel, deps, order=[0, 3, 1, 2])
    np.testing.assert_allclose(cod[:, 0], [2022, 2023, 2022.5])
    np.testing.assert_allclose(start[:, 1], [2022.5, 2023.5, 2023.0])
    np.testing.assert_allclose(cod[:, 2], [2025.5, 2026.5, 2026.0])
    np.testing.assert_array_equal(cx, [[0, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 0]])
    assert np.all(np.isfinite(cod))
    assert not cancel[2, 1]                                   # input not mutated
    s2, c2, x2 = resolve_schedule(planned, delay, build, ratio, cancel, deps)   # order computed
    np.testing.assert_array_equal(c2, cod); np.testing.assert_array_equal(x2, cx)
    with pytest.raises(ValueError):
        resolve_schedule(planned, delay, build, ratio, cancel, deps, order=[1, 0, 2, 3])


# --------------------------------------------------------------------------- link types, constraints
def test_start_to_start_and_finish_to_finish_links_by_hand():
    """A: 2022.0 + 2 = 2024.0. B SS+0.5 after A: start max(2021, 2022.5) = 2022.5, build 1 → 2023.5.
    C FF+0.25 after A with build 1: finish ≥ 2024.25 → start 2023.25 (its own planned 2022.0 is earlier).
    D FS−0.5 (a lead) after A: start 2023.5. E FF−3 after A: the link allows 2020.0, its own plan 2022.0
    binds (a link only ever delays)."""
    planned = np.array([[2022.0, 2021.0, 2022.0, 2021.0, 2022.0]])
    build = np.array([[2.0, 1.0, 1.0, 1.0, 1.0]])
    zeros = np.zeros((1, 5))
    deps = [[], [(0, 0.5, "SS")], [(0, 0.25, "FF")], [(0, -0.5)], [(0, -3.0, "FF")]]
    start, cod, _ = resolve_schedule(planned, zeros, build, np.ones((1, 5)), zeros.astype(bool), deps)
    np.testing.assert_allclose(start[0], [2022.0, 2022.5, 2023.25, 2023.5, 2022.0])
    np.testing.assert_allclose(cod[0], [2024.0, 2023.5, 2024.25, 2024.5, 2023.0])
    # the overrun ratio lengthens C: finish-to-finish keeps the finish, so the start moves earlier
    ratio = np.ones((1, 5)); ratio[0, 2] = 1.5
    start, cod, _ = resolve_schedule(planned, zeros, build, ratio, zeros.astype(bool), deps)
    assert (start[0, 2], cod[0, 2]) == pytest.approx((2022.75, 2024.25))
    # cancellation passes along every link type
    cancel = np.zeros((1, 5), bool); cancel[0, 0] = True
    _, _, cx = resolve_schedule(planned, zeros, build, np.ones((1, 5)), cancel, deps)
    assert cx.all()
    with pytest.raises(ValueError, match="unknown link type 'XX'"):
        resolve_schedule(planned, zeros, build, np.ones((1, 5)), zeros.astype(bool), [[], [(0, 0, "XX")], [], [], []])


def test_not_before_is_a_floor_for_every_draw():
    planned = np.array([[2021.0], [2021.0], [2021.0]])
    delay = np.array([[0.0], [0.6], [1.5]])
    start, cod, _ = resolve_schedule(planned, delay, np.ones((3, 1)), np.ones((3, 1)), np.zeros((3, 1), bool),
                                     [[]], not_before=[2021.75])
    np.testing.assert_allclose(start[:, 0], [2021.75, 2021.75, 2022.5])
    start, _, _ = resolve_schedule(planned, delay, np.ones((3, 1)), np.ones((3, 1)), np.zeros((3, 1), bool),
                                   [[]], not_before=[np.nan])         # NaN: no constraint
    np.testing.assert_allclose(start[:, 0], [2021.0, 2021.6, 2022.5])


def test_critical_path_follows_the_binding_links():
    """Draw 0: A (3 y) is longer than B (1 y), so C starts at A's finish: path A → C. Draw 1: B's delay
    of 3 years makes it bind instead. Draw 2: C's own planned start 2030 binds: only C is critical.
    Draw 3: a tie (A and B both finish 2024): both paths are critical."""
    planned = np.array([[2021.0, 2021.0, 2021.0]] * 3 + [[2021.0, 2021.0, 2021.0]])
    planned[2, 2] = 2030.0
    delay = np.zeros((4, 3)); delay[1, 1] = 3.0; delay[3, 1] = 2.0
    build = np.tile([3.0, 1.0, 1.0], (4, 1))
    deps = [[], [], [(0, 0.0), (1, 0.0)]]
    none = np.zeros((4, 3), bool)
    start, cod, cx = resolve_schedule(planned, delay, build, np.ones((4, 3)), none, deps)
    terminal = np.zeros((4, 3), bool); terminal[:, 2] = True
    on = critical_path(start, cod, cx, deps, terminal)
    np.testing.assert_array_equal(on, [[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1]])
    gone = cx.copy(); gone[:, 2] = True                         # a cancelled terminal has no path
    assert not critical_path(start, cod, gone, deps, terminal).any()


def test_group_dates_are_first_start_and_last_built_finish():
    start = np.array([[2021.0, 2022.0, 2023.0], [2021.0, 2022.0, 2023.0], [2021.0, 2022.0, 2023.0]])
    cod = start + np.array([[1.0, 3.0, 1.0]])
    cancelled = np.array([[0, 0, 0], [0, 1, 0], [1, 1, 1]], bool)
    first, last, gone = group_dates(start, cod, cancelled, [0, 1, 2])
    np.testing.assert_allclose(first[:2], [2021.0, 2021.0])
    np.testing.assert_allclose(last[:2], [2025.0, 2024.0])      # the cancelled 2025 member drops out
    assert np.isnan(first[2]) and np.isnan(last[2]) and gone.tolist() == [False, False, True]
