"""portfolio diff: the inputs that differ between two resolved scenarios, with both values, units and
where each came from; inputs that read the same are not differences."""
from __future__ import annotations

import json

from portfolio.scenario.diff import change_text, diff_scenarios
from portfolio.scenario.workbook import write_workbook
from tests.conftest import CHUXIONG, REPO


def _line(where: str) -> str:
    file, line = where.rsplit(":", 1)
    return (REPO / file).read_text(encoding="utf-8").splitlines()[int(line) - 1]


def test_a_delayed_airport_differs_in_its_start_and_its_meta(monkeypatch):
    monkeypatch.chdir(REPO)
    changes = {c.input: c for c in diff_scenarios(CHUXIONG / "baseline.yaml", CHUXIONG / "airport-delayed.yaml")}
    assert set(changes) == {"meta.name", "meta.title.zh", "meta.title.en", "meta.description",
                            "projects.airport.planned_start"}
    start = changes["projects.airport.planned_start"]
    assert (start.before, start.after) == ("2023.0", "2025.0")
    assert start.before_from.startswith("scenarios/chuxiong/projects.csv:") and _line(start.before_from).startswith("airport,")
    assert start.after_from.startswith("scenarios/chuxiong/airport-delayed.yaml:")
    assert "planned_start: 2025" in _line(start.after_from)


def test_a_scenario_and_its_workbook_do_not_differ(tmp_path):
    book = write_workbook(CHUXIONG / "baseline.yaml", tmp_path / "b.xlsx")
    assert diff_scenarios(CHUXIONG / "baseline.yaml", book) == []


def test_values_that_read_the_same_are_not_differences():
    same = ["economy.gdp=1,372 亿元", "economy.capital_share=pert(0.4, 0.5, 0.6)",
            "projects.airport.planned_start=2023-01-01"]
    assert diff_scenarios(CHUXIONG / "baseline.yaml", CHUXIONG / "baseline.yaml", overrides_b=same) == []


def test_an_input_one_side_leaves_unset_shows_its_default_and_a_bare_number_its_unit():
    changes = diff_scenarios(CHUXIONG / "baseline.yaml", CHUXIONG / "baseline.yaml",
                             overrides_b=["projects.wind_1.ramp_years=4", "economy.investment_rate=0.75"])
    ramp, rate = sorted(changes, key=lambda c: c.input, reverse=True)
    assert (ramp.input, ramp.before, ramp.after, ramp.unit) == ("projects.wind_1.ramp_years", "default 1", "4", "years")
    assert (ramp.before_from, ramp.after_from) == (None, "--set")
    assert (rate.before, rate.after, rate.unit) == ("pert(0.60, 0.71, 0.83)", "0.75", "")
    line = change_text(rate)
    assert line.startswith("economy.investment_rate: pert(0.60, 0.71, 0.83) → 0.75  (") and line.endswith(" → --set)")
    assert "baseline.yaml:" in line


def test_the_diff_command_prints_a_line_per_change_and_json(cli, tmp_path):
    out = cli("diff", CHUXIONG / "baseline.yaml", CHUXIONG / "high-investment.yaml")
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].startswith("5 inputs differ between")
    assert any(line.strip().startswith("economy.investment_rate: pert(0.60, 0.71, 0.83) → pert(0.65, 0.76, 0.88)")
               for line in lines)
    data = json.loads(cli("diff", CHUXIONG / "baseline.yaml", CHUXIONG / "high-investment.yaml", "--json").output)
    assert len(data["changes"]) == 5 and {"input", "before", "after", "unit", "before_from", "after_from"} == \
        set(data["changes"][0])
    book = write_workbook(CHUXIONG / "baseline.yaml", tmp_path / "b.xlsx")
    assert "are the same scenario" in cli("diff", CHUXIONG / "baseline.yaml", book).output
