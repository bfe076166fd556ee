"""The dependency graph of a portfolio: projects ordered so that predecessors come first, the arithmetic
of a link, and the plan — the critical-path forward pass over the planned durations."""
from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

LINK_TYPES = ("FS", "SS", "FF")   # finish-to-start, start-to-start, finish-to-finish


def earliest_start(kind: str, pred_start, pred_finish, lag, duration):
    """The earliest start a link allows [decimal year]: FS pred_finish + lag, SS pred_start + lag,
    FF pred_finish + lag − duration (the successor's finish no earlier than the predecessor's + lag).
    Works on numbers and on numpy arrays alike."""
    lag = np.asarray(lag, float)
    if kind == "FS":
        return pred_finish + lag
    if kind == "SS":
        return pred_start + lag
    if kind == "FF":
        return pred_finish + lag - duration
    raise ValueError(f"unknown link type {kind!r} (one of {', '.join(LINK_TYPES)})")


def planned_duration(project) -> float:
    """A project's planned build time [years]: ``build_years``, or its mean when it is a distribution
    (PERT's expected time t_e = (a + 4m + b)/6 for ``pert(a, m, b)``)."""
    from portfolio.uncertainty.quantities import Dist

    value = project.build_years
    return float(value.distribution().mean()) if isinstance(value, Dist) else float(value)


def plan(projects, planned_starts=None) -> tuple[np.ndarray, np.ndarray]:
    """Planned (deterministic) start and COD of scenario projects [decimal year]: the critical-path
    forward pass. Each project starts at the latest of its planned start (``planned_starts`` when given,
    e.g. a goal-seek lever's, else ``planned_start``), its ``not_before`` and what its links allow, and
    takes its :func:`planned_duration`; delays, overrun ratios and cancellations are risks, not plan,
    and do not enter. Raises ``CycleError`` for a cycle, ``KeyError`` for a link to an unknown id."""
    projects = list(projects)
    ids = [p.id for p in projects]
    column = {ident: j for j, ident in enumerate(ids)}
    starts = [p.planned_start for p in projects] if planned_starts is None else list(planned_starts)
    order = topological_order(ids, {p.id: [d.id for d in p.depends_on] for p in projects})
    start, finish = np.zeros(len(ids)), np.zeros(len(ids))
    for ident in order:
        j = column[ident]
        p = projects[j]
        duration = planned_duration(p)
        at = max(starts[j], p.not_before if p.not_before is not None else -np.inf)
        for d in p.depends_on:
            i = column[d.id]
            at = max(at, float(earliest_start(d.type, start[i], finish[i], d.lag, duration)))
        start[j], finish[j] = at, at + duration
    return start, finish


class CycleError(ValueError):
    """Dependencies contain a cycle. ``cycle`` lists its ids in precedence order."""

    def __init__(self, cycle: list[str]):
        self.cycle = list(cycle)
        super().__init__("dependency cycle: " + " → ".join(self.cycle + self.cycle[:1]))


def topological_order(ids: Sequence[str], deps: dict[str, Sequence[str]]) -> list[str]:
    """Order ids so that every predecessor comes before its dependants.

    Kahn's algorithm with ties broken by input position, i.e. the lexicographically
    smallest valid order (an input order that is already valid is returned unchanged).

    Parameters
    ----------
    ids : sequence of str
        All ids, unique.
    deps : dict
        ``id -> list of predecessor ids``; ids without an entry have no predecessors.

    Returns
    -------
    list of str

    Raises
    ------
    CycleError
        If the dependencies contain a cycle (message like ``a → b → c → a``).
    ValueError
        For duplicate ids or ids in ``deps`` that are not in ``ids``.

    References
    ----------
    Kahn, A. B. (1962). Topological sorting of large networks. CACM 5(11), 558-562.
    """
    ids = list(ids)
    deps = {k: [v] if isinstance(v, str) else list(v) for k, v in deps.items()}
    pos = {k: i for i, k in enumerate(ids)}
    if len(pos) != len(ids):
        dup = sorted({k for k in ids if ids.count(k) > 1})
        raise ValueError(f"duplicate ids: {', '.join(dup)}")
    unknown = [k for k in deps if k not in pos]
    unknown += [p for k in deps for p in deps[k] if p not in pos and p not in unknown]
    if unknown:
        raise ValueError(f"unknown ids in dependencies: {', '.join(map(str, dict.fromkeys(unknown)))}")
    preds = {k: set(deps.get(k, ())) for k in ids}
    succs: dict[str, list[str]] = {k: [] for k in ids}
    for k in ids:
        for p in preds[k]:
            succs[p].append(k)
    indeg = {k: len(preds[k]) for k in ids}
    heap = [pos[k] for k in ids if indeg[k] == 0]
    heapq.heapify(heap)
    out: list[str] = []
    while heap:
        k = ids[heapq.heappop(heap)]
        out.append(k)
        for s in succs[k]:
            indeg[s] -= 1
            if indeg[s] == 0:
                heapq.heappush(heap, pos[s])
    if len(out) < len(ids):
        raise CycleError(_find_cycle(ids, preds, set(out)))
    return out


def _find_cycle(ids, preds, done) -> list[str]:
    """Walk predecessors among unplaced ids until one repeats; return the loop, forward."""
    left = [k for k in ids if k not in done]
    rank = {k: i for i, k in enumerate(ids)}
    path, seen = [], {}
    k = left[0]
    while k not in seen:
        seen[k] = len(path)
        path.append(k)
        k = min((p for p in preds[k] if p not in done), key=rank.__getitem__)
    loop = path[seen[k]:][::-1]              # predecessor -> successor
    i = min(range(len(loop)), key=lambda j: rank[loop[j]])
    return loop[i:] + loop[:i]
