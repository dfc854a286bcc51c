"""Truth impact parameters (d0, dz) of a charged helix in a uniform solenoidal field.

A particle produced at a (displaced) vertex moves on a helix around the field axis
(+z). Its point of closest approach (PCA) to the beam line (the z axis) in the transverse
plane is found in closed form; d0 is signed like CMS ``reco::Track::dxy`` and the ATLAS
perigee d0, dz is the helix z at that point. Truth only: uniform field, no material, no
energy loss, no multiple scattering. Derivation, conventions and references:
``docs/impact_parameters.md``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

# c in GeV / (T mm): pT [GeV] = C_GEV_PER_T_MM * |q| * B [T] * R [mm], i.e. the Lorentz-force
# circle pT = 0.299792458 q B R with R in m (Jackson, Classical Electrodynamics, 3rd ed.,
# Sec. 12.2; Bock & Vasilescu, The Particle Detector BriefBook, "Motion in a magnetic field").
C_GEV_PER_T_MM = 0.299792458e-3


@nb.njit(cache=True, error_model="numpy")
def impact_parameters(
    vx: float,
    vy: float,
    vz: float,
    px: float,
    py: float,
    pz: float,
    charge: float,
    bfield_t: float,
) -> tuple[float, float]:
    """Transverse and longitudinal impact parameters of a helix w.r.t. the z axis.

    Parameters
    ----------
    vx, vy, vz : float
        Production vertex [mm].
    px, py, pz : float
        Momentum at the production vertex [GeV].
    charge : float
        Charge in units of e (0 = neutral: straight line).
    bfield_t : float
        Solenoidal field along +z [T] (0 allowed: straight line).

    Returns
    -------
    d0 : float
        Signed transverse impact parameter [mm], ``(y px - x py) / pT`` evaluated at the
        PCA with the momentum direction there (= CMS dxy = ATLAS d0). NaN if pT == 0.
    dz : float
        z of the PCA [mm], reached along the shortest signed arc from the vertex
        (turning angle in (-pi, pi]). NaN if pT == 0.

    Notes
    -----
    With t = (px, py) / pT, n = (-t_y, t_x) (t turned by +90 deg), P = (vx, vy) and the
    signed curvature k = -q B c / pT (k > 0: counter-clockwise seen from +z),

    * a = P.n = (vy px - vx py) / pT  (straight-line d0),  b = P.t,
    * u = 2 a + k |P|^2,  w = |k P + n| = sqrt(1 + k u),
    * d0 = u / (1 + w)                               (docs Eq. 5),
    * dphi = atan2(-k b, 1 + k a),  s = dphi / k,  dz = vz + s pz / pT   (docs Eq. 7-8).

    No difference of large numbers appears: the result is exact to rounding for both
    R = 1/|k| -> infinity (d0 -> a, s -> -b) and loopers with R << |P|.
    See docs/impact_parameters.md for the derivation and references (helix equations:
    Jackson Sec. 12.2 and Karimaki, NIM A305 (1991) 187; perigee convention:
    ATL-SOFT-PUB-2006-004; CMS DataFormats/TrackReco/interface/TrackBase.h, dxy()).
    """
    pt = math.sqrt(px * px + py * py)  # not hypot: its overflow guard is slow, not needed
    if not pt > 0.0:  # pT == 0 (or NaN): no transverse direction, PCA undefined
        return np.nan, np.nan
    tx = px / pt
    ty = py / pt
    a = vy * tx - vx * ty  # P.n: straight-line d0 (docs Eq. 2)
    b = vx * tx + vy * ty  # P.t: straight-line arc to the PCA is -b (docs Eq. 3)
    cot_theta = pz / pt

    # signed curvature [1/mm]; F = q v x B turns q B > 0 clockwise (docs Eq. 1)
    k = -charge * bfield_t * C_GEV_PER_T_MM / pt
    if k == 0.0:  # neutral, no field, or curvature below the double range
        return a, vz - b * cot_theta

    # d0 = s_k (|C| - R) rewritten without cancellation (docs Eq. 4-5)
    u = 2.0 * a + k * (vx * vx + vy * vy)
    wx = k * vx - ty
    wy = k * vy + tx
    w = math.sqrt(wx * wx + wy * wy)  # = |k P + n| = sqrt(1 + k u) >= 0, as a norm
    d0 = u / (1.0 + w)

    # turning angle from the vertex to the PCA, shortest signed arc (docs Eq. 6-7)
    y = -k * b
    x = 1.0 + k * a
    if x > 0.0 and abs(y) < 0.5 * x:
        # |dphi| < 0.47: s = (-b / x) * atan(zr) / zr, exact as k -> 0 (no 0/0)
        zr = y / x
        ratio = 1.0 if zr == 0.0 else math.atan(zr) / zr
        s = (-b / x) * ratio
    else:
        s = math.atan2(y, x) / k
    return d0, vz + s * cot_theta


@nb.njit(cache=True, error_model="numpy")
def impact_parameters_array(
    vx: np.ndarray,
    vy: np.ndarray,
    vz: np.ndarray,
    px: np.ndarray,
    py: np.ndarray,
    pz: np.ndarray,
    charge: np.ndarray,
    bfield_t: float,
    d0_out: np.ndarray,
    dz_out: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`impact_parameters` over struct-of-arrays inputs.

    Parameters
    ----------
    vx, vy, vz : ndarray of float64, shape (n,)
        Production vertices [mm].
    px, py, pz : ndarray of float64, shape (n,)
        Momenta at the production vertices [GeV].
    charge : ndarray of float64 (or int), shape (n,)
        Charges in units of e.
    bfield_t : float
        Solenoidal field along +z [T] (a scalar: one field per detector).
    d0_out, dz_out : ndarray of float64, shape (n,)
        Output buffers, filled with d0 [mm] and dz [mm].

    Returns
    -------
    d0_out, dz_out : ndarray of float64, shape (n,)
        The filled output buffers.
    """
    for i in range(vx.size):
        d0, dz = impact_parameters(vx[i], vy[i], vz[i], px[i], py[i], pz[i], charge[i], bfield_t)
        d0_out[i] = d0
        dz_out[i] = dz
    return d0_out, dz_out
