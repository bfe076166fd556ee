"""``portfolio export``: the workbook's sheets hold the run's CSV values exactly, with units in the
headers, frozen header rows and column widths that fit."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from test_charts import CHUXIONG, shared_run


def run_cli(*args):
    from portfolio.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="session")
def chuxiong_run(tmp_path_factory) -> Path:
    return shared_run(tmp_path_factory, "chuxiong", CHUXIONG)


@pytest.fixture(scope="module")
def workbook(chuxiong_run, tmp_path_factory):
    import openpyxl

    out = tmp_path_factory.mktemp("xlsx") / "run.xlsx"
    result = run_cli("export", chuxiong_run, "--xlsx", out)
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(out)


def test_workbook_has_the_run_tables_and_the_schedule_sheets(workbook):
    assert workbook.sheetnames == ["summary", "years", "projects", "energy", "criticality", "s_curves", "groups",
                                   "assumptions"]


@pytest.mark.parametrize("name", ["years", "projects", "energy", "criticality", "s_curves", "groups"])
def test_table_sheets_equal_the_run_csv_files(workbook, chuxiong_run, name):
    from portfolio.outputs.export import header_column

    csv = pd.read_csv(chuxiong_run / f"{name}.csv")
    ws = workbook[name]
    rows = list(ws.iter_rows(values_only=True))
    assert [header_column(h) for h in rows[0]] == list(csv.columns)
    assert len(rows) - 1 == len(csv)
    for row, (_, expected) in zip(rows[1:], csv.iterrows()):
        for value, (column, want) in zip(row, expected.items()):
            if isinstance(want, float) and math.isnan(want):
                assert value is None, column
            elif isinstance(want, float):
                assert value == pytest.approx(want, rel=1e-15, abs=1e-300), column
            elif column.endswith("_date") or column == "date":        # an Excel date cell
                assert value.date().isoformat() == want, column
            else:
                assert value == want, column


def test_headers_carry_units_and_cells_are_formatted(workbook):
    years = [c.value for c in workbook["years"][1]]
    assert "gdp_p50 (亿元)" in years and "growth_p50 (%)" in years and "capex_spent_mean (亿元)" in years
    assert "energy_capacity_mw_p10 (MW)" in years and "capex_cumulative_p50 (亿元)" in years
    energy = [c.value for c in workbook["energy"][1]]
    assert "capacity_mw_mean (MW)" in energy and "generation_gwh_p90 (GWh)" in energy
    assert "co2_avoided_mt_p50 (Mt CO2)" in energy and "value_added_yi_mean (亿元)" in energy
    projects = [c.value for c in workbook["projects"][1]]
    assert "cod_p50 (decimal year)" in projects and "p_cancelled (probability)" in projects
    growth = workbook["years"].cell(row=3, column=years.index("growth_p50 (%)") + 1)
    assert growth.number_format == "0.00%"


def test_sheets_have_frozen_bold_headers_and_fitting_widths(workbook):
    from openpyxl.utils import get_column_letter

    for ws in workbook.worksheets:
        assert ws.freeze_panes in ("A2", "B2"), ws.title
        assert all(c.font.bold for c in ws[1] if c.value is not None), ws.title
        for i in range(1, ws.max_column + 1):
            width = ws.column_dimensions[get_column_letter(i)].width
            assert 8 <= width <= 62, (ws.title, i, width)
    names = workbook["projects"]
    name_zh = [c.value for c in names[1]].index("name_zh") + 1
    longest = max(len(str(c.value)) for (c,) in names.iter_rows(min_row=2, min_col=name_zh, max_col=name_zh))
    assert names.column_dimensions[get_column_letter(name_zh)].width >= min(60, 2 * longest)  # CJK is wide


def test_summary_sheet_matches_summary_json(workbook, chuxiong_run):
    summary = json.loads((chuxiong_run / "summary.json").read_text(encoding="utf-8"))
    items = {row[0]: row[1] for row in workbook["summary"].iter_rows(min_row=2, values_only=True)}
    assert items["draws"] == summary["draws"] == 2000
    assert items["seed"] == summary["seed"]
    for t in summary["targets"]:
        assert items[f"target.{t['name']}.probability"] == pytest.approx(t["probability"], rel=1e-15)
        assert items[f"target.{t['name']}.ci95_low"] == pytest.approx(t["ci95"][0], rel=1e-15)
    manifest = json.loads((chuxiong_run / "manifest.json").read_text(encoding="utf-8"))
    for label, entry in manifest["input_files"].items():
        assert items[f"input.{label}.sha256"] == entry["sha256"]


def test_assumptions_sheet_lists_every_input_with_range_and_source(workbook):
    rows = list(workbook["assumptions"].iter_rows(values_only=True))
    assert rows[0][:3] == ("section", "input", "value or distribution")
    by_input = {r[1]: r for r in rows[1:]}
    share = by_input["economy.capital_share"]
    assert share[2] == "pert(0.40, 0.50, 0.60)" and 0.4 < share[3] < share[5] < 0.6
    assert "capital_share_alpha" in share[6]
    assert len([r for r in rows[1:] if r[0].startswith("projects.")]) >= 25 * 4
    assert by_input["projects.airport.capex"][6].startswith("facts projects.airport")


def test_export_command_errors(tmp_path):
    result = run_cli("export", tmp_path / "nowhere", "--xlsx", tmp_path / "x.xlsx")
    assert result.exit_code == 2 and "no such run folder" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()
    assert run_cli("export", tmp_path).exit_code == 2                 # --xlsx is required
