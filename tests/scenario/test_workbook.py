"""The input workbook: a scenario written to Excel reads back as the same scenario, edits made as Excel
makes them are read, and every problem is located as FILE.xlsx:Sheet!CELL."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from portfolio.problems import InputError
from portfolio.scenario.loading import load_scenario
from portfolio.scenario.workbook import SECTIONS, write_workbook
from portfolio.uncertainty.dates import decimal_year
from portfolio.uncertainty.quantities import Dist
from tests.conftest import CHUXIONG, REPO

SHIPPED = sorted(p for p in (REPO / "scenarios").rglob("*.yaml") if "sweeps" not in p.parts and
                 "sources" not in p.parts)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_reads_back_from_its_workbook_as_the_same_scenario(path, tmp_path):
    original = load_scenario(path)
    book = write_workbook(original, tmp_path / "scenario.xlsx")
    assert load_scenario(book).model_dump() == original.model_dump()


def test_the_minimal_scenario_and_an_override_round_trip(minimal, tmp_path):
    book = write_workbook(minimal, tmp_path / "s.xlsx", overrides=["economy.tfp_growth=pert(0.01, 0.015, 0.03)"])
    again = load_scenario(book)
    assert again.model_dump() == load_scenario(minimal, ["economy.tfp_growth=pert(0.01, 0.015, 0.03)"]).model_dump()
    assert isinstance(again.economy.tfp_growth, Dist)


def _rows(sheet):
    return {row[0].value: row for row in sheet.iter_rows(min_row=2)}


def test_a_workbook_has_a_row_per_input_with_its_unit_distribution_and_origin(tmp_path):
    book = openpyxl.load_workbook(write_workbook(CHUXIONG / "baseline.yaml", tmp_path / "b.xlsx"))
    assert [s for s in book.sheetnames if s in SECTIONS] == list(SECTIONS)
    header = [c.value for c in book["economy"][1]]
    economy = _rows(book["economy"])
    gdp = dict(zip(header, (c.value for c in economy["economy.gdp"])))
    assert (gdp["value"], gdp["unit"]) == (1372, "亿元") and gdp["from"].startswith("scenarios/chuxiong/baseline.yaml:")
    ratio = dict(zip(header, (c.value for c in economy["economy.capital_output_ratio"])))
    assert (ratio["value"], ratio["distribution"], ratio["low"], ratio["mode"], ratio["high"]) == (None, "pert", 2.8, 3.4, 4.6)
    as_of = _rows(book["meta"])["meta.as_of"][1]
    assert as_of.is_date and as_of.value.date() == dt.date(2021, 6, 17)
    assert "energy.technologies.pv.capex_per_kw.2021" in _rows(book["energy"])
    assert "uncertainty.correlations[0].rank" in _rows(book["uncertainty"])
    projects = [c.value for c in book["projects"][1]]
    assert projects[:4] == ["id", "name_zh", "name_en", "kind"]
    lists = {dv.formula1 for sheet in book for dv in sheet.data_validations.dataValidation}
    assert any("lists!$A$" in f for f in lists) and any("lists!$E$" in f for f in lists)   # kinds, distributions
    kinds = [c.value for c in book["lists"]["A"][1:] if c.value]
    assert "energy" in kinds and "milestone" in kinds


def _edit(path: Path, out: Path, edits) -> Path:
    book = openpyxl.load_workbook(path)
    for sheet, key, column, value in edits:
        header = [c.value for c in book[sheet][1]]
        _rows(book[sheet])[key][header.index(column)].value = value
    book.save(out)
    return out


def test_edits_as_excel_makes_them_are_read(tmp_path):
    """A planner's three changes: a date cell, a full-width number with thousands, a distribution's mode."""
    book = write_workbook(CHUXIONG / "baseline.yaml", tmp_path / "b.xlsx")
    edited = _edit(book, tmp_path / "edited.xlsx", [
        ("projects", "airport", "planned_start", dt.datetime(2023, 5, 19)),
        ("economy", "economy.gdp", "value", "１，４００"),
        ("economy", "economy.investment_rate", "mode", 0.68)])
    scenario = load_scenario(edited)
    assert scenario.project("airport").planned_start == decimal_year(dt.date(2023, 5, 19))
    assert scenario.economy.gdp == 1400
    assert dict(scenario.economy.investment_rate.params)["mode"] == 0.68
    baseline = load_scenario(CHUXIONG / "baseline.yaml")
    assert scenario.project("wind_1") == baseline.project("wind_1")     # nothing else moved


def test_every_problem_in_a_workbook_is_located_by_sheet_and_cell(tmp_path):
    book = write_workbook(CHUXIONG / "baseline.yaml", tmp_path / "b.xlsx")
    broken = _edit(book, tmp_path / "broken.xlsx", [
        ("economy", "economy.gdp", "value", "lots"),
        ("economy", "economy.capital_output_ratio", "mode", None),
        ("projects", "pv_2", "kind", "energi")])
    with pytest.raises(InputError) as caught:
        load_scenario(broken)
    text = str(caught.value)
    assert "broken.xlsx:economy!B2: economy.gdp: expected a number" in text
    assert "broken.xlsx:economy!B3: economy.capital_output_ratio: pert: missing key(s) 'mode'" in text
    assert "broken.xlsx:projects!D3: projects.pv_2.kind: expected one of 'energy'" in text


def test_a_mistyped_input_path_and_a_value_beside_a_distribution_are_refused(tmp_path):
    book = write_workbook(CHUXIONG / "baseline.yaml", tmp_path / "b.xlsx")
    edited = openpyxl.load_workbook(book)
    edited["economy"]["B3"] = 3.5                       # capital_output_ratio also has its pert columns
    edited["economy"].append(["economy.gdp", 1500])       # given twice
    edited.save(tmp_path / "bad.xlsx")
    with pytest.raises(InputError) as caught:
        load_scenario(tmp_path / "bad.xlsx")
    text = str(caught.value)
    assert "bad.xlsx:economy!B3: economy.capital_output_ratio: both a value (3.5) and a distribution ('pert'); keep " \
           "one" in text
    assert "bad.xlsx:economy!A26: economy.gdp: given twice (first in row 2)" in text
    mistyped = openpyxl.load_workbook(book)
    mistyped["targets"]["A3"] = "targets.growth_2021_2025.lable.en"
    mistyped.save(tmp_path / "mistyped.xlsx")
    with pytest.raises(InputError) as caught:
        load_scenario(tmp_path / "mistyped.xlsx")
    assert "mistyped.xlsx:targets!B3: targets.growth_2021_2025.lable: unknown key (did you mean 'label'?)" in \
        str(caught.value)


def test_a_register_workbook_is_not_taken_for_a_scenario(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["id", "name_zh"])
    book.save(tmp_path / "register.xlsx")
    with pytest.raises(InputError, match="not a scenario workbook: it has no 'meta' sheet"):
        load_scenario(tmp_path / "register.xlsx")


def test_the_workbook_command_writes_a_workbook_that_validates(cli, tmp_path):
    out = tmp_path / "baseline.xlsx"
    written = cli("workbook", CHUXIONG / "baseline.yaml", "--out", out)
    assert written.exit_code == 0, written.output
    assert f"portfolio run {out}" in written.output
    again = cli("workbook", CHUXIONG / "baseline.yaml", "--out", out)
    assert again.exit_code == 2 and "exists; pass --force" in again.output
    checked = cli("validate", out)
    assert checked.exit_code == 0 and "OK" in checked.output and "24 projects" in checked.output
