"""Project schedules on a calendar-year grid: dates, spending profiles, ramp-up, dependencies.

Time is measured in decimal years: calendar year ``t`` is the interval ``[t, t+1)`` and
``2021.5`` is about 2 July 2021. Array functions are vectorised over draws: per-draw inputs
have shape ``(n,)`` (or any shape, or scalars, broadcast together) and the output gains a
trailing year axis, ``(n, T)`` for ``years`` of length ``T``. Scalar-only inputs give ``(1, T)``.
"""
from __future__ import annotations

import numpy as np

from portfolio.scenario.graph import LINK_TYPES, earliest_start, topological_order
from portfolio.scenario.ledger import LedgerEntry
from portfolio.scenario.schema import PROFILES

__all__ = ["PROFILES", "profile_cdf", "spending_shares", "interval_fraction", "ramp_fraction",
           "resolve_schedule", "critical_path", "planned_dates", "group_members",
           "group_dates"]


# --------------------------------------------------------------------------- helpers
def _grid(years, *arrays):
    """Broadcast per-draw arrays to a common shape (at least 1-D), add a year axis."""
    yrs = np.asarray(years, dtype=float)
    if yrs.ndim != 1:
        raise ValueError("years must be a 1-D array of calendar years")
    arrs = np.broadcast_arrays(*[np.atleast_1d(np.asarray(a, dtype=float)) for a in arrays])
    return yrs, [a[..., None] for a in arrs]


# --------------------------------------------------------------------------- spending
def profile_cdf(name: str, x):
    """Cumulative share of a build's cost spent at progress ``x``.

    Parameters
    ----------
    name : str
        One of :data:`PROFILES`: ``uniform`` x; ``s_curve`` 3x^2 - 2x^3 (smoothstep: slow
        start and finish, peak mid-build); ``front_loaded`` 1 - (1 - x)^2; ``back_loaded`` x^2.
    x : array_like
        Progress through the build, fraction of its duration [-]; clipped to [0, 1].

    Returns
    -------
    ndarray
        Cumulative share spent [-], in [0, 1].
    """
    x = np.clip(np.asarray(x, dtype=float), 0.0, 1.0)
    if name == "uniform":
        return x
    if name == "s_curve":
        return x * x * (3.0 - 2.0 * x)
    if name == "front_loaded":
        return 1.0 - (1.0 - x) ** 2
    if name == "back_loaded":
        return x * x
    raise ValueError(f"unknown spending profile {name!r}; choose one of {', '.join(PROFILES)}")


def spending_shares(start, duration, years, profile: str = "uniform"):
    """Share of a build's total cost spent in each calendar year.

    Share in year t = F((t + 1 - start)/d) - F((t - start)/d), with F = :func:`profile_cdf`
    (computed per draw by ``kernels.spending_shares``, bit-identical to the formula).

    Parameters
    ----------
    start : array_like
        Construction start [decimal year], per draw.
    duration : array_like
        Build duration [years], >= 0, fractional allowed. 0 puts the whole cost in the
        calendar year containing ``start``.
    years : array_like of int, shape (T,)
        Calendar years of the output.
    profile : str
        Spending profile, one of :data:`PROFILES`.

    Returns
    -------
    ndarray, shape (n, T)
        Share of the total [-]. Spending outside ``years`` is not in the output, so a row
        sums to 1 only when the whole build falls inside the range.
    """
    from portfolio.model import kernels

    if profile not in PROFILES:
        raise ValueError(f"unknown spending profile {profile!r}; choose one of {', '.join(PROFILES)}")
    yrs, (s, d) = _grid(years, start, duration)
    s, d = s[..., 0], d[..., 0]
    if np.any(d < 0):
        raise ValueError("spending_shares: duration must be >= 0 years")
    edges = np.append(yrs, yrs[-1] + 1.0) if len(yrs) else np.zeros(1)
    flat_s, flat_d = (np.ascontiguousarray(a, dtype=float).reshape(-1, 1) for a in (s, d))
    out = np.empty((len(flat_s), 1, len(yrs)))
    kernels.spending_shares(flat_s, flat_d, kernels.profile_codes([profile]), edges, out)
    return out.reshape(s.shape + (len(yrs),))


def interval_fraction(a, b, years):
    """Fraction of each calendar year covered by the interval ``[a, b)``.

    Parameters
    ----------
    a, b : array_like
        Interval start and end [decimal year]; ``b`` may be ``+inf`` (open-ended) and
        ``a`` may be ``+inf`` (never starts).
    years : array_like of int, shape (T,)

    Returns
    -------
    ndarray, shape (n, T)
        Covered fraction of year t [-], in [0, 1].
    """
    yrs, (a, b) = _grid(years, a, b)
    lo, hi = yrs, yrs + 1.0
    return np.maximum(np.clip(b, lo, hi) - np.clip(a, lo, hi), 0.0)


def ramp_fraction(cod, ramp_years, years):
    """Average utilisation over each calendar year for a linear ramp-up after COD.

    u(tau) = min(max(tau - cod, 0) / R, 1) (a step at ``cod`` when R = 0). With the integral
    G(x) = 0 (x < c), (x - c)^2 / (2R) (c <= x <= c + R), R/2 + (x - c - R) (x > c + R),
    the average over year t is G(t + 1) - G(t).

    Parameters
    ----------
    cod : array_like
        Commercial operation date [decimal year]; ``+inf`` = never.
    ramp_years : array_like
        Time from COD to full utilisation [years], >= 0.
    years : array_like of int, shape (T,)

    Returns
    -------
    ndarray, shape (n, T)
        Mean utilisation in year t [-], in [0, 1].
    """
    from portfolio.model import kernels

    yrs, (c, r) = _grid(years, cod, ramp_years)
    c, r = c[..., 0], r[..., 0]
    if np.any(r < 0):
        raise ValueError("ramp_fraction: ramp_years must be >= 0")
    edges = np.append(yrs, yrs[-1] + 1.0) if len(yrs) else np.zeros(1)
    flat_c, flat_r = (np.ascontiguousarray(a, dtype=float).reshape(-1) for a in (c, r))
    out = np.empty((len(flat_c), len(yrs)))
    kernels.ramp_fraction(flat_c, flat_r, edges, out)   # G(t + 1) − G(t) per draw, bit for bit the formula
    return out.reshape(c.shape + (len(yrs),))


def resolve_schedule(planned_start, start_delay, build_years, duration_ratio, cancelled,
                     deps, order=None, ledger=None, not_before=None):
    """Start, COD and cancellation of every project, honouring its links and date constraints.

    start_j = max(planned_start_j + delay_j, not_before_j), then for each predecessor i with lag L
    start_j = max(start_j, cod_i + L) (FS), max(start_j, start_i + L) (SS) or
    max(start_j, cod_i + L − d_j) (FF: the finish no earlier than cod_i + L), with the build
    d_j = build_j × duration_ratio_j and cod_j = start_j + d_j. A project whose predecessor is cancelled
    is cancelled too (its link can never be satisfied).

    Parameters
    ----------
    planned_start : array_like, shape (n, J)
        Planned construction start [decimal year]; projects are columns.
    start_delay : array_like, shape (n, J)
        Delay of the start [years].
    build_years : array_like, shape (n, J)
        Planned build time [years].
    duration_ratio : array_like, shape (n, J)
        Actual / planned build time [-].
    cancelled : array_like of bool, shape (n, J)
        Own cancellation draw.
    deps : list of list of (int, float or array_like[, str])
        ``deps[j]`` = links into project j as ``(column index, lag_years)`` or ``(column index, lag_years,
        type)`` with type ``"FS"`` (the default), ``"SS"`` or ``"FF"``; a lag may be a scalar or a per-draw
        array ``(n,)``, and negative (a lead).
    order : list of int, optional
        Column indices, predecessors first; computed from ``deps`` when omitted.
    ledger : dict of int -> LedgerEntry, optional
        Reported state of some projects (by column): operating projects get their actual dates,
        projects under construction their actual start and a COD of report date + (1 − share
        complete) × build × ratio, projects not started a start no earlier than the report date,
        cancelled ones are cancelled in every draw. Links and constraints of projects already started
        are not re-imposed.
    not_before : array_like, shape (J,), optional
        Start-no-earlier-than dates [decimal year]; NaN or −inf where there is none.

    Returns
    -------
    start, cod : ndarray, shape (n, J)
        [decimal year]. Cancelled projects keep finite values; the caller masks them.
    cancelled : ndarray of bool, shape (n, J)
        Own or inherited cancellation.
    """
    ps, dl, by, dr, cx = np.broadcast_arrays(
        np.asarray(planned_start, float), np.asarray(start_delay, float),
        np.asarray(build_years, float), np.asarray(duration_ratio, float),
        np.asarray(cancelled, bool))
    if ps.ndim != 2:
        raise ValueError("resolve_schedule: inputs must broadcast to (n, J)")
    J = ps.shape[1]
    if len(deps) != J:
        raise ValueError(f"resolve_schedule: deps has {len(deps)} entries for {J} projects")
    order = _order(deps, order)
    start = ps + dl
    if not_before is not None:
        floor = np.nan_to_num(np.asarray(not_before, float), nan=-np.inf)
        start = np.maximum(start, floor)
    duration = by * dr
    cod = np.empty_like(start)
    out_cx = cx.copy()
    placed: set[int] = set()
    ledger = ledger or {}
    for j in order:
        entry = ledger.get(j)
        started = entry is not None and entry.status in ("operating", "under_construction")
        for link in deps[j]:
            i, lag, kind = _link(link)
            if i not in placed:
                raise ValueError(f"resolve_schedule: predecessor {i} of project {j} comes later in order")
            if not started:
                start[:, j] = np.maximum(start[:, j], earliest_start(kind, start[:, i], cod[:, i], lag, duration[:, j]))
                out_cx[:, j] |= out_cx[:, i]
        cod[:, j] = start[:, j] + duration[:, j]
        if entry is not None:
            _apply_ledger(entry, j, start, cod, out_cx, by, dr)
        placed.add(j)
    return start, cod, out_cx


def _link(link) -> tuple[int, object, str]:
    """(index, lag) or (index, lag, type) → (index, lag, type)."""
    i, lag, *rest = link
    kind = rest[0] if rest else "FS"
    if kind not in LINK_TYPES:
        raise ValueError(f"resolve_schedule: unknown link type {kind!r} (FS, SS or FF)")
    return int(i), lag, kind


def _order(deps, order) -> list[int]:
    J = len(deps)
    if order is None:
        names = [str(j) for j in range(J)]
        order = [int(k) for k in topological_order(names, {str(j): [str(link[0]) for link in deps[j]]
                                                           for j in range(J)})]
    order = list(order)
    if sorted(order) != list(range(J)):
        raise ValueError("resolve_schedule: order must list every column index exactly once")
    return order


def critical_path(start, cod, cancelled, deps, terminal, order=None, ledger=None, tol: float = 1e-7):
    """Which projects lie on the path that drives ``terminal`` in each draw (the critical path).

    Walks back from the terminal through the binding links: a link binds in a draw when the
    successor's start equals the earliest start the link allows (within ``tol`` years). Ties mark every
    tied path. A project already started in the ledger has no binding links.

    Parameters
    ----------
    start, cod : ndarray, shape (n, J)
        Resolved dates [decimal year], as :func:`resolve_schedule` returns them.
    cancelled : ndarray of bool, shape (n, J)
    deps, order, ledger
        As for :func:`resolve_schedule`.
    terminal : ndarray of bool, shape (n, J)
        The project(s) whose finish is the end point in each draw (e.g. the latest member of a group).

    Returns
    -------
    ndarray of bool, shape (n, J)
        On the critical path to the terminal (the terminal itself included); all False in a draw
        where the terminal is cancelled.
    """
    order = _order(deps, order)
    ledger = ledger or {}
    duration = cod - start
    on = np.asarray(terminal, bool) & ~cancelled
    for j in reversed(order):
        entry = ledger.get(j)
        if entry is not None and entry.status in ("operating", "under_construction"):
            continue
        for link in deps[j]:
            i, lag, kind = _link(link)
            earliest = earliest_start(kind, start[:, i], cod[:, i], lag, duration[:, j])
            on[:, i] |= on[:, j] & (np.abs(start[:, j] - earliest) <= tol)
    return on


def _apply_ledger(entry: LedgerEntry, j: int, start, cod, cancelled, build, ratio) -> None:
    if entry.status == "cancelled":
        cancelled[:, j] = True
    elif entry.status == "operating":
        cod[:, j] = entry.actual_cod
        start[:, j] = (entry.actual_start if entry.actual_start is not None
                       else entry.actual_cod - build[:, j] * ratio[:, j])
        cancelled[:, j] = False
    elif entry.status == "under_construction":
        start[:, j] = entry.actual_start
        remaining = (1.0 - (entry.share_complete or 0.0)) * build[:, j] * ratio[:, j]
        cod[:, j] = np.maximum(entry.report_date, entry.actual_start) + remaining
        cancelled[:, j] = False
    else:  # not_started: the sampled start, but never before the report date
        late = np.maximum(start[:, j], entry.report_date)
        cod[:, j] += late - start[:, j]
        start[:, j] = late


def group_members(scenario) -> dict[str, list[int]]:
    """Each group's projects, nested groups expanded: {group id: project column indices}."""
    ids = [p.id for p in scenario.projects]
    groups = {g.id: g.members for g in scenario.groups}

    def leaves(ident: str, seen: tuple = ()) -> list[int]:
        if ident in seen:
            raise ValueError(f"groups contain each other: {' → '.join(seen + (ident,))}")
        if ident in groups:
            return sorted({j for m in groups[ident] for j in leaves(m, seen + (ident,))})
        return [ids.index(ident)]

    return {g: leaves(g) for g in groups}


def group_dates(start, cod, cancelled, members: list[int]):
    """A group's start (its first member's start), finish (its last built member's finish) and
    cancellation (every member cancelled) per draw; NaN dates when cancelled.

    Parameters
    ----------
    start, cod : ndarray, shape (n, J)  [decimal year]
    cancelled : ndarray of bool, shape (n, J)
    members : list of int
        Column indices of the group's projects.

    Returns
    -------
    start, finish : ndarray, shape (n,)  [decimal year]
    cancelled : ndarray of bool, shape (n,)
    """
    live = ~cancelled[:, members]
    gone = ~live.any(axis=1)
    with np.errstate(invalid="ignore"):
        first = np.where(live, start[:, members], np.inf).min(axis=1)
        last = np.where(live, cod[:, members], -np.inf).max(axis=1)
    return np.where(gone, np.nan, first), np.where(gone, np.nan, last), gone


def planned_dates(c) -> tuple[np.ndarray, np.ndarray]:
    """The plan (``graph.plan``: the critical-path forward pass) of a compiled scenario's projects, from
    the planned starts the engine uses (a goal-seek lever moves them in the compiled copy)."""
    from portfolio.scenario.graph import plan

    if not c.projects:
        return np.zeros(0), np.zeros(0)
    return plan([p.project for p in c.projects], [p.planned_start for p in c.projects])
