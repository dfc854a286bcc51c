"""Card response functions compiled to flat float64 programs, and their evaluation.

A detector card (``higgsino_sim.cards``) describes every efficiency and resolution as a
named functional form; the loader compiles each into a short float64 "program" stored in
one pool array, so the numba response kernel evaluates cards without Python objects.
Every function is evaluated at (x, y): x is the function's variable (pT [GeV] for most,
the production radius [mm] or a scalar pT sum [GeV] for a few), y = |eta| (ignored by
forms that do not depend on it).

Encodings (pool[o] is the kind):

- ``FN_CONST``     [0, value]
- ``FN_ERF``       [1, plateau, x50, width]:  plateau * (1 + erf((x - x50) / (sqrt2 width))) / 2
                   (Gaussian-resolution turn-on; ``width`` > 0)
- ``FN_QUAD``      [2, n, c_1, p_1, ..., c_n, p_n]:  sqrt(sum_k (c_k x^p_k)^2)
                   (quadrature sum of terms, e.g. sigma(d0) = a (+) b / pT: [[a, 0], [b, -1]])
- ``FN_BINNED``    [3, nx, ny, x_edges[nx + 1], y_edges[ny + 1], values[ny * nx]] with
                   values row-major in (y, x); outside the edges the nearest bin is used
                   (acceptance limits are separate card keys, so clamping never extends
                   an acceptance)
- ``FN_ETA_BINS``  [4, ny, y_edges[ny + 1], offsets[ny]]: the sub-function at the given
                   absolute pool offset for the |eta| bin of y (nearest bin outside)
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

FN_CONST, FN_ERF, FN_QUAD, FN_BINNED, FN_ETA_BINS = 0, 1, 2, 3, 4


@nb.njit(cache=True, error_model="numpy")
def find_bin(edges: np.ndarray, x: float) -> int:
    """Index i with edges[i] <= x < edges[i + 1], clamped to [0, len(edges) - 2]."""
    return _find_bin_at(edges, 0, edges.size - 1, x)


@nb.njit(cache=True, error_model="numpy", inline="always")
def _find_bin_at(pool, e0, n, x):
    """find_bin on the n + 1 edges pool[e0 : e0 + n + 1] (indices, not a slice: a slice is
    a new array with a reference count to update)."""
    if x < pool[e0 + 1] or n == 1:
        return 0
    if x >= pool[e0 + n - 1]:
        return n - 1
    lo, hi = 1, n - 1  # edges[lo] <= x < edges[hi + 1]
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if x >= pool[e0 + mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


@nb.njit(cache=True, error_model="numpy", inline="always")
def _power(x, p):
    """x ** p; the exponents of the cards (0, +-1, 2, 1/2) without pow, which costs tens of
    ns (the results agree to rounding)."""
    if p == 0.0:
        return 1.0
    if p == 1.0:
        return x
    if p == -1.0:
        return 1.0 / x
    if p == 2.0:
        return x * x
    if p == 0.5:
        return math.sqrt(x)
    return x**p


@nb.njit(cache=True, error_model="numpy")
def eval_fn(pool: np.ndarray, offset: int, x: float, y: float) -> float:
    """Value of the compiled function at ``pool[offset]`` for (x, y = |eta|)."""
    o = offset
    kind = int(pool[o])
    while kind == FN_ETA_BINS:
        ny = int(pool[o + 1])
        i = _find_bin_at(pool, o + 2, ny, y)
        o = int(pool[o + 3 + ny + i])
        kind = int(pool[o])
    if kind == FN_CONST:
        return pool[o + 1]
    if kind == FN_ERF:
        return pool[o + 1] * 0.5 * (1.0 + math.erf((x - pool[o + 2]) / (math.sqrt(2.0) * pool[o + 3])))
    if kind == FN_QUAD:
        n = int(pool[o + 1])
        s = 0.0
        for k in range(n):
            term = pool[o + 2 + 2 * k] * _power(x, pool[o + 3 + 2 * k])
            s += term * term
        return math.sqrt(s)
    # FN_BINNED
    nx = int(pool[o + 1])
    ny = int(pool[o + 2])
    ix = _find_bin_at(pool, o + 3, nx, x)
    iy = _find_bin_at(pool, o + 4 + nx, ny, y)
    return pool[o + 5 + nx + ny + iy * nx + ix]
