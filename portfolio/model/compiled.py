"""Compiling a scenario: the structure the engine needs and the table of its random parameters.

Every random input is one named parameter (a column of the parameter matrix): the scenario's
distributions under their ``--set`` paths, plus the model's own random processes —
``projects.<id>.cancelled`` (Bernoulli), ``uncertainty.shocks.<name>.occurs`` (Bernoulli),
``economy.tfp_innovation.<year>`` and ``uncertainty.price_paths.<name>.innovation.<year>`` (standard
normal), ``energy.technologies.<k>.capex_factor`` (PERT around 1). Names, not column positions, key
the random streams, so scenarios that share an input share its draws (common random numbers).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from portfolio.scenario.fields import uncertain_fields
from portfolio.scenario.graph import topological_order
from portfolio.scenario.parameters import uncertain_inputs
from portfolio.scenario.schema import Economy, Project, Scenario, Technology
from portfolio.uncertainty import distributions as D
from portfolio.uncertainty.quantities import Dist

YI_PER_MW_AT_CNY_PER_KW = 1e3 / 1e8  # 1 MW × 1 CNY/kW = 1,000 CNY = 1e-5 亿元
#: a technology's inputs, one parameter each (capex per kW is compiled with its projects)
TECHNOLOGY_INPUTS = [f for f in uncertain_fields(Technology) if f != "capex_per_kw"]


@dataclass(frozen=True)
class ProjectPlan:
    """Fixed facts about one project and the parameter names of its uncertain inputs."""

    id: str
    index: int
    project: Project
    planned_start: float
    profile: str
    deflator: float                   # nominal capex in its price year → constant prices
    capex_per_kw_yi: float | None     # energy projects without capex: 亿元 per MW of capacity
    capex_per_kw_param: str | None    # … or the parameter of a capex per kW given as a distribution
    predecessors: tuple               # ((index, lag, link type), ...)
    drivers: tuple                    # names of the risk drivers that apply


@dataclass
class Compiled:
    """A scenario ready for the engine: its structure, its fixed values and its random parameters."""

    scenario: Scenario
    years: np.ndarray                          # base year … horizon (T + 1 values)
    projects: list[ProjectPlan]
    order: list[int]                           # project indices, predecessors first
    fixed: dict[str, float] = field(default_factory=dict)
    random: dict[str, D.Distribution] = field(default_factory=dict)
    correlated: list[str] = field(default_factory=list)
    correlation: np.ndarray | None = None
    labels: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # a project's inherited input → the economy's
    actuals: object | None = None                     # actuals.Actuals: observed growth
    ledger: dict = field(default_factory=dict)        # project index → ledger.LedgerEntry
    input_files: dict = field(default_factory=dict)   # conditioning files: label → {path, sha256}
    ledger_source: object | None = None               # the ledger as loaded (ledger.Ledger, has .path)
    groups: dict = field(default_factory=dict)        # group id → project indices (nested groups expanded)

    @property
    def names(self) -> list[str]:
        """Names of the random parameters, in a stable order."""
        return list(self.random)

    def value(self, params: dict, name: str, n: int) -> np.ndarray:
        """A parameter's draws (n,): sampled if random, else its fixed value broadcast. A project input
        inherited from the economy (μ, ℓ, κ not set on the project) is the economy's draw itself."""
        name = self.aliases.get(name, name)
        if name in params:
            return np.asarray(params[name], dtype=float)
        return np.full(n, self.fixed[name])

    def energy_projects(self) -> list[ProjectPlan]:
        return [p for p in self.projects if p.project.technology is not None]


def compile_scenario(s: Scenario, actuals=None, ledger: dict | None = None) -> Compiled:
    """Build the engine's view of a validated scenario, optionally conditioned on observed growth
    (``actuals.Actuals``) and on the project ledger ({project id: ``ledger.LedgerEntry``})."""
    base, horizon = s.meta.base_year, s.meta.horizon
    years = np.arange(base, horizon + 1)
    ids = [p.id for p in s.projects]
    deps = {p.id: [d.id for d in p.depends_on] for p in s.projects}
    order = [ids.index(i) for i in topological_order(ids, deps)]
    c = Compiled(scenario=s, years=years, projects=[], order=order, actuals=actuals,
                 ledger={ids.index(k): v for k, v in (ledger or {}).items()}, ledger_source=ledger)
    c.fixed["portfolio.capex_scale"] = 1.0  # a lever: scales every project's capex (goal seek)

    given = uncertain_inputs(s)

    def put(name: str, value, label: str = "") -> None:
        if isinstance(value, Dist):
            c.random[name] = value.distribution()
        elif isinstance(value, D.Distribution):
            c.random[name] = value
        else:
            c.fixed[name] = float(value)
        if label:
            c.labels[name] = label

    econ = s.economy
    for key in uncertain_fields(Economy):
        put(f"economy.{key}", getattr(econ, key))
    c.fixed["economy.gdp"] = econ.gdp
    if _may_be_positive(econ.tfp_shock_sd):
        for year in years[1:]:
            put(f"economy.tfp_innovation.{year}", D.Normal(0.0, 1.0))
    cycle = False
    for shock in ("investment", "demand"):
        if _may_be_positive(getattr(econ, f"{shock}_shock_sd")):
            cycle = True
            for year in years[1:]:
                put(f"economy.{shock}_innovation.{year}", D.Normal(0.0, 1.0))
    if cycle and _may_be_nonzero(econ.national_cycle_loading):
        for year in years[1:]:
            put(f"economy.national_cycle.{year}", D.Normal(0.0, 1.0))

    from portfolio.model.schedules import group_members
    from portfolio.scenario.graph import plan

    planned_cod = plan(s.projects)[1] if s.projects else []   # the CPM plan: links and constraints honoured
    c.groups = group_members(s)
    for index, p in enumerate(s.projects):
        c.projects.append(_plan(c, s, p, index, ids, put, float(planned_cod[index])))

    for driver in s.uncertainty.drivers:
        put(f"uncertainty.drivers.{driver.name}.start_delay", driver.start_delay)
        put(f"uncertainty.drivers.{driver.name}.cost_factor", driver.cost_factor)
    for shock in s.uncertainty.shocks:
        put(f"uncertainty.shocks.{shock.name}.occurs", _bernoulli(shock.probability))
    regime = s.uncertainty.contraction
    if regime is not None:
        put("uncertainty.contraction.depth", regime.depth)
        put("uncertainty.contraction.output_gap", regime.output_gap)
        for year in years[1:]:
            put(f"uncertainty.contraction.switch.{year}", D.Uniform(0.0, 1.0))
    for name, path in s.uncertainty.price_paths.items():
        if path.volatility > 0:
            for year in years[1:]:
                put(f"uncertainty.price_paths.{name}.innovation.{year}", D.Normal(0.0, 1.0))

    for key, tech in s.energy.technologies.items():
        prefix = f"energy.technologies.{key}"
        if isinstance(tech.capex_per_kw, Dist):
            put(f"{prefix}.capex_per_kw", tech.capex_per_kw)
        for attr in TECHNOLOGY_INPUTS:
            value = getattr(tech, attr)
            if value is not None:
                put(f"{prefix}.{attr}", value)
        if tech.capex_spread > 0:
            put(f"{prefix}.capex_factor", D.Pert(1 - tech.capex_spread, 1.0, 1 + tech.capex_spread))
        else:
            c.fixed[f"{prefix}.capex_factor"] = 1.0

    missing = set(given) - set(c.random)
    assert not missing, f"uncertain inputs not compiled: {sorted(missing)}"
    _correlations(c, s)
    return c


def _plan(c: Compiled, s: Scenario, p: Project, index: int, ids: list, put, planned_cod: float) -> ProjectPlan:
    prefix = f"projects.{p.id}"
    econ = s.economy
    put(f"{prefix}.build_years", p.build_years)
    put(f"{prefix}.start_delay", p.start_delay)
    cost = p.cost_ratio
    if cost is None and p.reference_class:
        cost = D.from_spec(D.reference_class(p.reference_class, "cost"))
    put(f"{prefix}.cost_ratio", 1.0 if cost is None else cost)
    duration = p.duration_ratio
    if duration is None and p.reference_class:
        duration = D.from_spec(D.reference_class(p.reference_class, "schedule"))
    put(f"{prefix}.duration_ratio", 1.0 if duration is None else duration)
    put(f"{prefix}.cancelled", _bernoulli(p.cancel_probability))
    for field_name, own, regional in (("local_content", p.local_content, "economy.local_content"),
                                      ("gfcf_share", p.gfcf_share, "economy.gfcf_share"),
                                      ("multiplier", p.multiplier, "economy.local_multiplier")):
        if own is not None:
            put(f"{prefix}.{field_name}", own)
        else:  # the region's value: one draw shared by every project that does not set its own
            c.aliases[f"{prefix}.{field_name}"] = regional
    put(f"{prefix}.output_value", p.output_value)
    put(f"{prefix}.value_added_ratio", p.value_added_ratio if p.value_added_ratio is not None else 0.0)
    put(f"{prefix}.ramp_years", p.ramp_years)
    put(f"{prefix}.displacement", p.displacement)
    put(f"{prefix}.tfp_uplift", p.tfp_uplift)
    if p.capacity is not None:
        put(f"{prefix}.capacity", p.capacity)
    capex_per_kw_yi = capex_per_kw_param = None
    if p.capex is not None:
        put(f"{prefix}.capex", p.capex)
    elif p.kind == "milestone":
        c.fixed[f"{prefix}.capex"] = 0.0                 # zero cost, zero duration
    else:
        tech = s.energy.technologies[p.technology]
        if isinstance(tech.capex_per_kw, Dist):  # sampled, shared by the technology's projects
            capex_per_kw_param = f"energy.technologies.{p.technology}.capex_per_kw"
        else:
            capex_per_kw_yi = _capex_per_kw(tech.capex_per_kw, planned_cod) * YI_PER_MW_AT_CNY_PER_KW
    price_year = p.price_year if p.price_year is not None else s.meta.prices
    deflator = (1 + econ.investment_deflator) ** -(price_year - s.meta.prices)
    drivers = tuple(d.name for d in s.uncertainty.drivers if p.id in d.applies_to or p.kind in d.applies_to)
    preds = tuple((ids.index(d.id), d.lag, d.type) for d in p.depends_on)
    return ProjectPlan(p.id, index, p, float(p.planned_start), p.profile, deflator, capex_per_kw_yi,
                       capex_per_kw_param, preds, drivers)


def _bernoulli(p: float):
    return D.Bernoulli(p) if 0 < p < 1 else float(p >= 1)


def _may_be_positive(value) -> bool:
    return isinstance(value, Dist) or value > 0


def _may_be_nonzero(value) -> bool:
    return isinstance(value, Dist) or value != 0


def _centre(value) -> float:
    """A representative value: the number itself or the distribution's median."""
    if isinstance(value, Dist):
        return float(value.distribution().ppf(np.array([0.5]))[0])
    return float(value)


def _capex_per_kw(table, year: float) -> float:
    """CNY/kW for a commissioning year: a number, or a {year: value} table interpolated linearly and
    held flat outside its years (a distribution is sampled instead, see ProjectPlan)."""
    if isinstance(table, dict):
        xs = sorted(table)
        return float(np.interp(year, xs, [table[x] for x in xs]))
    return float(table)


def _correlations(c: Compiled, s: Scenario) -> None:
    pairs = [p for p in s.uncertainty.correlations if all(name in c.random for name in p.between)]
    if not pairs:
        return  # correlations with inputs that are fixed (e.g. by --set) have nothing to correlate
    names: list[str] = []
    for pair in pairs:
        for name in pair.between:
            if name not in names:
                names.append(name)
    matrix = np.eye(len(names))
    for pair in pairs:
        a, b = names.index(pair.between[0]), names.index(pair.between[1])
        matrix[a, b] = matrix[b, a] = pair.rank
    c.correlated, c.correlation = names, matrix
