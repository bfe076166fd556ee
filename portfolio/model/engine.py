"""The engine: a pure function of (compiled scenario, parameter draws) → arrays, vectorised over draws.

Every Monte Carlo run, sensitivity design and sweep goes through ``evaluate``: it takes a mapping of
parameter name → array of n draws and returns arrays with axes (draw, year), (draw, project, year)
or (draw, technology, year). No Python loop runs per draw; loops run over projects or years.

Money in 亿元 at constant prices; power MW; energy GWh; emissions Mt CO2. Year axis: the base year
followed by every simulated year (T + 1 values); growth arrays have T values (simulated years).
The equations are written out in ``docs/model.md``.
"""
from __future__ import annotations

import numpy as np

from portfolio.model import economy, energy, kernels
from portfolio.model.compiled import YI_PER_MW_AT_CNY_PER_KW, Compiled
from portfolio.model.schedules import (
    group_dates,
    interval_fraction,
    ramp_fraction,
    resolve_schedule,
)
from portfolio.scenario.actuals import apply_actuals

CONTRIBUTIONS = ("tfp", "capital", "labour", "demand", "construction", "operation", "energy")


def evaluate(c: Compiled, params: dict[str, np.ndarray], n: int, detail: bool = True) -> dict:
    """Simulate n draws. ``params`` maps random-parameter names to (n,) arrays.

    Returns a dict of arrays; ``detail=False`` skips per-project and per-technology outputs that only
    the tables need (the targets and GDP paths are always there).
    """
    s = c.scenario
    years = c.years
    v = lambda name: c.value(params, name, n)  # noqa: E731 — short accessor used throughout

    sched = _schedules(c, v, n)
    cancelled = sched["cancelled"]
    capex_live = sched["capex"] * ~cancelled                                           # (n, J) 亿元
    shares = _spending(c, sched, years)                                                # (n, J, T+1)
    spent_by_year = np.einsum("nj,njt->nt", capex_live, shares)                       # (n, T+1)
    demand_coef = v_stack(c, v, "multiplier") * v_stack(c, v, "local_content") * v_stack(c, v, "gfcf_share")
    construction_total = np.einsum("nj,njt->nt", capex_live * demand_coef, shares)     # Σ μℓκ·c_j,t
    operation_total = _operation(c, v, sched, years, n)
    gen = _energy(c, v, sched, years, n)
    energy_total = gen["value_added_by_tech"].sum(axis=1)
    integrated = s.economy.mode == "integrated"
    # the portfolio's gross fixed capital formation κ·c_t (亿元): capital in integrated mode, and part
    # of the economy's total investment rate in both modes
    gfcf = np.einsum("nj,njt->nt", capex_live * v_stack(c, v, "gfcf_share"), shares)
    if integrated:
        overlay = np.zeros_like(construction_total)
    else:
        overlay = construction_total + operation_total + energy_total

    base = _baseline(c, v, sched, years, n, overlay[:, 0], gfcf if integrated else None)
    gdp_base = base["gdp"]
    gdp = gdp_base + overlay
    with np.errstate(all="ignore"):
        investment_rate = (base["investment_rate"] * gdp_base + gfcf) / gdp       # (n, T+1), modelled
    with np.errstate(all="ignore"):
        growth = gdp[:, 1:] / gdp[:, :-1] - 1.0
        prev = gdp[:, :-1]
        share_base = gdp_base[:, :-1] / prev
        contributions = {
            "tfp": base["tfp"] * share_base,
            "capital": base["capital"] * share_base,
            "labour": base["labour"] * share_base,
            "demand": base["demand"] * share_base,
            "construction": np.diff(construction_total, axis=1) / prev * (not integrated),
            "operation": np.diff(operation_total, axis=1) / prev * (not integrated),
            "energy": np.diff(energy_total, axis=1) / prev * (not integrated),
        }
    observed_model = None
    if c.actuals is not None:
        observed_model = growth[:, :len(c.actuals.years)].copy()    # what each draw said before the actuals
        apply_actuals(c.actuals, years, gdp, growth, contributions)
    valid = base["valid"] & np.all(np.isfinite(gdp) & (gdp > 0), axis=1)

    out = {
        "gdp": gdp, "growth": growth, "gdp_baseline": gdp_base, "valid": valid,
        "contributions": contributions,
        "capex_spent": spent_by_year,
        "capacity_by_tech": gen["capacity_by_tech"],
        "ky": base["ky"], "investment_rate": investment_rate, "overlay": overlay,
        "contraction": base["contraction"],
    }
    if observed_model is not None:
        out["model_growth_observed"] = observed_model
    out["targets"] = target_outcomes(c, gdp, growth, gen["capacity_by_tech"], sched)
    out.update({"start": sched["start"], "cod": sched["cod"], "cancelled": cancelled})   # every draw: cheap
    if detail:
        out.update({
            "spent": capex_live * shares.sum(axis=2),
            "operating": (sched["cod"][..., None] < years + 1) & ~cancelled[..., None],
            "generation_by_tech": gen["generation_by_tech"], "value_added_by_tech": gen["value_added_by_tech"],
            "co2_by_tech": gen["co2_by_tech"], "losses_by_tech": gen["losses_by_tech"],
        })
    return out


def v_stack(c: Compiled, v, field: str) -> np.ndarray:
    """(n, J) draws of one project field across all projects."""
    if not c.projects:
        return np.zeros((len(v("economy.capital_share")), 0))
    return np.stack([v(f"projects.{p.id}.{field}") for p in c.projects], axis=1)


def _schedules(c: Compiled, v, n: int) -> dict:
    """Start, COD, cancellation and real capex of every project (n, J)."""
    J = len(c.projects)
    if J == 0:
        empty = np.zeros((n, 0))
        return {"start": empty, "cod": empty, "cancelled": empty.astype(bool), "capex": empty,
                "build": empty}
    delay = v_stack(c, v, "start_delay")
    cost_factor = np.ones((n, J))
    for j, plan in enumerate(c.projects):
        for name in plan.drivers:
            delay[:, j] += v(f"uncertainty.drivers.{name}.start_delay")
            cost_factor[:, j] *= v(f"uncertainty.drivers.{name}.cost_factor")
    planned = np.broadcast_to(np.array([p.planned_start for p in c.projects]), (n, J))
    build = v_stack(c, v, "build_years")
    ratio = v_stack(c, v, "duration_ratio")
    cancelled = v_stack(c, v, "cancelled") > 0.5
    deps = [list(p.predecessors) for p in c.projects]
    not_before = np.array([np.nan if p.project.not_before is None else p.project.not_before for p in c.projects])
    start, cod, cancelled = resolve_schedule(planned, delay, build, ratio, cancelled, deps, c.order,
                                             ledger=c.ledger, not_before=not_before)
    capex = np.empty((n, J))
    for j, plan in enumerate(c.projects):
        tech = plan.project.technology
        if plan.capex_per_kw_param is not None:       # capacity × sampled CNY/kW × technology factor
            nominal = (v(f"projects.{plan.id}.capacity") * v(plan.capex_per_kw_param) * YI_PER_MW_AT_CNY_PER_KW
                       * v(f"energy.technologies.{tech}.capex_factor"))
        elif plan.capex_per_kw_yi is not None:        # capacity × CNY/kW of the planned COD × factor
            nominal = (v(f"projects.{plan.id}.capacity") * plan.capex_per_kw_yi
                       * v(f"energy.technologies.{tech}.capex_factor"))
        else:
            nominal = v(f"projects.{plan.id}.capex")
        capex[:, j] = nominal * plan.deflator
    capex *= v_stack(c, v, "cost_ratio") * cost_factor * c.fixed["portfolio.capex_scale"]
    return {"start": start, "cod": cod, "cancelled": cancelled, "capex": capex, "build": cod - start}


def _spending(c: Compiled, sched: dict, years: np.ndarray) -> np.ndarray:
    """Share of each project's capex spent in each year (n, J, T+1), by its spending profile
    (``schedules.spending_shares``, every project in one pass of the kernel)."""
    n, J = sched["start"].shape
    shares = np.empty((n, J, len(years)))
    if J and np.any(sched["build"] < 0):
        raise ValueError("spending_shares: duration must be >= 0 years")
    edges = np.append(np.asarray(years, float), float(years[-1]) + 1.0)
    kernels.spending_shares(np.ascontiguousarray(sched["start"], dtype=float),
                            np.ascontiguousarray(sched["build"], dtype=float),
                            kernels.profile_codes([p.profile for p in c.projects]), edges, shares)
    return shares


def _operation(c: Compiled, v, sched: dict, years: np.ndarray, n: int) -> np.ndarray:
    """Total operating value added Σ_j Q·u·p·v·(1 − d) of the live projects (n, T+1) [亿元]."""
    total = np.zeros((n, len(years)))
    producing = [j for j, p in enumerate(c.projects)
                 if f"projects.{p.id}.output_value" in c.random or c.fixed[f"projects.{p.id}.output_value"]]
    if not producing:
        return total
    cols = [c.projects[j] for j in producing]
    pick = lambda field: np.stack([v(f"projects.{p.id}.{field}") for p in cols], axis=1)  # noqa: E731
    util = ramp_fraction(sched["cod"][:, producing], pick("ramp_years"), years)        # (n, P, T+1)
    coef = (pick("output_value") * pick("value_added_ratio") * (1 - pick("displacement"))
            * ~sched["cancelled"][:, producing])
    priced = [i for i, plan in enumerate(cols) if plan.project.price_index is not None]
    plain = [i for i in range(len(cols)) if i not in priced]
    if plain:
        total += np.einsum("np,npt->nt", coef[:, plain], util[:, plain])
    for i in priced:
        total += coef[:, i, None] * util[:, i] * price_path(c, v, cols[i].project.price_index, n)
    return total


def price_path(c: Compiled, v, name: str, n: int) -> np.ndarray:
    """Real price index (n, T+1) whose mean is the level path: level × exp(d_t − var(d_t)/2), with d an
    AR(1) log deviation (persistence ρ, innovation sd σ) starting at 0 in the base year."""
    path = c.scenario.uncertainty.price_paths[name]
    years = c.years
    if path.level:
        xs = sorted(path.level)
        level = np.interp(years, xs, [path.level[x] for x in xs])
    else:
        level = np.ones(len(years))
    dev = np.zeros((n, len(years)))
    variance = np.zeros(len(years))
    rho, sigma = path.persistence, path.volatility
    if sigma > 0:
        for t, year in enumerate(years[1:], start=1):
            dev[:, t] = rho * dev[:, t - 1] + sigma * v(f"uncertainty.price_paths.{name}.innovation.{year}")
            variance[t] = rho * rho * variance[t - 1] + sigma * sigma
    return level * np.exp(dev - variance / 2)


def _energy(c: Compiled, v, sched: dict, years: np.ndarray, n: int) -> dict:
    """Capacity, generation, value added and CO2 avoided by technology (n, K, T+1)."""
    techs = list(c.scenario.energy.technologies)
    K, T1 = len(techs), len(years)
    out = {key: np.zeros((n, K, T1)) for key in
           ("capacity_by_tech", "generation_by_tech", "value_added_by_tech", "co2_by_tech", "losses_by_tech")}
    plans = c.energy_projects()
    if not plans:
        return out
    factor = c.scenario.energy.emission_factor.value if c.scenario.energy.emission_factor else 0.0
    yrs = np.asarray(years, dtype=float)
    for plan in plans:
        j = plan.index
        key = plan.project.technology
        k = techs.index(key)
        tech = c.scenario.energy.technologies[key]
        prefix = f"energy.technologies.{key}"
        cap = v(f"projects.{plan.id}.capacity")
        alive = ~sched["cancelled"][:, j]
        cod = np.ascontiguousarray(sched["cod"][:, j], float)
        if tech.kind == "generation":
            # compiled: capacity online, generation, value added and CO2 in one pass (kernels.add_generation);
            # the degradation factor (1 − d)^age by NumPy, as energy.generation_gwh computes it
            decay = (1.0 - np.asarray(v(f"{prefix}.degradation"), float)[:, None]) ** np.maximum(
                energy.age_years(cod, years), 0.0)
            kernels.add_generation(k, _contiguous(cap), cod, np.ascontiguousarray(alive),
                                   _contiguous(v(f"{prefix}.full_load_hours")), _contiguous(v(f"{prefix}.curtailment")),
                                   decay, _contiguous(v(f"{prefix}.tariff")), _contiguous(v(f"{prefix}.value_added_ratio")),
                                   float(factor), yrs, out["capacity_by_tech"], out["generation_by_tech"],
                                   out["value_added_by_tech"], out["co2_by_tech"])
            continue
        frac = interval_fraction(cod, np.inf, years) * alive[:, None]
        out["capacity_by_tech"][:, k] += energy.capacity_online_mw(cap, cod, years, ~alive)
        if tech.kind == "storage":
            service = energy.storage_service(cap[:, None], v(f"{prefix}.duration_hours")[:, None],
                                             v(f"{prefix}.cycles_per_year")[:, None],
                                             v(f"{prefix}.round_trip_efficiency")[:, None], frac)
            va = energy.value_added_yi(service["throughput_gwh"], v(f"{prefix}.service_fee")[:, None],
                                       v(f"{prefix}.value_added_ratio")[:, None])
            # storage losses use renewable energy that would otherwise displace grid power: they count
            # against the CO2 avoided (a negative entry on the storage row), never as generation
            out["losses_by_tech"][:, k] += service["losses_gwh"]
            out["co2_by_tech"][:, k] -= energy.co2_avoided_mt(service["losses_gwh"], factor)
        else:
            delivered = energy.charging_service(cap[:, None], v(f"{prefix}.utilisation_hours")[:, None], frac)
            va = energy.value_added_yi(delivered, v(f"{prefix}.service_fee")[:, None],
                                       v(f"{prefix}.value_added_ratio")[:, None])
        out["value_added_by_tech"][:, k] += va
    return out


def _contiguous(values: np.ndarray) -> np.ndarray:
    """A per-draw input (n,) as a contiguous float array for a kernel (a correlated input's draws are a
    column of the sampler's block)."""
    return np.ascontiguousarray(values, dtype=float)


def _baseline(c: Compiled, v, sched: dict, years: np.ndarray, n: int, overlay0: np.ndarray,
              gfcf: np.ndarray | None) -> dict:
    """The non-portfolio economy (LTGM) from Y^B_t0 = Y_t0 − X_t0.

    Integrated mode (``gfcf`` given: the portfolio's capital formation κ·c_t per year): Y^B_t0 = Y_t0
    and θ·gfcf joins the economy's investment instead of any overlay."""
    integrated = gfcf is not None
    T = len(years) - 1
    y0 = c.fixed["economy.gdp"] - (0.0 if integrated else overlay0)
    s_trend = v("economy.investment_rate")[:, None] + v("economy.investment_rate_change")[:, None] * np.arange(T + 1)
    cycle = _cycle(c, v, years, n)
    if cycle["investment"] is not None:
        s_trend = s_trend + cycle["investment"]
    s_full = np.clip(s_trend, 0.0, 1.0)
    s_path = s_full[:, :T]
    gA = np.repeat(v("economy.tfp_growth")[:, None], T, axis=1)
    if "economy.tfp_growth_change" in c.random or c.fixed.get("economy.tfp_growth_change", 0.0) != 0.0:
        gA += v("economy.tfp_growth_change")[:, None] * np.arange(T)     # trend deceleration (or rise)
    sd = v("economy.tfp_shock_sd")
    rho = v("economy.tfp_shock_persistence")
    if f"economy.tfp_innovation.{years[1]}" in c.random:
        eps = np.zeros(n)
        for t, year in enumerate(years[1:]):
            eps = rho * eps + sd * v(f"economy.tfp_innovation.{year}")
            gA[:, t] += eps
    for shock in c.scenario.uncertainty.shocks:
        hit = v(f"uncertainty.shocks.{shock.name}.occurs")
        t = shock.year - years[1]
        gA[:, t] += hit * shock.impact
        if t + 1 < T and shock.recovery:
            gA[:, t + 1] -= hit * shock.impact * shock.recovery
    gA += _tfp_uplift(c, v, sched, years, n)
    gL = economy.labour_growth(v("economy.population_growth"), v("economy.working_age_share_growth"),
                               v("economy.participation_growth"))
    # capex spent in year t joins that year's investment s_t·Y_t and so the capital of year t+1
    extra = v("economy.integrated_efficiency")[:, None] * gfcf[:, :-1] if integrated else None
    base = economy.simulate_baseline(
        y0, v("economy.capital_output_ratio"), s_path, gA, v("economy.human_capital_growth"), gL,
        v("economy.capital_share"), v("economy.depreciation"), extra_investment=extra,
        output_gap=cycle["gap"])
    base["investment_rate"] = s_full          # s_t for every year, base year first (n, T+1)
    base["contraction"] = cycle["state"] if cycle["state"] is not None else np.zeros((n, T + 1))
    return base


def _cycle(c: Compiled, v, years: np.ndarray, n: int) -> dict:
    """The economy's year-to-year shocks outside TFP (docs/model.md section 1), each (n, T+1) with the
    base year 0, or None when the scenario has none:

    - ``investment``: the deviation of the non-portfolio investment rate from its trend, u_t = ρ_I u_t−1
      + σ_I e^I_t, minus the contraction's depth in contraction years;
    - ``gap``: the output gap ln(Y/Y*), x_t = ρ_D x_t−1 + σ_D e^D_t, plus the contraction's output gap;
    - ``state``: 1 in contraction years (a Markov switch: enter with ``probability`` from normal
      times, leave with ``exit_probability``), else 0.

    e^I and e^D load λ on one national-cycle innovation and √(1 − λ²) on their own, so their
    correlation is λ²."""
    T = len(years) - 1
    first = years[1]
    has = {k: f"economy.{k}_innovation.{first}" in c.random for k in ("investment", "demand")}
    national = f"economy.national_cycle.{first}" in c.random
    out = {"investment": None, "gap": None, "state": None}
    if has["investment"] or has["demand"]:
        loading = v("economy.national_cycle_loading") if national else np.zeros(n)
        own = np.sqrt(1.0 - loading ** 2)
        for kind in ("investment", "demand"):
            if not has[kind]:
                continue
            sd, rho = v(f"economy.{kind}_shock_sd"), v(f"economy.{kind}_shock_persistence")
            path = np.zeros((n, T + 1))
            for t, year in enumerate(years[1:], start=1):
                shock = own * v(f"economy.{kind}_innovation.{year}")
                if national:
                    shock = shock + loading * v(f"economy.national_cycle.{year}")
                path[:, t] = rho * path[:, t - 1] + sd * shock
            out["investment" if kind == "investment" else "gap"] = path
    regime = c.scenario.uncertainty.contraction
    if regime is not None:
        state = np.zeros((n, T + 1))
        start = regime.first_year if regime.first_year is not None else first
        for t, year in enumerate(years[1:], start=1):
            u = v(f"uncertainty.contraction.switch.{year}")
            was = state[:, t - 1] > 0
            state[:, t] = np.where(was, u >= regime.exit_probability, (u < regime.probability) & (year >= start))
        depth, gap = v("uncertainty.contraction.depth")[:, None], v("uncertainty.contraction.output_gap")[:, None]
        out["investment"] = (0.0 if out["investment"] is None else out["investment"]) - depth * state
        out["gap"] = (0.0 if out["gap"] is None else out["gap"]) + gap * state
        out["state"] = state
    return out


def _tfp_uplift(c: Compiled, v, sched: dict, years: np.ndarray, n: int) -> np.ndarray:
    """Catalytic TFP growth uplift (n, T): each project's total gain spread over uplift_years after COD."""
    uplift = np.zeros((n, len(years) - 1))
    for j, plan in enumerate(c.projects):
        gain = v(f"projects.{plan.id}.tfp_uplift")
        if not np.any(gain):
            continue
        span = plan.project.uplift_years
        cod = np.where(sched["cancelled"][:, j], np.inf, sched["cod"][:, j])
        frac = interval_fraction(cod, cod + span, years[1:])
        uplift += (gain / span)[:, None] * frac
    return uplift


def finish_of(c: Compiled, sched: dict, ident: str) -> np.ndarray:
    """Finish per draw (n,) of a project, milestone or group [decimal year]; NaN when cancelled."""
    if ident in c.groups:
        return group_dates(sched["start"], sched["cod"], sched["cancelled"], c.groups[ident])[1]
    j = [p.id for p in c.projects].index(ident)
    return np.where(sched["cancelled"][:, j], np.nan, sched["cod"][:, j])


def target_outcomes(c: Compiled, gdp: np.ndarray, growth: np.ndarray, capacity_by_tech: np.ndarray,
                    sched: dict | None = None) -> dict:
    """Each target's outcome per draw (n,): average/min growth, GDP level, capacity, or for a completion
    target the slack ``by − finish`` in years (NaN when the project is cancelled)."""
    years = c.years
    techs = list(c.scenario.energy.technologies)
    result = {}
    for target in c.scenario.targets:
        first, last = target.years
        if target.metric == "average_growth":
            i0, i1 = first - 1 - years[0], last - years[0]
            with np.errstate(all="ignore"):
                result[target.name] = (gdp[:, i1] / gdp[:, i0]) ** (1.0 / (last - first + 1)) - 1.0
        elif target.metric == "min_growth":
            result[target.name] = growth[:, first - years[1]: last - years[1] + 1].min(axis=1)
        elif target.metric == "gdp_level":
            result[target.name] = gdp[:, last - years[0]]
        elif target.metric == "completion":
            result[target.name] = target.by - finish_of(c, sched, target.project)
        else:
            chosen = target.technologies or [k for k, t in c.scenario.energy.technologies.items()
                                              if t.kind == "generation"]
            idx = [techs.index(k) for k in chosen]
            result[target.name] = capacity_by_tech[:, idx, last - years[0]].sum(axis=1)
    return result
