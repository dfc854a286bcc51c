"""Sampled decays: m_ll shapes and end-points, resonance shapes, branching fractions,
decay lengths, impact parameters and four-momentum conservation.

Decays are run through kernels.decays.decay_block directly on prepared legs (fast, large
samples), with fixed seeds. Statistical tests use p > 1e-3 (a correct sampler fails one
such test in a thousand runs; the seeds are fixed, so a pass is reproducible).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from higgsino_sim import constants as sm
from higgsino_sim import decays
from higgsino_sim.kernels import decays as kd
from higgsino_sim.spectrum import PDG_C1, PDG_N1, PDG_N2, Spectrum, higgsino_spectrum
from higgsino_sim.validation.decay_panels import isotropic_momenta
from higgsino_sim.validation.references import (
    HELIX_TOL_MM,
    cdf_from_density,
    mll_density,
    reference_impact_parameters,
)

pytestmark = pytest.mark.physics

P_MIN = 1e-3  # smallest accepted p-value
CHARGE = {PDG_C1: 1.0, -PDG_C1: -1.0, PDG_N1: 0.0, PDG_N2: 0.0}  # not in `particle`


def run_decays(model: decays.DecayModel, pdg: int, n: int, seed: int, p_max: float = 0.0,
               bfield: float = 3.8) -> dict[str, np.ndarray]:
    """Decay n copies of ``pdg`` (leg a; leg b a stable chi10) with momenta up to p_max."""
    spec = model.spectrum
    mass = {PDG_N2: spec.m_n2, PDG_C1: spec.m_c1}[abs(pdg)]
    rng = np.random.default_rng(seed)
    leg_pdg = np.zeros((n, 2), dtype=np.int64)
    leg_pdg[:, 0] = pdg
    leg_pdg[:, 1] = PDG_N1
    leg_mom = np.zeros((n, 2, 4))
    leg_mom[:, 0] = isotropic_momenta(rng, n, mass, p_max)
    leg_mom[:, 1] = isotropic_momenta(rng, n, spec.m_n1, p_max)
    tables = decays.kernel_tables(model)
    leg_f, leg_i, slot_i, slot_f, counters = tables.decay(np.random.default_rng(seed + 1),
                                                          leg_pdg, leg_mom, bfield)
    assert counters[1] == 0, "sampling envelope violated"
    return {"leg_pdg": leg_pdg, "leg_mom": leg_mom, "leg_f": leg_f, "leg_i": leg_i,
            "slot_i": slot_i, "slot_f": slot_f, "labels": np.array(tables.labels),
            "counters": counters}


def _pair_mass(out: dict[str, np.ndarray], s1: int, s2: int) -> np.ndarray:
    p = out["slot_f"][:, s1, :4] + out["slot_f"][:, s2, :4]
    return np.sqrt(np.maximum(p[:, 0] ** 2 - (p[:, 1:] ** 2).sum(axis=1), 0.0))


N_MLL = 20_000


@pytest.mark.parametrize(("m_n1", "m_n2"), [(113.5, 116.5), (140.0, 150.0)])
def test_mll_shape_and_endpoint_opposite_sign(m_n1: float, m_n2: float) -> None:
    spec = Spectrum(m_c1=0.5 * (m_n1 + m_n2), m_n1=m_n1, m_n2=m_n2)
    model = decays.decay_model(spec, overrides=["chi20:chi10 e e=1"])
    out = run_decays(model, PDG_N2, N_MLL, seed=11, p_max=300.0)
    assert np.all(out["slot_i"][:, 1, kd.SI_PDG] == 11)
    mll = _pair_mass(out, 1, 2)
    dm0 = m_n2 - m_n1
    assert mll.max() <= dm0 + 1e-9 * m_n2  # kinematic end-point
    # P(no event above 0.95 dm0) = (1 - 0.003)^20000 ~ e^-59
    assert mll.max() > 0.95 * dm0
    cdf = cdf_from_density(lambda m: mll_density(m, spec.signed_n1, spec.signed_n2),
                            2 * 0.000511, dm0)
    assert stats.kstest(mll, cdf).pvalue > P_MIN
    # the same-sign (wino/bino-like) shape is rejected: the eigenvalue sign is really used
    wrong = cdf_from_density(lambda m: mll_density(m, m_n1, m_n2), 2 * 0.000511, dm0)
    assert stats.kstest(mll, wrong).pvalue < 1e-6


def test_mll_shape_same_sign() -> None:
    spec = Spectrum(m_c1=145.0, m_n1=140.0, m_n2=150.0, sign_n2=+1.0)
    model = decays.decay_model(spec, overrides=["chi20:chi10 mu mu=1"])
    out = run_decays(model, PDG_N2, N_MLL, seed=12, p_max=100.0)
    mll = _pair_mass(out, 1, 2)
    cdf = cdf_from_density(lambda m: mll_density(m, 140.0, 150.0), 2 * 0.1057, 10.0)
    # muon mass effects on the shape at dm0 = 10 GeV: O(m_mu^2 / m_ll^2) near threshold only,
    # a KS distance far below 1/sqrt(N) = 0.007
    assert stats.kstest(mll, cdf).pvalue > P_MIN
    assert mll.max() <= 10.0 + 1e-9 * 150


def _marginal_in_q(model: decays.DecayModel, state: str, channel: str):
    """dGamma/dq of the product's own density, integrated over t with quadrature: the
    distribution the accept-reject sampler must reproduce (tests the sampler, not the ME)."""
    tables = decays.kernel_tables(model)
    k = next(i for i in range(tables.arrays.mode_f.shape[0])
             if tables.labels[tables.arrays.mode_i[i, kd.MI_CHANNEL]] == f"{state}:{channel}")
    mf, mi, mc = tables.arrays.mode_f, tables.arrays.mode_i, tables.arrays.mode_c
    q_lo, q_hi = mf[k, kd.MF_Q_LO], mf[k, kd.MF_Q_HI]

    def dens_u(u: float) -> float:
        val, _ = integrate.quad(
            lambda v: kd.dalitz_density(mf, mi, mc, k, u, v, sm.ALPHA_S_MZ, sm.M_Z)[0], 0, 1)
        return val

    u = np.linspace(0.0, 1.0, 2001)
    q = q_lo + 0.5 * (q_hi - q_lo) * (1 - np.cos(np.pi * u))
    cum = integrate.cumulative_trapezoid([dens_u(x) for x in u], u, initial=0.0)
    return q, cum / cum[-1]


@pytest.mark.parametrize(("spec_args", "state", "channel", "pdg", "slots"), [
    ((115.0, 0.25, 0.5), "chi20", "chi10 mu mu", PDG_N2, (1, 2)),  # muon mass at threshold
    ((115.0, 1.5, None), "chi1pm", "chi10 pi pi0", PDG_C1, (1, 2)),  # the rho shape
])
def test_sampled_mass_follows_exact_marginal(spec_args, state, channel, pdg, slots) -> None:
    model = decays.decay_model(higgsino_spectrum(*spec_args), overrides=[f"{state}:{channel}=1"])
    out = run_decays(model, pdg, 20_000, seed=13, p_max=200.0)
    m = _pair_mass(out, *slots)
    q, cum = _marginal_in_q(model, state, channel)
    assert m.min() >= q[0] - 1e-9
    assert stats.kstest(m, lambda x: np.interp(x, q, cum)).pvalue > P_MIN


def _marginal_in_v(model: decays.DecayModel, state: str, channel: str):
    """Mode constants and the CDF of v = (t - t_lo) / (t_hi - t_lo), the second Dalitz
    variable: at fixed u the density is a quadratic in v, so its u-integral is the quadratic
    through the u-integrals at v = 0, 1/2, 1 (quadrature), integrated in closed form."""
    tables = decays.kernel_tables(model)
    mf, mi, mc = tables.arrays.mode_f, tables.arrays.mode_i, tables.arrays.mode_c
    k = next(i for i in range(mf.shape[0])
             if tables.labels[mi[i, kd.MI_CHANNEL]] == f"{state}:{channel}")

    def at(v: float) -> float:
        val, _ = integrate.quad(
            lambda u: kd.dalitz_density(mf, mi, mc, k, u, v, sm.ALPHA_S_MZ, sm.M_Z)[0], 0, 1,
            limit=200)
        return val

    f0, fh, f1 = at(0.0), at(0.5), at(1.0)
    c1 = 2.0 * fh - 0.5 * (f0 + f1)  # Bernstein form f0 (1-v)^2 + c1 2v(1-v) + f1 v^2

    def cdf(v):
        return (f0 * (1 - (1 - v) ** 3) + c1 * (3 * v**2 - 2 * v**3) + f1 * v**3) / (
            f0 + c1 + f1)

    return mf[k], cdf


@pytest.mark.parametrize(("spec_args", "state", "channel", "pdg"), [
    ((115.0, 1.5, None), "chi1pm", "chi10 e nu", PDG_C1),  # ~ v (1 - v)
    ((115.0, 1.5, None), "chi1pm", "chi10 pi pi0", PDG_C1),  # ~ (1 - 2v)^2
    ((115.0, 0.25, 0.5), "chi20", "chi10 mu mu", PDG_N2),  # masses at threshold
])
def test_sampled_dalitz_v_follows_exact_marginal(spec_args, state, channel, pdg) -> None:
    # the sampler draws v from shapes of an envelope (order statistics); the v marginal is
    # checked against the density itself. Parents at rest: the invariants from the
    # products' four-momenta are exact to ~1e-12 GeV^2 (t ~ 1e4 GeV^2) against t ranges
    # of >= 1e-3 GeV^2
    model = decays.decay_model(higgsino_spectrum(*spec_args), overrides=[f"{state}:{channel}=1"])
    out = run_decays(model, pdg, 20_000, seed=19)
    mode, cdf = _marginal_in_v(model, state, channel)
    p = out["slot_f"][:, :3, :4]

    def m2(a):
        return a[:, 0] ** 2 - (a[:, 1:] ** 2).sum(axis=1)

    q2 = m2(p[:, 1] + p[:, 2])
    t = m2(p[:, 0] + p[:, 1])
    lims = np.array([kd.t_limits(mode[kd.MF_M] ** 2, mode[kd.MF_MCHI] ** 2, mode[kd.MF_M1] ** 2,
                                 mode[kd.MF_M2] ** 2, x) for x in q2])
    v = (t - lims[:, 0]) / (lims[:, 1] - lims[:, 0])
    assert v.min() > -1e-6
    assert v.max() < 1 + 1e-6
    assert stats.kstest(v, cdf).pvalue > P_MIN


def test_branching_fractions_are_sampled() -> None:
    model = decays.decay_model(higgsino_spectrum(115.0, 1.5))
    n = 40_000
    out = run_decays(model, -PDG_C1, n, seed=14)
    labels = out["labels"]
    br = model.tables["chi1pm"].branching
    names = [c for c in br if br[c] > 0]
    counts = np.array([np.sum(labels[out["leg_i"][:, 0]] == f"chi1pm:{c}") for c in names])
    assert counts.sum() == n
    expected = np.array([br[c] for c in names]) * n
    assert stats.chisquare(counts, expected).pvalue > P_MIN
    # chi1- decays into the charge conjugates: pi- (not pi+), e- and nu_e bar
    pi = out["leg_i"][:, 0] == list(labels).index("chi1pm:chi10 pi")
    assert np.all(out["slot_i"][pi, 1, kd.SI_PDG] == -211)


def test_decay_length_is_exponential_with_boosted_mean() -> None:
    model = decays.decay_model(higgsino_spectrum(115.0, 0.4))
    ctau = model.tables["chi1pm"].ctau_mm
    n = 20_000
    out = run_decays(model, PDG_C1, n, seed=15, p_max=400.0)
    mom = out["leg_mom"][:, 0]
    vertex = out["leg_f"][:, 0, :3]
    length = np.linalg.norm(vertex, axis=1)
    betagamma = np.linalg.norm(mom[:, 1:], axis=1) / 115.0
    ok = betagamma > 0.05
    ct = length[ok] / betagamma[ok]
    # closure: the stored proper length is the vertex distance over beta gamma
    np.testing.assert_allclose(out["leg_f"][ok, 0, kd.LF_CT], ct, rtol=1e-9)
    # vertex along the flight direction
    cos = (vertex[ok] * mom[ok, 1:]).sum(axis=1) / (length[ok] * betagamma[ok] * 115.0)
    np.testing.assert_allclose(cos, 1.0, atol=1e-9)
    assert stats.kstest(ct, "expon", args=(0, ctau)).pvalue > P_MIN
    # mean of an exponential: sigma = ctau / sqrt(n); 5 sigma
    assert abs(ct.mean() - ctau) < 5 * ctau / math.sqrt(ok.sum())
    np.testing.assert_allclose(out["leg_f"][:, 0, kd.LF_RXY], np.hypot(vertex[:, 0],
                                                                        vertex[:, 1]))


def test_pion_impact_parameters_close_with_vertices() -> None:
    model = decays.decay_model(higgsino_spectrum(115.0, 0.35), preset="cms-sus-24-003")
    n = 5000
    out = run_decays(model, PDG_C1, n, seed=16, p_max=400.0)
    sf = out["slot_f"][:, 1]
    assert np.all(out["slot_i"][:, 1, kd.SI_PDG] == 211)
    # production vertex of the pion = decay vertex of the chargino
    np.testing.assert_array_equal(sf[:, kd.SF_VX:kd.SF_VZ + 1], out["leg_f"][:, 0, :3])
    # |d0| cannot exceed the distance of the production point from the beam line
    r = np.hypot(sf[:, kd.SF_VX], sf[:, kd.SF_VY])
    assert np.all(np.abs(sf[:, kd.SF_D0]) <= r + 1e-12)
    # closure with an independent computation (numerical minimisation along the helix)
    for j in range(200):
        d0, dz = reference_impact_parameters(
            *sf[j, kd.SF_VX:kd.SF_VZ + 1], *sf[j, kd.SF_PX:kd.SF_PZ + 1], 1.0, 3.8)
        assert sf[j, kd.SF_D0] == pytest.approx(d0, abs=HELIX_TOL_MM)
        assert sf[j, kd.SF_DZ] == pytest.approx(dz, abs=HELIX_TOL_MM)
    # the neutralino has no impact parameters
    assert np.all(np.isnan(out["slot_f"][:, 0, kd.SF_D0]))


def _check_conservation(out: dict[str, np.ndarray]) -> int:
    """Every decay conserves four-momentum (1e-9 of the parent energy); every product has
    its PDG mass. Returns the number of decays checked."""
    assert np.all((out["slot_i"][:, :, kd.SI_PDG] == 0)
                  == (out["slot_i"][:, :, kd.SI_MOTHER] == kd.MOTHER_NONE))
    n_checked = 0
    slot_i, slot_f = out["slot_i"], out["slot_f"]
    pdgs = np.unique(np.abs(slot_i[:, :, kd.SI_PDG]))
    for p in pdgs:
        if p in (0, PDG_N1, PDG_N2, PDG_C1):  # electroweakinos: masses of the spectrum
            continue
        m_pdg = 0.0 if p in (12, 14, 16, 22) else sm.mass(int(p))
        sel = np.abs(slot_i[:, :, kd.SI_PDG]) == p
        mom = slot_f[:, :, :4][sel]
        m2 = mom[:, 0] ** 2 - (mom[:, 1:] ** 2).sum(axis=1)
        np.testing.assert_allclose(m2, m_pdg**2, atol=1e-9 * mom[:, 0].max() ** 2)
    # the decaying leg (leg a; leg b is a stable chi10 in run_decays)
    parent = out["leg_mom"][:, 0]
    dec = out["leg_i"][:, 0] >= 0
    kids = slot_i[:, :, kd.SI_MOTHER] == kd.MOTHER_CHI_A
    total = np.where(kids[:, :, None], slot_f[:, :, :4], 0.0).sum(axis=1)
    np.testing.assert_allclose(total[dec], parent[dec], rtol=0,
                               atol=1e-9 * parent[dec, 0].max())
    n_checked += int(dec.sum())
    # intermediate electroweakinos: their products sum to them
    for s in range(kd.N_SLOTS):
        kids = slot_i[:, :, kd.SI_MOTHER] == s
        has = kids.any(axis=1) & (slot_i[:, s, kd.SI_PDG] != 0)
        if not has.any():
            continue
        total = np.where(kids[:, :, None], slot_f[:, :, :4], 0.0).sum(axis=1)
        np.testing.assert_allclose(total[has], slot_f[has, s, :4], rtol=0,
                                   atol=1e-9 * slot_f[has, s, 0].max())
        n_checked += int(has.sum())
    return n_checked


@pytest.mark.parametrize(("dm", "dm0", "pdg"), [
    (1.5, None, PDG_N2),   # chi20 -> chi1+- f f' -> chi10 ...: cascades
    (1.5, None, -PDG_C1),
    (5.0, 2.0, PDG_C1),    # chi1+ -> chi20 f f' when dm0 < dm
    (10.0, None, PDG_N2),  # tau pairs, heavy quarks
])
def test_four_momentum_conservation_and_masses(dm, dm0, pdg) -> None:
    model = decays.decay_model(higgsino_spectrum(115.0, dm, dm0))
    out = run_decays(model, pdg, 10_000, seed=17, p_max=1000.0)
    assert _check_conservation(out) >= 10_000


def test_cascade_through_the_chargino() -> None:
    # chi20 -> chi1+- f f with the chargino decaying at its own vertex, further out
    model = decays.decay_model(higgsino_spectrum(115.0, 1.0),
                               overrides=["chi20:chi1pm f f=1"])
    out = run_decays(model, PDG_N2, 2000, seed=18, p_max=300.0)
    chi = out["slot_i"][:, 0, kd.SI_PDG]
    assert set(np.unique(chi)) == {PDG_C1, -PDG_C1}
    # both charges, 50/50: binomial 5 sigma
    assert abs(np.mean(chi > 0) - 0.5) < 5 * 0.5 / math.sqrt(chi.size)
    kids = out["slot_i"][:, :, kd.SI_MOTHER] == 0
    assert kids.sum(axis=1).min() >= 2
    # the chargino's products start where it decayed: farther from the origin on average
    v_c = out["slot_f"][:, 0, kd.SF_VX:kd.SF_VZ + 1]
    first = np.argmax(kids, axis=1)
    v_kid = out["slot_f"][np.arange(chi.size), first, kd.SF_VX:kd.SF_VZ + 1]
    assert np.all(np.linalg.norm(v_kid - v_c, axis=1) > 0)
    # charge conservation in the cascade: chargino charge = sum of its products' charges
    for row in range(50):
        q_kids = sum(CHARGE[int(p)] if int(p) in CHARGE else sm.charge(int(p)) for p, k in zip(out["slot_i"][row, :, kd.SI_PDG],
                                                         kids[row], strict=True)
                     if k and p != 0)
        assert q_kids == pytest.approx(math.copysign(1.0, chi[row]))
