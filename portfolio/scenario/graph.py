"""The dependency graph of a portfolio: projects ordered so that predecessors come first."""
from __future__ import annotations

import heapq
from collections.abc import Sequence


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
