"""``portfolio run``: the run folder (manifest, summary, tables, draws), atomic writing, and the
command-line errors a planner can make (exit status 2, one clear message, no traceback)."""
from __future__ import annotations

import hashlib
import json
import math
import statistics
import sys

import pandas as pd
import pytest

import portfolio

PARENT = """\
meta:
  name: cli-parent
  title: {zh: 命令行测试, en: CLI test}
  region: {zh: 测试地区, en: Test region}
  base_year: 2020
  horizon: 2027
targets:
  - {name: growth, metric: average_growth, window: [2021, 2025], threshold: 4.5%}
  - {name: solar_2022, metric: energy_capacity, year: 2022, threshold: 150 MW}
economy:
  gdp: 1000 亿元
  capital_output_ratio: pert(2.5, 3.0, 3.5)
  capital_share: 0.45
  depreciation: 0.08
  investment_rate: pert(0.25, 0.32, 0.40)
  tfp_growth: normal(0.02, 0.005)
  population_growth: -0.005
  human_capital_growth: 0.005
register: projects.csv
energy:
  emission_factor: {name: test_grid, value: 0.5 kg/kWh}
  technologies:
    pv: {kind: generation, full_load_hours: "triangular(1100, 1300, 1800) h", tariff: 0.30 元/kWh,
         capex_per_kw: 4000}
uncertainty:
  shocks:
    - {name: wave, year: 2022, probability: 0.3, impact: -2%, recovery: 50%}
simulation: {draws: 10000, seed: 1}
"""
REGISTER = """\
id,name_zh,name_en,kind,source,capex,planned_start,build_years,output_value,value_added_ratio,cancel_probability,technology,capacity
park,产业园,Industrial park,industry,assumption: test,"pert(20, 30, 50) 亿元",2022,3,20 亿元/年,0.2,0.1,,
solar,光伏,Solar park,energy,assumption: test,,2021.5,0.5,,,,pv,200 MW
"""
CHILD = """\
extends: parent.yaml
meta:
  name: cli-child
projects:
  - {id: plant, name: {zh: 工厂, en: Plant}, kind: industry, source: "assumption: test", capex: 8,
     planned_start: 2023, build_years: 2, depends_on: [park]}
"""
YEARS = list(range(2020, 2028))
Z95 = statistics.NormalDist().inv_cdf(0.975)


@pytest.fixture
def child(write):
    write("parent.yaml", PARENT)
    write("projects.csv", REGISTER)
    return write("child.yaml", CHILD)


def leftovers(parent_dir):
    """Hidden staging or replaced folders a run may have left next to its destination."""
    return sorted(p.name for p in parent_dir.iterdir() if p.name.startswith("."))


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score interval (Wilson 1927), written out from the formula."""
    p = k / n
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    half = Z95 / (1 + Z95 ** 2 / n) * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n))
    return centre - half, centre + half


@pytest.fixture
def run(cli, child, tmp_path, monkeypatch):
    out = tmp_path / "runs" / "first"
    args = ["run", str(child), "--out", str(out), "--draws", "600", "--seed", "4", "--quiet",
            "--set", "economy.depreciation=0.07"]
    monkeypatch.setattr(sys, "argv", ["portfolio", *args])                # what the console script sees
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return out


def test_run_writes_a_self_describing_manifest(run, tmp_path):
    assert sorted(p.name for p in run.iterdir()) == ["charts", "criticality.csv", "draws.parquet", "energy.csv",
                                                     "manifest.json", "projects.csv", "s_curves.csv", "summary.json",
                                                     "years.csv"]
    assert leftovers(run.parent) == []                         # no .first.incomplete-* left behind
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert m["format_version"] == 1
    assert m["package_version"] == portfolio.__version__
    assert m["seed"] == 4 and m["draws"] == 600
    assert "run" in m["command"] and "--seed 4" in m["command"] and "economy.depreciation=0.07" in m["command"]
    resolved = m["resolved_scenario"]
    assert resolved["meta"]["name"] == "cli-child"
    assert resolved["economy"]["depreciation"] == 0.07                       # the --set value
    assert {p["id"] for p in resolved["projects"]} == {"park", "solar", "plant"}
    files = m["input_files"]
    names = sorted(entry["path"].rsplit("/", 1)[-1].rsplit("\\", 1)[-1] for entry in files.values())
    assert names == ["child.yaml", "parent.yaml", "projects.csv"]
    for entry in files.values():                                            # every input hashed
        with open(entry["path"], "rb") as f:
            assert entry["sha256"] == hashlib.sha256(f.read()).hexdigest()
    register = next(e for e in files.values() if e["path"].endswith("projects.csv"))
    assert register["sha256"] == hashlib.sha256((tmp_path / "projects.csv").read_bytes()).hexdigest()
    # the wall time is the whole run (loading, simulating, writing), not the simulation alone
    import datetime as dt

    assert m["wall_seconds"] > m["simulation_seconds"] > 0 and m["compute_seconds"] > 0
    span = dt.datetime.fromisoformat(m["finished"]) - dt.datetime.fromisoformat(m["started"])
    assert abs(span.total_seconds() - m["wall_seconds"]) < 0.01


def test_run_writes_summary_and_tables(run):
    s = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    assert s["scenario"] == "cli-child" and s["draws"] == 600 and s["seed"] == 4
    assert s["invalid_draws"] == 0
    assert set(s["average_growth"]) >= {"mean", "p5", "p10", "p50", "p90", "p95"}
    ag = s["average_growth"]
    assert ag["p5"] <= ag["p10"] <= ag["p50"] <= ag["p90"] <= ag["p95"]
    assert [t["name"] for t in s["targets"]] == ["growth", "solar_2022"]
    for t in s["targets"]:
        assert set(t) >= {"name", "metric", "window", "threshold", "probability", "ci95"}
    growth = s["targets"][0]
    assert growth["metric"] == "average_growth" and growth["window"] == [2021, 2025]
    assert growth["threshold"] == pytest.approx(0.045)

    draws = pd.read_parquet(run / "draws.parquet")
    assert len(draws) == 600
    sampled = {"economy.capital_output_ratio", "economy.investment_rate", "economy.tfp_growth",
               "projects.park.capex", "projects.park.cancelled", "energy.technologies.pv.full_load_hours",
               "uncertainty.shocks.wave.occurs"}
    assert sampled <= set(draws.columns)
    assert {f"gdp_{y}" for y in YEARS} | {f"growth_{y}" for y in YEARS[1:]} <= set(draws.columns)
    assert {"target_growth", "target_solar_2022", "valid"} <= set(draws.columns)
    # the average-growth outcome is the geometric mean of the GDP path, by hand
    by_hand = (draws["gdp_2025"] / draws["gdp_2020"]) ** (1 / 5) - 1
    pd.testing.assert_series_equal(draws["target_growth"], by_hand, check_names=False, rtol=1e-12)
    # probability and Wilson interval, from the draws and the formula
    k = int((draws["target_growth"] >= 0.045).sum())
    assert growth["probability"] == k / 600
    assert 0 < k < 600
    lo, hi = wilson(k, 600)
    assert growth["ci95"] == pytest.approx([lo, hi], rel=1e-12)
    assert lo <= growth["probability"] <= hi
    assert ag["mean"] == pytest.approx(by_hand.mean(), rel=1e-12)

    years = pd.read_csv(run / "years.csv")
    assert years["year"].tolist() == YEARS
    assert years.loc[years.year == 2025, "gdp_p50"].item() == pytest.approx(draws["gdp_2025"].median(), rel=1e-12)
    projects = pd.read_csv(run / "projects.csv")
    assert projects["id"].tolist() == ["park", "solar", "plant"]
    energy = pd.read_csv(run / "energy.csv")
    assert energy["technology"].tolist() == ["pv"] * len(YEARS)
    assert energy["year"].tolist() == YEARS


def test_json_prints_summary_json(cli, child, tmp_path):
    out = tmp_path / "json-run"
    result = cli("run", child, "--out", out, "--draws", 50, "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert printed["draws"] == 50 and printed["seed"] == 1                  # the scenario's seed


def test_non_empty_out_needs_force(cli, child, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    result = cli("run", child, "--out", out, "--draws", 20)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if "not empty" in line]
    assert len(lines) == 1 and str(out) in lines[0] and "--force" in lines[0]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"     # nothing touched
    refused = cli("run", child, "--out", out, "--draws", 20, "--force", "--quiet")
    assert refused.exit_code == 2 and "not made by portfolio" in refused.output     # not the tool's folder
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
    (out / "notes.txt").unlink()
    assert cli("run", child, "--out", out, "--draws", 20, "--quiet").exit_code == 0
    forced = cli("run", child, "--out", out, "--draws", 30, "--force", "--quiet")     # the tool's own folder
    assert forced.exit_code == 0, forced.output
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["draws"] == 30
    assert leftovers(tmp_path) == []                                       # no .busy.replaced-* left


@pytest.mark.parametrize("draws", ["0", "-5"])
def test_draws_must_be_positive(cli, child, tmp_path, draws):
    out = tmp_path / "never"
    result = cli("run", child, "--out", out, "--draws", draws)
    assert result.exit_code == 2
    assert "--draws" in result.stderr and "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize("setting, named", [
    ("economy.tfp_growht=0.01", "economy.tfp_growht"),
    ("projects.nope.capex=3", "projects.nope.capex"),
])
def test_unknown_set_path_is_an_input_error(cli, child, tmp_path, setting, named):
    out = tmp_path / "never"
    result = cli("run", child, "--out", out, "--set", setting)
    assert result.exit_code == 2
    assert named in result.stderr and "--set" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_unknown_top_level_set_path_is_blamed_on_the_command_line(cli, child, tmp_path):
    result = cli("run", child, "--out", tmp_path / "never", "--set", "nonsense.value=1")
    assert result.exit_code == 2
    problem = next(line for line in result.stderr.splitlines() if "nonsense" in line)
    assert problem.startswith("error: --set") and "child.yaml" not in problem


@pytest.mark.parametrize("error, code", [(RuntimeError("disk on fire"), 1), (KeyboardInterrupt(), 130)])
def test_an_interrupted_run_leaves_no_folder(cli, child, tmp_path, monkeypatch, error, code):
    from portfolio.runs.results import Result

    def broken(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(Result, "energy", broken)                          # fails after summary/years/projects
    out = tmp_path / "runs" / "broken"
    result = cli("run", child, "--out", out, "--draws", 20, "--quiet")
    assert result.exit_code == code
    assert "Traceback" not in result.output
    assert not out.exists()
    assert leftovers(out.parent) == []


def test_wilson_interval_contains_a_probability_of_zero(cli, child, tmp_path):
    out = tmp_path / "hopeless"
    result = cli("run", child, "--out", out, "--draws", 2000, "--quiet", "--set", "targets.growth.threshold=50%")
    assert result.exit_code == 0, result.output
    growth = json.loads((out / "summary.json").read_text(encoding="utf-8"))["targets"][0]
    assert growth["probability"] == 0.0
    assert growth["ci95"][0] <= 0.0 <= growth["ci95"][1]
