"""Closure of the detector response against each shipped card: efficiencies measured on
generated objects reproduce the card's maps within binomial errors, smearing pulls have
mean 0 and width 1, and acceptance edges are sharp.

Statistics: N events per (pT, |eta|) point; the number passing is binomial, so
chi2 = sum (k - N e)^2 / (N e (1 - e)) over the points with 0 < e < 1 follows a chi2
distribution with one degree of freedom per point: the test fails below p = 1e-3
(fixed seeds, so a pass is reproducible). Points where the card gives e = 0 or 1 must be
exact. Pulls: the mean of N unit normals has spread 1/sqrt(N), the standard deviation
1/sqrt(2N); both are required within 4 spreads.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from detector_events import Particle, run
from scipy import stats

from higgsino_sim.cards import Card, load_card, shipped_cards
from higgsino_sim.kernels import detector as kdet
from higgsino_sim.kernels.response_functions import eval_fn

pytestmark = pytest.mark.physics

N = 4000
P_MIN = 1e-3


@pytest.fixture(scope="module", params=shipped_cards())
def card(request: pytest.FixtureRequest) -> Card:
    return load_card(request.param)


def _fn(card: Card, slot: int, x: float, y: float) -> float:
    """The card function of slot FS_* at (x, |eta|)."""
    return _at(card, int(card.fn[slot]), x, y)


def _at(card: Card, offset: int, x: float, y: float) -> float:
    """The card function at pool ``offset`` (a slot's or a working point's) at (x, |eta|)."""
    return float(eval_fn(card.pool, offset, x, y))


def _assert_binomial(points: list[tuple[int, float]], n: int) -> None:
    """points: (passing count, expected efficiency) per point."""
    chi2, ndf = 0.0, 0
    for k, e in points:
        if e <= 0.0 or e >= 1.0:
            assert k == (0 if e <= 0.0 else n), (k, e)
            continue
        chi2 += (k - n * e) ** 2 / (n * e * (1 - e))
        ndf += 1
    assert ndf > 0
    p = stats.chi2.sf(chi2, ndf)
    assert p > P_MIN, f"chi2 = {chi2:.1f} for {ndf} points (p = {p:.2g})"


def _wp_points(card: Card, w: int) -> list[tuple[float, float]]:
    """(pT, |eta|) points spanning a working point's map: the turn-on just above the
    threshold, the soft region and the plateau, central and forward."""
    pt0, eta_max = float(card.wp_pt_min[w]), float(card.wp_abseta_max[w])
    pts = [pt0 + 0.05, pt0 + 0.6, 1.5 * pt0 + 1.0, 12.0, 40.0]
    etas = [0.3, min(1.3, 0.6 * eta_max), 0.95 * eta_max]
    return [(pt, eta) for pt in pts for eta in etas]


def test_lepton_working_point_efficiencies_close(card: Card) -> None:
    for w in range(len(card.wp_names)):
        pdg = int(card.wp_pdg[w])
        points = []
        for k, (pt, eta) in enumerate(_wp_points(card, w)):
            cols = run(card, N, [Particle(pdg, pt, eta)], seed=100 * w + k)
            passed = int(np.count_nonzero(cols["lep0_wp"] >> w & 1))
            points.append((passed, _at(card, int(card.wp_fn[w]), pt, eta)))
        _assert_binomial(points, N)


def test_lepton_acceptance_edges_are_sharp(card: Card) -> None:
    for w in range(len(card.wp_names)):
        pdg = int(card.wp_pdg[w])
        pt0, eta_max = float(card.wp_pt_min[w]), float(card.wp_abseta_max[w])
        for pt, eta in ((pt0 - 1e-6, 0.5), (pt0 + 5.0, eta_max + 1e-6)):
            cols = run(card, 500, [Particle(pdg, pt, eta)], seed=7)
            assert not np.any(cols["lep0_wp"] >> w & 1), (w, pt, eta)


def test_track_efficiency_vs_pt_eta_radius_closes(card: Card) -> None:
    eta_max = card.par[kdet.P_TRK_ABSETA_MAX]
    radii = [0.0, 0.5 * card.pixel_layer_radii_mm[0], 0.5 * sum(card.pixel_layer_radii_mm[-2:]),
             200.0, 400.0]
    points = []
    for k, (pt, eta, r) in enumerate(
            [(pt, eta, 0.0) for pt in (0.3, 0.8, 2.0, 8.0) for eta in (0.2, 1.2, 0.97 * eta_max)]
            + [(2.0, 0.5, r) for r in radii]):
        cols = run(card, N, [Particle(211, pt, eta, r=r)], seed=1000 + k)
        expected = (_fn(card, kdet.FS_TRK_EFF_HADRON, pt, eta)
                    * _fn(card, kdet.FS_TRK_EFF_RADIUS, r, eta))
        points.append((int(np.count_nonzero(cols["n_trk"] == 1)), expected))
    _assert_binomial(points, N)


def test_track_acceptance_edges_are_sharp(card: Card) -> None:
    eta_max = card.par[kdet.P_TRK_ABSETA_MAX]
    pt_min = card.par[kdet.P_TRK_PT_MIN]
    r_max = card.par[kdet.P_TRK_R_MAX]
    for p in (Particle(211, 2.0, eta_max + 1e-6), Particle(211, pt_min - 1e-6, 0.5),
              Particle(211, 2.0, 0.5, r=r_max + 1e-6)):
        assert np.all(run(card, 500, [p], seed=3)["n_trk"] == 0), p


def _assert_unit_pulls(pull: np.ndarray) -> None:
    n = pull.size
    assert abs(pull.mean()) < 4 / math.sqrt(n), pull.mean()
    assert abs(pull.std(ddof=1) - 1) < 4 / math.sqrt(2 * n), pull.std(ddof=1)


def test_smearing_pulls_are_unit_normal(card: Card) -> None:
    n = 20_000
    mu_w = [w for w in range(len(card.wp_names)) if card.wp_pdg[w] == 13]
    el_w = [w for w in range(len(card.wp_names)) if card.wp_pdg[w] == 11]
    assert mu_w
    assert el_w
    for pdg, slot in ((13, kdet.FS_MU_PT_RES), (11, kdet.FS_EL_PT_RES)):
        pt, eta = 8.0, 0.4
        cols = run(card, n, [Particle(pdg, pt, eta, d0=0.05, dz=-0.1)], seed=11 + pdg)
        ok = cols["n_lep"] == 1
        assert ok.sum() > n / 10
        _assert_unit_pulls((cols["lep0_pt"][ok] - pt) / (pt * _fn(card, slot, pt, eta)))
        _assert_unit_pulls((cols["lep0_d0"][ok] - 0.05) / _fn(card, kdet.FS_TRK_D0_RES, pt, eta))
        _assert_unit_pulls((cols["lep0_dz"][ok] + 0.1) / _fn(card, kdet.FS_TRK_DZ_RES, pt, eta))
    for pt, eta in ((0.7, 0.3), (3.0, 1.8)):
        cols = run(card, n, [Particle(211, pt, eta, d0=0.3, dz=0.2)], seed=int(10 * pt))
        ok = cols["n_trk"] == 1
        _assert_unit_pulls((cols["trk0_pt"][ok] - pt) / (pt * _fn(card, kdet.FS_TRK_PT_RES, pt, eta)))
        _assert_unit_pulls((cols["trk0_d0"][ok] - 0.3) / _fn(card, kdet.FS_TRK_D0_RES, pt, eta))
        _assert_unit_pulls((cols["trk0_dz"][ok] - 0.2) / _fn(card, kdet.FS_TRK_DZ_RES, pt, eta))
    # jet pT, and the soft term: with the jet and a 100 GeV pi0 (soft term, S = 100 GeV)
    # at phi = pi/2, met_vec = -(jet + pi0 + noise(sigma(S))) per component
    cols = run(card, n, [Particle(111, 100.0, 0.5, np.pi / 2)], seed=5,
               jet_kw={"pt": 200.0, "eta": 1.0, "phi": 0.0})
    _assert_unit_pulls((cols["jet0_pt"] - 200.0) / (200.0 * _fn(card, kdet.FS_JET_PT_RES, 200.0, 1.0)))
    assert np.all(cols["soft_sum_pt"] == 100.0)
    sig = _fn(card, kdet.FS_MET_SOFT_RES, 100.0, 0.0)
    assert sig > _fn(card, kdet.FS_MET_SOFT_RES, 0.0, 0.0)  # the sqrt(S) term is exercised
    mx = cols["met"] * np.cos(cols["met_phi"]) + cols["jet0_pt"] * np.cos(cols["jet0_phi"])
    my = cols["met"] * np.sin(cols["met_phi"]) + 100.0
    _assert_unit_pulls(-mx / sig)
    _assert_unit_pulls(-my / sig)


def test_btag_rates_close(card: Card) -> None:
    points = []
    for k, (pdg, slot) in enumerate(((5, kdet.FS_BTAG_B), (4, kdet.FS_BTAG_C),
                                     (21, kdet.FS_BTAG_LIGHT))):
        cols = run(card, N, [], seed=50 + k, jet_kw={"pt": 120.0, "eta": 0.5, "pdg": pdg})
        assert np.all(cols["n_jet"] == 1)
        points.append((int(cols["jet0_btag"].sum()), _fn(card, slot, 120.0, 0.5)))
    _assert_binomial(points, N)
