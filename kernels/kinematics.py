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

    The boost uses m_parent as the parent mass (no square root): with P = parent and
    k* the rest-frame momentum, E = (E_P e* + P.k*) / M and
    k = k* + P [P.k* / (E_P + M) + e*] / M, Jackson Eq. 11.19 with gamma = E_P / M,
    beta = P / E_P and (gamma - 1) / beta^2 = gamma^2 / (gamma + 1).
    """
    ma = abs(m1)
    mb = abs(m2)
    lam = kallen(m_parent * m_parent, ma * ma, mb * mb)
    if lam < 0.0 or m_parent < ma + mb:
        return False
    pstar = math.sqrt(lam) / (2.0 * m_parent)
    e1 = (m_parent * m_parent + ma * ma - mb * mb) / (2.0 * m_parent)
    sin_theta = math.sqrt(max(0.0, 1.0 - cos_theta * cos_theta))
    kx = pstar * sin_theta * math.cos(phi)
    ky = pstar * sin_theta * math.sin(phi)
    kz = pstar * cos_theta
    pk = parent[1] * kx + parent[2] * ky + parent[3] * kz
    inv_m = 1.0 / m_parent
    coef = (pk / (parent[0] + m_parent) + e1) * inv_m
    k1[0] = (parent[0] * e1 + pk) * inv_m
    k1[1] = kx + coef * parent[1]
    k1[2] = ky + coef * parent[2]
    k1[3] = kz + coef * parent[3]
    for i in range(4):
        k2[i] = parent[i] - k1[i]
    return True


@nb.njit(cache=True, error_model="numpy", inline="always")
def power_law_setup(lo: float, hi: float, a: float):
    """Constants (e, lo^e, hi^e - lo^e), e = 1 - a, of :func:`power_law_draw` on [lo, hi].

    a = 2 (e = -1) uses divisions instead of pow.
    """
    e = 1.0 - a
    if e == -1.0:
        lo_e = 1.0 / lo
        span = 1.0 / hi - lo_e
    else:
        lo_e = lo**e
        span = hi**e - lo_e
    return e, lo_e, span


@nb.njit(cache=True, error_model="numpy", inline="always")
def power_law_draw(r: float, e: float, lo_e: float, span: float):
    """Draw u with density g(u) = e u^-a / span from the constants of :func:`power_law_setup`.

    Inverse CDF: z = lo^e + r span, u = z^(1/e); since u^-a = u^(e-1) = z / u, the
    weight 1 / g(u) = span u^a / e = span u / (e z) needs no second pow. Returns
    (u, 1 / g(u)).
    """
    z = lo_e + r * span
    u = 1.0 / z if e == -1.0 else z ** (1.0 / e)
    return u, span * u / (e * z)


@nb.njit(cache=True, error_model="numpy", inline="always")
def sample_power_law(r: float, lo: float, hi: float, a: float):
    """Draw u in [lo, hi] with density g(u) = (1 - a) u^-a / (hi^(1-a) - lo^(1-a)), a != 1.

    Returns (u, 1 / g(u)), the value and the inverse density (the Monte Carlo weight).
    """
    e, lo_e, span = power_law_setup(lo, hi, a)
    return power_law_draw(r, e, lo_e, span)
