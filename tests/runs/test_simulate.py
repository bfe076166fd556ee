"""Monte Carlo behaviour of ``portfolio.simulate``: schedule risk (merge bias, P50s, cancellation),
monotonicity under common random numbers, bit-for-bit determinism, invalid draws, and the shipped
Chuxiong scenario pack.

Monte Carlo checks use a tolerance of 4 standard errors, with the standard error stated next to each
check (sample sd / √n for means, √(p(1 − p)/n) for proportions).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from portfolio.runs.results import wilson_interval
from portfolio.runs.simulate import simulate
from tests.conftest import CHUXIONG

HEAD = """\
meta:
  name: sim-test
  title: {zh: 模拟测试, en: Simulation test}
  region: {zh: 测试地区, en: Test region}
  base_year: 2020
  horizon: %(horizon)d
targets:
%(targets)s
economy:
%(economy)s
"""

FIXED_ECONOMY = """\
  gdp: 1000 亿元
  capital_output_ratio: 3.0
  capital_share: 0.4
  depreciation: 0.08
  investment_rate: 0.30
  tfp_growth: 0.02
  population_growth: -0.005
  human_capital_growth: 0.005
"""
GROWTH_TARGET = "  - {name: growth, metric: average_growth, window: [2021, 2025], threshold: 3%}"


def scenario_yaml(projects: str, economy: str = FIXED_ECONOMY, targets: str = GROWTH_TARGET,
                  horizon: int = 2030, sections: str = "") -> str:
    return (HEAD % {"horizon": horizon, "targets": targets, "economy": economy.rstrip("\n")}
            + "projects:\n" + projects + sections)


def project(ident: str, **fields) -> str:
    values = {"name": "{zh: 项目, en: Project}", "kind": "industry", "source": '"assumption: test"', "capex": 10}
    values.update(fields)
    return f"  - {{id: {ident}, " + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}\n"


# --------------------------------------------------------------------------- 5. merge bias, P50s
def test_merge_bias_of_two_independent_predecessors(write):
    """start_C = max(COD_A, COD_B) with COD_i = 2024 + N(0, σ²): E = 2024 + σ/√π (expected max of two
    iid normals). C's own planned start (2021) is far earlier so it never binds (6σ)."""
    sigma, n = 0.5, 20_000
    delay = f'"normal(0, {sigma})"'
    text = scenario_yaml(project("a", planned_start=2024, build_years=0, start_delay=delay)
                         + project("b", planned_start=2024, build_years=0, start_delay=delay)
                         + project("c", planned_start=2021, build_years=1, depends_on="[a, b]"))
    result = simulate(write("merge.yaml", text), draws=n, seed=3)
    start = result.data.detail["start"]
    cod = result.data.detail["cod"]
    succ = start[:, 2]
    np.testing.assert_array_equal(succ, np.maximum(cod[:, 0], cod[:, 1]))      # finish-to-start, lag 0
    se = succ.std(ddof=1) / math.sqrt(n)                                        # ≈ 0.0029 years
    assert abs(succ.mean() - (2024 + sigma / math.sqrt(math.pi))) < 4 * se
    for j in (0, 1):                                                            # the predecessors are unbiased
        se_j = cod[:, j].std(ddof=1) / math.sqrt(n)
        assert abs(cod[:, j].mean() - 2024) < 4 * se_j
    assert succ.mean() - 2024 > 0.25                                            # the merge bias is visible


@pytest.mark.parametrize("n_paths, expected_max", [(3, 0.8462843753), (5, 1.1629644736), (10, 1.5387527308)])
def test_merge_bias_of_n_parallel_paths(write, n_paths, expected_max):
    """n independent N(2024, σ²) finishes merging into one successor: E[start] = 2024 + σ e_n with e_n the
    expected largest of n standard normals (tabulated by Teichroew 1956; Clark 1961 for the merge)."""
    sigma, n = 0.5, 20_000
    preds = "".join(project(f"p{k}", planned_start=2024, build_years=0, start_delay=f'"normal(0, {sigma})"')
                    for k in range(n_paths))
    text = scenario_yaml(preds + project("merge", planned_start=2021, build_years=1,
                                         depends_on="[" + ", ".join(f"p{k}" for k in range(n_paths)) + "]"))
    succ = simulate(write("merge_n.yaml", text), draws=n, seed=13).data.detail["start"][:, n_paths]
    se = succ.std(ddof=1) / math.sqrt(n)                                        # ≈ 0.003 years
    assert abs(succ.mean() - (2024 + sigma * expected_max)) < 4 * se


def test_merge_of_two_unequal_paths_has_clarks_moments(write):
    """max(X1, X2), X1 ~ N(2024, 0.5²), X2 ~ N(2024.3, 0.3²) independent (Clark 1961, eqs. 2-3):
    a² = σ1² + σ2², α = (μ1 − μ2)/a, E = μ1 Φ(α) + μ2 Φ(−α) + a φ(α),
    E[max²] = (μ1² + σ1²) Φ(α) + (μ2² + σ2²) Φ(−α) + (μ1 + μ2) a φ(α). Moments about 2024 to keep the
    squares small."""
    from scipy import stats

    n, (m1, s1), (m2, s2) = 40_000, (0.0, 0.5), (0.3, 0.3)
    text = scenario_yaml(
        project("x1", planned_start=2024, build_years=0, start_delay=f'"normal({m1}, {s1})"')
        + project("x2", planned_start=2024, build_years=0, start_delay=f'"normal({m2}, {s2})"')
        + project("merge", planned_start=2021, build_years=1, depends_on="[x1, x2]"))
    succ = simulate(write("clark.yaml", text), draws=n, seed=17).data.detail["start"][:, 2] - 2024
    a = math.hypot(s1, s2)
    alpha = (m1 - m2) / a
    mean = m1 * stats.norm.cdf(alpha) + m2 * stats.norm.cdf(-alpha) + a * stats.norm.pdf(alpha)
    second = ((m1 ** 2 + s1 ** 2) * stats.norm.cdf(alpha) + (m2 ** 2 + s2 ** 2) * stats.norm.cdf(-alpha)
              + (m1 + m2) * a * stats.norm.pdf(alpha))
    se = succ.std(ddof=1) / math.sqrt(n)                                        # ≈ 0.002 years
    assert abs(succ.mean() - mean) < 4 * se
    se2 = (succ ** 2).std(ddof=1) / math.sqrt(n)
    assert abs((succ ** 2).mean() - second) < 4 * se2


def test_every_project_at_its_own_p50_is_unlikely(write):
    """Three independent projects, each finishing by its P50 COD (planned start + 2) with probability ½
    through a different uncertain input: all three do with probability 0.5³ = 0.125."""
    n = 20_000
    text = scenario_yaml(
        project("delay", planned_start=2022, build_years=2, start_delay='"normal(0, 0.5)"')
        + project("slip", planned_start=2022, build_years=2, duration_ratio='"lognormal(p50=1, p80=1.3)"')
        + project("build", planned_start=2022, build_years='"triangular(1, 2, 3)"'))
    result = simulate(write("p50.yaml", text), draws=n, seed=8)
    on_time = result.data.detail["cod"] <= 2024.0
    for j in range(3):
        se = math.sqrt(0.25 / n)                                                # ≈ 0.0035
        assert abs(on_time[:, j].mean() - 0.5) < 4 * se
    se = math.sqrt(0.125 * 0.875 / n)                                           # ≈ 0.0023
    assert abs(on_time.all(axis=1).mean() - 0.125) < 4 * se


# --------------------------------------------------------------------------- 6. cancellation
def test_cancellation_propagates_and_cancelled_projects_spend_nothing(write):
    n, p_a, p_c = 20_000, 0.3, 0.2
    text = scenario_yaml(
        project("a", capex=40, planned_start=2022, build_years=2, cancel_probability=p_a, output_value=20,
                value_added_ratio=0.3)
        + project("b", capex=20, planned_start=2022, build_years=2, depends_on="[a]")
        + project("c", capex=10, planned_start=2023, build_years=1, cancel_probability=p_c,
                  depends_on='[{id: b, lag: 0.5}]'))
    path = write("cancel.yaml", text)
    result = simulate(path, draws=n, seed=21)
    d = result.data.detail
    cx = d["cancelled"]
    np.testing.assert_array_equal(cx[:, 1], cx[:, 0])                          # b inherits a's cancellation
    assert np.all(cx[cx[:, 1], 2])                                             # … and c inherits b's
    se_a = math.sqrt(p_a * (1 - p_a) / n)                                      # ≈ 0.0032
    assert abs(cx[:, 0].mean() - p_a) < 4 * se_a
    p_c_total = 1 - (1 - p_a) * (1 - p_c)                                      # 0.44: own or inherited
    assert abs(cx[:, 2].mean() - p_c_total) < 4 * math.sqrt(p_c_total * (1 - p_c_total) / n)
    assert np.all(d["spent"][cx] == 0)                                         # cancelled: nothing spent
    assert np.all(d["spent"][~cx] > 0)
    assert not d["operating"][cx].any()
    # a draw with every project cancelled is exactly the economy without projects
    inert = simulate(write("inert.yaml", scenario_yaml(project("x", planned_start=2100, build_years=1))),
                     draws=1)
    all_out = cx.all(axis=1)
    assert all_out.sum() > 1000
    np.testing.assert_allclose(result.data.gdp[all_out], np.broadcast_to(inert.data.gdp[0], (all_out.sum(), 11)),
                               rtol=1e-13)
    table = result.projects()
    assert table.loc["c", "p_cancelled"] == pytest.approx(cx[:, 2].mean())


# --------------------------------------------------------------------------- 7. monotonicity (CRN)
UNCERTAIN_ECONOMY = """\
  gdp: 1000 亿元
  capital_output_ratio: pert(2.5, 3.0, 3.5)
  capital_share: pert(0.35, 0.45, 0.55)
  depreciation: pert(0.05, 0.08, 0.10)
  investment_rate: pert(0.25, 0.32, 0.40)
  tfp_growth: normal(0.02, 0.005)
  tfp_shock_sd: 0.01
  population_growth: -0.005
  human_capital_growth: pert(0.003, 0.006, 0.01)
  local_multiplier: pert(0.6, 1.0, 1.4)
"""
UNCERTAIN_PROJECTS = (
    project("park", capex='"pert(20, 30, 50)"', planned_start=2022, build_years=3,
            start_delay='"pert(0, 0.5, 2)"', output_value='"pert(10, 20, 40)"', value_added_ratio=0.25,
            cancel_probability=0.2, ramp_years=2)
    + project("plant", capex='"pert(5, 8, 15)"', planned_start=2023, build_years=2, depends_on="[park]",
              output_value=6, value_added_ratio='"uniform(0.2, 0.3)"', reference_class="industrial_park"))
CORRELATED = """\
uncertainty:
  correlations:
    - {between: [economy.tfp_growth, economy.investment_rate], rank: -0.3}
  shocks:
    - {name: wave, year: 2022, probability: 0.3, impact: -2%, recovery: 50%}
"""


@pytest.fixture
def uncertain(write):
    return write("uncertain.yaml", scenario_yaml(UNCERTAIN_PROJECTS, economy=UNCERTAIN_ECONOMY,
                                                 sections=CORRELATED))


def test_higher_tfp_growth_never_lowers_gdp_in_any_draw_or_year(uncertain):
    n = 3000
    low = simulate(uncertain, draws=n, seed=5)
    high = simulate(uncertain, draws=n, seed=5, overrides=["economy.tfp_growth=normal(0.025, 0.005)"])
    assert low.data.valid.all() and high.data.valid.all()
    shift = high.data.inputs["economy.tfp_growth"] - low.data.inputs["economy.tfp_growth"]
    np.testing.assert_allclose(shift, 0.005, atol=1e-12)                       # same uniforms, shifted values
    np.testing.assert_array_equal(high.data.gdp[:, 0], low.data.gdp[:, 0])
    assert np.all(high.data.gdp[:, 1:] > low.data.gdp[:, 1:])                   # every draw, every year
    assert np.all(high.average_growth() > low.average_growth())


def test_higher_output_value_never_lowers_gdp_in_any_draw_or_year(uncertain):
    """The park opens after the base year, so its output is not in the base-year GDP; a larger output
    can only add value added (a project already running in the base year would lower Y^B instead)."""
    n = 3000
    low = simulate(uncertain, draws=n, seed=5)
    high = simulate(uncertain, draws=n, seed=5, overrides=["projects.park.output_value=pert(15, 30, 60)"])
    ratio = high.data.inputs["projects.park.output_value"] / low.data.inputs["projects.park.output_value"]
    np.testing.assert_allclose(ratio, 1.5, rtol=1e-12)
    assert np.all(high.data.gdp >= low.data.gdp)
    cancelled = low.data.detail["cancelled"][:, 0]
    np.testing.assert_array_equal(high.data.gdp[cancelled], low.data.gdp[cancelled])   # no park, no change
    assert np.all(high.data.gdp[~cancelled, -1] > low.data.gdp[~cancelled, -1])


# --------------------------------------------------------------------------- 8. determinism
def _summary_text(result) -> str:
    s = dict(result.summary())
    s.pop("timing")
    return json.dumps(s, sort_keys=True, ensure_ascii=False)


def test_same_seed_gives_identical_draws_for_any_chunking_workers_and_threads(monkeypatch):
    from portfolio.model import threads

    baseline = CHUXIONG / "baseline.yaml"      # correlations, LHS, drivers, shocks, price paths, 25 projects
    n = 10_000                                 # the last chunk is partial for both chunk sizes
    monkeypatch.setattr(threads, "spare_threads", lambda: 1)
    ref = simulate(baseline, draws=n, seed=99, workers=1, chunk_size=4096)
    frame = ref.draws()
    assert len(frame) == n
    for workers, chunk, count in ((1, 8192, 1), (2, 4096, 1), (1, 4096, 2), (1, 4096, 3)):
        monkeypatch.setattr(threads, "spare_threads", lambda t=count: t)   # chunks on threads (1 worker)
        other = simulate(baseline, draws=n, seed=99, workers=workers, chunk_size=chunk)
        pd.testing.assert_frame_equal(other.draws(), frame, check_exact=True)
        assert _summary_text(other) == _summary_text(ref)
        pd.testing.assert_frame_equal(other.years(), ref.years(), check_exact=True)
        pd.testing.assert_frame_equal(other.projects(), ref.projects(), check_exact=True)
    different = simulate(baseline, draws=n, seed=100, chunk_size=8192).draws()
    assert not different["economy.tfp_growth"].equals(frame["economy.tfp_growth"])
    assert not different["gdp_2025"].equals(frame["gdp_2025"])


# --------------------------------------------------------------------------- 11. invalid draws
def test_collapsed_draws_are_counted_flagged_and_excluded_from_probabilities(write, tmp_path):
    """δ = 1 and s_t = clip(s − 0.1·k, 0, 1) with s ~ U(0, 0.4): when s ≤ 0.1 nothing is invested in the
    second year, the whole capital stock is gone and GDP_2022 = 0 — a quarter of the draws."""
    economy = FIXED_ECONOMY.replace("depreciation: 0.08", "depreciation: 1").replace(
        "investment_rate: 0.30", "investment_rate: uniform(0, 0.4)\n  investment_rate_change: -0.1")
    targets = ("  - {name: growth, metric: average_growth, window: [2021, 2022], threshold: -50%}\n"
               "  - {name: anything, metric: average_growth, window: [2021, 2022], threshold: -100%}")
    text = scenario_yaml(project("a", planned_start=2021, build_years=1), economy=economy, targets=targets,
                         horizon=2022)
    n = 4000
    result = simulate(write("collapse.yaml", text), draws=n, seed=3)
    folder = result.save(tmp_path / "run")
    draws = pd.read_parquet(folder / "draws.parquet")
    assert len(draws) == n                                                     # nothing dropped
    collapsed = (draws["economy.investment_rate"] <= 0.1).to_numpy()
    assert 0.2 < collapsed.mean() < 0.3
    np.testing.assert_array_equal(draws["valid"].to_numpy(), ~collapsed)
    assert np.all(draws.loc[collapsed, "gdp_2022"] <= 0) or np.all(~np.isfinite(draws.loc[collapsed, "gdp_2022"]))
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    n_valid = int((~collapsed).sum())
    assert summary["invalid_draws"] == n - n_valid
    valid = draws[~collapsed]
    met = int((valid["target_growth"] >= -0.5).sum())
    growth = {t["name"]: t for t in summary["targets"]}
    assert growth["growth"]["probability"] == pytest.approx(met / n_valid, abs=1e-15)
    # every valid draw grows faster than −100%; collapsed draws (outcome −100%) must not count as met
    assert growth["anything"]["probability"] == 1.0
    assert growth["growth"]["ci95"] == pytest.approx(list(wilson_interval(met, n_valid)))
    years = pd.read_csv(folder / "years.csv")
    assert years.loc[years.year == 2022, "gdp_p50"].item() == pytest.approx(np.percentile(valid["gdp_2022"], 50))
    assert summary["average_growth"]["mean"] == pytest.approx(valid["target_growth"].mean(), rel=1e-12)


# --------------------------------------------------------------------------- 13. the Chuxiong pack
VARIANTS = sorted(p.stem for p in CHUXIONG.glob("*.yaml") if not p.name.startswith("sweep-"))
DRAWS = 2000
_RUNS: dict = {}


def chuxiong(name: str):
    if name not in _RUNS:
        _RUNS[name] = simulate(CHUXIONG / f"{name}.yaml", draws=DRAWS)
    return _RUNS[name]


@pytest.mark.parametrize("name", VARIANTS)
def test_every_shipped_variant_runs_cleanly(name):
    assert len(VARIANTS) >= 8
    result = chuxiong(name)
    s = result.summary()
    assert s["invalid_draws"] == 0
    assert s["draws"] == DRAWS and s["seed"] == 20210617
    for target in s["targets"]:
        p = target["probability"]
        assert 0.0 <= p <= 1.0
        lo, hi = target["ci95"]
        assert lo <= p <= hi
    assert np.isfinite(result.data.gdp).all()


def _p(result, name="growth_2021_2025") -> float:
    return next(t["probability"] for t in result.summary()["targets"] if t["name"] == name)


def test_weak_productivity_lowers_growth_in_every_draw():
    base, weak = chuxiong("baseline"), chuxiong("weak-productivity")
    shift = weak.data.inputs["economy.tfp_growth"] - base.data.inputs["economy.tfp_growth"]
    np.testing.assert_allclose(shift, -0.01, atol=1e-12)                       # common random numbers
    assert np.all(weak.average_growth() < base.average_growth())
    assert _p(weak) < _p(base)


def test_high_investment_raises_growth_in_every_draw():
    base, high = chuxiong("baseline"), chuxiong("high-investment")
    shift = high.data.inputs["economy.investment_rate"] - base.data.inputs["economy.investment_rate"]
    np.testing.assert_allclose(shift, 0.05, atol=1e-12)
    assert np.all(high.average_growth() > base.average_growth())
    assert _p(high) > _p(base)


def test_airport_cancelled_changes_only_the_airports_contribution():
    base, variant = chuxiong("baseline"), chuxiong("airport-cancelled")
    ids = [p.id for p in base.compiled.projects]
    j = ids.index("airport")
    keep = [i for i in range(len(ids)) if i not in (j, ids.index("airport_open"))]
    assert [p.id for p in variant.compiled.projects] == ids
    assert variant.data.detail["cancelled"][:, j].all() and not variant.data.detail["spent"][:, j].any()
    for key in ("start", "cod", "cancelled", "spent"):                         # every other project untouched
        np.testing.assert_array_equal(variant.data.detail[key][:, keep], base.data.detail[key][:, keep])
    np.testing.assert_array_equal(variant.data.detail["capacity_by_tech"], base.data.detail["capacity_by_tech"])
    # the airport cannot start before 2023 (planned 2023.0, delays ≥ 0): 2020-2022 are unchanged
    np.testing.assert_allclose(variant.data.gdp[:, :3], base.data.gdp[:, :3], rtol=1e-12)
    # where the baseline draws the airport as cancelled, the two scenarios are the same economy
    gone = base.data.detail["cancelled"][:, j]
    assert 100 < gone.sum() < 300                                              # ≈ 10% of 2000
    np.testing.assert_allclose(variant.data.gdp[gone], base.data.gdp[gone], rtol=1e-12)
    # its demand, value added and TFP uplift are all ≥ 0: cancelling it never raises GDP
    assert np.all(variant.data.gdp <= base.data.gdp * (1 + 1e-12))
    assert _p(variant) <= _p(base)
    assert _p(variant, "airport_open_on_plan") == 0.0 < _p(base, "airport_open_on_plan")   # never opens


@pytest.mark.parametrize("name", ["no-petrochemical", "pv-price-slump"])
def test_removing_output_never_raises_2025_gdp(name):
    """No petrochemical park (demand and value added ≥ 0, nothing in 2020) or a lower polysilicon price
    level in 2025 (0.45 instead of 0.8, same innovations): GDP in 2025 is never higher."""
    base, variant = chuxiong("baseline"), chuxiong(name)
    t = 2025 - 2020
    np.testing.assert_array_equal(variant.data.gdp[:, 0], base.data.gdp[:, 0])
    assert np.all(variant.data.gdp[:, t] <= base.data.gdp[:, t] * (1 + 1e-12))
    assert _p(variant) <= _p(base)
    assert _p(variant, "gdp_2025") <= _p(base, "gdp_2025")


def test_energy_late_never_has_more_capacity_at_end_2025():
    base, late = chuxiong("baseline"), chuxiong("energy-late")
    b = base.target_outcome("energy_base_2025")
    v = late.target_outcome("energy_base_2025")
    assert np.all(v <= b)
    assert (v < b).mean() > 0.5
    assert _p(late, "energy_base_2025") <= _p(base, "energy_base_2025")
