"""Uncertain quantities: a number or a distribution, written with units, checked against bounds.

``parse_uncertain(value, kind)`` turns what a user wrote — ``0.02``, ``"2%"``, ``"pert(20, 24.5, 40)
亿元"``, ``{dist: normal, mean: 0.02, sd: 0.005}``, ``{reference_class: rail}`` — into a float in the
base unit of ``kind`` (see ``units``) or a ``Dist`` with its parameters in that unit.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from portfolio.uncertainty import distributions
from portfolio.uncertainty.units import UnitError, parse_quantity, unit_factor

# parameters of each distribution that carry the quantity's unit (the others are shapes/probabilities)
_SCALED = {
    "fixed": ("value",), "normal": ("mean", "sd", "low", "high"), "lognormal": ("mean", "sd", "p50", "p80"),
    "uniform": ("low", "high"), "triangular": ("low", "mode", "high"), "pert": ("low", "mode", "high"),
    "discrete": ("values",), "bernoulli": (), "overrun": (),
}
_POSITIONAL = {
    "normal": ("mean", "sd", "low", "high"), "lognormal": ("p50", "p80"), "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"), "pert": ("low", "mode", "high", "lambda"),
    "bernoulli": ("p",), "overrun": ("mean", "tail_share", "tail_mean", "cap"), "fixed": ("value",),
}
_ALIASES = {"tri": "triangular", "norm": "normal", "lnorm": "lognormal", "unif": "uniform",
            "ref": "reference_class", "reference_class": "reference_class"}
_COMPACT = re.compile(r"^\s*([A-Za-z_]+)\s*\((.*)\)\s*(.*?)\s*$", re.S)


@dataclass(frozen=True)
class Dist:
    """A distribution over a quantity, parameters in the quantity's base unit."""

    kind: str
    params: tuple  # ((name, value), ...) sorted by name; list values as tuples

    def spec(self) -> dict:
        """The spec dict understood by ``distributions.from_spec``."""
        spec = {k: list(v) if isinstance(v, tuple) else v for k, v in self.params}
        spec["dist"] = self.kind
        return spec

    def distribution(self):
        return distributions.from_spec(self.spec())

    def describe(self) -> str:
        return self.distribution().describe()


Uncertain = float | Dist


def parse_uncertain(value: object, kind: str, reference: str | None = None) -> Uncertain:
    """A float or Dist in the base unit of ``kind``; ``reference`` ('cost'|'schedule') allows classes."""
    if isinstance(value, Dist):
        return value
    if isinstance(value, str) and _COMPACT.match(value):
        value = _parse_compact(value)
    if isinstance(value, dict):
        return _from_mapping(value, kind, reference)
    return parse_quantity(value, kind)


def compact_spec(text: str) -> dict | None:
    """The spec of a compact distribution as written — ``"pert(20, 24.5, 40) 亿元"`` → ``{dist: pert, low:
    '20', mode: '24.5', high: '40', unit: '亿元'}`` — or None if ``text`` is not a valid one."""
    if not _COMPACT.match(text):
        return None
    try:
        return _parse_compact(text)
    except UnitError:
        return None


def rescale_compact(text: str, factor: float) -> str | None:
    """A compact distribution without its unit, the parameters that carry the unit multiplied by
    ``factor`` (``"pert(100, 200, 300, 4) 万千瓦"``, 10 → ``"pert(1000, 2000, 3000, 4)"``); None if ``text``
    is not one."""
    match = _COMPACT.match(text)
    if not match or compact_spec(text) is None:
        return None
    name, args, _ = match.groups()
    kind = _ALIASES.get(name.lower(), name.lower())
    positional, scaled = _POSITIONAL.get(kind, ()), _SCALED.get(kind, ())
    parts = []
    written = [a.strip() for a in args.split(",")] if args.strip() else []
    for i, part in enumerate(written):
        key, value = (s.strip() for s in part.split("=", 1)) if "=" in part else (
            positional[i] if i < len(positional) else "", part)
        if key in scaled:
            try:
                value = f"{float(value) * factor:g}"
            except ValueError:
                return None
        parts.append(f"{key}={value}" if "=" in part else value)
    return f"{name}({', '.join(parts)})"


def _parse_compact(text: str) -> dict:
    name, args, unit = _COMPACT.match(text).groups()
    name = _ALIASES.get(name.lower(), name.lower())
    parts = [a.strip() for a in args.split(",")] if args.strip() else []
    if name == "reference_class":
        if len(parts) != 1:
            raise UnitError(f"ref(...) takes one class name, got {len(parts)}")
        return {"reference_class": parts[0]}
    if name not in _POSITIONAL:
        raise UnitError(f"unknown distribution '{name}' (expected one of "
                        f"{', '.join(sorted(_POSITIONAL))} or ref(class))")
    spec: dict = {"dist": name}
    positional = _POSITIONAL[name]
    for i, part in enumerate(parts):
        if "=" in part:
            key, val = (s.strip() for s in part.split("=", 1))
        elif i < len(positional):
            key, val = positional[i], part
        else:
            raise UnitError(f"{name}(...) takes at most {len(positional)} values")
        spec[key] = val
    if unit:
        spec["unit"] = unit
    return spec


def _from_mapping(value: dict, kind: str, reference: str | None) -> Uncertain:
    if "reference_class" in value:
        if reference is None:
            raise UnitError("reference_class is only allowed for cost_ratio and duration_ratio")
        extra = set(value) - {"reference_class"}
        if extra:
            raise UnitError(f"reference_class takes no other keys (got {', '.join(sorted(extra))})")
        try:
            spec = distributions.reference_class(str(value["reference_class"]), reference)
        except ValueError as exc:
            raise UnitError(str(exc)) from None
        return _checked(spec, kind)
    if "dist" not in value:
        raise UnitError("a distribution needs 'dist:' (one of " + ", ".join(sorted(_SCALED)) +
                        ") or 'reference_class:'")
    spec = dict(value)
    kind_name = str(spec.pop("dist")).lower()
    kind_name = _ALIASES.get(kind_name, kind_name)
    if kind_name not in _SCALED:
        raise UnitError(f"unknown distribution '{kind_name}' (expected one of {', '.join(sorted(_SCALED))})")
    unit = spec.pop("unit", "")
    factor = unit_factor(str(unit), kind) if unit else 1.0
    out: dict = {"dist": kind_name}
    for key, raw in spec.items():
        scaled = key in _SCALED[kind_name]
        if isinstance(raw, list):
            out[key] = [_number(v, kind if scaled else "plain", key) * (factor if scaled else 1) for v in raw]
        else:
            out[key] = _number(raw, kind if scaled else "plain", key) * (factor if scaled else 1)
    return _checked(out, kind)


def _number(raw: object, kind: str, key: str) -> float:
    try:
        return parse_quantity(raw, kind if kind != "plain" else "fraction")
    except UnitError as exc:
        raise UnitError(f"{key}: {exc}") from None


def _checked(spec: dict, kind: str) -> Uncertain:
    try:
        dist = distributions.from_spec(spec)
    except (ValueError, TypeError) as exc:
        raise UnitError(str(exc)) from None
    if spec["dist"] == "fixed":
        return float(spec["value"])
    params = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in spec.items() if k != "dist"))
    del dist
    return Dist(spec["dist"], params)


EXTREME_U = 1e-12  # the sampler never draws uniforms closer than this to 0 or 1


def bounds(value: Uncertain) -> tuple[float, float]:
    """The range of values the sampler can produce: (v, v) for a number."""
    if isinstance(value, Dist):
        import numpy as np

        low, high = value.distribution().ppf(np.array([EXTREME_U, 1 - EXTREME_U]))
        return float(low), float(high)
    return value, value


def check_range(value: Uncertain, low: float | None, high: float | None,
                low_open: bool = False) -> str | None:
    """A message when the quantity (or its distribution's support) leaves [low, high], else None."""
    lo, hi = bounds(value)
    what = "the distribution allows values" if isinstance(value, Dist) else "value is"
    if low is not None and (lo < low or (low_open and lo <= low)):
        bound = "> " if low_open else "≥ "
        shown = "-inf" if math.isinf(lo) else f"{lo:g}"
        return f"{what} {shown}; expected {bound}{low:g}" + (
            " (truncate it with low:/high: or use a bounded distribution)" if isinstance(value, Dist) else "")
    if high is not None and hi > high:
        shown = "inf" if math.isinf(hi) else f"{hi:g}"
        return f"{what} {shown}; expected ≤ {high:g}" + (
            " (truncate it with low:/high: or use a bounded distribution)" if isinstance(value, Dist) else "")
    return None


# parameters that move with the quantity's level: a shift adds to them (spreads, shapes, probabilities stay)
_LOCATION = {"fixed": ("value",), "normal": ("mean", "low", "high"), "uniform": ("low", "high"),
             "triangular": ("low", "mode", "high"), "pert": ("low", "mode", "high"), "discrete": ("values",)}


def _moved(value: Dist, keys, move) -> Dist:
    def one(x: float) -> float:
        return float(f"{move(x):.12g}")                    # 0.05 + 0.01 is 0.06, not 0.060000000000000005

    params = tuple((k, (tuple(one(x) for x in v) if isinstance(v, tuple) else one(v)) if k in keys else v)
                   for k, v in value.params)
    return Dist(value.kind, params)


def shifted(value: Uncertain, delta: float) -> Uncertain:
    """The quantity moved by ``delta`` (in its base unit) with its spread kept: a number plus ``delta``, a
    distribution with its location parameters moved (a normal's mean and bounds, a PERT's three points).
    ValueError for a distribution that has none to move (lognormal, bernoulli, overrun)."""
    if not isinstance(value, Dist):
        return float(f"{float(value) + delta:.12g}")
    if value.kind not in _LOCATION:
        raise ValueError(f"a {value.kind} distribution cannot be shifted (its spread would change)")
    return _moved(value, _LOCATION[value.kind], lambda x: x + delta)


def scaled(value: Uncertain, factor: float) -> Uncertain:
    """The quantity times ``factor``: a number, or every parameter of a distribution that carries the unit."""
    if not isinstance(value, Dist):
        return float(f"{float(value) * factor:.12g}")
    return _moved(value, _SCALED[value.kind], lambda x: x * factor)


def written(value: Uncertain) -> str:
    """A quantity as a ``--set`` value (YAML): the number, or the distribution's spec as a flow mapping,
    parameters in the base unit (``parse_uncertain`` reads it back to the same value)."""
    import json

    return repr(float(value)) if not isinstance(value, Dist) else json.dumps(value.spec())
