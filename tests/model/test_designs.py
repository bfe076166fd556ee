"""``portfolio.model.designs``: evaluating arbitrary designs through the engine in chunks — the same numbers as
a Monte Carlo run when the other inputs are drawn, medians when they are not, chunk invariance, inherited
economy-wide defaults, and clear errors for unknown inputs."""
from __future__ import annotations

import numpy as np
import pytest

import portfolio
from portfolio.model import designs
from portfolio.model.compiled import compile_scenario
from portfolio.problems import InputError
from portfolio.uncertainty.sampling import sample
from portfolio.runs.simulate import run_chunk

SCENARIO = """\
meta:
  name: designs-test
  title: {zh: 设计测试, en: Design test}
  region: {zh: 测试地区, en: Test region}
  base_year: 2020
  horizon: 2026
targets:
  - {name: growth, metric: average_growth, window: [2021, 2025], threshold: 5%}
economy:
  gdp: 1000 亿元
  capital_output_ratio: pert(2.5, 3.0, 3.5)
  capital_share: 0.5
  depreciation: 0.06
  investment_rate: pert(0.30, 0.35, 0.40)
  tfp_growth: normal(0.015, 0.005)
  tfp_shock_sd: 0.01
  population_growth: -0.005
  human_capital_growth: 0.005
  local_multiplier: pert(0.6, 1.0, 1.4)
projects:
  - {id: park, name: {zh: 产业园, en: Industrial park}, kind: industry, source: "assumption: test",
     capex: "pert(20, 30, 50) 亿元", planned_start: 2022, build_years: 2, cancel_probability: 0.1}
  - {id: plant, name: {zh: 工厂, en: Plant}, kind: industry, source: "assumption: test",
     capex: 8, planned_start: 2023, build_years: 2, multiplier: 1.2}
uncertainty:
  correlations:
    - {between: [economy.tfp_growth, economy.investment_rate], rank: -0.3}
simulation: {draws: 5000, seed: 7, sampler: lhs}
"""


@pytest.fixture
def compiled(write):
    return compile_scenario(portfolio.load_scenario(write("s.yaml", SCENARIO)))


def test_random_others_reproduce_the_monte_carlo_run(compiled):
    """A design that sets one input to its own Monte Carlo draws, with every other input drawn from
    the root seed, is the Monte Carlo run itself, row for row."""
    n = 5000
    drawn = sample(compiled.random, 0, n, 7, "lhs", compiled.correlation, compiled.correlated)
    run = designs.evaluate_design(compiled, {"projects.park.capex": drawn["projects.park.capex"]},
                                  others="random")
    reference = run_chunk(compiled, 0, n, 7, "lhs")
    np.testing.assert_array_equal(run.gdp, reference.gdp)
    np.testing.assert_array_equal(run.targets["growth"], reference.targets["growth"])
    assert run.rows == n and run.failed == 0


def test_chunking_does_not_change_results(compiled):
    u = np.random.default_rng(1).uniform(size=9000)
    design = {"economy.tfp_growth": u, "projects.park.capex": u[::-1]}
    a = designs.evaluate_design(compiled, design, scale="uniform", others="random", start=100)
    b = designs.evaluate_design(compiled, design, scale="uniform", others="random", start=100, chunk_rows=4096)
    np.testing.assert_array_equal(a.gdp, b.gdp)
    c = designs.evaluate_design(compiled, design, scale="uniform", others="median", chunk_rows=1000)
    d = designs.evaluate_design(compiled, design, scale="uniform", others="median")
    np.testing.assert_array_equal(c.growth, d.growth)


def test_median_others_and_uniform_scale(compiled):
    """Others at their medians: rows that agree on the design agree on the outcome; u = 0.5 is the median."""
    medians = designs.medians(compiled)
    run = designs.evaluate_design(compiled, {"economy.tfp_growth": np.array([0.5, 0.5, 0.9])}, scale="uniform")
    assert run.targets["growth"][0] == run.targets["growth"][1] < run.targets["growth"][2]
    same = designs.evaluate_design(compiled, {"economy.tfp_growth": np.array([medians["economy.tfp_growth"]])})
    assert same.targets["growth"][0] == pytest.approx(run.targets["growth"][0], abs=1e-15)
    assert medians["economy.tfp_innovation.2021"] == 0.0
    assert medians["projects.park.cancelled"] == 0.0      # Bernoulli(0.1) at its median: not cancelled


def test_inherited_default_moves_the_projects_that_use_it(compiled):
    """economy.local_multiplier is read by the engine only through the projects without their own
    multiplier; a design on it sets theirs too (the plant keeps its own 1.2)."""
    assert designs.inherited(compiled)["economy.local_multiplier"] == ["projects.park.multiplier"]
    run = designs.evaluate_design(compiled, {"economy.local_multiplier": np.array([0.7, 1.3])})
    assert run.growth[1, 1] > run.growth[0, 1]          # 2022: the park is being built


def test_default_parameters_skip_nuisance_inputs(compiled):
    names = designs.default_parameters(compiled)
    assert "economy.tfp_growth" in names and "projects.park.capex" in names
    assert not any(designs.is_nuisance(n) for n in names)
    assert designs.is_nuisance("economy.tfp_innovation.2023") and designs.is_nuisance("projects.park.cancelled")
    assert designs.resolve_parameters(compiled, ["economy.*growth"]) == ["economy.tfp_growth"]


def test_unknown_inputs_are_clear_errors(compiled):
    with pytest.raises(InputError, match="did you mean 'economy.tfp_growth'"):
        designs.evaluate_design(compiled, {"economy.tfp_grwth": np.zeros(2)})
    with pytest.raises(InputError, match="fixed value"):
        designs.resolve_parameters(compiled, ["economy.capital_share"])
    with pytest.raises(InputError, match="matches no uncertain input"):
        designs.resolve_parameters(compiled, ["projects.*.tariff"])
    with pytest.raises(ValueError, match="uniforms must lie in"):
        designs.evaluate_design(compiled, {"economy.tfp_growth": np.array([1.5])}, scale="uniform")


def test_cases_share_their_draws(compiled):
    """evaluate_cases: each case is a full Monte Carlo with the same draws of everything else."""
    values, valid = designs.evaluate_cases(
        compiled, [{}, {"projects.park.capex": 30.0}, {"projects.park.capex": 30.0}], 4096,
        lambda out: out["targets"]["growth"])
    np.testing.assert_array_equal(values[1], values[2])
    reference = run_chunk(compiled, 0, 4096, 7, "lhs")
    np.testing.assert_array_equal(values[0], reference.targets["growth"])
    assert valid.all()
