"""Decays of chi20 and chi1+- with lifetimes: widths, Dalitz sampling, vertices, d0/dz.

A *mode* is one kinematic final state (chi' + meson, chi' + photon, chi' f fbar',
chi' pi pi); the Python side (``higgsino_sim.decays``) builds the mode tables from the
spectrum. Mode tables, indexed by mode k:
  mode_f[k, MF_*]   masses [GeV] (parent and chi' signed), boson mass/width, q range
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
at fixed q; a piecewise-constant envelope in u (bounds from a dense scan with a safety
factor) drives an exact accept-reject on the full |M|^2; bound violations are counted
and must stay zero (tests). Decays are isotropic in the parent rest frame (spin
correlations between production and decay are not kept; docs/decays.md).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from higgsino_sim.kernels.decay_matrix_elements import (
    me2_fermion_current,
    me2_pipi_current,
    me2_pseudoscalar,
)
from higgsino_sim.kernels.helix import impact_parameters
from higgsino_sim.kernels.kinematics import boost_into, kallen

# mode kinds
KIND_PSEUDOSCALAR, KIND_PHOTON, KIND_FERMIONS, KIND_PIPI = 0, 1, 2, 3

# mode_f columns
MF_M, MF_MCHI, MF_M1, MF_M2, MF_MV, MF_GV, MF_INV_MV2, MF_Q_LO, MF_Q_HI, MF_MULT = range(10)
# MF_MULT: multiplicity = colours x charge states (a Majorana chi20 decays into chi1+ W-*
# and chi1- W+* at the same rate: the mode stands for both, sampled 50/50)
MF_WIDTH = 10  # fixed width for modes without a matrix element (photon) [GeV]
N_MF = 11
# mode_i columns
MI_KIND, MI_PDG_CHI, MI_PDG1, MI_PDG2, MI_Q_CHI, MI_Q1, MI_Q2 = range(7)
MI_NEXT = 7  # state index of the chi' (-1 if stable)
MI_CONJ = 8  # 1: Majorana parent -> charged products, charge-conjugate with probability 1/2
MI_QCD = 9  # 1: apply (1 + alpha_s(q)/pi)
MI_FF = 10  # 1: apply the rho form factor |F(q^2)|^2
MI_CHANNEL = 11  # global channel index (labels in higgsino_sim.decays)
N_MI = 12

#: Envelope bins in u and scan points per bin for the bound.
N_ENV = 128
_SCAN_U = 8
_SCAN_V = 9
#: Safety factor on the scanned bound; violations are counted (must be zero).
ENV_SAFETY = 1.25
#: Gauss-Legendre points for the width integrals (u, v); the integrand is a polynomial of
#: degree 2 in v at fixed u, so 4 points are exact in v.
GL_U = 256
GL_V = 4

# Kuhn & Santamaria, Z. Phys. C48 (1990) 445: rho + rho' pion form factor (as used by
# Chen, Drees & Gunion, hep-ph/9902309, and SOFTSUSY; reference README section 2.1).
_RHO_M, _RHO_G, _RHOP_M, _RHOP_G, _RHO_BETA = 0.773, 0.145, 1.370, 0.510, -0.145

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
def _bw(q2, m, g, mpi):
    """Breit-Wigner m^2 / (m^2 - q^2 - i sqrt(q^2) Gamma(q^2)), p-wave running width."""
    p = math.sqrt(max(q2 / 4.0 - mpi * mpi, 0.0))
    pm = math.sqrt(max(m * m / 4.0 - mpi * mpi, 0.0))
    gq = g * (m * m / q2) * (p / pm) ** 3 if pm > 0.0 else g
    return m * m / complex(m * m - q2, -math.sqrt(q2) * gq)


@nb.njit(cache=True, error_model="numpy")
def rho_form_factor2(q2: float, mpi: float) -> float:
    """|F(q^2)|^2 = |BW_rho + beta BW_rho'|^2 / (1 + beta)^2 (F(0) = 1)."""
    f = (_bw(q2, _RHO_M, _RHO_G, mpi) + _RHO_BETA * _bw(q2, _RHOP_M, _RHOP_G, mpi)) / (
        1.0 + _RHO_BETA
    )
    return f.real * f.real + f.imag * f.imag


@nb.njit(cache=True, error_model="numpy")
def alpha_s_one_loop(q: float, alpha_s_mz: float, mz: float) -> float:
    """One-loop alpha_s(q) run from m_Z with flavour thresholds at m_b = 4.18, m_c = 1.27
    GeV (PDG Review "Quantum chromodynamics", Eq. 9.5 at one loop, matched continuously)."""
    thresholds = (4.18, 1.27)
    a = alpha_s_mz
    mu = mz
    nf = 5
    for th in thresholds:
        lo = max(q, th)
        b0 = (33.0 - 2.0 * nf) / (12.0 * math.pi)
        a = a / (1.0 + a * b0 * math.log(lo * lo / (mu * mu)))
        if q >= th:
            return a
        mu = th
        nf -= 1
    b0 = (33.0 - 2.0 * nf) / (12.0 * math.pi)
    return a / (1.0 + a * b0 * math.log(q * q / (mu * mu)))


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
    q = math.sqrt(q2)
    e1 = (q2 - m22 + m12) / (2.0 * q)  # f1 in the f1 f2 rest frame
    ek = (mm2 - q2 - mchi2) / (2.0 * q)  # chi' in the same frame
    p1 = math.sqrt(max(e1 * e1 - m12, 0.0))
    pk = math.sqrt(max(ek * ek - mchi2, 0.0))
    base = mchi2 + m12 + 2.0 * e1 * ek
    return base - 2.0 * p1 * pk, base + 2.0 * p1 * pk


@nb.njit(cache=True, error_model="numpy")
def dalitz_density(mode_f, mode_i, mode_c, k, u, v, alpha_s_mz, mz):
    """dGamma/du dv [GeV] of mode k at (u, v) in the unit square; returns (value, q2, t)."""
    mm = mode_f[k, MF_M]
    mc = mode_f[k, MF_MCHI]
    m1 = mode_f[k, MF_M1]
    m2 = mode_f[k, MF_M2]
    q_lo = mode_f[k, MF_Q_LO]
    q_hi = mode_f[k, MF_Q_HI]
    if q_hi <= q_lo:
        return 0.0, 0.0, 0.0
    half = 0.5 * (q_hi - q_lo)
    q = q_lo + half * (1.0 - math.cos(math.pi * u))
    dq_du = half * math.pi * math.sin(math.pi * u)
    q2 = q * q
    t_lo, t_hi = t_limits(mm * mm, mc * mc, m1 * m1, m2 * m2, q2)
    t = t_lo + v * (t_hi - t_lo)
    jac = 2.0 * q * dq_du * (t_hi - t_lo)
    if jac <= 0.0:
        return 0.0, q2, t
    mv = mode_f[k, MF_MV]
    gv = mode_f[k, MF_GV]
    prop2 = _propagator2(q2, mv, gv)
    inv = mode_f[k, MF_INV_MV2]
    kind = mode_i[k, MI_KIND]
    if kind == KIND_FERMIONS:
        me2 = me2_fermion_current(mm, mc, m1, m2, mode_c[k, 0], mode_c[k, 1], mode_c[k, 2],
                                  mode_c[k, 3], inv, q2, t)
    else:
        b = mode_c[k, 2]
        me2 = me2_pipi_current(mm, mc, m1, m2, mode_c[k, 0], mode_c[k, 1], inv, q2, t) * (
            b.real * b.real + b.imag * b.imag
        )
    dens = mode_f[k, MF_MULT] * prop2 * me2 / (512.0 * math.pi**3 * abs(mm) ** 3)
    if mode_i[k, MI_FF] == 1:
        dens *= rho_form_factor2(q2, m1)
    if mode_i[k, MI_QCD] == 1:
        dens *= 1.0 + alpha_s_one_loop(q, alpha_s_mz, mz) / math.pi
    return max(dens * jac, 0.0), q2, t


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
    total = 0.0
    for i in range(gl_x.size):
        for j in range(4):
            d, _, _ = dalitz_density(mode_f, mode_i, mode_c, k, gl_x[i], vx[j], alpha_s_mz, mz)
            total += gl_w[i] * vw[j] * d
    return total


@nb.njit(cache=True, error_model="numpy")
def build_envelope(mode_f, mode_i, mode_c, k, alpha_s_mz, mz, cum, bound):
    """Fill the sampling envelope of three-body mode k: per u bin the bound on the density
    (scanned maximum x ENV_SAFETY) and the cumulative bin probabilities."""
    nbin = cum.size
    acc = 0.0
    for b in range(nbin):
        mx = 0.0
        for i in range(_SCAN_U + 1):
            u = (b + i / _SCAN_U) / nbin
            for j in range(_SCAN_V):
                d, _, _ = dalitz_density(mode_f, mode_i, mode_c, k, u, j / (_SCAN_V - 1),
                                         alpha_s_mz, mz)
                mx = max(mx, d)
        bound[b] = mx * ENV_SAFETY
        acc += bound[b] / nbin
        cum[b] = acc
    if acc > 0.0:
        for b in range(nbin):
            cum[b] /= acc
    return acc


@nb.njit(cache=True, error_model="numpy")
def _pick(cum, r):
    """First index with cum[i] > r (binary search)."""
    lo = 0
    hi = cum.size - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] > r:
            hi = mid
        else:
            lo = mid + 1
    return lo


@nb.njit(cache=True, error_model="numpy")
def sample_dalitz(rng, mode_f, mode_i, mode_c, k, env_cum, env_bound, alpha_s_mz, mz, counters):
    """Draw (q2, t) of three-body mode k; counters[0] += trials, counters[1] += violations."""
    nbin = env_cum.shape[1]
    while True:
        b = _pick(env_cum[k], rng.random())
        u = (b + rng.random()) / nbin
        v = rng.random()
        d, q2, t = dalitz_density(mode_f, mode_i, mode_c, k, u, v, alpha_s_mz, mz)
        counters[0] += 1
        if d > env_bound[k, b]:
            counters[1] += 1
        if rng.random() * env_bound[k, b] < d:
            return q2, t


@nb.njit(cache=True, error_model="numpy")
def three_body_rest(mm, mc, m1, m2, q2, t, cth, phi, psi, k, p1, p2):
    """Momenta of chi' (k), f1 (p1), f2 (p2) in the parent rest frame from the invariants
    (q2, t), the chi' direction (cth, phi) and the azimuth psi of f1 around it."""
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
    n0 = sth * math.cos(phi)
    n1 = sth * math.sin(phi)
    n2 = cth
    # e1 = unit vector perpendicular to n: (n x z) normalised, or x if n ~ z
    a0, a1, a2 = (1.0, 0.0, 0.0) if abs(n2) > 0.9 else (0.0, 0.0, 1.0)
    e0x = n1 * a2 - n2 * a1
    e0y = n2 * a0 - n0 * a2
    e0z = n0 * a1 - n1 * a0
    ln = math.sqrt(e0x * e0x + e0y * e0y + e0z * e0z)
    e0x /= ln
    e0y /= ln
    e0z /= ln
    f0x = n1 * e0z - n2 * e0y
    f0y = n2 * e0x - n0 * e0z
    f0z = n0 * e0y - n1 * e0x
    cp = math.cos(psi)
    sp = math.sin(psi)
    k[0] = ek
    k[1] = pk * n0
    k[2] = pk * n1
    k[3] = pk * n2
    tx = cp * e0x + sp * f0x
    ty = cp * e0y + sp * f0y
    tz = cp * e0z + sp * f0z
    p1[0] = e1
    p1[1] = pp1 * (c * n0 + s * tx)
    p1[2] = pp1 * (c * n1 + s * ty)
    p1[3] = pp1 * (c * n2 + s * tz)
    p2[0] = amm - ek - e1
    for i in range(1, 4):
        p2[i] = -k[i] - p1[i]


@nb.njit(cache=True, error_model="numpy")
def _conj(pdg):
    """Charge conjugate of a PDG id (self-conjugate: photon, pi0, neutralinos, 0)."""
    a = abs(pdg)
    if pdg == 0 or a == 22 or a == 111 or a == 1000022 or a == 1000023:
        return pdg
    return -pdg


@nb.njit(cache=True, error_model="numpy")
def _put(slot_i, slot_f, ev, s, pdg, mother, mom, vx, vy, vz, charge, bfield):
    slot_i[ev, s, SI_PDG] = pdg
    slot_i[ev, s, SI_MOTHER] = mother
    for c in range(4):
        slot_f[ev, s, SF_E + c] = mom[c]
    slot_f[ev, s, SF_VX] = vx
    slot_f[ev, s, SF_VY] = vy
    slot_f[ev, s, SF_VZ] = vz
    if charge != 0:
        d0, dz = impact_parameters(vx, vy, vz, mom[1], mom[2], mom[3], charge, bfield)
        slot_f[ev, s, SF_D0] = d0
        slot_f[ev, s, SF_DZ] = dz


@nb.njit(cache=True, nogil=True, error_model="numpy")
def decay_block(rng, leg_pdg, leg_mom, state_pdg, state_ctau, state_first, state_cum,
                mode_f, mode_i, mode_c, env_cum, env_bound, alpha_s_mz, mz, bfield,
                leg_f, leg_i, slot_i, slot_f, counters):
    """Decay the two legs of every event (cascades included) at sampled vertices.

    leg_pdg[n, 2], leg_mom[n, 2, 4]: the produced electroweakinos (origin vertex). States
    s have |PDG id| state_pdg[s], c*tau state_ctau[s] [mm] and modes state_first[s] ..
    state_first[s + 1] - 1 with cumulative probabilities state_cum. Outputs: leg_f[n, 2,
    N_LF] (decay vertex x, y, z, r_xy and c*t [mm]; NaN if stable), leg_i[n, 2] (channel
    index, -1 if stable), slot_i[n, N_SLOTS, N_SI] (PDG id, mother code), slot_f[n,
    N_SLOTS, N_SF] (four-momentum [GeV], production vertex [mm], d0 and dz [mm]; NaN for
    neutral or coloured particles). Slots beyond the products hold PDG id 0 and NaN.
    """
    n = leg_pdg.shape[0]
    n_states = state_pdg.size
    parent = np.empty(4)
    rest_k = np.empty(4)
    rest_1 = np.empty(4)
    rest_2 = np.empty(4)
    lab_k = np.empty(4)
    lab_1 = np.empty(4)
    lab_2 = np.empty(4)
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
                k = state_first[st] + _pick(
                    state_cum[state_first[st] : state_first[st + 1]], rng.random())
                if mode_i[k, MI_CONJ] == 1 and rng.random() < 0.5:
                    conj = not conj
                # proper decay length c*t and the vertex (beta gamma = p / m)
                ct = -state_ctau[st] * math.log(1.0 - rng.random())
                mabs = abs(mode_f[k, MF_M])
                vx += ct * parent[1] / mabs
                vy += ct * parent[2] / mabs
                vz += ct * parent[3] / mabs
                if first:
                    leg_f[ev, leg, LF_X] = vx
                    leg_f[ev, leg, LF_Y] = vy
                    leg_f[ev, leg, LF_Z] = vz
                    leg_f[ev, leg, LF_RXY] = math.hypot(vx, vy)
                    leg_f[ev, leg, LF_CT] = ct
                    leg_i[ev, leg] = mode_i[k, MI_CHANNEL]
                    first = False
                kind = mode_i[k, MI_KIND]
                mc = mode_f[k, MF_MCHI]
                m1 = mode_f[k, MF_M1]
                m2 = mode_f[k, MF_M2]
                bx = parent[1] / parent[0]
                by = parent[2] / parent[0]
                bz = parent[3] / parent[0]
                cth = 2.0 * rng.random() - 1.0
                phi = 2.0 * math.pi * rng.random()
                if kind < KIND_FERMIONS:  # the two-body kinds
                    e_k = (mabs * mabs + mc * mc - m1 * m1) / (2.0 * mabs)
                    pk = math.sqrt(kallen(mabs * mabs, mc * mc, m1 * m1)) / (2.0 * mabs)
                    sth = math.sqrt(max(0.0, 1.0 - cth * cth))
                    rest_k[0] = e_k
                    rest_k[1] = pk * sth * math.cos(phi)
                    rest_k[2] = pk * sth * math.sin(phi)
                    rest_k[3] = pk * cth
                    rest_1[0] = mabs - e_k
                    for c in range(1, 4):
                        rest_1[c] = -rest_k[c]
                    n_sm = 1
                else:
                    q2, t = sample_dalitz(rng, mode_f, mode_i, mode_c, k, env_cum, env_bound,
                                          alpha_s_mz, mz, counters)
                    psi = 2.0 * math.pi * rng.random()
                    three_body_rest(mabs, mc, m1, m2, q2, t, cth, phi, psi, rest_k, rest_1,
                                    rest_2)
                    n_sm = 2
                boost_into(rest_k, bx, by, bz, lab_k)
                boost_into(rest_1, bx, by, bz, lab_1)
                # the last daughter closes four-momentum conservation exactly in the lab
                if n_sm == 2:
                    for c in range(4):
                        lab_2[c] = parent[c] - lab_k[c] - lab_1[c]
                else:
                    for c in range(4):
                        lab_1[c] = parent[c] - lab_k[c]
                sgn = -1 if conj else 1
                pdg_k = mode_i[k, MI_PDG_CHI]
                pdg_1 = mode_i[k, MI_PDG1]
                pdg_2 = mode_i[k, MI_PDG2]
                if conj:
                    pdg_k = _conj(pdg_k)
                    pdg_1 = _conj(pdg_1)
                    pdg_2 = _conj(pdg_2)
                slot_k = nslot
                _put(slot_i, slot_f, ev, nslot, pdg_k, mother, lab_k, vx, vy, vz,
                     sgn * mode_i[k, MI_Q_CHI], bfield)
                _put(slot_i, slot_f, ev, nslot + 1, pdg_1, mother, lab_1, vx, vy, vz,
                     sgn * mode_i[k, MI_Q1], bfield)
                nslot += 2
                if n_sm == 2:
                    _put(slot_i, slot_f, ev, nslot, pdg_2, mother, lab_2, vx, vy, vz,
                         sgn * mode_i[k, MI_Q2], bfield)
                    nslot += 1
                # the chi' decays in turn if it is unstable (its state; -1: stable); an
                # intermediate chi' has no vertex columns: its products' vertex is its decay
                st = mode_i[k, MI_NEXT]
                pdg = pdg_k
                for c in range(4):
                    parent[c] = lab_k[c]
                mother = slot_k
    return counters
