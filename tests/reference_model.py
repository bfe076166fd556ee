"""Reference implementation of the model (issue 7): one draw at a time, scalar Python, the equations of
docs/model.md written out as directly as possible. It is a test oracle for ``portfolio.model.engine``.

Independence: nothing here calls ``portfolio.model.engine``, ``schedules``, ``energy`` or ``economy``. It
reads only the scenario (``compiled.scenario``), the parameter table's fixed values
(``compiled.fixed``), the conditioning inputs (``compiled.ledger``, ``compiled.actuals``) and one row of
sampled parameters ``{name: float}`` — the same row the engine gets as column ``i`` of its matrix.

Conventions (docs/model.md, docs/scenario-format.md and the engine's documented semantics):
- time is in decimal years; calendar year t is the interval [t, t + 1);
- the year axis is base year … horizon (T + 1 values); growth and contributions have T values;
- money 亿元 at constant prices, power MW, energy GWh, CO2 Mt.

``reference_draw(compiled, row)`` returns a dict of plain Python lists/floats (see its docstring).
"""
from __future__ import annotations

import math
import time

CONTRIBUTIONS = ("tfp", "capital", "labour", "demand", "construction", "operation", "energy")
NAN = float("nan")
INF = float("inf")


# --------------------------------------------------------------------------- scalar IEEE helpers
def _div(a: float, b: float) -> float:
    """a / b with IEEE semantics (x/0 = ±inf, 0/0 = nan) instead of ZeroDivisionError."""
    if b == 0.0:
        if a == 0.0 or math.isnan(a):
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)
    return a / b


def _log1p(x: float) -> float:
    """log(1 + x) with IEEE semantics (−inf at −1, nan below or for nan)."""
    if math.isnan(x) or x < -1.0:
        return NAN
    if x == -1.0:
        return -INF
    return math.log1p(x)


def _pow(base: float, exponent: float) -> float:
    """Real power: nan (not a complex number) for a negative base and a fractional exponent."""
    if math.isnan(base) or math.isnan(exponent):
        return NAN
    if base < 0.0 and exponent != int(exponent):
        return NAN
    try:
        return base ** exponent
    except ZeroDivisionError:  # 0 ** negative
        return INF
    except OverflowError:
        return INF


def _clip(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


def _interp(x: float, table: dict) -> float:
    """Linear interpolation in a {year: value} table, held flat outside its years."""
    xs = sorted(table)
    if x <= xs[0]:
        return float(table[xs[0]])
    if x >= xs[-1]:
        return float(table[xs[-1]])
    for a, b in zip(xs, xs[1:]):
        if a <= x <= b:
            wa = (b - x) / (b - a)
            return wa * table[a] + (1.0 - wa) * table[b]
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- schedule pieces (docs/model.md section 2)
def profile_cdf(profile: str, x: float) -> float:
    """Cumulative share of capex spent at build progress x ∈ [0, 1] (format: `profile`)."""
    x = _clip(x, 0.0, 1.0)
    if profile == "uniform":
        return x
    if profile == "s_curve":
        return 3.0 * x * x - 2.0 * x * x * x          # smoothstep
    if profile == "front_loaded":
        return 1.0 - (1.0 - x) * (1.0 - x)
    if profile == "back_loaded":
        return x * x
    raise ValueError(profile)


def spent_share(profile: str, start: float, duration: float, year: int) -> float:
    """docs/model.md section 2, spending: share of the profile falling in calendar year [t, t+1) (fractional years).

    share = F((t + 1 − start)/d) − F((t − start)/d); a zero duration puts everything in the year that
    contains the start."""
    if duration > 0.0:
        return (profile_cdf(profile, (year + 1 - start) / duration)
                - profile_cdf(profile, (year - start) / duration))
    return 1.0 if year <= start < year + 1 else 0.0


def covered(a: float, b: float, year: int) -> float:
    """Fraction of calendar year [t, t+1) covered by the interval [a, b) (b may be inf)."""
    return max(_clip(b, year, year + 1.0) - _clip(a, year, year + 1.0), 0.0)


def mean_utilisation(cod: float, ramp: float, year: int) -> float:
    """docs/model.md section 2, operation: u_j,t, the mean over [t, t+1) of a linear ramp-up from 0 at COD to 1 at
    COD + ramp (a step at COD when ramp = 0): u(τ) = min(max(τ − cod, 0)/ramp, 1)."""
    def integral(x: float) -> float:                  # ∫_cod^x u(τ) dτ
        after = x - cod
        if after <= 0.0:
            return 0.0
        if ramp > 0.0 and after <= ramp:
            return after * after / (2.0 * ramp)
        return (ramp / 2.0 if ramp > 0.0 else 0.0) + (after - ramp)
    return integral(year + 1.0) - integral(float(year))


def _predecessor_order(projects) -> list[int]:
    """Project indices, every predecessor before its dependants (plain repeated passes)."""
    ids = [p.id for p in projects]
    placed: list[int] = []
    while len(placed) < len(projects):
        progress = False
        for j, p in enumerate(projects):
            if j not in placed and all(ids.index(d.id) in placed for d in p.depends_on):
                placed.append(j)
                progress = True
        if not progress:
            raise ValueError("dependency cycle")
    return placed


def _planned_cods(projects) -> list[float]:
    """The plan's COD of each project (format: planned dates): a forward pass with the expected builds,
    no delays, the links and the not_before dates."""
    ids = [p.id for p in projects]
    start, cod = [0.0] * len(projects), [0.0] * len(projects)
    for j in _predecessor_order(projects):
        p = projects[j]
        build = float(p.build_years.distribution().mean()) if hasattr(p.build_years, "distribution") else float(p.build_years)
        st = float(p.planned_start) if p.not_before is None else max(float(p.planned_start), float(p.not_before))
        for dep in p.depends_on:
            i = ids.index(dep.id)
            st = max(st, {"SS": start[i] + dep.lag, "FF": cod[i] + dep.lag - build}.get(dep.type, cod[i] + dep.lag))
        start[j], cod[j] = st, st + build
    return cod


# --------------------------------------------------------------------------- the draw
def reference_draw(compiled, row: dict) -> dict:
    """Evaluate one draw of the model.

    Parameters
    ----------
    compiled : portfolio.model.compiled.Compiled
        Gives the scenario, the fixed parameter values, the ledger and the actuals.
    row : dict
        {random parameter name: float} for this draw.

    Returns
    -------
    dict
        ``gdp``, ``gdp_baseline`` (T+1), ``growth`` (T), ``valid`` (bool), ``contributions``
        {source: T values}, ``capex_spent`` (T+1), ``targets`` {name: float}; per project (J):
        ``start``, ``cod``, ``cancelled``, ``spent``, ``operating`` (J × (T+1) bools); per technology
        (K × (T+1)): ``capacity_by_tech``, ``generation_by_tech``, ``value_added_by_tech``,
        ``co2_by_tech``.
    """
    s = compiled.scenario
    base, horizon = s.meta.base_year, s.meta.horizon
    years = list(range(base, horizon + 1))           # base year … horizon
    T = len(years) - 1

    def P(name: str) -> float:
        """A parameter's value in this draw: sampled if random, else its fixed value; a project's
        μ/ℓ/κ left unset is the economy's own draw (format: "default: the economy values")."""
        for field, regional in (("multiplier", "local_multiplier"), ("local_content", "local_content"),
                                ("gfcf_share", "gfcf_share")):
            if name.startswith("projects.") and name.endswith("." + field):
                project = next(p for p in compiled.scenario.projects if p.id == name.split(".")[1])
                if getattr(project, field) is None:
                    name = f"economy.{regional}"
        if name in row:
            return float(row[name])
        return float(compiled.fixed[name])

    projects = list(s.projects)
    J = len(projects)
    ids = [p.id for p in projects]
    ledger = compiled.ledger or {}

    # ---------------------------------------------------------------- 3.2 schedule
    # start_j = planned_start_j + delay_j (own delay + shared risk drivers, format `drivers`);
    # start_j ≥ not_before_j; for each predecessor i: start_j ≥ COD_i + lag (FS), ≥ start_i + lag (SS),
    # COD_j ≥ COD_i + lag (FF); COD_j = start_j + build_j × ratio_j;
    # cancelled_j ~ Bernoulli(p_j), inherited from any cancelled predecessor.
    start = [0.0] * J
    cod = [0.0] * J
    cancelled = [False] * J
    for j in _predecessor_order(projects):
        p = projects[j]
        pre = f"projects.{p.id}"
        delay = P(f"{pre}.start_delay")
        for d in s.uncertainty.drivers:
            if p.id in d.applies_to or p.kind in d.applies_to:
                delay += P(f"uncertainty.drivers.{d.name}.start_delay")
        st = float(p.planned_start) + delay
        if p.not_before is not None:
            st = max(st, float(p.not_before))
        build = P(f"{pre}.build_years")
        ratio = P(f"{pre}.duration_ratio")
        gone = P(f"{pre}.cancelled") > 0.5
        entry = ledger.get(j)
        started = entry is not None and entry.status in ("operating", "under_construction")
        if not started:                                # a reported start is not re-timed by predecessors
            for dep in p.depends_on:
                i = ids.index(dep.id)
                if dep.type == "SS":
                    st = max(st, start[i] + float(dep.lag))
                elif dep.type == "FF":
                    st = max(st, cod[i] + float(dep.lag) - build * ratio)
                else:
                    st = max(st, cod[i] + float(dep.lag))
                gone = gone or cancelled[i]
        c = st + build * ratio
        # ledger (台账) conditioning: the reported state overrides the sampled schedule
        if entry is not None:
            if entry.status == "cancelled":
                gone = True
            elif entry.status == "operating":
                c = float(entry.actual_cod)
                st = float(entry.actual_start) if entry.actual_start is not None else c - build * ratio
                gone = False
            elif entry.status == "under_construction":
                st = float(entry.actual_start)
                remaining = (1.0 - (entry.share_complete or 0.0)) * build * ratio
                c = max(entry.report_date, entry.actual_start) + remaining
                gone = False
            else:                                      # not_started: never before the report date
                late = max(st, entry.report_date)
                c = c + (late - st)
                st = late
        start[j], cod[j], cancelled[j] = st, c, gone

    # ---------------------------------------------------------------- 3.2 capex (real, constant prices)
    # capex_j × cost_ratio_j × driver cost factors × capex_scale, deflated from the project's price year;
    # energy projects without capex: capacity × capex/kW of the planned COD × technology capex factor.
    deflator_rate = s.economy.investment_deflator
    capex = [0.0] * J
    planned_cods = _planned_cods(projects)
    for j, p in enumerate(projects):
        pre = f"projects.{p.id}"
        if p.capex is not None:
            nominal = P(f"{pre}.capex")
        elif p.kind == "milestone":                 # zero cost (format: kind milestone)
            nominal = 0.0
        else:
            tech = s.energy.technologies[p.technology]
            planned_cod = planned_cods[j]
            table = tech.capex_per_kw
            if isinstance(table, dict):
                cny_per_kw = _interp(planned_cod, table)
            elif hasattr(table, "distribution"):   # a distribution (Dist): one draw per technology
                cny_per_kw = P(f"energy.technologies.{p.technology}.capex_per_kw")
            else:
                cny_per_kw = float(table)
            # 1 MW × 1 CNY/kW = 1000 CNY = 1e-5 亿元
            nominal = (P(f"{pre}.capacity") * cny_per_kw * 1000.0 / 1e8
                       * P(f"energy.technologies.{p.technology}.capex_factor"))
        price_year = p.price_year if p.price_year is not None else s.meta.prices
        real = nominal * (1.0 + deflator_rate) ** (s.meta.prices - price_year)
        factor = 1.0
        for d in s.uncertainty.drivers:
            if p.id in d.applies_to or p.kind in d.applies_to:
                factor *= P(f"uncertainty.drivers.{d.name}.cost_factor")
        capex[j] = real * P(f"{pre}.cost_ratio") * factor * P("portfolio.capex_scale")

    # ---------------------------------------------------------------- 3.2 spending and demand
    # c_j,t = capex_j × share of the spending profile in year t (cancelled projects spend nothing);
    # D_j,t = μ_j ℓ_j κ_j c_j,t
    capex_spent = [0.0] * (T + 1)
    construction = [0.0] * (T + 1)
    gfcf = [0.0] * (T + 1)                            # κ_j c_j,t (capital formation)
    spent = [0.0] * J
    for j, p in enumerate(projects):
        if cancelled[j]:
            continue
        pre = f"projects.{p.id}"
        mu, ell, kappa = P(f"{pre}.multiplier"), P(f"{pre}.local_content"), P(f"{pre}.gfcf_share")
        for t, year in enumerate(years):
            c_jt = capex[j] * spent_share(p.profile, start[j], cod[j] - start[j], year)
            capex_spent[t] += c_jt
            spent[j] += c_jt
            construction[t] += mu * ell * kappa * c_jt
            gfcf[t] += kappa * c_jt

    # ---------------------------------------------------------------- 3.2 operation
    # V_j,t = Q_j × u_j,t × p_j,t × v_j × (1 − d_j); p: real price index, level × exp(dev − var/2),
    # dev an AR(1) in logs from 0 in the base year (mean-corrected so that E[p] = level).
    price_cache: dict[str, list[float]] = {}

    def price_index(name: str) -> list[float]:
        if name not in price_cache:
            path = s.uncertainty.price_paths[name]
            rho, sigma = path.persistence, path.volatility
            dev, var, out = 0.0, 0.0, []
            for t, year in enumerate(years):
                if t > 0 and sigma > 0:
                    dev = rho * dev + sigma * P(f"uncertainty.price_paths.{name}.innovation.{year}")
                    var = rho * rho * var + sigma * sigma
                level = _interp(year, path.level) if path.level else 1.0
                out.append(level * math.exp(dev - var / 2.0))
            price_cache[name] = out
        return price_cache[name]

    operation = [0.0] * (T + 1)
    for j, p in enumerate(projects):
        pre = f"projects.{p.id}"
        Q = P(f"{pre}.output_value")
        if cancelled[j] or Q == 0.0:
            continue
        v, disp, ramp = P(f"{pre}.value_added_ratio"), P(f"{pre}.displacement"), P(f"{pre}.ramp_years")
        prices = price_index(p.price_index) if p.price_index is not None else [1.0] * (T + 1)
        for t, year in enumerate(years):
            operation[t] += Q * mean_utilisation(cod[j], ramp, year) * prices[t] * v * (1.0 - disp)

    # ---------------------------------------------------------------- 3.3 energy base
    techs = list(s.energy.technologies)
    K = len(techs)
    capacity = [[0.0] * (T + 1) for _ in range(K)]
    generation = [[0.0] * (T + 1) for _ in range(K)]
    energy_va = [[0.0] * (T + 1) for _ in range(K)]
    co2 = [[0.0] * (T + 1) for _ in range(K)]
    losses = [[0.0] * (T + 1) for _ in range(K)]
    factor = s.energy.emission_factor.value if s.energy.emission_factor else 0.0
    for j, p in enumerate(projects):
        if p.technology is None:
            continue
        k = techs.index(p.technology)
        tech = s.energy.technologies[p.technology]
        tp = f"energy.technologies.{p.technology}"
        cap = P(f"projects.{p.id}.capacity")
        for t, year in enumerate(years):
            if cancelled[j]:
                continue
            # capacity installed at the end of year t (format: energy_capacity "at the end of year")
            if cod[j] < year + 1:
                capacity[k][t] += cap
            # the unit commissioned part-way through year t counts for that fraction of the year
            f = covered(cod[j], INF, year)
            if tech.kind == "generation":
                # Gen = Cap × H × f × (1 − curtailment) × (1 − degradation)^age, age at mid-year [GWh]
                age = max(year + 0.5 - cod[j], 0.0)
                gen = (cap * P(f"{tp}.full_load_hours") * f * (1.0 - P(f"{tp}.curtailment"))
                       * (1.0 - P(f"{tp}.degradation")) ** age) / 1000.0
                generation[k][t] += gen
                # VA = Gen × tariff × v_gen: 1 GWh × 1 CNY/kWh = 1e6 CNY = 0.01 亿元
                energy_va[k][t] += gen * 1e6 * P(f"{tp}.tariff") / 1e8 * P(f"{tp}.value_added_ratio")
                # CO2 avoided = Gen × emission factor [kg/kWh → Mt]
                co2[k][t] += gen * 1e6 * factor / 1e9
            elif tech.kind == "storage":
                # storage is a service: discharged energy = power × hours × cycles × f (never generation);
                # revenue = throughput × service fee
                throughput = (cap * P(f"{tp}.duration_hours") * P(f"{tp}.cycles_per_year") * f) / 1000.0
                energy_va[k][t] += throughput * 1e6 * P(f"{tp}.service_fee") / 1e8 * P(f"{tp}.value_added_ratio")
                # losses = cycles × MWh × (1 − RTE) (docs/model.md section 3): energy that no longer displaces grid
                # power, so it counts against the CO2 avoided
                lost = (P(f"{tp}.cycles_per_year") * cap * P(f"{tp}.duration_hours")
                        * (1.0 - P(f"{tp}.round_trip_efficiency")) * f) / 1000.0
                losses[k][t] += lost
                co2[k][t] -= lost * 1e6 * factor / 1e9
            else:
                # charging: service revenue on energy delivered = power × utilisation hours × f
                delivered = cap * P(f"{tp}.utilisation_hours") * f / 1000.0
                energy_va[k][t] += delivered * 1e6 * P(f"{tp}.service_fee") / 1e8 * P(f"{tp}.value_added_ratio")
    energy_total = [sum(energy_va[k][t] for k in range(K)) for t in range(T + 1)]

    # ---------------------------------------------------------------- 3.2 total overlay X_t
    integrated = s.economy.mode == "integrated"
    if integrated:
        overlay = [0.0] * (T + 1)                    # cross-check mode: no output overlay
    else:
        overlay = [construction[t] + operation[t] + energy_total[t] for t in range(T + 1)]

    # ---------------------------------------------------------------- 3.1 TFP growth path
    # gA_t = gA + ε_t, ε_t = ρ ε_{t−1} + σ_A z_t (ε_0 = 0); shock events: impact in their year, the share
    # `recovery` of it given back the next year; catalytic projects: tfp_uplift spread evenly over
    # uplift_years after COD (the part of each year that interval covers).
    # trend: gA + Δg·k in the k-th simulated year (k = 0 first): structural deceleration when Δg < 0
    gA = [P("economy.tfp_growth") + P("economy.tfp_growth_change") * k for k in range(T)]
    sd, rho = P("economy.tfp_shock_sd"), P("economy.tfp_shock_persistence")
    eps = 0.0
    for t in range(T):
        name = f"economy.tfp_innovation.{years[t + 1]}"
        if name in row or name in compiled.fixed:
            eps = rho * eps + sd * P(name)
            gA[t] = gA[t] + eps
    for shock in s.uncertainty.shocks:
        hit = P(f"uncertainty.shocks.{shock.name}.occurs")
        t = shock.year - (base + 1)
        gA[t] += hit * shock.impact
        if t + 1 < T and shock.recovery:
            gA[t + 1] -= hit * shock.impact * shock.recovery
    uplift = [0.0] * T
    for j, p in enumerate(projects):
        gain = P(f"projects.{p.id}.tfp_uplift")
        if gain == 0.0 or cancelled[j]:
            continue
        span = p.uplift_years
        for t in range(T):
            uplift[t] += gain / span * covered(cod[j], cod[j] + span, years[t + 1])
    gA = [gA[t] + uplift[t] for t in range(T)]

    # ---------------------------------------------------------------- 3.1 cycle: investment, demand, contraction
    # u_t (investment-rate deviation) and x_t (output gap ln Y/Y*) are AR(1) from 0 in the base year;
    # their innovations are σ (λ z^N_t + √(1 − λ²) z_t), z^N the national cycle shared by both. The
    # contraction is a Markov switch on a uniform per year: from normal times it starts when
    # U < probability (not before first_year); once in it, it ends when U < exit_probability.
    def maybe(name: str) -> float:
        return P(name) if (name in row or name in compiled.fixed) else 0.0

    lam = P("economy.national_cycle_loading")
    own = math.sqrt(1.0 - lam * lam)
    u_dev, gap = [0.0] * (T + 1), [0.0] * (T + 1)
    for t in range(1, T + 1):
        z_n = maybe(f"economy.national_cycle.{years[t]}")
        e_i = P("economy.investment_shock_sd") * (lam * z_n + own * maybe(f"economy.investment_innovation.{years[t]}"))
        e_d = P("economy.demand_shock_sd") * (lam * z_n + own * maybe(f"economy.demand_innovation.{years[t]}"))
        u_dev[t] = P("economy.investment_shock_persistence") * u_dev[t - 1] + e_i
        gap[t] = P("economy.demand_shock_persistence") * gap[t - 1] + e_d
    regime = s.uncertainty.contraction
    in_contraction = [0.0] * (T + 1)
    if regime is not None:
        earliest = regime.first_year if regime.first_year is not None else base + 1
        for t in range(1, T + 1):
            draw = P(f"uncertainty.contraction.switch.{years[t]}")
            if in_contraction[t - 1]:
                in_contraction[t] = 0.0 if draw < regime.exit_probability else 1.0
            else:
                in_contraction[t] = 1.0 if (draw < regime.probability and years[t] >= earliest) else 0.0
            u_dev[t] -= P("uncertainty.contraction.depth") * in_contraction[t]
            gap[t] += P("uncertainty.contraction.output_gap") * in_contraction[t]

    # ---------------------------------------------------------------- 3.1 baseline economy (LTGM)
    alpha, delta = P("economy.capital_share"), P("economy.depreciation")
    gh = P("economy.human_capital_growth")
    gL = ((1.0 + P("economy.population_growth")) * (1.0 + P("economy.working_age_share_growth"))
          * (1.0 + P("economy.participation_growth")) - 1.0)
    theta = P("economy.integrated_efficiency")
    # Y^B_t0 = Y_t0 − X_t0 (the observed base-year GDP includes the portfolio's own activity)
    yb = [P("economy.gdp") - (0.0 if integrated else overlay[0])]
    ky = P("economy.capital_output_ratio")
    ky_path = [ky]
    gk, gy = [], []
    for t in range(T):
        s_t = _clip(P("economy.investment_rate") + P("economy.investment_rate_change") * t + u_dev[t], 0.0, 1.0)
        # I/K = s Y / K with Y = Y* e^gap: s e^gap / (K/Y*)
        inflow = _div(s_t * math.exp(gap[t]), ky)
        if integrated:                                # + θ κ c_t / K: capex of year t builds K of t+1,
            inflow = inflow + _div(theta * gfcf[t], ky * yb[t])     # like the s_t Y_t of that year
        one_gk = max((1.0 - delta) + inflow, 0.0)     # 1 + gK = (1 − δ) + s/(K/Y), clipped at 0
        if math.isnan(inflow):
            one_gk = NAN
        one_gy = (1.0 + gA[t]) * _pow(one_gk, alpha) * _pow((1.0 + gh) * (1.0 + gL), 1.0 - alpha)
        gk.append(one_gk - 1.0)
        gy.append(one_gy - 1.0)
        yb.append(yb[t] * one_gy)
        ky = _div(ky * one_gk, one_gy)                # (K/Y)_t+1 = (K/Y)_t (1 + gK)/(1 + gY)
        ky_path.append(ky)
    # the LTGM gave potential Y*; actual baseline GDP is Y* e^gap, K/Y is over actual GDP
    yb = [yb[t] * math.exp(gap[t]) for t in range(T + 1)]
    ky_path = [_div(ky_path[t], math.exp(gap[t])) for t in range(T + 1)]
    gy = [_div(yb[t + 1], yb[t]) - 1.0 for t in range(T)]
    valid_base = all(math.isfinite(y) and y > 0 for y in yb)

    # ---------------------------------------------------------------- totals and growth
    gdp = [yb[t] + overlay[t] for t in range(T + 1)]  # Y_t = Y^B_t + X_t
    # total investment rate (s_t Y^B_t + Σ κ_j c_j,t) / Y_t, every year (s_t extends to the last year)
    investment_rate = [_div(_clip(P("economy.investment_rate") + P("economy.investment_rate_change") * t + u_dev[t],
                                  0.0, 1.0) * yb[t] + gfcf[t], gdp[t]) for t in range(T + 1)]
    growth = [_div(gdp[t + 1], gdp[t]) - 1.0 for t in range(T)]

    # ---------------------------------------------------------------- 3.5 contributions to growth
    # baseline: gY split in proportion to ln(1+gA), α ln(1+gK), (1−α) ln((1+gh)(1+gL)) and the change of
    # the output gap, weighted by Y^B_{t−1}/Y_{t−1}; portfolio sources: ΔX_t / Y_{t−1}. They add up to g_t.
    contributions = {k: [] for k in CONTRIBUTIONS}
    for t in range(T):
        la = _log1p(gA[t])
        lk = alpha * _log1p(gk[t])
        ll = (1.0 - alpha) * (_log1p(gh) + _log1p(gL))
        ld = gap[t + 1] - gap[t]
        total = la + lk + ll + ld
        scale = _div(gy[t], total) if total != 0 else 1.0
        weight = _div(yb[t], gdp[t])
        contributions["tfp"].append(la * scale * weight)
        contributions["capital"].append(lk * scale * weight)
        contributions["labour"].append(ll * scale * weight)
        contributions["demand"].append(ld * scale * weight)
        for key, series in (("construction", construction), ("operation", operation),
                            ("energy", energy_total)):
            contributions[key].append(0.0 if integrated else _div(series[t + 1] - series[t], gdp[t]))

    # ---------------------------------------------------------------- actuals (observed growth)
    # observed years take the observed growth from the base-year level; later years keep their simulated
    # growth, re-based on the last observed level; contributions are undefined (nan) in observed years.
    model_growth_observed = None
    if compiled.actuals is not None:
        obs = dict(zip(compiled.actuals.years, compiled.actuals.growth))
        model_growth_observed = list(growth[:len(obs)])      # each draw's own growth before the actuals
        last = max(obs)
        k_last = last - base
        level = gdp[0]
        for year in range(base + 1, last + 1):
            level = level * (1.0 + obs[year])
        rebase = _div(level, gdp[k_last])
        level = gdp[0]
        for t in range(1, T + 1):
            if years[t] <= last:
                level = level * (1.0 + obs[years[t]])
                gdp[t] = level
                growth[t - 1] = obs[years[t]]
                for key in CONTRIBUTIONS:
                    contributions[key][t - 1] = NAN
            else:
                gdp[t] = gdp[t] * rebase

    valid = valid_base and all(math.isfinite(y) and y > 0 for y in gdp)

    # ---------------------------------------------------------------- 3.5 targets
    targets = {}
    for target in s.targets:
        first, last = target.years
        if target.metric == "average_growth":      # geometric mean over the window
            ratio = _div(gdp[last - base], gdp[first - 1 - base])
            targets[target.name] = _pow(ratio, 1.0 / (last - first + 1)) - 1.0
        elif target.metric == "min_growth":        # growth in every year of the window
            targets[target.name] = min(growth[y - base - 1] for y in range(first, last + 1))
        elif target.metric == "gdp_level":
            targets[target.name] = gdp[last - base]
        elif target.metric == "completion":        # slack by − finish; NaN when the project is cancelled
            j = [p.id for p in projects].index(target.project)
            targets[target.name] = NAN if cancelled[j] else target.by - cod[j]
        else:                                      # energy_capacity at the end of the year
            chosen = target.technologies or [k for k, tc in s.energy.technologies.items()
                                              if tc.kind == "generation"]
            targets[target.name] = sum(capacity[techs.index(k)][last - base] for k in chosen)

    operating = [[(cod[j] < year + 1) and not cancelled[j] for year in years] for j in range(J)]
    return {
        "gdp": gdp, "gdp_baseline": yb, "growth": growth, "valid": valid,
        "contributions": contributions, "capex_spent": capex_spent, "targets": targets,
        "ky": ky_path, "investment_rate": investment_rate, "overlay": overlay, "contraction": in_contraction,
        **({"model_growth_observed": model_growth_observed} if model_growth_observed is not None else {}),
        "start": start, "cod": cod, "cancelled": cancelled, "spent": spent, "operating": operating,
        "capacity_by_tech": capacity, "generation_by_tech": generation,
        "value_added_by_tech": energy_va, "co2_by_tech": co2,
        "losses_by_tech": losses,
    }


# --------------------------------------------------------------------------- helpers for tests / bench
def draw_rows(params: dict, n: int) -> list[dict]:
    """Split the engine's parameter matrix {name: (n,) array} into n rows {name: float}."""
    columns = {k: [float(x) for x in v] for k, v in params.items()}
    return [{k: col[i] for k, col in columns.items()} for i in range(n)]


def reference_seconds_per_draw(compiled, n: int = 200, seed: int = 0) -> float:
    """Wall seconds per draw of the reference on n sampled rows (sampling not timed).

    For the benchmark's speed ratio: engine seconds per draw / this."""
    from portfolio.uncertainty.sampling import sample

    sim = compiled.scenario.simulation
    params = sample(compiled.random, 0, n, seed, sim.sampler, compiled.correlation,
                    compiled.correlated or None)
    rows = draw_rows(params, n)
    began = time.perf_counter()
    for r in rows:
        reference_draw(compiled, r)
    return (time.perf_counter() - began) / max(n, 1)
