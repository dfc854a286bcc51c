"""Event variables of the selections: angles, masses, m_T, m_T2, m_tautau, min Delta phi.

All functions are numpy-vectorised (any broadcastable shapes) and propagate NaN, so the
NaN-padded object arrays of ``higgsino_sim.analysis.objects`` can be passed directly.
Units: GeV, radians. Formulas and references in docs/analysis.md.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "delta_phi",
    "delta_r",
    "ht_lep",
    "invariant_mass",
    "m_tautau_collinear",
    "min_delta_phi",
    "mt",
    "mt2",
]

Array = NDArray[np.float64]


def delta_phi(phi1: ArrayLike, phi2: ArrayLike) -> Array:
    """Signed azimuthal difference phi1 - phi2 wrapped into [-pi, pi) [rad].

    Parameters
    ----------
    phi1, phi2 : array_like
        Azimuths [rad] (any real values; broadcast together).

    Returns
    -------
    ndarray
        (phi1 - phi2 + pi) mod 2 pi - pi; NaN where an input is NaN.
    """
    d = np.asarray(phi1, dtype=float) - np.asarray(phi2, dtype=float)
    return np.mod(d + np.pi, 2.0 * np.pi) - np.pi


def delta_r(eta1: ArrayLike, phi1: ArrayLike, eta2: ArrayLike, phi2: ArrayLike) -> Array:
    """Angular distance Delta R = sqrt(Delta eta^2 + Delta phi^2) (pseudorapidity, azimuth).

    Parameters
    ----------
    eta1, phi1, eta2, phi2 : array_like
        Pseudorapidities and azimuths [rad] of the two objects.

    Returns
    -------
    ndarray
        Delta R (dimensionless); NaN where an input is NaN.
    """
    deta = np.asarray(eta1, dtype=float) - np.asarray(eta2, dtype=float)
    return np.hypot(deta, delta_phi(phi1, phi2))


def _four_vector(pt: ArrayLike, eta: ArrayLike, phi: ArrayLike,
                 m: ArrayLike) -> tuple[Array, Array, Array, Array]:
    pt, eta, phi, m = (np.asarray(x, dtype=float) for x in (pt, eta, phi, m))
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    e = np.sqrt(m * m + pt * pt + pz * pz)
    return e, px, py, pz


def invariant_mass(pt1: ArrayLike, eta1: ArrayLike, phi1: ArrayLike, m1: ArrayLike,
                   pt2: ArrayLike, eta2: ArrayLike, phi2: ArrayLike, m2: ArrayLike) -> Array:
    """Invariant mass of two objects given as (pT, eta, phi, m) [GeV].

    Uses m^2 = m1^2 + m2^2 + 2 (E1 E2 - p1 . p2) with E = sqrt(m^2 + p^2), p_z = pT sinh eta
    (the form that keeps precision for nearly collinear light objects).

    Parameters
    ----------
    pt1, eta1, phi1, m1, pt2, eta2, phi2, m2 : array_like
        Transverse momenta [GeV], pseudorapidities, azimuths [rad] and masses [GeV]
        (0 for massless objects).

    Returns
    -------
    ndarray
        m [GeV] (m^2 clipped at 0 against rounding); NaN where an input is NaN.
    """
    e1, x1, y1, z1 = _four_vector(pt1, eta1, phi1, m1)
    e2, x2, y2, z2 = _four_vector(pt2, eta2, phi2, m2)
    m1, m2 = np.asarray(m1, dtype=float), np.asarray(m2, dtype=float)
    m_sq = m1 * m1 + m2 * m2 + 2.0 * (e1 * e2 - x1 * x2 - y1 * y2 - z1 * z2)
    return np.sqrt(np.maximum(m_sq, 0.0))


def mt(pt1: ArrayLike, phi1: ArrayLike, pt2: ArrayLike, phi2: ArrayLike) -> Array:
    """Transverse mass of two massless objects (e.g. a lepton and p_T^miss) [GeV].

    m_T = sqrt(2 pT1 pT2 (1 - cos Delta phi)) (UA1, Phys. Lett. B 122 (1983) 103; the m = 0
    limit of the m_T of ``mt2``).

    Parameters
    ----------
    pt1, phi1, pt2, phi2 : array_like
        Transverse momenta [GeV] and azimuths [rad].

    Returns
    -------
    ndarray
        m_T [GeV]; NaN where an input is NaN.
    """
    pt1, pt2 = np.asarray(pt1, dtype=float), np.asarray(pt2, dtype=float)
    return np.sqrt(np.maximum(2.0 * pt1 * pt2 * (1.0 - np.cos(delta_phi(phi1, phi2))), 0.0))


def mt2(pt1: ArrayLike, phi1: ArrayLike, m1: ArrayLike, pt2: ArrayLike, phi2: ArrayLike,
        m2: ArrayLike, met: ArrayLike, met_phi: ArrayLike, m_invisible: float = 0.0) -> Array:
    """Stransverse mass m_T2 [GeV] (Lester and Summers, arXiv:hep-ph/9906349).

    The minimum over all splittings of p_T^miss into two invisible particles of mass
    ``m_invisible`` of the larger of the two transverse masses; computed by the numba kernel
    ``higgsino_sim.kernels.mt2`` (convex minimisation equivalent to the Cheng-Han bisection,
    arXiv:0810.5178; see its docstring).

    Parameters
    ----------
    pt1, phi1, m1 : array_like
        First visible system: pT [GeV], azimuth [rad], mass [GeV].
    pt2, phi2, m2 : array_like
        Second visible system.
    met, met_phi : array_like
        Missing transverse momentum [GeV] and its azimuth [rad].
    m_invisible : float
        Trial mass of each invisible particle [GeV] (default 0).

    Returns
    -------
    ndarray
        m_T2 [GeV], shape of the broadcast inputs; NaN where an input is NaN.
    """
    from higgsino_sim.kernels.mt2 import mt2_array

    arrs = np.broadcast_arrays(*(np.asarray(x, dtype=float)
                                 for x in (pt1, phi1, m1, pt2, phi2, m2, met, met_phi)))
    shape = arrs[0].shape
    pt1, phi1, m1, pt2, phi2, m2, met, met_phi = (np.ascontiguousarray(a).ravel() for a in arrs)
    out = np.empty(pt1.size)
    mt2_array(m1, pt1 * np.cos(phi1), pt1 * np.sin(phi1), m2, pt2 * np.cos(phi2),
              pt2 * np.sin(phi2), met * np.cos(met_phi), met * np.sin(met_phi),
              float(m_invisible), out)
    return out.reshape(shape)


def m_tautau_collinear(pt1: ArrayLike, eta1: ArrayLike, phi1: ArrayLike, pt2: ArrayLike,
                       eta2: ArrayLike, phi2: ArrayLike, met: ArrayLike,
                       met_phi: ArrayLike) -> Array:
    """Signed di-tau mass in the collinear approximation [GeV].

    Each tau's neutrinos are taken collinear with its (massless) visible product and to
    carry all of p_T^miss (Ellis, Hinchliffe, Soldate, van der Bij, Nucl. Phys. B 297 (1988)
    221): p_T^miss = xi1 pT(l1) + xi2 pT(l2) as 2-vectors, solved for xi1, xi2; each tau is
    (1 + xi_i) p(l_i), so m_tautau^2 = m_vis^2 (1 + xi1)(1 + xi2) with m_vis^2 = 2 p(l1).p(l2).
    As in ATLAS arXiv:1911.12606 (sec. 5), the result is signed:
    m_tautau = sign(m_tautau^2) sqrt(|m_tautau^2|), negative when exactly one xi < -1 (a
    neutrino pointing against its lepton).

    Parameters
    ----------
    pt1, eta1, phi1, pt2, eta2, phi2 : array_like
        The two visible products (massless): pT [GeV], pseudorapidity, azimuth [rad].
    met, met_phi : array_like
        Missing transverse momentum [GeV] and its azimuth [rad].

    Returns
    -------
    ndarray
        Signed m_tautau [GeV]; NaN where an input is NaN or the visible products are
        collinear or back-to-back in the transverse plane (the 2x2 system is singular).
    """
    pt1, pt2, met = (np.asarray(x, dtype=float) for x in (pt1, pt2, met))
    x1, y1 = pt1 * np.cos(phi1), pt1 * np.sin(phi1)
    x2, y2 = pt2 * np.cos(phi2), pt2 * np.sin(phi2)
    mx, my = met * np.cos(met_phi), met * np.sin(met_phi)
    det = x1 * y2 - x2 * y1
    # |sin Delta phi| < 1e-12: (anti)collinear within rounding, xi undefined
    ok = np.abs(det) > 1e-12 * pt1 * pt2
    with np.errstate(divide="ignore", invalid="ignore"):
        xi1 = np.where(ok, (mx * y2 - my * x2) / det, np.nan)
        xi2 = np.where(ok, (x1 * my - y1 * mx) / det, np.nan)
    m_vis_sq = invariant_mass(pt1, eta1, phi1, 0.0, pt2, eta2, phi2, 0.0) ** 2
    m_sq = m_vis_sq * (1.0 + xi1) * (1.0 + xi2)
    return np.sign(m_sq) * np.sqrt(np.abs(m_sq))


def min_delta_phi(phi: ArrayLike, jet_pt: ArrayLike, jet_phi: ArrayLike, pt_min: float = 0.0,
                  jet_eta: ArrayLike | None = None, abs_eta_max: float = np.inf) -> Array:
    """Smallest |Delta phi| between a vector and the jets above a pT threshold [rad].

    Parameters
    ----------
    phi : array_like, shape (n,)
        Azimuth of the vector (e.g. hard p_T^miss) per event [rad].
    jet_pt, jet_phi : array_like, shape (n,) or (n, k)
        Jets per event (NaN-padded: NaN jets are ignored) [GeV, rad].
    pt_min : float
        Jets count if pT >= pt_min [GeV].
    jet_eta : array_like, optional
        Jet pseudorapidities, same shape as jet_pt, for the |eta| < abs_eta_max requirement.
    abs_eta_max : float
        Jets count if |eta| < abs_eta_max (only with ``jet_eta``).

    Returns
    -------
    ndarray, shape (n,)
        min |Delta phi| over the counted jets; +inf for an event with none (so that a
        requirement min Delta phi > x is passed, as for an event without jets in the papers).
    """
    jet_pt = np.asarray(jet_pt, dtype=float)
    jet_phi = np.asarray(jet_phi, dtype=float)
    if jet_pt.ndim == 1:
        jet_pt, jet_phi = jet_pt[:, None], jet_phi[:, None]
    use = jet_pt >= pt_min  # False for NaN
    if jet_eta is not None:
        jet_eta = np.asarray(jet_eta, dtype=float)
        use &= np.abs(jet_eta.reshape(jet_pt.shape)) < abs_eta_max
    dphi = np.abs(delta_phi(np.asarray(phi, dtype=float)[:, None], jet_phi))
    return np.where(use, dphi, np.inf).min(axis=1)


def ht_lep(*pts: ArrayLike) -> Array:
    """Scalar sum of lepton (and track) transverse momenta, HT_lep = sum pT [GeV].

    ATLAS arXiv:1911.12606 sec. 5 (1l1T: pT(l) + pT(track)).

    Parameters
    ----------
    *pts : array_like
        Transverse momenta [GeV] of the objects summed (broadcast together).

    Returns
    -------
    ndarray
        The sum [GeV]; NaN where an input is NaN.
    """
    return np.sum(np.broadcast_arrays(*(np.asarray(p, dtype=float) for p in pts)), axis=0)
