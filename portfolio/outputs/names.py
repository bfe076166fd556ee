"""Inputs named and valued as a planner reads them: ``projects.airport.capex`` → "楚雄民用机场·投资" or
"Chuxiong airport: capex", 0.016 → "1.6%", 1.3 → "1.3 years", in Chinese or English.

Owners (projects, technologies, drivers, shocks) are named from the resolved scenario data (the dict a
run folder's manifest holds); fields from the texts ``field.<section>.<name>`` and shown by the unit
their schema field declares (``scenario.fields``).
"""
from __future__ import annotations

import math
import re

from portfolio.outputs.texts import TEXT, text
from portfolio.scenario.fields import display_of
from portfolio.uncertainty.quantities import compact_spec, rescale_compact
from portfolio.uncertainty.units import DAYS_PER_YEAR, kind_of, parse_number, split_quantity

#: the per-year standard-normal inputs of the economy and the text that names them
YEARLY = {"tfp_innovation": "param.tfp_shock", "investment_innovation": "param.investment_shock",
          "demand_innovation": "param.demand_shock", "national_cycle": "param.national_cycle"}

SECTIONS = {"economy": "economy", "projects": "project", "technologies": "technology"}

#: the parameters of a distribution a path may end in (``economy.tfp_growth.mean``, as a sweep sets it)
DIST_PARTS = ("mean", "sd", "median", "p50", "p80", "low", "mode", "high", "value")


def _named(items, key: str) -> dict:
    if isinstance(items, dict):
        items = [dict(v or {}, **{key: k}) for k, v in items.items()]
    return {i.get(key): i.get("label" if key == "name" else "name") for i in items or [] if isinstance(i, dict)}


def naming(scenario: dict | None) -> dict:
    """The part of a resolved scenario that ``Names`` reads (the names of projects, technologies,
    drivers and shocks, in both languages): what an analysis folder keeps so that its charts can be
    redrawn in either language without the scenario files."""
    scenario = scenario or {}
    energy, unc = scenario.get("energy") or {}, scenario.get("uncertainty") or {}
    items = lambda values, key, name: [{key: v.get(key), name: v.get(name)}  # noqa: E731
                                       for v in values or [] if isinstance(v, dict)]
    return {"projects": items(scenario.get("projects"), "id", "name"),
            "energy": {"technologies": {k: {"label": (v or {}).get("label")}
                                        for k, v in (energy.get("technologies") or {}).items()}},
            "uncertainty": {"drivers": _listed(unc.get("drivers"), "name", "label", items),
                            "shocks": _listed(unc.get("shocks"), "name", "label", items)}}


def _listed(values, key: str, name: str, items) -> list:
    if isinstance(values, dict):
        values = [dict(v or {}, **{key: k}) for k, v in values.items()]
    return items(values, key, name)


class Names:
    """Human labels, units and value formats of parameter paths, from the resolved scenario data."""

    def __init__(self, scenario: dict | None, lang: str = "en"):
        scenario = scenario or {}
        self.lang = lang if lang in ("zh", "en") else "en"
        self.projects = _named(scenario.get("projects"), "id")
        self.techs = {k: (v or {}).get("label") for k, v in (((scenario.get("energy") or {})
                                                              .get("technologies")) or {}).items()}
        unc = scenario.get("uncertainty") or {}
        self.drivers = _named(unc.get("drivers"), "name")
        self.shocks = _named(unc.get("shocks"), "name")

    def _pick(self, value, fallback: str) -> str:
        if isinstance(value, dict):
            return value.get(self.lang) or value.get("en") or value.get("zh") or fallback
        return value or fallback

    def _field(self, section: str, key: str) -> str:
        name = f"field.{section}.{key}"
        return text(name, self.lang) if name in TEXT else (key if self.lang == "zh" else key.replace("_", " "))

    def field_path(self, name: str) -> str:
        """The input a path names: ``economy.tfp_growth.mean`` (a parameter of its distribution) →
        ``economy.tfp_growth``; other paths as they are."""
        parts = name.split(".")
        if parts[-1] in DIST_PARTS and (len(parts) == 3 and parts[0] == "economy" or len(parts) == 4 and parts[0] == "projects"
                                        or len(parts) == 5 and parts[:2] == ["energy", "technologies"]):
            return ".".join(parts[:-1])
        return name

    def label(self, name: str) -> str:
        """``projects.airport.capex`` → "Airport: capex" / "机场·投资"; unknown paths as they are;
        ``economy.tfp_growth.mean`` → "TFP growth (mean)"."""
        field = self.field_path(name)
        if field != name:
            return text("param.dist_part", self.lang, what=self.label(field),
                        part=text(f"dist.{name.rsplit('.', 1)[1]}", self.lang))
        parts = name.split(".")
        lang = self.lang
        join = lambda owner, what: text("param.join", lang, owner=owner, what=what)  # noqa: E731
        if parts[0] == "economy" and len(parts) == 3 and parts[1] in YEARLY:
            return text(YEARLY[parts[1]], lang, year=parts[2])
        if parts[:2] == ["uncertainty", "contraction"]:
            if len(parts) == 4 and parts[2] == "switch":
                return text("param.contraction_switch", lang, year=parts[3])
            if len(parts) == 3:
                return text(f"param.contraction.{parts[2]}", lang)
        if parts[0] == "economy" and len(parts) == 2:
            label = self._field("economy", parts[1])
            return label[:1].upper() + label[1:]
        if parts[0] == "projects" and len(parts) == 3:
            return join(self._pick(self.projects.get(parts[1]), parts[1]), self._field("project", parts[2]))
        if parts[:2] == ["energy", "technologies"] and len(parts) == 4:
            return join(self._pick(self.techs.get(parts[2]), parts[2]), self._field("technology", parts[3]))
        if parts[:2] == ["uncertainty", "drivers"] and len(parts) == 4:
            key = f"param.driver.{parts[3]}"
            what = text(key, lang) if key in TEXT else parts[3]
            return join(self._pick(self.drivers.get(parts[2]), parts[2]), what)
        if parts[:2] == ["uncertainty", "shocks"] and len(parts) == 4:
            return text("param.shock_occurs", lang, owner=self._pick(self.shocks.get(parts[2]),
                                                                     parts[2].replace("_", " ")))
        if parts[:2] == ["uncertainty", "price_paths"] and len(parts) == 5 and parts[3] == "innovation":
            return text("param.price_shock", lang, name=parts[2], year=parts[4])
        return name

    def unit(self, name: str) -> str:
        """How the values of a parameter are shown: pct, years, money, mw, event, sd, …"""
        name = self.field_path(name)
        parts = name.split(".")
        if parts[-1] in ("cancelled", "occurs"):
            return "event"
        if "innovation" in parts or (parts[0] == "economy" and len(parts) == 3):
            return "sd"
        if parts[:3] == ["uncertainty", "contraction", "switch"]:
            return "number"
        if parts[:2] == ["uncertainty", "contraction"]:
            return "pct"
        if parts[-1] == "capex_factor":
            return "ratio"
        if parts[0] == "economy" and len(parts) == 2:
            return display_of("economy", parts[1])
        if parts[0] == "projects" and len(parts) == 3:
            return display_of("project", parts[2])
        if parts[:2] == ["energy", "technologies"] and len(parts) == 4:
            return display_of("technology", parts[3])
        if parts[:2] == ["uncertainty", "drivers"]:
            return "years" if parts[-1] == "start_delay" else "ratio"
        return "number"

    def value(self, name: str, x: float) -> str:
        """A value of the parameter in words a planner reads: 1.6%, 1.3 years, 35 亿元, 1,200 MW."""
        return format_value(self.unit(name), x, self.lang)

    def axis_label(self, name: str, width: int | None = None) -> str:
        """The parameter's name with the unit its ticks are in: "非项目投资率（%）", "Airport: capex (100
        million yuan)"; the name alone when its values carry no unit. With ``width``, the name is wrapped
        onto two lines of that many display columns (``texts.wrap``), the unit kept."""
        from portfolio.outputs.texts import wrap

        label = self.label(name) if width is None else wrap(self.label(name), width)
        key = f"unit.display.{self.unit(name)}"
        if key not in TEXT:
            return label
        return text("axis.with_unit", self.lang, label=label, unit=text(key, self.lang))

    def tick(self, name: str, x: float) -> str:
        """A value as an axis tick in the unit ``axis_label`` names: 0.65 → "65%", 1000 MW → "100" (万千瓦
        in Chinese), 35.0 → "35"."""
        return format_tick(self.unit(name), x, self.lang)


def format_value(unit: str, x: float, lang: str = "en") -> str:
    """``x`` (in the base unit of its kind) shown in ``unit`` (``pct``, ``years``, ``money``, ``mw`` …)."""
    if x is None or not math.isfinite(x):
        return "–"
    if unit == "pct":
        v = x * 100
        digits = 2 if abs(v) < 1 and v != 0 else 1
        return f"{v:.{digits}f}%"
    if unit == "mw" and lang == "zh":
        return text("value.mw", lang, x=x / 10)          # 万千瓦
    if unit == "event":
        return text("value.yes" if x >= 0.5 else "value.no", lang)
    key = f"value.{unit}"
    return text(key, lang, x=x) if key in TEXT else f"{x:.3g}"


def format_tick(unit: str, x: float, lang: str = "en") -> str:
    """``x`` (in the base unit of its kind) as a compact tick in ``unit``'s display unit: "65%" for a rate,
    万千瓦 in Chinese for MW, plain numbers otherwise (the axis label names the unit)."""
    if x is None or not math.isfinite(x):
        return "–"
    if unit == "pct":
        return f"{x * 100:.4g}%"
    if unit == "mw" and lang == "zh":
        x = x / 10
    return f"{x:,.4g}"


_CJK = re.compile(r"[\u2e80-\u9fff]")
#: a duration unit's factor to years → the word its spec is shown with
_DURATION_WORDS = {1.0: "years", 1 / 12: "months", 7 / DAYS_PER_YEAR: "weeks", 1 / DAYS_PER_YEAR: "days"}


def quantity_text(written: str, lang: str = "en") -> str:
    """A quantity or compact distribution as the scenario wrote it, shown in ``lang``: in English a
    Chinese unit becomes the English one the outputs use — ``"pert(10, 30, 80) 亿元"`` → ``"pert(10, 30,
    80) × 100 million yuan"``, ``"1000万千瓦"`` → ``"10,000 MW"``, ``"0.30 元/kWh"`` → ``"0.30 yuan/kWh"``,
    ``"18个月"`` → ``"18 months"``; anything else (and every Chinese text) as written."""
    if lang != "en" or not _CJK.search(written):
        return written
    compact = compact_spec(written)
    if compact is not None:
        unit = str(compact.get("unit") or "")
        head = written.strip()[: len(written.strip()) - len(unit)].strip() if unit else written
    else:
        parts = split_quantity(written)
        if parts is None:
            return written
        head, unit = parts
    found = kind_of(unit) if unit else None
    if found is None:
        return written
    kind, factor = found
    if kind == "duration":
        word = next((w for f, w in _DURATION_WORDS.items() if math.isclose(f, factor)), None)
        return text(f"spec.duration.{word}", lang, spec=head) if word else written
    key = f"spec.{kind}"
    if key not in TEXT:
        return written
    if not math.isclose(factor, 1.0):            # 万千瓦 → MW, 亿千瓦时 → GWh, 万元 → 亿元
        if compact is not None:
            head = rescale_compact(written, factor) or head
        else:
            try:
                head = f"{parse_number(head) * factor:,.6g}"
            except ValueError:
                return written
    return text(key, lang, spec=head)


def spec_text(value, lang: str = "en") -> str:
    """A scenario value as a planner reads it, in ``lang``: compact distributions, year maps, lists;
    quantities written with Chinese units in English units in English (``quantity_text``)."""
    if isinstance(value, dict):
        if "dist" in value:
            unit = value.get("unit")
            args = ", ".join(f"{k}={spec_text(v, lang)}" for k, v in value.items() if k not in ("dist", "unit"))
            return quantity_text(f"{value['dist']}({args})" + (f" {unit}" if unit else ""), lang)
        if "reference_class" in value and len(value) == 1:
            return f"reference class {value['reference_class']}"
        return ", ".join(f"{k}: {spec_text(v, lang)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(spec_text(v, lang) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return quantity_text(value, lang)
    return str(value)
