"""Tests of higgsino_sim.kernels.matrix_elements (docs/matrix_elements.md).

1. closed forms vs the brute-force spinor/Dirac-matrix reference tests/naive_amplitudes.py,
   point by point, both signs of both chi masses, random and pure-Higgsino couplings;
2. crossing relations between the 2 -> 3 functions;
3. soft-gluon and initial-state collinear limits (eikonal factor, P_qq, P_qg);
4. integrating out the chi pair gives the Drell-Yan + jet shape (t^2 + u^2 + 2 s Q^2)/(t u);
5. the analytic sigma_hat vs Gauss-Legendre integration, and textbook limits;
6. the generator's phase-space helpers (kinematics.two_body_decay, power-law draws).

Tolerances. The closed forms are short sums of products; at the points used here (away
from thresholds and from p1.p3 = 0) the kernel rounds at ~1e-15 relative (checked against
a 40-digit evaluation) and the matrix-product reference at <= 1.5e-12 (its worst point), so
1e-10 keeps a margin of ~100 while any wrong term (even a 1e-8 piece) fails. Gauss-Legendre rules are exact for the low-degree
polynomial integrands used (stated at each test), so those checks are again pure rounding.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from higgsino_sim.kernels import matrix_elements as me
from higgsino_sim.kernels.kinematics import (
    power_law_draw,
    power_law_setup,
    sample_power_law,
    two_body_decay,
)

_spec = importlib.util.spec_from_file_location(
    "naive_amplitudes", Path(__file__).resolve().parents[1] / "naive_amplitudes.py"
)
naive = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(naive)

RTOL = 1e-10  # rounding-level agreement, see module docstring
GS2 = 4.0 * math.pi * 0.118
CF = 4.0 / 3.0
TR = 0.5
MASS_SIGNS = [(1, 1), (-1, 1), (1, -1), (-1, -1)]
N_POINTS = 20


# ----------------------------------------------------------------------------- kinematics
mdot, boost, unit = naive.mdot, naive.boost, naive.unit


def decay(q: np.ndarray, ma: float, mb: float, cos_t: float, phi: float):
    """Two-body decay Q -> k1 k2 with k1 along (cos_t, phi) in the Q rest frame."""
    m = math.sqrt(mdot(q, q))
    ma2, mb2 = ma * ma, mb * mb
    k = math.sqrt((m * m - ma2 - mb2) ** 2 - 4.0 * ma2 * mb2) / (2.0 * m)
    n = unit(cos_t, phi)
    k1 = np.concatenate([[math.sqrt(k * k + ma2)], k * n])
    k2 = np.concatenate([[math.sqrt(k * k + mb2)], -k * n])
    beta = q[1:] / q[0]
    return boost(k1, beta), boost(k2, beta)


def beams(rs: float, bz: float = 0.0):
    p1 = 0.5 * rs * np.array([1.0, 0.0, 0.0, 1.0])
    p2 = 0.5 * rs * np.array([1.0, 0.0, 0.0, -1.0])
    b = np.array([0.0, 0.0, bz])
    return boost(p1, b), boost(p2, b)


def random_point_2to3(rng: np.random.Generator, ma: float, mb: float):
    """p1, p2 (beams, longitudinally boosted), p3 massless, k1, k2 on shell; sum conserved."""
    mth = abs(ma) + abs(mb)
    rs = mth + 50.0 + 1500.0 * rng.random()
    p1, p2 = 0.5 * rs * np.array([1.0, 0, 0, 1]), 0.5 * rs * np.array([1.0, 0, 0, -1])
    # gluon energy up to 90 % of its maximum, away from the collinear directions
    e3 = (0.02 + 0.88 * rng.random()) * (rs * rs - mth * mth) / (2.0 * rs)
    p3 = e3 * np.concatenate([[1.0], unit(rng.uniform(-0.95, 0.95), rng.uniform(0, 2 * np.pi))])
    k1, k2 = decay(p1 + p2 - p3, ma, mb, rng.uniform(-1, 1), rng.uniform(0, 2 * np.pi))
    b = np.array([0.0, 0.0, rng.uniform(-0.9, 0.9)])
    return tuple(boost(p, b) for p in (p1, p2, p3, k1, k2))


def random_point_2to2(rng: np.random.Generator, ma: float, mb: float):
    rs = abs(ma) + abs(mb) + 20.0 + 1500.0 * rng.random()
    p1, p2 = 0.5 * rs * np.array([1.0, 0, 0, 1]), 0.5 * rs * np.array([1.0, 0, 0, -1])
    k1, k2 = decay(p1 + p2, ma, mb, rng.uniform(-1, 1), rng.uniform(0, 2 * np.pi))
    b = np.array([0.0, 0.0, rng.uniform(-0.9, 0.9)])
    return tuple(boost(p, b) for p in (p1, p2, k1, k2))


def couplings(kind: str, rng: np.random.Generator) -> np.ndarray:
    """[C_LL, C_LR, C_RL, C_RR] in GeV^-2 (typical size g^2 / s ~ 1e-6)."""
    c = 1e-6 * (rng.normal(size=4) + 1j * rng.normal(size=4))
    if kind == "random":
        return c
    if kind == "vector_chi":  # W exchange, pure Higgsino: O^L = O^R, left-handed quarks only
        return np.array([c[0], c[0], 0.0, 0.0])
    if kind == "axial_chi":  # O^L = -O^R (pure-Higgsino Z chi10 chi20)
        return np.array([c[0], -c[0], 0.0, 0.0])
    raise ValueError(kind)


COUPLING_KINDS = ["random", "vector_chi", "axial_chi"]


def _seed(base: int, signs: tuple[int, int], kind: str) -> list[int]:
    """A fixed, distinct seed per parametrisation."""
    return [base, signs[0] + 1, signs[1] + 1, COUPLING_KINDS.index(kind) if kind else 9]


def masses(signs: tuple[int, int], rng: np.random.Generator) -> tuple[float, float]:
    return signs[0] * rng.uniform(80.0, 400.0), signs[1] * rng.uniform(80.0, 400.0)


# ------------------------------------------------------------------ 1. brute-force agreement
def test_reference_spin_sums() -> None:
    """The reference spinors obey u ubar = kslash + m, v vbar = kslash - m for signed m."""
    rng = np.random.default_rng(7)
    for m in (0.0, 130.0, -130.0):
        k = np.concatenate([[0.0], rng.normal(size=3) * 100.0])
        k[0] = math.sqrt(k[1:] @ k[1:] + m * m)
        su = sum(np.outer(u, naive.bar(u)) for u in naive.u_spinors(k, m))
        sv = sum(np.outer(v, naive.bar(v)) for v in naive.v_spinors(k, m))
        np.testing.assert_allclose(su, naive.slash(k) + m * np.eye(4), atol=1e-12 * k[0])
        np.testing.assert_allclose(sv, naive.slash(k) - m * np.eye(4), atol=1e-12 * k[0])
    assert naive.colour_sum_singlet() == pytest.approx(3.0, rel=1e-15)
    assert naive.colour_sum_gluon() == pytest.approx(4.0, rel=1e-15)


@pytest.mark.parametrize("kind", COUPLING_KINDS)
@pytest.mark.parametrize("signs", MASS_SIGNS)
def test_2to2_vs_brute_force(signs, kind) -> None:
    rng = np.random.default_rng(_seed(11, signs, kind))
    for _ in range(N_POINTS):
        ma, mb = masses(signs, rng)
        c = couplings(kind, rng)
        p1, p2, k1, k2 = random_point_2to2(rng, ma, mb)
        got = me.me2_qqbar_chichi(p1, p2, k1, k2, ma, mb, c)
        ref = naive.me2_qqbar_chichi(p1, p2, k1, k2, ma, mb, c)
        assert got == pytest.approx(ref, rel=RTOL)


_FUNCS_2TO3 = {
    "qqbar_g": (me.me2_qqbar_chichi_g, naive.me2_qqbar_chichi_g),
    "qg_q": (me.me2_qg_chichi_q, naive.me2_qg_chichi_q),
    "qbarg_qbar": (me.me2_qbarg_chichi_qbar, naive.me2_qbarg_chichi_qbar),
}


@pytest.mark.parametrize("func", list(_FUNCS_2TO3))
@pytest.mark.parametrize("kind", COUPLING_KINDS)
@pytest.mark.parametrize("signs", MASS_SIGNS)
def test_2to3_vs_brute_force(func, signs, kind) -> None:
    fast, slow = _FUNCS_2TO3[func]
    rng = np.random.default_rng(_seed(23 + len(func), signs, kind))
    for _ in range(N_POINTS):
        ma, mb = masses(signs, rng)
        c = couplings(kind, rng)
        # (p1, p2) incoming, p3 outgoing parton: the same momenta serve all three processes
        p1, p2, p3, k1, k2 = random_point_2to3(rng, ma, mb)
        got = fast(p1, p2, p3, k1, k2, ma, mb, c, GS2)
        ref = slow(p1, p2, p3, k1, k2, ma, mb, c, GS2)
        assert got > 0.0
        assert got == pytest.approx(ref, rel=RTOL)


#: configuration -> (reference function, closed form, beams swapped): the first parton of the
#: swapped configurations comes from beam 2
_CONFIGS = {
    me.CFG_QQB: (naive.me2_qqbar_chichi_g, me.me2_qqbar_chichi_g, False),
    me.CFG_QBQ: (naive.me2_qqbar_chichi_g, me.me2_qqbar_chichi_g, True),
    me.CFG_QG: (naive.me2_qg_chichi_q, me.me2_qg_chichi_q, False),
    me.CFG_GQ: (naive.me2_qg_chichi_q, me.me2_qg_chichi_q, True),
    me.CFG_QBG: (naive.me2_qbarg_chichi_qbar, me.me2_qbarg_chichi_qbar, False),
    me.CFG_GQB: (naive.me2_qbarg_chichi_qbar, me.me2_qbarg_chichi_qbar, True),
}


@pytest.mark.parametrize("kind", COUPLING_KINDS)
@pytest.mark.parametrize("signs", MASS_SIGNS)
def test_2to3_configs_vs_brute_force(signs, kind) -> None:
    """me2_2to3_basis + me2_2to3_configs (the generator's path: shared dot products, one
    basis row per charge-swapped pair of configurations) give the |M|^2 of all six parton
    configurations: against the independent reference to RTOL, and against the
    per-configuration closed forms (same Eq. 3.9, other arithmetic) to 1e-12, i.e. to
    rounding (both round at ~1e-15 here, see the module docstring)."""
    rng = np.random.default_rng(_seed(29, signs, kind))
    basis = np.empty((3, 3))
    out = np.zeros((2, me.N_CFG))
    for _ in range(8):
        ma, mb = masses(signs, rng)
        c = couplings(kind, rng)
        p1, p2, p3, k1, k2 = random_point_2to3(rng, ma, mb)
        me.me2_2to3_basis(p1, p2, p3, k1, k2, ma, mb, GS2, basis)
        me.me2_2to3_configs(basis, *me.coupling_sums(c), out, 1)
        assert not out[0].any()  # only the requested row is written
        for cfg, (slow, closed, swap) in _CONFIGS.items():
            a, b = (p2, p1) if swap else (p1, p2)
            assert out[1, cfg] > 0.0
            assert out[1, cfg] == pytest.approx(slow(a, b, p3, k1, k2, ma, mb, c, GS2), rel=RTOL)
            ref = closed(a, b, p3, k1, k2, ma, mb, c, GS2)
            assert out[1, cfg] == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("kind", COUPLING_KINDS)
@pytest.mark.parametrize("signs", MASS_SIGNS)
def test_sigma_hat_vs_brute_force(signs, kind) -> None:
    """sigma_hat = beta/(16 pi s) * 1/2 int dcos |M|^2 of the reference (degree 2 in cos:
    a 3-point Gauss-Legendre rule is exact)."""
    rng = np.random.default_rng(_seed(31, signs, kind))
    x, w = np.polynomial.legendre.leggauss(3)
    for _ in range(N_POINTS):
        ma, mb = masses(signs, rng)
        c = couplings(kind, rng)
        rs = abs(ma) + abs(mb) + 1.0 + 2000.0 * rng.random()
        s = rs * rs
        p1, p2 = beams(rs)
        avg = 0.0
        for xi, wi in zip(x, w, strict=True):
            k1, k2 = decay(p1 + p2, ma, mb, xi, 0.7)
            avg += 0.5 * wi * naive.me2_qqbar_chichi(p1, p2, k1, k2, ma, mb, c)
        beta = math.sqrt((s - ma * ma - mb * mb) ** 2 - 4 * ma * ma * mb * mb) / s
        ref = beta / (16.0 * math.pi * s) * avg
        assert me.sigma_hat_qqbar_chichi(s, ma, mb, c) == pytest.approx(ref, rel=RTOL)


def test_hadronic_tensor_closed_form() -> None:
    """The q qbar -> V* g tensor H_L of docs Eq. (3.6) equals sum J^mu J^nu* of the reference,
    with g5 = i g^0 g^1 g^2 g^3 and eps^{0123} = +1; H_R = H_L^*."""
    g = np.diag([1.0, -1.0, -1.0, -1.0])
    eps = np.zeros((4, 4, 4, 4))
    for perm in itertools.permutations(range(4)):
        eps[perm] = np.linalg.det(np.eye(4)[list(perm)])  # eps^{0123} = +1

    def w_tensor(a, b):
        lo_a, lo_b = g @ a, g @ b
        return (
            np.outer(a, b)
            + np.outer(b, a)
            - g * mdot(a, b)  # g^{mu nu} = g_{mu nu}
            + 1j * np.einsum("mnab,a,b->mn", eps, lo_a, lo_b)
        )

    rng = np.random.default_rng(5)
    for _ in range(5):
        p1, p2, p3, _, _ = random_point_2to3(rng, 100.0, 120.0)
        s12, s13, s23 = mdot(p1, p2), mdot(p1, p3), mdot(p2, p3)
        q = p1 + p2 - p3
        hl = (2.0 / (s13 * s23)) * (
            (mdot(p1, q) + mdot(p2, q)) * w_tensor(p1, p2)
            - mdot(p1, q) * w_tensor(p1, p3)
            - mdot(p2, q) * w_tensor(p3, p2)
            + 2.0 * s23 * np.outer(p1, p1)
            + 2.0 * s13 * np.outer(p2, p2)
        )
        assert s12 > 0.0
        for chir, ref_closed in ((0, hl), (1, hl.conj())):
            ref = naive.hadronic_tensor_qqbar_g(p1, p2, p3, chir)
            np.testing.assert_allclose(ref_closed, ref, rtol=0, atol=RTOL * np.abs(ref).max())
        # current conservation q_mu H^{mu nu} = 0
        assert np.abs((g @ q) @ hl).max() < RTOL * np.abs(hl).max() * q[0]


# --------------------------------------------------------------------------- 2. crossing
def test_crossing_relations() -> None:
    """q g and qbar g equal the q qbar' g function at crossed momenta times -(36/96)."""
    rng = np.random.default_rng(41)
    ratio = me.AVG_QG / me.AVG_QQBAR
    assert ratio == pytest.approx(36.0 / 96.0, rel=1e-15)
    for signs in MASS_SIGNS:
        for _ in range(10):
            ma, mb = masses(signs, rng)
            c = couplings("random", rng)
            p1, p2, p3, k1, k2 = random_point_2to3(rng, ma, mb)
            qg = me.me2_qg_chichi_q(p1, p2, p3, k1, k2, ma, mb, c, GS2)
            qbg = me.me2_qbarg_chichi_qbar(p1, p2, p3, k1, k2, ma, mb, c, GS2)
            x_qg = me.me2_qqbar_chichi_g(p1, -p3, -p2, k1, k2, ma, mb, c, GS2)
            x_qbg = me.me2_qqbar_chichi_g(-p3, p1, -p2, k1, k2, ma, mb, c, GS2)
            assert x_qg < 0.0  # the fermion-crossing sign
            assert x_qbg < 0.0
            assert qg == pytest.approx(-ratio * x_qg, rel=1e-12)
            assert qbg == pytest.approx(-ratio * x_qbg, rel=1e-12)


# ----------------------------------------------------------------- 3. soft and collinear
def _relative_deviations(build, scales):
    return [abs(build(x) - 1.0) for x in scales]


def test_soft_gluon_limit() -> None:
    """me2_g -> g_s^2 C_F 2 p1.p2 / (p1.p3 p2.p3) * me2 as E_g -> 0, deviation O(E_g)."""
    rng = np.random.default_rng(53)
    rs = 1000.0
    p1, p2 = beams(rs)
    for signs in MASS_SIGNS:
        ma, mb = masses(signs, rng)
        c = couplings("random", rng)
        n3 = np.concatenate([[1.0], unit(rng.uniform(-0.8, 0.8), rng.uniform(0, 2 * np.pi))])
        cos_t, phi = rng.uniform(-1, 1), rng.uniform(0, 2 * np.pi)
        k10, k20 = decay(p1 + p2, ma, mb, cos_t, phi)
        born = me.me2_qqbar_chichi(p1, p2, k10, k20, ma, mb, c)

        def ratio(lam, ma=ma, mb=mb, c=c, n3=n3, cos_t=cos_t, phi=phi, born=born):
            p3 = lam * 0.5 * rs * n3
            k1, k2 = decay(p1 + p2 - p3, ma, mb, cos_t, phi)
            eik = GS2 * CF * 2.0 * mdot(p1, p2) / (mdot(p1, p3) * mdot(p2, p3))
            return me.me2_qqbar_chichi_g(p1, p2, p3, k1, k2, ma, mb, c, GS2) / (eik * born)

        d1, d2 = _relative_deviations(ratio, (1e-3, 1e-4))
        assert d1 < 0.05
        # next-to-soft corrections are linear in the scale: d(1e-3)/d(1e-4) = 10 (+- 20 %)
        assert 8.0 < d1 / d2 < 12.0


def _collinear_momenta(p_par, p_other, z, kt, phi):
    """p3 = (1-z) p_par + kT + beta p_other, massless; kT transverse to the beam."""
    alpha = 1.0 - z
    kvec = np.array([0.0, kt * math.cos(phi), kt * math.sin(phi), 0.0])
    beta = kt * kt / (2.0 * alpha * mdot(p_par, p_other))
    return alpha * p_par + kvec + beta * p_other


def test_initial_state_collinear_qq() -> None:
    """p3 || p1: me2_g -> g_s^2/(z p1.p3) C_F (1+z^2)/(1-z) me2(z p1, p2), deviation O(kT)."""
    rng = np.random.default_rng(67)
    rs = 1200.0
    p1, p2 = beams(rs)
    for z in (0.3, 0.7):
        ma, mb = 150.0, -170.0
        c = couplings("random", rng)
        cos_t, phi = rng.uniform(-1, 1), rng.uniform(0, 2 * np.pi)
        k10, k20 = decay(z * p1 + p2, ma, mb, cos_t, phi)
        born = me.me2_qqbar_chichi(z * p1, p2, k10, k20, ma, mb, c)

        def ratio(kt, z=z, c=c, cos_t=cos_t, phi=phi, born=born, ma=ma, mb=mb):
            p3 = _collinear_momenta(p1, p2, z, kt, 0.4)
            k1, k2 = decay(p1 + p2 - p3, ma, mb, cos_t, phi)
            split = GS2 / (z * mdot(p1, p3)) * CF * (1.0 + z * z) / (1.0 - z)
            return me.me2_qqbar_chichi_g(p1, p2, p3, k1, k2, ma, mb, c, GS2) / (split * born)

        d1, d2 = _relative_deviations(ratio, (1e-2, 1e-3))  # kT in GeV
        assert d1 < 1e-3
        assert 8.0 < d1 / d2 < 12.0


def test_initial_state_collinear_qg() -> None:
    """q g -> chi chi q' with p3 || p2 (g -> qbar' q'): -> g_s^2/(z p2.p3) T_R (z^2+(1-z)^2)
    * me2_qqbar(p1, z p2), averaged as q qbar' on the right, as q g on the left."""
    rng = np.random.default_rng(71)
    rs = 1200.0
    p1, p2 = beams(rs)
    for z in (0.35, 0.8):
        ma, mb = -140.0, 160.0
        c = couplings("random", rng)
        cos_t, phi = rng.uniform(-1, 1), rng.uniform(0, 2 * np.pi)
        k10, k20 = decay(p1 + z * p2, ma, mb, cos_t, phi)
        born = me.me2_qqbar_chichi(p1, z * p2, k10, k20, ma, mb, c)

        def ratio(kt, z=z, c=c, cos_t=cos_t, phi=phi, born=born, ma=ma, mb=mb):
            p3 = _collinear_momenta(p2, p1, z, kt, 1.1)
            k1, k2 = decay(p1 + p2 - p3, ma, mb, cos_t, phi)
            split = GS2 / (z * mdot(p2, p3)) * TR * (z * z + (1.0 - z) ** 2)
            return me.me2_qg_chichi_q(p1, p2, p3, k1, k2, ma, mb, c, GS2) / (split * born)

        d1, d2 = _relative_deviations(ratio, (1e-2, 1e-3))
        assert d1 < 1e-3
        assert 8.0 < d1 / d2 < 12.0


# -------------------------------------------------------- 4. integrating out the chi pair
def _angular_average(func, p1, p2, p3, ma, mb, c):
    """<f>_Omega over the chi direction in the Q rest frame. |M|^2 is a polynomial of
    degree 2 in the chi direction: 3 Gauss-Legendre nodes in cos(theta) and 5 equally
    spaced phi nodes are exact."""
    x, w = np.polynomial.legendre.leggauss(3)
    phis = 2.0 * np.pi * (np.arange(5) + 0.25) / 5.0
    q = p1 + p2 - p3
    tot = 0.0
    for xi, wi in zip(x, w, strict=True):
        for ph in phis:
            k1, k2 = decay(q, ma, mb, xi, ph)
            tot += 0.5 * wi / 5.0 * func(p1, p2, p3, k1, k2, ma, mb, c, GS2)
    return tot


@pytest.mark.parametrize("kind", COUPLING_KINDS)
def test_chi_pair_integrated_is_drell_yan_plus_jet(kind) -> None:
    """<me2_g>_Omega = K (t^2 + u^2 + 2 s Q^2)/(t u) at fixed Q^2, with docs Eq. (5.3)
    K = 8/9 g_s^2 [ S (2 Q^4 - Q^2 (ma^2 + mb^2) - (ma^2 - mb^2)^2)/(6 Q^2) + 2 ma mb X ]
      = 2 C_F g_s^2 <me2_qqbar_chichi>(s = Q^2) / Q^2 = 32 pi C_F g_s^2 sigma_hat(Q^2) / beta."""
    rng = np.random.default_rng(83)
    c = couplings(kind, rng)
    same = abs(c[0]) ** 2 + abs(c[3]) ** 2
    opp = abs(c[1]) ** 2 + abs(c[2]) ** 2
    mix = (c[0] * np.conj(c[1]) + c[2] * np.conj(c[3])).real
    for ma, mb in ((130.0, 150.0), (130.0, -150.0)):
        q2 = 400.0**2
        k_ref = (
            8.0
            / 9.0
            * GS2
            * (
                (same + opp)
                * (2 * q2 * q2 - q2 * (ma**2 + mb**2) - (ma**2 - mb**2) ** 2)
                / (6 * q2)
                + 2.0 * ma * mb * mix
            )
        )
        beta = math.sqrt((q2 - ma * ma - mb * mb) ** 2 - 4 * ma * ma * mb * mb) / q2
        sig = me.sigma_hat_qqbar_chichi(q2, ma, mb, c)
        assert k_ref == pytest.approx(32 * math.pi * CF * GS2 * sig / beta, rel=RTOL)
        for rs, cos3 in ((500.0, 0.3), (800.0, -0.6), (1500.0, 0.9), (3000.0, 0.0), (700.0, -0.95)):
            s = rs * rs
            p1, p2 = beams(rs, bz=0.2)
            # gluon at angle cos3 in the partonic frame with E3 = (s - Q^2)/(2 rs), boosted
            p3 = (s - q2) / (2 * rs) * np.concatenate([[1.0], unit(cos3, 0.3)])
            p3 = boost(p3, np.array([0.0, 0.0, 0.2]))
            t, u = -2 * mdot(p1, p3), -2 * mdot(p2, p3)
            assert s + t + u == pytest.approx(q2, rel=1e-12)
            shape = (t * t + u * u + 2 * s * q2) / (t * u)
            avg = _angular_average(me.me2_qqbar_chichi_g, p1, p2, p3, ma, mb, c)
            assert avg / shape == pytest.approx(k_ref, rel=RTOL)


# ------------------------------------------------------------------ 5. 2 -> 2 cross section
@pytest.mark.parametrize("signs", MASS_SIGNS)
def test_sigma_hat_vs_angular_integration(signs) -> None:
    """sigma_hat vs beta/(16 pi s) <me2_qqbar_chichi> (3-point Gauss-Legendre, exact)."""
    rng = np.random.default_rng(_seed(97, signs, ""))
    x, w = np.polynomial.legendre.leggauss(3)
    for _ in range(N_POINTS):
        ma, mb = masses(signs, rng)
        c = couplings("random", rng)
        rs = abs(ma) + abs(mb) + 0.5 + 3000.0 * rng.random()
        s = rs * rs
        p1, p2 = beams(rs, bz=-0.3)
        avg = sum(
            0.5 * wi * me.me2_qqbar_chichi(p1, p2, *decay(p1 + p2, ma, mb, xi, 2.0), ma, mb, c)
            for xi, wi in zip(x, w, strict=True)
        )
        beta = math.sqrt((s - ma * ma - mb * mb) ** 2 - 4 * ma * ma * mb * mb) / s
        assert me.sigma_hat_qqbar_chichi(s, ma, mb, c) == pytest.approx(
            beta / (16 * math.pi * s) * avg, rel=RTOL
        )


def test_sigma_hat_textbook_limits() -> None:
    """Photon exchange, C_ij = e^2 Q_q Q_f / s for all ij (pure vector):
    massless: sigma = 4 pi alpha^2 Q_q^2 Q_f^2 / (9 s) (Drell-Yan, 1/N_c included);
    equal masses m, same sign: times beta (3 - beta^2) / 2; opposite signs (m, -m): times
    beta^3 (P-wave threshold); below threshold: 0."""
    alpha, qq, qf = 1.0 / 128.0, 2.0 / 3.0, -1.0
    for s in (200.0**2, 1000.0**2, 5000.0**2):
        c = np.full(4, 4 * math.pi * alpha * qq * qf / s, dtype=complex)
        sigma0 = 4 * math.pi * alpha**2 * qq**2 * qf**2 / (9 * s)
        assert me.sigma_hat_qqbar_chichi(s, 0.0, 0.0, c) == pytest.approx(sigma0, rel=1e-13)
        m = 0.3 * math.sqrt(s)
        beta = math.sqrt(1 - 4 * m * m / s)
        assert me.sigma_hat_qqbar_chichi(s, m, m, c) == pytest.approx(
            sigma0 * beta * (3 - beta**2) / 2, rel=1e-13
        )
        assert me.sigma_hat_qqbar_chichi(s, m, -m, c) == pytest.approx(sigma0 * beta**3, rel=1e-12)
        assert me.sigma_hat_qqbar_chichi(s, -m, -m, c) == me.sigma_hat_qqbar_chichi(s, m, m, c)
        assert me.sigma_hat_qqbar_chichi(s, 0.6 * math.sqrt(s), -0.5 * math.sqrt(s), c) == 0.0


def test_singular_points_do_not_raise() -> None:
    """Exactly collinear gluon (p1.p3 = 0): the kernel returns inf/NaN instead of raising."""
    rs = 1000.0
    p1, p2 = beams(rs)
    p3 = 0.2 * p1
    k1, k2 = decay(p1 + p2 - p3, 100.0, -110.0, 0.3, 0.2)
    c = couplings("random", np.random.default_rng(3))
    assert not np.isfinite(me.me2_qqbar_chichi_g(p1, p2, p3, k1, k2, 100.0, -110.0, c, GS2))


# ------------------------------------------------ 6. phase-space helpers of the generator
def test_two_body_decay_matches_reference_boost() -> None:
    """kinematics.two_body_decay (boost with gamma = E/M, no square root) against the
    reference decay of this file (naive.boost with beta = P/E): same daughters to rounding
    (1e-12 of the parent energy), k1 + k2 = parent, and closed channels rejected."""
    rng = np.random.default_rng(83)
    k1, k2 = np.zeros(4), np.zeros(4)
    for _ in range(50):
        ma, mb = rng.uniform(80.0, 300.0), -rng.uniform(80.0, 300.0)
        m = abs(ma) + abs(mb) + rng.uniform(0.1, 800.0)
        pvec = rng.normal(size=3) * rng.uniform(10.0, 3000.0)
        parent = np.concatenate([[math.sqrt(m * m + pvec @ pvec)], pvec])
        cos_t, phi = rng.uniform(-1.0, 1.0), rng.uniform(0.0, 2.0 * np.pi)
        assert two_body_decay(parent, m, ma, mb, cos_t, phi, k1, k2)
        r1, r2 = decay(parent, ma, mb, cos_t, phi)
        np.testing.assert_allclose(k1, r1, rtol=0, atol=1e-12 * parent[0])
        np.testing.assert_allclose(k2, r2, rtol=0, atol=1e-12 * parent[0])
        # k2 = parent - k1: the sum is off by two roundings of components <= E at most
        np.testing.assert_allclose(k1 + k2, parent, rtol=0, atol=1e-15 * parent[0])
    assert not two_body_decay(parent, 100.0, 60.0, -50.0, 0.3, 0.2, k1, k2)


@pytest.mark.parametrize("a", [2.0, 1.6, 0.5])
def test_power_law_draw_is_the_inverse_cdf(a: float) -> None:
    """u(r) = (lo^e + r (hi^e - lo^e))^(1/e), e = 1 - a, and weight 1/g(u) with
    g(u) = e u^-a / (hi^e - lo^e), evaluated here with numpy powers; the a = 2 path (no
    pow) and the generic one agree with it to rounding (a few ulp of chained pow/division:
    1e-13). The ends map onto lo and hi."""
    lo, hi = 230.0**2, 13_000.0**2
    e = 1.0 - a
    r = np.concatenate([[0.0, 1.0], np.random.default_rng(89).random(200)])
    u_ref = (lo**e + r * (hi**e - lo**e)) ** (1.0 / e)
    w_ref = (hi**e - lo**e) / (e * u_ref**-a)
    got = np.array([sample_power_law(ri, lo, hi, a) for ri in r])
    np.testing.assert_allclose(got[:, 0], u_ref, rtol=1e-13)
    np.testing.assert_allclose(got[:, 1], w_ref, rtol=1e-13)
    # at r = 1 the inversion cancels lo^e against lo^e: relative error ~ eps (hi/lo)^|e|
    tol = 8.0 * np.finfo(float).eps * (hi / lo) ** abs(e)
    assert got[0, 0] == pytest.approx(lo, rel=1e-14)
    assert got[1, 0] == pytest.approx(hi, rel=tol)
    consts = power_law_setup(lo, hi, a)
    assert power_law_draw(0.37, *consts) == sample_power_law(0.37, lo, hi, a)
