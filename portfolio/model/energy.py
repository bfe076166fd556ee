"""Energy base physics: capacity -> generation -> value added, storage and charging services.

Units: power MW, energy GWh, money 亿元 (1e8 CNY, constant prices) unless a name says CNY,
tariffs CNY/kWh, emission factors kg CO2/kWh. Functions are elementwise and broadcast, so
per-draw arrays ``(n,)`` combine with year-indexed arrays ``(n, T)`` (e.g. operating fractions
from :mod:`portfolio.model.schedules`).

Storage is a service, not a source: its discharged energy was generated elsewhere and must
never be added to generation (it has losses, capex and fee revenue instead).
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "crf", "lcoe", "generation_gwh", "age_years", "value_added_yi", "co2_avoided_mt",
    "storage_service", "charging_service", "capacity_online_mw",
]

_YI = 1e8                 # CNY per 亿元
_KWH_PER_GWH = 1e6


def crf(rate, years):
    """Capital recovery factor r(1 + r)^n / ((1 + r)^n - 1); 1/n at r = 0.

    Parameters
    ----------
    rate : array_like
        Real discount rate [1/yr], > -1.
    years : array_like
        Economic lifetime n [years], > 0.

    Returns
    -------
    ndarray
        Annuity per unit of capital [1/yr]. CRF(0.06, 25) = 0.078227.

    References
    ----------
    Short, W., Packey, D. J., Holt, T. (1995). A Manual for the Economic Evaluation of Energy
    Efficiency and Renewable Energy Technologies. NREL/TP-462-5173, eq. 4-2.
    """
    r = np.asarray(rate, dtype=float)
    n = np.asarray(years, dtype=float)
    nz = r != 0
    rs = np.where(nz, r, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        # r / (1 - (1 + r)^-n), written with expm1/log1p to stay accurate for small r
        val = rs / -np.expm1(-n * np.log1p(rs))
        return np.where(nz, val, 1.0 / n)


def lcoe(capex_per_kw, fixed_opex_per_kw_year, rate, lifetime_years, full_load_hours, degradation=0.0):
    """Levelised cost of electricity (overnight capex, fixed O&M, no fuel).

    LCOE = (capex * CRF(rate, lifetime) + fixed O&M) / (full-load hours * D), with D the levelised
    output factor of a degrading unit, D = CRF * sum_{y=1..n} (1 - d)^(y - 1/2) / (1 + r)^y (output at
    the mid-year age, as ``generation_gwh`` has it; costs and output discounted alike). D = 1 when d = 0.

    Parameters
    ----------
    capex_per_kw : array_like
        Overnight capital cost [CNY/kW].
    fixed_opex_per_kw_year : array_like
        Fixed operation and maintenance [CNY/kW/yr].
    rate : array_like
        Real discount rate [1/yr].
    lifetime_years : array_like
        Economic lifetime [years].
    full_load_hours : array_like
        Net annual full-load hours [h/yr], of the first (undegraded) year.
    degradation : array_like
        Output lost per year of age [1/yr].

    Returns
    -------
    ndarray
        [CNY/kWh].

    References
    ----------
    Short, Packey & Holt (1995), NREL/TP-462-5173, section 4.
    """
    recovery = crf(rate, lifetime_years)
    annual = np.asarray(capex_per_kw, float) * recovery + np.asarray(fixed_opex_per_kw_year, float)
    return annual / (np.asarray(full_load_hours, float) * output_factor(rate, lifetime_years, degradation))


def output_factor(rate, lifetime_years, degradation):
    """Levelised output of a unit degrading by ``degradation`` a year, relative to an undegraded one [-]:
    CRF(r, n) * sum_{y=1..n} q^(y - 1/2) v^y with q = 1 - d, v = 1/(1 + r); in closed form
    CRF * q^(-1/2) * x (1 - x^n) / (1 - x) with x = q v (the sum is n when x = 1). Exactly 1 when d = 0."""
    r = np.asarray(rate, float)
    n = np.asarray(lifetime_years, float)
    d = np.asarray(degradation, float)
    q = 1.0 - d
    x = q / (1.0 + r)
    with np.errstate(divide="ignore", invalid="ignore"):
        geometric = np.where(np.isclose(x, 1.0, rtol=0, atol=1e-12), n, x * -np.expm1(n * np.log(x)) / (1.0 - x))
        factor = crf(r, n) * geometric / np.sqrt(q)
    return np.where(d == 0, 1.0, factor)


def generation_gwh(capacity_mw, operating_fraction, full_load_hours, curtailment=0.0,
                   degradation=0.0, age_years=0.0):
    """Annual generation Gen = Cap * H * f * (1 - curtailment) * (1 - degradation)^age.

    Parameters
    ----------
    capacity_mw : array_like
        Installed capacity [MW].
    operating_fraction : array_like
        Share of the year the capacity operates [-], e.g.
        ``schedules.interval_fraction(cod, inf, years)`` (partial first year).
    full_load_hours : array_like
        Annual full-load hours [h/yr]. Hours from NEA/CEC utilisation statistics are already
        net of curtailment: pass ``curtailment=0`` with them.
    curtailment : array_like
        Curtailed share of potential output [-].
    degradation : array_like
        Output loss per year of age [1/yr] (PV ~0.004-0.005).
    age_years : array_like
        Age of the capacity [years]; negative values count as 0 (see :func:`age_years`).

    Returns
    -------
    ndarray
        [GWh/yr].
    """
    age = np.maximum(np.asarray(age_years, float), 0.0)
    mwh = (np.asarray(capacity_mw, float) * np.asarray(full_load_hours, float)
           * np.asarray(operating_fraction, float) * (1.0 - np.asarray(curtailment, float))
           * (1.0 - np.asarray(degradation, float)) ** age)
    return mwh / 1000.0


def age_years(cod, years):
    """Age at mid-year, max(t + 0.5 - cod, 0) [years], shape (n, T), for degradation."""
    c = np.atleast_1d(np.asarray(cod, float))[..., None]
    with np.errstate(invalid="ignore"):
        return np.maximum(np.asarray(years, float) + 0.5 - c, 0.0)


def value_added_yi(energy_gwh, price_cny_per_kwh, va_ratio):
    """Value added of sold energy or a service [亿元].

    1 GWh at 1 CNY/kWh = 1e6 CNY = 0.01 亿元; multiplied by the value-added ratio.

    Parameters
    ----------
    energy_gwh : array_like
        Energy sold or delivered [GWh].
    price_cny_per_kwh : array_like
        Real tariff or service fee [CNY/kWh].
    va_ratio : array_like
        Value added / revenue [-] (generation ~0.65).
    """
    return (np.asarray(energy_gwh, float) * _KWH_PER_GWH * np.asarray(price_cny_per_kwh, float) / _YI
            * np.asarray(va_ratio, float))


def co2_avoided_mt(gen_gwh, factor_kg_per_kwh):
    """CO2 avoided by generation displacing a baseline grid mix [Mt CO2].

    The baseline factor changes the result fivefold (national 0.5366 vs Yunnan 0.1073
    kg/kWh, MEE 2024 release): it is an explicit, labelled choice of the caller.

    Parameters
    ----------
    gen_gwh : array_like
        Generation [GWh].
    factor_kg_per_kwh : array_like
        Emission factor of the displaced electricity [kg CO2/kWh].
    """
    return np.asarray(gen_gwh, float) * _KWH_PER_GWH * np.asarray(factor_kg_per_kwh, float) / 1e9


def storage_service(power_mw, duration_h, cycles_per_year, round_trip_efficiency, operating_fraction=1.0):
    """Annual energy service of a battery store. A service, never generation.

    Parameters
    ----------
    power_mw : array_like
        Rated power [MW].
    duration_h : array_like
        Energy-to-power ratio [h]; energy capacity = power * duration [MWh].
    cycles_per_year : array_like
        Full equivalent cycles [1/yr] (Yunnan paired ~120, grid-side ~250).
    round_trip_efficiency : array_like
        Discharged / charged energy [-] (~0.85).
    operating_fraction : array_like
        Share of the year in operation [-].

    Returns
    -------
    dict of ndarray
        ``throughput_gwh`` energy discharged = cycles * MWh * f / 1000;
        ``losses_gwh`` = cycles * MWh * (1 - RTE) * f / 1000 (the design's convention, a
        first-order form of MWh * (1/RTE - 1)); ``charged_gwh`` = throughput + losses.
        Losses are consumption, to be met by generation elsewhere.
    """
    mwh_year = (np.asarray(power_mw, float) * np.asarray(duration_h, float)
                * np.asarray(cycles_per_year, float) * np.asarray(operating_fraction, float))
    throughput = mwh_year / 1000.0
    losses = throughput * (1.0 - np.asarray(round_trip_efficiency, float))
    return {"throughput_gwh": throughput, "losses_gwh": losses, "charged_gwh": throughput + losses}


def charging_service(power_mw, utilisation_hours, operating_fraction=1.0):
    """Energy delivered by EV chargers, power * hours * f / 1000 [GWh/yr].

    Parameters
    ----------
    power_mw : array_like
        Installed charging power [MW].
    utilisation_hours : array_like
        Equivalent full-power hours per year [h/yr].
    operating_fraction : array_like
        Share of the year in operation [-].
    """
    return (np.asarray(power_mw, float) * np.asarray(utilisation_hours, float)
            * np.asarray(operating_fraction, float) / 1000.0)


def capacity_online_mw(capacity_mw, cod, years, cancelled=False):
    """End-of-year installed capacity: ``capacity`` where cod < t + 1 and not cancelled.

    Parameters
    ----------
    capacity_mw : array_like
        Capacity [MW], per draw.
    cod : array_like
        Commissioning date [decimal year], per draw.
    years : array_like of int, shape (T,)
    cancelled : array_like of bool
        Cancelled draws contribute nothing.

    Returns
    -------
    ndarray, shape (n, T)
        [MW].
    """
    cap, c, cx = np.broadcast_arrays(np.atleast_1d(np.asarray(capacity_mw, float)),
                                     np.atleast_1d(np.asarray(cod, float)),
                                     np.atleast_1d(np.asarray(cancelled, bool)))
    on = (c[..., None] < np.asarray(years, float) + 1.0) & ~cx[..., None]
    return np.where(on, cap[..., None], 0.0)
