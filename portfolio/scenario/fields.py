"""What each numeric field of a scenario measures, read from the schema itself.

Every quantity field of ``schema`` carries a ``Quantity`` in its type: the unit kind (see ``units``),
whether it may be a distribution, and how its values are shown (``display``). This is the one table of
field names: validation reads it through pydantic, compilation reads which fields are uncertain
(``uncertain_fields``), and tables and charts read how to show a value (``display_of``); the names in
Chinese and English are the texts ``field.<section>.<name>`` (``outputs.texts``).
"""
from __future__ import annotations

import typing
from dataclasses import dataclass

#: how a value of each unit kind is shown (``outputs.names.format_value``)
DISPLAY = {"fraction": "pct", "ratio": "ratio", "money": "money", "money_per_year": "money_year",
           "duration": "years", "power": "mw", "hours": "hours", "tariff": "yuan_kwh"}


@dataclass(frozen=True)
class Quantity:
    """The metadata of a quantity field: unit kind, uncertain or fixed, display format."""

    kind: str
    uncertain: bool
    display: str = ""
    low: float | None = None      # the allowed range, in base units (None: unbounded)
    high: float | None = None

    @property
    def shown_as(self) -> str:
        return self.display or DISPLAY.get(self.kind, "number")


def _quantity(annotation) -> Quantity | None:
    for item in getattr(annotation, "__metadata__", ()):
        if isinstance(item, Quantity):
            return item
    for arg in typing.get_args(annotation):
        found = _quantity(arg)
        if found is not None:
            return found
    return None


def quantities(model) -> dict[str, Quantity]:
    """{field name: Quantity} of a schema model's quantity fields, in declaration order."""
    out = {}
    for name, info in model.model_fields.items():
        found = next((m for m in info.metadata if isinstance(m, Quantity)), None) or _quantity(info.annotation)
        if found is not None:
            out[name] = found
    return out


def quantity_at(path: str) -> Quantity | None:
    """The Quantity of a scenario input by its path (``economy.investment_rate``, ``projects.<id>.capex``,
    ``energy.technologies.<key>.tariff``); None if the path names no quantity field."""
    parts = path.split(".")
    section = {"economy": ("economy", 2), "projects": ("project", 3)}.get(parts[0])
    if parts[:2] == ["energy", "technologies"]:
        section = ("technology", 4)
    if section is None or len(parts) != section[1]:
        return None
    return quantities(sections()[section[0]]).get(parts[-1])


def allowed_range(path: str) -> tuple[float | None, float | None]:
    """(low, high) a scenario input may take, by its path (as ``quantity_at``); (None, None) if unknown."""
    found = quantity_at(path)
    return (found.low, found.high) if found is not None else (None, None)


def uncertain_fields(model) -> list[str]:
    """The fields of a model that may be distributions, in declaration order."""
    return [name for name, q in quantities(model).items() if q.uncertain]


def sections() -> dict:
    """The schema models whose fields name inputs: economy, project, technology."""
    from portfolio.scenario import schema

    return {"economy": schema.Economy, "project": schema.Project, "technology": schema.Technology}


def display_of(section: str, name: str) -> str:
    """How values of ``section.name`` are shown (``pct``, ``years`` …; ``number`` when unknown)."""
    model = sections().get(section)
    quantity = quantities(model).get(name) if model is not None else None
    return quantity.shown_as if quantity is not None else "number"
