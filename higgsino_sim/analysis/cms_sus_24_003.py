"""CMS SUS-24-003 (low-momentum lepton + track search): objects, preselection, categories.

Seed 001 (the CMS paper), section 3 (objects) and 3.1 (event selection); every cut below
quotes it as [S3] / [S3.1]. What cannot be reproduced (the track-picking and event BDTs)
and how it is approximated is listed in docs/analysis.md. The cut flows stop before the
event BDT > 0 requirement (``NOT_REPRODUCED``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from higgsino_sim.analysis.cutflow import CutFlow
from higgsino_sim.analysis.objects import M_E, M_MU, Events, first_selected, take
from higgsino_sim.analysis.variables import delta_r, invariant_mass, min_delta_phi

__all__ = [
    "CATEGORIES",
    "ELECTRON_WP",
    "MUON_WP",
    "NOT_REPRODUCED",
    "PHASE_CARDS",
    "PHASE_LUMI_FB",
    "CmsObjects",
    "CmsResult",
    "cms_objects",
    "select_cms_sus_24_003",
]

MUON_WP = "muon:soft"  # the analysis muon ID, from 2 GeV (card cms-phase0/1)
ELECTRON_WP = "electron:standard"  # the analysis electron ID, from 5 GeV
#: Integrated luminosity per detector phase [fb^-1]: seed 001 fig. 3 labels (2016: 36,
#: 2017-18: 101; sum 137 as in seed 001 sec. 6; the abstract rounds the total to 138).
PHASE_LUMI_FB = {"Phase-0": 36.0, "Phase-1": 101.0}
#: The detector card expected for each phase.
PHASE_CARDS = {"Phase-0": "cms-phase0", "Phase-1": "cms-phase1"}
CATEGORIES = ("dimuon", "mu+track", "e+track")
NOT_REPRODUCED = ("not reproduced: track-picking BDT (proxy: smallest Delta R(t, l)) and "
                  "event BDT > 0; the cut flows stop before the event BDT")

DR_EXCLUSIVE = 0.01  # [S3] track-lepton matching distance
RESONANCE_VETOES = ((0.75, 0.81), (3.0, 3.2))  # omega/rho0 and J/psi [GeV], [S3.1]


@dataclass(frozen=True, slots=True)
class CmsObjects:
    """Selected objects (boolean masks over the padded arrays of ``Events``).

    muon, electron : (n, n_lep) analysis muons / electrons [S3].
    track : (n, n_trk) exclusive tracks [S3].
    jet30 : (n,) jet0 has pT >= 30 GeV and |eta| < 2.4 (the ISR jet of [S3.1]).
    bjet : (n,) jet0 is a b-tagged jet (pT >= 15 GeV, |eta| < 2.4).
    """

    muon: np.ndarray
    electron: np.ndarray
    track: np.ndarray
    jet30: np.ndarray
    bjet: np.ndarray


@dataclass(frozen=True, slots=True)
class CmsResult:
    """The cut flows of the three categories (each begins with the preselection).

    flows : {category: CutFlow} for ``CATEGORIES``.
    pair_mass : {category: ndarray (n,)} m(l l) or m(l t) of the category's pair [GeV]
        (NaN where the category has no pair).
    objects : CmsObjects
    """

    flows: dict[str, CutFlow]
    pair_mass: dict[str, np.ndarray]
    objects: CmsObjects

    def yields(self) -> dict[str, float]:
        """Final yield per category (events for the flows' luminosity)."""
        return {c: f.yield_events for c, f in self.flows.items()}


def _has_bits(wp: np.ndarray, mask: int) -> np.ndarray:
    return (wp & mask) != 0


def _dr_to_jet(eta: np.ndarray, phi: np.ndarray, ev: Events) -> np.ndarray:
    """Delta R of each object to jet0; +inf when there is no jet (the cut is then passed)."""
    dr = delta_r(eta, phi, ev.jet_eta[:, None], ev.jet_phi[:, None])
    return np.where(np.isfinite(ev.jet_pt)[:, None], dr, np.inf)


def cms_objects(ev: Events) -> CmsObjects:
    """Analysis muons and electrons, exclusive tracks and jets of seed 001 section 3.

    Parameters
    ----------
    ev : Events
        A table made with a card defining ``muon:soft`` and ``electron:standard``.

    Returns
    -------
    CmsObjects

    Raises
    ------
    UsageError
        If the card lacks one of the working points.
    """
    m_mu, m_el = ev.wp_mask(MUON_WP), ev.wp_mask(ELECTRON_WP)
    lep = ev.lep
    apdg = np.abs(lep.pdg)
    common = (_dr_to_jet(lep.eta, lep.phi, ev) > 0.4) & (lep.jet_iso == 1)  # [S3]
    muon = ((apdg == 13) & _has_bits(lep.wp, m_mu) & (lep.pt >= 2.0) & (lep.pt <= 15.0)
            & (np.abs(lep.eta) < 2.4) & common)  # [S3] muons 2-15 GeV, |eta| < 2.4
    electron = ((apdg == 11) & _has_bits(lep.wp, m_el) & (lep.pt >= 5.0) & (lep.pt <= 15.0)
                & (np.abs(lep.eta) < 2.5) & common)  # [S3] electrons 5-15 GeV, |eta| < 2.5
    t = ev.trk
    # exclusive [S3]: "no selected electron or muon may lie within Delta R < 0.01 of the
    # track", with the selected leptons of this selection (kinematic cuts included), so a
    # track of an identified lepton outside the 2(5)-15 GeV windows stays exclusive
    selected = muon | electron
    dr_lep = delta_r(t.eta[:, :, None], t.phi[:, :, None], lep.eta[:, None, :], lep.phi[:, None, :])
    near_selected = ((dr_lep < DR_EXCLUSIVE) & selected[:, None, :]).any(axis=2)
    track = ((t.pt > 1.9) & (np.abs(t.eta) < 2.4) & (t.rel_iso < 0.1)  # [S3]
             & (np.abs(t.d0) < 0.2) & (np.abs(t.dz) < 0.2)  # |dxy|, |dz| < 0.02 cm [S3]
             & ~near_selected)
    jet30 = (ev.jet_pt >= 30.0) & (np.abs(ev.jet_eta) < 2.4)  # [S3.1]
    bjet = (ev.jet_btag == 1) & (ev.jet_pt >= 15.0) & (np.abs(ev.jet_eta) < 2.4)
    return CmsObjects(muon, electron, track, jet30, bjet)


def _outside_vetoes(m: np.ndarray) -> np.ndarray:
    out = np.isfinite(m)
    for lo, hi in RESONANCE_VETOES:
        out &= ~((m >= lo) & (m <= hi))
    return out


def select_cms_sus_24_003(ev: Events, lumi_fb: float, title: str = "") -> CmsResult:
    """Preselection and the dimuon, muon + track and electron + track categories.

    Parameters
    ----------
    ev : Events
        Reconstructed objects (``load_events``) of a cms-phase0 or cms-phase1 table.
    lumi_fb : float
        Integrated luminosity for the yields [fb^-1].
    title : str
        Prefix of the cut-flow titles.

    Returns
    -------
    CmsResult
        One cut flow per category; each stops before the event BDT (``NOT_REPRODUCED``).
    """
    obj = cms_objects(ev)
    lep, trk = ev.lep, ev.trk
    # --- preselection [S3.1] (the m_ll window is applied per category, to its pair)
    presel = [
        ("hard MET >= 220 GeV", ev.hard_met >= 220.0),
        ("MET >= 140 GeV (trigger plateau, assumed 100 % efficient)", ev.met >= 140.0),
        (">= 1 jet pT >= 30 GeV, |eta| < 2.4", obj.jet30),
        ("N_b = 0", ~obj.bjet),
        ("min dphi(hard MET, jets pT >= 30) > 0.4",
         min_delta_phi(ev.hard_met_phi, ev.jet_pt, ev.jet_phi, pt_min=30.0) > 0.4),
        ("no identified lepton with pT >= 30 GeV", ~np.any(lep.pt >= 30.0, axis=1)),
    ]
    n_mu, n_el = obj.muon.sum(axis=1), obj.electron.sum(axis=1)
    flows: dict[str, CutFlow] = {}
    pair_mass: dict[str, np.ndarray] = {}

    # --- dimuon [S3.1]
    idx, ok = first_selected(obj.muon, 2)
    i1, i2, ok1, ok2 = idx[:, 0], idx[:, 1], ok[:, 0], ok[:, 1]
    pt1, pt2 = take(lep.pt, i1, ok1), take(lep.pt, i2, ok2)
    eta1, eta2 = take(lep.eta, i1, ok1), take(lep.eta, i2, ok2)
    phi1, phi2 = take(lep.phi, i1, ok1), take(lep.phi, i2, ok2)
    q1, q2 = take(lep.charge, i1, ok1), take(lep.charge, i2, ok2)
    m_mumu = invariant_mass(pt1, eta1, phi1, M_MU, pt2, eta2, phi2, M_MU)
    pair_mass["dimuon"] = m_mumu
    f = CutFlow(ev.weight, lumi_fb, title=f"{title}dimuon").extend(presel)
    f.extend([
        ("N_mu = 2", n_mu == 2),
        ("opposite charge", q1 * q2 < 0),
        ("pT(mu2) <= 3.5 GeV or dR(mu1, mu2) < 0.3",
         (pt2 <= 3.5) | (delta_r(eta1, phi1, eta2, phi2) < 0.3)),
        ("0.4 < m(mu mu) < 12 GeV", (m_mumu > 0.4) & (m_mumu < 12.0)),
        ("m(mu mu) outside 0.75-0.81, 3.0-3.2 GeV", _outside_vetoes(m_mumu)),
    ])
    flows["dimuon"] = f

    # --- lepton + exclusive track [S3.1]; track BDT proxy: smallest dR(t, l)
    for cat, sel, n_ok, mass in (("mu+track", obj.muon, (n_mu == 1) & (n_el == 0), M_MU),
                                 ("e+track", obj.electron, (n_el == 1) & (n_mu == 0), M_E)):
        idx, ok = first_selected(sel, 1)
        il, okl = idx[:, 0], ok[:, 0]
        lpt, leta, lphi = take(lep.pt, il, okl), take(lep.eta, il, okl), take(lep.phi, il, okl)
        lq = take(lep.charge, il, okl)
        cand = obj.track & (trk.charge == -lq[:, None])  # NaN charge: False
        dr = np.where(cand, delta_r(trk.eta, trk.phi, leta[:, None], lphi[:, None]), np.inf)
        it = np.argmin(dr, axis=1) if dr.shape[1] else np.zeros(ev.n, dtype=np.intp)
        has = cand.any(axis=1)
        m_lt = invariant_mass(lpt, leta, lphi, mass, take(trk.pt, it, has),
                              take(trk.eta, it, has), take(trk.phi, it, has), mass)
        pair_mass[cat] = m_lt
        name = "mu" if cat.startswith("mu") else "e"
        f = CutFlow(ev.weight, lumi_fb, title=f"{title}{cat}").extend(presel)
        f.extend([
            (f"N_lep = 1 ({name})", n_ok),
            (">= 1 exclusive track, opposite charge", has),
            (f"0.4 < m({name} t) < 12 GeV (t: smallest dR)", (m_lt > 0.4) & (m_lt < 12.0)),
            (f"m({name} t) outside 0.75-0.81, 3.0-3.2 GeV", _outside_vetoes(m_lt)),
        ])
        flows[cat] = f
    return CmsResult(flows, pair_mass, obj)
