"""Partial widths against independent calculations (reference README sections 2-3).

The product integrates the exact |M|^2 of kernels/decay_matrix_elements.py with
Gauss-Legendre on the Dalitz plane; here every reference is written out again from the
published formula and integrated with scipy quadrature (a different code path), or is a
published number. Where a formula is a heavy-chi limit, the comparison is made at a mass
where the neglected terms are O(dm/m) and the tolerance says so.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import scipy.constants

from higgsino_sim import constants as sm
from higgsino_sim import decays
from higgsino_sim.spectrum import PDG_N1, Spectrum, higgsino_spectrum
from higgsino_sim.validation.references import (
    M_PI_PDG,
    lepton_width_heavy_limit,
    neutral_width_heavy_limit,
    single_pion_width,
    two_pion_width,
)

pytestmark = pytest.mark.physics

V_UD = sm.V_CKM[0, 0]
M_PI = M_PI_PDG
HBARC_MM = scipy.constants.hbar * scipy.constants.c / scipy.constants.e * 1e-9 * 1e3
SPLITTINGS = (0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0)


def _partial(modes: list[decays.Mode], channel: str) -> float:
    sel = [m for m in modes if m.channel == channel]
    return float(decays.mode_widths(sel).sum())


def _contact(mode: decays.Mode, scale: float = 1e4) -> decays.Mode:
    """The same mode with the boson pushed to scale * M_V at fixed G_F (contact limit)."""
    mv, _ = mode.boson
    a_l, a_r, b_l, b_r = mode.couplings
    return replace(mode, boson=(mv * scale, 0.0),
                   couplings=(a_l * scale, a_r * scale, b_l * scale, b_r * scale))


@pytest.mark.parametrize("dm", SPLITTINGS)
def test_single_pion_width_is_chen_drees_gunion(dm: float) -> None:
    # hep-ph/9902309 as implemented in SOFTSUSY (reference README 2.1), with |V_ud|^2
    # (SOFTSUSY omits it), f_pi = F_pi / sqrt2, O_L = O_R = 1/2 (pure Higgsino, chi10
    # eigenvalue of the chargino's sign)
    spec = higgsino_spectrum(115.0, dm)
    mc, mn = spec.m_c1, spec.m_n1
    if dm <= M_PI:
        pytest.skip("closed")
    ref = single_pion_width(mc, mn, sm.F_PI, V_UD)
    got = _partial(decays._chi1_modes(spec), "chi10 pi")
    # G_F (CODATA) vs PDG: 1e-7; W propagator at q^2 = m_pi^2: m_pi^2 / m_W^2 = 3e-6
    assert got == pytest.approx(ref, rel=2e-5)


@pytest.mark.parametrize("dm", [0.4, 0.6, 0.8, 1.0, 1.5])
def test_two_pion_width_is_chen_drees_gunion_integral(dm: float) -> None:
    # reference README 2.1: Gamma = G_F^2 / (192 pi^3 m_C^3) Int dq^2 |F|^2
    # (1 - 4 m_pi^2/q^2)^(3/2) lambda^(1/2) {(|O_L|^2 + |O_R|^2)[q^2 (m_C^2 + m_N^2 - 2 q^2)
    # + (m_C^2 - m_N^2)^2] - 12 O_L O_R q^2 m_C m_N}, times |V_ud|^2, equal pion masses (the
    # formula's assumption: the product uses m(pi0) for the second pion, so it is set here),
    # integrated up to the product's exclusive range q < 1 GeV
    spec = higgsino_spectrum(115.0, dm)
    mc, mn = spec.m_c1, spec.m_n1
    mode = next(m for m in decays._chi1_modes(spec) if m.channel == "chi10 pi pi0")
    mode = replace(mode, m1=M_PI, m2=M_PI, q_range=(2 * M_PI, mode.q_range[1]))
    ref = two_pion_width(mc, mn, decays.Q_HADRON, V_UD, sm.M_W, sm.GAMMA_W)
    got = float(decays.mode_widths([mode])[0])
    assert got == pytest.approx(ref, rel=2e-6)  # quadrature precision; G_F CODATA vs PDG 1e-7


@pytest.mark.parametrize("dm", SPLITTINGS)
@pytest.mark.parametrize(("channel", "m_l"), [("chi10 e nu", 0.00051099895),
                                              ("chi10 mu nu", 0.1056583755)])
def test_chargino_leptonic_width_heavy_limit(dm: float, channel: str, m_l: float) -> None:
    if dm <= m_l:
        pytest.skip("closed")
    mass = 1e5  # corrections O(dm / m) <= 1e-4
    spec = higgsino_spectrum(mass, dm)
    modes = [_contact(m) for m in decays._chi1_modes(spec) if m.channel == channel]
    got = float(decays.mode_widths(modes).sum())
    assert got == pytest.approx(lepton_width_heavy_limit(dm, m_l), rel=3 * dm / mass + 1e-6)


@pytest.mark.parametrize("dm0", SPLITTINGS)
@pytest.mark.parametrize("sign", [-1.0, 1.0])
def test_neutral_width_heavy_limit(dm0: float, sign: float) -> None:
    # Heavy-limit Z* width per massless fermion flavour (reference README 3.3 with |O''|^2 =
    # 1/4 restored, see docs/decays.md section 7):
    #   Gamma = N_c (g_L^2 + g_R^2) G_F^2 dm^5 / (15 pi^3),  g_L = T3 - Q s_W^2, g_R = -Q s_W^2,
    # for opposite-sign eigenvalues (the Higgsino); same-sign eigenvalues give 3x (Fermi vs
    # Gamow-Teller transition, reference README 3.2)
    mass = 1e5
    m_n1 = mass - dm0
    spec = Spectrum(m_c1=mass, m_n1=m_n1, m_n2=mass, sign_n2=sign)
    modes = [_contact(m) for m in decays._z_modes(spec) if m.channel == "chi10 nu nu"]
    got = float(decays.mode_widths(modes).sum())
    ref = 3 * neutral_width_heavy_limit(dm0, same_sign=sign > 0)  # three flavours
    assert got == pytest.approx(ref, rel=3 * dm0 / mass + 1e-6)


def test_same_sign_over_opposite_sign_rate() -> None:
    # reference README 3.2: "total rate 3x larger (numerically 3.01 at dm = 10, m2 = 150)"
    rates = []
    for sign in (1.0, -1.0):
        spec = Spectrum(m_c1=145.0, m_n1=140.0, m_n2=150.0, sign_n2=sign)
        rates.append(_partial(decays._z_modes(spec), "chi10 e e"))
    assert rates[0] / rates[1] == pytest.approx(3.01, abs=0.005)  # quoted to 3 digits


def test_wino_limit_reproduces_published_ctau() -> None:
    # Wino couplings O_L = O_R = 1; Delta m = 164 MeV gives c tau = 6.0 cm (reference README
    # 2.2-2.3, Ibe, Mishima, Nakayama, Shirai arXiv:2210.16035 tree-level formula); quoted
    # to two digits, so 1 %
    mass, dm = 1000.0, 0.164
    modes = decays._w_modes(mass, mass - dm, PDG_N1, 0, 1.0, 1.0, w_sign=1, name=None,
                            conjugate_half=False)
    ctau = HBARC_MM / decays.mode_widths(modes).sum()
    assert ctau == pytest.approx(60.0, rel=0.01)


def test_tau_decays_through_the_same_hadronic_model() -> None:
    # The chargino W* current applied to tau -> nu_tau W* (chi current g P_L / sqrt2): the
    # hadronic spectral model (pion pole, rho form factor below 1 GeV, quarks above) against
    # R_tau = (1 - B_e - B_mu) / B_e = 3.636 from PDG 2024 (B_e = 17.82 %, B_mu = 17.39 %).
    # Expected model deficit: only the O(alpha_s) term of the QCD correction is kept; the
    # higher orders add ~ +10 % at m_tau (PDG QCD review, delta_pert ~ 0.20 vs alpha_s/pi ~
    # 0.1), and the a1 / omega currents below 1 GeV are absent. Accept 15 %.
    m_tau = sm.mass(15)
    modes = decays._w_modes(m_tau, 0.0, PDG_N1, 0, 1 / math.sqrt(2.0), 0.0, w_sign=1,
                            name=None, conjugate_half=False)
    hadronic = sum(_partial(modes, f"chi10 {c}") for c in ("pi", "K", "pi pi0", "hadrons"))
    r_tau = hadronic / _partial(modes, "chi10 e nu")
    assert r_tau == pytest.approx(3.636, rel=0.15)
    # and the single-pion share alone is exact physics (f_pi): B(pi)/B(e) = 10.82/17.82
    ratio = _partial(modes, "chi10 pi") / _partial(modes, "chi10 e nu")
    assert ratio == pytest.approx(10.82 / 17.82, rel=0.02)  # PDG errors ~0.5 %, f_pi 0.9 %


@pytest.mark.parametrize(("state", "edge"), [
    ("chi1pm", decays.Q_HADRON),                                   # pions -> quarks
    ("chi1pm", sm.mass(421) + sm.mass(321)),                       # c sbar opens
    ("chi20", decays.Q_HADRON),
])
def test_total_width_continuous_at_hadronic_switch_over(state: str, edge: float) -> None:
    # The width is an integral over q of a bounded spectral function: crossing the switch-
    # over or a threshold changes it smoothly. Across +-delta the change must be of the
    # order of the local slope x 2 delta (d ln Gamma / d dm ~ 5 / dm: Gamma ~ dm^5), while a
    # switch in dm (SOFTSUSY style) jumps by O(10 %).
    delta = 1e-6

    def width(d: float) -> float:
        spec = higgsino_spectrum(115.0, d) if state == "chi1pm" else higgsino_spectrum(
            115.0, d / 2.0)
        model = decays.decay_model(spec)
        return model.tables[state].total_width

    lo, hi = width(edge - delta), width(edge + delta)
    slope = 5.0 / edge
    assert abs(hi / lo - 1.0) < 10 * slope * 2 * delta


def test_width_integration_converged() -> None:
    # 256 Gauss-Legendre points in u against 1024: the product's integration error. The
    # alpha_s flavour thresholds put kinks into the quark-mode integrands (measured 2e-8);
    # everything else converges to 1e-12. 1e-7 is far below any physics uncertainty.
    for dm in (0.3, 1.5, 10.0):
        spec = higgsino_spectrum(115.0, dm)
        for modes in (decays._chi1_modes(spec), decays._chi20_modes(spec)):
            a = decays.mode_widths(modes)
            b = decays.mode_widths(modes, n_gauss=1024)
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-30)


def test_ctau_is_hbar_c_over_width() -> None:
    model = decays.decay_model(higgsino_spectrum(115.0, 0.5))
    for state in ("chi20", "chi1pm"):
        t = model.tables[state]
        assert t.ctau_mm == pytest.approx(HBARC_MM / t.total_width, rel=1e-12)


def test_chi20_to_chargino_counts_both_charges() -> None:
    # A Majorana chi20 decays into chi1+ W-* and chi1- W+*, each at the rate of one charge.
    # At equal splittings (dm0 = 2 dm) and only e nu open (dm = 0.1 GeV < m_mu), each equals
    # Gamma(chi1+ -> chi10 e+ nu) in the heavy limit (axial coupling with opposite-sign
    # eigenvalues acts like the vector one: docs/physics.md), so the sum is twice that.
    spec = higgsino_spectrum(1e4, 0.1)  # O(dm / m) = 1e-5
    w20 = decays.decay_model(spec).tables["chi20"].partial_widths["chi1pm f f"]
    w1 = _partial(decays._chi1_modes(spec), "chi10 e nu")
    assert w20 == pytest.approx(2.0 * w1, rel=1e-4)
