"""The per-draw table of a run — ``draws.parquet``'s columns, ``Result.draws()`` — in two more shapes:
long ("tidy", pandas) and an xarray Dataset with named dimensions.

The wide table has one row per draw and a column per quantity (``folders.draw_columns``): the sampled
inputs (named by their scenario path), ``valid``, ``gdp_<year>``, ``growth_<year>``, ``target_<name>``
and ``start_<id>`` / ``finish_<id>`` of every project, milestone and group. The long table has a row
per draw and quantity: ``draw``, ``valid``, ``variable`` (``input``, ``gdp``, ``growth``, ``target``,
``start``, ``finish``), ``year`` (for gdp and growth), ``key`` (the input path, target name or project
id) and ``value``; ``draws_wide`` turns it back into the wide table. The Dataset has dimensions
``draw``, ``year``, ``project``, ``target``, ``input`` and — from a run in memory, whose per-draw energy
detail is kept — ``technology``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: column prefix → (variable, what the key is): the per-draw outcomes; every other column is an input
PREFIXES = {"gdp_": ("gdp", "year"), "growth_": ("growth", "year"), "target_": ("target", "key"),
            "start_": ("start", "key"), "finish_": ("finish", "key")}
ORDER = ("gdp", "growth", "target", "start", "finish")
XARRAY_MISSING = ("to_xarray() needs the optional package xarray: pip install \"portfolio[xarray]\" "
                  "(or pip install xarray)")


def column_key(column: str) -> tuple[str, int | None, str | None]:
    """(variable, year, key) of a wide column: ``gdp_2025`` → (gdp, 2025, None), ``start_airport`` →
    (start, None, airport), ``economy.tfp_growth`` → (input, None, economy.tfp_growth)."""
    for prefix, (variable, part) in PREFIXES.items():
        if column.startswith(prefix):
            rest = column[len(prefix):]
            return (variable, int(rest), None) if part == "year" else (variable, None, rest)
    return ("input", None, column)


def column_name(variable: str, year, key) -> str:
    """The wide column of (variable, year, key): the inverse of ``column_key``."""
    if variable == "input":
        return key
    return f"{variable}_{int(year) if variable in ('gdp', 'growth') else key}"


def _quantities(wide: pd.DataFrame) -> list[str]:
    return [c for c in wide.columns if c not in ("draw", "valid")]


def draws_long(wide: pd.DataFrame) -> pd.DataFrame:
    """The wide per-draw table as one row per draw and quantity (see the module's docstring)."""
    columns = _quantities(wide)
    n = len(wide)
    keys = [column_key(c) for c in columns]
    draw = wide["draw"].to_numpy() if "draw" in wide else np.arange(n)
    valid = wide["valid"].to_numpy(bool) if "valid" in wide else np.ones(n, bool)
    variables = [k[0] for k in keys]
    return pd.DataFrame({
        "draw": np.tile(draw, len(columns)),
        "valid": np.tile(valid, len(columns)),
        "variable": pd.Categorical(np.repeat(variables, n), categories=list(dict.fromkeys(["input", *ORDER]))),
        "year": pd.array(np.repeat([k[1] if k[1] is not None else pd.NA for k in keys], n), dtype="Int64"),
        "key": pd.Series(np.repeat([k[2] for k in keys], n), dtype="string"),
        "value": (np.concatenate([wide[c].to_numpy(float) for c in columns]) if columns else np.empty(0)),
    })


def draws_wide(long: pd.DataFrame) -> pd.DataFrame:
    """The long table back in the wide layout of ``draws.parquet``: ``draw``, the inputs, ``valid``, the
    outcomes, each in the order the long table first holds it (``draws_long`` keeps the wide order)."""
    draws = pd.unique(long["draw"])
    cols: dict = {"draw": draws.astype(np.int64)}
    valid = long.drop_duplicates("draw").set_index("draw")["valid"].reindex(draws).to_numpy(bool)
    inputs, outcomes = {}, {}                   # in the order the long table holds them (as written)
    for (variable, year, key), group in long.groupby(["variable", "year", "key"], sort=False, dropna=False,
                                                      observed=True):
        name = column_name(variable, None if pd.isna(year) else year, None if pd.isna(key) else key)
        (inputs if variable == "input" else outcomes)[name] = group.set_index("draw")["value"].reindex(draws).to_numpy(float)
    cols.update(inputs)
    cols["valid"] = valid
    cols.update(outcomes)
    return pd.DataFrame(cols)


def require_xarray():
    try:
        import xarray
    except ImportError:
        raise ImportError(XARRAY_MISSING) from None
    return xarray


def draws_dataset(wide: pd.DataFrame, technology: dict | None = None, attrs: dict | None = None):
    """An xarray Dataset of the wide per-draw table: ``valid`` (draw), ``gdp`` and ``growth`` (draw, year;
    growth is NaN in the base year, which has none), ``outcome`` (draw, target: each target's outcome in its
    own unit), ``start`` and ``finish`` (draw, project; NaN when cancelled), ``inputs`` (draw, input).
    ``technology``: {variable: (values (draws, technologies, years), draw ids, technology ids, years)} adds
    per-technology variables (draws missing from the detail are NaN)."""
    xr = require_xarray()
    draw = wide["draw"].to_numpy() if "draw" in wide else np.arange(len(wide))
    groups: dict[str, list[tuple]] = {v: [] for v in ("input", *ORDER)}
    for column in _quantities(wide):
        variable, year, key = column_key(column)
        groups[variable].append((year if year is not None else key, column))
    years = sorted({y for y, _ in groups["gdp"]} | {y for y, _ in groups["growth"]})

    def block(variable: str, labels=None) -> np.ndarray:
        found = dict(groups[variable])
        labels = labels if labels is not None else list(found)
        return np.stack([wide[found[k]].to_numpy(float) if k in found else np.full(len(wide), np.nan)
                         for k in labels], axis=1) if labels else np.empty((len(wide), 0))

    projects = [k for k, _ in groups["start"]] + [k for k, _ in groups["finish"] if k not in dict(groups["start"])]
    data = {
        "valid": (("draw",), wide["valid"].to_numpy(bool) if "valid" in wide else np.ones(len(wide), bool)),
        "gdp": (("draw", "year"), block("gdp", years)),
        "growth": (("draw", "year"), block("growth", years)),
        "outcome": (("draw", "target"), block("target")),
        "start": (("draw", "project"), block("start", projects)),
        "finish": (("draw", "project"), block("finish", projects)),
        "inputs": (("draw", "input"), block("input")),
    }
    coords = {"draw": draw, "year": np.asarray(years, dtype=np.int64), "project": projects,
              "target": [k for k, _ in groups["target"]], "input": [k for k, _ in groups["input"]]}
    dataset = xr.Dataset(data, coords=coords, attrs=attrs or {})
    for name, (values, draws, techs, tech_years) in (technology or {}).items():
        array = xr.DataArray(np.asarray(values, float), dims=("draw", "technology", "year"),
                             coords={"draw": draws, "technology": list(techs), "year": np.asarray(tech_years, np.int64)})
        dataset[name] = array.reindex(draw=draw)
    return dataset
