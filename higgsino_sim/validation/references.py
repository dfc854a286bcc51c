"""Independent reference calculations for the validation report and the physics tests.

Every function here is written again from a published formula (cited at the function) and
evaluated with a code path different from the product's (scipy quadrature, numerical
minimisation, closed forms), so that agreement with the generator is evidence, not a
tautology. The physics tests in ``tests/physics`` and the panels of ``hsim validate``
import them from here (one copy).

Contents
--------
- ``mll_density``: dGamma/dm_ll of chi20 -> chi10 l+ l- via an off-shell Z, signed
  eigenvalues, massless leptons (reference README sec. 3.2; Nojiri and Yamada, Phys. Rev.
  D60 (1999) 015006; the ATLAS form of arXiv:1712.08119).
- ``cdf_from_density``: a tabulated CDF of a density (trapezoid rule) for KS tests.
- ``single_pion_width``: Gamma(chi1+ -> chi10 pi+), Chen, Drees and Gunion,
  hep-ph/9902309 (reference README sec. 2.1).
- ``ks_form_factor2`` and ``two_pion_width``: the Kuhn-Santamaria rho + rho' form factor
  (Z. Phys. C48 (1990) 445) and the CDG two-pion integral (reference README sec. 2.1).
- ``lepton_width_heavy_limit``: Gamma(chi1+ -> chi10 l+ nu) for m_chi >> dm (reference
  README sec. 2.3).
- ``neutral_width_heavy_limit``: Gamma(chi20 -> chi10 nu nubar) per flavour for m_chi >> dm
  (reference README sec. 3.3).
- ``lo_sigma_quadrature``: LO inclusive sigma(pp -> chi chi) by two-dimensional adaptive
  quadrature of the analytic partonic sigma-hat over the PDFs.
- ``reference_impact_parameters``: truth (d0, dz) of a helix by numerical minimisation of
  the distance to the beam line (standard helix equations, Karimaki NIM A305 (1991) 187).

Units: GeV, mm, fb.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from scipy import integrate
from scipy.optimize import brentq, minimize_scalar

if TYPE_CHECKING:
    from higgsino_sim.pdf import PdfSet
    from higgsino_sim.spectrum import Spectrum

#: Fermi constant [GeV^-2], PDG 2024 (the product takes CODATA's via scipy.constants; the
#: two differ by 1e-7 relative).
G_F_PDG = 1.1663787e-5
#: Charged-pion mass [GeV], PDG 2024.
M_PI_PDG = 0.13957039
#: Z mass [GeV], PDG 2024.
M_Z_PDG = 91.1876
#: Electron and muon masses [GeV], PDG 2024.
M_E_PDG = 0.00051099895
M_MU_PDG = 0.1056583755

__all__ = [
    "EPS",
    "G_F_PDG",
    "HELIX_TOL_MM",
    "M_E_PDG",
    "M_MU_PDG",
    "M_PI_PDG",
    "M_Z_PDG",
    "cdf_from_density",
    "ks_form_factor2",
    "lepton_width_heavy_limit",
    "lo_sigma_quadrature",
    "mll_density",
    "neutral_width_heavy_limit",
    "reference_impact_parameters",
    "single_pion_width",
    "two_pion_width",
]


# ------------------------------------------------------------------------------ m_ll


def mll_density(m: np.ndarray, m1: float, m2: float, m_z: float = M_Z_PDG) -> np.ndarray:
    """Unnormalised dGamma/dm_ll of chi20 -> chi10 l+ l- via an off-shell Z.

    Parameters
    ----------
    m : ndarray of float64
        Dilepton invariant mass m_ll [GeV].
    m1, m2 : float
        *Signed* mass eigenvalues of chi10 and chi20 [GeV]; opposite signs are the
        Higgsino case, equal signs the wino/bino-like case.
    m_z : float
        Z mass [GeV] (Z width neglected: (Gamma_Z / m_Z)^2 ~ 1e-3 at m_ll << m_Z).

    Returns
    -------
    ndarray of float64
        The density (arbitrary normalisation), zero above the end point
        min(|m2 + m1|, |m2 - m1|) = ||m2| - |m1||.

    Notes
    -----
    Reference README sec. 3.2 (Nojiri-Yamada Dalitz density integrated at fixed m_ll,
    massless leptons): with mu = m2 + m1, Delta = m2 - m1,
    dGamma/dm_ll ~ m_ll sqrt(m_ll^4 - m_ll^2 (mu^2 + Delta^2) + mu^2 Delta^2)
    [-2 m_ll^4 + m_ll^2 (2 mu^2 - Delta^2) + mu^2 Delta^2] / (m_ll^2 - m_Z^2)^2.
    """
    m = np.asarray(m, dtype=float)
    mu, de = m2 + m1, m2 - m1
    m2_ = m * m
    root = np.sqrt(np.maximum(m2_**2 - m2_ * (mu**2 + de**2) + mu**2 * de**2, 0.0))
    poly = -2 * m2_**2 + m2_ * (2 * mu**2 - de**2) + mu**2 * de**2
    end = min(abs(mu), abs(de))
    return np.where(m <= end, m * root * poly / (m2_ - m_z**2) ** 2, 0.0)


def cdf_from_density(density: Callable[[np.ndarray], np.ndarray], lo: float, hi: float,
                     n: int = 20001) -> Callable[[np.ndarray], np.ndarray]:
    """CDF of ``density`` on [lo, hi] tabulated on ``n`` points (trapezoid rule).

    With n = 20001 points the interpolation error of a smooth density is O(1e-8), far below
    the KS resolution 1/sqrt(N) of any sample used with it.
    """
    grid = np.linspace(lo, hi, n)
    cum = integrate.cumulative_trapezoid(density(grid), grid, initial=0.0)
    cum /= cum[-1]
    return lambda x: np.interp(x, grid, cum)


# ------------------------------------------------------------------- chargino widths


def single_pion_width(m_c: float, m_n: float, f_pi_big: float, v_ud: float,
                      o_l: float = 0.5, o_r: float = 0.5, g_f: float = G_F_PDG,
                      m_pi: float = M_PI_PDG) -> float:
    """Gamma(chi1+ -> chi10 pi+) [GeV], Chen, Drees and Gunion, hep-ph/9902309.

    Parameters
    ----------
    m_c, m_n : float
        Chargino and neutralino masses [GeV] (physical, the neutralino eigenvalue of the
        chargino's sign).
    f_pi_big : float
        Pion decay constant F_pi ~ 130 MeV convention [GeV]; the formula uses
        f_pi = F_pi / sqrt2.
    v_ud : float
        |V_ud| (SOFTSUSY's implementation omits it).
    o_l, o_r : float
        W chi10 chi1+ couplings (1/2, 1/2 for a pure Higgsino).

    Notes
    -----
    As implemented in SOFTSUSY (reference README sec. 2.1):
    Gamma = f_pi^2 G_F^2 |V_ud|^2 k / (4 pi m_C^2) {|O_L + O_R|^2 [(m_C^2 - m_N^2)^2
    - m_pi^2 (m_C - m_N)^2] + |O_L - O_R|^2 [(m_C^2 - m_N^2)^2 - m_pi^2 (m_C + m_N)^2]},
    k the pion momentum in the chargino rest frame. Exact two-body formula (contact W);
    valid for any dm > m_pi.
    """
    mc, mn = m_c, m_n
    if mc - mn <= m_pi:
        return 0.0
    f = f_pi_big / math.sqrt(2.0)
    k = math.sqrt((mc**2 - (mn + m_pi) ** 2) * (mc**2 - (mn - m_pi) ** 2)) / (2 * mc)
    bracket = abs(o_l + o_r) ** 2 * ((mc**2 - mn**2) ** 2 - m_pi**2 * (mc - mn) ** 2) + abs(
        o_l - o_r
    ) ** 2 * ((mc**2 - mn**2) ** 2 - m_pi**2 * (mc + mn) ** 2)
    return f**2 * g_f**2 * v_ud**2 * k / (4 * math.pi * mc**2) * bracket


def ks_form_factor2(q2: float, m_pi: float = M_PI_PDG) -> float:
    """|F_pi(q^2)|^2, Kuhn-Santamaria rho + rho' form factor, Z. Phys. C48 (1990) 445.

    Breit-Wigners with p-wave energy-dependent widths; rho (0.773, 0.145) GeV, rho'
    (1.370, 0.510) GeV, beta = -0.145 (the paper's tau fit). ``q2`` in GeV^2.
    """

    def bw(m: float, g: float) -> complex:
        p = math.sqrt(q2 / 4 - m_pi**2)
        pm = math.sqrt(m**2 / 4 - m_pi**2)
        width = g * (m**2 / q2) * (p / pm) ** 3
        return m**2 / (m**2 - q2 - 1j * math.sqrt(q2) * width)

    beta = -0.145
    return abs((bw(0.773, 0.145) + beta * bw(1.370, 0.510)) / (1 + beta)) ** 2


def two_pion_width(m_c: float, m_n: float, q_hi: float, v_ud: float, m_w: float,
                   gamma_w: float, o_l: float = 0.5, o_r: float = 0.5, g_f: float = G_F_PDG,
                   m_pi: float = M_PI_PDG) -> float:
    """Gamma(chi1+ -> chi10 pi+ pi0) [GeV] for pi pi masses up to ``q_hi`` [GeV].

    Notes
    -----
    Chen, Drees and Gunion, hep-ph/9902309, as in reference README sec. 2.1:
    Gamma = G_F^2 |V_ud|^2 / (192 pi^3 m_C^3) Int dq^2 |F(q^2)|^2 (1 - 4 m_pi^2/q^2)^(3/2)
    lambda^(1/2)(m_C^2, m_N^2, q^2) {(|O_L|^2 + |O_R|^2)[q^2 (m_C^2 + m_N^2 - 2 q^2)
    + (m_C^2 - m_N^2)^2] - 12 O_L O_R q^2 m_C m_N},
    with equal pion masses (the formula's assumption) and the W propagator restored
    relative to the contact interaction, m_W^4 / ((q^2 - m_W^2)^2 + (q^2 Gamma_W/m_W)^2).
    Quadrature to 1e-11 relative.
    """
    mc, mn = m_c, m_n

    def integrand(q2: float) -> float:
        lam = (mc**2 - mn**2 - q2) ** 2 - 4 * mn**2 * q2
        brace = (o_l**2 + o_r**2) * (q2 * (mc**2 + mn**2 - 2 * q2) + (mc**2 - mn**2) ** 2) - (
            12 * o_l * o_r * q2 * mc * mn
        )
        prop = m_w**4 / ((q2 - m_w**2) ** 2 + (q2 * gamma_w / m_w) ** 2)
        return (ks_form_factor2(q2, m_pi) * (1 - 4 * m_pi**2 / q2) ** 1.5
                * math.sqrt(max(lam, 0.0)) * brace * prop)

    hi = min(q_hi, mc - mn)
    if hi <= 2 * m_pi:
        return 0.0
    val, _err = integrate.quad(integrand, 4 * m_pi**2, hi**2, epsabs=0, epsrel=1e-11,
                               limit=200)
    return g_f**2 * v_ud**2 / (192 * math.pi**3 * mc**3) * val


def lepton_width_heavy_limit(dm: float, m_l: float, g_f: float = G_F_PDG) -> float:
    """Gamma(chi1+ -> chi10 l+ nu) [GeV] of a pure Higgsino for m_chi >> dm.

    Reference README sec. 2.3: Gamma = G_F^2 / pi^3 Int_{m_l}^{dm} E sqrt(E^2 - m_l^2)
    (dm - E)^2 dE (-> G_F^2 dm^5 / (30 pi^3) for m_l -> 0). Corrections O(dm / m_chi).
    """
    if dm <= m_l:
        return 0.0
    val, _ = integrate.quad(lambda e: e * math.sqrt(e * e - m_l * m_l) * (dm - e) ** 2, m_l,
                            dm, epsabs=0, epsrel=1e-12)
    return g_f**2 / math.pi**3 * val


def neutral_width_heavy_limit(dm0: float, same_sign: bool = False,
                              g_f: float = G_F_PDG) -> float:
    """Gamma(chi20 -> chi10 nu nubar) per neutrino flavour [GeV] for m_chi >> dm0.

    Reference README sec. 3.3 with |O''|^2 = 1/4 (docs/decays.md sec. 7):
    Gamma = N_c (g_L^2 + g_R^2) G_F^2 dm0^5 / (15 pi^3) with N_c = 1, g_L = 1/2, g_R = 0
    for opposite-sign eigenvalues (the Higgsino); same-sign eigenvalues give 3x (Fermi vs
    Gamow-Teller transition, reference README sec. 3.2). Corrections O(dm0 / m_chi).
    """
    return 0.25 * g_f**2 * dm0**5 / (15 * math.pi**3) * (3.0 if same_sign else 1.0)


# ------------------------------------------------------------------- cross sections


def lo_sigma_quadrature(key: str, spec: Spectrum, pdf: PdfSet, sqrt_s: float,
                        epsrel: float = 1e-6) -> float:
    """LO inclusive sigma(pp -> chi_a chi_b) of subprocess ``key`` [fb] by quadrature.

    sigma = sum_(q qbar') w Int dln(tau) tau Int dY [f_q(x1) f_qbar'(x2) + (1 <-> 2)]
    sigma_hat(tau s) / (x1 x2), x1,2 = sqrt(tau) e^(+-Y), at the fixed scale
    mu_F = (|m_a| + |m_b|)/2 of the generator's LO integration; sigma-hat is the analytic
    partonic cross section (kernels.matrix_elements.sigma_hat_qqbar_chichi, checked against
    the numerically integrated |M|^2 in tests/unit) and the integrals are scipy adaptive
    quadrature (relative precision ``epsrel`` outer, 0.1 epsrel inner), i.e. a path
    independent of the generator's importance-sampled Monte Carlo.
    """
    from higgsino_sim import constants as sm
    from higgsino_sim.kernels.hard_process import _couplings
    from higgsino_sim.kernels.matrix_elements import sigma_hat_qqbar_chichi
    from higgsino_sim.kernels.pdf_interp import xfx_all
    from higgsino_sim.processes import build_subprocess, pack

    sub = build_subprocess(key, spec)
    t = pack((sub,))
    s = sqrt_s**2
    ma, mb = sub.m_a, sub.m_b
    mu2 = (0.5 * (abs(ma) + abs(mb))) ** 2
    tau0 = (abs(ma) + abs(mb)) ** 2 / s
    xf1, xf2 = np.zeros(11), np.zeros(11)
    cc = np.zeros(4, dtype=np.complex128)

    def lumi_sigma(y: float, tau: float) -> float:
        x1, x2 = math.sqrt(tau) * math.exp(y), math.sqrt(tau) * math.exp(-y)
        xfx_all(pdf.grid, x1, mu2, xf1)
        xfx_all(pdf.grid, x2, mu2, xf2)
        total = 0.0
        for k in range(t.n_pair[0]):
            c = t.pair_class[0, k]
            _couplings(t.coup, 0, c, t.n_bos, t.bos_m, t.bos_w, tau * s, cc)
            sig = sigma_hat_qqbar_chichi(tau * s, ma, mb, cc)
            iq, iqb = t.pair_q[0, k] + 5, t.pair_qb[0, k] + 5
            lum = xf1[iq] * xf2[iqb] + xf1[iqb] * xf2[iq]
            total += t.pair_w[0, k] * lum * sig
        return total / (x1 * x2)

    def outer(log_tau: float) -> float:
        tau = math.exp(log_tau)
        half = -0.5 * log_tau
        inner, _ = integrate.quad(lumi_sigma, -half, half, args=(tau,), epsrel=0.1 * epsrel)
        return inner * tau  # d tau = tau d ln tau

    val, _ = integrate.quad(outer, math.log(tau0), 0.0, epsrel=epsrel, limit=200)
    return val * sm.GEV2_TO_FB


# ---------------------------------------------------------------- impact parameters
# Helix from the vertex, signed turning angle alpha (> 0 forwards along the momentum),
# radius R, sense h = +1 counter-clockwise (q B < 0) / -1 clockwise (q B > 0), t = p_T/pT,
# n = t turned by +90 deg (standard helix equations, e.g. Karimaki NIM A305 (1991) 187):
#   r(alpha)   = P + R [sin(alpha) t + h (1 - cos(alpha)) n]
#   dir(alpha) = cos(alpha) t + h sin(alpha) n
#   z(alpha)   = vz + R alpha pz / pT
# 1 - cos is written 2 sin^2(alpha/2) so that stiff tracks keep their sagitta.
#
# Tolerances. Minimising the function value locates alpha only to ~sqrt(eps) (the minimum
# is quadratic), which for R ~ 1e5 mm would move dz by ~1e-3 mm. The minimiser
# (minimize_scalar, bounded Brent) is therefore polished by solving the stationarity
# condition d(rho^2)/d alpha = 2 R r.dir = 0 with brentq (xtol = 1e-20 rad, rtol = 4 eps,
# the smallest scipy allows) in the grid cell that brackets the minimum. Then
# |delta alpha| <~ 1e-20 + 4 eps |alpha| + (rounding of r.dir ~ eps L) / R, so
# |delta dz| <~ R |cot theta| |delta alpha| <~ 8e4 mm * 6.1 * 1e-15 ~ 5e-10 mm for the
# random sample (R <= 8.3e4 mm at pT = 50 GeV, 2 T; |eta| < 2.5), and d0 (stationary at
# the PCA) moves only by ~eps * L ~ 1e-13 mm. The kernel itself has rounding errors of the
# same eps * L size. A 1e-7 mm tolerance therefore leaves a factor >~ 100 of margin while
# still catching any wrong branch, sign or arc (those are >~ 1e-3 mm effects).

EPS = float(np.finfo(float).eps)
_N_GRID = 64
_BRENTQ_XTOL = 1e-20
_BRENTQ_RTOL = 4.0 * EPS
#: Agreement required between the kernel's closed-form (d0, dz) and the reference [mm].
HELIX_TOL_MM = 1e-7


def _helix(alpha: float, vx: float, vy: float, vz: float, px: float, py: float, pz: float,
           charge: float, bfield_t: float) -> tuple[float, float, float, float, float]:
    # p [GeV] = c [m/s] * 1e-9 * q [e] * B [T] * R [m]: 0.299792458 GeV per T m, defined
    # here from c (CODATA, exact) rather than imported from the kernel it checks
    c_gev_per_t_mm = 299_792_458.0 * 1e-9 * 1e-3

    pt = math.hypot(px, py)
    tx, ty = px / pt, py / pt
    nx, ny = -ty, tx
    radius = pt / (c_gev_per_t_mm * abs(charge) * abs(bfield_t))
    h = -math.copysign(1.0, charge * bfield_t)
    s, c2 = math.sin(alpha), 2.0 * math.sin(0.5 * alpha) ** 2
    x = vx + radius * (s * tx + h * c2 * nx)
    y = vy + radius * (s * ty + h * c2 * ny)
    dx = math.cos(alpha) * tx + h * s * nx
    dy = math.cos(alpha) * ty + h * s * ny
    z = vz + radius * alpha * pz / pt
    return x, y, z, dx, dy


def reference_impact_parameters(vx: float, vy: float, vz: float, px: float, py: float,
                                pz: float, charge: float, bfield_t: float
                                ) -> tuple[float, float]:
    """Truth (d0, dz) [mm] of a charged particle by numerical minimisation along its helix.

    Parameters
    ----------
    vx, vy, vz : float
        Production vertex [mm].
    px, py, pz : float
        Momentum at the vertex [GeV] (pT > 0).
    charge : float
        Charge [e] (non-zero).
    bfield_t : float
        Solenoid field along +z [T] (non-zero).

    Returns
    -------
    tuple of float
        Signed d0 (sign convention of kernels.helix: (r x dir)_z at the point of closest
        approach) and z at that point [mm]. Accurate to far better than HELIX_TOL_MM.
    """

    def rho2(alpha: float) -> float:
        x, y, *_ = _helix(alpha, vx, vy, vz, px, py, pz, charge, bfield_t)
        return x * x + y * y

    def grad(alpha: float) -> float:  # (1 / 2R) d(rho^2)/d(alpha) = r . dir
        x, y, _, dx, dy = _helix(alpha, vx, vy, vz, px, py, pz, charge, bfield_t)
        return x * dx + y * dy

    # bracket over the full turn: rho^2 has one minimum per turn, so the true minimum lies
    # between the neighbours of the best grid point
    grid = np.linspace(-math.pi, math.pi, _N_GRID + 1)
    j = int(np.argmin([rho2(a) for a in grid]))
    step = grid[1] - grid[0]
    lo, hi = grid[j] - step, grid[j] + step
    res = minimize_scalar(rho2, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12})
    root = brentq(grad, lo, hi, xtol=_BRENTQ_XTOL, rtol=_BRENTQ_RTOL, maxiter=500)
    # the polished stationary point is the minimiser's minimum, not the maximum
    if abs(root - res.x) >= 1e-5:
        msg = f"helix reference: stationary point {root} is not the minimum {res.x}"
        raise ArithmeticError(msg)
    alpha = math.remainder(root, 2.0 * math.pi)  # shortest signed arc, |alpha| <= pi
    x, y, z, dx, dy = _helix(alpha, vx, vy, vz, px, py, pz, charge, bfield_t)
    return (y * dx - x * dy) / math.hypot(dx, dy), z
