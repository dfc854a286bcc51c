"""Parton-distribution and alpha_s interpolation kernels (LHAPDF 6 "logcubic" / "ipol").

The grid tuples are built by :func:`higgsino_sim.pdf.load_pdf` and passed as-is:

``grid = (xs, log_xs, q2s, log_q2s, coeffs, q_mode)``
    xs, log_xs : float64 (nx,)
        x knots and their logarithms (shared by all Q subgrids).
    q2s, log_q2s : float64 (nq,)
        Q^2 knots [GeV^2] of all subgrids, concatenated; a flavour threshold appears
        twice (last knot of one subgrid, first knot of the next), as in LHAPDF >= 6.4.
    coeffs : float64 (nx - 1, nq + 2, 4, 11)
        Per x interval i, Q^2 knot row (shifted by one: rows 0 and nq + 1 are zero
        padding) and output slot (PDG id + 5, gluon in slot 5), the Hermite data
        (VL, VDL, VH, VDH): x f at x_i and x_{i+1} and the slopes d(x f)/d ln x there
        times the interval width ln x_{i+1} - ln x_i.
    q_mode : int64 (nq - 1,)
        Per Q^2 interval: 0 interior (central differences at both ends), 1 first interval
        of a subgrid, 2 last interval of a subgrid, 3 subgrid of two knots (linear),
        -1 zero-width interval between the two copies of a threshold (never selected).

``asgrid = (q2s, log_q2s, alphas, as_mode)``
    The alpha_s table (knots [GeV^2], values) with the same threshold convention and
    interval codes (0 interior, 1 first, 2 last, 3 two-knot subgrid, -1 zero width).

Interpolation (reference: LHAPDF 6.5, ``GridPDF::_computePolynomialCoefficients``,
``LogBicubicInterpolator.cc``, ``KnotArray.h::indexbelow``, ``AlphaS_Ipol.cc``;
A. Buckley et al., Eur. Phys. J. C75 (2015) 132, arXiv:1412.7420, Sec. 3):

* x: cubic Hermite in ln x; the slope at knot i is the mean of the left and right
  difference quotients in ln x, one-sided at the first and last x knot.
* Q^2: cubic Hermite in ln Q^2 through the four x-interpolated values at the knots
  q_{i-1} .. q_{i+2}; slopes are mean difference quotients, one-sided at the edges of the
  subgrid (never across a flavour threshold); a subgrid with two knots is interpolated
  bilinearly in (ln x, ln Q^2).
* Knot lookup: the interval i with knots[i] <= v < knots[i+1] (``upper_bound - 1``, the
  last interval for v = knots[-1]); a point exactly on a threshold belongs to the upper
  subgrid.

Both Hermite stages are linear in the knot values, so the kernel forms the 4 x 4 weights
(Q^2 row weights times the x Hermite basis) once per point and applies them to all eleven
flavours; the arithmetic order differs from LHAPDF's only at the rounding level (LHAPDF
expands the x cubic into powers of t; the Hermite form used here returns knot values
exactly at both ends of an interval).

Extrapolation: LHAPDF's "nearest" extrapolator: x and Q^2 are frozen at the grid edges.
x > 1 gives 0; x <= 0, Q^2 <= 0 or NaN give NaN. See docs/pdf.md.

For the event generator: :func:`xfx_pair` (two x at one Q^2, logarithms supplied, the Q^2
search and weights done once) and :func:`alphas_q2_log` (ln Q^2 supplied; its knot search
starts from the uniform-log guess, :func:`_index_near`) give the same numbers as
:func:`xfx_all` and :func:`alphas_q2`.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

#: Number of output slots: PDG ids -5..5 at index id + 5, gluon at index 5.
N_SLOTS = 11


@nb.njit(cache=True, error_model="numpy", inline="always")
def _index_below(knots, v):
    """Largest i with knots[i] <= v, clamped to len(knots) - 2 (LHAPDF ``indexbelow``).

    Same result as LHAPDF's ``upper_bound(knots, v) - 1`` (so a repeated knot v gives the
    index of its second copy) for knots[0] <= v; a branch-free binary search, since the
    data-dependent branch of the textbook version mispredicts half the time.
    """
    base = 0
    length = knots.size
    while length > 1:
        half = length >> 1
        base += half * np.int64(knots[base + half] <= v)
        length -= half
    return min(base, knots.size - 2)


@nb.njit(cache=True, error_model="numpy", inline="always")
def _index_near(knots, v, log_knots, log_v):
    """:func:`_index_below` (same result, v not NaN) for knots nearly uniform in log: start at the
    index of a uniform log grid with the same ends, then step to the bracketing interval.

    For the alpha_s table (about a thousand knots, uniform in ln Q^2 but for the first
    step and the duplicated thresholds) the start is within one or two knots, so this
    replaces ~11 dependent loads of the binary search by two or three.
    """
    n = knots.size
    g = (log_v - log_knots[0]) / (log_knots[n - 1] - log_knots[0]) * (n - 1)
    # any start in [0, n - 2] gives the right answer (the walks below); NaN starts at n - 2
    i = n - 2
    if g < n - 2:
        i = int(g) if g > 0.0 else 0
    while i > 0 and knots[i] > v:
        i -= 1
    while i < n - 2 and knots[i + 1] <= v:
        i += 1
    return i


@nb.njit(cache=True, error_model="numpy", inline="always")
def _hermite(t):
    """Cubic Hermite basis (h00, h10, h01, h11) at t in [0, 1]: value at 0, slope at 0,
    value at 1, slope at 1 (unit interval)."""
    t2 = t * t
    t3 = t2 * t
    return 2.0 * t3 - 3.0 * t2 + 1.0, t3 - 2.0 * t2 + t, -2.0 * t3 + 3.0 * t2, t3 - t2


@nb.njit(cache=True, error_model="numpy", inline="always")
def _q_weights(q2s, log_q2s, q_mode, q2, log_q2):
    """Q^2 interval iq, its mode and the weights of the Q^2 rows q_{i-1} .. q_{i+2}.

    q2 inside the grid, log_q2 = ln q2. Cubic Hermite in ln Q^2 (module docstring).
    """
    iq = _index_below(q2s, q2)
    d1 = log_q2s[iq + 1] - log_q2s[iq]
    tq = (log_q2 - log_q2s[iq]) / d1
    mode = q_mode[iq]
    if mode == 3:  # two-knot subgrid: linear in ln Q^2
        return iq, mode, 0.0, 1.0 - tq, tq, 0.0
    h00, h10, h01, h11 = _hermite(tq)
    # Slopes times d1, as linear forms in (v_ll, v_l, v_h, v_hh).
    if mode == 1:  # forward difference at the lower knot
        l0 = 0.0
        l1 = -1.0
        l2 = 1.0
    else:
        r0 = d1 / (log_q2s[iq] - log_q2s[iq - 1])
        l0 = -0.5 * r0
        l1 = 0.5 * (r0 - 1.0)
        l2 = 0.5
    if mode == 2:  # backward difference at the upper knot
        u1 = -1.0
        u2 = 1.0
        u3 = 0.0
    else:
        r2 = d1 / (log_q2s[iq + 2] - log_q2s[iq + 1])
        u1 = -0.5
        u2 = 0.5 * (1.0 - r2)
        u3 = 0.5 * r2
    w0 = h10 * l0
    w1 = h00 + h10 * l1 + h11 * u1
    w2 = h01 + h10 * l2 + h11 * u2
    w3 = h11 * u3
    return iq, mode, w0, w1, w2, w3


@nb.njit(cache=True, error_model="numpy", inline="always")
def _apply(coeffs, ix, tx, iq, mode, w0, w1, w2, w3, out):
    """out[f] = sum over the 4 Q^2 rows and the x Hermite basis at tx, all flavours."""
    if mode == 3:  # two-knot subgrid: bilinear in (ln x, ln Q^2)
        b0 = 1.0 - tx  # linear in ln x between VL and VH
        b1 = 0.0
        b2 = tx
        b3 = 0.0
    else:
        b0, b1, b2, b3 = _hermite(tx)
    # coeffs rows are shifted by one: row iq + j holds Q^2 knot iq - 1 + j, j = 0..3.
    # 16 weights (Q^2 row weight times x Hermite basis) applied to all flavours.
    a0, a1, a2, a3 = w0 * b0, w0 * b1, w0 * b2, w0 * b3
    e0, e1, e2, e3 = w1 * b0, w1 * b1, w1 * b2, w1 * b3
    g0, g1, g2, g3 = w2 * b0, w2 * b1, w2 * b2, w2 * b3
    k0, k1, k2, k3 = w3 * b0, w3 * b1, w3 * b2, w3 * b3
    for f in range(N_SLOTS):
        out[f] = (
            (
                a0 * coeffs[ix, iq, 0, f]
                + a1 * coeffs[ix, iq, 1, f]
                + a2 * coeffs[ix, iq, 2, f]
                + a3 * coeffs[ix, iq, 3, f]
            )
            + (
                e0 * coeffs[ix, iq + 1, 0, f]
                + e1 * coeffs[ix, iq + 1, 1, f]
                + e2 * coeffs[ix, iq + 1, 2, f]
                + e3 * coeffs[ix, iq + 1, 3, f]
            )
            + (
                g0 * coeffs[ix, iq + 2, 0, f]
                + g1 * coeffs[ix, iq + 2, 1, f]
                + g2 * coeffs[ix, iq + 2, 2, f]
                + g3 * coeffs[ix, iq + 2, 3, f]
            )
            + (
                k0 * coeffs[ix, iq + 3, 0, f]
                + k1 * coeffs[ix, iq + 3, 1, f]
                + k2 * coeffs[ix, iq + 3, 2, f]
                + k3 * coeffs[ix, iq + 3, 3, f]
            )
        )
    return out


@nb.njit(cache=True, error_model="numpy", inline="always")
def _finish(invalid, above_one, out):
    """NaN for invalid input, 0 for x > 1 (applied last: one exit for the hot path)."""
    if invalid or above_one:
        fill = np.nan if invalid else 0.0
        for f in range(N_SLOTS):
            out[f] = fill
    return out


@nb.njit(cache=True, error_model="numpy", inline="always")
def xfx_all(grid, x, q2, out):
    """x f(x, Q^2) for PDG ids -5..5 at one point.

    Parameters
    ----------
    grid : tuple
        ``PdfSet.grid`` (see the module docstring).
    x : float
        Momentum fraction, 0 < x <= 1.
    q2 : float
        Factorisation scale squared Q^2 [GeV^2].
    out : ndarray of float64, shape (11,)
        Filled with x f: out[0] = bbar, out[1] = cbar, ..., out[4] = dbar, out[5] = g,
        out[6] = d, out[7] = u, out[8] = s, out[9] = c, out[10] = b.

    Returns
    -------
    out : ndarray of float64, shape (11,)
        The same array.

    Notes
    -----
    LHAPDF "logcubic" interpolation with "nearest" extrapolation (module docstring).
    Declared ``inline="always"``: it is inlined into the calling kernel (no call overhead;
    the caller's ``error_model`` applies). No allocation; two branch-free binary searches.
    """
    xs, log_xs, q2s, log_q2s, coeffs, q_mode = grid
    # Invalid input (also NaN) gives NaN, x > 1 gives 0; both are applied at the end so
    # that the hot path has a single exit.
    invalid = not (x > 0.0 and q2 > 0.0)
    above_one = x > 1.0
    # Nearest-point extrapolation: freeze x and Q^2 at the grid edges.
    x = min(max(x, xs[0]), xs[-1]) if not invalid else xs[0]
    q2 = min(max(q2, q2s[0]), q2s[-1]) if not invalid else q2s[0]

    ix = _index_below(xs, x)
    tx = (math.log(x) - log_xs[ix]) / (log_xs[ix + 1] - log_xs[ix])
    iq, mode, w0, w1, w2, w3 = _q_weights(q2s, log_q2s, q_mode, q2, math.log(q2))
    _apply(coeffs, ix, tx, iq, mode, w0, w1, w2, w3, out)
    return _finish(invalid, above_one, out)


@nb.njit(cache=True, error_model="numpy", inline="always")
def _clamp_log(v, log_v, knots, log_knots):
    """(v, ln v) frozen at the grid edges ("nearest" extrapolation); v > 0."""
    if v < knots[0]:
        return knots[0], log_knots[0]
    if v > knots[-1]:
        return knots[-1], log_knots[-1]
    return v, log_v


@nb.njit(cache=True, error_model="numpy", inline="always")
def _xfx_at(xs, log_xs, coeffs, x, log_x, bad, iq, mode, w0, w1, w2, w3, out):
    """x f at one x with the Q^2 weights of :func:`_q_weights` (bad: NaN output)."""
    above_one = x > 1.0
    if bad:
        x, log_x = xs[0], log_xs[0]
    else:
        x, log_x = _clamp_log(x, log_x, xs, log_xs)
    ix = _index_below(xs, x)
    tx = (log_x - log_xs[ix]) / (log_xs[ix + 1] - log_xs[ix])
    _apply(coeffs, ix, tx, iq, mode, w0, w1, w2, w3, out)
    return _finish(bad, above_one, out)


# ``_nrt=False`` (numba's switch for reference counting) on the two functions below: they
# allocate nothing and return no array, and numba's refcount pruning does not remove the
# atomic incref/decref of their array arguments across their branches (measured: 22 per
# trial point of sample_block_2to3, ~7 % of its time). Never return an array from them.
@nb.njit(cache=True, error_model="numpy", _nrt=False)
def xfx_pair(xs, log_xs, q2s, log_q2s, coeffs, q_mode, x1, log_x1, x2, log_x2, q2, log_q2,
             out1, out2):
    """:func:`xfx_all` at (x1, Q^2) and (x2, Q^2), with the logarithms supplied.

    Parameters
    ----------
    xs, log_xs, q2s, log_q2s, coeffs, q_mode : ndarray
        The arrays of ``PdfSet.grid`` (module docstring), unpacked by the caller: unpacking
        the tuple inside a loop costs an atomic reference-count update per array.
    x1, x2 : float
        Momentum fractions, 0 < x <= 1.
    log_x1, log_x2 : float
        ln x1 and ln x2 (the caller often has them without a log call).
    q2 : float
        Factorisation scale squared [GeV^2], common to both points.
    log_q2 : float
        ln q2.
    out1, out2 : ndarray of float64, shape (11,)
        Outputs, slots as in :func:`xfx_all`.

    Returns
    -------
    None
        out1 and out2 are filled in place (returning arrays would cost atomic
        reference-count updates in the caller's loop).

    Notes
    -----
    Same interpolation as :func:`xfx_all` (bitwise equal inside the grid when the logs are
    ``math.log`` of the arguments; at the edges the stored knot logs are used); the Q^2
    knot search and row weights are computed once for both points.
    """
    q_bad = not q2 > 0.0
    bad1 = q_bad or not x1 > 0.0
    bad2 = q_bad or not x2 > 0.0
    if q_bad:
        q2, log_q2 = q2s[0], log_q2s[0]
    else:
        q2, log_q2 = _clamp_log(q2, log_q2, q2s, log_q2s)
    iq, mode, w0, w1, w2, w3 = _q_weights(q2s, log_q2s, q_mode, q2, log_q2)
    _xfx_at(xs, log_xs, coeffs, x1, log_x1, bad1, iq, mode, w0, w1, w2, w3, out1)
    _xfx_at(xs, log_xs, coeffs, x2, log_x2, bad2, iq, mode, w0, w1, w2, w3, out2)


@nb.njit(cache=True, error_model="numpy")
def xfx_all_array(grid, x, q2, out):
    """Vectorised :func:`xfx_all`: out[i] = x f(x[i], q2[i]) for ids -5..5.

    Parameters
    ----------
    grid : tuple
        ``PdfSet.grid``.
    x : ndarray of float64, shape (n,)
        Momentum fractions.
    q2 : ndarray of float64, shape (n,)
        Scales squared [GeV^2].
    out : ndarray of float64, shape (n, 11)
        Output, slots as in :func:`xfx_all`.

    Returns
    -------
    out : ndarray of float64, shape (n, 11)
    """
    for i in range(x.size):
        xfx_all(grid, x[i], q2[i], out[i])
    return out


@nb.njit(cache=True, error_model="numpy", _nrt=False)
def alphas_q2_log(q2s, log_q2s, alphas, as_mode, q2, log_q2):
    """:func:`alphas_q2` with ln Q^2 supplied (the caller often has it already).

    Parameters
    ----------
    q2s, log_q2s, alphas, as_mode : ndarray
        The arrays of ``PdfSet.alphas_grid`` (module docstring), unpacked by the caller.
    q2 : float
        Renormalisation scale squared [GeV^2].
    log_q2 : float
        ln q2 (used inside the table only).

    Returns
    -------
    float
        alpha_s; cubic Hermite in ln Q^2 inside the table, frozen above it, and below it
        the power law alpha_s(Q_0^2) (Q^2 / Q_0^2)^p with p the log-log slope of the first
        non-degenerate interval (as LHAPDF). NaN for Q^2 <= 0 or NaN.
    """
    if not q2 > 0.0:
        return np.nan
    n = q2s.size
    if q2 < q2s[0]:
        k = 1
        while k < n - 1 and q2s[k] == q2s[0]:
            k += 1
        p = math.log10(alphas[k] / alphas[0]) / math.log10(q2s[k] / q2s[0])
        return alphas[0] * (q2 / q2s[0]) ** p
    if q2 > q2s[-1]:
        return alphas[-1]
    i = _index_near(q2s, q2, log_q2s, log_q2)
    mode = as_mode[i]
    d1 = log_q2s[i + 1] - log_q2s[i]
    fwd = (alphas[i + 1] - alphas[i]) / d1
    if mode == 1 or mode == 3:
        s_lo = fwd
    else:
        s_lo = 0.5 * (fwd + (alphas[i] - alphas[i - 1]) / (log_q2s[i] - log_q2s[i - 1]))
    if mode == 2 or mode == 3:
        s_hi = fwd
    else:
        s_hi = 0.5 * (fwd + (alphas[i + 2] - alphas[i + 1]) / (log_q2s[i + 2] - log_q2s[i + 1]))
    h00, h10, h01, h11 = _hermite((log_q2 - log_q2s[i]) / d1)
    return h00 * alphas[i] + h10 * s_lo * d1 + h01 * alphas[i + 1] + h11 * s_hi * d1


@nb.njit(cache=True, error_model="numpy", inline="always")
def alphas_q2(asgrid, q2):
    """Strong coupling alpha_s(Q^2) from the set's table (LHAPDF ``AlphaS_Ipol``).

    Parameters
    ----------
    asgrid : tuple
        ``PdfSet.alphas_grid`` (see the module docstring).
    q2 : float
        Renormalisation scale squared [GeV^2].

    Returns
    -------
    float
        alpha_s, as :func:`alphas_q2_log` (which holds the interpolation).
    """
    q2s, log_q2s, alphas, as_mode = asgrid
    return alphas_q2_log(q2s, log_q2s, alphas, as_mode, q2, math.log(q2) if q2 > 0.0 else np.nan)


@nb.njit(cache=True, error_model="numpy")
def alphas_q2_array(asgrid, q2, out):
    """Vectorised :func:`alphas_q2`.

    Parameters
    ----------
    asgrid : tuple
        ``PdfSet.alphas_grid``.
    q2 : ndarray of float64, shape (n,)
        Scales squared [GeV^2].
    out : ndarray of float64, shape (n,)
        Output alpha_s values.

    Returns
    -------
    out : ndarray of float64, shape (n,)
    """
    for i in range(q2.size):
        out[i] = alphas_q2(asgrid, q2[i])
    return out
