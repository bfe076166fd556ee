"""The project ledger (台账, issue 5): schedules conditioned on each project's latest reported state.

Checked draw by draw against the sampled inputs in ``draws()`` (build_years, duration_ratio, start_delay)
with the rules of the README: operating → the actual dates; under construction → start = actual start,
COD = report date + (1 − share complete) × build × duration ratio; not started → no start before the
report date; cancelled → cancelled with its dependants. Dates are decimal years (2023.5 = mid-2023) or
1 January dates, so every expected date is exact.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from portfolio.scenario.ledger import load_ledger
from portfolio.runs.simulate import simulate

SCENARIO = """\
meta:
  name: ledger-test
  title: {zh: 台账测试, en: Ledger test}
  region: {zh: 测试地区, en: Test region}
  base_year: 2020
  horizon: 2028
targets:
  - {name: growth, metric: average_growth, window: [2021, 2025], threshold: 3.5%}
economy:
  gdp: 1000 亿元
  capital_output_ratio: 3.0
  capital_share: 0.4
  depreciation: 0.08
  investment_rate: 0.30
  tfp_growth: normal(0.02, 0.01)
  population_growth: -0.005
  human_capital_growth: 0.005
projects:
  - id: park
    name: {zh: 园区, en: Park}
    kind: industry
    source: "assumption: test"
    capex: 100 亿元
    planned_start: 2021.5
    build_years: triangular(2, 3, 4)
    duration_ratio: lognormal(p50=1.1, p80=1.4)
    start_delay: uniform(0, 1)
    cancel_probability: 0.2
    output_value: 50 亿元/年
    value_added_ratio: 0.3
  - id: plant
    name: {zh: 工厂, en: Plant}
    kind: industry
    source: "assumption: test"
    capex: 20 亿元
    planned_start: 2022
    build_years: uniform(1, 2)
    depends_on: [park]
  - id: road
    name: {zh: 公路, en: Road}
    kind: transport
    source: "assumption: test"
    capex: 40 亿元
    planned_start: 2021
    build_years: triangular(1, 2, 3)
    duration_ratio: lognormal(p50=1.2, p80=1.5)
    start_delay: uniform(0, 2)
    cancel_probability: 0.1
simulation: {draws: 1000, seed: 5}
"""
HEADER = "project,report_date,status,actual_start,share_complete,actual_cod\n"
PARK, PLANT, ROAD = 0, 1, 2
N = 2000


@pytest.fixture
def scenario(write):
    return write("scenario.yaml", SCENARIO)


def run(path, ledger=None, n=N, seed=5, **kwargs):
    return simulate(path, draws=n, seed=seed, ledger=ledger, **kwargs)


# --------------------------------------------------------------------------- the four statuses
def test_operating_projects_get_their_actual_dates_in_every_draw(scenario, write):
    """Every project operating: no schedule risk is left (and with a fixed economy, no risk at all)."""
    ledger = write("ledger.csv", HEADER
                   + "park,2025-01-01,operating,2021-01-01,,2024-01-01\n"
                   + "plant,2025-01-01,operating,2024-01-01,,2025-01-01\n"
                   + "road,2025-01-01,operating,2021-01-01,,2023-01-01\n")
    result = run(scenario, ledger, overrides=["economy.tfp_growth=0.02"])
    d = result.data.detail
    np.testing.assert_array_equal(d["cod"], np.broadcast_to([2024.0, 2025.0, 2023.0], (N, 3)))
    np.testing.assert_array_equal(d["start"], np.broadcast_to([2021.0, 2024.0, 2021.0], (N, 3)))
    assert not d["cancelled"].any()          # despite cancel probabilities 0.2 and 0.1
    outcome = result.target_outcome("growth")
    assert outcome.max() == outcome.min()    # zero spread: nothing uncertain remains


def test_cancelled_projects_and_their_dependants_drop_out_in_every_draw(scenario, write):
    ledger = write("ledger.csv", HEADER + "park,2022-01-01,cancelled,,,\n")
    d = run(scenario, ledger).data.detail
    assert d["cancelled"][:, PARK].all() and d["cancelled"][:, PLANT].all()   # plant depends on park
    assert np.all(d["spent"][:, [PARK, PLANT]] == 0)
    # the road is untouched: cancelled at its own rate 0.1 (se = √(0.1·0.9/2000) ≈ 0.0067; 4 se)
    assert abs(d["cancelled"][:, ROAD].mean() - 0.1) < 4 * math.sqrt(0.09 / N)


def test_under_construction_keeps_its_start_and_samples_only_the_remaining_work(scenario, write):
    """Report mid-2023, started 2022.25, 40% done: COD = 2023.5 + 0.6 × build × ratio in each draw."""
    ledger = write("ledger.csv", HEADER + "park,2023.5,under_construction,2022.25,40%,\n")
    result = run(scenario, ledger)
    d, draws = result.data.detail, result.draws()
    build = draws["projects.park.build_years"].to_numpy()
    ratio = draws["projects.park.duration_ratio"].to_numpy()
    assert np.ptp(build) > 1 and np.ptp(ratio) > 0.5                  # really sampled
    np.testing.assert_allclose(d["cod"][:, PARK], 2023.5 + 0.6 * build * ratio, rtol=0, atol=1e-12)
    assert np.all(d["start"][:, PARK] == 2022.25)
    assert not d["cancelled"][:, PARK].any()                          # it is being built
    assert np.all(d["start"][:, PLANT] >= d["cod"][:, PARK])          # finish-to-start still holds


def test_not_started_projects_never_start_before_the_report_date(scenario, write):
    """Road: sampled start 2021 + U(0, 2); reported not started at 2022.0, so start = max(sampled, 2022)
    and the build time is unchanged."""
    ledger = write("ledger.csv", HEADER + "road,2022.0,not_started,,,\n")
    result = run(scenario, ledger)
    d, draws = result.data.detail, result.draws()
    sampled = 2021.0 + draws["projects.road.start_delay"].to_numpy()
    assert 0.3 < (sampled < 2022.0).mean() < 0.7                      # both cases occur
    np.testing.assert_array_equal(d["start"][:, ROAD], np.maximum(sampled, 2022.0))
    assert np.all(d["start"][:, ROAD] >= 2022.0)
    build = draws["projects.road.build_years"].to_numpy() * draws["projects.road.duration_ratio"].to_numpy()
    np.testing.assert_allclose(d["cod"][:, ROAD] - d["start"][:, ROAD], build, rtol=0, atol=1e-12)


def test_the_latest_report_of_a_project_counts(scenario, write):
    """The file is not in date order: the mid-2023 report wins over the 2022 ones (whatever their order)."""
    ledger = write("ledger.csv", HEADER
                   + "park,2022.0,not_started,,,\n"
                   + "park,2023.5,under_construction,2022.25,40%,\n"
                   + "park,2022.5,cancelled,,,\n")
    entries = load_ledger(ledger, ["park", "plant", "road"], 2020, 2028)
    assert list(entries) == ["park"]
    assert (entries["park"].status, entries["park"].report_date) == ("under_construction", 2023.5)
    assert (entries["park"].actual_start, entries["park"].share_complete) == (2022.25, 0.4)
    d = run(scenario, ledger, n=300).data.detail
    assert not d["cancelled"][:, PARK].any() and np.all(d["start"][:, PARK] == 2022.25)


def test_chinese_statuses_in_a_gb18030_ledger(tmp_path):
    text = (HEADER.rstrip("\n") + ",note\n"
            + "park,2023.5,在建,2022.25,40%,,县发改委台账\n"
            + "road,2023.5,投产,2021.0,,2023.0,\n"
            + "plant,2023.5,取消,,,,\n")
    path = tmp_path / "ledger.csv"
    path.write_bytes(text.encode("gb18030"))
    entries = load_ledger(path, ["park", "plant", "road"], 2020, 2028)
    assert {k: e.status for k, e in entries.items()} == {
        "park": "under_construction", "road": "operating", "plant": "cancelled"}


# --------------------------------------------------------------------------- the summary
def test_summary_reports_slips_and_the_probability_without_the_ledger(scenario, write, cli, tmp_path):
    """Park: started 2022.25 against a plan of 2021.5 (slip 0.75). Road: not started at 2023.5 while every
    sampled start (2021 + U(0, 2)) is earlier, so it starts at 2023.5 (slip 2.5). Planned COD = planned
    start + median build (park 3, road 2). probability_without_ledger is the same run without the file."""
    ledger = write("ledger.csv", HEADER + "park,2023.5,under_construction,2022.25,40%,\n"
                   + "road,2023.5,not_started,,,\n")
    result = run(scenario, ledger)
    report = result.summary()["ledger"]
    rows = {r["id"]: r for r in report["projects"]}
    assert set(rows) == {"park", "road"}
    assert rows["park"]["status"] == "under_construction" and rows["road"]["status"] == "not_started"
    assert rows["park"]["start_slip_years"] == pytest.approx(0.75, abs=1e-12)
    assert rows["road"]["start_slip_years"] == pytest.approx(2.5, abs=1e-12)
    d = result.data.detail
    for ident, j, planned_cod in (("park", PARK, 2024.5), ("road", ROAD, 2023.0)):
        live = ~d["cancelled"][:, j]
        assert rows[ident]["planned_cod"] == pytest.approx(planned_cod, abs=1e-12)
        assert rows[ident]["cod_p50"] == pytest.approx(np.median(d["cod"][live, j]), abs=1e-12)
        assert rows[ident]["cod_slip_years_p50"] == pytest.approx(rows[ident]["cod_p50"] - planned_cod, abs=1e-12)
    slips = [r["cod_slip_years_p50"] for r in report["projects"]]
    assert slips == sorted(slips, reverse=True)                       # most behind plan first
    without = run(scenario).summary()["targets"][0]["probability"]
    assert report["probability_without_ledger"] == {"growth": without}
    assert run(scenario).summary()["ledger"] is None

    # the command shows the same and records the ledger file
    out = tmp_path / "run"
    res = cli("run", scenario, "--ledger", ledger, "--draws", N, "--seed", 5, "--out", out, "--no-charts", "--json")
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["ledger"]["probability_without_ledger"] == {"growth": without}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert any(k.endswith("ledger.csv") for k in manifest["input_files"])


# --------------------------------------------------------------------------- bad files
@pytest.mark.parametrize("row, column, message", [
    pytest.param("parc,2023.5,operating,2021.0,,2023.0", "project",
                 "unknown project id 'parc' (did you mean 'park'?)", id="unknown-project"),
    pytest.param("park,2023.5,finished,2021.0,,2023.0", "status", "unknown status 'finished'", id="unknown-status"),
    pytest.param("park,2023.5,operating,2021.0,,", "actual_cod", "required for status operating",
                 id="operating-without-cod"),
    pytest.param("park,2023.5,under_construction,,50%,", "actual_start", "required for status under_construction",
                 id="building-without-start"),
    pytest.param("park,2023.5,under_construction,2023.75,50%,", "actual_start",
                 "2023-10-02 is after the report date 2023-07-02", id="start-after-report"),
    pytest.param("park,2023.5,operating,2021.0,,2024.0", "actual_cod", "2024-01-01 is after the report date 2023-07-02",
                 id="cod-after-report"),
    pytest.param("park,2023.5,under_construction,2022.0,140%,", "share_complete", "expected a share in [0, 1]",
                 id="share-above-one"),
    pytest.param("park,2035.0,not_started,,,", "report_date", "outside the scenario's years", id="report-outside"),
])
def test_bad_ledger_rows_exit_2_naming_file_row_and_column(cli, scenario, write, tmp_path, row, column, message):
    path = write("bad-ledger.csv", HEADER + "road,2023.5,not_started,,,\n" + row + "\n")
    out = tmp_path / "run"
    res = cli("run", scenario, "--ledger", path, "--draws", 50, "--out", out, "--quiet")
    assert res.exit_code == 2
    assert f"bad-ledger.csv:3: {column}: {message}" in res.stderr
    assert "nothing was run" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()


def test_a_row_without_report_date_is_an_error(cli, scenario, write, tmp_path):
    path = write("bad-ledger.csv", HEADER + "park,,operating,2021.0,,2023.0\n")
    res = cli("run", scenario, "--ledger", path, "--draws", 50, "--out", tmp_path / "run", "--quiet", "--no-charts")
    assert res.exit_code == 2
    assert "bad-ledger.csv:2: report_date:" in res.stderr
