"""Independent reference for truth impact parameters: numerical minimisation of the
transverse distance to the z axis along the explicitly parametrised helix (used by
tests/unit/test_helix.py and the decay-vertex closure in tests/physics)."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from higgsino_sim.kernels.helix import C_GEV_PER_T_MM

EPS = np.finfo(float).eps

# --------------------------------------------------------------------------------------
# Reference: minimise rho^2(alpha) = x(alpha)^2 + y(alpha)^2 along the helix
# --------------------------------------------------------------------------------------
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
N_GRID = 64
BRENTQ_XTOL = 1e-20
BRENTQ_RTOL = 4.0 * EPS
TOL_MM = 1e-7


def _helix(alpha, vx, vy, vz, px, py, pz, charge, bfield_t):
    pt = math.hypot(px, py)
    tx, ty = px / pt, py / pt
    nx, ny = -ty, tx
    radius = pt / (C_GEV_PER_T_MM * abs(charge) * abs(bfield_t))
    h = -math.copysign(1.0, charge * bfield_t)
    s, c2 = math.sin(alpha), 2.0 * math.sin(0.5 * alpha) ** 2
    x = vx + radius * (s * tx + h * c2 * nx)
    y = vy + radius * (s * ty + h * c2 * ny)
    dx = math.cos(alpha) * tx + h * s * nx
    dy = math.cos(alpha) * ty + h * s * ny
    z = vz + radius * alpha * pz / pt
    return x, y, z, dx, dy


def reference_impact_parameters(vx, vy, vz, px, py, pz, charge, bfield_t):
    """(d0, dz) by numerical minimisation over the turning angle (charged, B != 0)."""

    def rho2(alpha):
        x, y, *_ = _helix(alpha, vx, vy, vz, px, py, pz, charge, bfield_t)
        return x * x + y * y

    def grad(alpha):  # (1 / 2R) d(rho^2)/d(alpha) = r . dir
        x, y, _, dx, dy = _helix(alpha, vx, vy, vz, px, py, pz, charge, bfield_t)
        return x * dx + y * dy

    # bracket over the full turn: rho^2 has one minimum per turn, so the true minimum lies
    # between the neighbours of the best grid point
    grid = np.linspace(-math.pi, math.pi, N_GRID + 1)
    j = int(np.argmin([rho2(a) for a in grid]))
    step = grid[1] - grid[0]
    lo, hi = grid[j] - step, grid[j] + step
    res = minimize_scalar(rho2, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12})
    root = brentq(grad, lo, hi, xtol=BRENTQ_XTOL, rtol=BRENTQ_RTOL, maxiter=500)
    # the polished stationary point is the minimiser's minimum, not the maximum
    assert abs(root - res.x) < 1e-5
    alpha = math.remainder(root, 2.0 * math.pi)  # shortest signed arc, |alpha| <= pi
    x, y, z, dx, dy = _helix(alpha, vx, vy, vz, px, py, pz, charge, bfield_t)
    return (y * dx - x * dy) / math.hypot(dx, dy), z
