"""Decays of chi20 and chi1+- with lifetimes: widths, Dalitz sampling, vertices, d0/dz.

A *mode* is one kinematic final state (chi' + meson, chi' + photon, chi' f fbar',
chi' pi pi); the Python side (``higgsino_sim.decays``) builds the mode tables from the
spectrum. Mode tables, indexed by mode k:
  mode_f[k, MF_*]   masses [GeV] (parent and chi' signed), boson mass/width, q range;
                    for fermion pairs the |M|^2 coefficients (MF_ME, set_me_coefficients)
  mode_i[k, MI_*]   kind, daughter PDG ids and charges (chi1+ / chi20 parent convention),
                    the state of the chi' (-1: stable), flags, channel index
  mode_c[k, 4]      complex couplings (a_L, a_R) of the chi current and (b_L, b_R) of
                    the fermion current, or (b, 0) for a meson current (b includes the
                    decay constant or the isospin factor)

Differential width of a three-body mode (PDG Review "Kinematics", Eq. 49.22, with the
spin-averaged |M|^2 = sum / 2):
  dGamma = N |D(q^2)|^2 |F(q^2)|^2 K_QCD(q^2) sum|A|^2 / (512 pi^3 |M|^3) dq^2 dt,
D = 1 / (q^2 - M_V^2 + i q^2 Gamma_V / M_V) (s-dependent width: at q^2 << M_V^2 a fixed
width would wrongly lower the rate by Gamma_V^2 / M_V^2 ~ 7e-4), q^2 = m^2(f fbar'),
t = m^2(chi' f). Two-body
(PDG Eq. 49.18): Gamma = N k |D(m_P^2)|^2 |b|^2 sum|A|^2 / (16 pi M^2); N = colours x
charge states (MF_MULT).

Sampling: the Dalitz plane is mapped to the unit square, q = q_lo + (q_hi - q_lo)(1 -
cos(pi u))/2 (smooth at both ends of the q range) and t linear in v between its limits
at fixed q. At fixed u the density is exactly a quadratic in v (|M|^2 is quadratic in t,
docs/decay_matrix_elements.md; everything else depends on q only), i.e. a combination of
the Bernstein shapes (1-v)^2, 2v(1-v), v^2, and it is bounded by a non-negative
combination of those and (1-2v)^2 (`_shape_coefficients`; equal to it for the v(1-v)
shape of fermion pairs and the (1-2v)^2 shape of pion pairs). The envelope is, per u bin,
those four shape coefficients (bounds from a scan in u with a safety factor): a cell
(u bin, shape) is drawn with its weight from an alias table, u uniformly in the bin, v
from the shape (the k-th smallest of three uniforms has the density of the k-th shape of
(1-v)^2, 2v(1-v), v^2; e.g. Devroye, Non-Uniform Random Variate Generation (1986),
ch. V), and an exact accept-reject on the full density follows (about 1.3 trials per
decay, against 1.9 - 3.9 with a constant in v). Bound violations are counted and must
stay zero (tests). Decays are isotropic in the parent rest frame (spin correlations
between production and decay are not kept; docs/decays.md).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from higgsino_sim.kernels.decay_matrix_elements import (
    N_FERMION_COEF,
    fermion_current_coefficients,
    me2_from_coefficients,
    me2_pipi_current,
    me2_pseudoscalar,
)
from higgsino_sim.kernels.helix import impact_parameters
from higgsino_sim.kernels.kinematics import kallen

# mode kinds
KIND_PSEUDOSCALAR, KIND_PHOTON, KIND_FERMIONS, KIND_PIPI = 0, 1, 2, 3

# mode_f columns
MF_M, MF_MCHI, MF_M1, MF_M2, MF_MV, MF_GV, MF_INV_MV2, MF_Q_LO, MF_Q_HI, MF_MULT = range(10)
# MF_MULT: multiplicity = colours x charge states (a Majorana chi20 decays into chi1+ W-*
# and chi1- W+* at the same rate: the mode stands for both, sampled 50/50)
MF_WIDTH = 10  # fixed width for modes without a matrix element (photon) [GeV]
#: Fermion-pair modes: the coefficients of |M|^2 (decay_matrix_elements.
#: fermion_current_coefficients; set_me_coefficients fills them from the masses and mode_c).
MF_ME = 11
N_MF = MF_ME + N_FERMION_COEF
# mode_i columns
MI_KIND, MI_PDG_CHI, MI_PDG1, MI_PDG2, MI_Q_CHI, MI_Q1, MI_Q2 = range(7)
MI_NEXT = 7  # state index of the chi' (-1 if stable)
MI_CONJ = 8  # 1: Majorana parent -> charged products, charge-conjugate with probability 1/2
MI_QCD = 9  # 1: apply (1 + alpha_s(q)/pi)
MI_FF = 10  # 1: apply the rho form factor |F(q^2)|^2
MI_CHANNEL = 11  # global channel index (labels in higgsino_sim.decays)
N_MI = 12

#: Envelope: u bins, shapes in v per bin ((1-v)^2, 2v(1-v), v^2, (1-2v)^2; each integrates
#: to 1/3) and cells (bin, shape), drawn from an alias table.
N_ENV = 128  # >= 64 (_cos_sin_small)
N_SHAPES = 4
N_CELLS = N_ENV * N_SHAPES
#: Scan points per u bin for the bound.
_SCAN_U = 8
#: Safety factor on the scanned bound; violations are counted (must be zero).
ENV_SAFETY = 1.25
#: Gauss-Legendre points for the width integrals (u, v); the integrand is a polynomial of
#: degree 2 in v at fixed u, so 4 points are exact in v.
GL_U = 256
GL_V = 4

# Kuhn & Santamaria, Z. Phys. C48 (1990) 445: rho + rho' pion form factor (as used by
# Chen, Drees & Gunion, hep-ph/9902309, and SOFTSUSY; reference README section 2.1).
_RHO_M, _RHO_G, _RHOP_M, _RHOP_G, _RHO_BETA = 0.773, 0.145, 1.370, 0.510, -0.145
#: Flavour thresholds of the one-loop alpha_s [GeV] (m_b, m_c; alpha_s_one_loop).
_M_B_THR, _M_C_THR = 4.18, 1.27
#: 512 pi^3 of the three-body width (PDG Eq. 49.22).
_C3 = 512.0 * math.pi * math.pi * math.pi

# per-event output layout
LF_X, LF_Y, LF_Z, LF_RXY, LF_CT = range(5)
N_LF = 5
SF_E, SF_PX, SF_PY, SF_PZ, SF_VX, SF_VY, SF_VZ, SF_D0, SF_DZ = range(9)
N_SF = 9
SI_PDG, SI_MOTHER = 0, 1
N_SI = 2
#: Decay-product slots per event: two legs, each at most chi' f f' + chi10 f f'.
N_SLOTS = 12
#: Mother codes of the slots: the legs; otherwise the slot index of the mother.
MOTHER_CHI_A, MOTHER_CHI_B = -1, -2
#: Mother code of an empty slot (PDG id 0).
MOTHER_NONE = -3


@nb.njit(cache=True, error_model="numpy")
def _bw(q2, sq, m, g, mpi):
    """Breit-Wigner m^2 / (m^2 - q^2 - i sqrt(q^2) Gamma(q^2)), p-wave running width;
    returns (real, imaginary part); sq = sqrt(q^2)."""
    m2 = m * m
    p = math.sqrt(max(0.25 * q2 - mpi * mpi, 0.0))
    pm = math.sqrt(max(0.25 * m2 - mpi * mpi, 0.0))
    if pm > 0.0:
        x = p / pm
        gq = g * (m2 / q2) * (x * x * x)
    else:
        gq = g
    re = m2 - q2
    im = -sq * gq
    s = m2 / (re * re + im * im)  # m^2 / (re + i im) = m^2 (re - i im) / |.|^2
    return s * re, -s * im


@nb.njit(cache=True, error_model="numpy")
def rho_form_factor2(q2: float, mpi: float) -> float:
    """|F(q^2)|^2 = |BW_rho + beta BW_rho'|^2 / (1 + beta)^2 (F(0) = 1)."""
    sq = math.sqrt(q2)
    r1, i1 = _bw(q2, sq, _RHO_M, _RHO_G, mpi)
    r2, i2 = _bw(q2, sq, _RHOP_M, _RHOP_G, mpi)
    re = r1 + _RHO_BETA * r2
    im = i1 + _RHO_BETA * i2
    return (re * re + im * im) / ((1.0 + _RHO_BETA) * (1.0 + _RHO_BETA))


@nb.njit(cache=True, error_model="numpy")
def _alpha_s_matching(alpha_s_mz, mz):
    """alpha_s at the m_b and m_c thresholds (the constant steps of alpha_s_one_loop)."""
    b0 = (33.0 - 2.0 * 5) / (12.0 * math.pi)
    a_b = alpha_s_mz / (1.0 + alpha_s_mz * b0 * math.log(_M_B_THR * _M_B_THR / (mz * mz)))
    b0 = (33.0 - 2.0 * 4) / (12.0 * math.pi)
    a_c = a_b / (1.0 + a_b * b0 * math.log(_M_C_THR * _M_C_THR / (_M_B_THR * _M_B_THR)))
    return a_b, a_c


@nb.njit(cache=True, error_model="numpy")
def _alpha_s(q, alpha_s_mz, mz, a_b, a_c):
    """alpha_s_one_loop with the threshold values (a_b, a_c) from _alpha_s_matching: one
    log instead of up to three, the same operations (bit-identical result)."""
    if q >= _M_B_THR:
        a, mu, nf = alpha_s_mz, mz, 5
    elif q >= _M_C_THR:
        a, mu, nf = a_b, _M_B_THR, 4
    else:
        a, mu, nf = a_c, _M_C_THR, 3
    b0 = (33.0 - 2.0 * nf) / (12.0 * math.pi)
    return a / (1.0 + a * b0 * math.log(q * q / (mu * mu)))


@nb.njit(cache=True, error_model="numpy")
def alpha_s_one_loop(q: float, alpha_s_mz: float, mz: float) -> float:
    """One-loop alpha_s(q) run from m_Z with flavour thresholds at m_b = 4.18, m_c = 1.27
    GeV (PDG Review "Quantum chromodynamics", Eq. 9.5 at one loop, matched continuously)."""
    a_b, a_c = _alpha_s_matching(alpha_s_mz, mz)
    return _alpha_s(q, alpha_s_mz, mz, a_b, a_c)


@nb.njit(cache=True, error_model="numpy")
def _propagator2(q2, mv, gv):
    """|1 / (q^2 - M^2 + i q^2 Gamma / M)|^2 (0 for a massless or absent boson)."""
    if mv <= 0.0:
        return 0.0
    re = q2 - mv * mv
    im = q2 * gv / mv
    return 1.0 / (re * re + im * im)


@nb.njit(cache=True, error_model="numpy")
def t_limits(mm2, mchi2, m12, m22, q2):
    """Limits of t = m^2(chi' f1) at fixed q^2 = m^2(f1 f2) (PDG Eq. 49.23)."""
    return _t_limits_q(mm2, mchi2, m12, m22, math.sqrt(q2), q2)


@nb.njit(cache=True, error_model="numpy", inline="always")
def _t_limits_q(mm2, mchi2, m12, m22, q, q2):
    """t_limits with q = sqrt(q2) given."""
    h = 0.5 / q
    e1 = (q2 - m22 + m12) * h  # f1 in the f1 f2 rest frame
    ek = (mm2 - q2 - mchi2) * h  # chi' in the same frame
    p1 = math.sqrt(max(e1 * e1 - m12, 0.0))
    pk = math.sqrt(max(ek * ek - mchi2, 0.0))
    base = mchi2 + m12 + 2.0 * e1 * ek
    return base - 2.0 * p1 * pk, base + 2.0 * p1 * pk


@nb.njit(cache=True, error_model="numpy")
def set_me_coefficients(mode_f, mode_i, mode_c):
    """Fill mode_f[k, MF_ME:] of every fermion-pair mode k from its masses and couplings."""
    for k in range(mode_f.shape[0]):
        if mode_i[k, MI_KIND] != KIND_FERMIONS:
            continue
        c = fermion_current_coefficients(mode_f[k, MF_M], mode_f[k, MF_MCHI], mode_f[k, MF_M1],
                                         mode_f[k, MF_M2], mode_c[k, 0], mode_c[k, 1],
                                         mode_c[k, 2], mode_c[k, 3], mode_f[k, MF_INV_MV2])
        for j in range(N_FERMION_COEF):
            mode_f[k, MF_ME + j] = c[j]


@nb.njit(cache=True, error_model="numpy", inline="always")
def _mode_params(mode_f, mode_i, mode_c, k):
    """The constants of three-body mode k that its density needs, as one tuple (scalars:
    a call with a tuple does no reference counting, one with arrays does)."""
    o = MF_ME
    coef = (mode_f[k, o], mode_f[k, o + 1], mode_f[k, o + 2], mode_f[k, o + 3],
            mode_f[k, o + 4], mode_f[k, o + 5], mode_f[k, o + 6], mode_f[k, o + 7],
            mode_f[k, o + 8], mode_f[k, o + 9], mode_f[k, o + 10], mode_f[k, o + 11],
            mode_f[k, o + 12])
    return (mode_f[k, MF_M], mode_f[k, MF_MCHI], mode_f[k, MF_M1], mode_f[k, MF_M2],
            mode_f[k, MF_Q_LO], mode_f[k, MF_Q_HI], mode_f[k, MF_MV], mode_f[k, MF_GV],
            mode_f[k, MF_INV_MV2], mode_f[k, MF_MULT], mode_i[k, MI_KIND], mode_i[k, MI_FF],
            mode_i[k, MI_QCD], mode_c[k, 0], mode_c[k, 1], mode_c[k, 2], coef)


@nb.njit(cache=True, error_model="numpy")
def _cos_sin_small(d):
    """(cos d, sin d) for 0 <= d <= pi / 64 by their Taylor series to d^8 and d^9 (the
    next terms, d^10 / 10! and d^11 / 11!, are < 3e-20 there: exact to rounding)."""
    d2 = d * d
    c = 1.0 - d2 * 0.5 * (1.0 - d2 * (1.0 / 12.0) * (1.0 - d2 * (1.0 / 30.0)
                                                     * (1.0 - d2 * (1.0 / 56.0))))
    s = d * (1.0 - d2 * (1.0 / 6.0) * (1.0 - d2 * (1.0 / 20.0) * (1.0 - d2 * (1.0 / 42.0)
                                                                  * (1.0 - d2 * (1.0 / 72.0)))))
    return c, s


@nb.njit(cache=True, error_model="numpy")
def _density_cs(par, cu, su, v, alpha_s_mz, mz, a_b, a_c):
    """The density of the mode with constants par (_mode_params) at u given by
    cu = cos(pi u), su = sin(pi u), and v; alpha_s threshold values a_b, a_c
    (_alpha_s_matching). Returns (value, q2, t) as dalitz_density."""
    mm, mc, m1, m2, q_lo, q_hi, mv, gv, inv, mult, kind, ff, qcd, a_l, a_r, b, coef = par
    if q_hi <= q_lo:
        return 0.0, 0.0, 0.0
    half = 0.5 * (q_hi - q_lo)
    q = q_lo + half * (1.0 - cu)
    dq_du = half * math.pi * su
    q2 = q * q
    t_lo, t_hi = _t_limits_q(mm * mm, mc * mc, m1 * m1, m2 * m2, q, q2)
    t = t_lo + v * (t_hi - t_lo)
    jac = 2.0 * q * dq_du * (t_hi - t_lo)
    if jac <= 0.0:
        return 0.0, q2, t
    prop2 = _propagator2(q2, mv, gv)
    if kind == KIND_FERMIONS:
        me2 = me2_from_coefficients(coef, mm, mc, m1, m2, q2, t)
    else:  # meson current: b (mode_c[k, 2]) is the meson factor
        me2 = me2_pipi_current(mm, mc, m1, m2, a_l, a_r, inv, q2, t) * (
            b.real * b.real + b.imag * b.imag
        )
    amm = abs(mm)
    dens = mult * prop2 * me2 / (_C3 * (amm * amm * amm))
    if ff == 1:
        dens *= rho_form_factor2(q2, m1)
    if qcd == 1:
        dens *= 1.0 + _alpha_s(q, alpha_s_mz, mz, a_b, a_c) / math.pi
    return max(dens * jac, 0.0), q2, t


@nb.njit(cache=True, error_model="numpy")
def _density(mode_f, mode_i, mode_c, k, u, v, alpha_s_mz, mz, a_b, a_c):
    """dalitz_density with the alpha_s threshold values precomputed (_alpha_s_matching)."""
    x = math.pi * u
    return _density_cs(_mode_params(mode_f, mode_i, mode_c, k), math.cos(x), math.sin(x), v,
                       alpha_s_mz, mz, a_b, a_c)


@nb.njit(cache=True, error_model="numpy")
def dalitz_density(mode_f, mode_i, mode_c, k, u, v, alpha_s_mz, mz):
    """dGamma/du dv [GeV] of mode k at (u, v) in the unit square; returns (value, q2, t)."""
    a_b, a_c = _alpha_s_matching(alpha_s_mz, mz)
    return _density(mode_f, mode_i, mode_c, k, u, v, alpha_s_mz, mz, a_b, a_c)


@nb.njit(cache=True, error_model="numpy")
def two_body_width(mode_f, mode_i, mode_c, k):
    """Width [GeV] of a two-body mode (pseudoscalar through the boson; photon: fixed)."""
    if mode_i[k, MI_KIND] == KIND_PHOTON:
        return mode_f[k, MF_WIDTH]
    mm = mode_f[k, MF_M]
    mc = mode_f[k, MF_MCHI]
    mp = mode_f[k, MF_M1]
    if abs(mm) <= abs(mc) + mp:
        return 0.0
    pk = math.sqrt(kallen(mm * mm, mc * mc, mp * mp)) / (2.0 * abs(mm))
    prop2 = _propagator2(mp * mp, mode_f[k, MF_MV], mode_f[k, MF_GV])
    b = mode_c[k, 2]
    me2 = me2_pseudoscalar(mm, mc, mp, mode_c[k, 0], mode_c[k, 1], mode_f[k, MF_INV_MV2])
    return (mode_f[k, MF_MULT] * pk * prop2 * (b.real * b.real + b.imag * b.imag) * me2
            / (16.0 * math.pi * mm * mm))


@nb.njit(cache=True, error_model="numpy")
def mode_width(mode_f, mode_i, mode_c, k, gl_x, gl_w, alpha_s_mz, mz):
    """Partial width [GeV] of mode k (two-body closed form, three-body Gauss-Legendre over
    the unit square with nodes gl_x/weights gl_w on [0, 1] for u and 4 points in v)."""
    kind = mode_i[k, MI_KIND]
    if kind < KIND_FERMIONS:  # the two-body kinds
        return two_body_width(mode_f, mode_i, mode_c, k)
    # 4-point Gauss-Legendre on [0, 1]
    a = math.sqrt(3.0 / 7.0 - 2.0 / 7.0 * math.sqrt(6.0 / 5.0))
    b = math.sqrt(3.0 / 7.0 + 2.0 / 7.0 * math.sqrt(6.0 / 5.0))
    wa = (18.0 + math.sqrt(30.0)) / 36.0
    wb = (18.0 - math.sqrt(30.0)) / 36.0
    vx = (0.5 * (1 - b), 0.5 * (1 - a), 0.5 * (1 + a), 0.5 * (1 + b))
    vw = (0.5 * wb, 0.5 * wa, 0.5 * wa, 0.5 * wb)
    a_b, a_c = _alpha_s_matching(alpha_s_mz, mz)
    total = 0.0
    for i in range(gl_x.size):
        for j in range(4):
            d, _, _ = _density(mode_f, mode_i, mode_c, k, gl_x[i], vx[j], alpha_s_mz, mz,
                               a_b, a_c)
            total += gl_w[i] * vw[j] * d
    return total


@nb.njit(cache=True, error_model="numpy")
def _shape_coefficients(f0, fh, f1):
    """Non-negative coefficients (e0, e1, e2, e3) of (1-v)^2, 2v(1-v), v^2, (1-2v)^2 whose
    sum bounds the quadratic through f(0) = f0, f(1/2) = fh, f(1) = f1 on [0, 1].

    Bernstein form: f = c0 (1-v)^2 + c1 2v(1-v) + c2 v^2 with c0 = f0, c2 = f1,
    c1 = 2 fh - (f0 + f1) / 2. If c1 >= 0 that is the answer (exact, f0, f1 >= 0). If
    c1 < 0, (1-2v)^2 = (1-v)^2 - 2v(1-v) + v^2 gives the identity
    f = l (1-2v)^2 + (c0 - l)(1-v)^2 + (c2 - l) v^2 with l = -c1; a negative c0 - l or
    c2 - l set to 0 only raises the sum (all shapes are >= 0), so the sum bounds f.
    """
    c1 = 2.0 * fh - 0.5 * (f0 + f1)
    if c1 >= 0.0:
        return max(f0, 0.0), c1, max(f1, 0.0), 0.0
    lam = -c1
    return max(f0 - lam, 0.0), 0.0, max(f1 - lam, 0.0), lam


@nb.njit(cache=True, error_model="numpy")
def _alias_table(w, out):
    """Alias table of the weights w >= 0 (Walker, ACM Trans. Math. Softw. 3 (1977) 253;
    Vose's construction, IEEE Trans. Softw. Eng. 17 (1991) 972): with x = n r (r uniform
    in [0, 1)), cell c = floor(x) is kept if x - c < out[c, 0], else out[c, 1] is taken;
    every cell then has probability w / sum(w) (to rounding). One table row per draw, no
    search (a power-of-two n makes x - c exact)."""
    n = w.size
    p = w * (n / w.sum())
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    ns = 0
    nl = 0
    for c in range(n):
        if p[c] < 1.0:
            small[ns] = c
            ns += 1
        else:
            large[nl] = c
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        lo = small[ns]
        hi = large[nl - 1]
        out[lo, 0] = p[lo]
        out[lo, 1] = hi
        p[hi] = (p[hi] + p[lo]) - 1.0
        if p[hi] < 1.0:
            nl -= 1
            small[ns] = hi
            ns += 1
    # what is left has p = 1 up to rounding
    for j in range(nl):
        out[large[j], 0] = 1.0
        out[large[j], 1] = large[j]
    for j in range(ns):
        out[small[j], 0] = 1.0
        out[small[j], 1] = small[j]


@nb.njit(cache=True, error_model="numpy")
def build_envelope(mode_f, mode_i, mode_c, k, alpha_s_mz, mz, coef, alias):
    """Fill the sampling envelope of three-body mode k: coef[k, b, s] the bound on the
    coefficient of shape s in u bin b (the scanned maximum of `_shape_coefficients` x
    ENV_SAFETY) and alias[k] the alias table (_alias_table) of the cells
    c = b N_SHAPES + s, whose weights are coef / 3 (each shape integrates to 1/3 in v).
    Returns the envelope integral."""
    nbin = coef.shape[1]
    a_b, a_c = _alpha_s_matching(alpha_s_mz, mz)
    w = np.empty(nbin * N_SHAPES)
    for b in range(nbin):
        e0 = e1 = e2 = e3 = 0.0
        for i in range(_SCAN_U + 1):
            u = (b + i / _SCAN_U) / nbin
            f0, _, _ = _density(mode_f, mode_i, mode_c, k, u, 0.0, alpha_s_mz, mz, a_b, a_c)
            fh, _, _ = _density(mode_f, mode_i, mode_c, k, u, 0.5, alpha_s_mz, mz, a_b, a_c)
            f1, _, _ = _density(mode_f, mode_i, mode_c, k, u, 1.0, alpha_s_mz, mz, a_b, a_c)
            s0, s1, s2, s3 = _shape_coefficients(f0, fh, f1)
            e0 = max(e0, s0)
            e1 = max(e1, s1)
            e2 = max(e2, s2)
            e3 = max(e3, s3)
        coef[k, b, 0] = e0 * ENV_SAFETY
        coef[k, b, 1] = e1 * ENV_SAFETY
        coef[k, b, 2] = e2 * ENV_SAFETY
        coef[k, b, 3] = e3 * ENV_SAFETY
        for s in range(N_SHAPES):
            w[b * N_SHAPES + s] = coef[k, b, s] / (3.0 * nbin)
    acc = w.sum()
    if acc > 0.0:
        _alias_table(w, alias[k])
    return acc


@nb.njit(cache=True, error_model="numpy")
def three_body_rest(mm, mc, m1, m2, q2, t, cth, phi, psi):
    """Momenta of chi' (k), f1 (p1), f2 (p2) in the parent rest frame from the invariants
    (q2, t), the chi' direction (cth, phi) and the azimuth psi of f1 around it (measured
    from the polar unit vector e_theta of the chi' direction); returns three (E, px, py,
    pz) tuples."""
    amm = abs(mm)
    mm2 = mm * mm
    mc2 = mc * mc
    m12 = m1 * m1
    m22 = m2 * m2
    u = mm2 + mc2 + m12 + m22 - q2 - t
    ek = (mm2 + mc2 - q2) / (2.0 * amm)
    e1 = (mm2 + m12 - u) / (2.0 * amm)
    pk = math.sqrt(max(ek * ek - mc2, 0.0))
    pp1 = math.sqrt(max(e1 * e1 - m12, 0.0))
    c = 1.0
    if pk > 0.0 and pp1 > 0.0:
        c = (ek * e1 - 0.5 * (t - mc2 - m12)) / (pk * pp1)
        c = min(1.0, max(-1.0, c))
    s = math.sqrt(1.0 - c * c)
    sth = math.sqrt(max(0.0, 1.0 - cth * cth))
    cph = math.cos(phi)
    sph = math.sin(phi)
    n0 = sth * cph
    n1 = sth * sph
    n2 = cth
    # (n, e_theta, e_phi) is orthonormal for every direction, poles included:
    # e_theta = (cth cph, cth sph, -sth), e_phi = (-sph, cph, 0)
    cp = math.cos(psi)
    sp = math.sin(psi)
    tx = cp * cth * cph - sp * sph
    ty = cp * cth * sph + sp * cph
    tz = -cp * sth
    k = (ek, pk * n0, pk * n1, pk * n2)
    p1 = (e1, pp1 * (c * n0 + s * tx), pp1 * (c * n1 + s * ty), pp1 * (c * n2 + s * tz))
    p2 = (amm - ek - e1, -k[1] - p1[1], -k[2] - p1[2], -k[3] - p1[3])
    return k, p1, p2


@nb.njit(cache=True, error_model="numpy")
def _boost(e, px, py, pz, bx, by, bz):
    """(e, px, py, pz) boosted by velocity (bx, by, bz), as kinematics.boost_into
    (Jackson, Classical Electrodynamics, Eq. 11.19) but on scalars: no array crosses the
    call in the decay loop."""
    b2 = bx * bx + by * by + bz * bz
    if b2 <= 0.0:
        return e, px, py, pz
    gamma = 1.0 / math.sqrt(1.0 - b2)
    bp = bx * px + by * py + bz * pz
    gamma2 = (gamma - 1.0) / b2
    return (gamma * (e + bp), px + gamma2 * bp * bx + gamma * bx * e,
            py + gamma2 * bp * by + gamma * by * e, pz + gamma2 * bp * bz + gamma * bz * e)


@nb.njit(cache=True, error_model="numpy")
def _conj(pdg):
    """Charge conjugate of a PDG id (self-conjugate: photon, pi0, neutralinos, 0)."""
    a = abs(pdg)
    if pdg == 0 or a == 22 or a == 111 or a == 1000022 or a == 1000023:
        return pdg
    return -pdg


@nb.njit(cache=True, error_model="numpy")
def _shape_draw(s, x1, x2, x3):
    """v from shape s of the envelope (_shape_coefficients) by order statistics of three
    uniforms: min, median, max have densities 3 (1-v)^2, 6 v(1-v), 3 v^2; for (1-2v)^2,
    |2v - 1| is the max (this returns the upper side, v >= 1/2)."""
    if s == 0:
        return min(x1, x2, x3)
    if s == 1:
        return max(min(x1, x2), min(max(x1, x2), x3))
    if s == 2:
        return max(x1, x2, x3)
    return 0.5 + 0.5 * max(x1, x2, x3)


@nb.njit(cache=True, nogil=True, error_model="numpy")
def decay_block(rng, leg_pdg, leg_mom, state_pdg, state_ctau, state_first, state_cum,
                mode_f, mode_i, mode_c, env_coef, env_alias, alpha_s_mz, mz, bfield, leg_f,
                leg_i, slot_i, slot_f, counters):
    """Decay the two legs of every event (cascades included) at sampled vertices.

    leg_pdg[n, 2], leg_mom[n, 2, 4]: the produced electroweakinos (origin vertex). States
    s have |PDG id| state_pdg[s], c*tau state_ctau[s] [mm] and modes state_first[s] ..
    state_first[s + 1] - 1 with cumulative probabilities state_cum; env_*: the Dalitz
    envelopes of build_envelope. Outputs: leg_f[n, 2, N_LF] (decay vertex x, y, z, r_xy
    and c*t [mm]; NaN if stable), leg_i[n, 2] (channel index, -1 if stable), slot_i[n,
    N_SLOTS, N_SI] (PDG id, mother code), slot_f[n, N_SLOTS, N_SF] (four-momentum [GeV],
    production vertex [mm], d0 and dz [mm]; NaN for neutral or coloured particles). Slots
    beyond the products hold PDG id 0 and NaN. counters[0] += Dalitz trials, counters[1]
    += envelope violations.

    Speed: the per-decay work stays in this function and calls only helpers on scalars
    (a numba call that passes an array or the generator costs a reference-count
    increment and decrement per argument).
    """
    n = leg_pdg.shape[0]
    n_states = state_pdg.size
    a_b, a_c = _alpha_s_matching(alpha_s_mz, mz)
    ncell = env_alias.shape[1]
    nbin = env_coef.shape[1]
    inv_nbin = 1.0 / nbin
    # cos and sin of pi u at the u-bin edges: within a bin, cos(pi u) and sin(pi u) follow
    # by the addition theorems with the small angle's series (_cos_sin_small), no libm call
    cos_edge = np.empty(nbin)
    sin_edge = np.empty(nbin)
    for b in range(nbin):
        cos_edge[b] = math.cos(math.pi * (b * inv_nbin))
        sin_edge[b] = math.sin(math.pi * (b * inv_nbin))
    parent = np.empty(4)
    prod = np.empty((3, 4))  # lab four-momenta of chi', f1, f2
    prod_pdg = np.empty(3, dtype=np.int64)
    prod_q = np.empty(3, dtype=np.int64)
    for ev in range(n):
        for s in range(N_SLOTS):
            slot_i[ev, s, SI_PDG] = 0
            slot_i[ev, s, SI_MOTHER] = MOTHER_NONE
            for c in range(N_SF):
                slot_f[ev, s, c] = np.nan
        nslot = 0
        for leg in range(2):
            for c in range(N_LF):
                leg_f[ev, leg, c] = np.nan
            leg_i[ev, leg] = -1
            pdg = leg_pdg[ev, leg]
            for c in range(4):
                parent[c] = leg_mom[ev, leg, c]
            vx = 0.0
            vy = 0.0
            vz = 0.0
            mother = MOTHER_CHI_A if leg == 0 else MOTHER_CHI_B
            first = True
            st = -1
            for s in range(n_states):
                if state_pdg[s] == abs(pdg):
                    st = s
            while st >= 0:
                conj = pdg < 0
                # the first mode with state_cum > r (a linear scan: few modes, and the exit
                # is its only unpredictable branch, against one per step of a bisection)
                r = rng.random()
                k = state_first[st]
                while k < state_first[st + 1] - 1 and state_cum[k] <= r:
                    k += 1
                if mode_i[k, MI_CONJ] == 1 and rng.random() < 0.5:
                    conj = not conj
                # proper decay length c*t and the vertex (beta gamma = p / m)
                ct = -state_ctau[st] * math.log(1.0 - rng.random())
                mabs = abs(mode_f[k, MF_M])
                ct_m = ct / mabs
                vx += ct_m * parent[1]
                vy += ct_m * parent[2]
                vz += ct_m * parent[3]
                if first:
                    leg_f[ev, leg, LF_X] = vx
                    leg_f[ev, leg, LF_Y] = vy
                    leg_f[ev, leg, LF_Z] = vz
                    leg_f[ev, leg, LF_RXY] = math.sqrt(vx * vx + vy * vy)
                    leg_f[ev, leg, LF_CT] = ct
                    leg_i[ev, leg] = mode_i[k, MI_CHANNEL]
                    first = False
                kind = mode_i[k, MI_KIND]
                mc = mode_f[k, MF_MCHI]
                m1 = mode_f[k, MF_M1]
                m2 = mode_f[k, MF_M2]
                inv_e = 1.0 / parent[0]
                bx = parent[1] * inv_e
                by = parent[2] * inv_e
                bz = parent[3] * inv_e
                cth = 2.0 * rng.random() - 1.0
                phi = 2.0 * math.pi * rng.random()
                if kind < KIND_FERMIONS:  # the two-body kinds
                    e_k = (mabs * mabs + mc * mc - m1 * m1) / (2.0 * mabs)
                    pk = math.sqrt(kallen(mabs * mabs, mc * mc, m1 * m1)) / (2.0 * mabs)
                    sth = math.sqrt(max(0.0, 1.0 - cth * cth))
                    rk = (e_k, pk * sth * math.cos(phi), pk * sth * math.sin(phi), pk * cth)
                    lab1 = rk  # unused: the second daughter closes the momentum balance
                    n_prod = 2
                else:
                    # (q2, t) by accept-reject on the envelope of build_envelope
                    par = _mode_params(mode_f, mode_i, mode_c, k)
                    while True:
                        x = rng.random() * ncell  # the cell, from the alias table
                        c = int(x)
                        if x - c >= env_alias[k, c, 0]:
                            c = int(env_alias[k, c, 1])
                        b = c // N_SHAPES
                        shape = c - b * N_SHAPES
                        # u = (b + ru) / nbin: pi u = pi b / nbin + pi ru / nbin
                        ru = rng.random()
                        cd, sd = _cos_sin_small(math.pi * (ru * inv_nbin))
                        cu = cos_edge[b] * cd - sin_edge[b] * sd
                        su = sin_edge[b] * cd + cos_edge[b] * sd
                        v = _shape_draw(shape, rng.random(), rng.random(), rng.random())
                        if shape == 3 and rng.random() < 0.5:
                            v = 1.0 - v
                        d, q2, t = _density_cs(par, cu, su, v, alpha_s_mz, mz, a_b, a_c)
                        w = 1.0 - v
                        h = 1.0 - 2.0 * v
                        g = (env_coef[k, b, 0] * (w * w) + env_coef[k, b, 1] * (2.0 * v * w)
                             + env_coef[k, b, 2] * (v * v) + env_coef[k, b, 3] * (h * h))
                        counters[0] += 1
                        if d > g:
                            counters[1] += 1
                        if rng.random() * g < d:
                            break
                    psi = 2.0 * math.pi * rng.random()
                    rk, r1, _ = three_body_rest(mabs, mc, m1, m2, q2, t, cth, phi, psi)
                    n_prod = 3
                    lab1 = _boost(r1[0], r1[1], r1[2], r1[3], bx, by, bz)
                labk = _boost(rk[0], rk[1], rk[2], rk[3], bx, by, bz)
                # the last daughter closes four-momentum conservation exactly in the lab
                for c in range(4):
                    prod[0, c] = labk[c]
                if n_prod == 3:
                    for c in range(4):
                        prod[1, c] = lab1[c]
                        prod[2, c] = parent[c] - labk[c] - lab1[c]
                else:
                    for c in range(4):
                        prod[1, c] = parent[c] - labk[c]
                prod_pdg[0] = mode_i[k, MI_PDG_CHI]
                prod_pdg[1] = mode_i[k, MI_PDG1]
                prod_pdg[2] = mode_i[k, MI_PDG2]
                prod_q[0] = mode_i[k, MI_Q_CHI]
                prod_q[1] = mode_i[k, MI_Q1]
                prod_q[2] = mode_i[k, MI_Q2]
                slot_k = nslot
                for j in range(n_prod):
                    p = prod_pdg[j]
                    charge = prod_q[j]
                    if conj:
                        p = _conj(p)
                        charge = -charge
                    slot_i[ev, nslot, SI_PDG] = p
                    slot_i[ev, nslot, SI_MOTHER] = mother
                    for c in range(4):
                        slot_f[ev, nslot, SF_E + c] = prod[j, c]
                    slot_f[ev, nslot, SF_VX] = vx
                    slot_f[ev, nslot, SF_VY] = vy
                    slot_f[ev, nslot, SF_VZ] = vz
                    if charge != 0:
                        d0, dz = impact_parameters(vx, vy, vz, prod[j, 1], prod[j, 2],
                                                   prod[j, 3], charge, bfield)
                        slot_f[ev, nslot, SF_D0] = d0
                        slot_f[ev, nslot, SF_DZ] = dz
                    nslot += 1
                # the chi' decays in turn if it is unstable (its state; -1: stable); an
                # intermediate chi' has no vertex columns: its products' vertex is its decay
                st = mode_i[k, MI_NEXT]
                pdg = slot_i[ev, slot_k, SI_PDG]
                for c in range(4):
                    parent[c] = prod[0, c]
                mother = slot_k
    return counters
