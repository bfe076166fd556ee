"""Schedule-risk outputs against textbook results: Hillier & Lieberman's PERT network (Reliable
Construction, shipped as scenarios/examples/reliable-construction.yaml, durations in weeks) planned by
hand, its Monte Carlo moments against the PERT closed forms, criticality against a brute-force
enumeration of every path, and a network whose critical path is known.

Monte Carlo tolerances are 4 standard errors, the standard error stated next to each check.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from portfolio import load_scenario
from portfolio.scenario.graph import plan
from portfolio.runs.simulate import simulate
from portfolio.uncertainty.dates import decimal_year
from tests.conftest import REPO
from tests.runs.test_simulate import project, scenario_yaml

EXAMPLE = REPO / "scenarios" / "examples" / "reliable-construction.yaml"
WEEK = 7 / 365.25                               # years
# (optimistic, most likely, pessimistic) weeks and predecessors, as the textbook's table
NETWORK = {"a_excavate": ((1, 2, 3), []), "b_foundation": ((2, 3.5, 8), ["a_excavate"]),
           "c_rough_wall": ((6, 9, 18), ["b_foundation"]), "d_roof": ((4, 5.5, 10), ["c_rough_wall"]),
           "e_ext_plumbing": ((1, 4.5, 5), ["c_rough_wall"]), "f_int_plumbing": ((4, 4, 10), ["e_ext_plumbing"]),
           "g_siding": ((5, 6.5, 11), ["d_roof"]), "h_ext_painting": ((5, 8, 17), ["e_ext_plumbing", "g_siding"]),
           "i_electrical": ((3, 7.5, 9), ["c_rough_wall"]), "j_wallboard": ((3, 9, 9), ["f_int_plumbing", "i_electrical"]),
           "k_flooring": ((4, 4, 4), ["j_wallboard"]), "l_int_painting": ((1, 5.5, 7), ["j_wallboard"]),
           "m_ext_fixtures": ((1, 2, 3), ["h_ext_painting"]), "n_int_fixtures": ((5, 5.5, 9), ["k_flooring", "l_int_painting"])}
CRITICAL = ["a_excavate", "b_foundation", "c_rough_wall", "e_ext_plumbing", "f_int_plumbing", "j_wallboard",
            "l_int_painting", "n_int_fixtures"]
# the textbook's earliest starts (weeks), from the expected times t_e = (a + 4m + b)/6
EARLIEST_START = {"a_excavate": 0, "b_foundation": 2, "c_rough_wall": 6, "d_roof": 16, "e_ext_plumbing": 16,
                  "f_int_plumbing": 20, "g_siding": 22, "h_ext_painting": 29, "i_electrical": 16, "j_wallboard": 25,
                  "k_flooring": 33, "l_int_painting": 33, "m_ext_fixtures": 38, "n_int_fixtures": 38, "finish": 44}
N = 20_000


@pytest.fixture(scope="module")
def textbook():
    return simulate(EXAMPLE, draws=N, seed=5)


def _weeks(result, ident: str, key: str = "cod") -> np.ndarray:
    j = [p.id for p in result.compiled.projects].index(ident)
    return (result.data.detail[key][:, j] - decimal_year("2022-01-03")) / WEEK


def test_the_plan_is_the_textbook_forward_pass():
    """Expected times through the forward pass: the textbook's earliest starts and its 44 weeks."""
    s = load_scenario(EXAMPLE)
    start, cod = plan(s.projects)
    t0 = decimal_year("2022-01-03")
    for p, value in zip(s.projects, start):
        assert (value - t0) / WEEK == pytest.approx(EARLIEST_START[p.id], abs=1e-9), p.id
    assert (cod[-1] - t0) / WEEK == pytest.approx(44, abs=1e-9)


def test_the_critical_path_has_the_pert_moments(textbook):
    """Along A-B-C-E-F-J-L-N the durations add: mean Σ t_e = 44 weeks, variance Σ (μ − a)(b − μ)/7 of
    the beta-PERT: 9.29 weeks² (the textbook's shortcut ((b − a)/6)² gives 9)."""
    total = sum(_weeks(textbook, i) - _weeks(textbook, i, "start") for i in CRITICAL)
    mean = sum((a + 4 * m + b) / 6 for (a, m, b), _ in (NETWORK[i] for i in CRITICAL))
    var = sum(((a + 4 * m + b) / 6 - a) * (b - (a + 4 * m + b) / 6) / 7 for (a, m, b), _ in (NETWORK[i] for i in CRITICAL))
    assert mean == pytest.approx(44)
    se = total.std(ddof=1) / math.sqrt(N)                                  # ≈ 0.02 weeks
    assert abs(total.mean() - mean) < 4 * se
    m4 = np.mean((total - total.mean()) ** 4)
    se_var = math.sqrt((m4 - total.var() ** 2) / N)                        # ≈ 0.06 weeks²
    assert abs(total.var(ddof=1) - var) < 4 * se_var


def test_merge_bias_makes_the_pert_answer_optimistic(textbook):
    """The finish is the longest of several paths: later on average than the critical path's 44 weeks,
    and P(finish within 47 weeks) below PERT's Φ(1) = 0.841 for the critical path alone."""
    finish = _weeks(textbook, "finish")
    se = finish.std(ddof=1) / math.sqrt(N)
    assert finish.mean() - 44 > 4 * se
    p = float((finish <= 47).mean())
    assert stats.norm.cdf(1.0) - p > 4 * math.sqrt(p * (1 - p) / N)
    # the completion target "within 47 weeks" is that probability (its date is 47 weeks after the start)
    target = next(t for t in textbook.summary()["targets"] if t["name"] == "within_47_weeks")
    by = (decimal_year("2022-11-28") - decimal_year("2022-01-03")) / WEEK
    assert target["probability"] == pytest.approx(float((finish <= by + 1e-9).mean()), abs=1e-12)


def _paths(node: str) -> list[list[str]]:
    """Every chain of activities from the start that ends with ``node``."""
    preds = NETWORK[node][1]
    return [[node]] if not preds else [path + [node] for p in preds for path in _paths(p)]


def test_criticality_matches_a_brute_force_longest_path(textbook):
    """For every draw, list every start-to-finish path, sum its sampled durations, and mark the activities
    of the longest: the shares match the criticality index exactly (the same draws)."""
    paths = _paths("m_ext_fixtures") + _paths("n_int_fixtures")
    duration = {i: _weeks(textbook, i) - _weeks(textbook, i, "start") for i in NETWORK}
    lengths = np.stack([sum(duration[i] for i in path) for path in paths], axis=1)
    longest = lengths.argmax(axis=1)
    table = textbook.criticality()
    table = table[table.end_point == "within_47_weeks"].set_index("id")
    for ident in NETWORK:
        on = np.isin(longest, [k for k, path in enumerate(paths) if ident in path])
        assert table.loc[ident, "criticality"] == pytest.approx(on.mean(), abs=1e-12), ident
    for ident in ("a_excavate", "b_foundation", "c_rough_wall", "finish"):
        assert table.loc[ident, "criticality"] == 1.0
    # the two branches into the end share the draws between them
    assert table.loc["m_ext_fixtures", "criticality"] + table.loc["n_int_fixtures", "criticality"] == pytest.approx(1.0)
    low, high = table.loc["h_ext_painting", ["criticality_ci_low", "criticality_ci_high"]]
    assert low < table.loc["h_ext_painting", "criticality"] < high
    # cruciality: the rough wall (the widest spread on the critical path) matters most; K never varies
    crucial = table["cruciality"]
    assert crucial.idxmax() == "c_rough_wall" and np.isnan(crucial["k_flooring"])
    ranks = stats.rankdata(duration["c_rough_wall"]), stats.rankdata(_weeks(textbook, "finish"))
    assert crucial["c_rough_wall"] == pytest.approx(np.corrcoef(*ranks)[0, 1], abs=1e-12)


def test_criticality_does_not_depend_on_the_threads(textbook, monkeypatch):
    """The sorts and rank walks of the cruciality run on several threads: the table is identical."""
    from portfolio.model import threads
    from portfolio.runs import schedule_risk

    tables = []
    for count in (1, 2, 5):
        monkeypatch.setattr(threads, "spare_threads", lambda t=count: t)
        tables.append(schedule_risk.criticality(textbook.compiled, textbook.data.detail))
    assert tables[0]["cruciality"].notna().sum() > 5
    for table in tables[1:]:
        pd.testing.assert_frame_equal(table, tables[0])


def test_groups_and_s_curves(textbook):
    """The exterior group (D → G → H → M) starts with the roof and finishes with the fixtures; its
    completion target and the S-curves are the empirical distribution of those finishes."""
    groups = textbook.groups().set_index("id")
    t0 = decimal_year("2022-01-03")                           # the plan: D starts week 16, M ends week 40
    assert (groups.loc["exterior", "planned_start"] - t0) / WEEK == pytest.approx(16, abs=1e-9)
    assert (groups.loc["exterior", "planned_finish"] - t0) / WEEK == pytest.approx(40, abs=1e-9)
    assert groups.loc["interior", "planned_finish_date"] == "2022-11-07"      # N ends week 44
    exterior_finish = _weeks(textbook, "m_ext_fixtures")
    assert groups.loc["exterior", "finish_p50"] == pytest.approx(t0 + np.median(exterior_finish) * WEEK, abs=1e-9)
    assert groups.loc["exterior", "start_p50"] == pytest.approx(np.median(textbook.data.detail["start"][:, 3]), abs=1e-9)
    target = next(t for t in textbook.summary()["targets"] if t["name"] == "exterior_by_september")
    m = textbook.data.detail["cod"][:, 12]
    assert target["probability"] == pytest.approx(float((m <= decimal_year("2022-09-30")).mean()), abs=1e-12)
    curves = textbook.s_curves().set_index("date")
    assert curves.loc["2022-09-30", "exterior"] == pytest.approx(target["probability"], abs=1e-12)
    assert curves.loc["2022-09-30", "m_ext_fixtures"] == curves.loc["2022-09-30", "exterior"]
    for column in ("finish", "interior", "exterior"):
        values = curves[column].to_numpy()
        assert np.all(np.diff(values) >= 0) and values[-1] == 1.0 and values[0] == 0.0
    # the summary names the critical path of the finish target, most critical first
    critical = next(t for t in textbook.summary()["targets"] if t["name"] == "within_47_weeks")["critical_path"]
    assert [c["id"] for c in critical[:3]] == ["a_excavate", "b_foundation", "c_rough_wall"]


def test_a_known_critical_path_is_found(write):
    """A long chain a → b → end (4 years) beside a short branch c → end (1 year): a and b are critical
    in every draw, c in none, whatever the noise on b."""
    text = scenario_yaml(
        project("a", planned_start=2021, build_years=2)
        + project("b", planned_start=2021, build_years='"uniform(1.5, 2.5)"', depends_on="[a]")
        + project("c", planned_start=2021, build_years=1)
        + project("end", kind="milestone", capex="null", planned_start=2021, build_years=0, depends_on="[b, c]"),
        targets="  - {name: done, metric: completion, project: end, by: 2026-01-01}")
    table = simulate(write("known.yaml", text), draws=500, seed=2).criticality()
    done = table[table.end_point == "done"].set_index("id")["criticality"]
    assert done.to_dict() == {"a": 1.0, "b": 1.0, "c": 0.0, "end": 1.0}
    whole = table[table.end_point == "portfolio_finish"].set_index("id")
    assert whole.loc["a", "criticality"] == 1.0 and whole.loc["c", "criticality"] == 0.0
    assert np.isnan(whole.loc["a", "cruciality"])                         # a fixed duration has none


def test_the_run_folder_holds_the_schedule_tables(tmp_path, textbook):
    folder = textbook.save(tmp_path / "run", charts=False)
    criticality = pd.read_csv(folder / "criticality.csv")
    assert set(criticality.end_point) == {"within_47_weeks", "exterior_by_september", "portfolio_finish"}
    curves = pd.read_csv(folder / "s_curves.csv")
    assert curves.date.iloc[0] == "2022-01-31" and curves.date.iloc[-1] == "2024-12-31"
    groups = pd.read_csv(folder / "groups.csv")
    assert list(groups.id) == ["exterior", "interior"] and groups.finish_p80_date.str.match(r"^2022-\d\d-\d\d$").all()
    draws = pd.read_parquet(folder / "draws.parquet", columns=["finish_exterior", "finish_m_ext_fixtures"])
    np.testing.assert_array_equal(draws.finish_exterior, draws.finish_m_ext_fixtures)


def test_spearman_within_a_subset_is_scipys():
    """Cruciality sorts each vector once and ranks any subset by walking that order: the same
    coefficient as scipy's spearmanr of the subset afresh, with and without ties (average ranks),
    and NaN when one side is constant on the subset."""
    from portfolio.runs.schedule_risk import spearman_within

    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(2, 2000))
    y += 0.5 * x
    mask = rng.random(2000) < 0.6
    for a, b in ((x, y), (np.round(x, 1), np.round(y, 1)), (np.round(x), y)):
        a, b = a.copy(), b.copy()
        a[~mask & (rng.random(2000) < 0.3)] = np.nan        # NaN outside the subset changes nothing
        got = spearman_within(a, np.argsort(a), b, np.argsort(b), mask)
        assert got == pytest.approx(stats.spearmanr(a[mask], b[mask]).statistic, abs=1e-12)
    constant = np.where(mask, 3.0, rng.normal(size=2000))
    assert np.isnan(spearman_within(constant, np.argsort(constant), y, np.argsort(y), mask))
