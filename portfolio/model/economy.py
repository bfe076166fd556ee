"""Baseline economy: the World Bank Long Term Growth Model (LTGM) core, Solow-Swan in ratio form.

    1 + gK_t  = (1 - δ) + s_t / (K/Y)_t
    1 + gY_t  = (1 + gA_t) (1 + gK_t)^α [(1 + gh_t)(1 + gL_t)]^(1 - α)
    (K/Y)_t+1 = (K/Y)_t (1 + gK_t) / (1 + gY_t)

Rates are fractions per year (0.035 = 3.5 %/yr); s is gross fixed capital formation / GDP;
δ the depreciation rate [1/yr]; α the capital share [-]; GDP in 亿元 at constant prices.

Shapes: per-draw parameters are scalars or ``(n,)``; time-varying ones (s, gA, gh, gL and the
target growth) may also be paths ``(n, T)``, or ``(1, T)`` for one path shared by all draws.
A 1-D array is always per-draw, never a path. ``T`` is the number of simulated years after the
base year, taken from the paths or from ``n_years``.

References
----------
Loayza, N. & Pennings, S. (2022). The Long Term Growth Model: Fundamentals, Extensions, and
Applications. World Bank. Pennings, S. (2017). Long Term Growth Model v4.0 Model Description.
Solow, R. (1956), QJE 70(1); Swan, T. (1956), Economic Record 32(2); Harrod (1939), Domar (1946).
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "labour_growth", "growth_contributions", "simulate_baseline", "balanced_growth",
    "steady_state_ky", "harrod_domar_growth", "required_capital_growth",
    "required_investment_rate", "required_investment_path",
]


def _prepare(per_draw: dict, paths: dict, n_years):
    """Broadcast per-draw inputs to (n,) and paths to (n, T)."""
    arrs = {k: np.asarray(v, float) for k, v in {**per_draw, **paths}.items()}
    for k, a in arrs.items():
        if a.ndim > (2 if k in paths else 1):
            raise ValueError(f"{k}: expected a scalar, (n,)" + (" or (n, T)" if k in paths else "") + f", got shape {a.shape}")
    Ts = {a.shape[1] for k, a in arrs.items() if a.ndim == 2}
    if len(Ts) > 1:
        raise ValueError(f"paths have different lengths: {sorted(Ts)}")
    T = Ts.pop() if Ts else n_years
    if T is None:
        raise ValueError("give n_years or at least one (n, T) path")
    if n_years is not None and int(n_years) != T:
        raise ValueError(f"n_years={n_years} but the paths have {T} years")
    T = int(T)
    ns = {a.shape[0] for a in arrs.values() if a.ndim >= 1} - {1}
    if len(ns) > 1:
        raise ValueError(f"inputs have different numbers of draws: {sorted(ns)}")
    n = ns.pop() if ns else 1
    out = {}
    for k, a in arrs.items():
        if k in paths:
            a = a[:, None] if a.ndim == 1 else a
            out[k] = np.broadcast_to(a, (n, T))
        else:
            out[k] = np.broadcast_to(a, (n,))
    return out, n, T


def labour_growth(population_growth, working_age_share_growth=0.0, participation_growth=0.0):
    """Growth of employment, (1 + n)(1 + w)(1 + p) - 1 [1/yr].

    Parameters
    ----------
    population_growth : array_like
        n [1/yr].
    working_age_share_growth : array_like
        Growth of the working-age share of the population w [1/yr].
    participation_growth : array_like
        Growth of the employment (participation) rate p [1/yr].
    """
    return ((1 + np.asarray(population_growth, float)) * (1 + np.asarray(working_age_share_growth, float))
            * (1 + np.asarray(participation_growth, float)) - 1)


def growth_contributions(tfp_growth, capital_growth, human_capital_growth, labour_growth, alpha, growth=None):
    """Split output growth into TFP, capital and labour (incl. human capital) contributions.

    gY is divided in proportion to the log terms ln(1 + gA), α ln(1 + gK) and
    (1 - α) ln((1 + gh)(1 + gL)), so the three parts sum to gY (to rounding). When gY = 0 the
    log terms themselves are returned (the limit of the proportional split). ``growth``, if
    given, is the gY to split (already computed by the caller); otherwise it is computed.

    Returns
    -------
    tfp, capital, labour, growth : ndarray
        Contributions and gY [1/yr].
    """
    a = np.asarray(alpha, float)
    with np.errstate(all="ignore"):
        la = np.log1p(np.asarray(tfp_growth, float))
        lk = a * np.log1p(np.asarray(capital_growth, float))
        ll = (1 - a) * (np.log1p(np.asarray(human_capital_growth, float)) + np.log1p(np.asarray(labour_growth, float)))
        g = np.expm1(la + lk + ll) if growth is None else np.asarray(growth, float)
        return (*split_growth([la, lk, ll], g), g)


def split_growth(log_terms: list, growth) -> list:
    """Split ``growth`` in proportion to log terms whose sum is ln(1 + growth); the parts add up to it.
    Where the terms sum to 0, the terms themselves (the limit of the proportional split)."""
    with np.errstate(all="ignore"):
        total = log_terms[0]
        for term in log_terms[1:]:
            total = total + term
        scale = np.where(total != 0, growth / np.where(total != 0, total, 1.0), 1.0)
        return [term * scale for term in log_terms]


def simulate_baseline(y0, ky0, investment_rate, tfp_growth, human_capital_growth=0.0, labour_growth=0.0,
                      alpha=0.5, delta=0.05, n_years=None, extra_investment=None, output_gap=None) -> dict:
    """Run the LTGM core forward from the base year.

    Parameters
    ----------
    y0 : array_like, (n,)
        Base-year GDP [亿元].
    ky0 : array_like, (n,)
        Base-year capital-output ratio K/Y [years of output].
    investment_rate : array_like, (n,) or (n, T)
        s_t, investment / GDP [-].
    tfp_growth : array_like, (n,) or (n, T)
        gA_t [1/yr].
    human_capital_growth, labour_growth : array_like, (n,) or (n, T)
        gh_t, gL_t [1/yr].
    alpha : array_like, (n,)
        Capital share α [-].
    delta : array_like, (n,)
        Depreciation δ [1/yr].
    n_years : int, optional
        T, required when no input is a path.
    extra_investment : array_like, (n, T), optional
        Capital formation added to s_t · Y_t in step t, the year t → t+1 [亿元] (the integrated
        mode's portfolio capex of year t × κ × θ); like any investment of year t, it is capital from
        year t+1.
    output_gap : array_like, (n, T+1), optional
        ln(Y_t / Y*_t), GDP against the potential the LTGM recursion gives, 0 in the base year. GDP is
        Y*_t exp(gap_t); investment is s_t of that GDP, so a lasting gap also slows capital.

    Returns
    -------
    dict of ndarray
        ``gdp`` (n, T+1) with y0 first; ``growth`` gY (n, T); ``ky`` (n, T+1);
        ``capital_growth`` gK (n, T); contributions ``tfp``, ``capital``, ``labour`` (labour
        includes human capital) and ``demand`` (the change of the output gap) (n, T) summing to
        ``growth``; ``valid`` (n,) bool. ``ky`` is K over actual GDP.

    Notes
    -----
    If 1 + gK_t <= 0 (capital wiped out, e.g. δ = 1 with tiny s), 1 + gK is clipped to 0: GDP
    becomes 0 that year and NaN afterwards, and ``valid`` is False. Nothing warns; callers
    count draws with non-finite or non-positive GDP as invalid.
    """
    p, n, T = _prepare({"y0": y0, "ky0": ky0, "alpha": alpha, "delta": delta},
                       {"s": investment_rate, "gA": tfp_growth, "gh": human_capital_growth, "gL": labour_growth},
                       n_years)
    a, d = p["alpha"], p["delta"]
    extra = None if extra_investment is None else np.broadcast_to(np.asarray(extra_investment, float), (n, T))
    gap = None if output_gap is None else np.broadcast_to(np.asarray(output_gap, float), (n, T + 1))
    gdp = np.empty((n, T + 1))
    ky = np.empty((n, T + 1))
    gk = np.empty((n, T))
    gy = np.empty((n, T))
    gdp[:, 0], ky[:, 0] = p["y0"], p["ky0"]
    with np.errstate(all="ignore"):
        for t in range(T):
            inflow = p["s"][:, t] / ky[:, t] if gap is None else p["s"][:, t] * np.exp(gap[:, t]) / ky[:, t]
            if extra is not None:
                inflow = inflow + extra[:, t] / (ky[:, t] * gdp[:, t])
            one_gk = np.maximum((1 - d) + inflow, 0.0)
            gk[:, t] = one_gk - 1
            one_gy = (1 + p["gA"][:, t]) * one_gk ** a * ((1 + p["gh"][:, t]) * (1 + p["gL"][:, t])) ** (1 - a)
            gy[:, t] = one_gy - 1
            gdp[:, t + 1] = gdp[:, t] * one_gy
            ky[:, t + 1] = ky[:, t] * one_gk / one_gy
        if gap is None:
            tfp, cap, lab, _ = growth_contributions(p["gA"], gk, p["gh"], p["gL"], a[:, None], growth=gy)
            demand = np.zeros_like(gy)
        else:
            level = np.exp(gap)
            gdp, ky = gdp * level, ky / level
            gy = gdp[:, 1:] / gdp[:, :-1] - 1
            terms = [np.log1p(p["gA"]), a[:, None] * np.log1p(gk),
                     (1 - a[:, None]) * (np.log1p(p["gh"]) + np.log1p(p["gL"])), np.diff(gap, axis=1)]
            tfp, cap, lab, demand = split_growth(terms, gy)
    valid = np.all(np.isfinite(gdp) & (gdp > 0), axis=1)
    return {"gdp": gdp, "growth": gy, "ky": ky, "capital_growth": gk,
            "tfp": tfp, "capital": cap, "labour": lab, "demand": demand, "valid": valid}


def balanced_growth(alpha, tfp_growth, labour_growth, human_capital_growth=0.0):
    """Balanced (steady-state) GDP growth, 1 + g* = (1 + gA)^(1/(1-α)) (1 + n)(1 + gh) [1/yr].

    α 0.5, gA 0.02, n -0.005 -> g* = 3.5198 %.
    """
    a = np.asarray(alpha, float)
    return ((1 + np.asarray(tfp_growth, float)) ** (1 / (1 - a)) * (1 + np.asarray(labour_growth, float))
            * (1 + np.asarray(human_capital_growth, float)) - 1)


def steady_state_ky(investment_rate, growth, delta):
    """Steady-state capital-output ratio K/Y* = s / (g* + δ) [years]. Exact in discrete time."""
    return np.asarray(investment_rate, float) / (np.asarray(growth, float) + np.asarray(delta, float))


def harrod_domar_growth(investment_rate, icor):
    """Harrod-Domar growth g = s / ICOR [1/yr] (the LTGM with α = 1, δ = 0, gA = gh = gL = 0)."""
    return np.asarray(investment_rate, float) / np.asarray(icor, float)


def required_capital_growth(target_growth, tfp_growth, human_capital_growth, labour_growth, alpha):
    """Capital growth needed for a GDP growth target [1/yr].

    1 + gK_req = [(1 + g) / ((1 + gA) ((1 + gh)(1 + gL))^(1-α))]^(1/α).
    """
    a = np.asarray(alpha, float)
    base = (1 + np.asarray(target_growth, float)) / (
        (1 + np.asarray(tfp_growth, float))
        * ((1 + np.asarray(human_capital_growth, float)) * (1 + np.asarray(labour_growth, float))) ** (1 - a))
    return base ** (1 / a) - 1


def required_investment_rate(ky, target_growth, tfp_growth, human_capital_growth, labour_growth, alpha, delta):
    """Investment rate needed this year, (I/Y)_req = (K/Y)(gK_req + δ) [-] (LTGM submodel 2)."""
    gk = required_capital_growth(target_growth, tfp_growth, human_capital_growth, labour_growth, alpha)
    return np.asarray(ky, float) * (gk + np.asarray(delta, float))


def required_investment_path(ky0, target_growth, tfp_growth, human_capital_growth=0.0, labour_growth=0.0,
                             alpha=0.5, delta=0.05, n_years=None) -> dict:
    """Investment-rate path that delivers a multi-year GDP growth target path.

    Iterates s_t = (K/Y)_t (gK_req,t + δ), (K/Y)_t+1 = (K/Y)_t (1 + gK_req,t)/(1 + g_t).
    Feeding ``investment_rate`` back into :func:`simulate_baseline` reproduces the target.
    A target given as GDP levels Y_0..Y_T converts with ``Y[:, 1:] / Y[:, :-1] - 1``.

    Parameters
    ----------
    ky0 : array_like, (n,)
        Base-year K/Y [years].
    target_growth, tfp_growth, human_capital_growth, labour_growth : array_like, (n,) or (n, T)
        [1/yr].
    alpha, delta : array_like, (n,)
    n_years : int, optional
        T when no input is a path.

    Returns
    -------
    dict of ndarray
        ``investment_rate`` (n, T), ``capital_growth`` (n, T), ``ky`` (n, T+1).
    """
    p, n, T = _prepare({"ky0": ky0, "alpha": alpha, "delta": delta},
                       {"g": target_growth, "gA": tfp_growth, "gh": human_capital_growth, "gL": labour_growth},
                       n_years)
    a, d = p["alpha"], p["delta"]
    gk = required_capital_growth(p["g"], p["gA"], p["gh"], p["gL"], a[:, None])
    ky = np.empty((n, T + 1))
    s = np.empty((n, T))
    ky[:, 0] = p["ky0"]
    for t in range(T):
        s[:, t] = ky[:, t] * (gk[:, t] + d)
        ky[:, t + 1] = ky[:, t] * (1 + gk[:, t]) / (1 + p["g"][:, t])
    return {"investment_rate": s, "capital_growth": gk, "ky": ky}
