"""The economy outputs of a run: the K/Y path, the total investment rate, the portfolio's ICOR and the
expected shortfall below each target — against the LTGM recursion by hand and direct computations."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio.runs.simulate import simulate
from tests.model.test_engine import CLIFF, ECON, INERT, YEARS, ltgm, project, scenario_yaml


def _ky_by_hand() -> list[float]:
    """K/Y along the no-project path: (K/Y)_t+1 = (K/Y)_t (1 + gK_t)/(1 + gY_t), I = s_t Y_t."""
    e, y = ECON, ltgm(1000.0)
    ky = [e["ky"]]
    for k in range(len(y) - 1):
        one_gk = (1 - e["delta"]) + (e["s"] + e["ds"] * k) / ky[-1]
        ky.append(ky[-1] * one_gk / (y[k + 1] / y[k]))
    return ky


def test_ky_path_and_investment_rate_follow_the_ltgm_by_hand(write):
    result = simulate(write("none.yaml", scenario_yaml(INERT)), draws=4)
    years = result.years()
    np.testing.assert_allclose(years.capital_output_ratio_mean, _ky_by_hand(), rtol=1e-12)
    # no portfolio: the total investment rate is the economy's own s_t = s + Δs·k, every year
    s = [ECON["s"] + ECON["ds"] * k for k in range(len(YEARS))]
    np.testing.assert_allclose(years.investment_rate_total_mean, s, rtol=1e-12)
    np.testing.assert_allclose(years.portfolio_gdp_mean, 0.0, atol=1e-12)
    economy = result.summary()["economy"]
    assert economy["capital_output_ratio"]["from"] == pytest.approx(_ky_by_hand()[0], rel=1e-12)
    assert economy["capital_output_ratio"]["to"] == pytest.approx(_ky_by_hand()[5], rel=1e-12)   # 2025
    assert np.isnan(economy["portfolio_icor"]["value"])                  # nothing added, no ratio
    assert economy["portfolio_icor"]["note"] == "the portfolio adds no GDP over the window"


def test_the_portfolio_enters_the_investment_rate_and_its_icor(write):
    result = simulate(write("cliff.yaml", scenario_yaml(project("works", **CLIFF))), draws=4)
    years = result.years()
    yb = ltgm(1000.0)
    demand = {2022: 6.0, 2023: 6.0, 2024: 6.0}                          # μℓκ·60/3, as in test_engine
    for k, year in enumerate(YEARS):
        s_t = ECON["s"] + ECON["ds"] * k
        gfcf = 0.6 * 20 if year in demand else 0.0                        # κ·c_t: 0.6 × 60/3
        gdp = yb[k] + demand.get(year, 0.0)
        assert years.loc[year, "investment_rate_total_mean"] == pytest.approx((s_t * yb[k] + gfcf) / gdp, rel=1e-12)
        assert years.loc[year, "portfolio_gdp_mean"] == pytest.approx(demand.get(year, 0.0), abs=1e-12)
    icor = result.summary()["economy"]["portfolio_icor"]
    # window 2021-2025: 60 亿元 spent, and the portfolio's GDP goes from 0 (2020) to 0 (2025): no ratio
    assert icor["capex"] == pytest.approx(60.0, rel=1e-12) and icor["gdp_added"] == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(icor["value"])
    # a lasting operation (30 亿元 of output at value-added ratio 0.5 from COD 2025, no ramp) gives a ratio:
    lasting = write("lasting.yaml", scenario_yaml(project("works", **{**CLIFF, "output_value": 30,
                                                                       "value_added_ratio": 0.5, "ramp_years": 0})))
    r2 = simulate(lasting, draws=4)
    x = r2.years()["portfolio_gdp_mean"]
    icor2 = r2.summary()["economy"]["portfolio_icor"]
    assert icor2["gdp_added"] == pytest.approx(x[2025] - x[2020], rel=1e-12) and icor2["gdp_added"] > 0
    assert icor2["value"] == pytest.approx(60.0 / (x[2025] - x[2020]), rel=1e-12)


def test_integrated_mode_has_no_portfolio_icor(write):
    result = simulate(write("int.yaml", scenario_yaml(project("works", **CLIFF), mode="integrated")), draws=4)
    icor = result.summary()["economy"]["portfolio_icor"]
    assert np.isnan(icor["value"]) and "integrated" in icor["note"]


UNCERTAIN = "  tfp_shock_sd: 1%\n"


@pytest.mark.parametrize("threshold", [0.01, 0.03, 0.05])
def test_expected_shortfall_is_the_mean_gap_below_the_threshold(write, threshold):
    targets = ("targets:\n"
               f"  - {{name: growth, metric: average_growth, window: [2021, 2025], threshold: {threshold}}}\n")
    result = simulate(write("s.yaml", scenario_yaml(INERT, economy_extra=UNCERTAIN, targets=targets)), draws=3000)
    outcome = result.data.targets["growth"][result.data.valid]
    gap = threshold - outcome
    entry = result.summary()["targets"][0]["shortfall"]
    assert entry["expected"] == pytest.approx(np.maximum(gap, 0).mean(), rel=1e-12)
    missed = gap > 0
    assert entry["mean_if_missed"] == pytest.approx(gap[missed].mean() if missed.any() else 0.0, rel=1e-12)
    # E[(t − x)+] = P(miss) · E[t − x | miss]
    p_miss = 1 - result.summary()["targets"][0]["probability"]
    assert entry["expected"] == pytest.approx(p_miss * entry["mean_if_missed"], rel=1e-9)


def test_expected_shortfall_grows_with_the_threshold(write):
    def shortfall(threshold):
        targets = ("targets:\n"
                   f"  - {{name: growth, metric: average_growth, window: [2021, 2025], threshold: {threshold}}}\n")
        path = write(f"t{threshold}.yaml", scenario_yaml(INERT, economy_extra=UNCERTAIN, targets=targets))
        return simulate(path, draws=2000).summary()["targets"][0]["shortfall"]["expected"]

    values = [shortfall(t) for t in (0.0, 0.02, 0.03, 0.04, 0.06)]       # common random numbers: same draws
    assert all(b > a for a, b in zip(values, values[1:]))


def test_rerun_compares_every_old_figure_and_lists_the_new_ones():
    from portfolio.runs.rerun import compare_summaries

    old = {"draws": 10, "targets": [{"name": "g", "probability": 0.2}], "gdp": {"p50": 1.0}}
    new = {"draws": 10, "targets": [{"name": "g", "probability": 0.2, "shortfall": {"expected": 0.01}}],
           "gdp": {"p50": 1.0}, "economy": {"x": 1}}
    assert compare_summaries(old, new) == ([], ["targets[*].shortfall", "economy"])
    changed = {**new, "targets": [{"name": "g", "probability": 0.3}]}
    assert compare_summaries(old, changed) == (["targets[0].probability"], ["economy"])
    assert compare_summaries(old, {"draws": 10, "targets": old["targets"]}) == (["gdp"], [])
    assert compare_summaries({"v": float("nan")}, {"v": float("nan")}) == ([], [])


def test_projects_table_gives_schedule_moments_p80_and_dates():
    from portfolio.uncertainty.dates import date_text
    from tests.conftest import CHUXIONG

    result = simulate(CHUXIONG / "baseline.yaml", draws=1500)
    table = result.projects()
    detail = result.data.detail
    for j, (_, row) in enumerate(table.iterrows()):
        live = ~detail["cancelled"][:, j]
        cod = detail["cod"][live, j]
        assert row.cod_mean == pytest.approx(cod.mean(), rel=1e-12)
        assert row.cod_sd == pytest.approx(cod.std(ddof=1), rel=1e-12)
        assert row.cod_p50 <= row.cod_p80 <= row.cod_p90
        assert row.cod_p80 == pytest.approx(np.percentile(cod, 80), rel=1e-12)
        for column in ("planned_start", "planned_cod", "start_p50", "cod_p80"):
            assert row[f"{column}_date"] == date_text(row[column])
    assert table.cod_p80_date.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_planned_dates_honour_the_links(write):
    """B may start in 2022 by its own plan but needs A (2021 + 3 years) finished plus half a year: its
    planned start is 2024.5, not 2022, and its planned COD 2024.5 + 2; with no schedule risk every draw
    agrees with the plan."""
    a = project("a", capex=10, planned_start=2021, build_years=3)
    b = "  - {id: b, name: {zh: 乙, en: B}, kind: industry, source: test, capex: 10, planned_start: 2022, " \
        "build_years: 2, depends_on: 'a+0.5'}\n"
    table = simulate(write("chain.yaml", scenario_yaml(a + b)), draws=4).projects()
    assert table.loc["b", "planned_start"] == pytest.approx(2024.5)
    assert table.loc["b", "planned_cod"] == pytest.approx(2026.5)
    assert table.loc["b", "planned_start_date"] == "2024-07-02"
    assert table.loc["b", "cod_p50"] == pytest.approx(table.loc["b", "planned_cod"])
    assert table.loc["a", "planned_cod"] == pytest.approx(2024.0)


def test_every_draw_carries_each_projects_start_and_finish(tmp_path):
    from portfolio.runs.runner import run
    from tests.conftest import CHUXIONG

    result = run(CHUXIONG / "baseline.yaml", out=tmp_path / "run", draws=1200, charts=False)
    draws = pd.read_parquet(tmp_path / "run" / "draws.parquet")
    detail = result.data.detail
    for j, plan in enumerate(result.compiled.projects):
        finish = draws[f"finish_{plan.id}"].to_numpy()
        gone = detail["cancelled"][:, j]
        assert np.isnan(finish[gone]).all() and np.isnan(draws[f"start_{plan.id}"].to_numpy()[gone]).all()
        np.testing.assert_array_equal(finish[~gone], detail["cod"][~gone, j])
        assert (draws[f"start_{plan.id}"].to_numpy()[~gone] <= finish[~gone]).all()
    # the CSV tables carry a UTF-8 byte-order mark (Excel on Windows then shows Chinese names) and read
    # back with clean column names
    for name in ("years", "projects", "energy", "criticality", "s_curves"):
        raw = (tmp_path / "run" / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and not raw[3:].startswith(b"\xef\xbb\xbf"), name
        assert not pd.read_csv(tmp_path / "run" / f"{name}.csv").columns[0].startswith("\ufeff")
    assert "楚雄" in (tmp_path / "run" / "projects.csv").read_bytes().decode("utf-8-sig")


def test_draw_quantiles_in_threads_are_the_same_as_in_one(monkeypatch):
    """Large arrays are partitioned in slices of columns on several threads: every percentile is still
    exactly NumPy's, for any number of threads (including more threads than columns)."""
    from portfolio.model import threads
    from portfolio.runs import results

    rng = np.random.default_rng(4)
    values = rng.lognormal(size=(3001, 5, 7))
    values[:, 2, 3] = 1.5                                   # a constant column, skipped by the partition
    want = np.percentile(values, (5, 10, 50, 90, 95), axis=0)
    monkeypatch.setattr(results, "THREADED_QUANTILES", 1)
    for count in (1, 2, 3, 64):
        monkeypatch.setattr(threads, "spare_threads", lambda t=count: t)
        np.testing.assert_array_equal(results.draw_quantiles(values, (5, 10, 50, 90, 95)), want)
        np.testing.assert_array_equal(results.draw_quantiles(values[:, :1, :1], (50,)), want[2:3, :1, :1])


def test_draw_quantiles_are_numpys_percentiles_over_the_draws():
    from portfolio.runs.results import draw_quantiles

    rng = np.random.default_rng(9)
    for shape in ((1000,), (1000, 7), (999, 3, 5)):
        values = rng.normal(size=shape).astype(np.float32)
        before = values.copy()
        np.testing.assert_array_equal(draw_quantiles(values, (10, 50, 90)),
                                      np.percentile(values.astype(float), (10, 50, 90), axis=0))
        np.testing.assert_array_equal(values, before)                 # partitioned on a copy, never in place
    # constant columns (skipped by the partition), NaN columns and integers: still numpy's values
    values = rng.normal(size=(500, 6))
    values[:, 1] = 3.25
    values[:, 2] = np.nan
    values[7, 3] = np.nan
    values[:, 4] = 0.0
    for v in (values, values.astype(np.float32), rng.integers(0, 9, (500, 4))):
        got = draw_quantiles(v, (10, 50, 90))
        want = np.percentile(v, (10, 50, 90), axis=0)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == np.float64
