"""Fused per-draw kernels (numba): hot loops that walk each draw once instead of building
(draws × projects × years) temporaries. Compiled on first use and cached on disk next to this module
(``cache=True``), so the compile cost is paid once per install.

Each kernel does the same floating-point operations, in the same order, as the formula it replaces
(no ``fastmath``), so its results are bit-identical to the array version; the scalar reference model of
the tests checks the engine's outputs to 1e-9 on top.
"""
from __future__ import annotations

import numpy as np
from numba import njit

#: spending profiles by code, in the order of ``schema.PROFILES``
UNIFORM, S_CURVE, FRONT_LOADED, BACK_LOADED = 0, 1, 2, 3


@njit(cache=True, nogil=True)
def _cumulative(code: int, edge: float, start: float, duration: float) -> float:
    """Share of the cost spent by ``edge`` [decimal year]: F((edge − start)/duration), F clipped to
    [0, 1]; a zero duration spends everything at ``start``."""
    lag = edge - start
    if duration <= 0.0:
        return 1.0 if lag > 0.0 else 0.0
    x = lag / duration
    if x < 0.0:
        x = 0.0
    elif x > 1.0:
        x = 1.0
    if code == UNIFORM:
        return x
    if code == S_CURVE:
        return x * x * (3.0 - 2.0 * x)
    if code == FRONT_LOADED:
        y = 1.0 - x
        return 1.0 - y * y
    return x * x


@njit(cache=True, nogil=True)
def spending_shares(start, duration, codes, edges, out):
    """Fill ``out`` (n, J, T) with the share of each build's cost spent in each year.

    Parameters
    ----------
    start, duration : ndarray, shape (n, J)
        Construction start [decimal year] and build time [years], per draw and project.
    codes : ndarray of int, shape (J,)
        Spending profile of each project (``UNIFORM`` … ``BACK_LOADED``).
    edges : ndarray, shape (T + 1,)
        Year boundaries [decimal year]: year t is [edges[t], edges[t + 1]).
    out : ndarray, shape (n, J, T)
    """
    n, J = start.shape
    T = edges.shape[0] - 1
    for i in range(n):
        for j in range(J):
            s, d, code = start[i, j], duration[i, j], codes[j]
            before = _cumulative(code, edges[0], s, d)
            for t in range(T):
                after = _cumulative(code, edges[t + 1], s, d)
                out[i, j, t] = after - before
                before = after
    return out


@njit(cache=True, nogil=True)
def _ramp_integral(edge: float, cod: float, ramp: float) -> float:
    """∫ utilisation up to ``edge`` for a linear ramp-up over ``ramp`` years after ``cod``:
    y²/(2R) + max(x − R, 0) with x = edge − cod and y = x clipped to [0, R] (a step when R = 0)."""
    x = edge - cod
    y = x
    if y < 0.0:
        y = 0.0
    if y > ramp:
        y = ramp
    g = y * y / (2.0 * ramp) if ramp > 0.0 else 0.0
    tail = x - ramp
    return g + (tail if tail > 0.0 else 0.0)


@njit(cache=True, nogil=True)
def ramp_fraction(cod, ramp, edges, out):
    """Fill ``out`` (m, T) with the mean utilisation over each year of a linear ramp-up after COD.

    Parameters
    ----------
    cod, ramp : ndarray, shape (m,)
        Commercial operation date [decimal year] (``+inf`` = never) and ramp-up time [years], >= 0.
    edges : ndarray, shape (T + 1,)
        Year boundaries [decimal year].
    out : ndarray, shape (m, T)
    """
    m = cod.shape[0]
    T = edges.shape[0] - 1
    for i in range(m):
        c, r = cod[i], ramp[i]
        before = _ramp_integral(edges[0], c, r)
        for t in range(T):
            after = _ramp_integral(edges[t + 1], c, r)
            out[i, t] = after - before
            before = after
    return out


@njit(cache=True, nogil=True)
def add_generation(k, cap, cod, alive, hours, curtailment, decay, tariff, va_ratio, factor, years,
                   capacity, generation, value_added, co2):
    """Add one generating project to technology ``k`` of the per-draw energy tables (n, K, T).

    The operations of ``energy.capacity_online_mw``, ``schedules.interval_fraction(cod, inf)`` × alive,
    ``energy.generation_gwh``, ``energy.value_added_yi`` and ``energy.co2_avoided_mt`` in their order.

    Parameters
    ----------
    k : int
        The technology's index.
    cap, cod, hours, curtailment, tariff, va_ratio : ndarray, shape (n,)
        Capacity [MW], COD [decimal year], full-load hours [h/yr], curtailed share [-], tariff [CNY/kWh],
        value-added ratio [-].
    alive : ndarray of bool, shape (n,)
        Not cancelled.
    decay : ndarray, shape (n, T)
        (1 − degradation)^age, computed by NumPy's ``power`` beforehand (whose last bit depends on the
        CPU's SIMD code path: kept outside so the tables stay identical to the array formula).
    factor : float
        Emission factor of the displaced electricity [kg CO2/kWh].
    years : ndarray, shape (T,)
        Calendar years (float).
    capacity, generation, value_added, co2 : ndarray, shape (n, K, T)
        The tables added to: MW, GWh, 亿元, Mt CO2.
    """
    n, T = decay.shape
    for i in range(n):
        live = 1.0 if alive[i] else 0.0
        c = cod[i]
        for t in range(T):
            lo = years[t]
            hi = lo + 1.0
            capacity[i, k, t] += cap[i] if (c < hi and alive[i]) else 0.0
            x = c
            if x < lo:
                x = lo
            if x > hi:
                x = hi
            f = hi - x
            if f < 0.0:
                f = 0.0
            gen = cap[i] * hours[i] * (f * live) * (1.0 - curtailment[i]) * decay[i, t] / 1000.0
            generation[i, k, t] += gen
            co2[i, k, t] += gen * 1e6 * factor / 1e9
            value_added[i, k, t] += gen * 1e6 * tariff[i] / 1e8 * va_ratio[i]


def profile_codes(names) -> np.ndarray:
    """Profile names → kernel codes."""
    from portfolio.scenario.schema import PROFILES

    return np.array([PROFILES.index(name) for name in names], dtype=np.int64)
