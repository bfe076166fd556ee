"""Compiled inverse-CDF kernels (numba) for :mod:`portfolio.uncertainty.distributions`.

Each kernel does the same floating-point operations, in the same order, as the array formula it
replaces (no ``fastmath``), so the results are bit-identical to it, except that a compiled ``exp`` or
``log2`` may round differently from NumPy's in the last bits (the Beta tail tables: within 8 ulp,
tested); the array formula is documented beside the distribution that uses it.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def hermite_inverse(u, x, slope, cells, exact_cells, low_f, low_d, high_f, high_d, per_octave, out):
    """Cubic Hermite interpolation of a tabulated inverse CDF: ``out[i]`` for each ``u[i]`` (clipped to
    [0, 1]). Inside, a uniform grid of ``cells`` cells in ``u`` (nodes ``x``, slopes ``slope`` = dx/du);
    in the outer ``exact_cells`` cells at each end, where the inverse is steep, tail tables in logs:
    ``f = ln x`` (lower tail; upper: ``ln(1 − x)`` of the reflected ``1 − u``) at ``per_octave`` nodes
    per halving of ``u`` from the edge ``exact_cells / cells`` (a power of two) down, slopes ``df`` per
    node. Returns the indices of the values beyond the tail tables (u = 0 or 1, or tables cut short),
    which the caller evaluates exactly (``out`` is left unset there)."""
    h = 1.0 / cells
    edge_octave = np.log2(exact_cells / cells)          # −7 for 16 of 2,048 cells: exact
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
            upper = k >= cells - exact_cells
            w = 1.0 - v if upper else v                    # exact: v ≥ 1/2 in the upper tail
            f_nodes = high_f if upper else low_f
            d_nodes = high_d if upper else low_d
            if w <= 0.0:
                edges[n_edges] = i
                n_edges += 1
                continue
            p = per_octave * (edge_octave - np.log2(w))
            j = np.int64(p)
            if j >= len(f_nodes) - 1:
                edges[n_edges] = i
                n_edges += 1
                continue
            t = p - j
            t2 = t * t
            t3 = t2 * t
            f = ((2 * t3 - 3 * t2 + 1) * f_nodes[j] + (t3 - 2 * t2 + t) * d_nodes[j]
                 + (3 * t2 - 2 * t3) * f_nodes[j + 1] + (t3 - t2) * d_nodes[j + 1])
            out[i] = 1.0 - np.exp(f) if upper else np.exp(f)
            continue
        t = scaled - k
        t2 = t * t
        t3 = t2 * t
        out[i] = ((2 * t3 - 3 * t2 + 1) * x[k] + (t3 - 2 * t2 + t) * h * slope[k]
                  + (3 * t2 - 2 * t3) * x[k + 1] + (t3 - t2) * h * slope[k + 1])
    return edges[:n_edges]
