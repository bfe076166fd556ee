"""``portfolio discover``: PRIM recovers planted boxes, regional sensitivity ranks the input that decides
misses, the box reads in plain words, and the command writes its folder from a run's draws."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import portfolio
from portfolio.analysis.discovery import describe, discover, prim, regional_sensitivity
from portfolio.outputs.names import Names


def planted(n=6000, noise=0.05, seed=3):
    """Misses exactly in x0 < 0.3 and x2 > 0.6 (12% of the draws), each label flipped with probability
    ``noise``; x1, x3, x4 irrelevant; x5 a 0/1 input that does not matter."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, 6))
    X[:, 5] = rng.integers(0, 2, n)
    y = (X[:, 0] < 0.3) & (X[:, 2] > 0.6)
    return X, y ^ (rng.uniform(size=n) < noise)


def test_prim_recovers_a_planted_box():
    X, y = planted()
    result = prim(X, y)
    box = result.box
    assert sorted(box.restricted) == ["x0", "x2"]
    assert box.limits["x0"][0] is None and box.limits["x0"][1] == pytest.approx(0.3, abs=0.04)
    assert box.limits["x2"][1] is None and box.limits["x2"][0] == pytest.approx(0.6, abs=0.04)
    # the true box holds ~95% misses and ~72% of all misses (the rest are flipped labels outside it)
    assert box.density > 0.85 and box.coverage > 0.6
    assert all(p < 1e-6 for p in result.p_values.values())
    traj = result.trajectory_frame()
    assert traj["coverage"].iloc[0] == 1.0 and traj["mass"].is_monotonic_decreasing
    assert traj["mass"].iloc[-1] >= 0.05 - 1 / len(y)
    assert traj["chosen"].sum() == 1


def test_prim_peels_categories_by_value():
    rng = np.random.default_rng(5)
    n = 5000
    X = np.column_stack([rng.uniform(size=n), rng.integers(0, 2, n).astype(float), rng.uniform(size=n)])
    y = (X[:, 1] == 1) & (X[:, 0] > 0.5)
    result = prim(pd.DataFrame(X, columns=["cost", "cancelled", "noise"]), y)
    assert result.box.allowed == {"cancelled": (1.0,)}
    assert result.box.limits["cost"][0] == pytest.approx(0.5, abs=0.04)
    assert result.box.density > 0.95 and result.box.coverage > 0.9


def test_prim_step_choice_and_limits():
    X, y = planted()
    result = prim(X, y, choose=3)
    assert result.chosen == 3 and len(result.box.restricted) <= 3
    with pytest.raises(portfolio.InputError, match="steps 0–"):
        prim(X, y, choose=10_000)


def test_regional_sensitivity_ranks_the_deciding_input():
    rng = np.random.default_rng(2)
    X = pd.DataFrame({"tfp": rng.normal(size=4000), "noise": rng.normal(size=4000)})
    miss = X["tfp"] + 0.3 * rng.normal(size=4000) < 0
    table = regional_sensitivity(X, miss.to_numpy())
    assert list(table["parameter"]) == ["tfp", "noise"]
    assert table["p_value"].iloc[0] < 1e-100 and table["p_value"].iloc[1] > 0.001
    assert table["direction"].iloc[0] == "lower"


def test_box_in_plain_words():
    rng = np.random.default_rng(4)
    n = 6000
    X = pd.DataFrame({"uncertainty.drivers.grid.start_delay": rng.uniform(0, 2, n),
                      "economy.tfp_growth": rng.normal(0.02, 0.005, n)})
    y = (X["uncertainty.drivers.grid.start_delay"] > 1.3) & (X["economy.tfp_growth"] < 0.016)
    result = prim(X, y.to_numpy())
    names = Names({"uncertainty": {"drivers": [{"name": "grid", "label": {"en": "Grid connection", "zh": "并网"}}]}}, "en")
    text = describe(result, names)
    assert "Grid connection: shared start delay above 1.3 years" in text
    assert "TFP growth below 1.6" in text
    assert "of all misses" in text and "miss rate inside" in text
    zh = Names({"uncertainty": {"drivers": [{"name": "grid", "label": {"en": "Grid", "zh": "并网"}}]}}, "zh")
    assert "并网·共同开工延迟高于1.3年" in describe(result, zh)


ADDITIVE = """\
meta:
  name: discover-test
  title: {zh: 发现测试, en: Discovery test}
  region: {zh: 测试地区, en: Test region}
  base_year: 2020
  horizon: 2022
targets:
  - {name: growth, metric: average_growth, window: [2021, 2021], threshold: 6.8%}
economy:
  gdp: 1000 亿元
  capital_output_ratio: 3.0
  capital_share: 0.5
  depreciation: 0.06
  investment_rate: 0.35
  tfp_growth: normal(0.015, 0.0001)
  population_growth: 0
  human_capital_growth: 0
projects:
  - {id: a, name: {zh: 项目甲, en: Project A}, kind: industry, source: "assumption: test",
     capex: "uniform(0, 100)", planned_start: 2021, build_years: 1}
  - {id: b, name: {zh: 项目乙, en: Project B}, kind: industry, source: "assumption: test",
     capex: "uniform(10, 30)", planned_start: 2021, build_years: 1, cancel_probability: 0.2}
simulation: {draws: 3000, seed: 5, sampler: mc}
"""


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    from portfolio.runs.simulate import simulate

    folder = tmp_path_factory.mktemp("discover")
    path = folder / "s.yaml"
    path.write_text(ADDITIVE, encoding="utf-8")
    return simulate(portfolio.load_scenario(path)).save(folder / "run")


def test_discover_on_a_run_folder(run_folder):
    """growth 2021 = 4.34% + 0.035 pp × (capex a + capex b): misses are low capex of project A."""
    found = discover(run_folder, lang="en")
    assert found.regional["parameter"].iloc[0] == "projects.a.capex"
    assert found.regional["direction"].iloc[0] == "lower"
    assert "projects.a.capex" in found.prim.box.restricted
    assert found.meta["draws"] == 3000 and found.meta["misses"] > 0
    assert found.description().startswith("Project A: capex below")
    lower = discover(run_folder, outcome="average_growth", below=0.06, lang="en")
    assert lower.meta["misses"] < found.meta["misses"]


def test_discover_cli(cli, run_folder, tmp_path):
    out = tmp_path / "d"
    r = cli("discover", run_folder, "--out", out, "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "of all misses" in r.output
    summary = json.loads((out / "discovery.json").read_text(encoding="utf-8"))
    assert summary["box"]["coverage"] > 0.5 and summary["box"]["conditions"]
    assert {"regional.csv", "prim_trajectory.csv", "prim_box.csv", "prim-box.png", "prim-trajectory.svg",
            "regional.png", "feature_scores.csv", "cart_boxes.csv", "feature-scores.png",
            "feature-scores.svg"} <= {p.name for p in out.iterdir()}
    box = pd.read_csv(out / "prim_box.csv")
    assert "projects.a.capex" in set(box["parameter"])
    r = cli("discover", run_folder, "--outcome", "gdp_2021", "--out", tmp_path / "e")
    assert r.exit_code == 2 and "--below" in r.output
    r = cli("discover", run_folder, "--outcome", "growth_plan", "--out", tmp_path / "f")
    assert r.exit_code == 2 and "unknown outcome" in r.output
    r = cli("discover", run_folder, "--params", "projects.z.capex", "--out", tmp_path / "g")
    assert r.exit_code == 2 and "not a sampled input" in r.output


# ---------------------------------------------------------------- pasting, covering, bootstrap, hits
from portfolio.analysis.discovery import (  # noqa: E402
    Box,
    bootstrap_stability,
    cover,
    paste_box,
    union_coverage,
)


def two_boxes(n=6000, noise=0.02, seed=1):
    """Misses in either of two separate boxes: A = x0 < 0.25 and x1 > 0.75, B = x2 < 0.2 and x3 < 0.3
    (about 6% and 6% of the draws), labels flipped with probability ``noise``; x4, x5 irrelevant."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, 6))
    y = ((X[:, 0] < 0.25) & (X[:, 1] > 0.75)) | ((X[:, 2] < 0.2) & (X[:, 3] < 0.3))
    return X, y ^ (rng.uniform(size=n) < noise)


def test_covering_recovers_two_planted_boxes():
    X, y = two_boxes()
    found = cover(X, y, boxes=3)
    assert len(found) == 2                                            # a third box is not worth reporting
    by_inputs = {tuple(sorted(p.box.restricted)): p.box for p in found}
    assert set(by_inputs) == {("x0", "x1"), ("x2", "x3")}
    a, b = by_inputs[("x0", "x1")], by_inputs[("x2", "x3")]
    assert a.limits["x0"][1] == pytest.approx(0.25, abs=0.03) and a.limits["x1"][0] == pytest.approx(0.75, abs=0.03)
    assert b.limits["x2"][1] == pytest.approx(0.2, abs=0.03) and b.limits["x3"][1] == pytest.approx(0.3, abs=0.03)
    coverage = [c for c, _ in union_coverage(found, X, y)]
    assert coverage[0] < coverage[1] and coverage[1] > 0.8            # together they hold most misses


def test_pasting_widens_a_box_cut_too_far_and_never_lowers_its_density():
    """Cases exactly x0 < 0.5; a box cut at x0 ≤ 0.3 holds only cases (density 1): pasting widens it to
    within one pasting step (5% of the box's draws, about 0.025 of x0) of 0.5, density still 1."""
    rng = np.random.default_rng(2)
    X = rng.uniform(size=(10_000, 2))
    y = X[:, 0] < 0.5
    start = Box({"x0": (None, 0.3)})
    pasted = paste_box(start, X, y, ["x0", "x1"], int(y.sum()))
    assert 0.5 - 0.03 < pasted.limits["x0"][1] < 0.5 and pasted.density == 1.0
    assert pasted.coverage > 0.94
    # on noisy data, from the peeled box PRIM chose: the pasted box contains it and is no less dense
    Xp, yp = planted()
    result = prim(Xp, yp)
    peeled = result.peeled
    assert peeled is not None
    pasted = paste_box(peeled, Xp, yp, result.columns, int(yp.sum()))
    assert pasted.density >= peeled.density and pasted.count >= peeled.count
    assert peeled.contains(Xp, result.columns)[~pasted.contains(Xp, result.columns)].sum() == 0


def test_bootstrap_stability_is_near_one_for_a_strong_rule_and_low_for_noise_inputs():
    rng = np.random.default_rng(4)
    X = rng.uniform(size=(4000, 6))
    y = (X[:, 0] < 0.3) ^ (rng.uniform(size=4000) < 0.05)
    table = bootstrap_stability(X, y, resamples=20, seed=1).set_index("parameter")
    assert table.loc["x0", "share"] >= 0.9 and table.loc["x0", "upper"] >= 0.9
    noise = table.drop(index="x0")["share"]
    assert (noise <= 0.3).all(), table


def test_a_restriction_that_could_be_chance_is_pruned():
    """Rare cases (4%) with twenty irrelevant inputs: peeling picks up some of them, pruning by
    quasi-p-value leaves only the planted rule, every remaining restriction significant at 5%."""
    rng = np.random.default_rng(6)
    X = rng.uniform(size=(8000, 22))
    y = ((X[:, 0] < 0.2) & (X[:, 1] < 0.5)) & (rng.uniform(size=8000) < 0.5)
    result = prim(X, y)
    assert sorted(result.box.restricted) == ["x0", "x1"]
    assert all(p < 0.05 for p in result.p_values.values())


def test_discover_on_hits_says_what_has_to_go_right(run_folder, cli, tmp_path):
    """Hits are high capex of project A (growth rises with it): the box is a lower limit on it, in
    words about hits; the CLI writes the covering and bootstrap tables when asked."""
    found = discover(run_folder, lang="en", on="hits")
    assert found.prim.box.limits["projects.a.capex"][0] is not None
    assert "of all hits" in found.description() and "hit rate inside" in found.description()
    misses = discover(run_folder, lang="en")
    assert found.prim.base_rate == pytest.approx(1 - misses.prim.base_rate)
    out = tmp_path / "hits"
    r = cli("discover", run_folder, "--on", "hits", "--boxes", "2", "--bootstrap", "3", "--out", out,
            "--lang", "zh", "--no-charts")
    assert r.exit_code == 0, r.output
    assert "What has to go right?" in r.output and "Bootstrap stability (3 resamples)" in r.output
    summary = json.loads((out / "discovery.json").read_text(encoding="utf-8"))
    assert summary["on"] == "hits" and "达标" in summary["box"]["description"]
    hits = found.meta["draws_used"] - found.meta["misses"]
    subtitle = found.figures("en")["prim-box"].axes[0].get_title(loc="left")     # the charts count the hits
    assert hits > 0 and f"{hits:,} of {found.meta['draws_used']:,} draws hit" in subtitle
    stability = pd.read_csv(out / "prim_stability.csv")
    assert "projects.a.capex" in set(stability["parameter"])
    assert stability.set_index("parameter").loc["projects.a.capex", "share"] >= 2 / 3


def test_a_discovery_shows_its_box_and_ranking_in_a_notebook(run_folder):
    found = discover(run_folder, lang="en")
    assert found.format(top=5) in repr(found)
    page = found._repr_html_()
    assert found.description("en") in page.replace("&lt;", "<").replace("&gt;", ">")
    top = found.regional_table("en").iloc[0]
    assert f"<td>{top['label']}</td>" in page and f"{top['ks']:.3f}" in page
    saved = portfolio.open_run(found.save(run_folder.parent / "found", charts=False))
    assert saved.kind == "discovery" and found.description("en") in repr(saved)
    assert f"CART leaf: {found.cart_descriptions('en')[0]}" in repr(saved)          # the densest leaf
    assert saved.table()["parameter"].iloc[0] == top["parameter"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_discover_prints_inputs_and_the_box_in_the_asked_language(cli, run_folder, tmp_path, lang):
    r = cli("discover", run_folder, "--out", tmp_path / "d", "--lang", lang, "--no-charts")
    assert r.exit_code == 0, r.output
    found = discover(run_folder, lang=lang)
    label = found.names.label("projects.a.capex")
    assert label.startswith("项目甲" if lang == "zh" else "Project A")
    regional = [line for line in r.output.splitlines() if " KS " in line]
    assert regional and regional[0].strip().startswith(label)
    assert found.description() in r.output


def test_portfolio_chart_redraws_a_discovery_folder_in_either_language(cli, run_folder, tmp_path):
    from portfolio.analysis.discovery import open_discovery

    out = tmp_path / "d"
    assert cli("discover", run_folder, "--out", out, "--lang", "zh").exit_code == 0
    again = cli("chart", out, "--out", tmp_path / "zh")
    assert again.exit_code == 0, again.output
    for name in ("regional", "prim-trajectory", "prim-box"):    # the same pixels, from the files (the CSV's
        assert (tmp_path / "zh" / f"{name}.png").read_bytes() == (out / f"{name}.png").read_bytes()   # 10 digits)
    english = cli("chart", out, "--lang", "en", "--out", tmp_path / "en", "--format", "png")
    assert english.exit_code == 0, english.output
    assert sorted(p.name for p in (tmp_path / "en").iterdir()) == ["prim-box.png", "prim-trajectory.png",
                                                                   "regional.png"]
    figures = open_discovery(out).figures("en")
    assert "Project A: capex" in [t.get_text() for t in figures["regional"].axes[0].get_yticklabels()]



def test_the_report_says_when_the_target_is_missed_and_what_has_to_go_right(run_folder, cli, tmp_path):
    """portfolio report --discovery: the miss box and the hit box, each in words with its restrictions'
    quasi-p-values, in the report's language."""
    from portfolio.analysis.discovery import write_report_with_discovery

    out = write_report_with_discovery(run_folder, fmt="md", lang="en", out=tmp_path / "r.md")
    text = out.read_text(encoding="utf-8")
    misses, hits = (discover(run_folder, lang="en", on=on).description() for on in ("misses", "hits"))
    assert "### When is the target missed (scenario discovery)" in text and misses in text
    assert "### What has to go right (scenario discovery)" in text and hits in text
    r = cli("report", run_folder, "--discovery", "--lang", "zh", "--format", "html", "--out", tmp_path / "r.html")
    assert r.exit_code == 0, r.output
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "达标需要哪些条件（情景发现）" in page and "拟p值" in page
    plain = cli("report", run_folder, "--format", "md", "--out", tmp_path / "plain.md")
    assert "情景发现" not in (tmp_path / "plain.md").read_text(encoding="utf-8") and plain.exit_code == 0


# ---------------------------------------------------------------- feature scoring and CART
from portfolio.analysis.discovery import describe_box, feature_scores, fit_cart  # noqa: E402


def test_feature_scoring_ranks_the_planted_inputs_above_every_noise_input():
    """Misses depend on x0 and x2 only: both outrank the three uniform noise inputs and the 0/1 one,
    by a wide margin (each planted score is several times any noise score, not a near tie)."""
    X, y = planted()
    table = feature_scores(pd.DataFrame(X, columns=[f"x{j}" for j in range(6)]), y, seed=11)
    assert list(table.columns) == ["parameter", "score", "rank"]
    assert set(table["parameter"].head(2)) == {"x0", "x2"} and list(table["rank"]) == [1, 2, 3, 4, 5, 6]
    scores = table.set_index("parameter")["score"]
    assert scores.sum() == pytest.approx(1.0)
    assert min(scores["x0"], scores["x2"]) > 5 * scores.drop(["x0", "x2"]).max()
    again = feature_scores(X, y, seed=11)                                # seeded: the same scores again
    assert np.array_equal(again.sort_values("parameter")["score"].to_numpy(),
                          table.sort_values("parameter")["score"].to_numpy())


def test_cart_finds_the_planted_box_as_a_dense_leaf():
    """The tree's leaf of misses is x0 ≤ ~0.3 and x2 > ~0.6: thresholds within 0.03 (the planted edges
    are exact; a split lies midway between two draws, ~1/6000 apart, and flipped labels move it a
    little), density ~95% (5% of labels flipped) and coverage ~70% (the flipped labels outside the
    box are misses it cannot hold)."""
    X, y = planted()
    tree = fit_cart(X, y)
    assert len(tree.boxes) == 1                     # siblings that both say "hit" are merged away
    box, p_values = tree.boxes[0]
    assert sorted(box.restricted) == ["x0", "x2"] and not box.allowed
    assert box.limits["x0"][0] is None and box.limits["x0"][1] == pytest.approx(0.3, abs=0.03)
    assert box.limits["x2"][1] is None and box.limits["x2"][0] == pytest.approx(0.6, abs=0.03)
    assert box.density > 0.9 and box.coverage > 0.6
    assert all(p < 1e-6 for p in p_values.values())
    inside = box.contains(X, tree.columns)                       # its statistics are those of the box
    assert box.count == inside.sum() and box.density == pytest.approx(y[inside].mean())
    # the leaves partition the draws
    assert sum(b.count for b in tree.leaves) == len(y)


def test_cart_finds_both_planted_boxes_and_allows_values_of_a_category():
    X, y = two_boxes()
    tree = fit_cart(X, y)
    found = {tuple(sorted(b.restricted)): b for b, _ in tree.boxes if b.density > 0.8}
    assert ("x0", "x1") in found and found[("x0", "x1")].limits["x1"][0] == pytest.approx(0.75, abs=0.03)
    assert any({"x2", "x3"} <= set(k) for k in found)
    # a 0/1 input is restricted by its allowed value, as PRIM does
    rng = np.random.default_rng(5)
    Xc = np.column_stack([rng.uniform(size=5000), rng.integers(0, 2, 5000).astype(float)])
    yc = (Xc[:, 1] == 1) & (Xc[:, 0] > 0.5)
    (box, _), = fit_cart(pd.DataFrame(Xc, columns=["cost", "cancelled"]), yc).boxes
    assert box.allowed == {"cancelled": (1.0,)} and box.limits["cost"][0] == pytest.approx(0.5, abs=0.03)
    assert box.density == 1.0


def test_cart_weighs_rare_cases_so_a_three_percent_box_is_found():
    """3% of the draws are cases (the Chuxiong baseline's hit rate), 15% of those with x0 > 0.8 and
    none elsewhere: no leaf is mostly cases, so an unweighted tree says "no" everywhere; balanced
    weights find the leaf x0 > ~0.8 at five times the overall rate."""
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(8)
    X = rng.uniform(size=(10_000, 4))
    y = (X[:, 0] > 0.8) & (rng.uniform(size=10_000) < 0.15)
    assert not DecisionTreeClassifier(max_depth=3, min_samples_leaf=500).fit(X, y).predict(X).any()
    tree = fit_cart(X, y)
    best, _ = tree.boxes[0]
    assert best.limits["x0"][0] == pytest.approx(0.8, abs=0.03) and best.limits["x0"][1] is None
    assert best.density > 4 * tree.base_rate and best.coverage > 0.8


def test_a_cart_leaf_reads_in_the_words_of_a_prim_box():
    X, y = planted()
    tree = fit_cart(pd.DataFrame(X, columns=["economy.tfp_growth", "x1", "economy.capital_share", "x3", "x4", "x5"]),
                    y)
    box, p_values = tree.boxes[0]
    en = describe_box(box, tree.base_rate, p_values, Names({}, "en"))
    assert en.startswith("TFP growth below 30") and "capital share above 60" in en
    assert "of all misses" in en and "miss rate inside" in en
    zh = describe_box(box, tree.base_rate, p_values, Names({}, "zh"), on="misses")
    assert "全要素生产率" in zh and "未达标" in zh and "of all" not in zh


def test_discover_scores_features_and_fits_cart_and_the_cli_writes_them(run_folder, cli, tmp_path):
    """On the additive run (misses are low capex of project A) both new views name project A's capex
    first; the command writes feature_scores.csv and cart_boxes.csv and prints both."""
    found = discover(run_folder, lang="en")
    assert found.features["parameter"].iloc[0] == "projects.a.capex"
    assert found.cart_descriptions()[0].startswith("Project A: capex below")
    assert found.summary()["cart_boxes"][0]["conditions"]
    chart = found.figures("zh")["feature-scores"].axes[0]                 # the chart: top input first, in zh
    assert chart.get_yticklabels()[0].get_text() == "项目甲·投资" and "极端随机树" in chart.get_title(loc="left")
    assert "extra-trees" in found.figures("en")["feature-scores"].axes[0].get_title(loc="left")
    out = tmp_path / "trees"
    r = cli("discover", run_folder, "--out", out, "--lang", "zh", "--no-charts", "--cart-depth", "2")
    assert r.exit_code == 0, r.output
    assert "Feature scoring" in r.output and "CART leaves of the misses (depth 2" in r.output
    scores = pd.read_csv(out / "feature_scores.csv")
    assert list(scores.columns) == ["parameter", "label", "score", "rank"]
    assert scores["parameter"].iloc[0] == "projects.a.capex" and scores["label"].iloc[0] == "项目甲·投资"
    leaves = pd.read_csv(out / "cart_boxes.csv")
    assert "projects.a.capex" in set(leaves.loc[leaves["leaf"] == 1, "parameter"])
    assert (leaves["density"] > found.prim.base_rate).all()
    summary = json.loads((out / "discovery.json").read_text(encoding="utf-8"))
    assert "未达标" in summary["cart_boxes"][0]["description"] and summary["cart"]["depth"] == 2
    assert {"feature_scores.csv", "cart_boxes.csv"} <= set(summary["files"])
    r = cli("discover", run_folder, "--out", tmp_path / "none", "--no-features", "--no-cart", "--no-charts")
    assert r.exit_code == 0, r.output
    assert not {"feature_scores.csv", "cart_boxes.csv"} & {p.name for p in (tmp_path / "none").iterdir()}
