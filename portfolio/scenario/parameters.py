"""The parameter table: every uncertain input of a scenario, named by its scenario path.

Names are the ``--set`` paths (``economy.tfp_growth``, ``projects.airport.cost_ratio``), so that the
same input in two scenarios draws the same random numbers (common random numbers).
"""
from __future__ import annotations

from pydantic import BaseModel

from portfolio.uncertainty.quantities import Dist


def uncertain_inputs(scenario: BaseModel) -> dict[str, Dist]:
    """{path: Dist} for every input given as a distribution, in scenario order."""
    return {k: v for k, v in numeric_inputs(scenario).items() if isinstance(v, Dist)}


def numeric_inputs(scenario: BaseModel) -> dict[str, float | Dist]:
    """{path: number or Dist} for every numeric input, in scenario order."""
    found: dict = {}
    _walk(scenario, "", found)
    return found


def _walk(node: object, prefix: str, found: dict) -> None:
    if isinstance(node, Dist) or (isinstance(node, float) and prefix):
        found[prefix] = node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            _walk(getattr(node, name), f"{prefix}.{name}" if prefix else name, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            _walk(value, f"{prefix}.{key}", found)
    elif isinstance(node, tuple):
        for i, item in enumerate(node):
            ident = getattr(item, "id", None) or getattr(item, "name", None)
            _walk(item, f"{prefix}.{ident if isinstance(ident, str) else i}", found)
