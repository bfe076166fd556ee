"""Scenario discovery: when is the target missed?

From the draws of a run folder (``draws.parquet``: every sampled input and the outcomes):

- **Regional sensitivity** (Spear & Hornberger 1980; Pianosi et al. 2016): for each input, the
  two-sample Kolmogorov–Smirnov distance between its distribution in the draws that hit the target
  and in those that miss it, with the p-value (``scipy.stats.ks_2samp``), ranked.
- **PRIM** (Friedman & Fisher 1999, as used for scenario discovery by Bryant & Lempert 2010): start
  from the box holding every draw and repeatedly peel off the ``alpha`` share (5%) of the remaining
  draws at the low or high end of one input — the peel that most raises the share of misses left in
  the box — until the box holds less than ``min_mass`` of all draws. Inputs with a few distinct
  values (cancellation, shock events) are peeled one value at a time. Each step is a point on the
  peeling trajectory: coverage (share of all misses inside the box) against density (share of the
  box's draws that miss).

The box reported is the trajectory's best trade-off: the largest coverage × (density − base rate) /
(1 − base rate), i.e. coverage times the share of the way from the base rate to a box of misses
only; the CLI's ``--box STEP`` picks another. Its restrictions are then pruned, least needed first,
while the box without them keeps at least 95% of the chosen box's trade-off, so the description
names only what matters; each remaining restriction gets its binomial quasi-p-value (Bryant &
Lempert 2010; as in the EMA Workbench). Invalid draws (non-finite GDP) are left out and counted.

Peeling objective: the rise in density per draw removed (the "lenient" objective of the EMA
Workbench), so a peel that removes a whole category — 70% of the draws, say — wins only when it is
as efficient as a 5% peel.

Then, as in Friedman & Fisher (1999): **pasting** widens the chosen box again while its density does
not fall (:func:`paste_box`); **covering** finds further boxes in the draws the earlier ones leave
(:func:`cover`); and, as Bryant & Lempert (2010) advise, **bootstrap stability** counts how often
each input is restricted when PRIM runs on resamples (:func:`bootstrap_stability`). The cases can be
the misses or the hits (``on="hits"``: what has to go right).

Beside PRIM, as in the EMA Workbench: **feature scoring** ranks the inputs by their importance in an
extra-trees classifier of the cases (:func:`feature_scores`), and **CART** fits a shallow decision
tree whose leaves of the cases are boxes, read in PRIM's words (:func:`fit_cart`); both are
scikit-learn's estimators.
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from portfolio import __version__
from portfolio.analysis.sensitivity import (
    Outcome,
    _cut,
    parse_outcomes,
    run_inputs,
    run_targets,
    short_labels,
)
from portfolio.outputs import texts as L
from portfolio.outputs.folders import RunFolder, write_csv
from portfolio.outputs.names import Names, naming
from portfolio.problems import InputError, Problem

ALPHA = 0.05
MIN_MASS = 0.05
PRUNE_TOLERANCE = 0.05   # a restriction is dropped when the box does as well within 5% without it
MAX_CATEGORIES = 6       # inputs with at most this many distinct values are peeled by value


# ============================================================================================ KS
def regional_sensitivity(X: pd.DataFrame, miss: np.ndarray) -> pd.DataFrame:
    """KS distance between each input's distribution in hits and in misses, ranked (largest first).

    Columns: parameter, ks, p_value, median_hits, median_misses, direction ("lower" when misses
    have the smaller median)."""
    from scipy import stats

    miss = np.asarray(miss, bool)
    rows = []
    for name in X.columns:
        x = X[name].to_numpy(float)
        a, b = x[~miss], x[miss]
        if len(a) == 0 or len(b) == 0:
            ks, p = math.nan, math.nan
        else:
            result = stats.ks_2samp(a, b)
            ks, p = float(result.statistic), float(result.pvalue)
        mh = float(np.median(a)) if len(a) else math.nan
        mm = float(np.median(b)) if len(b) else math.nan
        ma, mb = (float(np.mean(a)) if len(a) else math.nan), (float(np.mean(b)) if len(b) else math.nan)
        key_h, key_m = (mh, mm) if mh != mm else (ma, mb)
        direction = "lower" if key_m < key_h else "higher" if key_m > key_h else "same"
        rows.append({"parameter": name, "ks": ks, "p_value": p, "median_hits": mh, "median_misses": mm,
                     "direction": direction})
    table = pd.DataFrame(rows)
    return table.sort_values("ks", ascending=False, na_position="last", kind="stable").reset_index(drop=True)


# ============================================================================================ PRIM
@dataclass
class Box:
    """Restrictions on inputs: (low, high) for continuous inputs (None = open) or allowed values."""

    limits: dict = field(default_factory=dict)           # name → (low | None, high | None)
    allowed: dict = field(default_factory=dict)          # name → tuple of allowed values
    mass: float = 1.0
    coverage: float = 1.0
    density: float = math.nan
    count: int = 0
    misses: int = 0

    @property
    def restricted(self) -> list[str]:
        return list(dict.fromkeys([*self.limits, *self.allowed]))

    def contains(self, X: np.ndarray, columns: Sequence[str]) -> np.ndarray:
        inside = np.ones(len(X), bool)
        index = {c: j for j, c in enumerate(columns)}
        for name, (lo, hi) in self.limits.items():
            x = X[:, index[name]]
            if lo is not None:
                inside &= x >= lo
            if hi is not None:
                inside &= x <= hi
        for name, values in self.allowed.items():
            inside &= np.isin(X[:, index[name]], values)
        return inside

    def without(self, name: str) -> "Box":
        return Box({k: v for k, v in self.limits.items() if k != name},
                   {k: v for k, v in self.allowed.items() if k != name})


@dataclass
class Prim:
    """The peeling trajectory, the chosen box and what it was found on."""

    columns: list[str]
    trajectory: list[Box]
    chosen: int                      # index of the chosen step in the trajectory
    box: Box                         # the chosen box after pruning
    base_rate: float
    n: int
    misses: int
    p_values: dict                   # restricted input → quasi-p-value of its restriction
    alpha: float = ALPHA
    min_mass: float = MIN_MASS
    peeled: Box | None = None        # the chosen step's box before pasting (None: not pasted)
    frame: pd.DataFrame | None = None   # the trajectory as prim_trajectory.csv holds it (a saved folder)

    def trajectory_frame(self) -> pd.DataFrame:
        if self.frame is not None:
            return self.frame
        return pd.DataFrame([{"step": i, "coverage": b.coverage, "density": b.density, "mass": b.mass,
                              "draws": b.count, "restricted": len(b.restricted),
                              "objective": objective(b, self.base_rate), "chosen": i == self.chosen}
                             for i, b in enumerate(self.trajectory)])


def objective(box: Box, base_rate: float) -> float:
    """coverage × (density − base rate) / (1 − base rate): 0 for the full box, 1 for a box holding
    every miss and nothing else."""
    if base_rate >= 1 or not math.isfinite(box.density):
        return 0.0
    return box.coverage * max(box.density - base_rate, 0.0) / (1.0 - base_rate)


def _stats(box: Box, X: np.ndarray, y: np.ndarray, columns, total_misses: int) -> Box:
    inside = box.contains(X, columns)
    box.count = int(inside.sum())
    box.misses = int(y[inside].sum())
    box.mass = box.count / len(y)
    box.coverage = box.misses / total_misses if total_misses else math.nan
    box.density = box.misses / box.count if box.count else math.nan
    return box


def prim(X, y, columns: Sequence[str] | None = None, alpha: float = ALPHA, min_mass: float = MIN_MASS,
         choose: int | None = None, paste: bool = True) -> Prim:
    """Peel a box around the cases with ``y`` true (see the module docstring), then paste.

    ``X`` (n, d) array or DataFrame, ``y`` (n,) bool. ``choose`` picks a step of the trajectory
    instead of the best trade-off (that box is reported as it is: neither pasted nor pruned);
    ``paste`` (default) widens the chosen box again where that keeps its density (:func:`paste`)."""
    if isinstance(X, pd.DataFrame):
        columns = list(X.columns)
        X = X.to_numpy(float)
    X = np.asarray(X, float)
    y = np.asarray(y, bool)
    columns = list(columns) if columns is not None else [f"x{j}" for j in range(X.shape[1])]
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must lie in (0, 0.5), got {alpha}")
    n, d = X.shape
    total = int(y.sum())
    base = total / n if n else math.nan
    categories = {j: np.unique(X[:, j]) for j in range(d) if len(np.unique(X[:, j])) <= MAX_CATEGORIES}
    continuous = np.array([j for j in range(d) if j not in categories and np.ptp(X[:, j]) > 0], int)
    box = _stats(Box(), X, y, columns, total)
    trajectory = [box]
    inside = np.ones(n, bool)
    min_count = max(int(math.ceil(min_mass * n)), 1)
    while total and box.density < 1.0:
        Xb, yb = X[inside], y[inside]
        m, k = len(yb), int(yb.sum())
        best = None                                    # (gain, remaining, kind, j, value)
        if len(continuous):
            sub = Xb[:, continuous]
            lo_q = np.quantile(sub, alpha, axis=0)
            hi_q = np.quantile(sub, 1 - alpha, axis=0)
            for side, cut, removed in (("low", lo_q, sub < lo_q), ("high", hi_q, sub > hi_q)):
                n_rm = removed.sum(axis=0)
                k_rm = (removed & yb[:, None]).sum(axis=0)
                remain = m - n_rm
                ok = (n_rm > 0) & (remain >= min_count)
                with np.errstate(invalid="ignore", divide="ignore"):
                    gain = np.where(ok, ((k - k_rm) / np.maximum(remain, 1) - k / m) / np.maximum(n_rm, 1), -np.inf)
                i = int(np.lexsort((remain, gain))[-1])     # best gain per draw removed, then the larger box
                if ok[i] and (best is None or (gain[i], remain[i]) > best[:2]):
                    best = (float(gain[i]), int(remain[i]), side, int(continuous[i]), float(cut[i]))
        for j, values in categories.items():
            present = [v for v in (box.allowed.get(columns[j], values)) if np.any(Xb[:, j] == v)]
            if len(present) < 2:
                continue
            for v in present:
                drop = Xb[:, j] == v
                remain = m - int(drop.sum())
                if remain < min_count:
                    continue
                gain = ((k - int(yb[drop].sum())) / remain - k / m) / int(drop.sum())
                if best is None or (gain, remain) > best[:2]:
                    best = (gain, remain, "value", j, float(v))
        if best is None or best[0] <= 0:
            break
        _, _, side, j, value = best
        name = columns[j]
        new = Box(dict(box.limits), dict(box.allowed))
        if side == "value":
            kept = [v for v in new.allowed.get(name, categories[j]) if v != value and np.any(Xb[:, j] == v)]
            new.allowed[name] = tuple(float(v) for v in kept)
        else:
            lo, hi = new.limits.get(name, (None, None))
            new.limits[name] = (value, hi) if side == "low" else (lo, value)
        box = _stats(new, X, y, columns, total)
        inside = box.contains(X, columns)
        trajectory.append(box)
    scores = [objective(b, base) for b in trajectory]
    if choose is None:
        chosen = int(np.argmax(scores))
    else:
        if not 0 <= choose < len(trajectory):
            raise InputError([Problem("--box", None, str(choose),
                                      f"the peeling trajectory has steps 0–{len(trajectory) - 1}")])
        chosen = int(choose)
    found, peeled = trajectory[chosen], None
    if paste and choose is None:
        peeled = found
        found = paste_box(found, X, y, columns, total, alpha, categories)
    pruned, p_values = _prune(found, X, y, columns, total, base, prune=choose is None)
    return Prim(columns, trajectory, chosen, pruned, base, n, total, p_values, alpha, min_mass, peeled)


def paste_box(box: Box, X: np.ndarray, y: np.ndarray, columns: Sequence[str], total: int, alpha: float = ALPHA,
              categories: dict | None = None) -> Box:
    """Pasting (Friedman & Fisher 1999, section 4): peeling moves in steps and can cut too far, so
    widen the box again, one side of one restricted input at a time, by the ``alpha`` share of the
    box's draws that lie just outside it (of the draws inside on every other restriction), or by one
    value of a categorical input peeled by value, choosing the widening with the highest density,
    as long as the density does not fall. The box only grows, and its density never falls."""
    index = {c: j for j, c in enumerate(columns)}
    categories = categories if categories is not None else {}
    box = _stats(Box(dict(box.limits), dict(box.allowed)), X, y, columns, total)
    while box.count:
        best = None                                   # (density, count, Box)
        for name in box.restricted:
            others = box.without(name).contains(X, columns)
            x = X[:, index[name]]
            if name in box.allowed:
                for v in categories.get(index[name], ()):
                    if v in box.allowed[name] or not np.any(others & (x == v)):
                        continue
                    wider = Box(dict(box.limits), dict(box.allowed))
                    wider.allowed[name] = tuple(sorted((*box.allowed[name], float(v))))
                    best = _better(best, _stats(wider, X, y, columns, total))
                continue
            lo, hi = box.limits[name]
            step = max(int(math.ceil(alpha * box.count)), 1)
            for side, limit in (("low", lo), ("high", hi)):
                if limit is None:
                    continue
                outside = x[others & ((x < limit) if side == "low" else (x > limit))]
                if not len(outside):
                    continue
                ordered = np.sort(outside)
                edge = float(ordered[-min(step, len(ordered))] if side == "low" else ordered[min(step, len(ordered)) - 1])
                wider = Box(dict(box.limits), dict(box.allowed))
                wider.limits[name] = (edge, hi) if side == "low" else (lo, edge)
                best = _better(best, _stats(wider, X, y, columns, total))
        if best is None or not best.density >= box.density:
            break
        box = best
    return box


def _better(best: Box | None, candidate: Box) -> Box:
    """The denser box, then the larger one."""
    if best is None or (candidate.density, candidate.count) > (best.density, best.count):
        return candidate
    return best


def cover(X, y, columns: Sequence[str] | None = None, boxes: int = 3, alpha: float = ALPHA,
          min_mass: float = MIN_MASS, paste: bool = True, min_objective: float = 0.05) -> list[Prim]:
    """Covering (Friedman & Fisher 1999, section 5): PRIM, then PRIM again on the draws outside the
    boxes found so far, up to ``boxes`` boxes; stops early when a new box's trade-off (on the draws
    left) is below ``min_objective`` or it restricts nothing. Each Prim is on the draws left when it
    was found; :func:`union_coverage` gives the share of all cases the boxes hold together."""
    if isinstance(X, pd.DataFrame):
        columns = list(X.columns)
        X = X.to_numpy(float)
    X, y = np.asarray(X, float), np.asarray(y, bool)
    columns = list(columns) if columns is not None else [f"x{j}" for j in range(X.shape[1])]
    left = np.ones(len(y), bool)
    found: list[Prim] = []
    while len(found) < boxes and y[left].any():
        result = prim(X[left], y[left], columns, alpha, min_mass * len(y) / max(int(left.sum()), 1) if found else min_mass,
                      paste=paste)
        if not result.box.restricted or (found and objective(result.box, result.base_rate) < min_objective):
            break
        found.append(result)
        left &= ~result.box.contains(X, columns)
        if min_mass * len(y) > left.sum():
            break
    return found


def union_coverage(found: list[Prim], X, y, columns: Sequence[str] | None = None) -> list[tuple[float, float]]:
    """(coverage, density) of the union of the first k boxes, k = 1 … len(found), on all the draws."""
    if isinstance(X, pd.DataFrame):
        columns = list(X.columns)
        X = X.to_numpy(float)
    y = np.asarray(y, bool)
    inside = np.zeros(len(y), bool)
    out = []
    for result in found:
        inside |= result.box.contains(np.asarray(X, float), columns or result.columns)
        out.append((float(y[inside].sum() / max(int(y.sum()), 1)), float(y[inside].mean()) if inside.any() else math.nan))
    return out


def bootstrap_stability(X, y, columns: Sequence[str] | None = None, resamples: int = 20, seed: int = 0,
                        alpha: float = ALPHA, min_mass: float = MIN_MASS, paste: bool = True) -> pd.DataFrame:
    """How often each input is restricted when PRIM runs again on bootstrap resamples of the draws
    (Bryant & Lempert 2010's check that a box is not an accident of the sample): one row per input
    restricted at least once — ``share`` of the resamples whose box restricts it, and the share that
    restrict it from below (``lower``: a lower limit) and from above (``upper``), or by value."""
    if isinstance(X, pd.DataFrame):
        columns = list(X.columns)
        X = X.to_numpy(float)
    X, y = np.asarray(X, float), np.asarray(y, bool)
    columns = list(columns) if columns is not None else [f"x{j}" for j in range(X.shape[1])]
    rng = np.random.default_rng(seed)
    counts: dict[str, dict[str, int]] = {}
    for _ in range(resamples):
        pick = rng.integers(0, len(y), len(y))
        box = prim(X[pick], y[pick], columns, alpha, min_mass, paste=paste).box
        for name in box.restricted:
            c = counts.setdefault(name, {"share": 0, "lower": 0, "upper": 0, "by_value": 0})
            c["share"] += 1
            if name in box.allowed:
                c["by_value"] += 1
            else:
                lo, hi = box.limits[name]
                c["lower"] += lo is not None
                c["upper"] += hi is not None
    rows = [{"parameter": name, **{k: v / resamples for k, v in c.items()}} for name, c in counts.items()]
    return (pd.DataFrame(rows, columns=["parameter", "share", "lower", "upper", "by_value"])
            .sort_values(["share", "parameter"], ascending=[False, True]).reset_index(drop=True))


def _quasi_p(box: Box, name: str, X, y, columns, total) -> float:
    """Binomial quasi-p-value of one restriction: how likely the box's misses would be if the
    restriction added nothing (the density of the box without it)."""
    from scipy import stats

    wider = _stats(box.without(name), X, y, columns, total)
    if box.count == 0 or wider.count == 0:
        return math.nan
    return float(stats.binom.sf(box.misses - 1, box.count, wider.density))


def _prune(box: Box, X, y, columns, total, base, prune: bool = True, tolerance: float = PRUNE_TOLERANCE):
    """Drop restrictions, least needed first, while the trade-off stays within ``tolerance`` of the
    chosen box's; then, one at a time from the largest, those whose quasi-p-value is ``ALPHA`` (5%)
    or more (a restriction the box's density could owe to chance: with rare cases and hundreds of
    inputs peeling picks up many), recomputing the others' after each; returns the box and the
    quasi-p-value of each remaining restriction."""
    box = _stats(Box(dict(box.limits), dict(box.allowed)), X, y, columns, total)
    reference = objective(box, base)
    while prune and len(box.restricted) > 1:
        options = [(objective(wider, base), wider) for wider in
                   (_stats(box.without(name), X, y, columns, total) for name in box.restricted)]
        score, wider = max(options, key=lambda o: o[0])
        if score < (1 - tolerance) * reference:
            break
        box = wider
    p_values = {name: _quasi_p(box, name, X, y, columns, total) for name in box.restricted}
    while prune and len(box.restricted) > 1:
        name, p = max(p_values.items(), key=lambda item: np.nan_to_num(item[1], nan=1.0))
        if np.nan_to_num(p, nan=1.0) < ALPHA:
            break
        box = _stats(box.without(name), X, y, columns, total)
        p_values = {n: _quasi_p(box, n, X, y, columns, total) for n in box.restricted}
    return box, p_values



# ============================================================================================ trees
FEATURE_TREES = 100      # extra-trees in the feature scoring (the EMA Workbench's default number)
FEATURE_MIN_LEAF = 0.01   # ... each leaf holding at least this share of the draws (see feature_scores)
CART_DEPTH = 3
CART_MIN_LEAF = 0.05      # a CART leaf holds at least this share of the draws, like PRIM's last box


def _array(X, columns):
    if isinstance(X, pd.DataFrame):
        return X.to_numpy(float), list(X.columns)
    X = np.asarray(X, float)
    return X, list(columns) if columns is not None else [f"x{j}" for j in range(X.shape[1])]


def feature_scores(X, y, columns: Sequence[str] | None = None, seed: int = 0, trees: int = FEATURE_TREES,
                   min_leaf: float = FEATURE_MIN_LEAF) -> pd.DataFrame:
    """Feature scoring (as the EMA Workbench's ``feature_scoring``): the impurity importance of each
    input in an extra-trees classifier of the label ``y`` (Geurts, Ernst & Wehenkel 2006; scikit-learn's
    ``ExtraTreesClassifier``: ``trees`` trees, √d inputs tried per split, one thread, seeded). Each
    leaf holds at least ``min_leaf`` of the draws (1%: 100 of 10,000), so the trees do not spend
    their splits — and the scores — on single noisy draws, and 10,000 draws × 250 inputs take about
    two seconds (fully grown trees: seven). Scores add up to 1; ranked, largest first (rank 1). Unlike KS, an input that matters
    only together with another (inside a box) scores too."""
    from sklearn.ensemble import ExtraTreesClassifier

    X, columns = _array(X, columns)
    y = np.asarray(y, bool)
    if y.all() or not y.any():
        scores = np.full(len(columns), math.nan)
    else:
        model = ExtraTreesClassifier(n_estimators=int(trees), max_features="sqrt",
                                     min_samples_leaf=max(int(math.ceil(min_leaf * len(y))), 1),
                                     n_jobs=1, random_state=int(seed))
        scores = model.fit(X, y).feature_importances_
    table = pd.DataFrame({"parameter": columns, "score": scores})
    table = table.sort_values("score", ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table


@dataclass
class Cart:
    """A shallow decision tree of the cases, its leaves as boxes (on all the draws)."""

    columns: list[str]
    leaves: list[Box]             # every leaf, in the tree's order
    cases: list[bool]             # whether the tree classifies each leaf as the cases
    p_values: list[dict]          # each leaf's restrictions → quasi-p-value
    base_rate: float
    n: int
    misses: int
    depth: int = CART_DEPTH
    min_leaf: float = CART_MIN_LEAF

    @property
    def boxes(self) -> list[tuple[Box, dict]]:
        """The leaves classified as the cases, densest first: (box, quasi-p-values)."""
        found = [(b, p) for b, c, p in zip(self.leaves, self.cases, self.p_values) if c]
        return sorted(found, key=lambda bp: (-np.nan_to_num(bp[0].density), -bp[0].count))


def fit_cart(X, y, columns: Sequence[str] | None = None, depth: int = CART_DEPTH, min_leaf: float = CART_MIN_LEAF,
         seed: int = 0) -> Cart:
    """CART (Breiman et al. 1984; scikit-learn's ``DecisionTreeClassifier``) as scenario discovery
    (Lempert et al. 2008): a tree at most ``depth`` splits deep, each leaf at least ``min_leaf`` of the
    draws, classes weighted inversely to their frequency — so a leaf counts as the cases when its case
    rate is above the overall rate, and rare cases (3% hits) are found instead of a tree that says
    "never". Siblings classified alike are merged (their split changes no answer). Each leaf is the box
    of the splits on its path (a repeated input's limits intersected; an input with a few values gets
    the values allowed), with its coverage, density and each restriction's quasi-p-value as for PRIM."""
    from sklearn.tree import DecisionTreeClassifier

    X, columns = _array(X, columns)
    y = np.asarray(y, bool)
    n, total = len(y), int(y.sum())
    base = total / n if n else math.nan
    if not 0 < total < n:
        return Cart(columns, [], [], [], base, n, total, depth, min_leaf)
    model = DecisionTreeClassifier(max_depth=int(depth), min_samples_leaf=max(int(math.ceil(min_leaf * n)), 1),
                                   class_weight="balanced", random_state=int(seed)).fit(X, y)
    tree = model.tree_
    case = int(np.flatnonzero(model.classes_)[0])
    categories = {j: np.unique(X[:, j]) for j in range(X.shape[1]) if len(np.unique(X[:, j])) <= MAX_CATEGORIES}

    def predicted(node: int) -> bool:
        return int(np.argmax(tree.value[node][0])) == case

    def walk(node: int, path: list) -> list[tuple[list, bool]]:
        left, right = tree.children_left[node], tree.children_right[node]
        if left < 0:
            return [(path, predicted(node))]
        j, t = int(tree.feature[node]), float(tree.threshold[node])
        below = walk(left, path + [(j, None, t)])
        above = walk(right, path + [(j, t, None)])
        if len(below) == len(above) == 1 and below[0][1] == above[0][1]:
            return [(path, below[0][1])]          # both sides give the same answer: one leaf
        return below + above

    leaves, cases, p_values = [], [], []
    for path, is_case in walk(0, []):
        box = Box()
        for j, lo, hi in path:
            name = columns[j]
            old_lo, old_hi = box.limits.get(name, (None, None))
            lo = old_lo if lo is None else lo if old_lo is None else max(lo, old_lo)
            hi = old_hi if hi is None else hi if old_hi is None else min(hi, old_hi)
            box.limits[name] = (lo, hi)
        for name in list(box.limits):                 # a few values: allowed values, not a threshold
            j = columns.index(name)
            if j in categories:
                lo, hi = box.limits.pop(name)
                box.allowed[name] = tuple(float(v) for v in categories[j]
                                          if (lo is None or v > lo) and (hi is None or v <= hi))
        # sklearn sends x <= t left; the box's lower limits are inclusive, so a draw exactly at a split
        # would count on both sides — thresholds lie midway between two draws' values, so none does
        box = _stats(box, X, y, columns, total)
        leaves.append(box)
        cases.append(bool(is_case))
        p_values.append({name: _quasi_p(box, name, X, y, columns, total) for name in box.restricted})
    return Cart(columns, leaves, cases, p_values, base, n, total, depth, min_leaf)


# ============================================================================================ words
def conditions(box: Box, names: Names) -> list[str]:
    """Each restriction of the box in plain words, in the order they matter (as given)."""
    lang = names.lang
    out = []
    for name in box.restricted:
        label = names.label(name)
        if name in box.allowed:
            values = box.allowed[name]
            text = " / ".join(names.value(name, v) for v in values) if len(values) else "–"
            out.append(L.text("discovery.is", lang, label=label, v=text))
            continue
        lo, hi = box.limits[name]
        if lo is not None and hi is not None:
            out.append(L.text("discovery.between", lang, label=label, a=names.value(name, lo), b=names.value(name, hi)))
        elif lo is not None:
            out.append(L.text("discovery.above", lang, label=label, v=names.value(name, lo)))
        else:
            out.append(L.text("discovery.below", lang, label=label, v=names.value(name, hi)))
    return out


ON = ("misses", "hits")        # discover the conditions of a miss, or of a hit ("what has to go right")


def _t(key: str, on: str, lang: str, **values) -> str:
    """The text ``key``, or its ``.hits`` variant when the cases are the hits."""
    return L.text(f"{key}.hits" if on == "hits" else key, lang, **values)


def describe(result: Prim, names: Names, on: str = "misses") -> str:
    """The chosen box in plain words, e.g. "TFP growth below 1.6% and ...: 74% of all misses, 81%
    miss rate inside (against 60% overall)"; restrictions whose quasi-p-value is 5% or more are
    named as possibly due to chance."""
    return describe_box(result.box, result.base_rate, result.p_values, names, on)


def describe_box(box: Box, base_rate: float, p_values: dict, names: Names, on: str = "misses") -> str:
    """Any box in plain words (a PRIM box, a CART leaf): its conditions, coverage and density against
    ``base_rate``, and the restrictions whose quasi-p-value (``p_values``) is 5% or more named."""
    lang = names.lang
    if not box.restricted:
        return _t("discovery.nobox", on, lang)
    pct = lambda v: f"{v * 100:.0f}%"  # noqa: E731
    parts = conditions(box, names)
    if lang == "en":   # mid-sentence: "Capital share" → "capital share" (not "TFP ...")
        parts = [p if i == 0 or p[1:2].isupper() else p[:1].lower() + p[1:] for i, p in enumerate(parts)]
    text = _t("discovery.box", on, lang, conditions=L.text("discovery.and", lang).join(parts),
              coverage=pct(box.coverage), density=pct(box.density), base=pct(base_rate))
    chance = [names.label(n) for n in box.restricted if not p_values.get(n, 0.0) < ALPHA]
    if chance:
        text += L.text("discovery.chance", lang, names=("、" if lang == "zh" else ", ").join(chance))
    return text


# ============================================================================================ run folders
@dataclass
class Discovery:
    """Scenario discovery on a run folder: KS table, PRIM result, the box in words, provenance."""

    regional: pd.DataFrame
    prim: Prim
    names: Names
    outcome: Outcome
    threshold: float
    meta: dict
    title: dict
    on: str = "misses"                       # the cases the boxes describe: misses, or hits
    more: list = field(default_factory=list)  # covering: the next boxes, each on the draws the earlier left
    union: list = field(default_factory=list)  # (coverage, density) of the first k boxes together, k = 1…
    stability: pd.DataFrame | None = None     # bootstrap: how often each input is restricted
    naming: dict | None = None       # the scenario's names (``outputs.names.naming``), kept in discovery.json
    features: pd.DataFrame | None = None      # feature scoring: extra-trees importance, ranked
    cart: Cart | None = None                  # CART: the leaves as boxes

    @property
    def lang(self) -> str:
        return self.names.lang

    def __repr__(self) -> str:
        return "<Discovery>\n" + self.format(top=5)

    def _repr_html_(self) -> str:
        from portfolio.outputs.textsummary import card

        lines = self.format(top=0).splitlines()
        rows = [[str(r["label"]), f"{r['ks']:.3f}", f"{r['p_value']:.1e}", f"{r['direction']} in misses"]
                for _, r in self.regional_table("en").head(10).iterrows()]
        return card(lines[0], [lines[1], "PRIM box: " + self.description("en")], ["input", "KS", "p", "direction"],
                    rows)

    def description(self, lang: str | None = None) -> str:
        return describe(self.prim, self._names(lang), self.on)

    def more_descriptions(self, lang: str | None = None) -> list[str]:
        """The covering boxes after the first in words, each with the coverage of the boxes so far."""
        names = self._names(lang)
        return [L.text("discovery.more", names.lang, k=k, box=describe(p, names, self.on),
                       coverage=f"{self.union[k - 1][0]:.0%}")
                for k, p in enumerate(self.more, start=2)]

    def _names(self, lang: str | None) -> Names:
        if lang in (None, self.names.lang):
            return self.names
        import copy

        names = copy.copy(self.names)
        names.lang = lang
        return names

    def regional_table(self, lang: str | None = None) -> pd.DataFrame:
        names = self._names(lang)
        table = self.regional.copy()
        table.insert(1, "label", [names.label(p) for p in table["parameter"]])
        return table

    def box_table(self, lang: str | None = None) -> pd.DataFrame:
        names = self._names(lang)
        rows = []
        for name in self.prim.box.restricted:
            lo, hi = self.prim.box.limits.get(name, (None, None))
            allowed = self.prim.box.allowed.get(name)
            rows.append({"parameter": name, "label": names.label(name),
                         "lower": lo if lo is not None else math.nan, "upper": hi if hi is not None else math.nan,
                         "allowed": ";".join(f"{v:g}" for v in allowed) if allowed is not None else "",
                         "lower_text": names.value(name, lo) if lo is not None else "",
                         "upper_text": names.value(name, hi) if hi is not None else "",
                         "quasi_p": self.prim.p_values.get(name, math.nan)})
        return pd.DataFrame(rows, columns=["parameter", "label", "lower", "upper", "allowed", "lower_text",
                                           "upper_text", "quasi_p"])

    def boxes_table(self, lang: str | None = None) -> pd.DataFrame:
        """Every box of the covering, a row per restriction: box number, coverage and density on the
        draws it was found on, and the coverage of the boxes up to it together."""
        names = self._names(lang)
        rows = []
        for k, p in enumerate([self.prim, *self.more], start=1):
            for name in p.box.restricted:
                lo, hi = p.box.limits.get(name, (None, None))
                allowed = p.box.allowed.get(name)
                rows.append({"box": k, "coverage": p.box.coverage, "density": p.box.density,
                             "union_coverage": self.union[k - 1][0] if self.union else p.box.coverage,
                             "parameter": name, "label": names.label(name),
                             "lower": lo if lo is not None else math.nan, "upper": hi if hi is not None else math.nan,
                             "allowed": ";".join(f"{v:g}" for v in allowed) if allowed is not None else "",
                             "quasi_p": p.p_values.get(name, math.nan)})
        return pd.DataFrame(rows, columns=["box", "coverage", "density", "union_coverage", "parameter", "label",
                                           "lower", "upper", "allowed", "quasi_p"])

    def feature_table(self, lang: str | None = None) -> pd.DataFrame | None:
        """parameter, label, score, rank: the extra-trees importance of each input."""
        if self.features is None:
            return None
        names = self._names(lang)
        table = self.features.copy()
        table.insert(1, "label", [names.label(p) for p in table["parameter"]])
        return table

    def cart_descriptions(self, lang: str | None = None) -> list[str]:
        """The CART leaves classified as the cases, densest first, in words. Unlike a PRIM box's, a
        leaf's restrictions are not named as possible chance: a leaf is the tree's partition, and a
        split's far side ("ratio above 3.34" beside the denser "below") lowers the leaf's rate by
        construction — its quasi-p-value near 1 (in ``cart_table``) says that, not chance."""
        if self.cart is None:
            return []
        names = self._names(lang)
        return [describe_box(box, self.cart.base_rate, {}, names, self.on) for box, _ in self.cart.boxes]

    def cart_table(self, lang: str | None = None) -> pd.DataFrame | None:
        """The CART leaves classified as the cases, a row per restriction: leaf (1 = densest),
        its coverage, density and draws, and each restriction with its quasi-p-value."""
        if self.cart is None:
            return None
        names = self._names(lang)
        rows = []
        for k, (box, p_values) in enumerate(self.cart.boxes, start=1):
            for name in box.restricted:
                lo, hi = box.limits.get(name, (None, None))
                allowed = box.allowed.get(name)
                rows.append({"leaf": k, "coverage": box.coverage, "density": box.density, "draws": box.count,
                             "parameter": name, "label": names.label(name),
                             "lower": lo if lo is not None else math.nan, "upper": hi if hi is not None else math.nan,
                             "allowed": ";".join(f"{v:g}" for v in allowed) if allowed is not None else "",
                             "lower_text": names.value(name, lo) if lo is not None else "",
                             "upper_text": names.value(name, hi) if hi is not None else "",
                             "quasi_p": p_values.get(name, math.nan)})
        return pd.DataFrame(rows, columns=["leaf", "coverage", "density", "draws", "parameter", "label", "lower",
                                           "upper", "allowed", "lower_text", "upper_text", "quasi_p"])

    def stability_table(self, lang: str | None = None) -> pd.DataFrame | None:
        if self.stability is None:
            return None
        names = self._names(lang)
        table = self.stability.copy()
        table.insert(1, "label", [names.label(p) for p in table["parameter"]])
        table.insert(2, "in_box", [p in self.prim.box.restricted for p in table["parameter"]])
        return table

    def summary(self, lang: str | None = None) -> dict:
        box = self.prim.box
        return {
            **self.meta,
            "box": {"description": self.description(lang), "coverage": box.coverage, "density": box.density,
                    "mass": box.mass, "draws": box.count, "misses": box.misses,
                    "step": self.prim.chosen, "conditions": conditions(box, self._names(lang)),
                    "restrictions": self.box_table(lang).to_dict(orient="records")},
            "regional_top": self.regional_table(lang).head(10).to_dict(orient="records"),
            "on": self.on,
            "more_boxes": [{"description": text, "coverage": p.box.coverage, "density": p.box.density,
                            "union_coverage": self.union[k][0]}
                           for k, (p, text) in enumerate(zip(self.more, self.more_descriptions(lang)), start=1)],
            "stability": (self.stability_table(lang).to_dict(orient="records")
                          if self.stability is not None else None),
            "features_top": (self.feature_table(lang).head(10).to_dict(orient="records")
                             if self.features is not None else None),
            "cart_boxes": ([{"description": text, "coverage": box.coverage, "density": box.density,
                             "draws": box.count, "conditions": conditions(box, self._names(lang))}
                            for (box, _), text in zip(self.cart.boxes, self.cart_descriptions(lang))]
                           if self.cart is not None else None),
        }

    def figures(self, lang: str | None = None) -> dict:
        names = self._names(lang)
        charts = {"regional": regional_chart(self, names), "prim-trajectory": trajectory_chart(self, names),
                  "prim-box": box_chart(self, names)}
        if self.features is not None:
            charts["feature-scores"] = features_chart(self, names)
        return charts

    def save(self, folder, force: bool = False, charts: bool = True, lang: str | None = None,
             command: str | None = None, formats=("png", "svg")) -> Path:
        from portfolio.outputs.folders import StagedFolder, write_json

        with StagedFolder(Path(folder), force) as stage:
            write_csv(self.regional_table(lang), stage / "regional.csv", index=False, float_format="%.10g")
            write_csv(self.prim.trajectory_frame(), stage / "prim_trajectory.csv", index=False, float_format="%.10g")
            write_csv(self.box_table(lang), stage / "prim_box.csv", index=False, float_format="%.10g")
            written = ["discovery.json", "regional.csv", "prim_trajectory.csv", "prim_box.csv"]
            if self.more:
                write_csv(self.boxes_table(lang), stage / "prim_boxes.csv", index=False, float_format="%.10g")
                written.append("prim_boxes.csv")
            if self.stability is not None:
                write_csv(self.stability_table(lang), stage / "prim_stability.csv", index=False, float_format="%.10g")
                written.append("prim_stability.csv")
            if self.features is not None:
                write_csv(self.feature_table(lang), stage / "feature_scores.csv", index=False, float_format="%.10g")
                written.append("feature_scores.csv")
            if self.cart is not None:
                write_csv(self.cart_table(lang), stage / "cart_boxes.csv", index=False, float_format="%.10g")
                written.append("cart_boxes.csv")
            files = [p.name for p in self.draw(stage, lang, formats)] if charts else []
            summary = self.summary(lang)
            summary.update(command=command, language=lang or self.lang, naming=self.naming,
                           outcome_spec=dataclasses.asdict(self.outcome))
            summary["files"] = [*written, *files]
            write_json(stage / "discovery.json", summary)
        return Path(folder)

    def draw(self, out, lang: str | None = None, formats=("png", "svg")) -> list[Path]:
        """The charts (``figures``) as ``out/<name>.<format>``, in the house style; the files written."""
        from portfolio.outputs import style as S

        return S.save_all(self.figures(lang), out, lang or self.lang, formats)

    def format(self, top: int = 10) -> str:
        m = self.meta
        o = self.outcome
        hits = self.on == "hits"
        threshold = _threshold_text(o, self.threshold)
        what = f"{o.label('en')} at or above {threshold}" if hits else f"{o.label('en')} below {threshold}"
        cases = m["draws_used"] - m["misses"] if hits else m["misses"]
        lines = [f"{'What has to go right?' if hits else 'When is the target missed?'} {m['scenario']} — {what}",
                 f"{cases:,} {self.on} in {m['draws_used']:,} valid draws ({self.prim.base_rate:.1%})"
                 + (f"; {m['invalid_draws']:,} invalid draws left out" if m["invalid_draws"] else "")]
        lines.append("Regional sensitivity (KS distance between hits and misses):")
        flip = {"lower": "higher", "higher": "lower"}
        for _, r in self.regional_table().head(top).iterrows():      # inputs named in the result's language
            direction = flip.get(r["direction"], r["direction"]) if hits else r["direction"]
            lines.append(f"  {_cut(str(r['label']), 56)} KS {r['ks']:.3f}  p {r['p_value']:.1e}  "
                         f"{direction} in {self.on}")
        lines.append(f"PRIM box (step {self.prim.chosen} of {len(self.prim.trajectory) - 1}"
                     + (", pasted" if self.prim.peeled is not None else "") + "):")
        lines.append("  " + self.description())
        lines += ["  " + text for text in self.more_descriptions()]
        if self.stability is not None:
            resamples = (self.meta.get("bootstrap") or {}).get("resamples", 0)
            lines.append(f"Bootstrap stability ({resamples} resamples): share of the boxes that restrict each input")
            for _, r in self.stability_table().head(top).iterrows():
                lines.append(f"  {_cut(str(r['label']), 56)} {r['share']:5.0%}" + ("  (in the box)" if r["in_box"] else ""))
        if self.features is not None:
            lines.append(f"Feature scoring (extra-trees importance for the {self.on}; scores add up to 1):")
            for _, r in self.feature_table().head(top).iterrows():
                lines.append(f"  {_cut(str(r['label']), 56)} {r['score']:.3f}")
        if self.cart is not None:
            lines.append(f"CART leaves of the {self.on} (depth {self.cart.depth}, leaves of at least "
                         f"{self.cart.min_leaf:.0%} of the draws):")
            lines += ["  " + text for text in self.cart_descriptions()] or ["  " + _t("discovery.nobox", self.on, self.lang)]
        return "\n".join(lines)


def _threshold_text(o: Outcome, threshold: float) -> str:
    return f"{threshold * 100:.2f}%" if o.percent else f"{threshold:,.6g}"


def discover(folder, outcome: str | None = None, below: float | None = None,
             params: Sequence[str] | None = None, lang: str | None = None, alpha: float = ALPHA,
             min_mass: float = MIN_MASS, box: int | None = None, on: str = "misses", boxes: int = 1,
             bootstrap: int = 0, paste: bool = True, seed: int | None = None, features: bool = True,
             cart: bool = True, cart_depth: int = CART_DEPTH) -> Discovery:
    """Regional sensitivity and PRIM on a run folder's draws.

    The miss is "outcome below ``below``": by default the first target's outcome below its threshold;
    ``outcome`` names another target or a continuous outcome (``average_growth``, ``growth_2023``,
    ``gdp_2025``), which needs ``below`` unless it is a target. ``params`` (paths or globs) restricts
    the inputs (default: every sampled input that varies). ``on="hits"`` describes the draws that meet
    it instead ("what has to go right"). ``boxes`` > 1 adds covering boxes (:func:`cover`);
    ``bootstrap`` > 0 re-runs PRIM on that many resamples (:func:`bootstrap_stability`, seeded from
    ``seed``, default the run's); ``paste`` widens the chosen box again where that keeps its density.
    Alongside PRIM: ``features`` scores each input by extra-trees importance (:func:`feature_scores`,
    seeded from ``seed``), and ``cart`` fits a tree ``cart_depth`` splits deep (:func:`cart`) whose
    leaves of the cases are boxes."""
    if on not in ON:
        raise InputError([Problem("--on", None, str(on), "one of misses, hits")])
    began = time.perf_counter()
    run = folder if isinstance(folder, RunFolder) else RunFolder(folder)
    targets = run_targets(run)
    if outcome is None:
        if not targets:
            raise InputError([Problem("--outcome", None, "", "the run has no targets; name an outcome and --below")])
        outcome = f"target:{targets[0]['name']}"
    chosen = parse_outcomes(outcome, targets, run.years)[0]
    if chosen.kind == "probability":
        chosen = parse_outcomes(chosen.target, targets, run.years)[0]
    threshold = below if below is not None else chosen.threshold
    if threshold is None:
        raise InputError([Problem("--below", None, "", f"give the level that counts as a miss for {chosen.name} "
                                  "(e.g. --below 0.09 or --below 9%)")])
    inputs = run_inputs(run, params) if params else [k for k in run.inputs]
    frame = run.draws(inputs + chosen.columns())
    total = len(frame)
    frame = frame[frame["valid"].astype(bool)]
    values = chosen.from_frame(frame)
    ok = np.isfinite(values)
    frame, values = frame[ok], values[ok]
    invalid = total - len(frame)
    X = frame[inputs]
    varying = [c for c in inputs if X[c].nunique(dropna=True) > 1]
    X = X[varying]
    miss = values < float(threshold)
    cases = miss if on == "misses" else ~miss
    names = Names(run.scenario_data, lang or run.language or "en")
    regional = regional_sensitivity(X, miss)
    if boxes > 1 and box is None:
        found = cover(X, cases, boxes=boxes, alpha=alpha, min_mass=min_mass, paste=paste)
        result, more = (found[0], found[1:]) if found else (prim(X, cases, alpha=alpha, min_mass=min_mass), [])
        union = union_coverage([result, *more], X, cases)
    else:
        result, more = prim(X, cases, alpha=alpha, min_mass=min_mass, choose=box, paste=paste), []
        union = []
    from portfolio.uncertainty import seeds

    root = int((run.summary or {}).get("seed", 0)) if seed is None else int(seed)
    stability = None
    if bootstrap:
        stability = bootstrap_stability(X, cases, resamples=int(bootstrap), alpha=alpha, min_mass=min_mass,
                                        paste=paste, seed=seeds.integer(root, "discover", "bootstrap"))
    scores = feature_scores(X, cases, seed=seeds.integer(root, "discover", "features")) if features else None
    tree = fit_cart(X, cases, depth=int(cart_depth), seed=seeds.integer(root, "discover", "cart")) if cart else None
    meta = {
        "format_version": 1, "package_version": __version__, "run_folder": str(run.path.resolve()),
        "scenario": run.name, "title": run.title, "outcome": chosen.name, "outcome_label": chosen.label(names.lang),
        "miss_if_below": float(threshold), "draws": total, "draws_used": int(len(frame)),
        "invalid_draws": int(invalid), "misses": int(miss.sum()), "miss_rate": float(miss.mean()) if len(miss) else None,
        "inputs": len(varying), "prim": {"alpha": alpha, "min_mass": min_mass, "steps": len(result.trajectory) - 1,
                                         "chosen_step": result.chosen,
                                         "rule": "max coverage × (density − base) / (1 − base); pruned"},
        "ranges": {n: [float(X[n].min()), float(X[n].max())]
                   for n in dict.fromkeys(r for p in (result, *more) for r in p.box.restricted)},
        "on": on, "pasted": result.peeled is not None, "boxes": 1 + len(more),
        "bootstrap": {"resamples": int(bootstrap)} if bootstrap else None,
        "features": {"method": "extra-trees impurity importance (scikit-learn ExtraTreesClassifier)",
                     "trees": FEATURE_TREES, "min_leaf": FEATURE_MIN_LEAF} if features else None,
        "cart": {"method": "scikit-learn DecisionTreeClassifier, balanced class weights", "depth": int(cart_depth),
                 "min_leaf": CART_MIN_LEAF, "leaves": len(tree.leaves), "case_leaves": len(tree.boxes)}
        if tree is not None else None,
        "seconds": round(time.perf_counter() - began, 3),
    }
    meta["prim"]["pasting"] = "Friedman & Fisher 1999: widen while the density does not fall" if paste else None
    return Discovery(regional, result, names, chosen, float(threshold), meta, run.title, naming=naming(run.scenario_data),
                     on=on, more=more, union=union, stability=stability, features=scores, cart=tree)


def open_discovery(folder) -> Discovery:
    """The discovery a saved folder holds (discovery.json, regional.csv, prim_trajectory.csv), with its
    inputs named from the scenario names it keeps: its charts redraw in either language."""
    from portfolio.outputs.folders import FolderError, check_finished, read_json

    folder = Path(folder)
    check_finished(folder, "discovery folder")
    summary = read_json(folder / "discovery.json")
    if not isinstance(summary, dict) or "outcome_spec" not in summary:
        raise FolderError(f"{folder}: discovery.json was written by an older version (or is not one) and "
                          "cannot be redrawn; run `portfolio discover` again")
    spec = summary["outcome_spec"]
    outcome = Outcome(**{k: tuple(v) if k == "window" and v is not None else v for k, v in spec.items()})
    regional = pd.read_csv(folder / "regional.csv", encoding="utf-8-sig").drop(columns=["label"], errors="ignore")
    frame = pd.read_csv(folder / "prim_trajectory.csv", encoding="utf-8-sig")
    b = summary["box"]
    limits, allowed = {}, {}
    for r in b["restrictions"]:
        if isinstance(r.get("allowed"), str) and r["allowed"]:
            allowed[r["parameter"]] = tuple(float(v) for v in r["allowed"].split(";"))
        else:
            bound = lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)  # noqa: E731
            limits[r["parameter"]] = (bound(r.get("lower")), bound(r.get("upper")))
    box = Box(limits, allowed, mass=b["mass"], coverage=b["coverage"], density=b["density"], count=b["draws"],
              misses=b["misses"])
    meta = {k: v for k, v in summary.items() if k not in ("box", "regional_top")}
    prim_result = Prim([], [], b["step"], box, summary.get("miss_rate") or 0.0, summary["draws_used"], summary["misses"],
                       {r["parameter"]: r.get("quasi_p") for r in b["restrictions"]}, frame=frame)
    names = Names(summary.get("naming"), summary.get("language") or "en")
    return Discovery(regional, prim_result, names, outcome, float(summary["miss_if_below"]), meta,
                     summary.get("title") or {}, naming=summary.get("naming"), on=summary.get("on") or "misses")


def draw_discovery_charts(folder, lang: str | None = None, formats=("png", "svg"), out=None) -> list[Path]:
    """Redraw the charts of a saved discovery folder into ``out`` (default the folder itself), in ``lang``
    (default the folder's language); nothing is recomputed."""
    return open_discovery(folder).draw(Path(out) if out is not None else Path(folder), lang, formats)


# ============================================================================================ the report
def report_sections(found: Sequence[Discovery], lang: str) -> list:
    """The report's sections of each discovery (a miss box, a hit box…): its box in words as the
    intro, and a table of its restrictions with their quasi-p-values."""
    from portfolio.outputs.report.document import Table

    sections = []
    for d in found:
        names = d._names(lang)
        rows = [[c, f"{p:.1e}" if math.isfinite(p) else "–"]
                for c, p in zip(conditions(d.prim.box, names), d.box_table(lang)["quasi_p"])]
        sections.append((_t("report.discovery.title", d.on, lang), describe(d.prim, names, d.on),
                         Table([L.text("report.discovery.condition", lang), L.text("report.discovery.p", lang)],
                               rows or [["–", "–"]], [0.8, 0.2])))
    return sections


def write_report_with_discovery(folder, fmt: str = "html", lang: str | None = None, out=None, template=None,
                                outcome: str | None = None, below: float | None = None) -> Path:
    """The run's report (``outputs.report.write_report``) with scenario discovery's two boxes in it:
    when the target is missed, and what has to go right (PRIM on the run's draws, as ``discover``)."""
    from portfolio.outputs.report import write_report

    found = [discover(folder, outcome=outcome, below=below, on=on) for on in ON]
    return write_report(folder, fmt=fmt, lang=lang, out=out, template=template,
                        sections=lambda language: report_sections(found, language))


# ============================================================================================ charts
def _figure(height_cm: float):
    from matplotlib.figure import Figure

    from portfolio.outputs import style as S

    fig = Figure(figsize=(S.WIDTH_CM * S.CM, height_cm * S.CM), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.04, w_pad=0.04, hspace=0.04, wspace=0.02)
    return fig, fig.subplots()


def _header(fig, ax, d: Discovery, names: Names, title: str, extra: str | None = None) -> None:
    from portfolio.outputs import style as S

    lang = names.lang
    fig.suptitle(title, x=0.012, ha="left", fontsize=S.BASE_RC["figure.titlesize"])
    what = _t("discovery.chart.what", d.on, lang, outcome=d.outcome.label(lang), threshold=_threshold_text(d.outcome, d.threshold),
              misses=d.meta["draws_used"] - d.meta["misses"] if d.on == "hits" else d.meta["misses"],
              n=d.meta["draws_used"])
    lines = [L.shorten(L.pick(d.title, lang), 64), L.wrap(what, 80)] + ([extra] if extra else [])   # fits beside
    ax.set_title("\n".join(lines), loc="left", fontsize=7, color=S.GREY, pad=6, linespacing=1.5)


def regional_chart(d: Discovery, names: Names | None = None, top: int = 15):
    """KS distances of the inputs that best separate hits from misses, coloured by direction."""
    from matplotlib.patches import Patch

    from portfolio.outputs import style as S

    names = names or d.names
    lang = names.lang
    table = d.regional.dropna(subset=["ks"]).head(top)
    with S.house_style(lang):
        k = len(table)
        fig, ax = _figure(3.8 + 0.5 * max(k, 3))
        _header(fig, ax, d, names, L.text("discovery.chart.regional.title", lang))
        colours = [S.VERMILLION if r == "lower" else S.BLUE for r in table["direction"]]
        hatches = ["" if r == "lower" else "///" for r in table["direction"]]
        ys = np.arange(k - 1, -1, -1)
        bars = ax.barh(ys, table["ks"], height=0.66, color=colours, edgecolor="#333333", lw=0.35)
        for bar, hatch in zip(bars, hatches):
            bar.set_hatch(hatch)
        for y, (ks, p) in zip(ys, zip(table["ks"], table["p_value"])):
            ax.text(ks + 0.005, y, f"{ks:.2f}" + ("" if p < 0.001 else f" (p={p:.2g})"), va="center",
                    fontsize=6.5, color="#444444")
        _ranked_axes(ax, table, "ks", 0.1, names, L.text("discovery.chart.regional.xlabel", lang))
        # the colours follow the misses' side; with --on hits the same bar reads the other way round
        lower, higher = (("discovery.chart.regional.higher", "discovery.chart.regional.lower") if d.on == "hits"
                         else ("discovery.chart.regional.lower", "discovery.chart.regional.higher"))
        handles = [Patch(facecolor=S.VERMILLION, edgecolor="#333333", lw=0.35, label=_t(lower, d.on, lang)),
                   Patch(facecolor=S.BLUE, edgecolor="#333333", lw=0.35, hatch="///", label=_t(higher, d.on, lang))]
        fig.legend(handles=handles, loc="outside lower center", ncols=2)
    return fig


def features_chart(d: Discovery, names: Names | None = None, top: int = 15):
    """The inputs with the largest feature scores, as bars (the same layout as the KS chart)."""
    from portfolio.outputs import style as S

    names = names or d.names
    lang = names.lang
    table = d.features.dropna(subset=["score"]).head(top)
    with S.house_style(lang):
        k = len(table)
        fig, ax = _figure(3.8 + 0.5 * max(k, 3))
        note = L.text("discovery.chart.features.note", lang, trees=FEATURE_TREES, leaf=f"{FEATURE_MIN_LEAF:.0%}")
        _header(fig, ax, d, names, L.text("discovery.chart.features.title", lang), note)
        ys = np.arange(k - 1, -1, -1)
        ax.barh(ys, table["score"], height=0.66, color=S.BLUE, edgecolor="#333333", lw=0.35)
        for y, score in zip(ys, table["score"]):
            ax.text(score + 0.002, y, f"{score:.3f}", va="center", fontsize=6.5, color="#444444")
        _ranked_axes(ax, table, "score", 0.05, names, L.text("discovery.chart.features.xlabel", lang))
    return fig


def _ranked_axes(ax, table: pd.DataFrame, column: str, least: float, names: Names, xlabel: str) -> None:
    """The axes of a ranked bar chart (KS distances, feature scores): one input per row, largest on top,
    named in ``names``' language, the value axis from 0 to ``least`` or 18% past the largest value."""
    k = len(table)
    ax.set_yticks(np.arange(k - 1, -1, -1), short_labels([names.label(p) for p in table["parameter"]], names.lang))
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(0, max(least, float(table[column].max()) * 1.18) if k else 1)
    ax.set_ylim(-0.6, k - 0.4)
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)


def trajectory_chart(d: Discovery, names: Names | None = None):
    """Coverage against density along the peeling trajectory, the chosen box marked."""
    from matplotlib.ticker import FuncFormatter

    from portfolio.outputs import style as S

    names = names or d.names
    lang = names.lang
    t = d.prim.trajectory_frame()
    with S.house_style(lang):
        fig, ax = _figure(10.5)
        _header(fig, ax, d, names, L.text("discovery.chart.traj.title", lang))
        ax.plot(t["coverage"] * 100, t["density"] * 100, color=S.GREY, lw=0.8, zorder=1)
        points = ax.scatter(t["coverage"] * 100, t["density"] * 100, c=t["restricted"], cmap="viridis", s=14,
                            edgecolors="#333333", linewidths=0.3, zorder=2, label=L.text("discovery.chart.traj.points", lang))
        box = d.prim.box
        ax.scatter([box.coverage * 100], [box.density * 100], marker="*", s=150, color=S.VERMILLION,
                   edgecolors=S.BLACK, linewidths=0.6, zorder=4, label=L.text("discovery.chart.traj.chosen", lang))
        ax.annotate(L.text("discovery.chart.traj.note", lang, c=f"{box.coverage:.0%}", d=f"{box.density:.0%}"),
                    (box.coverage * 100, box.density * 100), xytext=(14, 14), textcoords="offset points",
                    fontsize=7.5, color=S.VERMILLION, ha="left", va="bottom",
                    bbox={"facecolor": "white", "edgecolor": S.VERMILLION, "lw": 0.6, "boxstyle": "round,pad=0.3"},
                    arrowprops={"arrowstyle": "-", "color": S.VERMILLION, "lw": 0.7})
        ax.axhline(d.prim.base_rate * 100, color=S.BLACK, lw=0.9, ls="--",
                   label=_t("discovery.chart.traj.base", d.on, lang, v=f"{d.prim.base_rate:.0%}"))
        ax.set_xlim(0, 102)
        ax.set_ylim(max(0, d.prim.base_rate * 100 - 5), 101)
        ax.set_xlabel(_t("discovery.chart.traj.x", d.on, lang))
        ax.set_ylabel(_t("discovery.chart.traj.y", d.on, lang))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
        ax.grid(True, axis="both")
        bar = fig.colorbar(points, ax=ax, shrink=0.8, pad=0.01)
        bar.set_label(L.text("discovery.chart.traj.restricted", lang))
        bar.outline.set_visible(False)
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=3)
    return fig


def box_chart(d: Discovery, names: Names | None = None):
    """The chosen box: each restricted input's range in the draws and the part inside the box."""
    from matplotlib.patches import Patch

    from portfolio.outputs import style as S

    names = names or d.names
    lang = names.lang
    box = d.prim.box
    restricted = box.restricted
    with S.house_style(lang):
        k = max(len(restricted), 1)
        fig, ax = _figure(4.6 + 0.9 * k)
        pct = lambda v: f"{v * 100:.0f}%"  # noqa: E731
        summary = _t("discovery.chart.box.summary", d.on, lang, coverage=pct(box.coverage), density=pct(box.density),
                      base=pct(d.prim.base_rate))
        _header(fig, ax, d, names, _t("discovery.chart.box.title", d.on, lang), summary)
        ranges = d.meta.get("ranges") or {}
        for i, name in enumerate(restricted):
            y = k - 1 - i
            lo_all, hi_all = ranges.get(name, (0.0, 1.0))
            width = (hi_all - lo_all) or 1.0
            ax.barh(y, 1.0, left=0.0, height=0.5, color=S.LIGHT_GREY, edgecolor="#8A8A8A", lw=0.4)
            if name in box.allowed:
                text = " / ".join(names.value(name, v) for v in box.allowed[name])
                ax.text(0.5, y, text, ha="center", va="center", fontsize=7.5, color=S.BLACK)
                continue
            lo, hi = box.limits[name]
            a = 0.0 if lo is None else (lo - lo_all) / width
            b = 1.0 if hi is None else (hi - lo_all) / width
            ax.barh(y, b - a, left=a, height=0.5, color=S.VERMILLION, alpha=0.8, edgecolor=S.BLACK, lw=0.6,
                    hatch="///")
            if lo is not None:
                ax.text(a, y + 0.3, names.value(name, lo), ha="center", va="bottom", fontsize=7, color=S.VERMILLION)
            if hi is not None:
                ax.text(b, y + 0.3, names.value(name, hi), ha="center", va="bottom", fontsize=7, color=S.VERMILLION)
        ticks = []
        for n, short in zip(restricted, short_labels([names.label(n) for n in restricted], lang)):
            lo_all, hi_all = ranges.get(n, (math.nan, math.nan))
            span = f"{names.value(n, lo_all)} – {names.value(n, hi_all)}" if n not in box.allowed else ""
            ticks.append(short + (f"\n{span}" if span else ""))
        ax.set_yticks(range(k - 1, k - 1 - len(restricted), -1), ticks)
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.8, k - 0.2)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.grid(False)
        ax.spines["left"].set_visible(False)
        ax.set_xlabel(L.text("discovery.chart.box.axis", lang))
        handles = [Patch(facecolor=S.LIGHT_GREY, edgecolor="#8A8A8A", label=L.text("discovery.chart.box.range", lang)),
                   Patch(facecolor=S.VERMILLION, alpha=0.8, edgecolor=S.BLACK, hatch="///", label=L.text("discovery.chart.box.box", lang))]
        fig.legend(handles=handles, loc="outside lower center", ncols=2)
    return fig
