"""``portfolio robust``: a multi-lever search on common random numbers finds the known optimum of a
scenario built to have one, its Pareto front is non-dominated, it is reproducible, and bad levers are
refused with a clear message."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import portfolio
from portfolio.analysis.robust import pareto_front, robust_choice
from portfolio.problems import InputError
from tests.analysis.test_sensitivity import ADDITIVE

PROJECT = ("  - {{id: {id}, name: {{zh: 项目{id}, en: Project {id}}}, kind: industry, source: \"assumption: test\",\n"
           "     capex: {capex}, planned_start: 2021, build_years: 1, multiplier: {mu}}}\n")


@pytest.fixture(scope="module")
def two_projects(tmp_path_factory):
    """Growth 2021 rises linearly with μ_a·capex_a + μ_b·capex_b (built within 2021), μ_a = 1.5 > μ_b = 0.5,
    TFP growth uncertain: with capex_a + capex_b ≤ 100 (the budget) every objective is best at
    capex_a = 100, capex_b = 0."""
    text = ADDITIVE.format(projects=PROJECT.format(id="a", capex=50, mu=1.5) + PROJECT.format(id="b", capex=50, mu=0.5),
                           threshold="8.5%").replace("tfp_growth: 0.015", "tfp_growth: normal(0.015, 0.005)")
    path = tmp_path_factory.mktemp("robust") / "two.yaml"
    path.write_text(text, encoding="utf-8")
    return path, portfolio.load_scenario(path)


LEVERS = ["projects.a.capex=0:100", "projects.b.capex=0:100"]


def test_the_search_finds_the_known_optimum_within_the_budget(two_projects):
    _, scenario = two_projects
    found = robust_choice(scenario, LEVERS, ["p10"], budget=100, trials=100, draws=1000)
    best = found.chosen.iloc[0]
    assert best["projects.a.capex"] >= 85 and best["projects.b.capex"] <= 10, found.format()
    assert best["budget_used"] <= 100 and found.trials["feasible"].any()
    # the optimum's own value, on the same draws: the search gets within 10% of the way from the start
    at_optimum = robust_choice(scenario, ["projects.a.capex=99.999:100", "projects.b.capex=0:0.001"], ["p10"],
                               budget=100, trials=2, draws=1000).chosen.iloc[0]["p10"]
    start = found.current["p10"]
    assert best["p10"] >= at_optimum - 0.1 * (at_optimum - start)
    assert found.trials.iloc[0][["projects.a.capex", "projects.b.capex"]].tolist() == [50.0, 50.0]  # own setting first
    assert 0 <= best["check_low"] <= best["check_probability"] <= best["check_high"] <= 1   # fresh draws


def test_two_objectives_give_a_non_dominated_feasible_front_and_the_search_is_reproducible(two_projects):
    _, scenario = two_projects
    found = robust_choice(scenario, LEVERS, ["probability", "p10"], budget=100, trials=24, draws=500)
    feasible = found.trials[found.trials["feasible"]]
    front = found.chosen
    assert len(front) >= 1 and front["feasible"].all()
    for _, point in front.iterrows():
        better = (feasible["probability"] >= point["probability"]) & (feasible["p10"] >= point["p10"])
        strictly = (feasible["probability"] > point["probability"]) | (feasible["p10"] > point["p10"])
        assert not (better & strictly).any()                        # nothing feasible dominates a front point
    again = robust_choice(scenario, LEVERS, ["probability", "p10"], budget=100, trials=24, draws=500)
    pd.testing.assert_frame_equal(found.trials, again.trials)      # seeded search, common random numbers


def test_pareto_front_of_a_small_table():
    table = pd.DataFrame({"a": [1, 2, 3, 2, 3], "b": [3, 2, 1, 1, 1], "id": range(5)})
    assert sorted(pareto_front(table, ["a", "b"])["id"]) == [0, 1, 2]       # (2,1) is dominated; (3,1) once


@pytest.mark.parametrize("levers,objectives,message", [
    (["projects.a.capx=0:100"], ["probability"], "did you mean 'projects.a.capex'"),
    (["projects.a.capex=100:0"], ["probability"], "must be below"),
    (["projects.a.capex=0-100"], ["probability"], "PATH=LOW:HIGH"),
    ([f"projects.a.capex={i}:{i + 1}" for i in range(7)], ["probability"], "1 to 6 levers"),
    (["projects.a.capex=0:100"], ["mean"], "one or two of probability, p10"),
])
def test_bad_levers_and_objectives_are_refused(two_projects, levers, objectives, message):
    _, scenario = two_projects
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        robust_choice(scenario, levers, objectives, trials=2, draws=100)


def test_cli_writes_the_search_folder_and_chart(cli, two_projects, tmp_path):
    path, _ = two_projects
    out = tmp_path / "robust"
    r = cli("robust", path, "--lever", LEVERS[0], "--lever", LEVERS[1], "--objective", "probability",
            "--objective", "p10", "--budget", "100", "--trials", "8", "--draws", "300", "--out", out, "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "Pareto front" in r.output and "on fresh draws" in r.output
    meta = json.loads((out / "robust.json").read_text(encoding="utf-8"))
    assert meta["objectives"] == ["probability", "p10"] and meta["optimiser"].startswith("optuna")
    assert len(pd.read_csv(out / "trials.csv")) == 8 and (out / "robust.png").stat().st_size > 10_000
    assert np.isfinite(pd.read_csv(out / "chosen.csv")["check_probability"]).all()


def test_force_replaces_a_robust_folder_the_tool_wrote(cli, two_projects, tmp_path):
    path, _ = two_projects
    out = tmp_path / "again"
    args = ("robust", path, "--lever", LEVERS[0], "--trials", "2", "--draws", "200", "--out", out, "--no-charts")
    assert cli(*args).exit_code == 0
    assert cli(*args).exit_code == 2                               # not empty, no --force
    assert cli(*args, "--force").exit_code == 0, "a robust folder is one of the tool's own"


def test_the_output_folder_may_not_hold_the_scenario(cli, two_projects):
    path, _ = two_projects
    r = cli("robust", path, "--lever", LEVERS[0], "--trials", "2", "--draws", "200", "--out", path.parent, "--force")
    assert r.exit_code == 2 and "would replace an input" in r.output and path.is_file()
