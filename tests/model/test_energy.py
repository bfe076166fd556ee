import numpy as np
import pytest

from portfolio.model import energy
from portfolio.model.schedules import interval_fraction
from portfolio.uncertainty.dates import decimal_year


def test_crf():
    assert energy.crf(0.06, 25) == pytest.approx(0.078227, abs=5e-7)
    assert energy.crf(0.0, 20) == pytest.approx(0.05)
    assert energy.crf(1e-9, 20) == pytest.approx(0.05, rel=1e-6)      # continuous at r -> 0
    np.testing.assert_allclose(energy.crf(np.array([0.0, 0.06]), 25), [0.04, 0.078227], atol=5e-7)


def test_lcoe():
    # 4000 CNY/kW, 60 CNY/kW/yr, 6 %, 25 yr, 1300 h
    assert energy.lcoe(4000, 60, 0.06, 25, 1300) == pytest.approx((4000 * 0.0782267 + 60) / 1300, rel=1e-5)


def _discounted_lcoe(capex, opex, r, n, hours, d):
    """LCOE from first principles: discounted costs over discounted output, year by year (output at
    the mid-year age y − ½, as generation_gwh degrades it)."""
    costs = capex + sum(opex / (1 + r) ** y for y in range(1, n + 1))
    output = sum(hours * (1 - d) ** (y - 0.5) / (1 + r) ** y for y in range(1, n + 1))
    return costs / output


@pytest.mark.parametrize("r, n, d", [(0.06, 25, 0.005), (0.08, 20, 0.02), (0.0, 10, 0.01), (0.03, 30, 0.0)])
def test_lcoe_counts_degradation_as_a_discounted_sum_does(r, n, d):
    assert energy.lcoe(4000, 60, r, n, 1300, d) == pytest.approx(_discounted_lcoe(4000, 60, r, n, 1300, d), rel=1e-12)


def test_degradation_raises_the_lcoe_by_the_output_factor():
    # 0.5 %/yr at 6 %, 25 years: levelised output 0.9537 of an undegraded unit, LCOE +4.85 %
    assert energy.output_factor(0.06, 25, 0.005) == pytest.approx(0.953710, abs=1e-6)
    assert energy.lcoe(4000, 60, 0.06, 25, 1300, 0.005) / energy.lcoe(4000, 60, 0.06, 25, 1300) - 1 \
        == pytest.approx(0.048536, abs=1e-6)
    assert energy.output_factor(0.06, 25, 0.0) == 1.0                      # exactly: no degradation, old LCOE
    assert np.all(np.diff(energy.output_factor(0.06, 25, np.array([0.0, 0.005, 0.01, 0.02]))) < 0)


def test_generation_partial_first_year():
    years = np.array([2020, 2021, 2022])
    cod = decimal_year("2021-07-01")
    frac = interval_fraction([cod], np.inf, years)
    gen = energy.generation_gwh(100.0, frac, 1300.0, 0.0, 0.0, 0.0)
    np.testing.assert_allclose(gen[0], [0.0, 100 * 1300 * 184 / 365 / 1000, 130.0])
    assert gen[0, 1] == pytest.approx(65.53, abs=0.01)


def test_generation_curtailment_degradation():
    g = energy.generation_gwh(100, 1.0, 1000, 0.1, 0.01, np.array([[-1.0, 0.0, 2.0]]))
    np.testing.assert_allclose(g[0], [90.0, 90.0, 90 * 0.99 ** 2])
    np.testing.assert_allclose(energy.age_years([2021.5], np.array([2020, 2021, 2022])), [[0, 0, 1]])


def test_value_added_and_co2():
    assert energy.value_added_yi(1.0, 1.0, 1.0) == pytest.approx(0.01)
    assert energy.value_added_yi(1000.0, 0.30, 0.65) == pytest.approx(1.95)
    assert energy.co2_avoided_mt(1000.0, 0.5366) == pytest.approx(0.5366)


def test_storage_is_a_service():
    s = energy.storage_service(100.0, 2.0, 250.0, 0.85, 1.0)
    assert s["throughput_gwh"] == pytest.approx(50.0)
    assert s["losses_gwh"] == pytest.approx(7.5)
    assert s["charged_gwh"] == pytest.approx(57.5)
    half = energy.storage_service(np.array([100.0, 100.0]), 2.0, 250.0, 0.85, np.array([1.0, 0.5]))
    np.testing.assert_allclose(half["losses_gwh"], [7.5, 3.75])


def test_charging_service():
    assert energy.charging_service(10.0, 800.0, 0.5) == pytest.approx(4.0)


def test_capacity_online():
    years = np.array([2020, 2021, 2022])
    cap = energy.capacity_online_mw([100.0, 50.0, 80.0], [2021.99, 2021.0, 2020.5], years, [False, False, True])
    np.testing.assert_array_equal(cap, [[0, 100, 100], [0, 50, 50], [0, 0, 0]])
    assert energy.capacity_online_mw(10.0, 2022.0, years).shape == (1, 3)
