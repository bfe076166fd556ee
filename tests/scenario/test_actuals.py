"""Actuals (issue 5): observed growth fixed in every draw, the growth the rest of a window needs, and
file checking. Expected numbers are hand arithmetic on the observed rates, never taken from the package.
"""
from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pytest

from portfolio.scenario.actuals import Actuals, load_actuals, required_remaining_growth
from portfolio.runs.simulate import simulate
from portfolio.scenario.loading import load_scenario

SCENARIO = """\
meta:
  name: actuals-test
  title: {zh: 实际值测试, en: Actuals test}
  region: {zh: 测试地区, en: Test region}
  base_year: 2020
  horizon: 2026
targets:
  - {name: growth, metric: average_growth, window: [2021, 2025], threshold: 5%}
  - {name: growth_high, metric: average_growth, window: [2021, 2025], threshold: 6.5%}
  - {name: growth_late, metric: average_growth, window: [2023, 2025], threshold: 5%}
economy:
  gdp: 1000 亿元
  capital_output_ratio: triangular(2.5, 3.0, 3.5)
  capital_share: pert(0.4, 0.5, 0.6)
  depreciation: 0.06
  investment_rate: pert(0.30, 0.40, 0.50)
  tfp_growth: normal(0.015, 0.01)
  tfp_shock_sd: 1%
  population_growth: -0.003
  human_capital_growth: 0.005
projects:
  - id: park
    name: {zh: 产业园, en: Park}
    kind: industry
    source: "assumption: test"
    capex: pert(20, 30, 50) 亿元
    planned_start: 2021.5
    build_years: 3
    duration_ratio: lognormal(p50=1.1, p80=1.4)
    output_value: 20 亿元/年
    value_added_ratio: 0.2
simulation: {draws: 1000, seed: 7}
"""
DRAWS = 2000
YEARS = list(range(2020, 2027))


@pytest.fixture
def scenario(write):
    return write("scenario.yaml", SCENARIO)


def col(year: int) -> int:
    return YEARS.index(year)


# --------------------------------------------------------------------------- required remaining growth
def test_required_remaining_growth_is_hand_arithmetic():
    """5 + 4% observed in a 5-year 6% window: (1.06⁵ / (1.05 · 1.04))^(1/3) − 1 for the other 3 years."""
    observed = Actuals((2021, 2022), (0.05, 0.04))
    need = required_remaining_growth(observed, (2021, 2025), 0.06)
    assert need == pytest.approx((1.06 ** 5 / (1.05 * 1.04)) ** (1 / 3) - 1, rel=1e-13)
    assert need == pytest.approx(0.0701276, abs=1e-7)
    # growing at exactly that rate for the rest of the window meets the target exactly
    assert (1.05 * 1.04 * (1 + need) ** 3) ** (1 / 5) == pytest.approx(1.06, rel=1e-14)
    # no observed year inside the window: the threshold itself; no actuals at all: the same
    assert required_remaining_growth(observed, (2023, 2025), 0.06) == pytest.approx(0.06, rel=1e-14)
    assert required_remaining_growth(None, (2021, 2025), 0.06) == pytest.approx(0.06, rel=1e-14)
    # the whole window observed: nothing left to require
    whole = Actuals((2021, 2022, 2023), (0.1, 0.1, 0.1))
    assert required_remaining_growth(whole, (2021, 2023), 0.06) is None


def test_summary_reports_required_growth_and_the_observed_years(scenario, write):
    path = write("actuals.csv", "year,growth\n2021,3%\n2022,-0.02\n")
    s = simulate(scenario, draws=200, seed=1, actuals=path).summary()
    need = {t["name"]: t["required_average_growth_remaining"] for t in s["targets"]}
    assert need["growth"] == pytest.approx((1.05 ** 5 / (1.03 * 0.98)) ** (1 / 3) - 1, rel=1e-13)
    assert need["growth_high"] == pytest.approx((1.065 ** 5 / (1.03 * 0.98)) ** (1 / 3) - 1, rel=1e-13)
    assert need["growth_late"] == pytest.approx(0.05, rel=1e-14)     # window 2023–2025 has no actuals
    assert s["actuals"]["years"] == [2021, 2022]
    assert s["actuals"]["growth"] == pytest.approx([0.03, -0.02], abs=1e-15)
    # without actuals the summary says so
    assert simulate(scenario, draws=50, seed=1).summary()["actuals"] is None


# --------------------------------------------------------------------------- conditioning the draws
def test_actuals_covering_the_whole_window_give_the_exact_observed_average(scenario, write):
    """2021–2025 observed: average (1.05·1.07·1.04·1.06·1.08)^(1/5) − 1 ≈ 5.99% in every draw, so
    P(≥ 5%) = 1 and P(≥ 6.5%) = 0 exactly; the 2023–2025 window is (1.04·1.06·1.08)^(1/3) − 1 ≈ 5.99%."""
    obs = [0.05, 0.07, 0.04, 0.06, 0.08]
    path = write("actuals.csv", "year,growth\n" + "".join(f"{y},{g}\n" for y, g in zip(range(2021, 2026), obs)))
    result = simulate(scenario, draws=DRAWS, seed=2, actuals=path)
    average = math.prod(1 + g for g in obs) ** (1 / 5) - 1
    outcome = result.target_outcome("growth")
    np.testing.assert_allclose(outcome, average, rtol=1e-12, atol=0)
    assert outcome.max() - outcome.min() <= 1e-15                    # zero spread
    np.testing.assert_allclose(result.average_growth((2021, 2025)), average, rtol=1e-12)
    late = result.target_outcome("growth_late")
    np.testing.assert_allclose(late, (1.04 * 1.06 * 1.08) ** (1 / 3) - 1, rtol=1e-12)
    s = result.summary()
    by_name = {t["name"]: t for t in s["targets"]}
    assert by_name["growth"]["probability"] == 1.0
    assert by_name["growth_high"]["probability"] == 0.0
    assert by_name["growth"]["required_average_growth_remaining"] is None
    assert s["average_growth"]["p5"] == pytest.approx(s["average_growth"]["p95"], rel=1e-12)
    # 2026 is still simulated: it has a spread
    assert np.ptp(result.data.growth[:, col(2026) - 1]) > 1e-3


def test_partial_actuals_fix_the_observed_years_and_keep_the_simulated_growth_after(scenario, write):
    """Observed 2021: 3%, 2022: −2%. In every draw: exactly those rates, GDP(2022) = 1000 · 1.03 · 0.98;
    without learning (tests/runs/test_learning.py) each draw keeps the growth it has without actuals
    after 2022 (same seed: common random numbers)."""
    path = write("actuals.csv", "year,growth\n2021,3%\n2022,-2%\n")
    no_learning = load_scenario(scenario, ["simulation.learn_from_actuals=false"])
    conditioned = simulate(no_learning, draws=DRAWS, seed=5, actuals=path)
    free = simulate(scenario, draws=DRAWS, seed=5)
    gdp, growth = conditioned.data.gdp, conditioned.data.growth
    assert np.all(growth[:, 0] == 0.03) and np.all(growth[:, 1] == -0.02)
    np.testing.assert_allclose(gdp[:, col(2020)], 1000.0, rtol=1e-12)
    np.testing.assert_allclose(gdp[:, col(2021)], 1030.0, rtol=1e-12)
    np.testing.assert_allclose(gdp[:, col(2022)], 1000.0 * 1.03 * 0.98, rtol=1e-12)
    np.testing.assert_allclose(growth[:, 2:], free.data.growth[:, 2:], rtol=1e-10, atol=1e-14)
    # GDP and growth agree year by year: growth_t = GDP_t / GDP_{t−1} − 1
    np.testing.assert_allclose(gdp[:, 1:] / gdp[:, :-1] - 1, growth, rtol=0, atol=1e-12)
    # the window outcome is the geometric average of the observed and simulated years
    expected = (1.03 * 0.98 * np.prod(1 + free.data.growth[:, 2:5], axis=1)) ** (1 / 5) - 1
    np.testing.assert_allclose(conditioned.target_outcome("growth"), expected, rtol=1e-10)
    assert np.std(growth[:, 2]) > 1e-3                               # 2023 onwards is uncertain


def test_contributions_are_not_defined_for_observed_years(scenario, write):
    path = write("actuals.csv", "year,growth\n2021,3%\n2022,-2%\n")
    result = simulate(scenario, draws=300, seed=5, actuals=path)
    years = result.years()
    sources = [c for c in years.columns if c.startswith("contribution_")]
    from portfolio.model.engine import CONTRIBUTIONS

    assert sources == [f"contribution_{k}" for k in CONTRIBUTIONS]      # every source, demand included
    assert years.loc[[2021, 2022], sources].isna().all().all()
    assert np.isfinite(years.loc[2023:2026, sources].to_numpy()).all()
    assert result.summary()["contributions"]["modelled_years"] == [2023, 2024, 2025]


# --------------------------------------------------------------------------- GDP levels and encodings
@pytest.mark.parametrize("text", [
    pytest.param("year,gdp\n2021,1050\n2022,1092\n", id="anchored-on-the-scenario-base-gdp"),
    pytest.param("year,gdp\n2020,1200\n2021,1260\n2022,1310.4\n", id="own-base-year-row"),
    pytest.param("year,gdp\n2021,1050 亿元\n2022,109.2 十亿元\n", id="with-units"),
])
def test_gdp_level_actuals_convert_to_the_same_growth(scenario, write, text):
    """1000 → 1050 → 1092 and 1200 → 1260 → 1310.4 are both 5% then 4%, the same as a growth file."""
    levels = write("levels.csv", text)
    rates = write("rates.csv", "year,growth\n2021,5%\n2022,4%\n")
    loaded = load_actuals(levels, 2020, 2026, 1000.0)
    assert loaded.years == (2021, 2022)
    assert loaded.growth == pytest.approx((0.05, 0.04), abs=1e-12)
    a = simulate(scenario, draws=500, seed=3, actuals=levels)
    b = simulate(scenario, draws=500, seed=3, actuals=rates)
    np.testing.assert_allclose(a.data.gdp, b.data.gdp, rtol=1e-12)
    assert a.summary()["targets"][0]["probability"] == b.summary()["targets"][0]["probability"]


def test_gb18030_csv_loads(write, tmp_path):
    """What Excel writes on a Chinese Windows: not valid UTF-8, read as GB18030."""
    data = "year,growth,note\n2021,5.2%,国家统计局初步核算\n2022,4.1%,统计公报\n".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    path = tmp_path / "actuals-gbk.csv"
    path.write_bytes(data)
    loaded = load_actuals(path, 2020, 2026, 1000.0)
    assert loaded.years == (2021, 2022)
    assert loaded.growth == pytest.approx((0.052, 0.041), abs=1e-15)


# --------------------------------------------------------------------------- the command
def test_run_with_actuals_reports_them_and_records_the_file(cli, scenario, write, tmp_path):
    path = write("actuals.csv", "year,growth\n2021,3%\n2022,-2%\n")
    out = tmp_path / "run"
    res = cli("run", scenario, "--actuals", path, "--draws", 200, "--out", out, "--no-charts", "--json")
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["actuals"]["years"] == [2021, 2022]
    assert summary["targets"][0]["required_average_growth_remaining"] == pytest.approx(
        (1.05 ** 5 / (1.03 * 0.98)) ** (1 / 3) - 1, rel=1e-12)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    digests = {v["sha256"] for v in manifest["input_files"].values()}
    assert hashlib.sha256(path.read_bytes()).hexdigest() in digests


ROWS = "".join(f"{y},4%\n" for y in range(2021, 2027))  # 2021–2026: the whole horizon


@pytest.mark.parametrize("text, line, messages", [
    pytest.param("year,growth\n2021,5%\n2023,4%\n", 3, ["year: years must be consecutive from 2021",
                                                        "missing 2022"], id="gap-in-years"),
    pytest.param("year,growth\n" + ROWS + "2027,4%\n", 8, ["year: 2027 is outside the simulated years "
                                                          "2021–2026"], id="year-after-horizon"),
    pytest.param("year,growth\n2019,4%\n2020,1%\n2021,4%\n", 2, ["year: 2019 is outside the simulated years"],
                 id="year-before-base"),
    pytest.param("year,growth\n2021,5%\n2022,-100%\n", 3, ["growth: growth must be > -100%"], id="growth-minus-100"),
    pytest.param("year,growth\n2021,5%\n2022,-1.5\n", 3, ["growth: growth must be > -100%"], id="growth-below"),
    pytest.param("year,growth,gdp\n2021,5%,1050\n", 1, ["give either 'growth' or 'gdp', not both"],
                 id="both-columns"),
    pytest.param("year,growht\n2021,5%\n", 1, ["unknown column 'growht'", "did you mean 'growth'"],
                 id="unknown-column"),
    pytest.param("year,growth\n2021,5%\n2022,\n", 3, ["growth: missing value"], id="missing-value"),
    pytest.param("year,gdp\n2021,1050\n2022,-5\n", 3, ["gdp: GDP must be > 0"], id="gdp-not-positive"),
])
def test_bad_actuals_exit_2_naming_file_and_row(cli, scenario, write, tmp_path, text, line, messages):
    path = write("bad-actuals.csv", text)
    out = tmp_path / "run"
    res = cli("run", scenario, "--actuals", path, "--draws", 50, "--out", out, "--quiet")
    assert res.exit_code == 2
    assert f"bad-actuals.csv:{line}:" in res.stderr
    for message in messages:
        assert message in res.stderr
    assert "nothing was run" in res.stderr
    assert "Traceback" not in res.stderr and not out.exists()


def test_a_fractional_year_is_rejected(cli, scenario, write, tmp_path):
    path = write("bad-actuals.csv", "year,growth\n2021.5,5%\n")
    res = cli("run", scenario, "--actuals", path, "--draws", 50, "--out", tmp_path / "run", "--quiet", "--no-charts")
    assert res.exit_code == 2
    assert "bad-actuals.csv:2: year:" in res.stderr
