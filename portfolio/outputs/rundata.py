"""What charts, reports and exports read — and what ``portfolio.open_run(folder)`` gives a notebook: a
run's saved tables, loaded the same way from a run folder or from a ``Result`` in memory.

``RunData.from_folder(path)`` reads ``summary.json``, ``years.csv``, ``projects.csv``, ``energy.csv``,
the few ``draws.parquet`` columns a chart needs and ``manifest.json``; ``RunData.from_result(result)``
builds the same objects from memory by passing them through the same text formats (JSON, CSV), so a
chart drawn during ``portfolio run`` and one re-drawn later by ``portfolio chart`` are the same.

While ``portfolio run`` draws its charts the manifest is not yet written; the resolved scenario is then
passed in (``scenario=``), the same data the manifest will hold.
"""
from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from portfolio.outputs.folders import TABLE_INDEX, FolderError, RunFolder, why
from portfolio.outputs.folders import indexed as _indexed
from portfolio.outputs.kinds import LANGS
from portfolio.outputs.texts import TEXT, text

TABLES = tuple(TABLE_INDEX)                 # years, projects, energy
#: schedule-risk tables (``Result.schedule_tables``); folders written before them read as empty tables
SCHEDULE_TABLES = ("criticality", "s_curves", "groups")


def decisive_projects(summary: dict, min_increase: float = 0.005) -> list[dict]:
    """The critical projects of a summary whose effect on a miss is told apart from Monte Carlo noise."""
    rows = summary.get("critical_projects", []) or []
    return [r for r in rows if r.get("decisive", (r.get("miss_increase") or 0) >= min_increase)]


def critical_rows(table: pd.DataFrame, end_point: str, ident: str | None) -> pd.DataFrame:
    """The rows of a criticality table (``criticality.csv``) on an end point's critical path — the
    projects with criticality above 0, the end point itself left out — most critical first (ties in
    table order)."""
    rows = table[(table.end_point == end_point) & (table.id != ident) & (table.criticality > 0)]
    return rows.sort_values("criticality", ascending=False, kind="stable")


@dataclass
class RunData:
    summary: dict
    years: pd.DataFrame
    projects: pd.DataFrame
    energy: pd.DataFrame
    average_growth: np.ndarray | None          # valid draws' average growth over the growth window
    scenario: dict | None = None               # the resolved scenario (as in manifest.json)
    manifest: dict | None = None
    folder: Path | None = None
    _inputs: pd.DataFrame | None = field(default=None, repr=False)
    schedule: dict = field(default_factory=dict)   # criticality, s_curves, groups (DataFrames; may be empty)
    finish: np.ndarray | None = None           # valid draws' finish of the first completion target (NaN: cancelled)

    # ------------------------------------------------------------------------- loading
    @classmethod
    def from_folder(cls, folder, scenario: dict | None = None, staging: bool = False) -> "RunData":
        """Load a run folder; ``staging=True`` reads a folder ``portfolio run`` is still writing."""
        run = folder if isinstance(folder, RunFolder) else RunFolder(folder, staging=staging, scenario_data=scenario)
        tables = {name: run.table(name) for name in TABLES}
        column = _growth_column(run.summary)
        try:
            avg = _read_average_growth(run, column, run.summary)
        except (OSError, ValueError, KeyError) as exc:
            raise FolderError(f"{run.path}: cannot read the run folder ({why(exc)})") from None
        schedule = {name: run.table(name) if (run.path / f"{name}.csv").is_file() else pd.DataFrame()
                    for name in SCHEDULE_TABLES}
        finish = None
        completion = _completion_target(run.summary)
        if completion is not None:
            table = run.draws([f"target_{completion['name']}"])
            finish = completion["by"] - table.iloc[:, 0].to_numpy(float)[table["valid"].to_numpy(bool)]
        return cls(run.summary, tables["years"], tables["projects"], tables["energy"], avg,
                   scenario=run.scenario_data or None, manifest=run.manifest, folder=run.path, schedule=schedule,
                   finish=finish)

    @classmethod
    def from_result(cls, result) -> "RunData":
        from portfolio.outputs.folders import manifest, plain

        summary = json.loads(json.dumps(plain(result.summary()), allow_nan=False))
        tables = {name: _read_csv(io.StringIO(getattr(result, name)(indexed=False).to_csv(index=False))) for name in TABLES}
        column = _growth_column(summary)
        valid = result.data.valid
        if column is not None:
            values = np.asarray(result.data.targets[column[len("target_"):]], float)
        else:
            first, last = summary["average_growth"]["window"]
            values = result.average_growth((first, last))
        avg = values[valid]
        scenario = json.loads(json.dumps(plain(resolved_scenario(result.scenario)), ensure_ascii=False))
        man = json.loads(json.dumps(plain(manifest(result, "python")), ensure_ascii=False))
        written = result.schedule_tables()
        schedule = {name: _read_csv(io.StringIO(written[name].to_csv(index=False))) if name in written
                    else pd.DataFrame() for name in SCHEDULE_TABLES}
        completion = _completion_target(summary)
        finish = (None if completion is None else
                  completion["by"] - np.asarray(result.data.targets[completion["name"]], float)[valid])
        return cls(summary, tables["years"], tables["projects"], tables["energy"], avg,
                   scenario=scenario, manifest=man, schedule=schedule, finish=finish)

    def __repr__(self) -> str:
        from portfolio.outputs.textsummary import format_headline

        return format_headline(self.summary, (self.base_year, self.horizon), self.folder, kind="Run")

    def _repr_html_(self) -> str:
        from portfolio.outputs.textsummary import headline_html

        return headline_html(self.summary, (self.base_year, self.horizon), self.folder)

    # ------------------------------------------------------------------------- scenario facts
    @property
    def language(self) -> str:
        lang = ((self.scenario or {}).get("meta") or {}).get("language")
        return lang if lang in ("zh", "en") else "zh"

    @property
    def title(self) -> dict:
        return self.summary.get("title") or {"zh": self.summary.get("scenario", ""), "en": self.summary.get("scenario", "")}

    @property
    def region(self) -> dict | None:
        return ((self.scenario or {}).get("meta") or {}).get("region")

    @property
    def price_year(self) -> int:
        meta = (self.scenario or {}).get("meta") or {}
        return int(meta.get("price_year") or meta.get("base_year") or int(self.years["year"].iloc[0]))

    @property
    def base_year(self) -> int:
        return int(self.years["year"].iloc[0])

    @property
    def horizon(self) -> int:
        return int(self.years["year"].iloc[-1])

    @property
    def n_valid(self) -> int:
        return int(self.summary.get("draws", 0)) - int(self.summary.get("invalid_draws", 0))

    def technologies(self) -> dict[str, dict]:
        """{id: {label: {zh, en}, kind}} in the scenario's order."""
        declared = (((self.scenario or {}).get("energy") or {}).get("technologies") or {})
        out = {}
        for tech in dict.fromkeys(self.energy["technology"].astype(str)):
            spec = declared.get(tech) or {}
            known = f"technology.{tech}" in TEXT
            label = {lang: text(f"technology.{tech}", lang) if known else tech for lang in LANGS}
            kind = tech if tech in ("storage", "charging") else "generation"
            out[tech] = {"label": spec.get("label") or label, "kind": spec.get("kind") or kind}
        return out

    def growth_target(self) -> dict | None:
        """The first average-growth target (else the first min-growth target) of summary.json."""
        return growth_target(self.summary)

    def completion_target(self) -> dict | None:
        """The first completion target of summary.json."""
        return _completion_target(self.summary)

    def energy_target(self) -> dict | None:
        return next((t for t in self.summary.get("targets", []) if t.get("metric") == "energy_capacity"), None)

    def actuals(self) -> dict[int, float]:
        """Observed growth by year, when the run was conditioned on actuals."""
        block = self.summary.get("actuals") or {}
        years, growth = block.get("years") or [], block.get("growth") or []
        return {int(y): float(g) for y, g in zip(years, growth) if g is not None}

    def critical_ids(self, limit: int = 3, min_increase: float = 0.005) -> list[str]:
        """Projects that decide a miss (summary.json: ``decisive``, the interval of the increase excludes
        zero; folders from before it was recorded: an increase of at least ``min_increase``), at most
        ``limit``."""
        return [r["id"] for r in decisive_projects(self.summary, min_increase)[:limit]]

    def table(self, name: str, indexed: bool = True) -> pd.DataFrame:
        """``years``, ``projects`` or ``energy`` indexed as ``Result.years()`` etc. give them (year; project
        id; technology × year), or with ``indexed=False`` as the CSV file holds them (the attributes)."""
        table = getattr(self, name)
        return _indexed(table, name) if indexed else table.copy()

    # ------------------------------------------------------------------------- draws, charts
    @property
    def plot(self):
        """The standard charts: ``run.plot.growth_fan()`` etc. return matplotlib Figures; nothing is shown."""
        from portfolio.outputs.charts import PlotAccessor

        return PlotAccessor(self)

    def draws(self, columns=None, long: bool = False) -> pd.DataFrame:
        """draws.parquet (or some of its columns) of a run folder: every sampled input and outcome;
        ``long=True``: one row per draw and quantity (``outputs.tidy``)."""
        if self.folder is None:
            raise ValueError("this run is in memory; use result.draws()")
        wide = RunFolder(self.folder, staging=True).draws(columns)
        if long:
            from portfolio.outputs.tidy import draws_long

            return draws_long(wide)
        return wide

    def to_xarray(self):
        """draws.parquet as an xarray Dataset (needs the ``xarray`` extra): ``gdp``, ``growth`` (draw ×
        year), ``outcome`` (draw × target: the value each target is judged on), ``start``, ``finish`` (draw ×
        project), ``inputs`` (draw × input),
        ``valid``. (A run folder keeps no per-draw energy detail; ``Result.to_xarray`` has it.)"""
        from portfolio.outputs.tidy import require_xarray, draws_dataset

        require_xarray()
        s = self.summary
        return draws_dataset(self.draws(), attrs={"scenario": s.get("scenario"), "draws": s.get("draws"),
                                                  "seed": s.get("seed"), "sampler": s.get("sampler")})

    # ------------------------------------------------------------------------- inputs (report, export)
    def inputs(self) -> pd.DataFrame:
        """Sampled inputs of valid draws (draws.parquet) — only for folders; empty for a Result."""
        if self._inputs is None:
            if self.folder is None:
                self._inputs = pd.DataFrame()
            else:
                run = RunFolder(self.folder, staging=True)
                table = run.draws(run.inputs)
                self._inputs = table[table["valid"].astype(bool)].drop(columns="valid")
        return self._inputs


def _read_csv(source) -> pd.DataFrame:
    """A CSV table; an empty file (a scenario without projects) is an empty table."""
    try:
        return pd.read_csv(source)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def resolved_scenario(scenario) -> dict:
    """The resolved scenario data, exactly as ``manifest.json`` stores it."""
    from portfolio.scenario.loading import origin

    resolved = origin(scenario)
    return resolved.data if resolved is not None else scenario.model_dump(mode="json")


def growth_target(summary: dict) -> dict | None:
    """The first average-growth target (else the first min-growth target) of a summary.json, as
    ``results.first_growth_target`` picks it from a scenario."""
    for metric in ("average_growth", "min_growth"):
        for t in summary.get("targets", []):
            if t.get("metric") == metric:
                return t
    return None


def _completion_target(summary: dict) -> dict | None:
    return next((t for t in summary.get("targets", []) if t.get("metric") == "completion"), None)


def _growth_column(summary: dict) -> str | None:
    """The draws.parquet column holding average growth over summary.average_growth.window."""
    window = (summary.get("average_growth") or {}).get("window")
    for t in summary.get("targets", []):
        if t.get("metric") == "average_growth" and list(t.get("window") or []) == list(window or []):
            return f"target_{t['name']}"
    return None


def _read_average_growth(run: RunFolder, column: str | None, summary: dict) -> np.ndarray:
    if column is not None:
        table = run.draws([column])
        values = table[column].to_numpy(float)
    else:
        first, last = summary["average_growth"]["window"]
        a, b = f"gdp_{first - 1}", f"gdp_{last}"
        table = run.draws([a, b])
        with np.errstate(all="ignore"):
            values = (table[b].to_numpy(float) / table[a].to_numpy(float)) ** (1 / (last - first + 1)) - 1
    valid = table["valid"].to_numpy(bool)
    return values[valid]


def finite(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def open_run(folder):
    """A finished output folder, for a notebook. A run folder → ``RunData``: ``.summary`` (summary.json),
    ``.years``, ``.projects``, ``.energy`` (DataFrames, as the CSV files; ``.table(name)`` indexed),
    ``.manifest``, ``.draws(columns, long=)``, ``.to_xarray()`` and ``.plot.<chart>()``. A comparison
    folder → ``ComparisonFolder`` (``.summary``, ``.table()``, ``.differences()``, ``.draws()``); a
    sensitivity, discovery or sweep folder → ``SavedFolder`` (``.summary``, ``.table()``, ``.manifest``)."""
    from portfolio.outputs.folders import ComparisonFolder, SavedFolder, check_finished, folder_kind

    check_finished(Path(folder), "folder")
    kind = folder_kind(folder)
    if kind == "comparison":
        return ComparisonFolder(folder)
    if kind in SavedFolder.FILES:
        return SavedFolder(folder, kind)
    return RunData.from_folder(folder)
