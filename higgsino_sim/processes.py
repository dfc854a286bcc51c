"""The six Higgsino pair-production subprocesses and their couplings.

Each subprocess q qbar' -> V* -> chi_a chibar_b is described by the amplitude
    M = sum_ij C_ij(Q^2) [vbar(p2) g^mu P_i u(p1)] [ubar(k1) g_mu P_j v(k2)],
    C_ij(Q^2) = sum_V a_i^V b_j^V / (Q^2 - M_V^2 + i M_V Gamma_V),
(the contract of ``higgsino_sim.kernels.matrix_elements``), with a_i the quark and b_j the
chi couplings of boson V. Lagrangian and Feynman rules: Haber & Kane, Phys. Rept. 117
(1985) 75, Eqs. (C.87)-(C.89) / Gunion & Haber, Nucl. Phys. B272 (1986) 1, Eqs. (A.?) as
collected in docs/physics.md:
  W:  g W^-_mu chibar0_i g^mu (O^L_i P_L + O^R_i P_R) chi+ + h.c.,
      O^L_i = -N_i4 V_12^* / sqrt2 + N_i2 V_11^*,  O^R_i = N_i3^* U_12 / sqrt2 + N_i2^* U_11
  Z:  vertex (g / c_W) g^mu (O''^L_ij P_L + O''^R_ij P_R) for i != j Majorana neutralinos,
      O''^L_ij = -N_i3 N_j3^* / 2 + N_i4 N_j4^* / 2,  O''^R_ij = -O''^L_ij^*
  chargino: photon -e, Z -(g / c_W)(1/2 - s_W^2) on both chiralities (a pure Higgsino is
      a vector-like doublet), written in the same convention as the quarks
      (photon -e Q_q, Z -(g/c_W)(T3 P_L - Q s_W^2)), so the gamma/Z interference sign is right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from higgsino_sim import constants as sm
from higgsino_sim.errors import UsageError
from higgsino_sim.spectrum import PDG_C1, PDG_N1, PDG_N2, Spectrum

#: Subprocess keys (a contract: scripts and the JSON output of `hsim xsec` use them).
PROCESSES: tuple[str, ...] = ("c1p_n2", "c1m_n2", "c1p_n1", "c1m_n1", "n2_n1", "c1p_c1m")

_LABELS = {
    "c1p_n2": "chi1+ chi20",
    "c1m_n2": "chi1- chi20",
    "c1p_n1": "chi1+ chi10",
    "c1m_n1": "chi1- chi10",
    "n2_n1": "chi20 chi10",
    "c1p_c1m": "chi1+ chi1-",
}

MAX_PAIRS = 6
MAX_BOSONS = 2
MAX_CLASSES = 2


@dataclass(frozen=True, slots=True)
class Subprocess:
    """One subprocess with the couplings its kernel needs.

    ``pdg_a``/``pdg_b`` are the ids of the chi leaving with momenta k1 (u spinor) and k2
    (v spinor); ``m_a``/``m_b`` their signed masses [GeV].
    """

    key: str
    label: str
    pdg_a: int
    pdg_b: int
    m_a: float
    m_b: float
    bosons: tuple[tuple[float, float], ...]  # (mass, width) [GeV]
    couplings: np.ndarray  # complex (n_classes, n_bosons, 4)
    pairs: tuple[tuple[int, int, int, float], ...]  # (quark id, antiquark id, class, weight)


def w_chi_couplings(spec: Spectrum, i: int) -> tuple[float, float]:
    """(O^L_i, O^R_i) of W chi0_i chi1+ (Haber-Kane C.87 / Gunion-Haber; real mixing)."""
    n = spec.n_mix[i]
    u, v = spec.u_mix, spec.v_mix
    o_l = -n[3] * v[1] / math.sqrt(2.0) + n[1] * v[0]
    o_r = n[2] * u[1] / math.sqrt(2.0) + n[1] * u[0]
    return o_l, o_r


def z_neutralino_couplings(spec: Spectrum, i: int, j: int) -> tuple[float, float]:
    """(O''^L_ij, O''^R_ij) of Z chi0_i chi0_j (Haber-Kane C.89; real mixing)."""
    ni, nj = spec.n_mix[i], spec.n_mix[j]
    o_l = -0.5 * ni[2] * nj[2] + 0.5 * ni[3] * nj[3]
    return o_l, -o_l


def _w_pairs(charge: int) -> tuple[tuple[int, int, int, float], ...]:
    """Flavour pairs (quark, antiquark) of W+ (charge=+1) or W- exchange with |V_CKM|^2."""
    pairs = []
    for iu, up in enumerate(sm.UP_TYPE):
        for idn, down in enumerate(sm.DOWN_TYPE):
            w = float(sm.V_CKM[iu, idn] ** 2)
            pairs.append((up, -down, 0, w) if charge > 0 else (down, -up, 0, w))
    return tuple(pairs)


def _neutral_pairs() -> tuple[tuple[int, int, int, float], ...]:
    """q qbar pairs; coupling class 0 = up type, 1 = down type."""
    return tuple((q, -q, 0 if q in sm.UP_TYPE else 1, 1.0) for q in (1, 2, 3, 4, 5))


def _z_quark(q: int) -> tuple[float, float]:
    """Quark (a_L, a_R) of the Z: -(g/c_W)(T3 - Q s_W^2), -(g/c_W)(-Q s_W^2)."""
    gz = sm.G_WEAK / sm.COS_THETA_W
    return (
        -gz * (sm.QUARK_T3[q] - sm.QUARK_CHARGE[q] * sm.SIN2_THETA_W),
        -gz * (-sm.QUARK_CHARGE[q] * sm.SIN2_THETA_W),
    )


def build_subprocess(key: str, spec: Spectrum) -> Subprocess:
    """Couplings, masses and flavour channels of subprocess ``key`` for ``spec``."""
    g = sm.G_WEAK
    if key in ("c1p_n2", "c1m_n2", "c1p_n1", "c1m_n1"):
        i = 1 if key.endswith("n2") else 0
        o_l, o_r = w_chi_couplings(spec, i)
        m_ni = spec.signed_n2 if i == 1 else spec.signed_n1
        pdg_ni = PDG_N2 if i == 1 else PDG_N1
        a_l = g / math.sqrt(2.0)  # |V_CKM| goes into the pair weight
        coup = np.zeros((1, 1, 4), dtype=np.complex128)
        # quark current is left-handed: only LL and LR
        coup[0, 0, 0] = a_l * g * o_l
        coup[0, 0, 1] = a_l * g * o_r
        w = ((sm.M_W, sm.GAMMA_W),)
        if key.startswith("c1p"):
            # u dbar -> W+ -> chi+ (k1) chi0 (k2): chi vertex g (O^L* P_L + O^R* P_R)
            return Subprocess(key, _LABELS[key], PDG_C1, pdg_ni, spec.m_c1, m_ni, w,
                              coup.conj(), _w_pairs(+1))
        # d ubar -> W- -> chi0 (k1) chi- (k2): chi vertex g (O^L P_L + O^R P_R)
        return Subprocess(key, _LABELS[key], pdg_ni, -PDG_C1, m_ni, spec.m_c1, w, coup,
                          _w_pairs(-1))
    if key == "n2_n1":
        o_l, o_r = z_neutralino_couplings(spec, 1, 0)
        gz = g / sm.COS_THETA_W
        coup = np.zeros((2, 1, 4), dtype=np.complex128)
        for c, q in ((0, 2), (1, 1)):
            a_l, a_r = _z_quark(q)
            coup[c, 0] = [a_l * gz * o_l, a_l * gz * o_r, a_r * gz * o_l, a_r * gz * o_r]
        return Subprocess(key, _LABELS[key], PDG_N2, PDG_N1, spec.signed_n2, spec.signed_n1,
                          ((sm.M_Z, sm.GAMMA_Z),), coup, _neutral_pairs())
    if key == "c1p_c1m":
        e = sm.E_CHARGE
        gz = g / sm.COS_THETA_W
        b_z = -gz * (0.5 - sm.SIN2_THETA_W)
        coup = np.zeros((2, 2, 4), dtype=np.complex128)
        for c, q in ((0, 2), (1, 1)):
            a_g = -e * sm.QUARK_CHARGE[q]
            a_l, a_r = _z_quark(q)
            coup[c, 0] = [a_g * -e] * 4  # photon: vector on both sides
            coup[c, 1] = [a_l * b_z, a_l * b_z, a_r * b_z, a_r * b_z]
        return Subprocess(key, _LABELS[key], PDG_C1, -PDG_C1, spec.m_c1, spec.m_c1,
                          ((0.0, 0.0), (sm.M_Z, sm.GAMMA_Z)), coup, _neutral_pairs())
    raise UsageError(f"unknown process {key!r}; choose from {', '.join(PROCESSES)}")


def parse_processes(text: str | None) -> tuple[str, ...]:
    """Parse ``--processes`` (comma-separated keys, or 'all'); keeps the canonical order."""
    if text is None or text.strip() in ("", "all"):
        return PROCESSES
    keys = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in keys if k not in PROCESSES]
    if unknown or not keys:
        raise UsageError(
            f"unknown process {', '.join(unknown) or repr(text)} in --processes; "
            f"choose from {', '.join(PROCESSES)} (comma-separated) or 'all'"
        )
    return tuple(k for k in PROCESSES if k in keys)


@dataclass(frozen=True, slots=True)
class ProcessTables:
    """The subprocesses packed into the arrays the kernels take (see kernels.hard_process)."""

    keys: tuple[str, ...]
    subprocesses: tuple[Subprocess, ...]
    proc_m: np.ndarray
    n_bos: np.ndarray
    bos_m: np.ndarray
    bos_w: np.ndarray
    coup: np.ndarray
    n_pair: np.ndarray
    pair_q: np.ndarray
    pair_qb: np.ndarray
    pair_class: np.ndarray
    pair_w: np.ndarray

    def kernel_args(self) -> tuple[np.ndarray, ...]:
        """(n_bos, bos_m, bos_w, coup, n_pair, pair_q, pair_qb, pair_class, pair_w)."""
        return (self.n_bos, self.bos_m, self.bos_w, self.coup, self.n_pair, self.pair_q,
                self.pair_qb, self.pair_class, self.pair_w)


def pack(subprocesses: tuple[Subprocess, ...]) -> ProcessTables:
    """Pack subprocesses into fixed-shape arrays for the kernels."""
    n = len(subprocesses)
    proc_m = np.zeros((n, 2))
    n_bos = np.zeros(n, dtype=np.int64)
    bos_m = np.zeros((n, MAX_BOSONS))
    bos_w = np.zeros((n, MAX_BOSONS))
    coup = np.zeros((n, MAX_CLASSES, MAX_BOSONS, 4), dtype=np.complex128)
    n_pair = np.zeros(n, dtype=np.int64)
    pair_q = np.zeros((n, MAX_PAIRS), dtype=np.int64)
    pair_qb = np.zeros((n, MAX_PAIRS), dtype=np.int64)
    pair_class = np.zeros((n, MAX_PAIRS), dtype=np.int64)
    pair_w = np.zeros((n, MAX_PAIRS))
    for p, sp in enumerate(subprocesses):
        proc_m[p] = sp.m_a, sp.m_b
        n_bos[p] = len(sp.bosons)
        for v, (m, w) in enumerate(sp.bosons):
            bos_m[p, v], bos_w[p, v] = m, w
        nc, nv, _ = sp.couplings.shape
        coup[p, :nc, :nv] = sp.couplings
        n_pair[p] = len(sp.pairs)
        for k, (q, qb, c, w) in enumerate(sp.pairs):
            pair_q[p, k], pair_qb[p, k], pair_class[p, k], pair_w[p, k] = q, qb, c, w
    return ProcessTables(tuple(sp.key for sp in subprocesses), subprocesses, proc_m, n_bos,
                         bos_m, bos_w, coup, n_pair, pair_q, pair_qb, pair_class, pair_w)
