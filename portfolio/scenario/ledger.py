"""The project ledger (台账): each project's reported state, to condition its schedule on.

A ledger file (CSV or XLSX) has one row per project and report date: ``project`` (id), ``report_date``,
``status`` (``not_started`` / ``under_construction`` / ``operating`` / ``cancelled``; the Chinese
未开工 / 在建 / 投产 / 取消 are accepted too), ``actual_start``, ``share_complete`` (share of the
work done or spent, 0–1 or a percentage) and ``actual_cod``. The latest report of each project counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from portfolio.problems import InputError, Problem
from portfolio.scenario.register import check_columns, read_table
from portfolio.uncertainty.dates import date_text, parse_year
from portfolio.uncertainty.units import UnitError, parse_quantity


@dataclass(frozen=True)
class LedgerEntry:
    """A project's reported state (台账) at ``report_date`` [decimal year].

    status: ``not_started`` (it starts no earlier than the report date), ``under_construction``
    (started at ``actual_start``; ``share_complete`` of the work done, the rest still takes its
    sampled time), ``operating`` (fixed ``actual_start`` and ``actual_cod``), ``cancelled``.
    """

    status: str
    report_date: float
    actual_start: float | None = None
    share_complete: float | None = None
    actual_cod: float | None = None


STATUS = {"not_started": "not_started", "未开工": "not_started", "under_construction": "under_construction",
          "在建": "under_construction", "operating": "operating", "投产": "operating", "建成投产": "operating",
          "cancelled": "cancelled", "取消": "cancelled", "canceled": "cancelled"}
COLUMNS = {"project", "report_date", "status", "actual_start", "share_complete", "actual_cod", "note", "source"}


class Ledger(dict):
    """{project id: LedgerEntry} read from ``path``."""

    def __init__(self, entries: dict, path: str | None = None):
        super().__init__(entries)
        self.path = path


def load_ledger(path: str | Path, project_ids: list[str], base_year: int, horizon: int) -> Ledger:
    """{project id: latest LedgerEntry}; InputError naming file, row and column for every problem."""
    from portfolio.scenario.loading import label_for

    path = Path(path)
    label = label_for(path)
    header, rows = read_table(path, label)
    problems = check_columns(header, COLUMNS, {"project", "report_date", "status"}, label)
    if problems:
        raise InputError(problems)
    latest: dict[str, tuple[float, int, LedgerEntry]] = {}
    for line, row in rows:
        where = lambda key: (label, line, key)  # noqa: E731
        ident = str(row.get("project", ""))
        if ident not in project_ids:
            import difflib

            hint = difflib.get_close_matches(ident, project_ids, n=1)
            problems.append(Problem(*where("project"), f"unknown project id '{ident}'"
                                    + (f" (did you mean '{hint[0]}'?)" if hint else "")))
            continue
        status = STATUS.get(str(row.get("status", "")).strip().lower())
        if status is None:
            problems.append(Problem(*where("status"), f"unknown status {row.get('status')!r} (expected "
                                    "not_started, under_construction, operating or cancelled)"))
            continue
        values: dict = {}
        for key in ("report_date", "actual_start", "actual_cod"):
            if key in row:
                try:
                    values[key] = parse_year(row[key])
                except UnitError as exc:
                    problems.append(Problem(*where(key), str(exc)))
        if "share_complete" in row:
            try:
                values["share_complete"] = parse_quantity(row["share_complete"], "fraction")
                if not 0 <= values["share_complete"] <= 1:
                    raise UnitError(f"expected a share in [0, 1], got {values['share_complete']:g}")
            except UnitError as exc:
                problems.append(Problem(*where("share_complete"), str(exc)))
        if "report_date" not in values:
            if "report_date" not in row:  # an empty cell (a date that failed to parse is reported above)
                problems.append(Problem(*where("report_date"), "missing value (required)"))
            continue
        needs = {"operating": ("actual_cod",), "under_construction": ("actual_start",)}.get(status, ())
        missing = [k for k in needs if k not in values]
        if missing:
            problems.append(Problem(*where(missing[0]), f"required for status {status}"))
            continue
        for key in ("actual_start", "actual_cod"):
            if key in values and values[key] > values["report_date"]:
                problems.append(Problem(*where(key), f"{date_text(values[key])} is after the report date "
                                        f"{date_text(values['report_date'])}"))
        if not base_year <= values["report_date"] <= horizon + 1:
            problems.append(Problem(*where("report_date"), f"outside the scenario's years {base_year}–{horizon}"))
        entry = LedgerEntry(status, values["report_date"], values.get("actual_start"),
                            values.get("share_complete"), values.get("actual_cod"))
        if ident not in latest or entry.report_date >= latest[ident][0]:
            latest[ident] = (entry.report_date, line, entry)
    if problems:
        raise InputError(problems)
    return Ledger({ident: entry for ident, (_, _, entry) in latest.items()}, str(path))
