"""Brute-force reference for kernels/matrix_elements.py (slow, pure numpy).

Everything is done the long way, independently of the closed forms in the kernel:
explicit 4x4 Dirac matrices (Dirac representation), explicit helicity spinors,
explicit real transverse gluon polarisation vectors, colour factors from explicit
Gell-Mann matrices, and a sum of |amplitude|^2 over all helicities. Each crossed process
(q g, qbar g) is built from its own external spinors, not by crossing.

Signed masses: for m < 0 the spinors are u_m = g5 u_|m| and v_m = g5 v_|m|. They solve
(kslash - m) u = 0 and (kslash + m) v = 0 and give the spin sums u ubar = kslash + m and
v vbar = kslash - m (``test_spin_sums`` checks this).

Amplitudes (overall phases dropped; g_s and the colour matrix factored out):
  2 -> 2:  M = sum_ij C_ij J_i . X_j,  J_i^mu = psibar_out g^mu P_i psi_in,
           X_j^mu = ubar(k1) g^mu P_j v(k2);
  2 -> 3:  J_i^mu = psibar_out [ g^mu P_i (pa - pg)slash epsslash / (pa - pg)^2
                               + epsslash (pg - pb)slash g^mu P_i / (pb - pg)^2 ] psi_in,
  with pa (pb) the momentum flowing into the line at the psi_in (psibar_out) end along the
  fermion flow and pg the outgoing gluon momentum.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

METRIC = np.diag([1.0, -1.0, -1.0, -1.0])
_I2 = np.eye(2, dtype=complex)
_Z2 = np.zeros((2, 2), dtype=complex)
PAULI = (
    np.array([[0, 1], [1, 0]], dtype=complex),
    np.array([[0, -1j], [1j, 0]], dtype=complex),
    np.array([[1, 0], [0, -1]], dtype=complex),
)
#: gamma^mu (upper index), Dirac representation.
GAMMA = np.array(
    [np.block([[_I2, _Z2], [_Z2, -_I2]])] + [np.block([[_Z2, s], [-s, _Z2]]) for s in PAULI]
)
GAMMA5 = 1j * GAMMA[0] @ GAMMA[1] @ GAMMA[2] @ GAMMA[3]
PROJ = (0.5 * (np.eye(4) - GAMMA5), 0.5 * (np.eye(4) + GAMMA5))  # P_L, P_R


def slash(p: np.ndarray) -> np.ndarray:
    """pslash = gamma^mu p_mu for a real or complex four-vector p^mu."""
    return np.einsum("m,mij->ij", METRIC @ p, GAMMA)


def dot(a: np.ndarray, b: np.ndarray) -> complex:
    """Minkowski product."""
    return a @ METRIC @ b


def mdot(a: np.ndarray, b: np.ndarray) -> float:
    """Minkowski product of two real four-vectors."""
    return float(a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3])


def boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Boost p by velocity beta (the rest frame of a system moving with beta -> lab)."""
    b2 = beta @ beta
    if b2 == 0.0:
        return p.copy()
    gam = 1.0 / math.sqrt(1.0 - b2)
    bp = beta @ p[1:]
    return np.concatenate(
        [[gam * (p[0] + bp)], p[1:] + ((gam - 1.0) * bp / b2 + gam * p[0]) * beta]
    )


def unit(cos_t: float, phi: float) -> np.ndarray:
    """Unit three-vector with polar angle cosine cos_t and azimuth phi."""
    s = math.sqrt(max(0.0, 1.0 - cos_t * cos_t))
    return np.array([s * math.cos(phi), s * math.sin(phi), cos_t])


def bar(psi: np.ndarray) -> np.ndarray:
    """Dirac adjoint psi^dagger gamma^0 (as a row)."""
    return psi.conj() @ GAMMA[0]


def two_spinors(p3: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Helicity eigenstates chi_+, chi_- of sigma.p_hat (z axis for p = 0)."""
    norm = np.linalg.norm(p3)
    if norm == 0.0:
        theta, phi = 0.0, 0.0
    else:
        theta = np.arccos(np.clip(p3[2] / norm, -1.0, 1.0))
        phi = np.arctan2(p3[1], p3[0])
    plus = np.array([np.cos(theta / 2), np.exp(1j * phi) * np.sin(theta / 2)])
    minus = np.array([-np.exp(-1j * phi) * np.sin(theta / 2), np.cos(theta / 2)])
    return plus, minus


def u_spinors(p: np.ndarray, m: float) -> list[np.ndarray]:
    """The two helicity spinors u(p, +-) of a fermion of signed mass m."""
    am = abs(m)
    sp = np.einsum("i,ijk->jk", p[1:], np.array(PAULI))
    out = []
    for chi in two_spinors(p[1:]):
        root = np.sqrt(p[0] + am)
        u = np.concatenate([root * chi, sp @ chi / root])
        out.append(GAMMA5 @ u if m < 0 else u)
    return out


def v_spinors(p: np.ndarray, m: float) -> list[np.ndarray]:
    """The two spinors v(p, +-) of an antifermion of signed mass m."""
    am = abs(m)
    sp = np.einsum("i,ijk->jk", p[1:], np.array(PAULI))
    out = []
    for eta in two_spinors(p[1:]):
        root = np.sqrt(p[0] + am)
        v = np.concatenate([sp @ eta / root, root * eta])
        out.append(GAMMA5 @ v if m < 0 else v)
    return out


def gluon_polarisations(p: np.ndarray) -> list[np.ndarray]:
    """Two real transverse polarisation vectors (0, e) with e . p_vec = 0."""
    n = p[1:] / np.linalg.norm(p[1:])
    trial = np.array([1.0, 0.0, 0.0]) if abs(n[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = np.cross(n, trial)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(n, e1)
    return [np.concatenate([[0.0], e1]), np.concatenate([[0.0], e2])]


def gell_mann() -> np.ndarray:
    """The eight Gell-Mann matrices lambda^a."""
    lam = np.zeros((8, 3, 3), dtype=complex)
    lam[0][0, 1] = lam[0][1, 0] = 1
    lam[1][0, 1], lam[1][1, 0] = -1j, 1j
    lam[2][0, 0], lam[2][1, 1] = 1, -1
    lam[3][0, 2] = lam[3][2, 0] = 1
    lam[4][0, 2], lam[4][2, 0] = -1j, 1j
    lam[5][1, 2] = lam[5][2, 1] = 1
    lam[6][1, 2], lam[6][2, 1] = -1j, 1j
    lam[7] = np.diag([1, 1, -2]) / np.sqrt(3)
    return lam


def colour_sum_singlet() -> float:
    """sum over colours of |delta_{c c'}|^2 for the colour-singlet quark current."""
    return float(np.sum(np.abs(np.eye(3)) ** 2))


def colour_sum_gluon() -> float:
    """sum over a, c, c' of |T^a_{c c'}|^2 with T^a = lambda^a / 2."""
    return float(np.sum(np.abs(gell_mann() / 2.0) ** 2))


def _chi_currents(k1, k2, ma, mb):
    """X_j^mu = ubar(k1) g^mu P_j v(k2) for all chi helicities: shape (2, 2, 2 [j], 4)."""
    out = np.zeros((2, 2, 2, 4), dtype=complex)
    for (a, u), (b, v) in itertools.product(
        enumerate(u_spinors(k1, ma)), enumerate(v_spinors(k2, mb))
    ):
        ub = bar(u)
        for j in range(2):
            for mu in range(4):
                out[a, b, j, mu] = ub @ GAMMA[mu] @ PROJ[j] @ v
    return out


def _contract(c, jq, xchi):
    """sum_ij C_ij J_i . X_j, J_i and X_j contravariant 4-vectors."""
    amp = 0.0j
    for i in range(2):
        for j in range(2):
            amp += c[2 * i + j] * (jq[i] @ METRIC @ xchi[j])
    return amp


def _sum_2to2(psibar_out, psi_in, k1, k2, ma, mb, c):
    xs = _chi_currents(k1, k2, ma, mb)
    tot = 0.0
    for pb, pi in itertools.product(psibar_out, psi_in):
        jq = np.array([[pb @ GAMMA[mu] @ PROJ[i] @ pi for mu in range(4)] for i in range(2)])
        for a, b in itertools.product(range(2), range(2)):
            tot += abs(_contract(c, jq, xs[a, b])) ** 2
    return tot


def _sum_2to3(psibar_out, psi_in, pa, pb, pg, polarisations, k1, k2, ma, mb, c):
    xs = _chi_currents(k1, k2, ma, mb)
    da = dot(pa - pg, pa - pg).real
    db = dot(pb - pg, pb - pg).real
    sa = slash(pa - pg)
    sb = slash(pg - pb)
    tot = 0.0
    for eps in polarisations:
        se = slash(eps)
        for pbar, pin in itertools.product(psibar_out, psi_in):
            jq = np.zeros((2, 4), dtype=complex)
            for i in range(2):
                for mu in range(4):
                    vert = GAMMA[mu] @ PROJ[i]
                    op = vert @ sa @ se / da + se @ sb @ vert / db
                    jq[i, mu] = pbar @ op @ pin
            for a, b in itertools.product(range(2), range(2)):
                tot += abs(_contract(c, jq, xs[a, b])) ** 2
    return tot


def me2_qqbar_chichi(p1, p2, k1, k2, ma, mb, c) -> float:
    """Brute-force averaged |M|^2 of q(p1) qbar'(p2) -> chi(k1) chibar(k2)."""
    psibar = [bar(v) for v in v_spinors(p2, 0.0)]
    psi = u_spinors(p1, 0.0)
    tot = _sum_2to2(psibar, psi, k1, k2, ma, mb, c)
    return colour_sum_singlet() * tot / 36.0


def me2_qqbar_chichi_g(p1, p2, p3, k1, k2, ma, mb, c, gs2) -> float:
    """Brute-force averaged |M|^2 of q(p1) qbar'(p2) -> chi chibar g(p3)."""
    psibar = [bar(v) for v in v_spinors(p2, 0.0)]
    psi = u_spinors(p1, 0.0)
    tot = _sum_2to3(psibar, psi, p1, p2, p3, gluon_polarisations(p3), k1, k2, ma, mb, c)
    return gs2 * colour_sum_gluon() * tot / 36.0


def me2_qg_chichi_q(p1, p2, p3, k1, k2, ma, mb, c, gs2) -> float:
    """Brute-force averaged |M|^2 of q(p1) g(p2) -> chi chibar q'(p3): ubar(p3) ... u(p1)."""
    psibar = [bar(u) for u in u_spinors(p3, 0.0)]
    psi = u_spinors(p1, 0.0)
    tot = _sum_2to3(psibar, psi, p1, -p3, -p2, gluon_polarisations(p2), k1, k2, ma, mb, c)
    return gs2 * colour_sum_gluon() * tot / 96.0


def me2_qbarg_chichi_qbar(p1, p2, p3, k1, k2, ma, mb, c, gs2) -> float:
    """Brute-force averaged |M|^2 of qbar'(p1) g(p2) -> chi chibar qbar(p3): vbar(p1) ... v(p3)."""
    psibar = [bar(v) for v in v_spinors(p1, 0.0)]
    psi = v_spinors(p3, 0.0)
    tot = _sum_2to3(psibar, psi, -p3, p1, -p2, gluon_polarisations(p2), k1, k2, ma, mb, c)
    return gs2 * colour_sum_gluon() * tot / 96.0


def hadronic_tensor_qqbar_g(p1, p2, p3, chirality: int) -> np.ndarray:
    """H^{mu nu} = sum_{quark spins, gluon pols} J^mu J^nu* of q(p1) qbar(p2) -> V* g(p3).

    ``chirality`` 0 (L) or 1 (R) selects g^mu P_i at the V vertex; colour and g_s are
    stripped. Upper indices, shape (4, 4).
    """
    da = dot(p1 - p3, p1 - p3).real
    db = dot(p2 - p3, p2 - p3).real
    sa = slash(p1 - p3)
    sb = slash(p3 - p2)
    h = np.zeros((4, 4), dtype=complex)
    for eps in gluon_polarisations(p3):
        se = slash(eps)
        for v2, u1 in itertools.product(v_spinors(p2, 0.0), u_spinors(p1, 0.0)):
            vb = bar(v2)
            j = np.array(
                [
                    vb
                    @ (
                        GAMMA[mu] @ PROJ[chirality] @ sa @ se / da
                        + se @ sb @ GAMMA[mu] @ PROJ[chirality] / db
                    )
                    @ u1
                    for mu in range(4)
                ]
            )
            h += np.outer(j, j.conj())
    return h
