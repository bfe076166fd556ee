"""A run as an Excel workbook: sheets ``summary``, ``years``, ``projects``, ``energy``, the schedule-risk
sheets ``criticality``, ``s_curves`` and ``groups`` (when the run has them), and ``assumptions``.

The ``years``, ``projects`` and ``energy`` sheets hold exactly the values of the run folder's CSV files
(fractions stay fractions; cells are formatted so Excel shows them as %; ``*_date`` columns are Excel
date cells), with the unit in each header as ``column (unit)``. Every sheet has a frozen, bold header row, an auto-filter and column widths that
fit their contents (CJK characters count double).
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from portfolio.outputs import texts as L
from portfolio.outputs.folders import save_zip_atomic
from portfolio.outputs.rundata import RunData
from portfolio.scenario.cells import text_cells

PERCENT = "0.00%"
YEAR_FMT = "0.00"
MONEY = "#,##0.00"
MAX_WIDTH = 60
DATE_FMT = "yyyy-mm-dd"


def column_unit(sheet: str, column: str) -> tuple[str, str | None]:
    """(unit, number format) of a CSV column."""
    if sheet == "s_curves":
        return {"date": ("date", DATE_FMT), "year": ("decimal year", "0.000")}.get(column, ("probability", "0.0%"))
    if sheet == "criticality":
        if column.startswith("criticality"):
            return "probability", "0.0%"
        if column == "cruciality":
            return "rank correlation", "0.00"
    if column in ("year",):
        return "", "0"
    if column in ("id", "name_zh", "name_en", "kind", "technology"):
        return "", None
    if re.match(r"(gdp|capex_spent|capex_cumulative|portfolio_gdp)_", column):
        return "亿元", MONEY
    if column.startswith("capital_output_ratio_"):
        return "years of output", "0.000"
    if column == "contraction_share":
        return "probability", "0.0%"
    if column.startswith("investment_rate_total_"):
        return "share of GDP", PERCENT
    if column.startswith("growth_"):
        return "%", PERCENT
    if column.startswith("contribution_"):
        return "pp of growth, as %", PERCENT
    if column.startswith(("energy_capacity_mw", "capacity_mw")):
        return "MW", "#,##0.0"
    if column.startswith(("energy_generation_gwh", "generation_gwh")):
        return "GWh", "#,##0.0"
    if column.startswith("value_added_yi"):
        return "亿元", MONEY
    if column.startswith("co2_avoided_mt"):
        return "Mt CO2", "0.000"
    if column.endswith("_date"):
        return "date", DATE_FMT
    if column.endswith("_sd") and column.startswith(("start_", "cod_")):
        return "years", YEAR_FMT
    if column.startswith(("planned_", "start_p", "cod_p", "start_mean", "cod_mean")):
        return "decimal year", YEAR_FMT
    if column.startswith(("p_cancelled", "p_operating_")):
        return "probability", "0.0%"
    if column == "miss_increase_if_late":
        return "probability points", "0.0%"
    return "", None


def header(sheet: str, column: str) -> str:
    unit, _ = column_unit(sheet, column)
    return f"{column} ({unit})" if unit else column


def header_column(text: str) -> str:
    """The CSV column name of a workbook header (the text before `` (unit)``)."""
    return text.split(" (", 1)[0]


def _width(value) -> int:
    if value is None:
        return 0
    text = f"{value:,.2f}" if isinstance(value, float) else str(value)
    return L.width(text)


def _finish(ws, widths: list[int], wrap_from: int | None = None) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    text_cells(ws)                        # a text from the input is a text cell, never a formula
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EDEDED")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "B2" if ws.max_column > 3 and ws.title != "summary" else "A2"
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, min(MAX_WIDTH, w + 2))
    if wrap_from is not None:
        for row in ws.iter_rows(min_row=2, min_col=wrap_from):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _table_sheet(wb, name: str, frame) -> None:
    ws = wb.create_sheet(name)
    columns = list(frame.columns)
    ws.append([header(name, c) for c in columns])
    formats = [column_unit(name, c)[1] for c in columns]
    widths = [min(_width(header(name, c)), 28) for c in columns]
    dated = [i for i, fmt in enumerate(formats) if fmt == DATE_FMT]
    for row in frame.itertuples(index=False):
        values = [None if (isinstance(v, float) and v != v) else (v.item() if hasattr(v, "item") else v)
                  for v in row]
        for i in dated:                       # "2024-06-30" → an Excel date cell
            values[i] = dt.date.fromisoformat(values[i]) if isinstance(values[i], str) and values[i] else None
        ws.append(values)
        for i, v in enumerate(values):
            widths[i] = max(widths[i], _width(v))
    for j, fmt in enumerate(formats, start=1):
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
    _finish(ws, widths)


def summary_rows(data: RunData, lang: str) -> list[tuple]:
    """(item, value, unit) rows of the summary sheet."""
    s = data.summary
    m = data.manifest or {}
    rows = [("scenario", s.get("scenario"), ""), ("title", L.pick(s.get("title"), lang), ""),
            ("draws", s.get("draws"), ""), ("seed", s.get("seed"), ""), ("sampler", s.get("sampler"), ""),
            ("package_version", m.get("package_version") or s.get("package_version"), ""),
            ("invalid_draws", s.get("invalid_draws"), "")]
    for t in s.get("targets", []):
        unit = {"average_growth": "fraction", "min_growth": "fraction", "gdp_level": "亿元",
                "energy_capacity": "MW", "completion": "years of slack (by − finish)"}.get(t.get("metric"), "")
        name = t["name"]
        rows += [(f"target.{name}.label", L.pick(t.get("label"), lang, name), ""),
                 (f"target.{name}.metric", t.get("metric"), ""),
                 (f"target.{name}.window", "–".join(str(y) for y in t.get("window") or []), ""),
                 (f"target.{name}.threshold", t.get("threshold"), unit),
                 (f"target.{name}.probability", t.get("probability"), "probability"),
                 (f"target.{name}.ci95_low", (t.get("ci95") or [None, None])[0], "probability"),
                 (f"target.{name}.ci95_high", (t.get("ci95") or [None, None])[1], "probability")]
        rows += [(f"target.{name}.outcome_{q}", v, unit) for q, v in (t.get("outcome") or {}).items()]
        rows += [(f"target.{name}.shortfall_{k}", v, unit) for k, v in (t.get("shortfall") or {}).items()]
        if t.get("metric") == "completion":
            rows += [(f"target.{name}.project", t.get("project"), ""), (f"target.{name}.by", t.get("by_date"), "date")]
            rows += [(f"target.{name}.finish_{q}", v, "date") for q, v in (t.get("finish_dates") or {}).items()]
            rows += [(f"target.{name}.p_cancelled", t.get("p_cancelled"), "probability")]
            rows += [(f"target.{name}.critical.{c['id']}", c.get("criticality"), "probability")
                     for c in t.get("critical_path") or []]
    avg = s.get("average_growth") or {}
    rows += [(f"average_growth.{k}", v, "fraction") for k, v in avg.items() if k != "window"]
    gdp = s.get("gdp") or {}
    rows += [(f"gdp_{gdp.get('year')}.{k}", v, "亿元") for k, v in gdp.items() if k not in ("year", "unit")]
    c = s.get("contributions") or {}
    rows += [(f"contribution.{k}", v, "pp per year") for k, v in c.items() if k not in ("window", "unit")]
    econ = s.get("economy") or {}
    if econ:
        ky, icor = econ["capital_output_ratio"], econ["portfolio_icor"]
        rows += [(f"capital_output_ratio_{econ['window'][0] - 1}", ky["from"], "years of output"),
                 (f"capital_output_ratio_{econ['window'][1]}", ky["to"], "years of output"),
                 ("investment_rate_total.mean", econ["investment_rate_total"]["mean"], "fraction of GDP"),
                 ("portfolio_icor", icor["value"], "亿元 capex per 亿元 GDP added"),
                 ("portfolio_icor.capex", icor["capex"], "亿元"),
                 ("portfolio_icor.gdp_added", icor["gdp_added"], "亿元")]
    e = s.get("energy") or {}
    rows += [(f"energy_{e.get('year')}.{k}", v, "MW") for k, v in e.items()
             if k not in ("year", "unit", "technologies")]
    for r in s.get("critical_projects") or []:
        rows.append((f"critical.{r['id']}.miss_increase", r.get("miss_increase"), "probability points"))
        if r.get("ci95"):
            rows += [(f"critical.{r['id']}.ci95_low", r["ci95"][0], "probability points"),
                     (f"critical.{r['id']}.ci95_high", r["ci95"][1], "probability points")]
    for label, entry in (m.get("input_files") or {}).items():
        rows.append((f"input.{label}.sha256", entry.get("sha256"), ""))
    return rows


def write_xlsx(folder, out, lang: str | None = None) -> Path:
    """Write the workbook of a run folder to ``out``; return its path."""
    from openpyxl import Workbook

    from portfolio.outputs.report.run import assumption_rows

    data = RunData.from_folder(folder)
    lang = lang or data.language
    wb = Workbook()
    ws = wb.active
    ws.title = "summary"
    ws.append(["item", "value", "unit"])
    widths = [4, 5, 4]
    for row in summary_rows(data, lang):
        row = tuple(", ".join(str(x) for x in v) if isinstance(v, (list, tuple)) else
                    str(v) if isinstance(v, dict) else v for v in row)
        ws.append(list(row))
        widths = [max(w, _width(v)) for w, v in zip(widths, row)]
        if row[2] in ("probability", "fraction", "probability points") and isinstance(row[1], float):
            ws.cell(ws.max_row, 2).number_format = "0.00%"
    _finish(ws, widths)
    for name in ("years", "projects", "energy"):
        _table_sheet(wb, name, getattr(data, name))
    for name in ("criticality", "s_curves", "groups"):
        if len(data.schedule.get(name, ())):
            _table_sheet(wb, name, data.schedule[name])
    ws = wb.create_sheet("assumptions")
    columns = ["section", "input", "value or distribution", "p5 (base unit)", "p50 (base unit)",
               "p95 (base unit)", "source"]
    ws.append(columns)
    widths = [_width(c) for c in columns]
    for r in assumption_rows(data, lang):
        row = [r["section"], r["input"], r["spec"], r["p5"], r["p50"], r["p95"], r["source"]]
        ws.append(row)
        widths = [max(w, _width(v)) for w, v in zip(widths, row)]
    for col in (4, 5, 6):
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = "0.0000"
    _finish(ws, widths, wrap_from=7)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_zip_atomic(out, wb.save)
    return out
