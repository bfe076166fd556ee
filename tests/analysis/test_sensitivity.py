"""``portfolio sensitivity``: Sobol' indices against closed forms, tornado rankings, the tidy table,
given-data methods on a run folder, and the command line's errors (exit 2, no traceback)."""
from __future__ import annotations

import json

import pandas as pd
import pytest

import portfolio
from portfolio.analysis import sensitivity as S
from portfolio.problems import InputError

# Average growth over the one-year window 2021 is (Y0 (1 + g_B) + μ ℓ κ (capex_a + capex_b)) / Y0 − 1:
# both projects are built within 2021 (start 2021.0, one year), nothing else is uncertain and the
# portfolio has no activity in 2020, so the outcome is exactly additive (linear) in the two capexes.
ADDITIVE = """\
meta:
  name: additive
  title: {{zh: 可加测试, en: Additive test}}
  region: {{zh: 测试地区, en: Test region}}
  base_year: 2020
  horizon: 2022
targets:
  - {{name: growth, metric: average_growth, window: [2021, 2021], threshold: {threshold}}}
economy:
  gdp: 1000 亿元
  capital_output_ratio: 3.0
  capital_share: 0.5
  depreciation: 0.06
  investment_rate: 0.35
  tfp_growth: 0.015
  population_growth: 0
  human_capital_growth: 0
projects:
{projects}
simulation: {{draws: 4096, seed: 11, sampler: mc}}
"""
PROJECT = ("  - {{id: {id}, name: {{zh: 项目{id}, en: Project {id}}}, kind: industry, source: \"assumption: test\",\n"
           "     capex: \"{capex}\", planned_start: 2021, build_years: 1}}\n")


def additive(write, capexes: dict, threshold: str = "2%"):
    projects = "".join(PROJECT.format(id=k, capex=v) for k, v in capexes.items())
    path = write("additive.yaml", ADDITIVE.format(projects=projects, threshold=threshold))
    return path, portfolio.load_scenario(path)


def test_sobol_reproduces_analytic_indices(write):
    """y = c + k (a + b), a ~ U(10, 30), b ~ U(5, 15) independent: S_a = ST_a = Var a / (Var a + Var b)
    = (400/12) / (400/12 + 100/12) = 0.8 and S_b = ST_b = 0.2; every 95% interval must hold them."""
    _, scenario = additive(write, {"a": "uniform(10, 30)", "b": "uniform(5, 15)"})
    result = S.sobol(scenario, params=["projects.a.capex", "projects.b.capex"], N=1024, lang="en")
    t = result.table.set_index(["parameter", "index"])
    exact = {"projects.a.capex": 0.8, "projects.b.capex": 0.2}
    for name, value in exact.items():
        for index in ("S1", "ST"):
            row = t.loc[(name, index)]
            assert row["conf_low"] <= value <= row["conf_high"], (name, index, row.to_dict())
            assert row["conf_high"] - row["conf_low"] < 0.2
    assert result.meta["runs"] == {"rows": 1024 * 4, "failed": 0, "dropped": 0, "dropped_what": "blocks"}
    assert list(result.table.columns) == S.COLUMNS
    assert set(result.table["method"]) == {"sobol"} and set(result.table["outcome"]) == {"average_growth_2021_2021"}


def test_efast_reproduces_analytic_indices(write):
    """The additive model of the Sobol' test: S1 = ST = 0.8 and 0.2; eFAST's estimates (a search-curve
    design, no bootstrap interval for a deterministic model's S1) within 0.03, its runs N·D."""
    _, scenario = additive(write, {"a": "uniform(10, 30)", "b": "uniform(5, 15)"})
    result = S.run_sensitivity(scenario, "efast", params=["projects.a.capex", "projects.b.capex"], N=1024, lang="en")
    t = result.table.set_index(["parameter", "index"])["value"]
    for name, value in {"projects.a.capex": 0.8, "projects.b.capex": 0.2}.items():
        for index in ("S1", "ST"):
            assert t[(name, index)] == pytest.approx(value, abs=0.03), (name, index, t[(name, index)])
    assert result.meta["runs"]["rows"] == 1024 * 2 and result.main_index == "ST"
    assert "efast" in result.format()


def test_hdmr_splits_a_correlated_pair_into_structural_and_correlative_parts(tmp_path):
    """HDMR on given draws: y = a + b with corr(a, b) = 0.6, unit variances. The ANCOVA split (Li &
    Rabitz 2012): each input's structural part Sa = Var(a)/Var(y) = 1/3.2, correlative part
    Sb = Cov(a, b)/Var(y) = 0.6/3.2, S = Sa + Sb = 0.5; within 0.03."""
    import numpy as np

    from SALib.analyze import hdmr

    rng = np.random.default_rng(1)
    x = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=4000)
    y = x.sum(axis=1)
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[-4, 4]] * 2}
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        si = hdmr.analyze(problem, x, y, maxorder=2, seed=2)
    assert si["Sa"][:2] == pytest.approx([1 / 3.2] * 2, abs=0.03)
    assert si["Sb"][:2] == pytest.approx([0.6 / 3.2] * 2, abs=0.03)
    assert si["S"][:2] == pytest.approx([0.5, 0.5], abs=0.03)


def test_sobol_second_order_of_an_additive_model_is_zero(write):
    _, scenario = additive(write, {"a": "uniform(10, 30)", "b": "uniform(5, 15)"})
    result = S.sobol(scenario, params=["projects.a.capex", "projects.b.capex"], N=512, second_order=True)
    row = result.table[result.table["index"] == "S2"].iloc[0]
    assert row["parameter"] == "projects.a.capex:projects.b.capex"
    assert row["conf_low"] <= 0.0 <= row["conf_high"]


def test_tornado_ranks_the_dominant_input_first(write):
    """Swings are exactly proportional to each input's P10–P90 range (the outcome is linear)."""
    _, scenario = additive(write, {"a": "uniform(0, 100)", "b": "uniform(10, 30)", "c": "uniform(18, 22)"})
    result = S.tornado(scenario, lang="en")
    ranking = result.ranking()
    assert list(ranking["parameter"]) == ["projects.a.capex", "projects.b.capex", "projects.c.capex"]
    swing = dict(zip(ranking["parameter"], ranking["value"]))
    assert swing["projects.a.capex"] > 0
    assert swing["projects.a.capex"] / swing["projects.b.capex"] == pytest.approx(80 / 16, rel=1e-9)
    assert swing["projects.b.capex"] / swing["projects.c.capex"] == pytest.approx(16 / 3.2, rel=1e-9)
    t = result.table.set_index(["parameter", "index"])
    assert t.loc[("projects.a.capex", "input_p10"), "value"] == pytest.approx(10.0)
    assert t.loc[("projects.a.capex", "input_p90"), "value"] == pytest.approx(90.0)
    base = t.loc[(S.BASE, "base"), "value"]
    assert t.loc[("projects.a.capex", "at_p10"), "value"] < base < t.loc[("projects.a.capex", "at_p90"), "value"]
    assert "Project a: capex" in set(result.table["label"])


def test_tornado_probability_uses_common_random_numbers(write):
    """P(target) per swing from full Monte Carlo runs on the same draws: the base is the run's own
    probability, and the dominant input moves P the most."""
    from portfolio.runs.simulate import simulate

    _, scenario = additive(write, {"a": "uniform(0, 100)", "b": "uniform(10, 30)"}, threshold="6.8%")
    result = S.tornado(scenario, outcome="probability", draws=4096)
    t = result.table.set_index(["parameter", "index"])
    run = simulate(scenario, draws=4096)
    assert t.loc[(S.BASE, "base"), "value"] == pytest.approx(run.summary()["targets"][0]["probability"], abs=1e-12)
    ranking = result.ranking()
    assert ranking["parameter"].iloc[0] == "projects.a.capex"
    a = t.loc[("projects.a.capex", "swing")]
    assert a["conf_low"] <= a["value"] <= a["conf_high"] and a["value"] > 0.5
    assert result.meta["others"] == "random" and result.meta["runs"]["cases"] == 5


def test_morris_and_per_year(write, minimal):
    scenario = portfolio.load_scenario(minimal, ["economy.tfp_growth=normal(0.015, 0.005)",
                                                 "economy.investment_rate=pert(0.3, 0.35, 0.4)"])
    result = S.morris(scenario, N=16, lang="en")
    assert result.ranking()["parameter"].iloc[0] == "economy.tfp_growth"
    assert set(result.table["index"]) == {"mu_star", "mu", "sigma"}
    yearly = S.sobol(scenario, params=["economy.tfp_growth", "economy.investment_rate"], N=64, per_year=True)
    assert sorted(yearly.table["year"].dropna().unique()) == [2021, 2022, 2023, 2024, 2025]
    assert set(yearly.table["outcome"]) == {f"growth_{y}" for y in range(2021, 2026)}
    assert "sobol-per-year" in yearly.figures()


def test_outcomes_parse():
    targets = [{"name": "growth_plan", "metric": "average_growth", "window": (2021, 2025), "threshold": 0.06,
                "label": None}]
    years = list(range(2020, 2031))
    assert S.parse_outcomes(None, targets, years)[0].name == "average_growth_2021_2025"
    assert S.parse_outcomes("growth_2023", targets, years)[0].year == 2023
    assert S.parse_outcomes("probability", targets, years)[0].threshold == 0.06
    assert [o.name for o in S.parse_outcomes("gdp", targets, years, window=(2024, 2025))] == ["gdp_2024", "gdp_2025"]
    with pytest.raises(InputError, match="did you mean 'growth_plan'"):
        S.parse_outcomes("growth_pln", targets, years)
    with pytest.raises(InputError, match="no such year"):
        S.parse_outcomes("growth_2040", targets, years)
    with pytest.raises(InputError, match="--per-year needs"):
        S.parse_outcomes("probability", targets, years, per_year=True)


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """A small run of the additive scenario with a third, irrelevant input (TFP growth)."""
    from portfolio.runs.simulate import simulate

    folder = tmp_path_factory.mktemp("runs")
    path = folder / "s.yaml"
    projects = "".join(PROJECT.format(id=k, capex=v) for k, v in {"a": "uniform(0, 100)", "b": "uniform(10, 30)"}.items())
    path.write_text(ADDITIVE.format(projects=projects, threshold="6.8%").replace(
        "tfp_growth: 0.015", "tfp_growth: normal(0.015, 0.0001)"), encoding="utf-8")
    result = simulate(portfolio.load_scenario(path), draws=2000)
    return result.save(folder / "run")


@pytest.mark.parametrize("method,index", [("pawn", "median"), ("rbd-fast", "S1"), ("delta", "delta"),
                                          ("shapley", "Sh"), ("hdmr", "S")])
def test_given_data_methods_rank_from_the_draws(run_folder, method, index):
    result = S.given_data(run_folder, method, lang="en")
    assert result.ranking()["parameter"].iloc[0] == "projects.a.capex"
    assert S.DUMMY not in set(result.ranking()["parameter"])
    assert set(result.table["method"]) == {method}
    assert result.main_index == index
    assert result.meta["runs"]["rows"] == 2000


def test_shapley_effects_of_the_run_are_the_variance_shares_of_independent_capexes(run_folder):
    """Two independent uniform capexes enter average growth linearly: Sh = Var_j / (Var_a + Var_b)
    (uniform(0, 100) and uniform(10, 30): 100²/12 and 20²/12), within 4 bootstrap standard errors;
    the noise reference (an unrelated input) has an interval that holds 0."""
    result = S.given_data(run_folder, "shapley", params=["projects.*.capex"], lang="en")
    t = result.table.set_index("parameter")
    exact = {"projects.a.capex": 100 ** 2 / (100 ** 2 + 20 ** 2), "projects.b.capex": 20 ** 2 / (100 ** 2 + 20 ** 2)}
    for p, share in exact.items():
        se = (t.loc[p, "conf_high"] - t.loc[p, "conf_low"]) / (2 * 1.96)
        assert abs(t.loc[p, "value"] - share) <= 4 * se, (p, t.loc[p].to_dict(), share)
    assert t.loc[S.DUMMY, "conf_low"] <= 0 <= t.loc[S.DUMMY, "conf_high"]
    assert "shapley" in result.format() and "Sh [95% interval]" in result.format()
    explained = result.meta["explained"][result.outcomes[0].name]
    assert explained == pytest.approx(t["value"].sum(), abs=1e-12)            # efficiency
    assert f"together the inputs explain {explained:.1%}" in result.format()


def test_shapley_with_too_many_inputs_names_the_limit_and_suggests_inputs(run_folder, monkeypatch):
    from portfolio.analysis import shapley

    monkeypatch.setattr(shapley, "MAX_INPUTS", 2)
    with pytest.raises(InputError) as caught:
        S.given_data(run_folder, "shapley", params=["projects.*.capex"], lang="en")
    message = str(caught.value)
    assert "choose at most 1 (a noise reference is added as one more)" in message
    assert "--params projects.a.capex" in message          # the input most rank-correlated with the outcome


def test_cli_writes_the_tidy_table_and_chart(cli, write, tmp_path):
    path, _ = additive(write, {"a": "uniform(0, 100)", "b": "uniform(10, 30)"})
    out = tmp_path / "sens"
    r = cli("sensitivity", path, "--method", "tornado", "--out", out, "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "Project a: capex" in r.output
    table = pd.read_csv(out / "indices.csv")
    assert list(table.columns) == S.COLUMNS
    assert pd.read_parquet(out / "indices.parquet").shape == table.shape
    meta = json.loads((out / "sensitivity.json").read_text(encoding="utf-8"))
    assert meta["method"] == "tornado" and "tornado.png" in meta["files"]
    assert (out / "tornado.png").stat().st_size > 10_000 and (out / "tornado.svg").is_file()


def test_cli_given_data(cli, run_folder, tmp_path):
    r = cli("sensitivity", run_folder, "--method", "rbd-fast", "--out", tmp_path / "g", "--no-charts",
            "--params", "projects.*.capex")
    assert r.exit_code == 0, r.output
    table = pd.read_csv(tmp_path / "g" / "indices.csv")
    assert set(table["parameter"]) == {"projects.a.capex", "projects.b.capex", S.DUMMY}
    s1 = table.set_index("parameter")["value"]
    assert s1[S.DUMMY] < s1["projects.b.capex"] < s1["projects.a.capex"]    # the noise level is the floor


@pytest.mark.parametrize("args,message", [
    (["--method", "fast"], "Invalid value for '--method'"),
    (["--method", "sobol", "--params", "projects.a.capx,projects.b.capex"], "did you mean 'projects.a.capex'"),
    (["--method", "sobol", "-N", "1000"], "power of two"),
    (["--method", "tornado", "--outcome", "growth_2040"], "no such year"),
    (["--method", "sobol", "--outcome", "probability"], "for --method tornado"),
    (["--method", "pawn"], "reads the draws of a run folder"),
])
def test_cli_errors_exit_2_without_traceback(cli, write, args, message):
    path, _ = additive(write, {"a": "uniform(0, 100)", "b": "uniform(10, 30)"})
    r = cli("sensitivity", path, *args)
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert "Traceback" not in r.output


def test_cli_run_folder_errors(cli, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli("sensitivity", empty, "--method", "pawn")
    assert r.exit_code == 2 and "no draws.parquet" in r.output
    r = cli("sensitivity", tmp_path / "missing", "--method", "delta")
    assert r.exit_code == 2 and "no such file or folder" in r.output
    r = cli("discover", empty)
    assert r.exit_code == 2 and "no draws.parquet" in r.output


def test_sobol_of_a_completion_target_is_the_variance_share_of_each_duration(write):
    """Slack = by − (2021 + delay + build), delay ~ U(0, 1), build ~ U(2, 4) independent: additive, so
    S1 = ST = Var / total: build (4/12) / (5/12) = 0.8, delay 0.2; the outcome's unit is years of slack."""
    from tests.model.test_engine import scenario_yaml

    works = ("  - {id: works, name: {zh: 工程, en: Works}, kind: industry, source: test, capex: 10, "
             "planned_start: 2021, build_years: 'uniform(2, 4)', start_delay: 'uniform(0, 1)'}\n")
    targets = ("targets:\n  - {name: growth, metric: average_growth, window: [2021, 2025], threshold: 3%}\n"
               "  - {name: built, metric: completion, project: works, by: 2024-06-30}\n")
    scenario = portfolio.load_scenario(write("slack.yaml", scenario_yaml(works, targets=targets)))
    result = S.sobol(scenario, params=["projects.works.build_years", "projects.works.start_delay"], N=1024,
                     outcome="built", lang="en")
    t = result.table.set_index(["parameter", "index"])
    for name, value in {"projects.works.build_years": 0.8, "projects.works.start_delay": 0.2}.items():
        for index in ("S1", "ST"):
            row = t.loc[(name, index)]
            assert row["conf_low"] <= value <= row["conf_high"], (name, index, row.to_dict())
    assert result.outcomes[0].unit == "years of slack"


def test_a_delay_that_raises_the_probability_is_explained_as_timing():
    """The Chuxiong baseline: a longer shared grid-connection delay raises P(10% over 2021–2025) — it
    moves energy construction spending later, into the window's last years and past the post-build
    cliff — while average growth over 2021–2030 barely moves. The tornado says so in words."""
    from tests.conftest import CHUXIONG

    scenario = portfolio.load_scenario(CHUXIONG / "baseline.yaml")
    result = S.tornado(scenario, params=["uncertainty.drivers.grid_and_land.start_delay"],
                       outcome="probability:growth_2021_2025", draws=4096)
    t = result.table.set_index(["parameter", "index"])
    swing = t.loc[("uncertainty.drivers.grid_and_land.start_delay", "swing")]
    assert swing["conf_low"] > 0                                    # the backwards-looking result
    (item,) = result.meta["timing"]
    assert item["parameter"] == "uncertainty.drivers.grid_and_land.start_delay" and item["window"] == [2021, 2030]
    assert abs(item["long_difference"]) < abs(item["plan_difference"]) / 3
    assert "shift in timing" in result.format()


def test_a_sensitivity_result_shows_its_ranking_in_a_notebook(write, run_folder):
    """The text repr is the report's first lines; the HTML view holds the ranked inputs with the values the
    report prints, escaped."""
    _, scenario = additive(write, {"a": "uniform(0, 100)", "b": "uniform(10, 30)"})
    tornado = S.tornado(scenario, lang="en")
    text = repr(tornado)
    assert text.splitlines()[1:] == tornado.format(top=5).splitlines()
    page = tornado._repr_html_()
    for _, row in tornado.ranking().iterrows():
        assert f"<td>{row['label']}</td>" in page and tornado._swing(row["value"]) in page
    saved = portfolio.open_run(tornado.save(run_folder.parent / "tornado", charts=False))
    assert saved.kind == "sensitivity" and repr(tornado).splitlines()[1] in repr(saved)
    pd.testing.assert_frame_equal(saved.table(), tornado.table)
    assert saved._repr_html_().count("<tr>") == 1 + min(10, len(tornado.table))
    given = S.given_data(run_folder, "delta", lang="en")
    first = given.ranking().iloc[0]
    assert f"{first['value']:.3g}" in given._repr_html_() and given.format(top=5) in repr(given)


@pytest.mark.parametrize("method", ["tornado", "morris"])
def test_portfolio_chart_redraws_a_sensitivity_folder_in_either_language(cli, write, tmp_path, method):
    path, _ = additive(write, {"a": "uniform(0, 100)", "b": "uniform(10, 30)"})
    out = tmp_path / "sens"
    r = cli("sensitivity", path, "--method", method, "-N", "8", "--out", out, "--lang", "zh")
    assert r.exit_code == 0, r.output
    again = cli("chart", out, "--lang", "zh", "--out", tmp_path / "zh")
    assert again.exit_code == 0, again.output
    assert (tmp_path / "zh" / f"{method}.svg").read_bytes() == (out / f"{method}.svg").read_bytes()   # the same chart
    english = cli("chart", out, "--lang", "en", "--out", tmp_path / "en", "--format", "png")
    assert english.exit_code == 0, english.output
    assert sorted(p.name for p in (tmp_path / "en").iterdir()) == [f"{method}.png"]
    redrawn = S.open_sensitivity(out).figures("en")[method]
    labels = [t.get_text() for t in redrawn.axes[0].get_yticklabels()]
    assert "Project a: capex" in labels                       # named in English from the folder alone
    refused = cli("chart", out, "--kind", "capex")
    assert refused.exit_code == 2 and "sensitivity folder" in refused.output


def test_the_tornado_draws_both_ends_of_a_non_monotone_input_with_each_label_beside_its_bar(write):
    """An input whose P10 and P90 both lower the outcome: both bars visible, each label at its own end."""
    from matplotlib.patches import Rectangle

    _, scenario = additive(write, {"a": "uniform(0, 100)", "b": "uniform(10, 30)"})
    result = S.tornado(scenario, lang="en")
    t = result.table
    base = float(t.loc[t["parameter"] == S.BASE, "value"].iloc[0])
    b = t["parameter"] == "projects.b.capex"
    t.loc[b & (t["index"] == "at_p10"), "value"] = base - 0.004      # both ends below the base,
    t.loc[b & (t["index"] == "at_p90"), "value"] = base - 0.001      # the P90 end the smaller one
    fig = result.figures("en")["tornado"]
    ax = fig.axes[0]
    row = [tick.get_text() for tick in ax.get_yticklabels()].index("Project b: capex")
    y = len(ax.get_yticklabels()) - 1 - row
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and abs(p.get_y() + p.get_height() / 2 - y) < 0.4]
    assert sorted(round(abs(p.get_width()), 6) for p in bars) == [0.1, 0.4]          # both ends, in %
    (small,), (large,) = ([p for p in bars if round(abs(p.get_width()), 6) == w] for w in (0.1, 0.4))
    assert small.get_y() >= large.get_y() + large.get_height() - 1e-9 or \
        large.get_y() >= small.get_y() + small.get_height() - 1e-9                    # neither hides the other
    labels = [x for x in ax.texts if abs(x.get_position()[1] - y) < 0.4 and x.get_text() != ""]
    for bar in (small, large):
        end = min(bar.get_x(), bar.get_x() + bar.get_width())                      # the end away from the base
        centre = bar.get_y() + bar.get_height() / 2
        beside = [x for x in labels if abs(x.get_position()[1] - centre) < 1e-6 and x.get_position()[0] < end
                  and x.get_ha() == "right"]
        assert len(beside) == 1, [(x.get_text(), x.get_position(), x.get_ha()) for x in labels]


def test_morris_prints_in_the_unit_its_chart_shows_and_no_interval_header_without_an_interval(write, minimal):
    scenario = portfolio.load_scenario(minimal, ["economy.tfp_growth=normal(0.015, 0.005)",
                                                 "economy.investment_rate=pert(0.3, 0.35, 0.4)"])
    result = S.morris(scenario, N=16, lang="en")
    text = result.format()
    header = next(line for line in text.splitlines() if "mu_star" in line)
    assert "mu_star (pp) [95% interval]" in header
    assert "sigma (pp)" in header and "sigma (pp) [95% interval]" not in header      # σ has no interval
    top = result.ranking().iloc[0]
    line = next(line for line in text.splitlines() if line.strip().startswith(top["label"]))
    assert f"{top['value'] * 100:.3g}" in line and f"{top['conf_low'] * 100:.3g}" in line    # pp, as on the chart
    chart = result.figures("en")["morris"]
    assert "percentage points" in chart.axes[0].get_xlabel()
