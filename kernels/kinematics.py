"""Four-vector helpers shared by the kernels (written once, jitted).

Four-vectors are float64 arrays (E, px, py, pz); metric (+, -, -, -).
"""

from __future__ import annotations

import math

import numba as nb


@nb.njit(cache=True, error_model="numpy", inline="always")
def kallen(a: float, b: float, c: float) -> float:
    """Kallen function lambda(a, b, c) = a^2 + b^2 + c^2 - 2ab - 2ac - 2bc."""
    return a * a + b * b + c * c - 2.0 * (a * b + a * c + b * c)


@nb.njit(cache=True, error_model="numpy")
def boost_into(p, bx, by, bz, out):
    """Boost ``p`` by velocity (bx, by, bz) into ``out`` (out may not alias p).

    Standard Lorentz boost (Jackson, Classical Electrodynamics, Eq. 11.19).
    """
    b2 = bx * bx + by * by + bz * bz
    if b2 <= 0.0:
        for i in range(4):
            out[i] = p[i]
        return out
    gamma = 1.0 / math.sqrt(1.0 - b2)
    bp = bx * p[1] + by * p[2] + bz * p[3]
    gamma2 = (gamma - 1.0) / b2
    out[0] = gamma * (p[0] + bp)
    out[1] = p[1] + gamma2 * bp * bx + gamma * bx * p[0]
    out[2] = p[2] + gamma2 * bp * by + gamma * by * p[0]
    out[3] = p[3] + gamma2 * bp * bz + gamma * bz * p[0]
    return out


@nb.njit(cache=True, error_model="numpy")
def two_body_decay(parent, m_parent, m1, m2, cos_theta, phi, k1, k2):
    """Decay ``parent`` (mass m_parent) into k1 (mass |m1|) and k2 (|m2|).

    The direction of k1 in the parent rest frame is (cos_theta, phi) with respect to the
    lab axes; both daughters are boosted to the frame of ``parent``. Returns False if the
    decay is closed.
    """
    ma = abs(m1)
    mb = abs(m2)
    lam = kallen(m_parent * m_parent, ma * ma, mb * mb)
    if lam < 0.0 or m_parent < ma + mb:
        return False
    pstar = math.sqrt(lam) / (2.0 * m_parent)
    e1 = (m_parent * m_parent + ma * ma - mb * mb) / (2.0 * m_parent)
    sin_theta = math.sqrt(max(0.0, 1.0 - cos_theta * cos_theta))
    nx = sin_theta * math.cos(phi)
    ny = sin_theta * math.sin(phi)
    nz = cos_theta
    bx = parent[1] / parent[0]
    by = parent[2] / parent[0]
    bz = parent[3] / parent[0]
    # rest-frame momenta, then boost; reuse k2 as scratch for k1's rest-frame vector
    k2[0] = e1
    k2[1] = pstar * nx
    k2[2] = pstar * ny
    k2[3] = pstar * nz
    boost_into(k2, bx, by, bz, k1)
    for i in range(4):
        k2[i] = parent[i] - k1[i]
    return True


@nb.njit(cache=True, error_model="numpy", inline="always")
def sample_power_law(r: float, lo: float, hi: float, a: float):
    """Draw u in [lo, hi] with density g(u) = (1 - a) u^-a / (hi^(1-a) - lo^(1-a)), a != 1.

    Returns (u, 1 / g(u)), the value and the inverse density (the Monte Carlo weight).
    """
    e = 1.0 - a
    lo_e = lo**e
    span = hi**e - lo_e
    u = (lo_e + r * span) ** (1.0 / e)
    return u, span / (e * u ** (-a))
