"""Goal seek (issue 5) against roots known in closed form.

The construction: capital share α = 1e-6 (capital hardly matters), fixed labour and human-capital growth,
no TFP shocks. Then every year 1 + g = (1 + gA)(1 + gh)(1 + gL) · e^{α(ln(1+gK) − ln((1+gh)(1+gL)))}, and
the exponent is below 1e-6 × 0.05 per year, so the window average is (1 + gA)(1 + gh)(1 + gL) − 1 to
within ~1e-7: the average-growth target thr is met exactly when gA ≥ gA* = (1 + thr)/((1 + gh)(1 + gL)) − 1.
"α error" below means this ≤ 1e-6 allowance.

A project built entirely in 2025 (uniform profile, multiplier × local content × κ = 1) adds its spending
to GDP in 2025 only, and the base year is untouched, so with capex C × scale the target is met when
C · scale · (share of the build inside 2025) ≥ 1000 · (1 + thr)^5 − 1000 · ((1 + gA)(1 + gh)(1 + gL))^5.
"""
from __future__ import annotations

import json
import math
import re

import pytest
from scipy import stats

from portfolio import load_scenario
from portfolio.analysis.goalseek import GoalSeekError, goal_seek
from portfolio.runs.simulate import simulate

GH, GL, GA, THR = 0.01, -0.005, 0.02, 0.05
GA_STAR = (1 + THR) / ((1 + GH) * (1 + GL)) - 1            # ≈ 0.044828
ALPHA_ERROR = 1e-6

HEAD = """\
meta:
  name: goal-test
  title: {zh: 目标测试, en: Goal seek test}
  region: {zh: 测试地区, en: Test region}
  base_year: 2020
  horizon: 2026
targets:
  - {name: growth, metric: average_growth, window: [2021, 2025], threshold: 5%%}
economy:
  gdp: 1000 亿元
  capital_output_ratio: 3.0
  capital_share: 0.000001
  depreciation: 0.08
  investment_rate: 0.30
  tfp_growth: %(tfp)s
  population_growth: -0.005
  human_capital_growth: 0.01
simulation: {draws: 500, seed: 5, sampler: mc}
"""
DAM = """\
projects:
  - id: dam
    name: {zh: 水坝, en: Dam}
    kind: other
    source: "assumption: test"
    capex: 200 亿元
    planned_start: 2025
    build_years: 1
    profile: uniform
    multiplier: 1
    local_content: 1
    gfcf_share: 1
"""
CAPEX = 200.0
# what the dam must add to GDP in 2025 for the 5-year average to reach 5%
NEEDED = 1000 * (1 + THR) ** 5 - 1000 * ((1 + GA) * (1 + GH) * (1 + GL)) ** 5    # ≈ 144.6 亿元


@pytest.fixture
def economy(write):
    def _make(tfp: str = "0.02", dam: bool = False):
        return write("goal.yaml", HEAD % {"tfp": tfp} + (DAM if dam else ""))
    return _make


# --------------------------------------------------------------------------- known roots
def test_known_root_without_uncertainty(economy):
    scenario = load_scenario(economy())
    found = goal_seek(scenario, "economy.tfp_growth", 0.5, bounds=(0.0, 0.06))
    assert found.tolerance == pytest.approx(0.06 * 1e-5)       # nothing random: only the root finder's
    assert abs(found.value - GA_STAR) <= found.tolerance + ALPHA_ERROR
    assert not found.median and found.current == 0.02 and found.current_probability == 0.0
    assert {p for _, p in found.grid} == {0.0, 1.0}            # P is a step: 0 below gA*, 1 above
    assert all((p == 1.0) == (x > GA_STAR) for x, p in found.grid)


@pytest.mark.parametrize("dist, frozen", [
    pytest.param("normal(0.02, 0.01)", stats.norm(0.02, 0.01), id="normal"),
    pytest.param("triangular(0.0, 0.005, 0.04)", stats.triang(0.125, loc=0.0, scale=0.04), id="skewed-triangular"),
])
def test_monte_carlo_root_within_its_stated_tolerance(economy, dist, frozen):
    """tfp_growth = X − median(X) + m for lever value m (the median): P(avg ≥ thr) = P(X ≥ gA* − m + med X),
    so P = p at m* = gA* + med X − F⁻¹(1 − p). For the triangular, median 0.01354 ≠ mean 0.015: a lever that
    moved the mean instead would land 0.00146 away, ≈ 3× the tolerance.

    Tolerance check: the local 95% half-width is h = 1.96 √(p(1 − p)/n) / f(F⁻¹(1 − p)); the package uses
    the slope of the grid cell instead, which here is flatter, so h ≤ tolerance ≤ 2h. Coverage: 10 seeds,
    each a 95% interval; at least 8 must cover m* (P(≤ 7 of 10) = 1.2% if the intervals are right)."""
    p, n = 0.3, 4000
    scenario = load_scenario(economy(dist))
    m_star = GA_STAR + frozen.median() - frozen.ppf(1 - p)
    h = stats.norm.ppf(0.975) * math.sqrt(p * (1 - p) / n) / frozen.pdf(frozen.ppf(1 - p))
    covered = 0
    for seed in range(10):
        found = goal_seek(scenario, "economy.tfp_growth", p, bounds=(0.0, 0.08), draws=n, seed=seed)
        assert found.median
        assert h <= found.tolerance <= 2 * h
        assert abs(found.achieved - p) <= 1 / n + 1e-12         # P at the value found is the level asked
        covered += abs(found.value - m_star) <= found.tolerance + ALPHA_ERROR
        if seed == 0:
            assert abs(found.value - m_star) <= found.tolerance + ALPHA_ERROR
    assert covered >= 8


def test_capex_scale_lever_finds_the_known_factor(cli, economy):
    """scale* = NEEDED / C ≈ 0.7230 (default bounds 0.25–3); through the command with --json."""
    path = economy(dam=True)
    res = cli("goal-seek", path, "--lever", "capex_scale", "--probability", 0.5, "--draws", 200, "--json")
    assert res.exit_code == 0, res.stderr
    found = json.loads(res.stdout)
    assert found["lever"] == "capex_scale" and found["current"] == 1.0 and found["current_probability"] == 1.0
    assert found["tolerance"] == pytest.approx((3.0 - 0.25) * 1e-5)
    # α error on the level: ≤ 5 years × 1e-6 × 0.05 of 1,130 亿元 ≈ 3e-4 亿元 → 1.5e-6 in the factor
    assert abs(found["value"] - NEEDED / CAPEX) <= found["tolerance"] + 1e-5


def test_planned_start_lever_finds_the_known_date(economy, cli):
    """Starting at s ∈ [2024, 2025], a one-year build spends C · (s − 2024) in 2025: s* = 2024 + NEEDED / C."""
    path = economy(dam=True)
    found = goal_seek(load_scenario(path), "projects.dam.planned_start", 0.5, bounds=(2023.0, 2025.0))
    assert found.current == 2025.0 and not found.median
    assert abs(found.value - (2024 + NEEDED / CAPEX)) <= found.tolerance + 1e-5
    res = cli("goal-seek", path, "--lever", "projects.dam.planned_start", "--probability", 0.5,
              "--bounds", 2023, 2025, "--draws", 100)
    assert res.exit_code == 0, res.stderr
    assert "P(growth) reaches 50% at projects.dam.planned_start = 2024.72" in res.stdout


# --------------------------------------------------------------------------- refusals
def test_a_non_monotone_response_is_refused(economy, cli):
    """A true non-monotone lever of this model: construction demand is temporary, so only a build that
    overlaps 2025 lifts GDP at the window's end (the investment cliff): P(growth) rises as the dam's start
    moves from 2023 towards 2025 and falls again after it. With TFP ~ normal(2%, 0.5%) P is a smooth
    hump; its default bounds (planned start ± 3 years) straddle the peak."""
    path = economy("normal(0.02, 0.005)", dam=True)
    p = {start: simulate(path, draws=2000, seed=1, overrides=[f"projects.dam.planned_start={start}"])
         .summary()["targets"][0]["probability"] for start in (2023, 2025, 2027)}
    assert p[2025] > p[2023] + 0.5 and p[2025] > p[2027] + 0.5           # the hump, independently
    with pytest.raises(GoalSeekError, match="not monotone in projects.dam.planned_start"):
        goal_seek(load_scenario(path), "projects.dam.planned_start", 0.5, draws=2000)
    res = cli("goal-seek", path, "--lever", "projects.dam.planned_start", "--probability", 0.5, "--draws", 500)
    assert res.exit_code == 2
    assert "not monotone" in res.stderr and "narrow --bounds" in res.stderr


def test_a_level_out_of_reach_is_refused_with_the_range(economy, cli):
    """gA ≤ 1% is far below gA* ≈ 4.5%: P = 0 across the bounds."""
    res = cli("goal-seek", economy(), "--lever", "economy.tfp_growth", "--probability", 0.5,
              "--bounds", 0, 0.01, "--draws", 100)
    assert res.exit_code == 2
    assert "out of reach for economy.tfp_growth in [0, 0.01]" in res.stderr
    assert "ranges from 0.0% to 0.0%" in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""


def test_an_unknown_lever_suggests_the_nearest(economy, cli):
    res = cli("goal-seek", economy(dam=True), "--lever", "economy.tfp_grwth", "--probability", 0.5)
    assert res.exit_code == 2
    assert "economy.tfp_grwth: not a numeric input of this scenario (did you mean 'economy.tfp_growth'?)" in res.stderr
    res = cli("goal-seek", economy(dam=True), "--lever", "projects.dm.planned_start", "--probability", 0.5)
    assert res.exit_code == 2
    assert "did you mean 'projects.dam.planned_start'?" in res.stderr


def test_the_refusal_shows_grid_values_that_can_be_told_apart(economy):
    path = economy(dam=True)
    with pytest.raises(GoalSeekError) as info:
        goal_seek(load_scenario(path), "projects.dam.planned_start", 0.5, bounds=(2023.0, 2027.0), draws=100)
    assert "2023.5" in str(info.value) and "2024.5" in str(info.value)


def test_default_bounds_stay_within_what_the_input_may_be():
    from portfolio.analysis.goalseek import default_bounds

    assert default_bounds("economy.investment_rate", 0.8) == (0.4, 1.0)      # a rate never above 100%
    assert default_bounds("economy.tfp_growth", 0.02) == (0.01, 0.03)        # ±50% inside (-0.5, 0.5)
    assert default_bounds("projects.park.capex", 30.0) == (15.0, 45.0)       # no upper limit
    assert default_bounds("capex_scale", 1.0) == (0.25, 3.0)
    assert default_bounds("projects.park.planned_start", 2022.0, (2020, 2031)) == (2020, 2025.0)   # simulated years


# --------------------------------------------------------------------------- completion targets
def test_a_completion_target_finds_the_start_date_that_gives_the_probability(write, cli):
    """Finish = planned start + U(2, 4) years, never cancelled: P(finish ≤ 2024.0) = (2024 − s − 2) / 2,
    so P = 0.8 needs s* = 2020.4 — a date lever on a date target, shown as a date."""
    from tests.model.test_engine import scenario_yaml
    from tests.runs.test_completion import TARGETS, WORKS

    path = write("works.yaml", scenario_yaml(WORKS.replace("CANCEL", "0"), targets=TARGETS, draws=20_000))
    found = goal_seek(load_scenario(path), "projects.works.planned_start", 0.8, target="built",
                      bounds=(2019.5, 2021.5))
    assert abs(found.value - 2020.4) <= found.tolerance + 1e-3
    assert found.current_probability == pytest.approx(0.5, abs=4 * math.sqrt(0.25 / 20_000))
    res = cli("goal-seek", path, "--lever", "projects.works.planned_start", "--probability", 0.8, "--target", "built",
              "--bounds", 2019.5, 2021.5, "--draws", 4000)
    assert res.exit_code == 0, res.stderr
    # 2020.4 is 27 May 2020; the tolerance is in days
    assert re.search(r"P\(built\) reaches 80% at projects\.works\.planned_start = 2020\.\d+ \(2020-0[56]-\d\d\) "
                     r"± [\d.]+ years \(about \d+ days\)", res.stdout), res.stdout


def test_a_gain_that_is_only_timing_is_explained(economy):
    """More dam capex lifts 2025 through construction demand alone (capital's share is ~0): the plan
    window reaches the level, and the window to 2026 — after the dam is built — gains nothing. The
    result says so (paired draws, as a comparison would)."""
    found = goal_seek(load_scenario(economy(dam=True)), "capex_scale", 0.5, bounds=(0.25, 3.0))
    assert len(found.why) == 1 and "shift in timing" in found.why[0]
    assert found.why[0].startswith("capex_scale = ") and "2021–2026" in found.why[0]
    assert found.as_dict()["why"] == found.why


def test_a_start_lever_moves_the_plan_the_tables_show(economy):
    """The compiled copy with a planned-start lever plans from the lever's date (projects.csv, the
    ledger report and criticality read the same plan as the engine)."""
    from portfolio.analysis.goalseek import with_lever
    from portfolio.model.compiled import compile_scenario
    from portfolio.model.schedules import planned_dates

    c = compile_scenario(load_scenario(economy(dam=True)))
    moved = with_lever(c, "projects.dam.planned_start", 2023.5)
    assert planned_dates(c)[0][0] == 2025.0 and planned_dates(moved)[0][0] == 2023.5
    assert planned_dates(moved)[1][0] == pytest.approx(2024.5)
