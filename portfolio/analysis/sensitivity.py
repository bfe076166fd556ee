"""Sensitivity analysis: which uncertain inputs move an outcome, in one tidy table for every method.

Methods
-------
On a design evaluated by the engine (``designs.evaluate_design``; other inputs at their medians by
default, so the indices are about the chosen inputs):

- ``tornado``: one input at a time swung to its P10 and P90, the others at their medians. For the
  probability of a target each swing is a full Monte Carlo over the other inputs with the scenario's
  seed (common random numbers: every swing sees the same draws), reporting P at the input's P10 and
  P90 with Wilson intervals and the paired interval of the difference.
- ``morris``: elementary effects on trajectories (Morris 1991; Campolongo, Cariboni & Saltelli 2007)
  in probability space — the p grid levels are the mid-quantiles (i + 1/2)/p of each input, so
  unbounded distributions never reach their tails. ``mu_star`` is SALib's unscaled value: the mean
  absolute change of the outcome per unit step on that probability scale.
- ``sobol``: Saltelli (2002/2010) design from a scrambled Sobol' sequence, first-order ``S1`` and
  total-order ``ST`` indices (Jansen estimator in SALib) with bootstrap 95% intervals; second-order
  ``S2`` on request.
- ``efast``: extended FAST (Saltelli, Tarantola & Chan 1999): first- and total-order indices from a
  search-curve design of N·D runs (SALib's sampler and estimator, interference factor M = 4).

Given data — the draws of an existing run folder (``draws.parquet``), no new simulation:

- ``pawn`` (Pianosi & Wagener 2015/2018): KS distance between the unconditional and conditional
  output distributions; statistics over conditioning intervals (median is the headline).
- ``rbd-fast`` (Tarantola et al. 2006; Plischke 2010): first-order index by random balance design.
- ``delta`` (Borgonovo 2007; Plischke et al. 2013): moment-independent delta and first-order S1.
- ``hdmr`` (Li et al. 2010; Li & Rabitz 2012): a high-dimensional model representation fitted to the
  draws; each input's first-order contribution ``S`` = Cov(f_i, Y)/Var(Y), split on the emulator into a
  structural part ``Sa`` = Var(f_i)/Var(Y) and a correlative part ``Sb`` = Cov(f_i, Σ_{j≠i} f_j)/Var(Y),
  and ``ST``: the ANCOVA decomposition that stays defined under correlated inputs (SALib's ``hdmr``,
  second order with at most 10 inputs, first order above; Sa + Sb equals S only where the emulator
  fits the outcome exactly).
- ``shapley`` (Owen 2014; Broto, Bachoc & Depecker 2020): Shapley effects ``Sh``, each input's share of
  the outcome's variance, valid when the inputs are correlated (``analysis.shapley``); at most
  ``shapley.MAX_INPUTS`` inputs, the noise reference included.

Every estimator but Shapley's is SALib's (Herman & Usher 2017; Iwanaga et al. 2022); this module builds the designs,
runs the engine, drops failed rows and writes the results in one schema:

``method, outcome, year, parameter, label, index, value, conf_low, conf_high``

``parameter`` is the scenario path (``--set`` path), ``label`` its human name in the chosen language;
``index`` names the statistic (``S1``, ``ST``, ``S2``, ``mu_star``, ``sigma``, ``swing``...);
``conf_low``/``conf_high`` bound a 95% interval where the method gives one. Outcomes are fractions
(growth), 亿元 (GDP) or probabilities. Failed runs (non-finite or non-positive GDP) are counted and
reported; a Sobol' block or Morris trajectory with a failed row is left out of the estimate.

PAWN, RBD-FAST and delta assume independent inputs (eFAST, Sobol' and Morris build independent designs); a run with rank correlations (Iman–Conover) shares
the attribution between correlated inputs in ways they do not define. Shapley effects are defined for
dependent inputs: use them (or HDMR's structural/correlative split) on a correlated scenario.
"""
from __future__ import annotations

import contextlib
import copy
import dataclasses
import difflib
import fnmatch
import functools
import io
import math
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from portfolio import __version__
from portfolio.analysis.compare import paired_difference
from portfolio.model.compiled import Compiled, compile_scenario
from portfolio.model.designs import (
    default_parameters,
    evaluate_cases,
    evaluate_design,
    is_nuisance,
    medians,
    resolve_parameters,
)
from portfolio.outputs import texts as L
from portfolio.outputs.folders import RunFolder, write_csv
from portfolio.outputs.names import Names, naming
from portfolio.problems import InputError, Problem
from portfolio.runs.results import Z95, long_window_of
from portfolio.runs.simulate import check_rows_fit
from portfolio.scenario.settings import resolve_settings
from portfolio.uncertainty import seeds

METHODS = ("tornado", "morris", "sobol", "efast", "pawn", "rbd-fast", "delta", "hdmr", "shapley")
GIVEN_DATA_METHODS = ("pawn", "rbd-fast", "delta", "hdmr", "shapley")
COLUMNS = ["method", "outcome", "year", "parameter", "label", "index", "value", "conf_low", "conf_high"]
MAIN_INDEX = {"tornado": "swing", "morris": "mu_star", "sobol": "ST", "pawn": "median",
              "rbd-fast": "S1", "delta": "delta", "shapley": "Sh", "efast": "ST", "hdmr": "S"}
DEFAULT_N = {"tornado": 4096, "morris": 64, "sobol": 1024, "efast": 1024}
BASE = "(base)"
DUMMY = "(dummy)"      # given data: an independent random input with no effect, the estimator's noise level


# =========================================================================================== outcomes
@dataclass(frozen=True)
class Outcome:
    """What the indices are about: average growth over a window, growth or GDP in a year, a target's
    value, or the probability of a target (tornado only)."""

    kind: str                              # average_growth | growth | gdp | target | probability
    name: str                              # the tidy table's ``outcome``
    year: int | None = None                # the year of a one-year outcome
    window: tuple[int, int] | None = None  # average growth
    target: str | None = None
    threshold: float | None = None
    metric: str | None = None              # the target's metric
    target_label: dict | None = None

    @property
    def unit(self) -> str:
        if self.kind == "probability":
            return "probability"
        if self.kind in ("average_growth", "growth"):
            return "fraction"
        if self.kind == "gdp":
            return "亿元"
        return {"average_growth": "fraction", "min_growth": "fraction", "gdp_level": "亿元",
                "energy_capacity": "MW", "completion": "years of slack"}.get(self.metric, "")

    @property
    def percent(self) -> bool:
        return self.unit in ("fraction", "probability")

    def columns(self) -> list[str]:
        """draws.parquet columns this outcome is computed from."""
        if self.kind == "average_growth":
            return [f"gdp_{self.window[0] - 1}", f"gdp_{self.window[1]}"]
        if self.kind == "growth":
            return [f"growth_{self.year}"]
        if self.kind == "gdp":
            return [f"gdp_{self.year}"]
        return [f"target_{self.target}"]

    def from_arrays(self, gdp: np.ndarray, growth: np.ndarray, targets: dict, years: np.ndarray) -> np.ndarray:
        """Values per row from engine outputs (gdp (n, T+1), growth (n, T), targets {name: (n,)})."""
        y0 = int(years[0])
        with np.errstate(all="ignore"):
            if self.kind == "average_growth":
                first, last = self.window
                return (gdp[:, last - y0] / gdp[:, first - 1 - y0]) ** (1.0 / (last - first + 1)) - 1.0
            if self.kind == "growth":
                return growth[:, self.year - y0 - 1]
            if self.kind == "gdp":
                return gdp[:, self.year - y0]
        return np.asarray(targets[self.target], float)

    def from_frame(self, frame: pd.DataFrame) -> np.ndarray:
        """Values per draw from draws.parquet columns."""
        if self.kind == "average_growth":
            first, last = self.window
            with np.errstate(all="ignore"):
                a = frame[f"gdp_{first - 1}"].to_numpy(float)
                b = frame[f"gdp_{last}"].to_numpy(float)
                return (b / a) ** (1.0 / (last - first + 1)) - 1.0
        return frame[self.columns()[0]].to_numpy(float)

    def label(self, lang: str = "en") -> str:
        if self.kind == "average_growth":
            return L.text("outcome.average_growth", lang, a=self.window[0], b=self.window[1])
        if self.kind in ("growth", "gdp"):
            return L.text(f"outcome.{self.kind}", lang, year=self.year)
        name = L.pick(self.target_label, lang, self.target) if isinstance(self.target_label, dict) else self.target
        return L.text("outcome.probability", lang, target=name) if self.kind == "probability" else name


def target_specs(targets) -> list[dict]:
    """Targets as plain dicts (name, metric, window, threshold, label) from a Scenario's targets or
    from summary.json's ``targets``."""
    out = []
    for t in targets:
        if isinstance(t, dict):
            window = tuple(int(y) for y in (t.get("window") or ()))
            out.append({"name": t["name"], "metric": t.get("metric"), "window": window,
                        "threshold": t.get("threshold"), "label": t.get("label")})
        else:
            label = t.label.model_dump() if getattr(t, "label", None) is not None else None
            out.append({"name": t.name, "metric": t.metric, "window": tuple(t.years),
                        "threshold": float(t.threshold), "label": label})
    return out


def default_window(targets: list[dict], years: Sequence[int]) -> tuple[int, int]:
    """The first average-growth target's window (else min-growth), else the first five years."""
    for metric in ("average_growth", "min_growth"):
        for t in targets:
            if t["metric"] == metric and t["window"]:
                return tuple(t["window"])
    first = int(years[0]) + 1
    return (first, min(first + 4, int(years[-1])))


_YEAR = re.compile(r"^(growth|gdp)_(\d{4})$")
_AVG = re.compile(r"^average_growth_(\d{4})_(\d{4})$")


def parse_outcomes(spec: str | None, targets: list[dict], years: Sequence[int], window=None,
                   per_year: bool = False, where: str = "--outcome") -> list[Outcome]:
    """Outcome(s) named by ``spec``:

    ``average_growth`` (over ``window``, default the first growth target's), ``average_growth_2021_2025``,
    ``growth_2023``, ``gdp_2025``, ``growth`` / ``gdp`` (every year of the window), a target's name
    or ``target:NAME`` (its value), ``probability`` or ``probability:NAME`` (P(target met)).
    ``per_year`` turns a growth or GDP outcome into one outcome per year of the window."""
    years = [int(y) for y in years]
    by_name = {t["name"]: t for t in targets}
    spec = (spec or "average_growth").strip()
    win = tuple(int(y) for y in window) if window else default_window(targets, years)

    def bad(message: str):
        return InputError([Problem(where, None, spec, message)])

    if win[0] > win[1] or win[0] < years[1] or win[1] > years[-1]:
        raise InputError([Problem("--window", None, f"{win[0]} {win[1]}",
                                  f"the window must lie within {years[1]}–{years[-1]}")])
    m_avg, m_year = _AVG.match(spec), _YEAR.match(spec)
    family = None
    if spec in by_name:                      # a target's own name wins over the keywords
        m_avg = m_year = None
    if spec not in by_name and (spec == "average_growth" or m_avg):
        if m_avg:
            win = (int(m_avg.group(1)), int(m_avg.group(2)))
            if not (years[1] <= win[0] <= win[1] <= years[-1]):
                raise bad(f"years must lie within {years[1]}–{years[-1]}")
        out = [Outcome("average_growth", f"average_growth_{win[0]}_{win[1]}", window=win)]
        family = "growth"
    elif spec in ("growth", "gdp") and spec not in by_name:
        family, per_year, out = spec, True, []
    elif m_year:
        kind, year = m_year.group(1), int(m_year.group(2))
        valid = years[1:] if kind == "growth" else years
        if year not in valid:
            raise bad(f"no such year; {kind} is simulated for {valid[0]}–{valid[-1]}")
        out = [Outcome(kind, spec, year=year)]
        family = kind
    else:
        kind, name = "target", spec
        for prefix, k in (("probability:", "probability"), ("probability_", "probability"),
                          ("target:", "target"), ("target_", "target")):
            if spec.startswith(prefix) and spec[len(prefix):] in by_name:
                kind, name = k, spec[len(prefix):]
        if spec == "probability":
            if not targets:
                raise bad("the scenario has no targets")
            kind, name = "probability", targets[0]["name"]
        if name not in by_name:
            examples = ["average_growth", "growth_<year>", "gdp_<year>", "probability",
                        *[t["name"] for t in targets], *[f"probability:{t['name']}" for t in targets]]
            hint = difflib.get_close_matches(spec, examples, n=1, cutoff=0.6)
            raise bad("unknown outcome" + (f" (did you mean '{hint[0]}'?)" if hint else "")
                      + "; one of: average_growth, average_growth_<first>_<last>, growth_<year>, "
                      "gdp_<year>, growth, gdp, a target name (" + ", ".join(by_name) + "), "
                      "probability[:<target>]")
        t = by_name[name]
        out = [Outcome(kind, f"probability_{name}" if kind == "probability" else f"target_{name}",
                       target=name, threshold=t["threshold"], metric=t["metric"],
                       window=t["window"] or None, target_label=t.get("label"))]
    if per_year:
        if family is None:
            raise bad("--per-year needs a growth or GDP outcome (average_growth, growth, gdp)")
        if family == "growth":
            out = [Outcome("growth", f"growth_{y}", year=y) for y in range(win[0], win[1] + 1)]
        else:
            out = [Outcome("gdp", f"gdp_{y}", year=y) for y in range(win[0], win[1] + 1)]
    return out


# =========================================================================================== result
@dataclass
class SensitivityResult:
    """The tidy table of one sensitivity analysis plus what it was run on (``meta``)."""

    method: str
    table: pd.DataFrame
    meta: dict
    outcomes: list[Outcome]
    names: Names
    title: dict = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.names.lang

    @property
    def main_index(self) -> str:
        return MAIN_INDEX[self.method]

    def __repr__(self) -> str:
        return f"<SensitivityResult {self.method}>\n" + self.format(top=5)

    def _repr_html_(self) -> str:
        from portfolio.outputs.textsummary import card

        lines = [line for line in self.format(top=0).splitlines() if not line.strip().startswith("input ")]
        heads = ["P10 → P90 swing"] if self.method == "tornado" else [self.main_index, "95% interval"]
        rows = []
        for _, r in self.ranking().head(10).iterrows():
            if self.method == "tornado":
                rows.append([r["label"], self._swing(r["value"])])
            else:
                interval = (f"[{r['conf_low']:.3g}, {r['conf_high']:.3g}]" if math.isfinite(r["conf_low"]) else "")
                rows.append([r["label"], f"{r['value']:.3g}", interval])
        return card(lines[0], lines[1:], ["input", *heads], rows)

    def _swing(self, v: float) -> str:
        """A tornado swing in the outcome's unit: points of percentage, or the value."""
        return f"{v * 100:+.2f} pp" if self.outcomes[0].percent else f"{v:+,.4g}"

    def ranking(self, outcome: str | None = None) -> pd.DataFrame:
        """Parameters ranked by the method's headline index (absolute value) for one outcome."""
        t = self.table
        outcome = outcome or self.outcomes[0].name
        rows = t[(t["outcome"] == outcome) & (t["index"] == self.main_index) & ~t["parameter"].isin([BASE, DUMMY])]
        order = rows["value"].abs().sort_values(ascending=False, na_position="last").index
        return rows.loc[order].reset_index(drop=True)

    def figures(self, lang: str | None = None, top: int = 15) -> dict:
        """{name: matplotlib Figure}: the tornado or index bars, and a per-year heatmap."""
        names = self.names if lang in (None, self.lang) else _relabel(self, lang)
        out = {}
        if len(self.outcomes) > 1:
            out[f"{self.method}-per-year"] = heatmap_chart(self, names, top)
        elif self.method == "tornado":
            out["tornado"] = tornado_chart(self, names, top)
        else:
            out[self.method] = index_chart(self, names, top)
        return out

    def save(self, folder, force: bool = False, charts: bool = True, lang: str | None = None,
             command: str | None = None, formats=("png", "svg")) -> Path:
        """Write ``indices.csv``, ``indices.parquet``, ``sensitivity.json`` and the charts, atomically."""
        from portfolio.outputs.folders import StagedFolder, write_json

        with StagedFolder(Path(folder), force) as stage:
            table = self.table if lang in (None, self.lang) else _relabelled_table(self, lang)
            write_csv(table, stage / "indices.csv", index=False, float_format="%.10g")
            table.to_parquet(stage / "indices.parquet", index=False)
            meta = dict(self.meta, command=command or self.meta.get("command"), language=lang or self.lang)
            files = [p.name for p in self.draw(stage, lang, formats)] if charts else []
            meta["files"] = ["indices.csv", "indices.parquet", "sensitivity.json", *files]
            write_json(stage / "sensitivity.json", meta)
        return Path(folder)

    def draw(self, out, lang: str | None = None, formats=("png", "svg")) -> list[Path]:
        """The charts (``figures``) as ``out/<name>.<format>``, in the house style; the files written."""
        from portfolio.outputs import style as S

        return S.save_all(self.figures(lang), out, lang or self.lang, formats)

    def format(self, top: int = 12) -> str:
        """A short text report (the CLI prints it)."""
        m = self.meta
        lines = [f"{self.method} sensitivity of {self.outcomes[0].label('en')}"
                 + (f" (and {len(self.outcomes) - 1} more years)" if len(self.outcomes) > 1 else "")
                 + f" — {m['source']}"]
        runs = m.get("runs") or {}
        if runs and self.method in GIVEN_DATA_METHODS:
            lines.append(f"{runs.get('used', 0):,} valid draws of the run used, {runs.get('failed', 0):,} invalid "
                         f"left out; {m['seconds']['total']:.1f} s")
        elif runs:
            lines.append(f"{runs.get('rows', 0):,} rows evaluated, {runs.get('failed', 0):,} failed"
                         + (f" ({runs.get('dropped', 0):,} {runs.get('dropped_what', 'rows')} left out)"
                            if runs.get("failed") else "")
                         + f"; {m['seconds']['total']:.1f} s")
        outcome = self.outcomes[0]
        fmt = self._swing
        t = self.table[self.table["outcome"] == outcome.name]
        if self.method == "tornado":
            base = t[t["parameter"] == BASE]["value"]
            if len(base):
                b = float(base.iloc[0])
                lines.append(f"base {b * 100:.2f}%" if outcome.percent else f"base {b:,.4g}")
            lines.append(f"  {'input':<58} {'P10 → P90 swing':>16}")
            for _, r in self.ranking().head(top).iterrows():
                lo = _lookup(t, r["parameter"], "input_p10")
                hi = _lookup(t, r["parameter"], "input_p90")
                lines.append(f"  {_cut(r['label'], 58)} {fmt(r['value']):>16}   "
                             f"({self.names.value(r['parameter'], lo)} → {self.names.value(r['parameter'], hi)})")
            for item in m.get("timing") or []:
                (a, b), (_, c) = item["plan_window"], item["window"]
                lines.append(f"  why: {item['label']}: P10 → P90 moves P {item['swing'] * 100:+.1f} points and average "
                             f"growth {a}–{b} {item['plan_difference'] * 100:+.2f} pp/yr, but {a}–{c} "
                             f"{'' if item['opposite'] else 'only '}{item['long_difference'] * 100:+.2f} pp/yr — a "
                             "shift in timing (construction spending moved within or past the plan window), not a gain")
        else:
            extra = {"sobol": ["S1"], "morris": ["sigma"], "delta": ["S1"], "pawn": ["mean"], "rbd-fast": [],
                     "shapley": [], "efast": ["S1"], "hdmr": ["Sa", "Sb"]}
            heads = [self.main_index] + extra[self.method]
            # Morris effects are in the outcome's unit: percentage points for growth, as the chart shows
            scale, unit = (100.0, " (pp)") if self.method == "morris" and outcome.percent else (1.0, "")
            interval = {h: bool(np.isfinite(t.loc[t["index"] == h, "conf_low"].to_numpy(float)).any()) for h in heads}
            lines.append(f"  {'input':<58} " + " ".join(
                f"{h + unit + (' [95% interval]' if interval[h] else ''):>28}" for h in heads))
            for _, r in self.ranking().head(top).iterrows():
                cells = []
                for h in heads:
                    row = t[(t["parameter"] == r["parameter"]) & (t["index"] == h)]
                    if not len(row):
                        cells.append(f"{'':>28}")
                        continue
                    v, lo, hi = (float(row[k].iloc[0]) * scale for k in ("value", "conf_low", "conf_high"))
                    text = f"{v:8.3g}" + (f" [{lo:7.3g}, {hi:7.3g}]" if math.isfinite(lo) else " " * 19)
                    cells.append(f"{text:>28}")
                lines.append(f"  {_cut(r['label'], 58)} " + " ".join(cells))
            noise = t[(t["parameter"] == DUMMY) & (t["index"] == self.main_index)]
            if len(noise):
                lines.append(f"  noise level ({self.main_index} of a random input with no effect): "
                             f"{float(noise['value'].iloc[0]):.3g}")
            if outcome.name in (m.get("explained") or {}):
                lines.append(f"  together the inputs explain {m['explained'][outcome.name]:.1%} of the variance "
                             "(the Shapley effects add up to it)")
        return "\n".join(lines)


def open_sensitivity(folder) -> SensitivityResult:
    """The result a sensitivity folder holds (``indices.parquet`` and ``sensitivity.json``), with its
    inputs named from the scenario names the folder keeps: its charts redraw in either language."""
    from portfolio.outputs.folders import FolderError, check_finished, read_json

    folder = Path(folder)
    check_finished(folder, "sensitivity folder")
    meta = read_json(folder / "sensitivity.json")
    if not isinstance(meta, dict) or not (folder / "indices.parquet").is_file():
        raise FolderError(f"{folder}: not a sensitivity folder (no sensitivity.json and indices.parquet)")
    try:
        table = pd.read_parquet(folder / "indices.parquet")
        outcomes = [Outcome(**{k: tuple(v) if k == "window" and v is not None else v for k, v in o["spec"].items()})
                    for o in meta["outcomes"]]
    except (KeyError, TypeError) as exc:
        raise FolderError(f"{folder}: sensitivity.json was written by an older version and cannot be redrawn "
                          f"(missing {exc}); run the analysis again") from None
    lang = meta.get("language") or "en"
    names = Names(meta.get("naming"), lang)
    return SensitivityResult(meta["method"], table, meta, outcomes, names, meta.get("title") or {})


def draw_sensitivity_charts(folder, lang: str | None = None, formats=("png", "svg"), out=None) -> list[Path]:
    """Redraw the chart of a saved sensitivity folder into ``out`` (default the folder itself, where the
    analysis wrote it), in ``lang`` (default the folder's language); no re-evaluation."""
    result = open_sensitivity(folder)
    return result.draw(Path(out) if out is not None else Path(folder), lang, formats)


def _lookup(t: pd.DataFrame, parameter: str, index: str) -> float:
    row = t[(t["parameter"] == parameter) & (t["index"] == index)]
    return float(row["value"].iloc[0]) if len(row) else math.nan


def _cut(text: str, n: int) -> str:
    """``text`` cut to ``n`` display columns (CJK characters count 2) and padded to exactly ``n``."""
    from portfolio.outputs.texts import shorten

    text = shorten(str(text), n)
    width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return text + " " * max(n - width, 0)


def _relabel(result: SensitivityResult, lang: str) -> Names:
    names = copy.copy(result.names)
    names.lang = lang
    return names


def _relabelled_table(result: SensitivityResult, lang: str) -> pd.DataFrame:
    names = _relabel(result, lang)
    table = result.table.copy()
    table["label"] = [_pair_label(names, p) for p in table["parameter"]]
    return table


def _pair_label(names: Names, parameter: str) -> str:
    if parameter in (BASE, DUMMY):
        return L.text("param.base" if parameter == BASE else "param.dummy", names.lang)
    if ":" in parameter:
        a, b = parameter.split(":", 1)
        return f"{names.label(a)} × {names.label(b)}"
    return names.label(parameter)


def _rows(method: str, outcome: Outcome, names: Names, parameter: str, index: str, value,
          low=math.nan, high=math.nan) -> dict:
    return {"method": method, "outcome": outcome.name,
            "year": outcome.year if outcome.year is not None else pd.NA,
            "parameter": parameter, "label": _pair_label(names, parameter), "index": index,
            "value": float(value), "conf_low": float(low), "conf_high": float(high)}


def _frame(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["year"] = table["year"].astype("Int64")
    return table


# =========================================================================================== design methods
def _compiled(scenario) -> Compiled:
    return scenario if isinstance(scenario, Compiled) else compile_scenario(scenario)


def _scenario_data(c: Compiled) -> dict:
    from portfolio.outputs.rundata import resolved_scenario

    return resolved_scenario(c.scenario)


def _setup(scenario, params, outcome, window, per_year, lang):
    c = _compiled(scenario)
    names = resolve_parameters(c, params)
    if not names:
        raise InputError([Problem("--params", None, "", "no uncertain inputs to analyse")])
    outcomes = parse_outcomes(outcome, target_specs(c.scenario.targets), c.years, window, per_year)
    label_lang = lang or c.scenario.meta.language or "en"
    return c, names, outcomes, Names(_scenario_data(c), label_lang)


def _meta(method: str, c: Compiled, names: Names, params: list[str], outcomes: list[Outcome], **extra) -> dict:
    from portfolio.scenario.loading import origin

    resolved = origin(c.scenario)
    files = {}
    if resolved is not None:
        files = {label: {"path": resolved.paths.get(label, label), "sha256": digest}
                 for label, digest in resolved.files.items()}
    return {
        "format_version": 1, "package_version": __version__, "salib_version": _salib_version(),
        "method": method, "source": c.scenario.meta.name, "scenario": c.scenario.meta.name,
        "title": c.scenario.meta.title.model_dump(), "input_files": files,
        "outcomes": _outcomes_meta(outcomes, names.lang),
        "parameters": [{"name": p, "label": names.label(p), "distribution": c.random[p].describe()}
                       for p in params],
        "naming": naming(_scenario_data(c)),
        **extra,
    }


def _outcomes_meta(outcomes: list[Outcome], lang: str) -> list[dict]:
    """The outcomes as sensitivity.json records them: name, label, unit and every field of the
    ``Outcome`` (``spec``), so that a saved folder rebuilds them (``open_sensitivity``)."""
    return [{"name": o.name, "label": o.label(lang), "unit": o.unit, "spec": dataclasses.asdict(o)}
            for o in outcomes]


def _salib_version() -> str:
    import SALib

    return getattr(SALib, "__version__", "")


def _resolve_seed(c: Compiled, seed, sampler):
    settings = resolve_settings(c.scenario, seed=seed, sampler=sampler)
    return settings.seed, settings.sampler


def _tornado_values(out: dict, target: str, windows: list, years) -> np.ndarray:
    """Per draw: the target's value and average growth over each window (a picklable reduce for
    ``designs.evaluate_cases``, so worker processes and clusters can run it)."""
    return np.stack([np.asarray(out["targets"][target], float)]
                    + [w.from_arrays(out["gdp"], out["growth"], out["targets"], years) for w in windows], axis=1)


def tornado(scenario, params: Sequence[str] | None = None, outcome: str | None = None, *,
            per_year: bool = False, window=None, draws: int | None = None, seed: int | None = None,
            sampler: str | None = None, lang: str | None = None, low: float = 0.1,
            high: float = 0.9, executor=None) -> SensitivityResult:
    """One-at-a-time swings of each input to its P10 and P90 (see the module docstring).

    Continuous outcomes: the other inputs at their medians (one engine call for all swings).
    ``probability`` outcomes: ``draws`` Monte Carlo draws per swing (default 4,096) with common
    random numbers."""
    began = time.perf_counter()
    c, params, outcomes, names = _setup(scenario, params, outcome, window, per_year, lang)
    seed, sampler = _resolve_seed(c, seed, sampler)
    q = np.array([low, high])
    swings = {p: c.random[p].ppf(q).astype(float) for p in params}
    rows: list[dict] = []
    timing: list[dict] = []       # inputs whose P10 → P90 swing helps the plan window and costs the decade
    if outcomes[0].kind == "probability":
        o = outcomes[0]
        n = int(draws or DEFAULT_N["tornado"])
        cases = [{}] + [{p: v} for p in params for v in swings[p]]
        plan, later = long_window_of(c.scenario)
        windows = [Outcome(kind="average_growth", name=str(w), window=w) for w in (plan, later)]

        reduce = functools.partial(_tornado_values, target=o.target, windows=windows, years=c.years)
        every, valid = evaluate_cases(c, cases, n, reduce, seed=seed, sampler=sampler, executor=executor)
        values, plan_growth, long_growth = every[..., 0], every[..., 1], every[..., 2]
        with np.errstate(invalid="ignore"):
            met = (values >= o.threshold) & valid
        p_all = met.sum(axis=1) / np.maximum(valid.sum(axis=1), 1)
        from portfolio.runs.results import wilson_interval

        ci = [wilson_interval(int(met[i].sum()), int(valid[i].sum())) for i in range(len(cases))]
        rows.append(_rows("tornado", o, names, BASE, "base", p_all[0], *ci[0]))
        for i, p in enumerate(params):
            a, b = 1 + 2 * i, 2 + 2 * i
            d = met[b].astype(float) - met[a].astype(float)
            half = Z95 * d.std(ddof=1) / math.sqrt(n) if n > 1 else math.nan
            swing = p_all[b] - p_all[a]
            rows += [_rows("tornado", o, names, p, "input_p10", swings[p][0]),
                     _rows("tornado", o, names, p, "input_p90", swings[p][1]),
                     _rows("tornado", o, names, p, "at_p10", p_all[a], *ci[a]),
                     _rows("tornado", o, names, p, "at_p90", p_all[b], *ci[b]),
                     _rows("tornado", o, names, p, "swing", swing, swing - half, swing + half)]
            if later != plan and (swing - half) * (swing + half) > 0:   # a swing beyond Monte Carlo error:
                pair = valid[a] & valid[b]                                # does it hold over the decade?
                near = paired_difference(plan_growth[a][pair], plan_growth[b][pair])
                far = paired_difference(long_growth[a][pair], long_growth[b][pair])
                certain = near["ci95"][0] * near["ci95"][1] > 0
                opposite = near["difference"] * far["difference"] < 0 and far["ci95"][0] * far["ci95"][1] > 0
                fades = abs(far["difference"]) < abs(near["difference"]) / 3
                if certain and (opposite or fades):
                    timing.append({"parameter": p, "label": names.label(p), "swing": float(swing),
                                   "plan_window": list(plan), "plan_difference": near["difference"],
                                   "window": list(later), "long_difference": far["difference"],
                                   "long_ci95": far["ci95"], "opposite": bool(opposite)})
        runs = {"rows": int(values.size), "failed": int((~valid).sum()), "dropped": 0,
                "draws_per_case": n, "cases": len(cases)}
        seconds = {"engine": time.perf_counter() - began}
        others = "random"
    else:
        base = medians(c)
        k = len(params)
        design = {p: np.full(1 + 2 * k, base[p]) for p in params}
        for i, p in enumerate(params):
            design[p][1 + 2 * i], design[p][2 + 2 * i] = swings[p]
        run = evaluate_design(c, design, scale="value", others="median", executor=executor)
        for o in outcomes:
            y = o.from_arrays(run.gdp, run.growth, run.targets, run.years)
            y = np.where(run.valid, y, np.nan)
            rows.append(_rows("tornado", o, names, BASE, "base", y[0]))
            for i, p in enumerate(params):
                lo, hi = y[1 + 2 * i], y[2 + 2 * i]
                rows += [_rows("tornado", o, names, p, "input_p10", swings[p][0]),
                         _rows("tornado", o, names, p, "input_p90", swings[p][1]),
                         _rows("tornado", o, names, p, "at_p10", lo),
                         _rows("tornado", o, names, p, "at_p90", hi),
                         _rows("tornado", o, names, p, "swing", hi - lo)]
        runs = {"rows": run.rows, "failed": run.failed, "dropped": run.failed}
        seconds = {"engine": run.seconds}
        others = "median"
    seconds["total"] = time.perf_counter() - began
    meta = _meta("tornado", c, names, params, outcomes, others=others, seed=seed, sampler=sampler,
                 quantiles=[low, high], runs=runs, seconds=seconds)
    meta["timing"] = timing
    return SensitivityResult("tornado", _frame(rows), meta, outcomes, names, meta["title"])


def _problem(params: list[str], bounds=(0.0, 1.0)) -> dict:
    return {"num_vars": len(params), "names": list(params), "bounds": [list(bounds)] * len(params)}


def _no_probability(outcomes: list[Outcome], method: str) -> None:
    if outcomes[0].kind == "probability":
        raise InputError([Problem("--outcome", None, outcomes[0].name,
                                  f"{method} needs a continuous outcome; the probability of a target is "
                                  "for --method tornado (use the target's name for its value)")])


def morris(scenario, params: Sequence[str] | None = None, outcome: str | None = None, *, N: int | None = None,
           levels: int = 4, others: str = "median", per_year: bool = False, window=None,
           seed: int | None = None, sampler: str | None = None, lang: str | None = None,
           num_resamples: int = 100, executor=None) -> SensitivityResult:
    """Morris elementary effects on ``N`` trajectories (default 64) with ``levels`` grid levels."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    began = time.perf_counter()
    c, params, outcomes, names = _setup(scenario, params, outcome, window, per_year, lang)
    _no_probability(outcomes, "morris")
    seed, sampler = _resolve_seed(c, seed, sampler)
    n = int(N or DEFAULT_N["morris"])
    edge = 1.0 / (2 * levels)
    problem = _problem(params, (edge, 1.0 - edge))
    check_rows_fit(c, n * (len(params) + 1), "a Morris design", extra_per_row=16 * len(params),
                   keep_inputs=True)
    X = sample.sample(problem, n, num_levels=levels, seed=seeds.integer(seed, "morris", "design"))
    t_design = time.perf_counter() - began
    run = evaluate_design(c, dict(zip(params, X.T)), scale="uniform", others=others, seed=seed, sampler=sampler,
                          executor=executor)
    t1 = time.perf_counter()
    size = len(params) + 1
    rows: list[dict] = []
    dropped = 0
    for o in outcomes:
        y = np.where(run.valid, o.from_arrays(run.gdp, run.growth, run.targets, run.years), np.nan)
        keep = np.isfinite(y).reshape(-1, size).all(axis=1)
        dropped = max(dropped, int((~keep).sum()))
        mask = np.repeat(keep, size)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            si = analyze.analyze(problem, X[mask], y[mask], num_resamples=num_resamples, conf_level=0.95,
                                 num_levels=levels, seed=seeds.integer(seed, "morris", "bootstrap"))
        for j, p in enumerate(params):
            ms, conf = float(si["mu_star"][j]), float(si["mu_star_conf"][j])
            rows += [_rows("morris", o, names, p, "mu_star", ms, ms - conf, ms + conf),
                     _rows("morris", o, names, p, "mu", si["mu"][j]),
                     _rows("morris", o, names, p, "sigma", si["sigma"][j])]
    t2 = time.perf_counter()
    meta = _meta("morris", c, names, params, outcomes, others=others, seed=seed, sampler=sampler,
                 trajectories=n, levels=levels, probability_grid=[edge + i * (1 - 2 * edge) / (levels - 1)
                                                                  for i in range(levels)],
                 runs={"rows": run.rows, "failed": run.failed, "dropped": dropped, "dropped_what": "trajectories"},
                 seconds={"design": t_design, "engine": t1 - began - t_design, "analysis": t2 - t1,
                          "total": t2 - began})
    return SensitivityResult("morris", _frame(rows), meta, outcomes, names, meta["title"])


def sobol(scenario, params: Sequence[str] | None = None, outcome: str | None = None, *, N: int | None = None,
          second_order: bool = False, others: str = "median", per_year: bool = False, window=None,
          seed: int | None = None, sampler: str | None = None, lang: str | None = None,
          num_resamples: int = 100, executor=None) -> SensitivityResult:
    """Sobol' first- and total-order indices (second-order on request) on N·(D+2) rows (N·(2D+2)
    with ``second_order``); ``N`` (default 1,024) must be a power of two."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    began = time.perf_counter()
    c, params, outcomes, names = _setup(scenario, params, outcome, window, per_year, lang)
    _no_probability(outcomes, "sobol")
    if len(params) < 2:
        raise InputError([Problem("--params", None, ",".join(params), "sobol needs at least two inputs")])
    seed, sampler = _resolve_seed(c, seed, sampler)
    n = int(N or DEFAULT_N["sobol"])
    if n < 2 or n & (n - 1):
        raise InputError([Problem("-N", None, str(n), "Sobol' designs need a power of two "
                                  f"(e.g. {2 ** max(1, round(math.log2(max(n, 2))))})")])
    problem = _problem(params)
    D = len(params)
    check_rows_fit(c, n * (2 * D + 2 if second_order else D + 2), "a Sobol' design", extra_per_row=16 * D,
                   keep_inputs=True)
    X = sample.sample(problem, n, calc_second_order=second_order, scramble=True,
                      seed=seeds.integer(seed, "sobol", "design"))
    t_design = time.perf_counter() - began
    run = evaluate_design(c, dict(zip(params, X.T)), scale="uniform", others=others, seed=seed, sampler=sampler,
                          executor=executor)
    t1 = time.perf_counter()
    D = len(params)
    step = 2 * D + 2 if second_order else D + 2
    rows: list[dict] = []
    dropped = 0
    for o in outcomes:
        y = np.where(run.valid, o.from_arrays(run.gdp, run.growth, run.targets, run.years), np.nan)
        blocks = y.reshape(-1, step)
        keep = np.isfinite(blocks).all(axis=1)
        dropped = max(dropped, int((~keep).sum()))
        if keep.sum() < 2:
            raise ValueError(f"too few Sobol' blocks evaluated without failure ({int(keep.sum())})")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            si = analyze.analyze(problem, blocks[keep].ravel(), calc_second_order=second_order,
                                 num_resamples=num_resamples, conf_level=0.95,
                                 seed=seeds.integer(seed, "sobol", "bootstrap"))
        for j, p in enumerate(params):
            for key in ("S1", "ST"):
                v, conf = float(si[key][j]), float(si[f"{key}_conf"][j])
                rows.append(_rows("sobol", o, names, p, key, v, v - conf, v + conf))
        if second_order:
            for a in range(D):
                for b in range(a + 1, D):
                    v, conf = float(si["S2"][a, b]), float(si["S2_conf"][a, b])
                    rows.append(_rows("sobol", o, names, f"{params[a]}:{params[b]}", "S2", v, v - conf, v + conf))
    t2 = time.perf_counter()
    meta = _meta("sobol", c, names, params, outcomes, others=others, seed=seed, sampler=sampler, N=n,
                 second_order=second_order, num_resamples=num_resamples,
                 runs={"rows": run.rows, "failed": run.failed, "dropped": dropped, "dropped_what": "blocks"},
                 seconds={"design": t_design, "engine": t1 - began - t_design, "analysis": t2 - t1,
                          "total": t2 - began})
    return SensitivityResult("sobol", _frame(rows), meta, outcomes, names, meta["title"])


def efast(scenario, params: Sequence[str] | None = None, outcome: str | None = None, *, N: int | None = None,
          others: str = "median", per_year: bool = False, window=None, seed: int | None = None,
          sampler: str | None = None, lang: str | None = None, num_resamples: int = 100,
          executor=None) -> SensitivityResult:
    """Extended FAST first- and total-order indices on N·D rows (``N`` default 1,024, more than 64)."""
    from SALib.analyze import fast as analyze
    from SALib.sample import fast_sampler as sample

    began = time.perf_counter()
    c, params, outcomes, names = _setup(scenario, params, outcome, window, per_year, lang)
    _no_probability(outcomes, "efast")
    seed, sampler = _resolve_seed(c, seed, sampler)
    n = int(N or DEFAULT_N["efast"])
    if n <= 64:
        raise InputError([Problem("-N", None, str(n), "eFAST needs more than 4·M² = 64 samples per input")])
    problem = _problem(params, (1e-6, 1.0 - 1e-6))        # the search curve reaches the bounds: keep off 0 and 1
    X = sample.sample(problem, n, M=4, seed=seeds.integer(seed, "efast", "design"))
    t_design = time.perf_counter() - began
    run = evaluate_design(c, dict(zip(params, X.T)), scale="uniform", others=others, seed=seed, sampler=sampler,
                          executor=executor)
    t1 = time.perf_counter()
    rows: list[dict] = []
    for o in outcomes:
        y = np.where(run.valid, o.from_arrays(run.gdp, run.growth, run.targets, run.years), np.nan)
        bad = int((~np.isfinite(y)).sum())
        if bad:
            raise InputError([Problem("--method", None, "efast", f"{bad:,} of the design's {len(y):,} runs failed "
                                      "(non-finite GDP); eFAST needs every row of its search curves — use sobol")])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            si = analyze.analyze(problem, y, M=4, num_resamples=num_resamples, conf_level=0.95,
                                 seed=seeds.integer(seed, "efast", "bootstrap"))
        for j, p in enumerate(params):
            for key in ("S1", "ST"):
                v, conf = float(si[key][j]), float(si[f"{key}_conf"][j])
                rows.append(_rows("efast", o, names, p, key, v, v - conf, v + conf))
    t2 = time.perf_counter()
    meta = _meta("efast", c, names, params, outcomes, others=others, seed=seed, sampler=sampler, N=n, M=4,
                 num_resamples=num_resamples,
                 runs={"rows": run.rows, "failed": run.failed, "dropped": 0, "dropped_what": "rows"},
                 seconds={"design": t_design, "engine": t1 - began - t_design, "analysis": t2 - t1,
                          "total": t2 - began})
    return SensitivityResult("efast", _frame(rows), meta, outcomes, names, meta["title"])


# =========================================================================================== given data
def run_inputs(run: RunFolder, patterns=None, where: str = "--params") -> list[str]:
    """Sampled inputs of a run folder by path, glob or comma list; none → the scenario's inputs given
    as distributions (as for a scenario file), else every sampled input but per-year noise."""
    if not patterns:
        scenario = run.scenario()
        if scenario is not None:
            chosen = [k for k in default_parameters(compile_scenario(scenario)) if k in run.inputs]
            if chosen:
                return chosen
        return [k for k in run.inputs if not is_nuisance(k)]
    chosen, problems = [], []
    for pattern in patterns:
        for item in [p.strip() for p in str(pattern).split(",") if p.strip()]:
            if any(ch in item for ch in "*?["):
                hits = [k for k in run.inputs if fnmatch.fnmatchcase(k, item)]
                if not hits:
                    problems.append(Problem(where, None, item, "matches no sampled input of this run"))
            elif item in run.inputs:
                hits = [item]
            else:
                hits = []
                hint = difflib.get_close_matches(item, run.inputs, n=1, cutoff=0.6)
                problems.append(Problem(where, None, item, "not a sampled input of this run"
                                        + (f" (did you mean '{hint[0]}'?)" if hint else "")))
            chosen.extend(h for h in hits if h not in chosen)
    if problems:
        raise InputError(problems)
    return chosen


def run_targets(run: RunFolder) -> list[dict]:
    return target_specs(run.summary.get("targets") or [])


def given_data(folder, method: str, params: Sequence[str] | None = None, outcome: str | None = None, *,
               N: int | None = None, per_year: bool = False, window=None, lang: str | None = None,
               seed: int | None = None, num_resamples: int = 100, delta_resamples: int = 20,
               delta_rows: int = 2000, shapley_rows: int = 20_000) -> SensitivityResult:
    """PAWN, RBD-FAST, delta or Shapley indices from the draws of a run folder (no new simulation).

    Uses the valid draws (the first ``N`` if given); inputs that never vary are left out. Delta is
    the costly one (kernel densities per class and bootstrap): each bootstrap sample holds
    ``delta_rows`` draws and there are ``delta_resamples`` of them (about 1 s per input). Shapley
    effects search nearest neighbours among the first ``shapley_rows`` valid draws for every subset
    of the inputs (at most ``shapley.MAX_INPUTS`` with the noise reference: choose with ``params``)."""
    from portfolio.analysis.shapley import MAX_INPUTS, shapley_effects

    from SALib.analyze import hdmr as hdmr_m
    from SALib.analyze import pawn as pawn_m
    from SALib.analyze import rbd_fast as rbd_m

    if method not in GIVEN_DATA_METHODS:
        raise ValueError(f"not a given-data method: {method!r}")
    began = time.perf_counter()
    run = folder if isinstance(folder, RunFolder) else RunFolder(folder)
    params = run_inputs(run, params)
    outcomes = parse_outcomes(outcome, run_targets(run), run.years, window, per_year)
    _no_probability(outcomes, method)
    names = Names(run.scenario_data, lang or run.language or "en")
    needed = [col for o in outcomes for col in o.columns()]
    missing = [col for col in needed if col not in run.columns]
    if missing:
        raise InputError([Problem("--outcome", None, outcomes[0].name,
                                  f"this run has no column {missing[0]} in draws.parquet")])
    frame = run.draws(params + needed)
    total = len(frame)
    frame = frame[frame["valid"].astype(bool)]
    invalid = total - len(frame)
    if N:
        frame = frame.iloc[: int(N)]
    X_all = frame[params].to_numpy(float)
    constant = [p for j, p in enumerate(params) if np.nanstd(X_all[:, j]) == 0]
    params = [p for p in params if p not in constant]
    if not params:
        raise InputError([Problem("--params", None, "", "none of the chosen inputs varies in this run")])
    seed = int((run.summary or {}).get("seed", 0)) if seed is None else int(seed)
    dummy = seeds.generator(seed, "given-data", "dummy").uniform(size=len(frame))
    X_all = np.column_stack([frame[params].to_numpy(float), dummy])
    columns = params + [DUMMY]
    if method == "shapley" and len(columns) > MAX_INPUTS:
        raise InputError([Problem("--params", None, f"{len(params)} inputs",
                                  f"Shapley effects evaluate every subset of the inputs: choose at most "
                                  f"{MAX_INPUTS - 1} (a noise reference is added as one more), e.g. "
                                  f"--params {','.join(_most_correlated(frame, params, outcomes[0], MAX_INPUTS - 1))}")])
    rows: list[dict] = []
    used = 0
    explained = {}                  # shapley: the share of each outcome's variance the inputs explain together
    for o in outcomes:
        y = o.from_frame(frame)
        ok = np.isfinite(y) & np.isfinite(X_all).all(axis=1)
        X, y = X_all[ok], y[ok]
        used = max(used, len(y))
        if len(y) < 50:
            raise InputError([Problem(str(run.path), None, "", f"only {len(y)} usable draws; need at least 50")])
        problem = {"num_vars": len(columns), "names": columns,
                   "bounds": [[float(X[:, j].min()), float(X[:, j].max())] for j in range(len(columns))]}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if method == "pawn":
                with _quiet(seed, "pawn"):
                    si = pawn_m.analyze(problem, X, y, S=10, seed=seeds.integer(seed, "pawn"))
                for j, p in enumerate(columns):
                    for key in ("median", "mean", "minimum", "maximum", "CV"):
                        rows.append(_rows(method, o, names, p, key, si[key][j]))
            elif method == "rbd-fast":
                si = rbd_m.analyze(problem, X, y, M=10, num_resamples=num_resamples, conf_level=0.95,
                                   seed=seeds.integer(seed, "rbd-fast"))
                for j, p in enumerate(columns):
                    v, conf = float(si["S1"][j]), float(si["S1_conf"][j])
                    rows.append(_rows(method, o, names, p, "S1", v, v - conf, v + conf))
            elif method == "hdmr":                  # the module's DeprecationWarning is muted with the rest
                with _quiet(seed, "hdmr"):
                    si = hdmr_m.analyze(problem, X, y, maxorder=2 if len(columns) <= 10 else 1,
                                        seed=seeds.integer(seed, "hdmr"))
                for j, p in enumerate(columns):
                    for key in ("S", "Sa", "Sb", "ST"):
                        v, conf = float(si[key][j]), float(si[f"{key}_conf"][j])
                        rows.append(_rows(method, o, names, p, key, v, v - conf, v + conf))
            elif method == "shapley":
                rows_used = min(len(y), int(shapley_rows))
                found = shapley_effects(X[:rows_used], y[:rows_used], resamples=num_resamples,
                                        seed=seeds.integer(seed, "shapley"))
                for j, p in enumerate(columns):
                    rows.append(_rows(method, o, names, p, "Sh", found.share[j], found.low[j], found.high[j]))
                explained[o.name] = found.explained
            else:
                for j, p in enumerate(columns):
                    found = _delta(X[:, j], y, p, delta_resamples, delta_rows, seed)
                    for key in ("delta", "S1"):
                        v, conf = found[key]
                        rows.append(_rows(method, o, names, p, key, v, v - conf, v + conf))
    seconds = time.perf_counter() - began
    correlated = [list(p.get("between", [])) for p in ((run.scenario_data.get("uncertainty") or {}).get("correlations") or [])
                  if isinstance(p, dict)]
    meta = {
        "format_version": 1, "package_version": __version__, "salib_version": _salib_version(),
        "method": method, "source": str(run.path), "run_folder": str(run.path.resolve()),
        "scenario": run.name, "title": run.title, "run_seed": (run.summary or {}).get("seed"),
        "run_sampler": (run.summary or {}).get("sampler"), "analysis_seed": seed,
        "outcomes": _outcomes_meta(outcomes, names.lang),
        "parameters": [{"name": p, "label": names.label(p)} for p in params],
        "naming": naming(run.scenario_data),
        "left_out_constant": constant,
        "noise_reference": f"parameter {DUMMY!r}: an independent uniform input with no effect on the outcome; "
                           "indices at or below its value are not distinguishable from estimation noise",
        "settings": {"num_resamples": num_resamples, "pawn_intervals": 10, "rbd_fast_harmonics": 10,
                     "delta_resamples": delta_resamples, "delta_rows": delta_rows, "shapley_rows": shapley_rows},
        "runs": {"rows": total, "failed": invalid, "dropped": invalid, "dropped_what": "invalid draws",
                 "used": used},
        "correlated_inputs": correlated,
        "seconds": {"analysis": seconds, "total": seconds},
    }
    if explained:
        meta["explained"] = explained
    return SensitivityResult(method, _frame(rows), meta, outcomes, names, run.title)


def _most_correlated(frame: pd.DataFrame, params: list[str], outcome: Outcome, k: int) -> list[str]:
    """The ``k`` inputs with the largest absolute rank correlation with the outcome (a suggestion)."""
    y = pd.Series(outcome.from_frame(frame), index=frame.index).rank()
    rho = {p: abs(frame[p].rank().corr(y)) for p in params}
    return sorted(params, key=lambda p: -np.nan_to_num(rho[p]))[:k]


@contextlib.contextmanager
def _quiet(seed: int, *keys: str):
    """Run a SALib estimator that draws from NumPy's global random state (PAWN, delta) seeded from
    ``seed`` and ``keys`` (``seeds.global_state``), with its console notices and warnings muted; the
    global state, warning filters and warning format are restored afterwards."""
    format_warning = warnings.formatwarning
    try:
        with seeds.global_state(seed, *keys), contextlib.redirect_stdout(io.StringIO()), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        warnings.formatwarning = format_warning


def _delta(x: np.ndarray, y: np.ndarray, name: str, resamples: int, rows: int, seed: int) -> dict:
    """Borgonovo's delta ("raw": the draws as sampled, Plischke et al. 2013 bias-reduced) and the
    first-order S1 of the same partition, both SALib's, with half-widths of 95% intervals.

    SALib's ``delta.analyze`` (1.6) also computes its "balanced" and "step" variants, three times
    the cost; its module functions compute the raw one alone. It draws from NumPy's global random
    state, which is seeded here and restored afterwards."""
    from SALib.analyze import delta as delta_m

    rows = min(int(rows), len(y))
    with _quiet(seed, "delta", name):
        try:
            exp = 2.0 / (7.0 + np.tanh((1500.0 - rows) / 500.0))        # SALib's partition size
            m = np.linspace(0, rows, int(np.round(min(int(np.ceil(rows ** exp)), 48))) + 1)
            grid = np.linspace(np.min(y), np.max(y), 100)
            d, d_conf, _ = delta_m.bias_reduced_delta(y, grid, x, m, resamples, 0.95, rows, "raw", None,
                                                      name, max(int(len(x) * 0.005), 10))
            pick = np.random.randint(y.size, size=rows)
            s1 = delta_m.sobol_first(y[pick], x[pick], m)
            s1_conf = delta_m.sobol_first_conf(y, x, m, resamples, 0.95, rows)
        except (AttributeError, TypeError):                          # another SALib version
            problem = {"num_vars": 1, "names": [name], "bounds": [[float(x.min()), float(x.max())]]}
            si = delta_m.analyze(problem, x[:, None], y, num_resamples=resamples, conf_level=0.95,
                                 seed=seeds.integer(seed, "delta", name), y_resamples=rows)
            key = "delta_raw" if "delta_raw" in si else "delta"
            d, d_conf = si[key][0], si[f"{key}_conf"][0]
            s1, s1_conf = si["S1"][0], si["S1_conf"][0]
    return {"delta": (float(d), float(d_conf)), "S1": (float(s1), float(s1_conf))}


def run_sensitivity(source, method: str, **kwargs) -> SensitivityResult:
    """Dispatch: a Scenario (or Compiled) for tornado/morris/sobol, a run folder for the others."""
    if method not in METHODS:
        raise InputError([Problem("--method", None, method, f"unknown method (one of {', '.join(METHODS)})")])
    if method in GIVEN_DATA_METHODS:
        kwargs.pop("others", None)
        kwargs.pop("second_order", None)
        kwargs.pop("draws", None)
        kwargs.pop("sampler", None)
        kwargs.pop("executor", None)       # reads a run's draws: nothing to simulate
        return given_data(source, method, **kwargs)
    func = {"tornado": tornado, "morris": morris, "sobol": sobol, "efast": efast}[method]
    if method == "tornado":
        n = kwargs.pop("N", None)
        kwargs.pop("others", None)
        kwargs.pop("second_order", None)
        kwargs.setdefault("draws", n)
    else:
        kwargs.pop("draws", None)
        if method in ("morris", "efast"):
            kwargs.pop("second_order", None)
    return func(source, **kwargs)


# =========================================================================================== charts
def short_labels(labels: list[str], lang: str) -> list[str]:
    """Tick labels cut to fit the chart, kept distinct (``labels.shorten_all`` where it exists)."""

    limit = 30 if lang == "zh" else 44
    if hasattr(L, "shorten_all"):
        return L.shorten_all([str(x) for x in labels], limit)
    return [L.shorten(str(x), limit) for x in labels]


def _figure(height_cm: float):
    from matplotlib.figure import Figure

    from portfolio.outputs import style as S

    fig = Figure(figsize=(S.WIDTH_CM * S.CM, height_cm * S.CM), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.04, w_pad=0.04, hspace=0.04, wspace=0.02)
    return fig, fig.subplots()


def _header(fig, ax, result: SensitivityResult, lang: str, title: str, what: str) -> None:
    from portfolio.outputs import style as S

    fig.suptitle(title, x=0.012, ha="left", fontsize=S.BASE_RC["figure.titlesize"])
    room = 78 - sum(2 if ord(ch) > 0x2E80 else 1 for ch in what)   # the axes start after the labels
    scenario = L.shorten(L.pick(result.title, lang), max(room, 16))
    ax.set_title(L.text("sensitivity.subtitle", lang, title=scenario, what=what), loc="left", fontsize=7,
                 color=S.GREY, pad=6)


def _what(result: SensitivityResult, lang: str) -> str:
    m = result.meta
    if result.method == "sobol":
        return L.text("sensitivity.what.sobol", lang, N=m["N"], rows=m["runs"]["rows"])
    if result.method == "morris":
        return L.text("sensitivity.what.morris", lang, trajectories=m["trajectories"], rows=m["runs"]["rows"])
    if result.method == "tornado":
        if m.get("others") == "random":
            return L.text("sensitivity.tornado.note_mc", lang, n=m["runs"]["draws_per_case"])
        return L.text("sensitivity.tornado.note_median", lang)
    return L.text("sensitivity.what.given", lang, used=m["runs"].get("used", 0))


def _value_text(outcome: Outcome, v: float) -> str:
    return f"{v * 100:.1f}%" if outcome.percent else f"{v:,.4g}"


def tornado_chart(result: SensitivityResult, names: Names | None = None, top: int = 15):
    """Tornado bars: the outcome with each input at its P10 and P90 around the base, largest first."""
    from matplotlib.ticker import FuncFormatter

    from portfolio.outputs import style as S

    names = names or result.names
    lang = names.lang
    o = result.outcomes[0]
    t = result.table[result.table["outcome"] == o.name]
    ranked = result.ranking(o.name).head(top)
    scale = 100.0 if o.percent else 1.0
    base = float(t[t["parameter"] == BASE]["value"].iloc[0]) * scale
    with S.house_style(lang):
        fig, ax = _figure(3.6 + 0.62 * max(len(ranked), 3))
        title = L.text("sensitivity.tornado.title", lang, outcome=o.label(lang))
        _header(fig, ax, result, lang, title, _what(result, lang))
        k = len(ranked)
        labels_, spans = [], []
        span = _span(t, base, scale, ranked)
        for i, r in enumerate(ranked.itertuples()):
            y = k - 1 - i
            p = r.parameter
            lo, hi = _lookup(t, p, "at_p10") * scale, _lookup(t, p, "at_p90") * scale
            # a non-monotone input moves the outcome the same way at both ends: the two bars side by
            # side (P10 above, P90 below), so that neither hides the other
            same_side = (lo - base) * (hi - base) > 0
            rows = ((y + 0.16, 0.3), (y - 0.16, 0.3)) if same_side else ((y, 0.62), (y, 0.62))
            ax.barh(rows[0][0], lo - base, left=base, height=rows[0][1], color=S.BLUE, edgecolor="#1F3F66", lw=0.4,
                    label=L.text("sensitivity.tornado.low", lang) if i == 0 else None)
            ax.barh(rows[1][0], hi - base, left=base, height=rows[1][1], color=S.ORANGE, edgecolor="#8A5A00",
                    lw=0.4, hatch="///", label=L.text("sensitivity.tornado.high", lang) if i == 0 else None)
            gap = 0.012 * span
            for value, which, (row_y, _) in ((lo, "input_p10", rows[0]), (hi, "input_p90", rows[1])):
                text = names.value(p, _lookup(t, p, which))
                spans.append(value)
                right = value >= base                     # beside the end of its own bar, away from the base
                ax.text(value + (gap if right else -gap), row_y, text, ha="left" if right else "right",
                        va="center", fontsize=6.3 if not same_side else 5.8, color="#444444")
            labels_.append(names.label(p))
        ax.axvline(base, color=S.BLACK, lw=0.9)
        ax.text(base, k - 0.45, L.text("sensitivity.tornado.base", lang, value=_value_text(o, base / scale)),
                ha="center", va="bottom", fontsize=7, color=S.BLACK,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
        ax.set_yticks(range(k - 1, -1, -1), short_labels(labels_, lang))
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(-0.6, k - 0.1 + 0.5)
        lo_all = min(spans + [base]) if spans else base - 1
        hi_all = max(spans + [base]) if spans else base + 1
        pad = 0.22 * (hi_all - lo_all or 1.0)
        ax.set_xlim(lo_all - pad, hi_all + pad)
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        ax.spines["left"].set_visible(False)
        if o.percent:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _percent_tick(v)))
        ax.set_xlabel(o.label(lang))
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=2, handlelength=1.8)
    return fig


def _percent_tick(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".") + "%"


def _span(t, base, scale, ranked) -> float:
    values = [base]
    for p in ranked["parameter"]:
        values += [_lookup(t, p, "at_p10") * scale, _lookup(t, p, "at_p90") * scale]
    values = [v for v in values if math.isfinite(v)]
    return (max(values) - min(values)) or 1.0


def index_chart(result: SensitivityResult, names: Names | None = None, top: int = 15):
    """Index bars with their 95% intervals, largest first (Sobol': S1 and ST side by side)."""
    from matplotlib.lines import Line2D

    from portfolio.outputs import style as S

    names = names or result.names
    lang = names.lang
    o = result.outcomes[0]
    t = result.table[result.table["outcome"] == o.name]
    ranked = result.ranking(o.name).head(top)
    series = {"sobol": [("S1", S.BLUE, ""), ("ST", S.ORANGE, "///")], "morris": [("mu_star", S.BLUE, "")],
              "pawn": [("median", S.BLUE, "")], "rbd-fast": [("S1", S.BLUE, "")],
              "delta": [("delta", S.BLUE, ""), ("S1", S.ORANGE, "///")], "shapley": [("Sh", S.BLUE, "")],
              "efast": [("S1", S.BLUE, ""), ("ST", S.ORANGE, "///")],
              "hdmr": [("Sa", S.BLUE, ""), ("Sb", S.ORANGE, "///")]}[result.method]
    with S.house_style(lang):
        k = len(ranked)
        fig, ax = _figure(3.6 + 0.55 * max(k, 3))
        method = L.text(f"sensitivity.method.{result.method}", lang)
        title = L.text("sensitivity.index.title", lang, method=method, outcome=o.label(lang))
        _header(fig, ax, result, lang, title, _what(result, lang))
        width = 0.8 / len(series)
        any_ci = False
        scale = 100.0 if result.method == "morris" and o.percent else 1.0
        for s, (key, colour, hatch) in enumerate(series):
            vals, lows, highs = [], [], []
            for p in ranked["parameter"]:
                row = t[(t["parameter"] == p) & (t["index"] == key)]
                vals.append(float(row["value"].iloc[0]) if len(row) else math.nan)
                lows.append(float(row["conf_low"].iloc[0]) if len(row) else math.nan)
                highs.append(float(row["conf_high"].iloc[0]) if len(row) else math.nan)
            vals, lows, highs = (np.array(v) * scale for v in (vals, lows, highs))
            ys = np.arange(k - 1, -1, -1) + (len(series) - 1) / 2 * width - s * width
            err = None
            if np.isfinite(lows).any():
                any_ci = True
                err = np.vstack([np.clip(vals - lows, 0, None), np.clip(highs - vals, 0, None)])
                err = np.nan_to_num(err)
            ax.barh(ys, vals, height=width * 0.92, color=colour, hatch=hatch, edgecolor="#333333", lw=0.35,
                    xerr=err, error_kw={"elinewidth": 0.7, "capsize": 1.6, "ecolor": "#222222"},
                    label=L.text(f"sensitivity.{key}", lang))
        noise = t[(t["parameter"] == DUMMY) & (t["index"] == series[0][0])]
        if len(noise) and math.isfinite(float(noise["value"].iloc[0])):
            ax.axvline(float(noise["value"].iloc[0]), color=S.VERMILLION, lw=1.0, ls="--",
                       label=L.text("sensitivity.noise", lang))
        if result.method == "morris":
            sig = [float(t[(t["parameter"] == p) & (t["index"] == "sigma")]["value"].iloc[0]) for p in ranked["parameter"]]
            ax.plot(np.array(sig) * scale, np.arange(k - 1, -1, -1), "D", ms=3.2, color=S.BLACK, mfc="white",
                    mew=0.8, label=L.text("sensitivity.sigma", lang))
        ax.set_yticks(range(k - 1, -1, -1), short_labels([names.label(p) for p in ranked["parameter"]], lang))
        ax.tick_params(axis="y", length=0)
        ax.axvline(0, color="#333333", lw=0.6)
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        ax.spines["left"].set_visible(False)
        ax.set_ylim(-0.6, k - 0.4)
        if result.method in ("sobol", "rbd-fast", "delta", "shapley", "efast", "hdmr"):
            lo, hi = ax.get_xlim()
            ax.set_xlim(min(lo, -0.02), max(hi, 0.1))
        ax.set_xlabel(L.text(f"sensitivity.xlabel.{result.method}", lang, outcome=o.label(lang),
                         unit=L.text("unit.pp" if scale == 100 else "sensitivity.unit.outcome", lang)))
        handles, labels = ax.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: labels[i] == L.text("sensitivity.noise", lang))   # bars first
        handles, labels = [handles[i] for i in order], [labels[i] for i in order]
        if any_ci:
            handles.append(Line2D([], [], color="#222222", lw=0.7, marker="|", ms=5))
            labels.append(L.text("sensitivity.ci", lang))
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(handles), 3), handlelength=1.8)
    return fig


def heatmap_chart(result: SensitivityResult, names: Names | None = None, top: int = 15):
    """Per-year heatmap: the headline index of the most influential inputs in each year."""
    from portfolio.outputs import style as S

    names = names or result.names
    lang = names.lang
    key = result.main_index
    t = result.table[(result.table["index"] == key) & ~result.table["parameter"].isin([BASE, DUMMY])]
    pivot = t.pivot_table(index="parameter", columns="year", values="value", aggfunc="first")
    order = pivot.abs().max(axis=1).sort_values(ascending=False).index[:top]
    pivot = pivot.loc[order]
    signed = result.method == "tornado"
    percent = signed and result.outcomes[0].percent
    data = pivot.to_numpy(float) * (100 if percent else 1)
    with S.house_style(lang):
        fig, ax = _figure(4.2 + 0.52 * max(len(order), 3))
        family = L.text("sensitivity.heat.gdp" if result.outcomes[0].kind == "gdp" else "sensitivity.heat.growth", lang)
        method = L.text(f"sensitivity.method.{result.method}", lang)
        title = L.text("sensitivity.heat.title", lang, method=method, index=L.text(f"sensitivity.{key}", lang),
                       what=family)
        _header(fig, ax, result, lang, title, _what(result, lang))
        vmax = np.nanmax(np.abs(data)) if np.isfinite(data).any() else 1.0
        if signed:
            im = ax.imshow(data, aspect="auto", cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        else:
            im = ax.imshow(np.clip(data, 0, None), aspect="auto", cmap="Blues", vmin=0, vmax=max(vmax, 1e-9))
        for i in range(data.shape[0]):
            for j in range(data.shape[1]):
                v = data[i, j]
                if not math.isfinite(v):
                    continue
                dark = abs(v) > 0.6 * vmax
                ax.text(j, i, f"{v:.2f}" if not percent else f"{v:+.2f}", ha="center", va="center", fontsize=6.3,
                        color="white" if dark else "#222222")
        ax.set_xticks(range(len(pivot.columns)), [str(int(y)) for y in pivot.columns])
        ax.set_yticks(range(len(order)), short_labels([names.label(p) for p in order], lang))
        ax.tick_params(length=0)
        ax.grid(False)
        for side in ("top", "right", "left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel(L.text("sensitivity.heat.year", lang))
        bar = fig.colorbar(im, ax=ax, shrink=0.8, pad=0.01)
        bar.set_label(L.text(f"sensitivity.{key}", lang) + (L.text("unit.pp_suffix", lang) if percent else ""))
        bar.outline.set_visible(False)
    return fig
