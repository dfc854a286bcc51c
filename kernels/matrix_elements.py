"""Tree-level |M|^2 for q qbar' -> V* -> chi_a chibar_b, with and without one extra parton.

The amplitude (the contract with ``higgsino_sim.processes``) is

    M = sum_{i,j in {L,R}} C_ij [vbar(p2) g^mu P_i u(p1)] [ubar(k1) g_mu P_j v(k2)]

with massless quarks, P_L,R = (1 -+ g5)/2 and ``C = [C_LL, C_LR, C_RL, C_RR]`` (quark
chirality first). C holds all electroweak couplings and the s-channel propagators at
Q^2 = (k1 + k2)^2; the q^mu q^nu / M_V^2 part of a massive propagator drops because the
massless quark current is conserved. The chi masses ``ma``, ``mb`` are *signed*; the spin
sums are u ubar = kslash + ma and v vbar = kslash - mb.

Every function returns |M|^2 summed over final-state and *averaged* over initial-state
spins and colours (q qbar: 1/4 * 1/9; q g and qbar g: 1/4 * 1/24), so the caller only
multiplies by flux, PDFs and phase space. With one extra parton the strong coupling
enters as ``gs2`` = g_s^2 = 4 pi alpha_s.

The generator evaluates all six 2 -> 3 parton configurations (CFG_*) at one point with
:func:`me2_2to3_basis` (coupling-free parts, shared dot products) and
:func:`me2_2to3_configs` (per coupling class); the single-process functions below are the
same formulas, one configuration per call.

The closed forms are derived step by step in docs/matrix_elements.md (hadronic tensor of
q qbar -> V* g as in Ellis, Stirling & Webber, "QCD and collider physics", ch. 9; chi
vertices as in Haber & Kane, Phys. Rept. 117 (1985) 75 and Gunion & Haber, Nucl. Phys.
B272 (1986) 1). They are checked against a brute-force spinor/Dirac-matrix evaluation in
tests/naive_amplitudes.py.

With s_ij = p_i.p_j, Q = k1 + k2 and, for quark chirality i, |C_same|^2 = |C_ii|^2,
|C_opp|^2 = |C_i,not i|^2 (summed over i = L, R):

  2 -> 2:  sum|M|^2 = 48 sum_i [ |C_same|^2 (p1.k2)(p2.k1) + |C_opp|^2 (p1.k1)(p2.k2)
                                 + ma mb Re(C_iL C_iR^*) s12 ]
  2 -> 3:  sum|M|^2 = 64 g_s^2 sum_i [ |C_same|^2 N_same + |C_opp|^2 N_opp
                                       + ma mb Re(C_iL C_iR^*) N_m ] / (s13 s23)
    N_same = (k1.Q)(p1.k2)^2 + (k2.Q)(p2.k1)^2 + (ma^2 - mb^2)/2 [(p1.k1)(p1.k2) - (p2.k1)(p2.k2)]
    N_opp  = N_same with k1 <-> k2 and ma <-> mb
    N_m    = s12 Q^2 + s13^2 + s23^2
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numba as nb

if TYPE_CHECKING:
    import numpy as np

#: Spin and colour average of q qbar' initial states: 1/(2 * 2) * 1/(3 * 3).
AVG_QQBAR = 1.0 / 36.0
#: Spin and colour average of q g and qbar g initial states: 1/(2 * 2) * 1/(3 * 8).
AVG_QG = 1.0 / 96.0
#: Colour sum of the colour-singlet quark current, sum_{c c'} |delta_cc'|^2 = N_c.
COLOUR_QQBAR = 3.0
#: Colour sum with one gluon, sum_a Tr(T^a T^a) = N_c C_F = 4.
COLOUR_QQBAR_G = 4.0

#: Parton configurations of the 2 -> 3 processes, the order of :func:`me2_2to3_configs`:
#: q(p1) qbar'(p2) -> .. g;  qbar'(p1) q(p2) -> .. g;  q(p1) g(p2) -> .. q';
#: g(p1) q(p2) -> .. q';  qbar'(p1) g(p2) -> .. qbar;  g(p1) qbar'(p2) -> .. qbar.
CFG_QQB, CFG_QBQ, CFG_QG, CFG_GQ, CFG_QBG, CFG_GQB = 0, 1, 2, 3, 4, 5
N_CFG = 6


@nb.njit(cache=True, error_model="numpy", inline="always")
def _dot(a, b):
    """Minkowski product a.b with metric (+,-,-,-)."""
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]


@nb.njit(cache=True, error_model="numpy", inline="always")
def coupling_sums4(c_ll, c_lr, c_rl, c_rr):
    """(|C_LL|^2 + |C_RR|^2, |C_LR|^2 + |C_RL|^2, Re(C_LL C_LR^*) + Re(C_RL C_RR^*)).

    The (same, opp, mix) coupling factors of Eqs. (2.5) and (3.9) of docs/matrix_elements.md,
    from the four complex couplings.
    """
    same = c_ll.real**2 + c_ll.imag**2 + c_rr.real**2 + c_rr.imag**2
    opp = c_lr.real**2 + c_lr.imag**2 + c_rl.real**2 + c_rl.imag**2
    mix = (
        c_ll.real * c_lr.real
        + c_ll.imag * c_lr.imag
        + c_rl.real * c_rr.real
        + c_rl.imag * c_rr.imag
    )
    return same, opp, mix


@nb.njit(cache=True, error_model="numpy", inline="always")
def coupling_sums(c):
    """:func:`coupling_sums4` of c = [C_LL, C_LR, C_RL, C_RR]."""
    return coupling_sums4(c[0], c[1], c[2], c[3])


@nb.njit(cache=True, error_model="numpy", inline="always")
def _sum_qqbar_g(s12, s13, s23, s1a, s1b, s2a, s2b, sab, ma, mb, same, opp, mix):
    """sum|M|^2 / g_s^2 of q(p1) qbar'(p2) -> chi(k1) chibar(k2) g(p3), from dot products.

    s1a = p1.k1, s1b = p1.k2, s2a = p2.k1, s2b = p2.k2, sab = k1.k2. Summed (not averaged)
    over all spins and colours; docs/matrix_elements.md, Eq. (3.9). Valid for any
    momenta obeying momentum conservation and the mass shells, so also at crossed
    (negative-energy) momenta.
    """
    ma2 = ma * ma
    mb2 = mb * mb
    q2 = ma2 + mb2 + 2.0 * sab  # Q^2
    qa = ma2 + sab  # Q.k1
    qb = mb2 + sab  # Q.k2
    asym = 0.5 * (ma2 - mb2) * (s1a * s1b - s2a * s2b)
    n_same = qa * s1b * s1b + qb * s2a * s2a + asym  # Eq. (3.10)
    n_opp = qb * s1a * s1a + qa * s2b * s2b - asym
    n_m = s12 * q2 + s13 * s13 + s23 * s23
    num = same * n_same + opp * n_opp + ma * mb * mix * n_m
    return 16.0 * COLOUR_QQBAR_G * num / (s13 * s23)


@nb.njit(cache=True, error_model="numpy", inline="always")
def _basis_row(qa, qb, h, s1a, s1b, s2a, s2b, n_m, mm, f, out, row):
    """f * (N_same, N_opp, ma mb N_m) of Eq. (3.10) into out[row] (h = (ma^2 - mb^2)/2)."""
    asym = h * (s1a * s1b - s2a * s2b)
    out[row, 0] = f * (qa * s1b * s1b + qb * s2a * s2a + asym)
    out[row, 1] = f * (qb * s1a * s1a + qa * s2b * s2b - asym)
    out[row, 2] = f * mm * n_m


@nb.njit(cache=True, error_model="numpy")
def me2_2to3_basis(p1, p2, p3, k1, k2, ma, mb, gs2, out):
    """Coupling-free parts of the six 2 -> 3 |M|^2 at one phase-space point.

    Parameters
    ----------
    p1, p2 : ndarray of float64, shape (4,)
        Incoming partons from beam 1 and beam 2 [GeV], massless.
    p3 : ndarray of float64, shape (4,)
        Outgoing parton [GeV].
    k1, k2 : ndarray of float64, shape (4,)
        Outgoing chi_a and chibar_b [GeV].
    ma, mb : float
        Signed chi masses [GeV].
    gs2 : float
        g_s^2 = 4 pi alpha_s.
    out : ndarray of float64, shape (3, 3)
        Filled with rows (A, B, D) [GeV^-2] of the configurations q qbar', q g, g q, such
        that with (same, opp, mix) = :func:`coupling_sums`:
        |M|^2 = same A + opp B + mix D of q(p1) qbar'(p2), q(p1) g(p2), g(p1) q(p2) and
        |M|^2 = same B + opp A + mix D of the charge-swapped qbar'(p1) q(p2),
        qbar'(p1) g(p2), g(p1) qbar'(p2). :func:`me2_2to3_configs` applies this.

    Returns
    -------
    None
        ``out`` is filled in place (returning it would cost an atomic reference-count
        update per call in the caller's loop).

    Notes
    -----
    Eq. (3.9) with Eq. (3.10) of docs/matrix_elements.md, crossed as in Eqs. (4.2)-(4.3)
    (same values as :func:`me2_qqbar_chichi_g`, :func:`me2_qg_chichi_q`,
    :func:`me2_qbarg_chichi_qbar` at rounding level). Why six configurations need three
    rows: swapping the beams of q qbar' g, i.e. (p1.k, p2.k) -> (p2.k, p1.k), leaves N_m
    and s13 s23 unchanged and maps N_same <-> N_opp; the qbar' g arguments of Eq. (4.3),
    (-p3, p1, -p2), are those of q g in Eq. (4.2), (p1, -p3, -p2), with the first two
    momenta swapped, so again N_same <-> N_opp. The ten dot products are shared and the
    three denominators take one division, so all six values are infinite/NaN if one of
    s12, s13, s23 vanishes (the generator's jet cut keeps away from those points).
    """
    s12 = _dot(p1, p2)
    s13 = _dot(p1, p3)
    s23 = _dot(p2, p3)
    s1a = _dot(p1, k1)
    s1b = _dot(p1, k2)
    s2a = _dot(p2, k1)
    s2b = _dot(p2, k2)
    s3a = _dot(p3, k1)
    s3b = _dot(p3, k2)
    sab = _dot(k1, k2)
    ma2 = ma * ma
    mb2 = mb * mb
    q2 = ma2 + mb2 + 2.0 * sab  # Q^2
    qa = ma2 + sab  # Q.k1
    qb = mb2 + sab  # Q.k2
    h = 0.5 * (ma2 - mb2)
    mm = ma * mb
    norm = 16.0 * COLOUR_QQBAR_G * gs2 / (s12 * s13 * s23)
    # q(p1) qbar'(p2) g(p3), Eq. (3.9): 1/36 average, denominator s13 s23
    _basis_row(qa, qb, h, s1a, s1b, s2a, s2b, s12 * q2 + s13 * s13 + s23 * s23, mm,
               AVG_QQBAR * norm * s12, out, 0)
    # q(p1) g(p2) -> q'(p3), Eq. (4.2): F(p1, -p3, -p2) with s12 -> -s13, s13 -> -s12,
    # s23 -> s23, (p2.k) -> -(p3.k); the crossing sign -1 and that of s13 s23 -> -s12 s23
    # cancel; 1/96 average
    _basis_row(qa, qb, h, s1a, s1b, -s3a, -s3b, s12 * s12 - s13 * q2 + s23 * s23, mm,
               AVG_QG * norm * s13, out, 1)
    # g(p1) q(p2) -> q'(p3): the same with p1 <-> p2
    _basis_row(qa, qb, h, s2a, s2b, -s3a, -s3b, s12 * s12 + s13 * s13 - s23 * q2, mm,
               AVG_QG * norm * s23, out, 2)


@nb.njit(cache=True, error_model="numpy")
def me2_2to3_configs(basis, same, opp, mix, out, row):
    """|M|^2 of the six configurations (order CFG_*) from :func:`me2_2to3_basis`.

    Parameters
    ----------
    basis : ndarray of float64, shape (3, 3)
        Output of :func:`me2_2to3_basis`.
    same, opp, mix : float
        :func:`coupling_sums` of the couplings at Q^2 [GeV^-4].
    out : ndarray of float64, shape (n, 6)
        out[row] receives the spin/colour-averaged |M|^2 [GeV^-2] of q qbar', qbar' q,
        q g, g q, qbar' g, g qbar' (p1 first; the outgoing parton is p3). A 2-d output and
        a row index rather than a row view, which would be a new array reference (atomic
        reference counting) in the caller's loop.
    row : int
        Row of ``out`` to fill.

    Returns
    -------
    None
        ``out[row]`` is filled in place.
    """
    # row r gives configuration (QQB, QG, GQ)[r] and, N_same <-> N_opp, its partner
    # (QBQ, QBG, GQB)[r] (see me2_2to3_basis)
    d = mix * basis[0, 2]
    out[row, CFG_QQB] = same * basis[0, 0] + opp * basis[0, 1] + d
    out[row, CFG_QBQ] = same * basis[0, 1] + opp * basis[0, 0] + d
    d = mix * basis[1, 2]
    out[row, CFG_QG] = same * basis[1, 0] + opp * basis[1, 1] + d
    out[row, CFG_QBG] = same * basis[1, 1] + opp * basis[1, 0] + d
    d = mix * basis[2, 2]
    out[row, CFG_GQ] = same * basis[2, 0] + opp * basis[2, 1] + d
    out[row, CFG_GQB] = same * basis[2, 1] + opp * basis[2, 0] + d


@nb.njit(cache=True, error_model="numpy")
def me2_qqbar_chichi(
    p1: np.ndarray,
    p2: np.ndarray,
    k1: np.ndarray,
    k2: np.ndarray,
    ma: float,
    mb: float,
    c: np.ndarray,
) -> float:
    """Spin/colour-averaged |M|^2 of q(p1) qbar'(p2) -> chi_a(k1) chibar_b(k2).

    Parameters
    ----------
    p1, p2 : ndarray of float64, shape (4,)
        Incoming quark and antiquark four-momenta (E, px, py, pz) [GeV], massless.
    k1, k2 : ndarray of float64, shape (4,)
        Outgoing chi_a (u spinor) and chibar_b (v spinor) four-momenta [GeV].
    ma, mb : float
        Signed masses of chi_a and chi_b [GeV].
    c : ndarray of complex128, shape (4,)
        Couplings times propagators [C_LL, C_LR, C_RL, C_RR] at Q^2 = (k1 + k2)^2
        [GeV^-2].

    Returns
    -------
    float
        sum |M|^2 over final spins, averaged over initial spins and colours (1/36);
        dimensionless. docs/matrix_elements.md, Eq. (2.5).
    """
    same, opp, mix = coupling_sums(c)
    s12 = _dot(p1, p2)
    num = (
        same * _dot(p1, k2) * _dot(p2, k1) + opp * _dot(p1, k1) * _dot(p2, k2) + ma * mb * mix * s12
    )
    return AVG_QQBAR * COLOUR_QQBAR * 16.0 * num


@nb.njit(cache=True, error_model="numpy")
def me2_qqbar_chichi_g(
    p1: np.ndarray,
    p2: np.ndarray,
    p3: np.ndarray,
    k1: np.ndarray,
    k2: np.ndarray,
    ma: float,
    mb: float,
    c: np.ndarray,
    gs2: float,
) -> float:
    """Spin/colour-averaged |M|^2 of q(p1) qbar'(p2) -> chi_a(k1) chibar_b(k2) g(p3).

    Parameters
    ----------
    p1, p2 : ndarray of float64, shape (4,)
        Incoming quark and antiquark four-momenta [GeV], massless.
    p3 : ndarray of float64, shape (4,)
        Outgoing gluon four-momentum [GeV].
    k1, k2 : ndarray of float64, shape (4,)
        Outgoing chi_a and chibar_b four-momenta [GeV].
    ma, mb : float
        Signed chi masses [GeV].
    c : ndarray of complex128, shape (4,)
        [C_LL, C_LR, C_RL, C_RR] at Q^2 = (k1 + k2)^2 [GeV^-2].
    gs2 : float
        Strong coupling g_s^2 = 4 pi alpha_s.

    Returns
    -------
    float
        |M|^2 averaged over initial spins and colours (1/36) [GeV^-2];
        docs/matrix_elements.md, Eq. (3.9). Infinite/NaN at p1.p3 = 0 or p2.p3 = 0.
    """
    same, opp, mix = coupling_sums(c)
    tot = _sum_qqbar_g(
        _dot(p1, p2),
        _dot(p1, p3),
        _dot(p2, p3),
        _dot(p1, k1),
        _dot(p1, k2),
        _dot(p2, k1),
        _dot(p2, k2),
        _dot(k1, k2),
        ma,
        mb,
        same,
        opp,
        mix,
    )
    return AVG_QQBAR * gs2 * tot


@nb.njit(cache=True, error_model="numpy")
def me2_qg_chichi_q(
    p1: np.ndarray,
    p2: np.ndarray,
    p3: np.ndarray,
    k1: np.ndarray,
    k2: np.ndarray,
    ma: float,
    mb: float,
    c: np.ndarray,
    gs2: float,
) -> float:
    """Spin/colour-averaged |M|^2 of q(p1) g(p2) -> chi_a(k1) chibar_b(k2) q'(p3).

    Crossing of :func:`me2_qqbar_chichi_g`: the outgoing quark q' is the crossed incoming
    antiquark qbar' (p2 -> -p3) and the incoming gluon the crossed outgoing one
    (p3 -> -p2); one fermion is crossed, hence the overall sign -1.

    Parameters
    ----------
    p1 : ndarray of float64, shape (4,)
        Incoming quark q [GeV].
    p2 : ndarray of float64, shape (4,)
        Incoming gluon [GeV].
    p3 : ndarray of float64, shape (4,)
        Outgoing quark q' [GeV].
    k1, k2 : ndarray of float64, shape (4,)
        Outgoing chi_a and chibar_b [GeV].
    ma, mb : float
        Signed chi masses [GeV].
    c : ndarray of complex128, shape (4,)
        [C_LL, C_LR, C_RL, C_RR] at Q^2 = (k1 + k2)^2 [GeV^-2].
    gs2 : float
        g_s^2 = 4 pi alpha_s.

    Returns
    -------
    float
        |M|^2 averaged over initial spins and colours (1/96) [GeV^-2];
        docs/matrix_elements.md, Eq. (4.2).
    """
    same, opp, mix = coupling_sums(c)
    # (p1, p2, p3) -> (p1, -p3, -p2) in the q qbar' g dot products
    tot = _sum_qqbar_g(
        -_dot(p1, p3),
        -_dot(p1, p2),
        _dot(p3, p2),
        _dot(p1, k1),
        _dot(p1, k2),
        -_dot(p3, k1),
        -_dot(p3, k2),
        _dot(k1, k2),
        ma,
        mb,
        same,
        opp,
        mix,
    )
    return -AVG_QG * gs2 * tot


@nb.njit(cache=True, error_model="numpy")
def me2_qbarg_chichi_qbar(
    p1: np.ndarray,
    p2: np.ndarray,
    p3: np.ndarray,
    k1: np.ndarray,
    k2: np.ndarray,
    ma: float,
    mb: float,
    c: np.ndarray,
    gs2: float,
) -> float:
    """Spin/colour-averaged |M|^2 of qbar'(p1) g(p2) -> chi_a(k1) chibar_b(k2) qbar(p3).

    Crossing of :func:`me2_qqbar_chichi_g` with (p1, p2, p3) -> (-p3, p1, -p2): the
    outgoing antiquark qbar is the crossed incoming quark q; sign -1 for the crossed
    fermion.

    Parameters
    ----------
    p1 : ndarray of float64, shape (4,)
        Incoming antiquark qbar' [GeV].
    p2 : ndarray of float64, shape (4,)
        Incoming gluon [GeV].
    p3 : ndarray of float64, shape (4,)
        Outgoing antiquark qbar [GeV].
    k1, k2 : ndarray of float64, shape (4,)
        Outgoing chi_a and chibar_b [GeV].
    ma, mb : float
        Signed chi masses [GeV].
    c : ndarray of complex128, shape (4,)
        [C_LL, C_LR, C_RL, C_RR] at Q^2 = (k1 + k2)^2 [GeV^-2].
    gs2 : float
        g_s^2 = 4 pi alpha_s.

    Returns
    -------
    float
        |M|^2 averaged over initial spins and colours (1/96) [GeV^-2];
        docs/matrix_elements.md, Eq. (4.3).
    """
    same, opp, mix = coupling_sums(c)
    tot = _sum_qqbar_g(
        -_dot(p3, p1),
        _dot(p3, p2),
        -_dot(p1, p2),
        -_dot(p3, k1),
        -_dot(p3, k2),
        _dot(p1, k1),
        _dot(p1, k2),
        _dot(k1, k2),
        ma,
        mb,
        same,
        opp,
        mix,
    )
    return -AVG_QG * gs2 * tot


@nb.njit(cache=True, error_model="numpy")
def sigma_hat_qqbar_chichi(shat: float, ma: float, mb: float, c: np.ndarray) -> float:
    """Angle-integrated partonic cross section of q qbar' -> chi_a chibar_b.

    Parameters
    ----------
    shat : float
        Partonic centre-of-mass energy squared [GeV^2].
    ma, mb : float
        Signed chi masses [GeV].
    c : ndarray of complex128, shape (4,)
        [C_LL, C_LR, C_RL, C_RR] at Q^2 = shat [GeV^-2].

    Returns
    -------
    float
        sigma_hat [GeV^-2], spin/colour averaged, flux 1/(2 shat) included; 0 below
        threshold. docs/matrix_elements.md, Eq. (2.7):
        sigma = beta / (16 pi s) * { (|C_LL|^2 + |C_LR|^2 + |C_RL|^2 + |C_RR|^2)
        * [2 s^2 - s (ma^2 + mb^2) - (ma^2 - mb^2)^2] / 18
        + 2/3 ma mb s [Re(C_LL C_LR^*) + Re(C_RL C_RR^*)] },
        beta = lambda^(1/2)(s, ma^2, mb^2) / s.
    """
    same, opp, mix = coupling_sums(c)
    ma2 = ma * ma
    mb2 = mb * mb
    lam = (shat - ma2 - mb2) ** 2 - 4.0 * ma2 * mb2  # Kallen lambda(s, ma^2, mb^2)
    if shat <= (abs(ma) + abs(mb)) ** 2 or lam <= 0.0:
        return 0.0
    beta = math.sqrt(lam) / shat  # 2 |k| / sqrt(s)
    # angular average of the spin/colour-averaged |M|^2 (Eq. 2.6)
    dm2 = ma2 - mb2
    avg = (same + opp) * (2.0 * shat * shat - shat * (ma2 + mb2) - dm2 * dm2) / 18.0
    avg += 2.0 / 3.0 * ma * mb * mix * shat
    # sigma = 1/(2 s) * int dPhi_2 <|M|^2>, int dPhi_2 = beta / (8 pi)
    return beta / (16.0 * math.pi * shat) * avg
