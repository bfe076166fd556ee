"""Comparing scenarios (issue 5): common random numbers, paired differences and the comparison folder.

The scenarios differ in one input only: the non-portfolio investment rate, pert(0.30, 0.40, 0.50) against
the same PERT moved up by 2 points. A PERT with low, mode and high all moved by the same amount is a
pure location shift, so under common random numbers every draw of B has exactly 0.02 more investment
than the same draw of A and — growth rising with investment in the LTGM — more growth in every draw.
"""
from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from portfolio.analysis.compare import compare, format_comparison, paired_difference
from portfolio.runs.simulate import simulate

Z95 = 1.959963984540054

SCENARIO = """\
meta:
  name: %(name)s
  title: {zh: 比较测试, en: Comparison test}
  region: {zh: 测试地区, en: Test region}
  base_year: 2020
  horizon: 2026
targets:
  - {name: growth, metric: average_growth, window: [2021, 2025], threshold: 5%%}
economy:
  gdp: 1000 亿元
  capital_output_ratio: triangular(2.5, 3.0, 3.5)
  capital_share: pert(0.4, 0.5, 0.6)
  depreciation: 0.06
  investment_rate: %(investment_rate)s
  tfp_growth: normal(0.015, 0.01)
  tfp_shock_sd: 1%%
  population_growth: -0.003
  human_capital_growth: 0.005
projects:
  - id: park
    name: {zh: 产业园, en: Park}
    kind: industry
    source: "assumption: test"
    capex: pert(20, 30, 50) 亿元
    planned_start: 2022
    build_years: 3
    duration_ratio: lognormal(p50=1.1, p80=1.4)
    output_value: 20 亿元/年
    value_added_ratio: 0.2
simulation: {draws: 1000, seed: 3}
"""


@pytest.fixture
def pair(write):
    """Two scenario files that differ only in the investment rate (B = A + 2 points in every draw)."""
    a = write("a.yaml", SCENARIO % {"name": "cmp-a", "investment_rate": "pert(0.30, 0.40, 0.50)"})
    b = write("b.yaml", SCENARIO % {"name": "cmp-b", "investment_rate": "pert(0.32, 0.42, 0.52)"})
    return a, b


# --------------------------------------------------------------------------- paired_difference
def test_paired_difference_matches_hand_arithmetic():
    """d = b − a = [1, 0, 2, 0]: mean 0.75, sample variance ((.25)² + (.75)² + (1.25)² + (.75)²)/3 = 2.75/3,
    se = sd/√4, 95% interval mean ± 1.96·se."""
    out = paired_difference(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.0, 5.0, 4.0]))
    se = math.sqrt(2.75 / 3) / 2
    assert out["difference"] == pytest.approx(0.75, abs=1e-15)
    assert out["se"] == pytest.approx(se, rel=1e-14)
    assert out["ci95"] == pytest.approx([0.75 - Z95 * se, 0.75 + Z95 * se], rel=1e-14)
    assert out["n"] == 4


def test_paired_difference_of_too_few_pairs_has_no_interval():
    empty = paired_difference(np.array([]), np.array([]))
    assert empty["n"] == 0 and math.isnan(empty["difference"]) and all(map(math.isnan, empty["ci95"]))
    one = paired_difference(np.array([1.0]), np.array([3.0]))
    assert one["difference"] == 2.0 and one["n"] == 1 and math.isnan(one["se"])


# --------------------------------------------------------------------------- common random numbers
def test_common_random_numbers_make_paired_differences_far_less_variable(pair):
    """Var(avg_B − avg_A) per draw with the same seed (paired) against different seeds (independent).

    Independent runs: Var = Var_A + Var_B (≈ 2·(1.6 pp)² here). Paired: only the effect of 2 points of
    investment varies between draws. Observed ratio ≈ 2e-4 (4,000 draws); asserted < 0.01. With 4,000 draws
    each variance is known to about ±2.2% (√(2/n)), so the ratio is nowhere near the bound."""
    a, b = pair
    n = 4000
    c = compare([a, b], draws=n, seed=3)
    window = c.growth_window()
    assert window == (2021, 2025)
    avg_a = c.results[0].average_growth(window)
    paired = c.results[1].average_growth(window) - avg_a
    independent = simulate(b, draws=n, seed=4, keep_inputs=False).average_growth(window) - avg_a
    ratio = paired.var(ddof=1) / independent.var(ddof=1)
    assert ratio < 0.01
    assert np.all(paired > 0)              # more investment → more growth in every single draw
    assert np.any(independent < 0)         # unpaired draws flip sign all the time
    # the reported difference is the mean of the per-draw differences with interval ± 1.96·sd/√n
    row = c.differences().set_index("measure").loc["average_growth_2021_2025"]
    se = paired.std(ddof=1) / math.sqrt(n)
    assert row["difference"] == pytest.approx(paired.mean(), rel=1e-12)
    assert row["se"] == pytest.approx(se, rel=1e-9)
    assert (row["ci95_low"], row["ci95_high"]) == pytest.approx((paired.mean() - Z95 * se,
                                                                 paired.mean() + Z95 * se), rel=1e-9)
    # the paired half-width is at least 10× narrower than the one two independent runs would give
    unpaired_se = math.sqrt((avg_a.var(ddof=1) + c.results[1].average_growth(window).var(ddof=1)) / n)
    assert se < 0.1 * unpaired_se


def test_a_scenario_compared_with_itself_differs_by_exactly_zero(pair):
    a, _ = pair
    c = compare([a, a], draws=2000, seed=1)
    assert c.names == ["cmp-a", "cmp-a_"]                     # duplicate names are kept apart
    np.testing.assert_array_equal(c.results[0].data.gdp, c.results[1].data.gdp)
    diffs = c.differences()
    assert len(diffs) == 3                # P(growth), average growth over the plan and the longer window
    for _, row in diffs.iterrows():
        assert row["difference"] == 0.0
        assert row["se"] == 0.0
        assert (row["ci95_low"], row["ci95_high"]) == (0.0, 0.0)
        assert row["n"] == 2000
    assert c.explanations("en") == [] and c.explanations("zh") == []      # nothing to explain


def test_compare_needs_two_scenarios(pair):
    with pytest.raises(ValueError, match="at least two"):
        compare([pair[0]], draws=10)


# --------------------------------------------------------------------------- the command
EXPECTED_FILES = {"comparison.json", "scenarios.csv", "differences.csv", "decomposition.csv", "draws.parquet", "manifest.json",
                  "scenarios"}


def test_cli_writes_the_comparison_folder_and_prints_the_table(cli, pair, tmp_path):
    a, b = pair
    out = tmp_path / "cmp"
    res = cli("compare", a, b, "--draws", 1500, "--seed", 2, "--out", out, "--no-charts")
    assert res.exit_code == 0, res.stderr
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES
    assert {p.name for p in (out / "scenarios").iterdir()} == {"cmp-a.json", "cmp-b.json"}
    # written atomically: no staging folder left next to it, no INCOMPLETE marker inside
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert not (out / "INCOMPLETE").exists()

    summary = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert summary["scenarios"] == ["cmp-a", "cmp-b"]
    assert (summary["draws"], summary["seed"], summary["common_random_numbers"]) == (1500, 2, True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "comparison"
    assert [r["seed"] for r in manifest["runs"]] == [2, 2] and [r["draws"] for r in manifest["runs"]] == [1500, 1500]

    # the saved differences and probabilities, recomputed from the per-draw file by hand
    draws = pd.read_parquet(out / "draws.parquet")
    assert len(draws) == 1500 and draws["cmp-a:valid"].all() and draws["cmp-b:valid"].all()
    diffs = pd.read_csv(out / "differences.csv").set_index("measure")
    for measure, col in (("p_growth", "met_growth"), ("average_growth_2021_2025", "average_growth")):
        d = draws[f"cmp-b:{col}"].astype(float) - draws[f"cmp-a:{col}"].astype(float)
        assert diffs.loc[measure, "difference"] == pytest.approx(d.mean(), rel=1e-9, abs=1e-15)
        assert diffs.loc[measure, "se"] == pytest.approx(d.std(ddof=1) / math.sqrt(1500), rel=1e-9)
    table = pd.read_csv(out / "scenarios.csv").set_index("scenario")
    for name in ("cmp-a", "cmp-b"):
        p = draws[f"{name}:met_growth"].mean()
        assert table.loc[name, "p_growth"] == pytest.approx(p, abs=1e-15)
        per_scenario = json.loads((out / "scenarios" / f"{name}.json").read_text(encoding="utf-8"))
        assert per_scenario["targets"][0]["probability"] == pytest.approx(p, abs=1e-15)

    text = res.stdout
    assert "P(growth)" in text and "cmp-a" in text and "cmp-b" in text
    assert re.search(r"[+-]\d+\.\d+ ± \d+\.\d+ pp", text) and "common random numbers" in text
    assert "-0.0 " not in text and "points" not in text       # one unit, and no negative zero
    assert f"{table.loc['cmp-a', 'p_growth'] * 100:.1f}%" in text
    assert str(out) in text


def test_cli_json_prints_comparison_json(cli, pair, tmp_path):
    out = tmp_path / "cmp"
    res = cli("compare", *pair, "--draws", 300, "--out", out, "--no-charts", "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout) == json.loads((out / "comparison.json").read_text(encoding="utf-8"))


def test_save_leaves_nothing_behind_when_writing_fails(pair, tmp_path, monkeypatch):
    """An error while writing (here: the charts step) removes the staging folder; no half folder appears."""
    import portfolio.analysis.compare as compare_module

    c = compare(list(pair), draws=200, seed=1)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(compare_module, "draw_comparison_charts", broken)
    out = tmp_path / "cmp"
    with pytest.raises(OSError, match="disk full"):
        c.save(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml"]   # no cmp, no .cmp.incomplete-*


def test_cli_refuses_fewer_than_two_scenarios(cli, pair, tmp_path):
    res = cli("compare", pair[0], "--draws", 10, "--out", tmp_path / "cmp")
    assert res.exit_code == 2
    assert "at least two scenario files" in res.stderr
    assert not (tmp_path / "cmp").exists()


def test_cli_refuses_a_non_empty_out_folder_without_force(cli, pair, tmp_path):
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    res = cli("compare", *pair, "--draws", 10, "--out", out, "--no-charts")
    assert res.exit_code == 2
    assert "is not empty" in res.stderr and "--force" in res.stderr
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"
    res = cli("compare", *pair, "--draws", 10, "--out", out, "--no-charts", "--force")
    assert res.exit_code == 2 and "not made by portfolio" in res.stderr     # --force: only the tool's folders
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"
    (out / "keep.txt").unlink()
    assert cli("compare", *pair, "--draws", 10, "--out", out, "--no-charts").exit_code == 0
    res = cli("compare", *pair, "--draws", 10, "--out", out, "--no-charts", "--force")
    assert res.exit_code == 0, res.stderr
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES


def _timing_pair(write, ramp: int = 6):
    """The same project started in 2021 or in 2023: the later start keeps construction demand inside
    2021–2025 (its cliff moves past 2025), but its operation ramps up later."""
    from tests.model.test_engine import project, scenario_yaml

    paths = []
    for start in (2021, 2023):
        works = project("works", capex=300, planned_start=start, build_years=3, profile="uniform", multiplier=1.0,
                        local_content=0.8, gfcf_share=0.6, output_value=60, value_added_ratio=0.5, ramp_years=ramp)
        text = scenario_yaml(works, economy_extra="  tfp_shock_sd: 0.01\n", draws=2000)
        text = text.replace("horizon: 2026", "horizon: 2032").replace("name: engine-test", f"name: start-{start}")
        paths.append(write(f"start-{start}.yaml", text))
    return paths


def test_the_decomposition_adds_up_and_a_delay_that_helps_the_plan_window_is_explained(write):
    c = compare(_timing_pair(write), draws=2000, seed=1)
    table = c.decomposition()
    sources = [k for k in table.columns if k not in ("scenario", "against", "year")]
    # the sources' differences add up to the difference of mean growth, year by year
    growth = lambda r: r.data.growth[r.valid].mean(axis=0) * 100          # noqa: E731
    np.testing.assert_allclose(table[sources].sum(axis=1), growth(c.results[1]) - growth(c.results[0]),
                               rtol=1e-9, atol=1e-12)
    window = c.window_decomposition()["start-2023"]
    assert window["construction"] > 0.5 and window["operation"] < 0        # demand stays in, output comes later
    diffs = c.differences().set_index("measure")
    assert diffs.loc["average_growth_2021_2025", "ci95_low"] > 0            # the later start "helps" 2021–2025
    assert diffs.loc["average_growth_2021_2030", "ci95_high"] < 0           # and costs 2021–2030
    (sentence,) = c.explanations("en")
    assert sentence.startswith("start-2023: average growth 2021–2025 +") and "a shift in timing, not a gain" in sentence
    assert "Project construction demand" in sentence
    (zh,) = c.explanations("zh")
    assert "时间上的转移" in zh and "项目建设需求" in zh
    assert "a shift in timing" in format_comparison(c)


def test_criticality_is_named_only_when_its_interval_excludes_zero():
    from portfolio.outputs.rundata import decisive_projects
    from tests.conftest import CHUXIONG

    result = simulate(CHUXIONG / "baseline.yaml", draws=3000)
    rows = result.critical_projects()
    assert len(rows) > 5
    for r in rows:
        low, high = r["ci95"]
        n_late = round(r["late_share"] * 3000)
        se = math.sqrt(r["miss_if_late"] * (1 - r["miss_if_late"]) / n_late
                       + r["miss_if_on_time"] * (1 - r["miss_if_on_time"]) / (3000 - n_late))
        assert (high - low) / 2 == pytest.approx(1.959963984540054 * se, rel=1e-9)
        assert r["decisive"] == (low > 0)
    named = decisive_projects(result.summary())
    assert all(r["ci95"][0] > 0 for r in named)
    assert len(named) < len(result.summary()["critical_projects"])        # some are noise at 3,000 draws


def test_paired_differences_print_with_matching_decimals_and_no_negative_zero():
    from portfolio.outputs.texts import pp_interval

    assert pp_interval(-0.01, 3.9) == "+0.0 ± 3.9 pp"
    assert pp_interval(-0.0, 0.039) == "+0.00 ± 0.04 pp"        # was "-0.0 ± 0.039 points"
    assert pp_interval(1.234, 0.8) == "+1.2 ± 0.8 pp"
    assert pp_interval(-0.06, 0.21, decimals=2) == "-0.06 ± 0.21 pp"
    assert pp_interval(2.0, 0.5, "zh") == "+2.0 ± 0.5 个百分点"


def test_a_comparison_shows_each_probability_and_difference_as_the_terminal_prints_them(pair):
    a, b = pair
    c = compare([a, b], draws=400, seed=3)
    printed = format_comparison(c)
    text, page = repr(c), c._repr_html_()
    assert len(text.splitlines()) == 2 + len(c.names) * len(c.base.scenario.targets)
    for t in c.base.scenario.targets:
        for name, result in zip(c.names, c.results):
            p = next(x["probability"] for x in result.summary()["targets"] if x["name"] == t.name)
            line = next(line for line in printed.splitlines() if line.strip().startswith(name)
                        and f"{p * 100:.1f}%" in line)
            figures = line.split(None, 1)[1]           # P, interval and the difference, as printed
            assert " ".join(figures.split()) in " ".join(text.split())
            assert f"{p * 100:.1f}%" in page
    assert page.count("<tr>") == 1 + len(c.names) * len(c.base.scenario.targets)
    import portfolio

    saved = portfolio.open_run(c.save(pair[0].parent / "cmp", charts=False))     # the folder shows the same
    assert repr(saved).splitlines()[2:] == text.splitlines()[2:]
    assert saved._repr_html_().split("<table>")[1] == page.split("<table>")[1]
