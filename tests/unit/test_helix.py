"""Truth impact parameters of a helix (higgsino_sim.kernels.helix).

The closed form of the kernel is checked against a second, independent method: numerical
minimisation of the transverse distance to the z axis along the explicitly parametrised
helix (scipy.optimize over the turning angle, bracketed over the full turn).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from higgsino_sim.kernels.helix import (
    C_GEV_PER_T_MM,
    impact_parameters,
    impact_parameters_array,
)
from higgsino_sim.validation.references import HELIX_TOL_MM as TOL_MM
from higgsino_sim.validation.references import reference_impact_parameters


def _random_tracks(rng, n, pt_lo, pt_hi, r_lo=0.0, r_hi=500.0):
    """Vertices uniform in transverse radius [mm] and phi, |vz| < 500 mm; momenta
    log-uniform in pT [GeV], uniform in phi (independent of the vertex), |eta| < 2.5."""
    r = rng.uniform(r_lo, r_hi, n)
    phi_v = rng.uniform(-math.pi, math.pi, n)
    pt = np.exp(rng.uniform(math.log(pt_lo), math.log(pt_hi), n))
    phi_p = rng.uniform(-math.pi, math.pi, n)
    eta = rng.uniform(-2.5, 2.5, n)
    charge = rng.choice([-1.0, 1.0], n)
    return (
        r * np.cos(phi_v),
        r * np.sin(phi_v),
        rng.uniform(-500.0, 500.0, n),
        pt * np.cos(phi_p),
        pt * np.sin(phi_p),
        pt * np.sinh(eta),
        charge,
    )


def _closure(tracks, bfield_t):
    n = tracks[0].size
    d0, dz = impact_parameters_array(*tracks, bfield_t, np.empty(n), np.empty(n))
    ref = np.array(
        [reference_impact_parameters(*(c[i] for c in tracks), bfield_t) for i in range(n)]
    )
    return np.abs(d0 - ref[:, 0]), np.abs(dz - ref[:, 1])


def _straight(vx, vy, vz, px, py, pz):
    pt2 = px * px + py * py
    return (vy * px - vx * py) / np.sqrt(pt2), vz - (vx * px + vy * py) * pz / pt2


# --------------------------------------------------------------------------------------
# Closure against the minimisation
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("bfield_t", "seed"), [(3.8, 20260101), (2.0, 20260102)])
def test_closure_random_tracks(bfield_t, seed):
    tracks = _random_tracks(np.random.default_rng(seed), 200, 0.1, 50.0)
    dd0, ddz = _closure(tracks, bfield_t)
    assert dd0.max() < TOL_MM
    assert ddz.max() < TOL_MM


def test_closure_loopers():
    """R from ~0.9 to 90 mm, always smaller than the vertex radius (100-500 mm)."""
    rng = np.random.default_rng(20260103)
    tracks = _random_tracks(rng, 100, 1e-3, 0.1, r_lo=100.0)
    radius = np.hypot(tracks[3], tracks[4]) / (C_GEV_PER_T_MM * 3.8)
    assert np.all(radius < np.hypot(tracks[0], tracks[1]))  # the regime under test
    dd0, ddz = _closure(tracks, 3.8)
    assert dd0.max() < TOL_MM
    assert ddz.max() < TOL_MM


@pytest.mark.parametrize("radius_mm", [1e6, 1e9, 1e12])
def test_closure_stiff_tracks(radius_mm):
    """Stiff tracks, where the centre construction |C| - R would lose ~eps R (2e-7 mm at
    R = 1e9 mm). The reference keeps the sagitta (2 sin^2 form), so the kernel must match
    it to rounding (eps * L ~ 1e-13 mm); 1e-10 mm leaves a margin of ~1000."""
    rng = np.random.default_rng(20260104)
    tracks = list(_random_tracks(rng, 50, 1.0, 1.0))
    pt_target = radius_mm * C_GEV_PER_T_MM * 3.8  # rescale the momenta to the wanted R
    for i in (3, 4, 5):
        tracks[i] = tracks[i] * pt_target
    dd0, ddz = _closure(tuple(tracks), 3.8)
    assert dd0.max() < 1e-10
    assert ddz.max() < 1e-10 + radius_mm * 6.1 * 1e-21  # + brentq xtol in alpha


# --------------------------------------------------------------------------------------
# Straight-line limit
# --------------------------------------------------------------------------------------


def test_straight_line_no_field_or_neutral():
    vx, vy, vz, px, py, pz, charge = _random_tracks(np.random.default_rng(5), 100, 0.1, 50.0)
    d0_s, dz_s = _straight(vx, vy, vz, px, py, pz)
    n = vx.size
    # B = 0, and neutral particles in B = 3.8 T: the straight line, to rounding
    for q, b in ((charge, 0.0), (np.zeros(n), 3.8)):
        d0, dz = impact_parameters_array(vx, vy, vz, px, py, pz, q, b, np.empty(n), np.empty(n))
        np.testing.assert_allclose(d0, d0_s, rtol=0, atol=1e-12)
        np.testing.assert_allclose(dz, dz_s, rtol=0, atol=1e-12)


@pytest.mark.parametrize("bfield_t", [1e-12, 1e-300, 1e-318])
def test_straight_line_vanishing_field(bfield_t):
    """R >= 3e14 mm: the curvature terms k L^2 are < 1e-9 mm, so the result is the
    straight line to 1e-9 relative to the length scale L = |P| + |vz| (here <~ 1000 mm).
    B = 1e-318 T makes k subnormal, so k b loses its precision or underflows: the turning
    angle must not be computed as atan2(-k b, 1 + k a) / k there."""
    vx, vy, vz, px, py, pz, charge = _random_tracks(np.random.default_rng(6), 100, 0.1, 50.0)
    d0_s, dz_s = _straight(vx, vy, vz, px, py, pz)
    n = vx.size
    d0, dz = impact_parameters_array(
        vx, vy, vz, px, py, pz, charge, bfield_t, np.empty(n), np.empty(n)
    )
    scale = np.hypot(vx, vy) + np.abs(vz)
    assert np.all(np.abs(d0 - d0_s) <= 1e-9 * scale)
    assert np.all(np.abs(dz - dz_s) <= 1e-9 * scale)


def test_stiff_track_first_order_curvature():
    """R = 1e9 mm: d0 = a + k b^2 / 2, dz = dz_line + k a b cot(theta) + O(k^2 L^3), with
    a = P.n, b = P.t (expansion of the closed form, docs Eq. 9). k^2 L^3 <~ 1.3e-10 mm for
    L = 500 mm; the naive |C| - R in double precision would be off by ~eps R = 2e-7 mm."""
    vx, vy, vz, px, py, pz, charge = _random_tracks(np.random.default_rng(7), 100, 1.0, 1.0)
    bfield_t = 3.8
    pt_target = 1e9 * C_GEV_PER_T_MM * bfield_t
    px, py, pz = px * pt_target, py * pt_target, pz * pt_target
    n = vx.size
    d0, dz = impact_parameters_array(
        vx, vy, vz, px, py, pz, charge, bfield_t, np.empty(n), np.empty(n)
    )
    pt = np.hypot(px, py)
    tx, ty = px / pt, py / pt
    a, b = vy * tx - vx * ty, vx * tx + vy * ty
    k = -charge * bfield_t * C_GEV_PER_T_MM / pt
    d0_lin, dz_lin = _straight(vx, vy, vz, px, py, pz)
    # the first-order terms are up to 1.25e-4 mm: the test sees them
    assert np.max(np.abs(k * b * b / 2)) > 1e-5
    np.testing.assert_allclose(d0, d0_lin + k * b * b / 2, rtol=0, atol=3e-10)
    np.testing.assert_allclose(dz, dz_lin + k * a * b * pz / pt, rtol=0, atol=3e-9)


# --------------------------------------------------------------------------------------
# Hand-worked cases and sign conventions
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("bfield_t", [0.0, 2.0, 3.8])
def test_tracks_from_origin(bfield_t):
    vx = vy = vz = np.zeros(50)
    _, _, _, px, py, pz, charge = _random_tracks(np.random.default_rng(8), 50, 0.1, 50.0)
    d0, dz = impact_parameters_array(
        vx, vy, vz, px, py, pz, charge, bfield_t, np.empty(50), np.empty(50)
    )
    assert np.all(np.abs(d0) <= 1e-12)
    assert np.all(np.abs(dz) <= 1e-12)
    # from elsewhere on the beam line: d0 = 0, dz = vz
    d0, dz = impact_parameters(0.0, 0.0, 37.5, 1.3, -0.4, 2.0, 1.0, bfield_t)
    assert abs(d0) <= 1e-12
    assert dz == pytest.approx(37.5, abs=1e-12)


def test_cms_sign_straight():
    """(0, 10 mm, 0) moving along +x: dxy = (vy px - vx py) / pT = +10 mm (CMS dxy, ATLAS
    d0; the opposite of CMS TrackBase::d0())."""
    assert impact_parameters(0.0, 10.0, 0.0, 5.0, 0.0, 1.0, 1.0, 0.0) == (10.0, 0.0)
    assert impact_parameters(0.0, 10.0, 0.0, 5.0, 0.0, 1.0, 0.0, 3.8) == (10.0, 0.0)
    assert impact_parameters(0.0, -10.0, 0.0, 5.0, 0.0, 1.0, 1.0, 0.0)[0] == -10.0


def test_cms_sign_curved_tangent_start():
    """(0, 10 mm, 0) along +x, B = 3.8 T. The vertex is its own PCA unless the circle
    bends towards the axis (q > 0 turns clockwise, centre at (0, 10 - R)) with R < 10 mm:
    then the PCA is (0, 10 - 2R) with momentum along -x, so d0 = 2R - 10 (by hand)."""
    for radius in (4.0, 7.5, 12.0, 1e3):
        pt = C_GEV_PER_T_MM * 3.8 * radius
        d0_pos, dz_pos = impact_parameters(0.0, 10.0, 0.0, pt, 0.0, 0.0, 1.0, 3.8)
        d0_neg, _ = impact_parameters(0.0, 10.0, 0.0, pt, 0.0, 0.0, -1.0, 3.8)
        expected = 2.0 * radius - 10.0 if radius < 10.0 else 10.0
        assert d0_pos == pytest.approx(expected, rel=1e-14)
        assert d0_neg == pytest.approx(10.0, rel=1e-14)  # bends away: vertex is the PCA
        assert dz_pos == 0.0


def test_hand_worked_curved_sign_from_curvature():
    """(10 mm, 0, 0) moving radially outwards along +x: the straight line has d0 = 0, so
    any d0 comes from the curvature. With R = 24 mm the centre is at (10, -24) for q > 0
    (clockwise) and (10, +24) for q < 0, |C| = 26 mm, so |d0| = |C| - R = 2 mm. For q > 0
    the PCA is C (1 - R/|C|) = (10, -24)/13 with momentum (24, 10)/26: d0 = -2 mm; for q < 0
    d0 = +2 mm. The PCA is reached backwards through the turning angle -atan(10/24), so
    dz = -24 mm * atan(5/12) * pz/pT for both charges."""
    pt = C_GEV_PER_T_MM * 3.8 * 24.0
    pz = 0.7 * pt
    dz_expected = -24.0 * math.atan(5.0 / 12.0) * 0.7
    d0, dz = impact_parameters(10.0, 0.0, 0.0, pt, 0.0, pz, 1.0, 3.8)
    assert d0 == pytest.approx(-2.0, rel=1e-13)
    assert dz == pytest.approx(dz_expected, rel=1e-13)
    d0, dz = impact_parameters(10.0, 0.0, 0.0, pt, 0.0, pz, -1.0, 3.8)
    assert d0 == pytest.approx(2.0, rel=1e-13)
    assert dz == pytest.approx(dz_expected, rel=1e-13)
    # without field: d0 = 0, and the PCA is the origin reached after -10 mm of pT-path
    d0, dz = impact_parameters(10.0, 0.0, 0.0, pt, 0.0, pz, 1.0, 0.0)
    assert d0 == 0.0
    assert dz == pytest.approx(-7.0, rel=1e-15)


def test_charge_only_enters_through_curvature():
    """Reversing the charge AND the field leaves the helix unchanged (exactly); the
    same trajectory run backwards (p -> -p, q -> -q) has the same PCA and dz, with the
    momentum reversed there, so d0 changes sign."""
    tracks = _random_tracks(np.random.default_rng(9), 100, 0.1, 50.0)
    vx, vy, vz, px, py, pz, charge = tracks
    n = vx.size
    d0, dz = impact_parameters_array(*tracks, 3.8, np.empty(n), np.empty(n))
    d0_r, dz_r = impact_parameters_array(
        vx, vy, vz, px, py, pz, -charge, -3.8, np.empty(n), np.empty(n)
    )
    np.testing.assert_array_equal(d0_r, d0)
    np.testing.assert_array_equal(dz_r, dz)
    d0_b, dz_b = impact_parameters_array(
        vx, vy, vz, -px, -py, -pz, -charge, 3.8, np.empty(n), np.empty(n)
    )
    np.testing.assert_allclose(d0_b, -d0, rtol=0, atol=1e-11)
    np.testing.assert_allclose(dz_b, dz, rtol=0, atol=1e-9)
    # and the charge does matter in a field (else the tests above would be vacuous)
    d0_q, _ = impact_parameters_array(
        vx, vy, vz, px, py, pz, -charge, 3.8, np.empty(n), np.empty(n)
    )
    assert np.max(np.abs(d0_q - d0)) > 1.0


def test_rotation_invariance():
    """A rotation about z moves the vertex and the momentum together: d0 and dz are
    unchanged up to rounding of the rotated inputs (~eps * 500 mm, amplified at most by
    the turning-angle conditioning ~ R |cot theta| / L); 1e-9 mm covers it."""
    rng = np.random.default_rng(10)
    tracks = _random_tracks(rng, 200, 0.1, 50.0)
    vx, vy, vz, px, py, pz, charge = tracks
    n = vx.size
    d0, dz = impact_parameters_array(*tracks, 3.8, np.empty(n), np.empty(n))
    for angle in rng.uniform(-math.pi, math.pi, 3):
        c, s = math.cos(angle), math.sin(angle)
        d0_r, dz_r = impact_parameters_array(
            c * vx - s * vy,
            s * vx + c * vy,
            vz,
            c * px - s * py,
            s * px + c * py,
            pz,
            charge,
            3.8,
            np.empty(n),
            np.empty(n),
        )
        np.testing.assert_allclose(d0_r, d0, rtol=0, atol=1e-9)
        np.testing.assert_allclose(dz_r, dz, rtol=0, atol=1e-9)


# --------------------------------------------------------------------------------------
# Edge cases and the array interface
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("charge", "bfield_t"), [(1.0, 3.8), (0.0, 3.8), (1.0, 0.0)])
def test_zero_pt_is_nan(charge, bfield_t):
    d0, dz = impact_parameters(1.0, 2.0, 3.0, 0.0, 0.0, 5.0, charge, bfield_t)
    assert math.isnan(d0)
    assert math.isnan(dz)


def test_nan_input_propagates():
    d0, dz = impact_parameters(np.nan, 2.0, 3.0, 1.0, 0.0, 5.0, 1.0, 3.8)
    assert math.isnan(d0)
    assert math.isnan(dz)


def test_array_matches_scalar_and_returns_buffers():
    tracks = _random_tracks(np.random.default_rng(11), 20, 0.1, 50.0)
    d0_buf, dz_buf = np.empty(20), np.empty(20)
    d0, dz = impact_parameters_array(*tracks, 2.0, d0_buf, dz_buf)
    assert d0 is d0_buf
    assert dz is dz_buf
    for i in range(20):
        assert (d0[i], dz[i]) == impact_parameters(*(c[i] for c in tracks), 2.0)
