"""`portfolio required`: the LTGM inversion (docs/model.md section 1, "submodel 2") checked against the forward model
and the balanced-growth closed form."""
import numpy as np
import pytest

from portfolio.model import economy
from portfolio.uncertainty.quantities import Dist
from portfolio.analysis.required import required_investment
from portfolio.scenario.loading import load_scenario
from tests.conftest import CHUXIONG, MINIMAL

BASELINE = CHUXIONG / "baseline.yaml"


def _median(value) -> float:
    return float(value.distribution().ppf(np.array([0.5]))[0]) if isinstance(value, Dist) else float(value)


def _forward(ky_start, gA, gh, gL, alpha, delta, rates):
    """The forward LTGM run on a rate path (GDP index from 1)."""
    return economy.simulate_baseline(1.0, ky_start, np.asarray(rates)[None, :], gA, gh, gL, alpha, delta)


def test_required_rate_fed_forward_reproduces_the_target_minimal(minimal):
    """MINIMAL's economy is all fixed numbers: α .5, δ .06, K/Y 3, s .35, gA .015, n -.005, gh .005."""
    frame = required_investment(load_scenario(minimal), credit_portfolio=False)
    assert frame["year"].tolist() == [2021, 2022, 2023, 2024, 2025]
    out = _forward(3.0, 0.015, 0.005, -0.005, 0.5, 0.06, frame["required_rate"])
    np.testing.assert_allclose(out["growth"][0], 0.06, rtol=0, atol=1e-10)
    np.testing.assert_allclose(frame["required_ky"], out["ky"][0, 1:], rtol=1e-12)
    np.testing.assert_allclose(frame["scenario_rate"], 0.35)
    np.testing.assert_allclose(frame["gap_pp"], (frame["required_rate"] - 0.35) * 100, rtol=1e-12)


def test_window_after_the_first_year_starts_from_the_scenario_path(write):
    """Target 2023–2027: 2021–2022 run on the scenario's own (rising) rate, then the inversion."""
    text = MINIMAL.replace("window: [2021, 2025]", "window: [2023, 2027]").replace(
        "investment_rate: 0.35", "investment_rate: 0.35\n  investment_rate_change: 0.01")
    frame = required_investment(load_scenario(write("s.yaml", text)), credit_portfolio=False)
    assert frame["year"].tolist() == list(range(2023, 2028))
    # the engine's rate path: s + change × (year − base − 1)
    np.testing.assert_allclose(frame["scenario_rate"], 0.35 + 0.01 * np.arange(2, 7), rtol=1e-12)
    pre = economy.simulate_baseline(1.0, 3.0, np.array([[0.35, 0.36]]), 0.015, 0.005, -0.005, 0.5, 0.06)
    ky_2022 = pre["ky"][0, -1]
    out = _forward(ky_2022, 0.015, 0.005, -0.005, 0.5, 0.06, frame["required_rate"])
    np.testing.assert_allclose(out["growth"][0], 0.06, rtol=0, atol=1e-10)


def test_required_rate_fed_forward_reproduces_the_target_chuxiong():
    """Chuxiong baseline: medians of its distributions, taken here from the scenario's own Dists."""
    s = load_scenario(BASELINE)
    e = s.economy
    gL = economy.labour_growth(_median(e.population_growth), _median(e.working_age_share_growth),
                               _median(e.participation_growth))
    frame = required_investment(s, credit_portfolio=False)
    out = _forward(_median(e.capital_output_ratio), _median(e.tfp_growth),
                          _median(e.human_capital_growth), gL, _median(e.capital_share),
                          _median(e.depreciation), frame["required_rate"])
    np.testing.assert_allclose(out["growth"][0], 0.10, rtol=0, atol=1e-10)
    np.testing.assert_allclose(frame["scenario_rate"], _median(e.investment_rate), rtol=1e-12)


def test_balanced_growth_needs_forty_percent_every_year(write):
    """α .5, δ .096, gA .02, n -.005: g* = 1.02² × 0.995 − 1 = 3.5198 % exactly, K/Y* = .40/(g* + δ)."""
    ky_star = 0.40 / (0.035198 + 0.096)
    text = (MINIMAL.replace("threshold: 6%", "threshold: 3.5198%")
            .replace("capital_output_ratio: 3.0", f"capital_output_ratio: {ky_star!r}")
            .replace("depreciation: 0.06", "depreciation: 0.096")
            .replace("tfp_growth: 0.015", "tfp_growth: 0.02")
            .replace("human_capital_growth: 0.005", "human_capital_growth: 0"))
    frame = required_investment(load_scenario(write("bgp.yaml", text)), credit_portfolio=False)
    np.testing.assert_allclose(frame["required_rate"], 0.40, rtol=0, atol=1e-12)
    np.testing.assert_allclose(frame["required_ky"], ky_star, rtol=1e-12)
    # with the rounded published K/Y 3.0488 the rate is 0.40 to the rounding
    rounded = required_investment(load_scenario(write("bgp2.yaml", text.replace(repr(ky_star), "3.0488"))),
                                  credit_portfolio=False)
    np.testing.assert_allclose(rounded["required_rate"], 0.40, atol=2e-5)


def test_crediting_the_portfolio_overlay_delivers_the_target_for_total_gdp(minimal):
    """Baseline on the credited rate + the mean overlay X̄_t grows at the target every year."""
    frame = required_investment(load_scenario(minimal), draws=1024)
    at = frame.attrs
    x = np.concatenate([[at["overlay_before_window"]], frame["portfolio_overlay"]])
    yb0 = at["baseline_gdp_before_window"]
    assert yb0 + x[0] == pytest.approx(1000.0)          # the engine's Y^B_2020 = Y_2020 − X_2020
    base = economy.simulate_baseline(yb0, 3.0, frame["required_rate_with_portfolio"].to_numpy()[None, :],
                                     0.015, 0.005, -0.005, 0.5, 0.06)
    total = base["gdp"][0] + x
    np.testing.assert_allclose(total[1:] / total[:-1] - 1, 0.06, rtol=0, atol=1e-10)
    # the park's operation grows the overlay: the economy outside needs less where it does
    growing = np.diff(x) > 1e-9
    assert growing.any()
    assert (frame["required_rate_with_portfolio"][growing] < frame["required_rate"][growing]).all()


def test_cli_prints_the_table_for_the_chuxiong_baseline(cli):
    result = cli("required", BASELINE)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "growth_2021_2025" in out and "10.00%" in out
    for year in range(2021, 2026):
        assert f"\n{year} " in out
    assert "portfolio overlay is not included" in out


def test_cli_out_writes_table_and_chart(cli, tmp_path):
    import pandas as pd

    result = cli("required", BASELINE, "--out", tmp_path / "req", "--lang", "en")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "req" / "required.csv")
    assert table["year"].tolist() == list(range(2021, 2026))
    assert {"required_rate", "scenario_rate", "gap_pp", "required_ky"} <= set(table.columns)
    png = (tmp_path / "req" / "required.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "req" / "required.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_cli_unknown_target_exits_2_naming_the_file(cli):
    result = cli("required", BASELINE, "--target", "nope")
    assert result.exit_code == 2
    assert "baseline.yaml" in result.stderr
    assert "unknown target 'nope'" in result.stderr and "growth_2021_2025" in result.stderr
    assert "Traceback" not in result.output


def test_cli_target_with_another_metric_exits_2(cli):
    result = cli("required", BASELINE, "--target", "gdp_2025")
    assert result.exit_code == 2
    assert "metric gdp_level" in result.stderr
