"""The scenario schema: typed, immutable (frozen) models of every section of a scenario file.

Field annotations carry the unit kind of each quantity (see ``units``); uncertain fields accept a number
or a distribution (see ``quantities``). The reference is docs/scenario-format.md.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from portfolio.scenario.fields import Quantity
from portfolio.scenario.graph import LINK_TYPES
from portfolio.uncertainty.dates import date_text, parse_year
from portfolio.uncertainty.quantities import Dist, check_range, parse_uncertain
from portfolio.uncertainty.units import BASE_UNIT, UnitError, parse_quantity


class FieldProblem(ValueError):
    """A problem with one named key of a model, raised from a model-level check."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(message)


def _uncertain(kind: str, low=None, high=None, low_open=False, reference=None, doc="", display=""):
    """Annotated type: a number or distribution of ``kind``, checked against [low, high]."""

    def validate(value):
        result = parse_uncertain(value, kind, reference)
        problem = check_range(result, low, high, low_open)
        if problem:
            raise UnitError(problem)
        return result

    schema = {"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "object"}],
              "description": f"{doc} [{BASE_UNIT[kind]}; a number, a number with a unit, or a distribution]"}
    return Annotated[float | Dist, BeforeValidator(validate), WithJsonSchema(schema), Quantity(kind, True, display, low, high)]


def _fixed(kind: str, low=None, high=None, low_open=False, doc="", display=""):
    """Annotated type: a plain number of ``kind`` (units allowed), checked against [low, high]."""

    def validate(value):
        result = parse_quantity(value, kind)
        problem = check_range(result, low, high, low_open)
        if problem:
            raise UnitError(problem)
        return result

    schema = {"anyOf": [{"type": "number"}, {"type": "string"}],
              "description": f"{doc} [{BASE_UNIT[kind]}]"}
    return Annotated[float, BeforeValidator(validate), WithJsonSchema(schema), Quantity(kind, False, display, low, high)]


Year = Annotated[float, BeforeValidator(parse_year),
                 WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "format": "date"}],
                                 "description": "a year, a decimal year or a date YYYY-MM-DD"})]
Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Fraction = _uncertain("fraction", 0, 1)
Duration = _uncertain("duration", 0)
Money = _uncertain("money", 0, None, low_open=True)
Probability = _fixed("fraction", 0, 1)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Text(Model):
    """A text in Simplified Chinese and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Meta(Model):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=80)
    title: Text
    region: Text
    base_year: int = Field(ge=1900, le=2200)
    horizon: int = Field(ge=1900, le=2200, description="last simulated year")
    price_year: int | None = Field(None, ge=1900, le=2200)
    money_unit: Literal["亿元"] = "亿元"
    language: Literal["zh", "en"] = "zh"
    description: str = ""
    sources: tuple[str, ...] = ()
    as_of: dt.date | None = Field(None, description="information date: what the scenario may know (YYYY-MM-DD)")

    @model_validator(mode="after")
    def _years(self):
        if self.horizon <= self.base_year:
            raise FieldProblem("horizon", f"horizon {self.horizon} must be after base_year {self.base_year}")
        if self.as_of is not None and self.as_of.year <= self.base_year:
            raise FieldProblem("as_of", f"{self.as_of} is not after the base year {self.base_year}, which is "
                                        "observed")
        if self.horizon - self.base_year > 100:
            raise FieldProblem("horizon", "at most 100 simulated years")
        return self

    @property
    def prices(self) -> int:
        return self.price_year if self.price_year is not None else self.base_year


THRESHOLD_KIND = {"average_growth": "fraction", "min_growth": "fraction", "gdp_level": "money",
                  "energy_capacity": "power", "completion": "duration"}


class Target(Model):
    name: Id
    label: Text | None = None
    metric: Literal["average_growth", "min_growth", "gdp_level", "energy_capacity", "completion"]
    window: tuple[int, int] | None = None
    year: int | None = None
    threshold: float | str | None = None
    technologies: tuple[str, ...] | None = None
    project: Id | None = None        # completion: the project, milestone or group that must finish
    by: Year | None = None           # completion: the date it must finish by

    @model_validator(mode="after")
    def _consistent(self):
        if self.metric == "completion":
            return self._completion()
        if self.project is not None or self.by is not None:
            raise FieldProblem("project" if self.project is not None else "by", "only for metric completion")
        if self.threshold is None:
            raise FieldProblem("threshold", f"required for metric {self.metric}")
        try:
            value = parse_quantity(self.threshold, THRESHOLD_KIND[self.metric])
        except UnitError as exc:
            raise FieldProblem("threshold", str(exc)) from None
        object.__setattr__(self, "threshold", value)
        growth = self.metric in ("average_growth", "min_growth")
        if growth and self.window is None:
            raise FieldProblem("window", f"required for metric {self.metric} ([first, last] year)")
        if not growth and self.year is None:
            raise FieldProblem("year", f"required for metric {self.metric}")
        if growth and self.year is not None:
            raise FieldProblem("year", f"not used by metric {self.metric} (use window)")
        if not growth and self.window is not None:
            raise FieldProblem("window", f"not used by metric {self.metric} (use year)")
        if self.window and self.window[0] > self.window[1]:
            raise FieldProblem("window", f"first year {self.window[0]} is after last year {self.window[1]}")
        if self.technologies is not None and self.metric != "energy_capacity":
            raise FieldProblem("technologies", "only for metric energy_capacity")
        return self

    def _completion(self):
        """P(project finishes by a date): the outcome per draw is the slack ``by − finish`` in years
        (NaN when the project is cancelled), met when it is at least 0."""
        for name in ("project", "by"):
            if getattr(self, name) is None:
                raise FieldProblem(name, "required for metric completion (the project and the date, e.g. "
                                         "by: 2025-12-31)")
        for name in ("window", "year", "threshold", "technologies"):
            if getattr(self, name) is not None:
                raise FieldProblem(name, "not used by metric completion (use project and by)")
        object.__setattr__(self, "threshold", 0.0)
        object.__setattr__(self, "year", int(self.by))
        return self

    def describe(self) -> str:
        """What the target asks, in a few words: ``average_growth 2021–2025 ≥ 10.0%``."""
        if self.metric == "completion":
            return f"completion: {self.project} finished by {date_text(self.by)}"
        a, b = self.years
        span = f"{a}–{b}" if a != b else f"{b}"
        unit = {"money": " 亿元", "power": " MW"}.get(THRESHOLD_KIND[self.metric], "")
        value = f"{self.threshold:.1%}" if not unit else f"{self.threshold:,.0f}{unit}"
        return f"{self.metric} {span} ≥ {value}"

    @property
    def years(self) -> tuple[int, int]:
        """First and last year the target looks at."""
        return self.window if self.window else (self.year, self.year)


class Economy(Model):
    gdp: _fixed("money", 0, None, low_open=True, doc="base-year real GDP")
    capital_output_ratio: _uncertain("ratio", 0, None, low_open=True, doc="K/Y in the base year", display="number")
    capital_share: _uncertain("fraction", 0, 1, low_open=True, doc="alpha")
    depreciation: _uncertain("fraction", 0, 1, doc="delta, per year")
    investment_rate: _uncertain("fraction", 0, 1, doc="non-portfolio GFCF / GDP")
    investment_rate_change: _uncertain("fraction", -0.2, 0.2, doc="change of the rate per year") = 0.0
    tfp_growth: _uncertain("fraction", -0.5, 0.5, doc="TFP growth per year")
    tfp_shock_sd: _uncertain("fraction", 0, 0.5, doc="sd of the yearly TFP innovation") = 0.0
    tfp_shock_persistence: _uncertain("fraction", 0, 1, doc="AR(1) coefficient", display="number") = 0.5
    tfp_growth_change: _uncertain("fraction", -0.05, 0.05,
                                  doc="change of trend TFP growth per year (negative: structural deceleration)") = 0.0
    investment_shock_sd: _uncertain("fraction", 0, 0.5,
                                    doc="sd of the yearly innovation of the investment rate (share of GDP)") = 0.0
    investment_shock_persistence: _uncertain("fraction", 0, 1, doc="AR(1) coefficient of the investment-rate "
                                             "deviation", display="number") = 0.7
    demand_shock_sd: _uncertain("fraction", 0, 0.5, doc="sd of the yearly innovation of the output gap") = 0.0
    demand_shock_persistence: _uncertain("fraction", 0, 1, doc="AR(1) coefficient of the output gap",
                                         display="number") = 0.5
    national_cycle_loading: _uncertain("fraction", -1, 1, doc="loading of the demand and investment innovations "
                                       "on the national cycle (their correlation is its square)",
                                       display="number") = 0.0
    population_growth: _uncertain("fraction", -0.5, 0.5, doc="per year")
    working_age_share_growth: _uncertain("fraction", -0.5, 0.5, doc="per year") = 0.0
    participation_growth: _uncertain("fraction", -0.5, 0.5, doc="per year") = 0.0
    human_capital_growth: _uncertain("fraction", -0.5, 0.5, doc="per year")
    investment_deflator: _fixed("fraction", -0.5, 0.5, doc="investment price inflation per year") = 0.0
    local_multiplier: _uncertain("ratio", 0, 10, doc="mu") = 1.0
    gfcf_share: _uncertain("fraction", 0, 1, doc="kappa") = 0.7
    local_content: _uncertain("fraction", 0, 1, doc="l") = 0.5
    mode: Literal["overlay", "integrated"] = "overlay"
    integrated_efficiency: _uncertain("fraction", 0, 1, doc="theta") = 1.0


class Dependency(Model):
    """A link from a predecessor: FS (start ≥ its finish + lag), SS (start ≥ its start + lag) or FF
    (finish ≥ its finish + lag); a negative lag is a lead."""

    id: Id
    type: Literal[LINK_TYPES] = "FS"
    lag: _fixed("duration", -50, 50) = 0.0


_LINK = re.compile(r"^(?P<id>[^:+\-\s]+)\s*(?::\s*(?P<type>[A-Za-z]+))?\s*(?:(?P<sign>[+\-])\s*(?P<lag>.*))?$")


def _link(text: str) -> dict:
    """'b', 'b+0.5', 'b:SS', 'b:SS+2 weeks', 'b:FF-10天' → {id, type, lag}."""
    text = text.strip().replace("：", ":").replace("＋", "+").replace("－", "-")
    match = _LINK.match(text)
    if match is None:
        raise UnitError(f"expected 'id', 'id+lag' or 'id:SS+lag' (type FS, SS or FF), got {text!r}")
    item = {"id": match["id"]}
    if match["type"]:
        item["type"] = match["type"].upper()
    if match["sign"]:
        lag = match["lag"].strip()
        if not lag:
            raise UnitError(f"a lag is missing after {match['sign']!r} in {text!r}")
        item["lag"] = f"-{lag}" if match["sign"] == "-" else lag
    return item


def _dependencies(value):
    """'a; b+0.5; c:SS+3 months' or ['a', {id: b, type: FF, lag: -2 weeks}] → list of dicts."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in (p.strip() for p in value.replace("；", ";").split(";")) if part]
    if not isinstance(value, (list, tuple)):
        raise UnitError("expected a list of project ids")
    return [_link(item) if isinstance(item, str) else item for item in value]


PROFILES = ("uniform", "s_curve", "front_loaded", "back_loaded")
KINDS = ("energy", "transport", "industry", "tourism", "services", "agriculture", "social", "other", "milestone")


class Project(Model):
    id: Id
    name: Text
    kind: Literal[KINDS]
    source: str = Field(min_length=1)
    notes: str = ""
    capex: Money | None = None
    price_year: int | None = Field(None, ge=1900, le=2200)
    planned_start: Year
    build_years: Duration
    profile: Literal[PROFILES] = "s_curve"
    reference_class: str | None = None
    cost_ratio: _uncertain("ratio", 0, None, low_open=True, reference="cost") | None = None
    duration_ratio: _uncertain("ratio", 0, None, low_open=True, reference="schedule") | None = None
    start_delay: _uncertain("duration") = 0.0
    cancel_probability: Probability = 0.0
    depends_on: Annotated[tuple[Dependency, ...], BeforeValidator(_dependencies), WithJsonSchema({
        "anyOf": [{"type": "string", "description": "ids separated by ';', each optionally ':SS' or ':FF' "
                                                    "and '+lag' or '-lag'"},
                  {"type": "array", "items": {"anyOf": [
                      {"type": "string"},
                      {"type": "object", "properties": {"id": {"type": "string"}, "lag": {},
                                                        "type": {"enum": list(LINK_TYPES)}},
                       "required": ["id"], "additionalProperties": False}]}}]})] = ()
    not_before: Year | None = None     # start no earlier than this date (a hard floor in every draw)
    not_after: Year | None = None      # finish no later than this date: checked against the planned dates
    local_content: Fraction | None = None
    gfcf_share: Fraction | None = None
    multiplier: _uncertain("ratio", 0, 10) | None = None
    output_value: _uncertain("money_per_year", 0) = 0.0
    value_added_ratio: Fraction | None = None
    ramp_years: Duration = 1.0
    displacement: Fraction = 0.0
    price_index: str | None = None
    tfp_uplift: _uncertain("fraction", 0, 1) = 0.0
    uplift_years: _fixed("duration", 0, 100, low_open=True) = 5.0
    technology: str | None = None
    capacity: _uncertain("power", 0, None, low_open=True) | None = None

    @model_validator(mode="after")
    def _consistent(self):
        from portfolio.uncertainty.distributions import REFERENCE_CLASSES

        if self.reference_class is not None and self.reference_class not in REFERENCE_CLASSES:
            raise FieldProblem("reference_class", f"unknown class '{self.reference_class}' (expected one "
                               f"of {', '.join(REFERENCE_CLASSES)})")
        if self.technology is not None and self.capacity is None:
            raise FieldProblem("capacity", "required for an energy project with a technology")
        if self.capacity is not None and self.technology is None:
            raise FieldProblem("technology", "required when capacity is given")
        if self.kind == "energy" and self.technology is None:
            raise FieldProblem("technology", "required for kind energy (a key of energy.technologies)")
        if self.kind == "milestone":
            if self.capex is not None or self.technology is not None or self.output_value != 0.0:
                raise FieldProblem("kind", "a milestone has no capex, technology or output (zero cost)")
            if self.build_years != 0:
                raise FieldProblem("build_years", "a milestone takes no time: 0 (it is reached when its "
                                                  "predecessors finish, or at planned_start)")
        elif self.capex is None and self.technology is None:
            raise FieldProblem("capex", "required (or give technology and capacity for an energy project)")
        if self.value_added_ratio is None and self.output_value != 0.0:
            raise FieldProblem("value_added_ratio", "required when output_value is given")
        if any(d.id == self.id for d in self.depends_on):
            raise FieldProblem("depends_on", "a project cannot depend on itself")
        if self.not_before is not None and self.not_after is not None and self.not_before > self.not_after:
            raise FieldProblem("not_after", f"{date_text(self.not_after)} is before not_before "
                                            f"{date_text(self.not_before)}")
        return self


class Technology(Model):
    kind: Literal["generation", "storage", "charging"] = "generation"
    label: Text | None = None
    full_load_hours: _uncertain("hours", 0, 8760) | None = None
    curtailment: Fraction = 0.0
    degradation: Fraction = 0.0
    tariff: _uncertain("tariff", 0) | None = None
    value_added_ratio: Fraction = 0.65
    lifetime: _fixed("duration", 0, 200, low_open=True) = 25.0
    fixed_opex: _uncertain("cost_per_kw", 0) = 0.0
    capex_per_kw: _uncertain("cost_per_kw", 0, None, low_open=True) | dict[int, float] | None = None
    capex_spread: _fixed("fraction", 0, 0.99) = 0.0
    duration_hours: _uncertain("hours", 0, None, low_open=True) | None = None
    round_trip_efficiency: _uncertain("fraction", 0, 1, low_open=True) | None = None
    cycles_per_year: _uncertain("plain", 0, 8760) | None = None
    service_fee: _uncertain("tariff", 0) | None = None
    utilisation_hours: _uncertain("hours", 0, 8760) | None = None

    @model_validator(mode="after")
    def _consistent(self):
        needs = {"generation": ("full_load_hours", "tariff"),
                 "storage": ("duration_hours", "round_trip_efficiency", "cycles_per_year", "service_fee"),
                 "charging": ("utilisation_hours", "service_fee")}[self.kind]
        for key in needs:
            if getattr(self, key) is None:
                raise FieldProblem(key, f"required for a {self.kind} technology")
        if isinstance(self.capex_per_kw, dict):
            if not self.capex_per_kw:
                raise FieldProblem("capex_per_kw", "empty mapping (expected {year: CNY/kW, ...})")
            if any(v <= 0 for v in self.capex_per_kw.values()):
                raise FieldProblem("capex_per_kw", "values must be > 0 (CNY/kW)")
        return self


class EmissionFactor(Model):
    name: str
    value: _fixed("emission_factor", 0, 2)
    source: str = ""


class Energy(Model):
    discount_rate: _fixed("fraction", 0, 1) = 0.06
    emission_factor: EmissionFactor | None = None
    technologies: dict[Id, Technology] = {}


class Correlation(Model):
    between: tuple[str, str]
    rank: float = Field(ge=-1, le=1)


class Driver(Model):
    name: Id
    label: Text | None = None
    applies_to: tuple[str, ...] = Field(min_length=1)
    start_delay: _uncertain("duration", 0) = 0.0
    cost_factor: _uncertain("ratio", 0, None, low_open=True) = 1.0


class Shock(Model):
    name: Id
    label: Text | None = None
    year: int
    probability: Probability
    impact: _fixed("fraction", -1, 1, doc="change of TFP growth in the shock year")
    recovery: _fixed("fraction", 0, 1, doc="share of the loss recovered the next year") = 0.0


class Contraction(Model):
    """An investment-contraction regime (a property or local-financing slump): a two-state Markov switch
    per year. While in it the non-portfolio investment rate is ``depth`` lower and the output gap
    ``output_gap`` lower."""

    label: Text | None = None
    probability: _fixed("fraction", 0, 1, doc="chance per year of entering it from normal times")
    exit_probability: _fixed("fraction", 0, 1, low_open=True, doc="chance per year of leaving it once in it")
    depth: _uncertain("fraction", 0, 1, doc="fall of the investment rate while in it (share of GDP)")
    output_gap: _uncertain("fraction", -1, 0, doc="output gap while in it (negative: GDP below potential)") = 0.0
    first_year: int | None = None


class PricePath(Model):
    level: dict[int, Annotated[float, Field(gt=0)]] = {}
    volatility: _fixed("fraction", 0, 2) = 0.0
    persistence: _fixed("fraction", 0, 1) = 0.5


class Uncertainty(Model):
    correlations: tuple[Correlation, ...] = ()
    drivers: tuple[Driver, ...] = ()
    shocks: tuple[Shock, ...] = ()
    price_paths: dict[Id, PricePath] = {}
    contraction: Contraction | None = None


class Simulation(Model):
    draws: int = Field(10_000, ge=1, le=100_000_000)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    sampler: Literal["mc", "lhs"] = "mc"
    learn_from_actuals: bool = True
    observation_noise: _fixed("fraction", 0, 0.5, low_open=True,
                              doc="sd of the error of observed growth (learning from actuals)") = 0.01


class Group(Model):
    """A programme (the energy base, one of its phases): it starts with its first member and finishes
    with the last of its members that is built (cancelled members drop out; cancelled when all are)."""

    id: Id
    name: Text
    members: tuple[Id, ...] = Field(min_length=1, description="project, milestone or group ids")
    source: str = ""


class Scenario(Model):
    """A resolved, validated scenario (after extends, registers and overrides)."""

    meta: Meta
    targets: tuple[Target, ...] = Field(min_length=1)
    economy: Economy
    projects: tuple[Project, ...] = ()
    groups: tuple[Group, ...] = ()
    energy: Energy = Energy()
    uncertainty: Uncertainty = Uncertainty()
    simulation: Simulation = Simulation()

    def project(self, ident: str) -> Project:
        for p in self.projects:
            if p.id == ident:
                return p
        raise KeyError(ident)

    def __repr__(self) -> str:
        """A few lines (the whole scenario is ``portfolio show``): name, title, years, size, settings,
        each target and what it asks."""
        m, sim = self.meta, self.simulation
        counts = [f"{len(self.projects)} projects"] + ([f"{len(self.groups)} groups"] if self.groups else []) \
            + ([f"{len(self.energy.technologies)} energy technologies"] if self.energy.technologies else [])
        width = max(len(t.name) for t in self.targets)
        return "\n".join([f"<Scenario {m.name}: {m.title.en}>",
                          f"{m.region.en}, {m.base_year}–{m.horizon}, " + ", ".join(counts),
                          f"{sim.draws:,} draws, seed {sim.seed}, sampler {sim.sampler}",
                          *(f"  {t.name:<{width}}  {t.describe()}" for t in self.targets)])

    __str__ = __repr__

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(repr(self))}</pre>"


#: the lists whose items key paths address by a name rather than a position (``targets.gdp_2025``,
#: ``projects.airport``): in provenance, ``--set``, workbooks and diffs
NAMED_LISTS = {("targets",): "name", ("uncertainty", "drivers"): "name", ("uncertainty", "shocks"): "name",
               ("projects",): "id", ("groups",): "id"}

# keys a scenario file may hold besides the Scenario fields (resolved away by the loader)
FILE_KEYS = ("extends", "register", "remove_projects")
REGISTER_COLUMNS = (set(Project.model_fields) - {"name"}) | {"name_zh", "name_en"}
REGISTER_REQUIRED = {"id", "name_zh", "name_en", "kind", "source", "planned_start", "build_years"}


def json_schema() -> dict:
    """JSON Schema of a scenario file (for editors)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "portfolio scenario"
    props = schema.setdefault("properties", {})
    props["extends"] = {"type": "string", "description": "parent scenario file, relative to this file"}
    props["register"] = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                         "description": "project register file(s): CSV or XLSX, one row per project"}
    props["remove_projects"] = {"type": "array", "items": {"type": "string"},
                                "description": "ids of projects to drop (a variant)"}
    schema["required"] = [r for r in schema.get("required", []) if r != "targets"] + ["targets"]
    return schema


__all__ = ["Scenario", "Project", "Group", "Dependency", "Economy", "Target", "Technology", "json_schema", "FieldProblem"]
