"""The engine against hand arithmetic: the LTGM recursion, the project overlay, the investment cliff,
the integrated mode, energy physics, price paths and shock events (docs/model.md).

Every expected number here is computed in the test from the design's formulas, never taken from the
package. Scenarios are small YAML files written into a temporary folder.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from portfolio import load_scenario
from portfolio.model.compiled import compile_scenario
from portfolio.model.engine import evaluate
from portfolio.uncertainty.sampling import sample
from portfolio.runs.simulate import simulate

BASE, HORIZON = 2020, 2026
YEARS = list(range(BASE, HORIZON + 1))

# Every economy input fixed (a plain number): no uncertainty anywhere.
ECON = dict(gdp=1000.0, ky=3.0, alpha=0.4, delta=0.08, s=0.30, ds=-0.01, gA=0.02,
            n=-0.005, w=-0.002, p=0.001, gh=0.006)


def economy_yaml(mode: str = "overlay", extra: str = "") -> str:
    e = ECON
    return (f"economy:\n"
            f"  gdp: {e['gdp']} 亿元\n"
            f"  capital_output_ratio: {e['ky']}\n"
            f"  capital_share: {e['alpha']}\n"
            f"  depreciation: {e['delta']}\n"
            f"  investment_rate: {e['s']}\n"
            f"  investment_rate_change: {e['ds']}\n"
            f"  tfp_growth: {e['gA']}\n"
            f"  population_growth: {e['n']}\n"
            f"  working_age_share_growth: {e['w']}\n"
            f"  participation_growth: {e['p']}\n"
            f"  human_capital_growth: {e['gh']}\n"
            f"  mode: {mode}\n" + extra)


def scenario_yaml(projects: str = "", *, mode: str = "overlay", economy_extra: str = "", sections: str = "",
                  targets: str | None = None, draws: int = 3) -> str:
    targets = targets or ("targets:\n"
                          "  - {name: growth, metric: average_growth, window: [2021, 2025], threshold: 3%}\n")
    text = ("meta:\n"
            "  name: engine-test\n"
            "  title: {zh: 引擎测试, en: Engine test}\n"
            "  region: {zh: 测试地区, en: Test region}\n"
            f"  base_year: {BASE}\n"
            f"  horizon: {HORIZON}\n"
            + targets + economy_yaml(mode, economy_extra))
    if projects:
        text += "projects:\n" + projects
    return text + sections + f"simulation: {{draws: {draws}, seed: 11}}\n"


def project(ident: str, **fields) -> str:
    """One inline project (flow mapping) with the required keys filled in."""
    values = {"name": "{zh: 项目, en: Project}", "kind": "industry", "source": '"assumption: test"'}
    values.update({k: (v if isinstance(v, str) else repr(v)) for k, v in fields.items()})
    return f"  - {{id: {ident}, " + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}\n"


# A project that starts long after the horizon: it cannot touch any simulated year.
INERT = project("inert", capex=1, planned_start=2100, build_years=1)


def ltgm(y0: float, gA=None, extra=None, **over) -> np.ndarray:
    """The LTGM recursion of docs/model.md section 1 written out by hand, year by year.

    1 + gK = (1 − δ) + I/K, I = s_t Y_{t−1} (+ extra_t),  1 + gY = (1 + gA)(1 + gK)^α((1 + gh)(1 + gL))^(1−α),
    K/Y ← K/Y (1 + gK)/(1 + gY); s_t = s + Δs·k in the k-th simulated year (k = 0 first);
    1 + gL = (1 + n)(1 + w)(1 + p). Returns Y for base … horizon.
    """
    e = {**ECON, **over}
    T = HORIZON - BASE
    gA = [e["gA"]] * T if gA is None else gA
    extra = [0.0] * T if extra is None else extra
    one_gl = (1 + e["n"]) * (1 + e["w"]) * (1 + e["p"])
    y, ky, path = y0, e["ky"], [y0]
    for k in range(T):
        s = e["s"] + e["ds"] * k
        one_gk = (1 - e["delta"]) + (s * y + extra[k]) / (ky * y)
        one_gy = (1 + gA[k]) * one_gk ** e["alpha"] * ((1 + e["gh"]) * one_gl) ** (1 - e["alpha"])
        y, ky = y * one_gy, ky * one_gk / one_gy
        path.append(y)
    return np.array(path)


def engine(path, n: int = 1, seed: int = 5) -> dict:
    """Run the engine directly on a scenario file (n draws)."""
    c = compile_scenario(load_scenario(path))
    return evaluate(c, sample(c.random, 0, n, seed), n)


def assert_contributions_add_up(out: dict) -> None:
    """Conservation: the six contributions sum to growth in every draw and year."""
    total = sum(out["contributions"].values())
    np.testing.assert_allclose(total, out["growth"], rtol=0, atol=1e-13)


# --------------------------------------------------------------------------- 1. no uncertainty
@pytest.mark.parametrize("projects", [
    pytest.param("", id="no-projects"),
    pytest.param(INERT, id="inert-project"),
])
def test_fixed_inputs_follow_the_hand_ltgm_path_with_zero_spread(write, projects):
    path = write("fixed.yaml", scenario_yaml(projects, draws=7))
    result = simulate(path)
    gdp = result.data.gdp
    assert gdp.shape == (7, len(YEARS))
    assert np.all(gdp == gdp[0])                                 # every draw identical
    np.testing.assert_allclose(gdp[0], ltgm(1000.0), rtol=1e-12, atol=0)
    # hand check of the first year: 1 + gK = 0.92 + 0.30/3 = 1.02
    one_gl = 0.995 * 0.998 * 1.001
    assert gdp[0, 1] == pytest.approx(1000 * 1.02 * 1.02 ** 0.4 * (1.006 * one_gl) ** 0.6, rel=1e-12)
    s = result.summary()
    assert s["invalid_draws"] == 0
    ag = s["average_growth"]
    assert ag["p5"] == ag["p95"] == ag["mean"]
    assert ag["mean"] == pytest.approx((gdp[0, 5] / 1000.0) ** 0.2 - 1, rel=1e-12)
    years = result.years()
    assert np.all(years["gdp_p5"] == years["gdp_p95"])
    out = engine(path)
    assert_contributions_add_up(out)
    for k in ("construction", "operation", "energy"):
        assert np.all(out["contributions"][k] == 0)


@pytest.mark.parametrize("ramp, utilisation", [
    (0, [0, 0, 0.5, 1, 1, 1, 1]),
    # linear ramp of 2 years from COD 2022.5: mean of (τ − c)/2 over each year
    (2, [0, 0, 0.25 ** 2, 0.5625 - 0.0625, 1.5 - 0.5625, 1, 1]),
])
def test_one_fixed_project_adds_demand_and_operation_by_hand(write, ramp, utilisation):
    capex, mu, ell, kappa, q, v = 90.0, 1.2, 0.5, 0.7, 50.0, 0.4
    # starts mid-2019, builds 3 years uniformly: the base year 2020 holds a third of the spending
    text = scenario_yaml(project("plant", capex=capex, planned_start=2019.5, build_years=3, profile="uniform",
                                 output_value=q, value_added_ratio=v, ramp_years=ramp, multiplier=mu,
                                 local_content=ell, gfcf_share=kappa))
    out = engine(write("plant.yaml", text))
    share = np.array([1 / 3, 1 / 3, 1 / 6, 0, 0, 0, 0])              # spending in 2020 … 2026
    demand = mu * ell * kappa * capex * share
    operation = q * v * np.array(utilisation)
    x = demand + operation
    assert x[0] == pytest.approx(12.6)                                # 1.2·0.5·0.7·90/3
    base = out["gdp_baseline"][0]
    assert base[0] == pytest.approx(1000.0 - x[0], rel=1e-14)         # Y^B_t0 = Y_t0 − X_t0
    np.testing.assert_allclose(base, ltgm(1000.0 - 12.6), rtol=1e-12)
    np.testing.assert_allclose(out["gdp"][0], base + x, rtol=1e-12)
    assert out["gdp"][0, 0] == pytest.approx(1000.0, rel=1e-14)       # the observed base year is kept
    np.testing.assert_allclose(out["capex_spent"][0], capex * share, rtol=1e-12)
    assert_contributions_add_up(out)
    np.testing.assert_allclose(out["contributions"]["construction"][0], np.diff(demand) / out["gdp"][0, :-1],
                               rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- 2. investment cliff
CLIFF = dict(capex=60, planned_start=2022, build_years=3, profile="uniform", multiplier=1.0,
             local_content=0.5, gfcf_share=0.6)


def test_investment_cliff_lowers_growth_the_year_after_spending_stops(write):
    with_project = engine(write("cliff.yaml", scenario_yaml(project("works", **CLIFF))))
    without = engine(write("none.yaml", scenario_yaml(INERT)))
    yb = ltgm(1000.0)
    d = 1.0 * 0.5 * 0.6 * 60 / 3                                        # 6 亿元 of demand in 2022, 2023, 2024
    demand = np.array([0, 0, d, d, d, 0, 0])
    np.testing.assert_allclose(with_project["gdp"][0], yb + demand, rtol=1e-12)
    np.testing.assert_allclose(without["gdp"][0], yb, rtol=1e-12)
    i = YEARS.index(2025) - 1                                           # index into growth (simulated years)
    g_with = with_project["growth"][0, i]
    g_without = without["growth"][0, i]
    drop = yb[5] / yb[4] - yb[5] / (yb[4] + d)                          # the demand level drops out
    assert g_without - g_with == pytest.approx(drop, rel=1e-9)
    assert drop > 0.004                                                 # about 0.55 points of growth
    construction = with_project["contributions"]["construction"][0]
    assert construction[i] == pytest.approx(-d / (yb[4] + d), rel=1e-12)
    assert construction[i] < 0
    assert construction[YEARS.index(2022) - 1] > 0                       # the build-up added growth
    assert_contributions_add_up(with_project)


def test_overlay_mode_does_not_add_portfolio_capex_to_capital(write):
    """No double counting: the project starts after the base year, so the baseline is untouched."""
    with_project = engine(write("cliff.yaml", scenario_yaml(project("works", **CLIFF))))
    without = engine(write("none.yaml", scenario_yaml(INERT)))
    np.testing.assert_array_equal(with_project["gdp_baseline"], without["gdp_baseline"])
    np.testing.assert_allclose(with_project["contributions"]["capital"], without["contributions"]["capital"]
                               * without["gdp"][:, :-1] / with_project["gdp"][:, :-1], rtol=1e-12)


# --------------------------------------------------------------------------- 3. integrated mode
def test_integrated_mode_puts_capex_into_capital_and_drops_the_overlay(write):
    theta, kappa = 0.8, 0.6
    works = project("works", **{**CLIFF, "output_value": 30, "value_added_ratio": 0.5, "ramp_years": 0})
    integrated = engine(write("int.yaml", scenario_yaml(works, mode="integrated",
                                                         economy_extra=f"  integrated_efficiency: {theta}\n")))
    without = engine(write("none.yaml", scenario_yaml(INERT, mode="integrated")))
    # capex of year t joins the investment s_t·Y_t of year t, which is capital from year t+1 (as
    # ordinary investment and `calibrate` have it): θκ·60/3 = 9.6 亿元 spent in 2022-2024 builds the
    # capital of 2023-2025. ltgm's step k runs from year k to k+1 with I = s·Y_k + extra_k.
    extra = [0, 0, theta * kappa * 20, theta * kappa * 20, theta * kappa * 20, 0]
    expected = ltgm(1000.0, extra=extra)
    np.testing.assert_allclose(integrated["gdp"][0], expected, rtol=1e-12)
    # one year fully by hand: 2023, from the no-project 2022 level and K/Y
    e = ECON
    y = ltgm(1000.0)
    one_gl = (1 + e["n"]) * (1 + e["w"]) * (1 + e["p"])
    labour = ((1 + e["gh"]) * one_gl) ** (1 - e["alpha"])
    ky = e["ky"]
    for k in range(2):                      # K/Y of 2022 along the no-project path
        one_gk = (1 - e["delta"]) + (e["s"] + e["ds"] * k) / ky
        ky = ky * one_gk / (y[k + 1] / y[k])
    one_gk22 = (1 - e["delta"]) + ((e["s"] + 2 * e["ds"]) * y[2] + 9.6) / (ky * y[2])
    y23 = y[2] * (1 + e["gA"]) * one_gk22 ** e["alpha"] * labour
    assert integrated["gdp"][0, 3] == pytest.approx(y23, rel=1e-12)
    # no overlay: construction, operation and energy contribute nothing; GDP is the baseline
    for k in ("construction", "operation", "energy"):
        assert np.all(integrated["contributions"][k] == 0)
    np.testing.assert_array_equal(integrated["gdp"], integrated["gdp_baseline"])
    assert_contributions_add_up(integrated)
    # higher than without the project from 2023 on (the year after the first capex), equal before
    gdp, gdp0 = integrated["gdp"][0], without["gdp"][0]
    np.testing.assert_allclose(gdp[:3], gdp0[:3], rtol=1e-14)
    assert np.all(gdp[3:] > gdp0[3:])


# --------------------------------------------------------------------------- 4. energy
ENERGY = """\
energy:
  emission_factor: {name: test_grid, value: 0.5 kg/kWh}
  technologies:
    pv: {kind: generation, full_load_hours: 1300 h, tariff: 0.30 元/kWh, value_added_ratio: 0.65, capex_per_kw: 4000}
    storage: {kind: storage, duration_hours: 2, round_trip_efficiency: 0.85, cycles_per_year: 250,
              service_fee: 0.25 元/kWh, value_added_ratio: 0.5, capex_per_kw: 2000}
"""
CAPACITY_TARGETS = """\
targets:
  - {name: growth, metric: average_growth, window: [2021, 2025], threshold: 3%}
  - {name: cap_2021, metric: energy_capacity, year: 2021, threshold: 100 MW}
  - {name: cap_2022, metric: energy_capacity, year: 2022, threshold: 300 MW}
  - {name: cap_2022_all, metric: energy_capacity, year: 2022, threshold: 1 MW, technologies: [pv, storage]}
"""


def _energy_projects(with_storage: bool) -> str:
    no_demand = dict(build_years=0, local_content=0, kind="energy")  # no construction demand: VA only
    text = (project("pv_a", technology="pv", capacity="100 MW", planned_start='"2021-07-01"', **no_demand)
            + project("pv_b", technology="pv", capacity="200 MW", planned_start='"2022-12-31"', **no_demand)
            + project("pv_c", technology="pv", capacity="400 MW", planned_start='"2023-01-01"', **no_demand))
    if with_storage:
        text += project("battery", technology="storage", capacity="50 MW", planned_start='"2022-07-01"',
                        **no_demand)
    return text


def test_energy_capacity_generation_value_added_and_co2(write):
    path = write("energy.yaml", scenario_yaml(_energy_projects(True), sections=ENERGY, targets=CAPACITY_TARGETS))
    out = engine(path)
    c = compile_scenario(load_scenario(path))
    techs = list(c.scenario.energy.technologies)
    pv, st = techs.index("pv"), techs.index("storage")
    gen = out["generation_by_tech"][0, pv]
    t21, t22, t23 = (YEARS.index(y) for y in (2021, 2022, 2023))
    # 100 MW × 1300 h from 1 July 2021 (184 of 365 days), in GWh
    assert gen[t21] == pytest.approx(100 * 1300 * 184 / 365 / 1000, rel=1e-12)
    assert gen[t21] == pytest.approx(65.53, abs=0.005)
    assert gen[t22] == pytest.approx(130 + 200 * 1.3 * 1 / 365, rel=1e-12)   # pv_b runs on 31 December
    assert gen[t23] == pytest.approx(130 + 260 + 520, rel=1e-12)
    gen_a_only = np.array([0, 100 * 1.3 * 184 / 365, 130, 130, 130, 130, 130])
    va = out["value_added_by_tech"][0, pv]
    np.testing.assert_allclose(va, gen * 0.30 * 0.01 * 0.65, rtol=1e-12)        # GWh × 元/kWh × 0.01 × v
    assert va[t21] == pytest.approx(gen_a_only[1] * 0.30 * 0.01 * 0.65, rel=1e-12)
    np.testing.assert_allclose(out["co2_by_tech"][0, pv], gen * 0.5 / 1000, rtol=1e-12)   # Mt
    # capacity at the end of each year: pv_b (31 Dec 2022) counts in 2022, pv_c (1 Jan 2023) does not
    cap = out["capacity_by_tech"][0, pv]
    np.testing.assert_array_equal(cap, [0, 100, 300, 700, 700, 700, 700])
    assert out["targets"]["cap_2021"][0] == 100
    assert out["targets"]["cap_2022"][0] == 300                        # generating technologies only
    assert out["targets"]["cap_2022_all"][0] == 350                    # storage included when named
    # storage is a service: it never generates; its value added is throughput × fee × v
    assert np.all(out["generation_by_tech"][0, st] == 0)
    throughput = 50 * 2 * 250 / 1000                                   # GWh/yr at full year
    storage_va = out["value_added_by_tech"][0, st]
    assert storage_va[t22] == pytest.approx(throughput * 184 / 365 * 0.25 * 0.01 * 0.5, rel=1e-12)
    assert storage_va[t23] == pytest.approx(throughput * 0.25 * 0.01 * 0.5, rel=1e-12)
    # the energy value added is what the portfolio adds to GDP here (no construction demand)
    np.testing.assert_allclose(out["gdp"][0] - out["gdp_baseline"][0], va + storage_va, rtol=1e-9, atol=1e-12)


def test_storage_never_adds_generation(write):
    with_storage = engine(write("a.yaml", scenario_yaml(_energy_projects(True), sections=ENERGY,
                                                        targets=CAPACITY_TARGETS)))
    without = engine(write("b.yaml", scenario_yaml(_energy_projects(False), sections=ENERGY,
                                                   targets=CAPACITY_TARGETS)))
    np.testing.assert_array_equal(with_storage["generation_by_tech"].sum(axis=1),
                                  without["generation_by_tech"].sum(axis=1))
    assert with_storage["targets"]["cap_2022"][0] == without["targets"]["cap_2022"][0] == 300
    # its losses, cycles × MWh × (1 − RTE) (docs/model.md section 3), count against the CO2 avoided, never as output:
    # 50 MW × 2 h × 250 cycles × 0.15 = 3.75 GWh a full year, from 1 July 2022 (184/365 of 2022)
    losses = with_storage["losses_by_tech"][0, ["pv", "storage"].index("storage")]
    expected = np.array([0, 0, 3.75 * 184 / 365] + [3.75] * 4)
    np.testing.assert_allclose(losses, expected[: len(losses)], rtol=1e-12)
    co2_drop = without["co2_by_tech"].sum(axis=1) - with_storage["co2_by_tech"].sum(axis=1)
    np.testing.assert_allclose(co2_drop[0], losses * 0.5 / 1000, rtol=1e-12, atol=1e-15)  # 0.5 kg/kWh


# --------------------------------------------------------------------------- 9. price paths
def _mill(level: str, volatility: float = 0.0, persistence: float = 0.5) -> tuple[str, str]:
    """A mill built before the base year, at full output from 2019: V_t = 100 × 0.25 × p_t."""
    mill = project("mill", capex=10, planned_start=2018, build_years=1, ramp_years=0, output_value=100,
                   value_added_ratio=0.25, price_index="silicon")
    paths = ("uncertainty:\n  price_paths:\n"
             f"    silicon: {{level: {level}, volatility: {volatility}, persistence: {persistence}}}\n")
    return mill, paths


@pytest.mark.parametrize("level, expected", [
    ("{2021: 1.0, 2022: 0.5}", [1, 1, 0.5, 0.5, 0.5, 0.5, 0.5]),           # halves in 2022, flat after
    ("{2021: 1.0, 2023: 0.6}", [1, 1, 0.8, 0.6, 0.6, 0.6, 0.6]),           # linear in between
])
def test_price_path_scales_operating_value_added(write, level, expected):
    mill, paths = _mill(level)
    out = engine(write("mill.yaml", scenario_yaml(mill, sections=paths)))
    x = out["gdp"][0] - out["gdp_baseline"][0]                              # the mill's value added
    np.testing.assert_allclose(x, 25.0 * np.array(expected), rtol=1e-12)
    assert x[2] / x[1] == pytest.approx(expected[2], rel=1e-12)


def test_price_path_level_is_the_expected_price_when_volatile(write):
    n = 4000
    mill, paths = _mill("{2021: 1.0, 2022: 0.5}", volatility=0.35, persistence=0.7)
    out = engine(write("mill.yaml", scenario_yaml(mill, sections=paths)), n=n)
    price = (out["gdp"] - out["gdp_baseline"]) / 25.0                       # p_t per draw
    level = np.array([1, 1, 0.5, 0.5, 0.5, 0.5, 0.5])
    se = price.std(axis=0, ddof=1) / math.sqrt(n)                             # standard error of the mean
    assert np.all(np.abs(price.mean(axis=0) - level) <= 4 * se + 1e-12)


# --------------------------------------------------------------------------- 10. shock events
SHOCK = ("uncertainty:\n  shocks:\n"
         "    - {name: wave, year: 2022, probability: %s, impact: -2%%, recovery: 50%%}\n")


def test_certain_shock_moves_tfp_growth_down_then_half_back(write):
    shocked = engine(write("shock.yaml", scenario_yaml(INERT, sections=SHOCK % "1")))
    calm = engine(write("calm.yaml", scenario_yaml(INERT)))
    gA = [0.02, 0.00, 0.03, 0.02, 0.02, 0.02]                                # 2021 … 2026
    np.testing.assert_allclose(shocked["gdp"][0], ltgm(1000.0, gA=gA), rtol=1e-12)
    ratio = shocked["gdp"][0] / calm["gdp"][0]
    assert ratio[1] == 1.0
    assert ratio[2] == pytest.approx(1.00 / 1.02, rel=1e-12)                # same K/Y in 2021: only A differs
    assert ratio[3] < ratio[2] * 1.03 / 1.02 and ratio[3] > ratio[2]         # partial recovery in 2023
    i22 = YEARS.index(2022) - 1
    assert calm["contributions"]["tfp"][0, i22] - shocked["contributions"]["tfp"][0, i22] > 0.015


def test_shock_probability_is_the_share_of_draws_hit(write):
    n, p = 4000, 0.3
    shocked = engine(write("shock.yaml", scenario_yaml(INERT, sections=SHOCK % p)), n=n)
    calm_2022 = ltgm(1000.0)[2]
    hit = shocked["gdp"][:, 2] < calm_2022 * (1 - 1e-9)
    se = math.sqrt(p * (1 - p) / n)                                          # binomial standard error
    assert abs(hit.mean() - p) < 4 * se
    np.testing.assert_allclose(shocked["gdp"][hit, 2], calm_2022 / 1.02, rtol=1e-12)
    np.testing.assert_allclose(shocked["gdp"][~hit, 2], calm_2022, rtol=1e-12)


def test_energy_table_reports_lcoe_by_commissioning_year(write):
    from portfolio.runs.simulate import simulate

    path = write("lcoe.yaml", scenario_yaml(_energy_projects(True), sections=ENERGY, targets=CAPACITY_TARGETS))
    table = simulate(path, draws=20).energy()
    crf = 0.06 * 1.06 ** 25 / (1.06 ** 25 - 1)                       # CRF(6%, 25) = 0.078227
    pv = table.loc[("pv", 2022)]
    assert pv.lcoe_cny_per_kwh == pytest.approx(4000 * crf / 1300, rel=1e-12)   # no opex, no curtailment
    storage = table.loc["storage"]
    assert storage.lcoe_cny_per_kwh.isna().all()                     # a service, not a source
    # a degrading unit costs more per kWh, by its levelised output factor (docs/model.md section 3)
    from portfolio.model.energy import output_factor

    degrading = write("lcoe-d.yaml", scenario_yaml(_energy_projects(True), targets=CAPACITY_TARGETS,
                                                   sections=ENERGY.replace("capex_per_kw: 4000}",
                                                                           "capex_per_kw: 4000, degradation: 0.5%}")))
    pv_d = simulate(degrading, draws=20).energy().query("technology == 'pv' and year == 2022").iloc[0]
    assert pv_d.lcoe_cny_per_kwh == pytest.approx(4000 * crf / 1300 / output_factor(0.06, 25, 0.005), rel=1e-12)
