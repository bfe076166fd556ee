"""Compiled inverse-CDF kernels (numba) for :mod:`portfolio.uncertainty.distributions`.

Each kernel does the same floating-point operations, in the same order, as the array formula it
replaces (no ``fastmath``), so the results are bit-identical to it; the array formula is documented
beside the distribution that uses it.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def hermite_inverse(u, x, slope, cells, exact_cells, out):
    """Cubic Hermite interpolation of a tabulated inverse CDF on a uniform grid of ``cells`` cells in
    ``u`` ∈ [0, 1] (nodes ``x``, slopes ``slope`` = dx/du): ``out[i]`` for each ``u[i]`` (clipped to
    [0, 1]); returns the indices of the values in the outer ``exact_cells`` cells at either end, which
    the caller evaluates exactly (``out`` is left unset there)."""
    h = 1.0 / cells
    edges = np.empty(len(u), np.int64)
    n_edges = 0
    for i in range(len(u)):
        v = u[i]
        if v < 0.0:
            v = 0.0
        elif v > 1.0:
            v = 1.0
        scaled = v * cells
        k = np.int64(scaled)
        if k > cells - 1:
            k = cells - 1
        if k < exact_cells or k >= cells - exact_cells:
            edges[n_edges] = i
            n_edges += 1
            continue
        t = scaled - k
        t2 = t * t
        t3 = t2 * t
        out[i] = ((2 * t3 - 3 * t2 + 1) * x[k] + (t3 - 2 * t2 + t) * h * slope[k]
                  + (3 * t2 - 2 * t3) * x[k + 1] + (t3 - t2) * h * slope[k + 1])
    return edges[:n_edges]
