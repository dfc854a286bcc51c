"""Tests of higgsino_sim.kernels.decay_matrix_elements (docs/decay_matrix_elements.md).

1. brute force: the kernels vs |A|^2 summed over explicit helicity spinors with explicit
   Dirac matrices (tests/naive_amplitudes.py), at random Dalitz points, in a random frame,
   both signs of both electroweakino masses, m1 != m2, complex couplings, inv_mv2 = 0 and
   1/(10 GeV)^2 (large enough that the q_mu q_nu term changes |A|^2 by >= 1e-6 = 1e4 x RTOL);
2. the Nojiri-Yamada Dalitz density used by ATLAS and CMS (pure-Higgsino Z coupling), and
   the CMS TChiWZ normalisation constants, a published number;
3. the one-pion closed form of Chen, Drees & Gunion and its wino width; the t-integrated
   two-pion rate vs the SOFTSUSY/CDG bracket; massless fermion pair vs two-pion current;
4. symmetries: a mass sign flip equals a_l -> -a_l, parity, charge conjugation of the
   fermion line (t <-> u), complex conjugation and rephasing of the couplings.

Tolerances. The closed forms are short sums of products of dot products that the kernel
builds from (q2, t); the brute force multiplies explicit 4x4 matrices. Both round at
<~1e-13 relative at the points used (the measured worst case is quoted at each test);
1e-10 leaves a margin of >= 100 while any wrong term larger than ~1e-10 of the total fails
(the mass and q_mu q_nu terms are >= 3e-4 of the total at these points).
"""

from __future__ import annotations

import importlib.util
import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from higgsino_sim.kernels import decay_matrix_elements as dme

_spec = importlib.util.spec_from_file_location(
    "naive_amplitudes", Path(__file__).resolve().parents[1] / "naive_amplitudes.py"
)
naive = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(naive)

RTOL = 1e-10  # rounding-level agreement, see module docstring
INV_MV2 = [0.0, 1.0 / 10.0**2]
MASS_SIGNS = [(1, 1), (1, -1), (-1, 1), (-1, -1)]
N_POINTS = 6


# ----------------------------------------------------------------------------- kinematics
def lam(a: float, b: float, c: float) -> float:
    """Kallen function."""
    return a * a + b * b + c * c - 2.0 * (a * b + a * c + b * c)


mdot, boost, unit = naive.mdot, naive.boost, naive.unit


def t_range(M: float, m: float, m1: float, m2: float, q2: float) -> tuple[float, float]:
    """Limits of t = (k + p1)^2 at fixed q2 (PDG kinematics review, Dalitz plot)."""
    sq = math.sqrt(q2)
    e_k = (M * M - m * m - q2) / (2.0 * sq)  # energies and momenta in the q rest frame
    e_1 = (q2 + m1 * m1 - m2 * m2) / (2.0 * sq)
    pk = math.sqrt(max(0.0, e_k * e_k - m * m))
    p1 = math.sqrt(max(0.0, lam(q2, m1 * m1, m2 * m2))) / (2.0 * sq)
    mid = m * m + m1 * m1 + 2.0 * e_k * e_1
    return mid - 2.0 * pk * p1, mid + 2.0 * pk * p1


def random_dalitz(rng: np.random.Generator, M: float, m: float, m1: float, m2: float):
    """(q2, t) inside the Dalitz plot, 5 % away from its edges."""
    q2 = (m1 + m2) ** 2 + rng.uniform(0.05, 0.95) * ((abs(M) - abs(m)) ** 2 - (m1 + m2) ** 2)
    lo, hi = t_range(M, m, m1, m2, q2)
    return q2, lo + rng.uniform(0.05, 0.95) * (hi - lo)


def decay_momenta(rng, M, m, m1, m2, q2, t):
    """Explicit P, k, p1, p2 for the invariants (q2, t), in a random boosted frame."""
    sq = math.sqrt(q2)
    e_k = (M * M - m * m - q2) / (2.0 * sq)
    e_1 = (q2 + m1 * m1 - m2 * m2) / (2.0 * sq)
    pk = math.sqrt(e_k * e_k - m * m)
    p1 = math.sqrt(lam(q2, m1 * m1, m2 * m2)) / (2.0 * sq)
    # q rest frame, k along -z; t = m^2 + m1^2 + 2 (e_k e_1 + pk p1 cos)
    cos_t = (0.5 * (t - m * m - m1 * m1) - e_k * e_1) / (pk * p1)
    n = unit(cos_t, rng.uniform(0.0, 2.0 * math.pi))
    mom = {
        "k": np.array([e_k, 0.0, 0.0, -pk]),
        "p1": np.concatenate([[e_1], p1 * n]),
        "p2": np.concatenate([[sq - e_1], -p1 * n]),
    }
    beta = unit(rng.uniform(-1, 1), rng.uniform(0, 2 * math.pi)) * rng.uniform(0.1, 0.9)
    mom = {key: boost(v, beta) for key, v in mom.items()}
    mom["P"] = mom["k"] + mom["p1"] + mom["p2"]
    return mom


def rand_c(rng: np.random.Generator) -> complex:
    return complex(rng.normal(), rng.normal())


# ----------------------------------------------------------------------------- brute force
def chi_currents(P, M, k, m, a_l, a_r) -> list[np.ndarray]:
    """J^mu = ubar(k) g^mu (a_l P_L + a_r P_R) u(P) for the four helicity pairs."""
    vert = a_l * naive.PROJ[0] + a_r * naive.PROJ[1]
    return [
        np.array([naive.bar(uk) @ naive.GAMMA[mu] @ vert @ up for mu in range(4)])
        for uk, up in itertools.product(naive.u_spinors(k, m), naive.u_spinors(P, M))
    ]


def fermion_currents(p1, m1, p2, m2, b_l, b_r) -> list[np.ndarray]:
    """J^nu = ubar(p1) g^nu (b_l P_L + b_r P_R) v(p2) for the four helicity pairs."""
    vert = b_l * naive.PROJ[0] + b_r * naive.PROJ[1]
    return [
        np.array([naive.bar(u1) @ naive.GAMMA[nu] @ vert @ v2 for nu in range(4)])
        for u1, v2 in itertools.product(naive.u_spinors(p1, m1), naive.v_spinors(p2, m2))
    ]


def contract(jc: np.ndarray, jx: np.ndarray, q: np.ndarray, inv_mv2: float) -> complex:
    """jc^mu (-g_mu,nu + q_mu q_nu inv_mv2) jx^nu."""
    return -naive.dot(jc, jx) + inv_mv2 * naive.dot(q, jc) * naive.dot(q, jx)


def brute_fermion(mom, M, m, m1, m2, a_l, a_r, b_l, b_r, inv_mv2) -> float:
    q = mom["p1"] + mom["p2"]
    jcs = chi_currents(mom["P"], M, mom["k"], m, a_l, a_r)
    jfs = fermion_currents(mom["p1"], m1, mom["p2"], m2, b_l, b_r)
    return sum(abs(contract(jc, jf, q, inv_mv2)) ** 2 for jc in jcs for jf in jfs)


def brute_vector(P, M, k, m, a_l, a_r, vec, inv_mv2) -> float:
    """sum over chi spins of |J_chi . D . vec|^2 for a c-number current vec."""
    q = P - k
    return sum(abs(contract(jc, vec, q, inv_mv2)) ** 2 for jc in chi_currents(P, M, k, m, a_l, a_r))


def invariants(mom) -> tuple[float, float]:
    q = mom["p1"] + mom["p2"]
    kp = mom["k"] + mom["p1"]
    return mdot(q, q), mdot(kp, kp)


def random_masses(rng, signs):
    M = signs[0] * rng.uniform(150.0, 250.0)
    m = signs[1] * rng.uniform(40.0, 140.0)
    if rng.random() < 0.3:  # compressed, Higgsino-like
        m = signs[1] * (abs(M) - rng.uniform(8.0, 15.0))
    m1, m2 = rng.uniform(2.5, 5.0), rng.uniform(0.5, 2.0)  # m1 - m2 > 0.5 GeV
    if rng.random() < 0.5:
        m1, m2 = m2, m1
    return M, m, m1, m2


# ----------------------------------------------------------------------------- 1. brute force
def test_reference_spin_sums() -> None:
    """The reference spinors obey u ubar = pslash + M and v vbar = pslash - m for signed masses."""
    rng = np.random.default_rng(3)
    for mass in (1.7, 130.0, -130.0):
        p = np.concatenate([[0.0], rng.normal(size=3) * 50.0])
        p[0] = math.sqrt(p[1:] @ p[1:] + mass * mass)
        su = sum(np.outer(u, naive.bar(u)) for u in naive.u_spinors(p, mass))
        sv = sum(np.outer(v, naive.bar(v)) for v in naive.v_spinors(p, mass))
        np.testing.assert_allclose(su, naive.slash(p) + mass * np.eye(4), atol=1e-12 * p[0])
        np.testing.assert_allclose(sv, naive.slash(p) - mass * np.eye(4), atol=1e-12 * p[0])


def test_dot_products() -> None:
    rng = np.random.default_rng(11)
    M, m, m1, m2 = 180.0, -95.0, 1.777, 0.3
    q2, t = random_dalitz(rng, M, m, m1, m2)
    mom = decay_momenta(rng, M, m, m1, m2, q2, t)
    got = dme.dot_products(M, m, m1, m2, q2, t)
    pairs = [("P", "k"), ("P", "p1"), ("P", "p2"), ("k", "p1"), ("k", "p2"), ("p1", "p2")]
    want = [mdot(mom[a], mom[b]) for a, b in pairs]
    np.testing.assert_allclose(got, want, rtol=1e-11)  # explicit momenta carry ~1e-13 rounding


@pytest.mark.parametrize("inv_mv2", INV_MV2)
@pytest.mark.parametrize("signs", MASS_SIGNS)
def test_fermion_current_vs_brute_force(signs, inv_mv2) -> None:
    """me2_fermion_current vs explicit spinors: measured worst |rel| ~ 1e-14."""
    rng = np.random.default_rng([1, signs[0] + 1, signs[1] + 1, int(inv_mv2 > 0)])
    for _ in range(N_POINTS):
        M, m, m1, m2 = random_masses(rng, signs)
        a_l, a_r, b_l, b_r = (rand_c(rng) for _ in range(4))
        q2, t = random_dalitz(rng, M, m, m1, m2)
        mom = decay_momenta(rng, M, m, m1, m2, q2, t)
        q2, t = invariants(mom)  # use the invariants of the explicit momenta
        ref = brute_fermion(mom, M, m, m1, m2, a_l, a_r, b_l, b_r, inv_mv2)
        got = dme.me2_fermion_current(M, m, m1, m2, a_l, a_r, b_l, b_r, inv_mv2, q2, t)
        assert got == pytest.approx(ref, rel=RTOL)
        if inv_mv2 > 0.0:  # the q_mu q_nu term is >= 1e4 x RTOL here (measured >= 7e-3)
            g_only = dme.me2_fermion_current(M, m, m1, m2, a_l, a_r, b_l, b_r, 0.0, q2, t)
            assert abs(got - g_only) > 1e-6 * got


@pytest.mark.parametrize("inv_mv2", INV_MV2)
@pytest.mark.parametrize("signs", MASS_SIGNS)
def test_pipi_current_vs_brute_force(signs, inv_mv2) -> None:
    """me2_pipi_current vs explicit spinors (unequal pion masses so inv_mv2 matters)."""
    rng = np.random.default_rng([2, signs[0] + 1, signs[1] + 1, int(inv_mv2 > 0)])
    for _ in range(N_POINTS):
        M, m, m1, m2 = random_masses(rng, signs)
        a_l, a_r = rand_c(rng), rand_c(rng)
        q2, t = random_dalitz(rng, M, m, m1, m2)
        mom = decay_momenta(rng, M, m, m1, m2, q2, t)
        q2, t = invariants(mom)
        ref = brute_vector(mom["P"], M, mom["k"], m, a_l, a_r, mom["p1"] - mom["p2"], inv_mv2)
        got = dme.me2_pipi_current(M, m, m1, m2, a_l, a_r, inv_mv2, q2, t)
        assert got == pytest.approx(ref, rel=RTOL)
        if inv_mv2 > 0.0:  # the q_mu q_nu term is >= 1e4 x RTOL here
            assert abs(got - dme.me2_pipi_current(M, m, m1, m2, a_l, a_r, 0.0, q2, t)) > 1e-6 * got


def cdg_bracket(M, m, mp, a_l, a_r) -> float:
    """Chen-Drees-Gunion braces of Gamma(chi -> chi' pi), hep-ph/9902309 (SOFTSUSY form)."""
    d2 = (M * M - m * m) ** 2
    return abs(a_l + a_r) ** 2 * (d2 - mp * mp * (M - m) ** 2) + abs(a_l - a_r) ** 2 * (
        d2 - mp * mp * (M + m) ** 2
    )


@pytest.mark.parametrize("inv_mv2", [*INV_MV2, 1.0 / 0.5**2])
@pytest.mark.parametrize("signs", MASS_SIGNS)
def test_pseudoscalar_vs_brute_force_and_cdg(signs, inv_mv2) -> None:
    """me2_pseudoscalar vs explicit spinors and vs (1 - mp^2 inv_mv2)^2 x CDG{...} / 2.

    |A|^2 ~ dm^2 M^2 while the explicit currents have terms ~ M^2: the brute force rounds at
    ~1e-16 (M/dm)^2, so its points keep dm >= 1 GeV (measured worst 4e-12); the closed form
    is compared down to dm = 0.2 GeV (measured worst 4e-16).
    """
    rng = np.random.default_rng([3, signs[0] + 1, signs[1] + 1, int(inv_mv2 * 100)])
    for _ in range(N_POINTS):
        M = signs[0] * rng.uniform(100.0, 200.0)
        mp = rng.uniform(0.1, 0.19)
        a_l, a_r = rand_c(rng), rand_c(rng)
        m = signs[1] * (abs(M) - rng.uniform(1.0, 20.0))
        # two-body decay P -> k q in the P rest frame, then boosted
        pq = math.sqrt(lam(M * M, m * m, mp * mp)) / (2.0 * abs(M))
        n = unit(rng.uniform(-1, 1), rng.uniform(0, 2 * math.pi))
        k = np.concatenate([[math.sqrt(pq * pq + m * m)], pq * n])
        q = np.concatenate([[math.sqrt(pq * pq + mp * mp)], -pq * n])
        beta = unit(rng.uniform(-1, 1), rng.uniform(0, 2 * math.pi)) * rng.uniform(0.1, 0.6)
        k, q = boost(k, beta), boost(q, beta)
        ref = brute_vector(k + q, M, k, m, a_l, a_r, q, inv_mv2)
        assert dme.me2_pseudoscalar(M, m, mp, a_l, a_r, inv_mv2) == pytest.approx(ref, rel=RTOL)
        for dm in (0.2, 1.0, 20.0):
            m = signs[1] * (abs(M) - dm)
            closed = (1.0 - mp * mp * inv_mv2) ** 2 * cdg_bracket(M, m, mp, a_l, a_r) / 2.0
            got = dme.me2_pseudoscalar(M, m, mp, a_l, a_r, inv_mv2)
            assert got == pytest.approx(closed, rel=1e-13)


def test_wino_one_pion_width() -> None:
    """Gamma(chi+ -> chi0 pi+) of a wino = (4/pi) f^2 G_F^2 dm^3 sqrt(1 - m_pi^2/dm^2).

    Source: Ibe, Mishima, Nakayama, Shirai, arXiv:2210.16035 (tree level, f_pi ~ 92 MeV, no
    |V_ud|). Caller-side normalisation (docs section 5): Haber-Kane W chi chi vertex
    g (O_L P_L + O_R P_R) with O_L = O_R = 1 for the wino, quark vertex g/sqrt2, so
    a_{l,r} = 2 sqrt2 G_F f_pi O_{L,R}, and Gamma = |p| / (8 pi M^2) x 1/2 x sum|A|^2.
    Corrections are O(dm/M) = 1.6e-4 here; tolerance 1e-3.
    """
    g_f, f_pi, m_pi = 1.1663787e-5, 0.0922, 0.13957
    M, dm = 1000.0, 0.164
    m = M - dm
    c = 2.0 * math.sqrt(2.0) * g_f * f_pi
    p = math.sqrt(lam(M * M, m * m, m_pi * m_pi)) / (2.0 * M)
    width = p / (8.0 * math.pi * M * M) * 0.5 * dme.me2_pseudoscalar(M, m, m_pi, c, c, 0.0)
    ref = 4.0 / math.pi * f_pi**2 * g_f**2 * dm**3 * math.sqrt(1.0 - (m_pi / dm) ** 2)
    assert width == pytest.approx(ref, rel=1e-3)
    # the same with the CDG formula itself: f^2 G_F^2 k / (4 pi M^2) {...} (O_L = O_R = 1)
    cdg = f_pi**2 * g_f**2 * p / (4.0 * math.pi * M * M) * cdg_bracket(M, m, m_pi, 1.0, 1.0)
    assert width == pytest.approx(cdg, rel=1e-13)


def dalitz_integral(M, m, args) -> float:
    """Int dq2 dt me2_fermion_current(M, m, 0, 0, *args, q2, t) for massless daughters."""
    from scipy import integrate

    def inner(q2):
        lo, hi = t_range(M, m, 0.0, 0.0, q2)
        return (hi - lo) * t_average(dme.me2_fermion_current, (M, m, 0.0, 0.0, *args, q2))

    qmax = (abs(M) - abs(m)) ** 2
    return integrate.quad(inner, 0.0, qmax, epsabs=0.0, epsrel=1e-11, limit=200)[0]


def test_heavy_limit_lepton_widths() -> None:
    """Pure-Higgsino leptonic widths for M >> dm, q2 << M_V^2 (docs section 5).

    dGamma = 1/((2 pi)^3 32 M^3) x 1/2 x sum|A|^2 dq2 dt (PDG kinematics); the couplings
    times 1/M_V^2 give g^4/M_W^4 = (g/c_W)^4/M_Z^4 = 32 G_F^2.
    * chi+ -> chi10 l+ nu: a_l = a_r = g/2, b_l = g/sqrt2: G_F^2 dm^5/(30 pi^3) (reference
      README section 2.3);
    * chi20 -> chi10 nu nubar: (a_l, a_r) = (g/c_W)(-1/2, 1/2), b_l = (g/c_W)/2, opposite-sign
      masses: G_F^2 dm^5/(60 pi^3); same-sign masses: 3x (Gamow-Teller, README section 3.2).
    Corrections are O(dm/M) = 1e-3 (measured -0.15 %): tolerance 5e-3.
    """
    g_f = 1.1663787e-5
    M, dm = 1000.0, 1.0
    norm = 32.0 * g_f**2 * 0.5 / ((2.0 * math.pi) ** 3 * 32.0 * M**3)
    unit_width = g_f**2 * dm**5 / math.pi**3
    cases = (
        (M - dm, (0.5, 0.5, 1.0 / math.sqrt(2.0), 0.0, 0.0), 1.0 / 30.0),
        (-(M - dm), (-0.5, 0.5, 0.5, 0.0, 0.0), 1.0 / 60.0),
        (M - dm, (-0.5, 0.5, 0.5, 0.0, 0.0), 3.0 / 60.0),
    )
    for m, args, ref in cases:
        width = norm * dalitz_integral(M, m, args)
        assert width == pytest.approx(ref * unit_width, rel=5e-3)


# ----------------------------------------------------------------------------- 2. Dalitz density
def nojiri_yamada(x: float, y: float, z: float, r: float) -> float:
    """(1-x)(x-r^2) + (1-y)(y-r^2) + 2 r z (Nojiri & Yamada, PRD 60 (1999) 015006; the form
    coded in the ATLAS NeutralinoDecay hook and the CMS TChiWZ reweighting)."""
    return (1.0 - x) * (x - r * r) + (1.0 - y) * (y - r * r) + 2.0 * r * z


@pytest.mark.parametrize("m_sign", [1, -1])
@pytest.mark.parametrize(
    ("a_l", "a_r", "r_sign"),
    [(-0.5, 0.5, 1), (0.5, 0.5, -1)],  # pure-Higgsino Z chi20 chi10 (axial); pure vector
)
def test_nojiri_yamada_density(m_sign, a_l, a_r, r_sign) -> None:
    """Massless fermions, inv_mv2 = 0, b_r = 0: me2 = b_l^2 M^4 x density, everywhere.

    x = t/M^2 = m^2(chi1 f)/M^2 (chi with the fermion p1), y = u/M^2 (chi with the
    antifermion p2), z = q2/M^2, r = m/M with signs (r < 0 for opposite-sign masses).
    Axial coupling: the density with r; vector coupling: with r -> -r. Measured worst
    relative deviation of the ratio ~2e-15.
    """
    rng = np.random.default_rng([4, m_sign + 1, r_sign + 1])
    b_l = 0.7
    for M, dm in ((150.0, 10.0), (300.0, 30.0), (-120.0, 1.5), (250.0, 120.0)):
        m = m_sign * (abs(M) - dm) * math.copysign(1.0, M)
        r = m / M
        for _ in range(20):
            q2, t = random_dalitz(rng, M, m, 0.0, 0.0)
            u = M * M + m * m - q2 - t
            got = dme.me2_fermion_current(M, m, 0.0, 0.0, a_l, a_r, b_l, 0.0, 0.0, q2, t)
            dens = nojiri_yamada(t / M**2, u / M**2, q2 / M**2, r_sign * r)
            assert got / (b_l**2 * M**4 * dens) == pytest.approx(1.0, rel=RTOL)


def test_cms_tchiwz_normalisation() -> None:
    """Mean of pdf = me2 / M^4 / (z - rZ^2)^2 over the Dalitz plane for (mA, mB) = (300, 270).

    CMS TChiWZ reweighting (TChiWZgridWeights-V1-S13579.dat, as quoted in
    /work/shared/reference/README.md section 3.1): constPlus = 2.82536 +- 0.0383 %,
    constMinus = 0.90392 +- 0.0622 % (their MC error), mZ = 91.1876, Z width neglected; the
    mean is over the phase space, uniform in (x, z). Our integral is exact to ~1e-9 (3-point
    Gauss-Legendre in x is exact for the quadratic, adaptive quad in z), so the tolerance is
    5 x the CMS MC error. Measured: -0.040 % (1.1 sigma) and -0.008 % (0.1 sigma).
    """
    from scipy import integrate

    M, mz = 300.0, 91.1876
    xg, wg = np.polynomial.legendre.leggauss(3)
    for m, const, rel_err in ((270.0, 2.82536, 3.83e-4), (-270.0, 0.90392, 6.22e-4)):

        def inner(q2, m=m):
            lo, hi = t_range(M, m, 0.0, 0.0, q2)
            ts = 0.5 * (hi + lo) + 0.5 * (hi - lo) * xg
            vals = [
                dme.me2_fermion_current(M, m, 0.0, 0.0, -0.5, 0.5, 1.0, 0.0, 0.0, q2, t) for t in ts
            ]
            # pdf = density / (z - rZ^2)^2 = me2 / (q2 - mZ^2)^2; uniform in (x, z) = in (t, q2)
            return 0.5 * (hi - lo) * (wg @ vals) / (q2 - mz * mz) ** 2

        def width(q2, m=m):
            lo, hi = t_range(M, m, 0.0, 0.0, q2)
            return hi - lo

        qmax = (abs(M) - abs(m)) ** 2
        num = integrate.quad(inner, 0.0, qmax, epsabs=0.0, epsrel=1e-11, limit=200)[0]
        area = integrate.quad(width, 0.0, qmax, epsabs=0.0, epsrel=1e-11, limit=200)[0]
        assert num / area == pytest.approx(const, rel=5.0 * rel_err)


# ----------------------------------------------------------------------------- 3. integrals
def t_average(kernel, args: tuple) -> float:
    """Average of kernel(*args) over t at fixed q2; args = (M, m, m1, m2, ..., q2) without t.

    3-point Gauss-Legendre: exact for the quadratic polynomials in t that these |A|^2 are.
    """
    xg, wg = np.polynomial.legendre.leggauss(3)
    lo, hi = t_range(*args[:4], args[-1])
    ts = 0.5 * (hi + lo) + 0.5 * (hi - lo) * xg
    return 0.5 * sum(w * kernel(*args, t) for t, w in zip(ts, wg, strict=True))


@pytest.mark.parametrize("signs", MASS_SIGNS)
def test_two_pion_rate_matches_softsusy_bracket(signs) -> None:
    """<me2_pipi>_t = beta^2/3 {(|a_l|^2 + |a_r|^2) [q2 (M^2 + m^2 - 2 q2) + (M^2 - m^2)^2]
    - 12 Re(a_l a_r^*) q2 M m} (docs Eq. 4.2), the integrand of the SOFTSUSY / Chen-Drees-
    Gunion Gamma(chi+ -> chi0 pi+ pi0) (reference README section 2.1). Equal pion masses:
    the q_mu q_nu term drops (q.(p1 - p2) = 0), checked with inv_mv2 != 0 too."""
    rng = np.random.default_rng([5, signs[0] + 1, signs[1] + 1])
    mpi = 0.1373
    for _ in range(N_POINTS):
        M = signs[0] * rng.uniform(100.0, 200.0)
        m = signs[1] * (abs(M) - rng.uniform(0.4, 3.0))
        a_l, a_r = rand_c(rng), rand_c(rng)
        q2 = 4 * mpi**2 + rng.uniform(0.05, 0.95) * ((abs(M) - abs(m)) ** 2 - 4 * mpi**2)
        beta2 = 1.0 - 4.0 * mpi**2 / q2
        bracket = (abs(a_l) ** 2 + abs(a_r) ** 2) * (
            q2 * (M * M + m * m - 2.0 * q2) + (M * M - m * m) ** 2
        ) - 12.0 * (a_l * a_r.conjugate()).real * q2 * M * m
        for inv in (0.0, 1.0 / 0.77**2):
            avg = t_average(dme.me2_pipi_current, (M, m, mpi, mpi, a_l, a_r, inv, q2))
            # the bracket cancels to ~(dm/M)^2 of its terms: 1e-9 covers rounding at dm/M >= 2e-3
            assert avg == pytest.approx(beta2 / 3.0 * bracket, rel=1e-9)


@pytest.mark.parametrize("inv_mv2", INV_MV2)
@pytest.mark.parametrize("signs", MASS_SIGNS)
def test_massless_fermions_vs_two_pions(signs, inv_mv2) -> None:
    """Massless pair: <me2_fermion>_t = 2 (|b_l|^2 + |b_r|^2) <me2_pipi(massless)>_t, since
    after the angular average both currents give (q q - q^2 g) (docs section 4.1)."""
    rng = np.random.default_rng([6, signs[0] + 1, signs[1] + 1, int(inv_mv2 > 0)])
    for _ in range(N_POINTS):
        M, m, _, _ = random_masses(rng, signs)
        a_l, a_r, b_l, b_r = (rand_c(rng) for _ in range(4))
        q2, _ = random_dalitz(rng, M, m, 0.0, 0.0)
        f = t_average(dme.me2_fermion_current, (M, m, 0.0, 0.0, a_l, a_r, b_l, b_r, inv_mv2, q2))
        p = t_average(dme.me2_pipi_current, (M, m, 0.0, 0.0, a_l, a_r, inv_mv2, q2))
        assert f == pytest.approx(2.0 * (abs(b_l) ** 2 + abs(b_r) ** 2) * p, rel=RTOL)


# ----------------------------------------------------------------------------- 4. symmetries
@pytest.mark.parametrize("inv_mv2", INV_MV2)
def test_symmetries(inv_mv2) -> None:
    """Exact identities of the amplitude (docs section 4.4), at random points:

    * u_{-M} = g5 u_M: flipping the sign of M (or m) is a_l -> -a_l (or a_r -> -a_r);
      flipping both changes nothing;
    * parity: (a_l, b_l) <-> (a_r, b_r) changes nothing;
    * charge conjugation of the fermion line, ubar(p1) g P_L v(p2) = ubar(p2) g P_R v(p1):
      (m1, b_l, t) <-> (m2, b_r, u);
    * complex conjugation and rephasing of the couplings change nothing.
    """
    rng = np.random.default_rng([7, int(inv_mv2 > 0)])
    f = dme.me2_fermion_current
    for signs in MASS_SIGNS:
        M, m, m1, m2 = random_masses(rng, signs)
        a_l, a_r, b_l, b_r = (rand_c(rng) for _ in range(4))
        q2, t = random_dalitz(rng, M, m, m1, m2)
        u = M * M + m * m + m1 * m1 + m2 * m2 - q2 - t
        ref = f(M, m, m1, m2, a_l, a_r, b_l, b_r, inv_mv2, q2, t)
        ph = complex(math.cos(0.7), math.sin(0.7))
        for val in (
            f(-M, m, m1, m2, -a_l, a_r, b_l, b_r, inv_mv2, q2, t),
            f(M, -m, m1, m2, a_l, -a_r, b_l, b_r, inv_mv2, q2, t),
            f(-M, -m, m1, m2, a_l, a_r, b_l, b_r, inv_mv2, q2, t),
            f(M, m, m1, m2, a_r, a_l, b_r, b_l, inv_mv2, q2, t),
            f(-M, -m, m1, m2, a_r, a_l, b_r, b_l, inv_mv2, q2, t),
            f(M, m, m2, m1, a_l, a_r, b_r, b_l, inv_mv2, q2, u),
            f(
                M,
                m,
                m1,
                m2,
                a_l.conjugate(),
                a_r.conjugate(),
                b_l.conjugate(),
                b_r.conjugate(),
                inv_mv2,
                q2,
                t,
            ),
            f(M, m, m1, m2, ph * a_l, ph * a_r, b_l / ph, b_r / ph, inv_mv2, q2, t),
        ):
            assert val == pytest.approx(ref, rel=1e-12)
        # a single sign flip without the coupling flip does change |A|^2 (test is not empty)
        assert abs(f(-M, m, m1, m2, a_l, a_r, b_l, b_r, inv_mv2, q2, t) - ref) > 1e-3 * ref
        g = dme.me2_pipi_current
        ref = g(M, m, m1, m2, a_l, a_r, inv_mv2, q2, t)
        assert g(-M, m, m1, m2, -a_l, a_r, inv_mv2, q2, t) == pytest.approx(ref, rel=1e-12)
        assert g(M, m, m1, m2, a_r, a_l, inv_mv2, q2, t) == pytest.approx(ref, rel=1e-12)
        # two pions: J = p1 - p2 is odd under p1 <-> p2
        assert g(M, m, m2, m1, a_l, a_r, inv_mv2, q2, u) == pytest.approx(ref, rel=1e-12)
        h = dme.me2_pseudoscalar
        ref = h(M, m, 0.14, a_l, a_r, inv_mv2)
        assert h(M, -m, 0.14, a_l, -a_r, inv_mv2) == pytest.approx(ref, rel=1e-12)


def test_real_and_complex_couplings_agree() -> None:
    """Callers pass complex(...); real floats must give the same numbers."""
    args = (180.0, -150.0, 1.0, 0.2)
    q2 = 50.0
    t = 0.5 * sum(t_range(*args, q2))
    a = dme.me2_fermion_current(*args, -0.4, 0.6, 0.3, -0.2, 0.01, q2, t)
    b = dme.me2_fermion_current(
        *args, complex(-0.4), complex(0.6), complex(0.3), complex(-0.2), 0.01, q2, t
    )
    assert a == b
    assert a > 0.0
