"""Parametrised detector response: truth decay products and ISR parton -> reconstructed
leptons, exclusive tracks, jets, missing pT (docs/detector.md).

The card (``higgsino_sim.cards``) arrives compiled: a pool of response functions
(``kernels.response_functions``), the pool offset of each function slot ``FS_*``, the
scalar parameters ``P_*`` and the lepton working points (PDG flavour, efficiency
function, pT threshold, |eta| limit). One call handles one generation block on its own
RNG stream, so the output does not depend on chunking or threads.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from higgsino_sim.kernels.decays import (
    N_SF,
    N_SLOTS,
    SF_D0,
    SF_DZ,
    SF_PX,
    SF_PY,
    SF_PZ,
    SF_VX,
    SF_VY,
    SI_PDG,
)
from higgsino_sim.kernels.response_functions import eval_fn

# function slots: pool offsets fn[FS_*]; evaluated at (x, |eta|) with x as noted
FS_TRK_EFF_HADRON = 0  # tracking efficiency of charged hadrons, x = pT [GeV]
FS_TRK_EFF_ELECTRON = 1  # tracking efficiency of electrons (not identified as such), x = pT
FS_TRK_EFF_MUON = 2  # tracking efficiency of muons (not identified as such), x = pT
FS_TRK_EFF_RADIUS = 3  # factor on the above vs production radius, x = r_xy [mm]
FS_TRK_PT_RES = 4  # track sigma(pT)/pT, x = pT
FS_TRK_D0_RES = 5  # sigma(d0) [mm], x = pT
FS_TRK_DZ_RES = 6  # sigma(dz) [mm], x = pT
FS_MU_PT_RES = 7  # muon sigma(pT)/pT, x = pT
FS_EL_PT_RES = 8  # electron sigma(pT)/pT, x = pT
FS_JET_PT_RES = 9  # jet sigma(pT)/pT, x = pT
FS_BTAG_B = 10  # b-tag probability of a b jet, x = pT
FS_BTAG_C = 11  # ... of a c jet
FS_BTAG_LIGHT = 12  # ... of a light-quark or gluon jet
FS_MET_SOFT_RES = 13  # soft-term sigma per transverse component [GeV], x = sum pT of the soft term [GeV]
N_FS = 14

# scalar parameters par[P_*]
P_BFIELD = 0  # solenoid field [T]
P_TRK_PT_MIN = 1  # tracks: true pT threshold [GeV]
P_TRK_ABSETA_MAX = 2  # tracks: |eta| acceptance
P_TRK_R_MAX = 3  # tracks: no reconstruction for production radius r_xy above this [mm]
P_JET_PT_MIN = 4  # jets: reconstructed pT threshold [GeV]
P_JET_ABSETA_MAX = 5  # jets: |eta| acceptance
P_BTAG_ABSETA_MAX = 6  # b tagging: |eta| acceptance
P_MET_ABSETA_MAX = 7  # calorimeter coverage for the soft term
P_HARD_MET_PT_MIN = 8  # hard missing pT: objects above this pT [GeV]
P_ISO_CONE = 9  # track relative isolation cone radius (Delta R)
P_ISO_JET_CHARGED_FRACTION = 10  # charged share of a jet's pT seen by the isolation sum
P_ISO_UE_DENSITY = 11  # mean underlying-event/pile-up track pT per unit eta-phi area [GeV]
P_LEPJET_ISO_JET_PT_MAX = 12  # jet-based lepton isolation: jets below this pT [GeV] ...
P_LEPJET_ISO_JET_PT_MIN = 13  # ... with corrected pT above this [GeV] ...
P_LEPJET_ISO_DR = 14  # ... within this Delta R of the lepton make it non-isolated
P_TRK_LEP_MATCH_DR = 15  # tracks within this Delta R of a reconstructed lepton are not exclusive
N_PAR = 16

#: Lepton working points per card (bits of the ``wp`` mask).
MAX_WP = 16

# ---- output layout: one row of reco_f (floats) and reco_i (ints) per event ----
#: Stored objects per event (the highest-pT ones; the rest are counted in ``counters``).
N_LEP = 4
N_TRK = 8
N_JET = 1  # the LO event has one parton; a shower would bring more
LEP_FLOATS = ("pt", "eta", "phi", "d0", "dz", "rel_iso")
LEP_INTS = ("pdg", "charge", "wp", "jet_iso", "truth")
TRK_FLOATS = ("pt", "eta", "phi", "d0", "dz", "rel_iso")
TRK_INTS = ("charge", "lep_wp", "truth")
JET_FLOATS = ("pt", "eta", "phi")
JET_INTS = ("btag", "flavour")
EVENT_FLOATS = ("met", "met_phi", "hard_met", "hard_met_phi", "soft_sum_pt")
EVENT_INTS = ("n_lep", "n_trk", "n_jet")
OF_PT, OF_ETA, OF_PHI, OF_D0, OF_DZ, OF_ISO = range(6)  # float offsets within an object
OI_PDG, OI_CHARGE, OI_WP, OI_JET_ISO, OI_TRUTH = range(5)  # lepton int offsets
TI_CHARGE, TI_LEP_WP, TI_TRUTH = 0, 1, 2  # track int offsets
JI_BTAG, JI_FLAVOUR = 0, 1  # jet int offsets
RF_MET, RF_MET_PHI, RF_HARD_MET, RF_HARD_MET_PHI, RF_SOFT_SUM_PT = range(5)
RF_LEP = len(EVENT_FLOATS)
RF_TRK = RF_LEP + N_LEP * len(LEP_FLOATS)
RF_JET = RF_TRK + N_TRK * len(TRK_FLOATS)
N_RF = RF_JET + N_JET * len(JET_FLOATS)
RI_N_LEP, RI_N_TRK, RI_N_JET = range(3)
RI_LEP = len(EVENT_INTS)
RI_TRK = RI_LEP + N_LEP * len(LEP_INTS)
RI_JET = RI_TRK + N_TRK * len(TRK_INTS)
N_RI = RI_JET + N_JET * len(JET_INTS)
_NLF, _NLI, _NTF, _NTI, _NJF, _NJI = (len(LEP_FLOATS), len(LEP_INTS), len(TRK_FLOATS),
                                      len(TRK_INTS), len(JET_FLOATS), len(JET_INTS))
#: counters: leptons and tracks beyond the stored multiplicity
C_LEP_OVERFLOW, C_TRK_OVERFLOW = 0, 1
N_COUNTERS = 2


def column_names() -> tuple[list[str], list[str]]:
    """Names of the reco_f and reco_i columns in layout order (docs/output.md)."""
    names_f = list(EVENT_FLOATS)
    names_i = list(EVENT_INTS)
    for k in range(N_LEP):
        names_f += [f"lep{k}_{c}" for c in LEP_FLOATS]
    for k in range(N_TRK):
        names_f += [f"trk{k}_{c}" for c in TRK_FLOATS]
    for k in range(N_JET):
        names_f += [f"jet{k}_{c}" for c in JET_FLOATS]
    for k in range(N_LEP):
        names_i += [f"lep{k}_{c}" for c in LEP_INTS]
    for k in range(N_TRK):
        names_i += [f"trk{k}_{c}" for c in TRK_INTS]
    for k in range(N_JET):
        names_i += [f"jet{k}_{c}" for c in JET_INTS]
    return names_f, names_i


@nb.njit(cache=True, error_model="numpy")
def delta_r(eta1: float, phi1: float, eta2: float, phi2: float) -> float:
    """sqrt(Delta eta^2 + Delta phi^2) with Delta phi wrapped into [-pi, pi]."""
    return math.sqrt(_delta_r2(eta1, phi1, eta2, phi2))


@nb.njit(cache=True, error_model="numpy")
def _delta_r2(eta1, phi1, eta2, phi2):
    """delta_r squared; phi in [-pi, pi] (atan2), so one turn wraps Delta phi (no fmod)."""
    dphi = phi1 - phi2
    if dphi >= math.pi:
        dphi -= 2.0 * math.pi
    elif dphi < -math.pi:
        dphi += 2.0 * math.pi
    deta = eta1 - eta2
    return deta * deta + dphi * dphi


@nb.njit(cache=True, error_model="numpy")
def _charge(apdg: int, pdg: int) -> int:
    """Charge of a stable charged particle: negative leptons, positive pi+ and K+."""
    if apdg == 11 or apdg == 13:
        return -1 if pdg > 0 else 1
    return 1 if pdg > 0 else -1


@nb.njit(cache=True, error_model="numpy")
def _order(pt: np.ndarray, n: int, idx: np.ndarray) -> None:
    """idx[:n] = indices of pt[:n] by decreasing pT (insertion sort; n <= N_SLOTS)."""
    for a in range(n):
        idx[a] = a
    for a in range(1, n):
        j = idx[a]
        b = a - 1
        while b >= 0 and pt[idx[b]] < pt[j]:
            idx[b + 1] = idx[b]
            b -= 1
        idx[b + 1] = j


@nb.njit(cache=True, nogil=True, error_model="numpy")
def respond_block(rng, jet_pdg, jet_mom, slot_i, slot_f, pool, fn, par, wp_pdg, wp_fn,
                  wp_pt_min, wp_abseta_max, reco_f, reco_i, counters):
    """Detector response of every event of a block (docs/detector.md).

    jet_pdg[n], jet_mom[n, 4]: the ISR parton; slot_i, slot_f: decay products
    (kernels.decays layout). Card: pool/fn/par/wp_* (kernels.response_functions, FS_*,
    P_*). Outputs reco_f[n, N_RF], reco_i[n, N_RI] (layout RF_* / RI_*; NaN and -1 pad
    missing objects) and counters[N_COUNTERS].

    Speed: sqrt instead of hypot, and eta and phi only where they are used (the soft term
    needs |eta| < max only: |pz| < pT sinh(max)); the random draws are those of the
    straightforward version, in the same order.
    """
    n = jet_pdg.shape[0]
    n_wp = wp_pdg.size
    # per-event candidates (at most one per slot): reconstructed charged particles
    c_pt = np.empty(N_SLOTS)
    c_eta = np.empty(N_SLOTS)
    c_phi = np.empty(N_SLOTS)
    c_d0 = np.empty(N_SLOTS)
    c_dz = np.empty(N_SLOTS)
    c_iso = np.empty(N_SLOTS)
    c_pdg = np.empty(N_SLOTS, dtype=np.int64)
    c_wp = np.empty(N_SLOTS, dtype=np.int64)  # 0: a track, not an identified lepton
    c_slot = np.empty(N_SLOTS, dtype=np.int64)
    sel = np.empty(N_SLOTS, dtype=np.int64)
    sel_pt = np.empty(N_SLOTS)
    idx = np.empty(N_SLOTS, dtype=np.int64)
    ev_f = np.empty((N_SLOTS, N_SF))  # the event's slot_f and PDG ids, copied first (below)
    ev_pdg = np.empty(N_SLOTS, dtype=np.int64)
    cone = par[P_ISO_CONE]
    cone2 = cone * cone
    ue_iso = par[P_ISO_UE_DENSITY] * math.pi * cone * cone
    lepjet_dr2 = par[P_LEPJET_ISO_DR] * par[P_LEPJET_ISO_DR]
    match_dr2 = par[P_TRK_LEP_MATCH_DR] * par[P_TRK_LEP_MATCH_DR]
    trk_eta_max = par[P_TRK_ABSETA_MAX]
    trk_r_max = par[P_TRK_R_MAX]
    sinh_met_eta_max = math.sinh(par[P_MET_ABSETA_MAX])
    for ev in range(n):
        for c in range(N_RF):
            reco_f[ev, c] = np.nan
        for c in range(N_RI):
            reco_i[ev, c] = -1
        for k in range(N_LEP):  # working-point masks pad with 0 (no bit set)
            reco_i[ev, RI_LEP + k * _NLI + OI_WP] = 0
        for k in range(N_TRK):
            reco_i[ev, RI_TRK + k * _NTI + TI_LEP_WP] = 0
        obj_x = 0.0
        obj_y = 0.0
        hard_x = 0.0
        hard_y = 0.0
        soft_x = 0.0
        soft_y = 0.0
        soft_sum = 0.0
        nc = 0
        # the event's decay products are read in one branch-free sweep first: their cache
        # lines then load in parallel instead of one at a time behind each slot's branches
        for s in range(N_SLOTS):
            ev_pdg[s] = slot_i[ev, s, SI_PDG]
            for c in range(N_SF):
                ev_f[s, c] = slot_f[ev, s, c]
        # ---- decay products: identified leptons, tracks, or the soft term ----
        for s in range(N_SLOTS):
            pdg = ev_pdg[s]
            apdg = abs(pdg)
            # empty slots, invisible particles, and intermediate chi' (their products follow)
            if apdg == 0 or apdg == 12 or apdg == 14 or apdg == 16 or apdg >= 1000000:
                continue
            px = ev_f[s, SF_PX]
            py = ev_f[s, SF_PY]
            pz = ev_f[s, SF_PZ]
            pt = math.sqrt(px * px + py * py)
            if pt == 0.0:
                continue
            lepton = apdg == 11 or apdg == 13
            if not (lepton or apdg == 211 or apdg == 321):
                # neutral: measured by the calorimeters only (the soft term), |eta| < max
                if abs(pz) < pt * sinh_met_eta_max:
                    soft_x += px
                    soft_y += py
                    soft_sum += pt
                continue
            aeta = math.asinh(abs(pz) / pt)
            done = False
            vx = ev_f[s, SF_VX]
            vy = ev_f[s, SF_VY]
            r = math.sqrt(vx * vx + vy * vy)
            in_r = r < trk_r_max
            f_r = eval_fn(pool, fn[FS_TRK_EFF_RADIUS], r, aeta) if in_r else 0.0
            if lepton:
                # published maps are for prompt leptons: a displaced one also needs its track
                u = rng.random()
                mask = 0
                for w in range(n_wp):
                    if (wp_pdg[w] == apdg and pt >= wp_pt_min[w] and aeta < wp_abseta_max[w]
                            and u < f_r * eval_fn(pool, wp_fn[w], pt, aeta)):
                        mask |= 1 << w
                if mask != 0:
                    res = eval_fn(pool, fn[FS_MU_PT_RES if apdg == 13 else FS_EL_PT_RES], pt,
                                  aeta)
                    ptr = pt * (1.0 + res * rng.standard_normal())
                    if ptr > 0.0:
                        c_wp[nc] = mask
                        done = True
            if not done and pt >= par[P_TRK_PT_MIN] and aeta < trk_eta_max and in_r:
                if apdg == 11:
                    f_eff = FS_TRK_EFF_ELECTRON
                elif apdg == 13:
                    f_eff = FS_TRK_EFF_MUON
                else:
                    f_eff = FS_TRK_EFF_HADRON
                eff = eval_fn(pool, fn[f_eff], pt, aeta) * f_r
                if rng.random() < eff:
                    res = eval_fn(pool, fn[FS_TRK_PT_RES], pt, aeta)
                    ptr = pt * (1.0 + res * rng.standard_normal())
                    if ptr > 0.0:
                        c_wp[nc] = 0
                        done = True
            if done:
                c_pt[nc] = ptr
                c_eta[nc] = math.copysign(aeta, pz)  # asinh is odd (and so is libm's)
                c_phi[nc] = math.atan2(py, px)
                g_d0 = rng.standard_normal()
                g_dz = rng.standard_normal()
                if aeta < trk_eta_max:
                    c_d0[nc] = ev_f[s, SF_D0] + eval_fn(pool, fn[FS_TRK_D0_RES], pt, aeta) * g_d0
                    c_dz[nc] = ev_f[s, SF_DZ] + eval_fn(pool, fn[FS_TRK_DZ_RES], pt, aeta) * g_dz
                else:  # a lepton outside the tracker (e.g. a muon-spectrometer-only muon)
                    c_d0[nc] = np.nan
                    c_dz[nc] = np.nan
                c_pdg[nc] = pdg
                c_slot[nc] = s
                f = ptr / pt  # ptr (cos phi, sin phi)
                obj_x += f * px
                obj_y += f * py
                nc += 1
            elif apdg != 13 and aeta < par[P_MET_ABSETA_MAX]:
                # measured by the calorimeters only: the soft term (an unreconstructed muon
                # is a minimum-ionising particle: it leaves the detector unmeasured)
                soft_x += px
                soft_y += py
                soft_sum += pt
        # ---- the ISR parton: a jet, smeared; b tag from its flavour ----
        jpx = jet_mom[ev, 1]
        jpy = jet_mom[ev, 2]
        jpt_true = math.sqrt(jpx * jpx + jpy * jpy)
        jet_ok = False  # a reconstructed (output) jet
        jet_any = False  # a smeared jet inside the acceptance, any pT (isolation)
        jpt = 0.0
        jeta = 0.0
        jphi = 0.0
        g = rng.standard_normal()
        ub = rng.random()
        if jpt_true > 0.0:
            jeta = math.asinh(jet_mom[ev, 3] / jpt_true)
            ajeta = abs(jeta)
            if ajeta < par[P_JET_ABSETA_MAX]:
                jpt = jpt_true * (1.0 + eval_fn(pool, fn[FS_JET_PT_RES], jpt_true, ajeta) * g)
                jet_any = jpt > 0.0
                jet_ok = jet_any and jpt >= par[P_JET_PT_MIN]
                if jet_any:
                    jphi = math.atan2(jpy, jpx)
            if jet_ok:
                flav = abs(jet_pdg[ev])
                if flav != 5 and flav != 4:
                    flav = 0
                f_tag = FS_BTAG_B if flav == 5 else (FS_BTAG_C if flav == 4 else FS_BTAG_LIGHT)
                tag = 0
                if ajeta < par[P_BTAG_ABSETA_MAX] and ub < eval_fn(pool, fn[f_tag], jpt, ajeta):
                    tag = 1
                reco_f[ev, RF_JET + OF_PT] = jpt
                reco_f[ev, RF_JET + OF_ETA] = jeta
                reco_f[ev, RF_JET + OF_PHI] = jphi
                reco_i[ev, RI_JET + JI_BTAG] = tag
                reco_i[ev, RI_JET + JI_FLAVOUR] = flav
                jx = jpt / jpt_true * jpx  # jpt (cos phi, sin phi)
                jy = jpt / jpt_true * jpy
                obj_x += jx
                obj_y += jy
                if jpt >= par[P_HARD_MET_PT_MIN]:
                    hard_x += jx
                    hard_y += jy
            elif ajeta < par[P_MET_ABSETA_MAX]:
                soft_x += jpx
                soft_y += jpy
                soft_sum += jpt_true
        reco_i[ev, RI_N_JET] = 1 if jet_ok else 0
        # ---- isolation of every candidate: other tracks and the jet's charged share ----
        for a in range(nc):
            s_iso = ue_iso
            for b in range(nc):
                if (b != a and abs(c_eta[b]) < trk_eta_max
                        and _delta_r2(c_eta[a], c_phi[a], c_eta[b], c_phi[b]) < cone2):
                    s_iso += c_pt[b]
            if jet_ok and _delta_r2(c_eta[a], c_phi[a], jeta, jphi) < cone2:
                s_iso += par[P_ISO_JET_CHARGED_FRACTION] * jpt
            c_iso[a] = s_iso / c_pt[a]
        # ---- leptons: by decreasing pT ----
        n_sel = 0
        for a in range(nc):
            if c_wp[a] != 0:
                sel[n_sel] = a
                sel_pt[n_sel] = c_pt[a]
                n_sel += 1
                if c_pt[a] >= par[P_HARD_MET_PT_MIN]:
                    hard_x += c_pt[a] * math.cos(c_phi[a])
                    hard_y += c_pt[a] * math.sin(c_phi[a])
        _order(sel_pt, n_sel, idx)
        reco_i[ev, RI_N_LEP] = n_sel
        counters[C_LEP_OVERFLOW] += max(n_sel - N_LEP, 0)
        for k in range(min(n_sel, N_LEP)):
            a = sel[idx[k]]
            o = RF_LEP + k * _NLF
            reco_f[ev, o + OF_PT] = c_pt[a]
            reco_f[ev, o + OF_ETA] = c_eta[a]
            reco_f[ev, o + OF_PHI] = c_phi[a]
            reco_f[ev, o + OF_D0] = c_d0[a]
            reco_f[ev, o + OF_DZ] = c_dz[a]
            reco_f[ev, o + OF_ISO] = c_iso[a]
            oi = RI_LEP + k * _NLI
            reco_i[ev, oi + OI_PDG] = c_pdg[a]
            reco_i[ev, oi + OI_CHARGE] = _charge(abs(c_pdg[a]), c_pdg[a])
            reco_i[ev, oi + OI_WP] = c_wp[a]
            # CMS jet-based isolation (seed 001 sec. 3): no jet with pT below the maximum
            # and (lepton-subtracted) pT above the minimum within Delta R; any smeared jet
            # counts, also below the output threshold (CMS clusters jets from 10 GeV here)
            iso = 1
            if (jet_any and jpt < par[P_LEPJET_ISO_JET_PT_MAX]
                    and jpt > par[P_LEPJET_ISO_JET_PT_MIN]
                    and _delta_r2(c_eta[a], c_phi[a], jeta, jphi) < lepjet_dr2):
                iso = 0
            reco_i[ev, oi + OI_JET_ISO] = iso
            reco_i[ev, oi + OI_TRUTH] = c_slot[a]
        # ---- tracks: every reconstructed charged particle (an identified lepton is its own
        # track); lep_wp = OR of the working points of identified leptons within the match
        # cone, so "exclusive for working points M" is (lep_wp & M) == 0 (seed 001 sec. 3) ----
        n_trk = 0
        for a in range(nc):
            if abs(c_eta[a]) < trk_eta_max:  # not a lepton outside the tracker
                sel[n_trk] = a
                sel_pt[n_trk] = c_pt[a]
                n_trk += 1
        _order(sel_pt, n_trk, idx)
        reco_i[ev, RI_N_TRK] = n_trk
        counters[C_TRK_OVERFLOW] += max(n_trk - N_TRK, 0)
        for k in range(min(n_trk, N_TRK)):
            a = sel[idx[k]]
            o = RF_TRK + k * _NTF
            reco_f[ev, o + OF_PT] = c_pt[a]
            reco_f[ev, o + OF_ETA] = c_eta[a]
            reco_f[ev, o + OF_PHI] = c_phi[a]
            reco_f[ev, o + OF_D0] = c_d0[a]
            reco_f[ev, o + OF_DZ] = c_dz[a]
            reco_f[ev, o + OF_ISO] = c_iso[a]
            lep_wp = 0
            for b in range(nc):
                if c_wp[b] != 0 and _delta_r2(c_eta[a], c_phi[a], c_eta[b],
                                              c_phi[b]) < match_dr2:
                    lep_wp |= c_wp[b]
            oi = RI_TRK + k * _NTI
            reco_i[ev, oi + TI_CHARGE] = _charge(abs(c_pdg[a]), c_pdg[a])
            reco_i[ev, oi + TI_LEP_WP] = lep_wp
            reco_i[ev, oi + TI_TRUTH] = c_slot[a]
        # ---- missing pT: objects + smeared soft term; hard missing pT: objects >= 30 GeV ----
        sig = eval_fn(pool, fn[FS_MET_SOFT_RES], soft_sum, 0.0)
        mx = -(obj_x + soft_x + sig * rng.standard_normal())
        my = -(obj_y + soft_y + sig * rng.standard_normal())
        reco_f[ev, RF_MET] = math.sqrt(mx * mx + my * my)
        reco_f[ev, RF_MET_PHI] = math.atan2(my, mx)
        reco_f[ev, RF_HARD_MET] = math.sqrt(hard_x * hard_x + hard_y * hard_y)
        reco_f[ev, RF_HARD_MET_PHI] = math.atan2(-hard_y, -hard_x)
        reco_f[ev, RF_SOFT_SUM_PT] = soft_sum
    return counters
