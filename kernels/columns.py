"""Column blocks of the event table: the row-major kernel outputs transposed in one pass.

``higgsino_sim.output.EventWriter.table`` turns each row of the blocks filled here into an
Arrow array without a copy (docs/output.md). Block layout (row = table column; ``k`` the
decay slot, ``c`` the offset within a group, in the order of the names in output.py):

- ``out_f64``: weight, x1, x2, scale_gev, alpha_s (event-level; kept float64);
- ``out_f32``: rows ``R32_MOM + 4 j + c`` the four-momenta of chi_a, chi_b, jet (j = 0, 1,
  2; c = E, px, py, pz); ``R32_JET_PT`` ... ``R32_CHICHI_M``; ``R32_LEG + N_LF leg + c`` the
  leg floats (kernels.decays LF_*); ``R32_SLOT + N_SF k + c`` the slot floats (SF_*);
  ``R32_RECO + c`` the reco_f columns (kernels.detector layout);
- ``out_i32``: parton1/2, chi_a, chi_b, jet PDG ids; ``RI32_SLOT + k`` the slot PDG ids; then
  the reco_i columns listed in ``reco_i32``;
- ``out_i8``: the process code, the two decay-channel codes, ``RI8_SLOT + k`` the slot
  mothers; then the reco_i columns listed in ``reco_i8``;
- ``out_valid``: validity bitmaps (Arrow layout: bit ``e % 8`` of byte ``e // 8``, 1 = valid)
  of the two decay-channel columns (null for a stable leg).

Floats are rounded to float32 by the cast (round to nearest, NaN kept): 2^-24 = 6e-8
relative, docs/output.md.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from higgsino_sim.kernels.decays import N_LF, N_SF, N_SLOTS, SI_MOTHER, SI_PDG
from higgsino_sim.kernels.hard_process import (
    F_ALPHAS,
    F_J,
    F_MU,
    F_WEIGHT,
    F_X1,
    F_X2,
    I_ID1,
    I_ID2,
    I_IDJ,
    I_PROC,
)

R32_MOM = 0
R32_JET_PT, R32_JET_ETA, R32_JET_PHI, R32_CHICHI_M = 12, 13, 14, 15
R32_LEG = 16
R32_SLOT = R32_LEG + 2 * N_LF
R32_RECO = R32_SLOT + N_SLOTS * N_SF
RI32_SLOT = 5
RI32_RECO = RI32_SLOT + N_SLOTS
RI8_SLOT = 3
RI8_RECO = RI8_SLOT + N_SLOTS


@nb.njit(cache=True, error_model="numpy", nogil=True)
def fill_blocks(f: np.ndarray, i: np.ndarray, leg_pdg: np.ndarray, leg_mom: np.ndarray,
                leg_f: np.ndarray, leg_i: np.ndarray, slot_i: np.ndarray, slot_f: np.ndarray,
                reco_f: np.ndarray, reco_i: np.ndarray, event_weight: float,
                process_code: np.ndarray, channel_code: np.ndarray, reco_i32: np.ndarray,
                reco_i8: np.ndarray, out_f64: np.ndarray, out_f32: np.ndarray,
                out_i32: np.ndarray, out_i8: np.ndarray, out_valid: np.ndarray) -> None:
    """Fill the column blocks (module docstring) of ``n = f.shape[0]`` events.

    Parameters
    ----------
    f, i : ndarray
        Hard-process rows (kernels.hard_process F_*, I_*), shapes (n, N_F), (n, N_I).
    leg_pdg, leg_mom : ndarray
        Legs in output order: PDG ids (n, 2), four-momenta (n, 2, 4) [GeV].
    leg_f, leg_i, slot_i, slot_f : ndarray
        Decays (kernels.decays layout): (n, 2, N_LF) [mm], (n, 2) channel index (< 0:
        stable), (n, N_SLOTS, N_SI), (n, N_SLOTS, N_SF) [GeV, mm].
    reco_f, reco_i : ndarray
        Reconstructed objects (kernels.detector layout), (n, N_RF), (n, N_RI); zero columns
        without a card.
    event_weight : float
        Weight of every event [fb] (unweighted sample); NaN: use ``f[:, F_WEIGHT]``.
    process_code, channel_code : ndarray
        Dictionary code of each kernel process index and of each channel index (int8).
    reco_i32, reco_i8 : ndarray
        reco_i column of each int32 / int8 reco row, in row order.
    out_f64, out_f32, out_i32, out_i8 : ndarray
        Blocks, shapes (rows, n), C order; written completely.
    out_valid : ndarray
        (2, ceil(n / 8)) uint8 bitmaps; written completely (padding bits 0).
    """
    n = f.shape[0]
    n32 = reco_i32.size
    n8 = reco_i8.size
    nrf = reco_f.shape[1]
    out_valid[:] = 0
    # event by event: sequential reads of the source rows, one write per destination row
    # (measured faster than tiles of events copied column by column)
    for e in range(n):
        w = f[e, F_WEIGHT] if math.isnan(event_weight) else event_weight
        out_f64[0, e] = w
        out_f64[1, e] = f[e, F_X1]
        out_f64[2, e] = f[e, F_X2]
        out_f64[3, e] = f[e, F_MU]
        out_f64[4, e] = f[e, F_ALPHAS]
        out_i32[0, e] = i[e, I_ID1]
        out_i32[1, e] = i[e, I_ID2]
        out_i32[2, e] = leg_pdg[e, 0]
        out_i32[3, e] = leg_pdg[e, 1]
        out_i32[4, e] = i[e, I_IDJ]
        out_i8[0, e] = process_code[i[e, I_PROC]]
        for leg in range(2):
            ch = leg_i[e, leg]
            if ch >= 0:
                out_i8[1 + leg, e] = channel_code[ch]
                out_valid[leg, e >> 3] |= np.uint8(1 << (e & 7))
            else:
                out_i8[1 + leg, e] = 0
        for c in range(4):
            out_f32[R32_MOM + c, e] = leg_mom[e, 0, c]
            out_f32[R32_MOM + 4 + c, e] = leg_mom[e, 1, c]
            out_f32[R32_MOM + 8 + c, e] = f[e, F_J + c]
        # jet pT, eta, phi and m(chi chi) in float64 before the rounding
        jpx, jpy, jpz = f[e, F_J + 1], f[e, F_J + 2], f[e, F_J + 3]
        pt = math.hypot(jpx, jpy)
        out_f32[R32_JET_PT, e] = pt
        out_f32[R32_JET_ETA, e] = math.asinh(jpz / pt)
        out_f32[R32_JET_PHI, e] = math.atan2(jpy, jpx)
        pe = leg_mom[e, 0, 0] + leg_mom[e, 1, 0]
        ppx = leg_mom[e, 0, 1] + leg_mom[e, 1, 1]
        ppy = leg_mom[e, 0, 2] + leg_mom[e, 1, 2]
        ppz = leg_mom[e, 0, 3] + leg_mom[e, 1, 3]
        out_f32[R32_CHICHI_M, e] = math.sqrt(max(pe**2 - ppx**2 - ppy**2 - ppz**2, 0.0))
        for leg in range(2):
            for c in range(N_LF):
                out_f32[R32_LEG + N_LF * leg + c, e] = leg_f[e, leg, c]
        for k in range(N_SLOTS):
            for c in range(N_SF):
                out_f32[R32_SLOT + N_SF * k + c, e] = slot_f[e, k, c]
            out_i32[RI32_SLOT + k, e] = slot_i[e, k, SI_PDG]
            out_i8[RI8_SLOT + k, e] = slot_i[e, k, SI_MOTHER]
        for c in range(nrf):
            out_f32[R32_RECO + c, e] = reco_f[e, c]
        for r in range(n32):
            out_i32[RI32_RECO + r, e] = reco_i[e, reco_i32[r]]
        for r in range(n8):
            out_i8[RI8_RECO + r, e] = reco_i[e, reco_i8[r]]


@nb.njit(cache=True, error_model="numpy", nogil=True)
def sequential_sum(start: float, w: np.ndarray) -> float:
    """``start + w[0] + w[1] + ...`` added left to right in float64: the total of a run is
    the same for any split of ``w`` into pieces (np.sum's pairwise sum is not)."""
    s = start
    for x in w:
        s += x
    return s
