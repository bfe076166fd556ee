"""What differs between two resolved scenarios, input by input (``portfolio diff A B``).

Both scenarios are loaded as any command loads them (extends, registers, ``--set``; YAML or workbook)
and flattened to their inputs, addressed by the paths error messages and workbooks use
(``economy.investment_rate``, ``projects.airport.planned_start``, ``targets.gdp_2025.threshold``). Two
values are the same input value when they read the same (``pert(0.60, 0.71, 0.83)`` and ``pert(0.6,
0.71, 0.83)``, ``10%`` and ``10 %``); each change names both values, the unit of a bare number, and the
file:line each value came from.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from portfolio.problems import location
from portfolio.scenario.workbook import COLUMN_DISTS, Index, column_spec, flow_text, input_cells, leaves, path_text

_NO_UNIT = {"fraction", "ratio", "plain", "count"}


@dataclass(frozen=True)
class Change:
    """One input that differs: its path, both values as written (None: not set), the unit of a bare
    number, and where each value came from (``file:line``)."""

    input: str
    before: str | None
    after: str | None
    unit: str
    before_from: str | None
    after_from: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def diff_scenarios(a, b, overrides_a=(), overrides_b=()) -> list[Change]:
    """The inputs that differ between scenarios ``a`` and ``b`` (files, or loaded Scenarios), in the
    order of ``a`` (inputs only ``b`` sets at the end). Raises InputError if either is invalid."""
    from portfolio.scenario.loading import load_scenario, origin
    from portfolio.scenario.schema import Scenario

    scenarios = [s if isinstance(s, Scenario) else load_scenario(s, o) for s, o in ((a, overrides_a), (b, overrides_b))]
    resolved = [origin(s) for s in scenarios]
    dumps = [s.model_dump() for s in scenarios]
    flat = [_inputs(r) for r in resolved]
    changes = []
    for path in list(flat[0]) + [p for p in flat[1] if p not in flat[0]]:
        values = [f.get(path) for f in flat]
        validated = [_validated(d, path) for d in dumps]
        if _same(values, validated):
            continue
        text = path_text(path)
        origins = [location(*r.where(path)) if v is not None else None for r, v in zip(resolved, values)]
        shown = [_shown(v) if v is not None else _default(w) for v, w in zip(values, validated)]
        changes.append(Change(text, *shown, _unit(text, values), *origins))
    return changes


_MISSING = object()


def _validated(dump, path: tuple):
    """The validated value at ``path`` in a scenario's ``model_dump()``, or _MISSING."""
    node = dump
    for part in path:
        if isinstance(node, dict) and not isinstance(part, Index) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and isinstance(part, Index) and part < len(node):
            node = node[part]
        elif isinstance(node, (list, tuple)) and isinstance(part, str):
            node = next((i for i in node if isinstance(i, dict) and part in (i.get("id"), i.get("name"))), _MISSING)
        else:
            return _MISSING
        if node is _MISSING:
            return _MISSING
    return node


def _same(values: list, validated: list) -> bool:
    """Whether two inputs read the same: by their validated values (``2023-05`` and ``2023.33``, ``1,372
    亿元`` and ``1372``, ``a; b`` and ``[a, b]``), or by their cells where no validated value is found."""
    if None not in values and _MISSING not in validated:
        return validated[0] == validated[1]
    cells = [input_cells(v) if v is not None else None for v in values]
    return cells[0] == cells[1]


def _inputs(resolved) -> dict:
    out = {}
    for section, node in resolved.data.items():
        for path, value in leaves(node, (section,)):
            out[path] = value
    return out


def _default(validated) -> str | None:
    """How an input a scenario leaves unset reads: its default, or None where there is none."""
    if validated is _MISSING or validated is None or isinstance(validated, (dict, list, tuple)):
        return None
    return f"default {validated:g}" if isinstance(validated, float) else f"default {validated}"


def _shown(value) -> str | None:
    if value is None:
        return None
    columns = column_spec(value) if isinstance(value, dict) else None
    if columns:                                   # {dist: pert, low: .., ..} as pert(low, mode, high)
        names = COLUMN_DISTS[columns["distribution"]]
        args = ", ".join(f"{columns[n]:g}" for n in names if columns.get(n) is not None)
        return f"{columns['distribution']}({args})" + (f" {columns['unit']}" if columns.get("unit") else "")
    if isinstance(value, (dict, list)):
        return flow_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _unit(path: str, values: list) -> str:
    """The documented unit of a bare number (``ramp_years: 3`` is in years); "" where a unit is written."""
    from portfolio.scenario.fields import quantity_at
    from portfolio.uncertainty.units import BASE_UNIT

    numbers = [v for v in values if v is not None]
    if not numbers or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
        return ""
    quantity = quantity_at(path)
    return BASE_UNIT[quantity.kind] if quantity is not None and quantity.kind not in _NO_UNIT else ""


def change_text(change: Change, width: int = 80) -> str:
    """One line: ``economy.investment_rate: pert(0.6, 0.71, 0.83) → 0.75  (a.yaml:88 → b.yaml:12)``;
    each value cut to ``width`` characters."""
    from portfolio.problems import clip

    unit = f" {change.unit}" if change.unit else ""
    before, after = ("(not set)" if v is None else clip(" ".join(v.split()), width) + unit
                     for v in (change.before, change.after))
    origins = f"{change.before_from or '—'} → {change.after_from or '—'}"
    return f"{change.input}: {before} → {after}  ({origins})"
