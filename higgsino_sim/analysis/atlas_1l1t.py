"""ATLAS one-lepton-plus-track signal region SR-E-1l1T (arXiv:1911.12606).

Cuts from arXiv:1911.12606 sec. 5 / table 5, via GAMBIT ColliderBit @65717f6
(``Analysis_ATLAS_SUSY_2018_16.cpp``, whose comments quote the paper); the card is
``atlas-run2``. Approximations (single stored jet, recomputed track isolation, trigger
efficiency as a weight) are listed in docs/analysis.md. The later ATLAS search
arXiv:2511.20042 selects its leptons with neural-network taggers that cannot be
reproduced from public information; only the 1911.12606 selection is implemented.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from higgsino_sim.analysis.cutflow import CutFlow
from higgsino_sim.analysis.objects import M_E, M_MU, Events, first_selected, take
from higgsino_sim.analysis.triggers import atlas_met_trigger_efficiency
from higgsino_sim.analysis.variables import delta_phi, delta_r, ht_lep, invariant_mass
from higgsino_sim.errors import UsageError
from higgsino_sim.kernels.response_functions import eval_fn

__all__ = [
    "ATLAS_LUMI_FB",
    "SR_EDGES",
    "Atlas1l1tObjects",
    "Atlas1l1tResult",
    "atlas_1l1t_objects",
    "d0_resolution",
    "select_atlas_1l1t",
]

ATLAS_LUMI_FB = 139.0  # [fb^-1], arXiv:1911.12606 abstract
#: SR-E-1l1T bins in m(l, track) [GeV] (arXiv:1911.12606 table 5; 3.0-3.2 is vetoed).
SR_EDGES = ((0.5, 1.0), (1.0, 1.5), (1.5, 2.0), (2.0, 3.0), (3.2, 4.0), (4.0, 5.0))
WP_EL_SIGNAL, WP_MU_SIGNAL = "electron:signal", "muon:signal"
WP_EL_LOW, WP_MU_LOW = "electron:low_momentum", "muon:low_momentum"


@nb.njit(cache=True, error_model="numpy")
def _eval_many(pool, offset, x, y, out):  # pragma: no cover - compiled
    for i in range(out.size):
        out[i] = eval_fn(pool, offset, x[i], y[i])
    return out


def d0_resolution(ev: Events, pt: np.ndarray, abseta: np.ndarray) -> np.ndarray:
    """sigma(d0) [mm] of the table's detector card at (pT [GeV], |eta|) (any shape).

    Loads the card named in the metadata (``detector.source_file``) and checks its SHA-256
    against the one recorded at generation time. The card evaluates the resolution at the
    true pT; here the measured pT is used (a percent-level difference).

    Raises
    ------
    UsageError
        If the card cannot be loaded or changed since the table was generated.
    """
    from higgsino_sim.cards import load_card
    from higgsino_sim.kernels.detector import FS_TRK_D0_RES

    det = ev.metadata["detector"]
    src = str(det.get("source_file", ""))
    card = load_card(src.removeprefix("builtin:") if src.startswith("builtin:") else src)
    if det.get("sha256") and card.sha256 != det["sha256"]:
        raise UsageError(f"detector card {src} changed since the table was generated "
                         "(SHA-256 differs); regenerate the table")
    x = np.ascontiguousarray(pt, dtype=float).ravel()
    y = np.ascontiguousarray(abseta, dtype=float).ravel()
    out = np.full(x.size, np.nan)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.any():
        out[ok] = _eval_many(card.pool, int(card.fn[FS_TRK_D0_RES]), x[ok], y[ok],
                             np.empty(int(ok.sum())))
    return out.reshape(np.shape(pt))


@dataclass(frozen=True, slots=True)
class Atlas1l1tObjects:
    """Signal leptons (n, n_lep) and signal tracks (n, n_trk) as boolean masks; the track's
    lepton flavour (11, 13; 0 if not matched) and its recomputed absolute isolation [GeV]."""

    lepton: np.ndarray
    track: np.ndarray
    track_flavour: np.ndarray
    track_iso_gev: np.ndarray


@dataclass(frozen=True, slots=True)
class Atlas1l1tResult:
    """Cut flow, per-event pair variables and SR bin of the 1l1T selection.

    flow : CutFlow (weights include the trigger efficiency from its step on).
    m_lt : (n,) m(lepton, leading signal track) [GeV] (NaN without a pair).
    sr_bin : (n,) index into ``SR_EDGES`` for passing events, -1 otherwise.
    """

    flow: CutFlow
    m_lt: np.ndarray
    sr_bin: np.ndarray
    objects: Atlas1l1tObjects

    def bin_yields(self) -> list[float]:
        """Expected events per SR bin (``SR_EDGES``) for the flow's luminosity."""
        w = self.flow.final_weight * self.flow.lumi_fb
        return [float(w[self.sr_bin == i].sum()) for i in range(len(SR_EDGES))]


def atlas_1l1t_objects(ev: Events) -> Atlas1l1tObjects:
    """Signal leptons and signal tracks of arXiv:1911.12606 sec. 4 (card ``atlas-run2``).

    Raises
    ------
    UsageError
        If the card lacks ``electron:signal``, ``muon:signal``, ``electron:low_momentum``
        or ``muon:low_momentum``.
    """
    e_sig, mu_sig = ev.wp_mask(WP_EL_SIGNAL), ev.wp_mask(WP_MU_SIGNAL)
    e_low, mu_low = ev.wp_mask(WP_EL_LOW), ev.wp_mask(WP_MU_LOW)
    lep, t = ev.lep, ev.trk
    apdg = np.abs(lep.pdg)
    lepton = (((apdg == 11) & ((lep.wp & e_sig) != 0) & (lep.pt > 4.5) & (np.abs(lep.eta) < 2.47))
              | ((apdg == 13) & ((lep.wp & mu_sig) != 0) & (lep.pt > 3.0)
                 & (np.abs(lep.eta) < 2.5)))
    # isolation: pT sum of other tracks within 0.3 (rel_iso x pT; includes the card's jet
    # term) minus the stored tracks of identified leptons within 0.3 ("excluding the
    # contributions from nearby leptons")
    dr = delta_r(t.eta[:, :, None], t.phi[:, :, None], t.eta[:, None, :], t.phi[:, None, :])
    k = t.pt.shape[1]
    near_lep = (dr < 0.3) & (t.lep_wp[:, None, :] != 0) & ~np.eye(k, dtype=bool)[None]
    iso = t.rel_iso * t.pt - np.where(near_lep, t.pt[:, None, :], 0.0).sum(axis=2)
    iso = np.maximum(iso, 0.0)
    dr_jet = delta_r(t.eta, t.phi, ev.jet_eta[:, None], ev.jet_phi[:, None])
    jet20 = (ev.jet_pt > 20.0)[:, None]
    sin_theta = 1.0 / np.cosh(t.eta)
    cand = ((t.pt > 1.0) & (np.abs(t.eta) < 2.5)
            & ((t.lep_wp & (e_low | mu_low)) != 0) & ((t.lep_wp & (e_sig | mu_sig)) == 0)
            & (iso < 0.5) & ~(jet20 & (dr_jet <= 0.5)) & (np.abs(t.dz * sin_theta) < 0.5))
    sig_d0 = np.full(t.pt.shape, np.nan)
    if cand.any():
        sig_d0[cand] = d0_resolution(ev, t.pt[cand], np.abs(t.eta[cand]))
    with np.errstate(invalid="ignore"):
        track = cand & (np.abs(t.d0) / sig_d0 < 3.0)
    flav = np.where((t.lep_wp & e_low) != 0, 11, np.where((t.lep_wp & mu_low) != 0, 13, 0))
    return Atlas1l1tObjects(lepton, track, flav.astype(np.int32), iso)


def select_atlas_1l1t(ev: Events, lumi_fb: float = ATLAS_LUMI_FB) -> Atlas1l1tResult:
    """The SR-E-1l1T selection as a cut flow with the MET trigger efficiency as a weight.

    Parameters
    ----------
    ev : Events
        Reconstructed objects of an ``atlas-run2`` table.
    lumi_fb : float
        Integrated luminosity [fb^-1] (default 139).

    Returns
    -------
    Atlas1l1tResult
    """
    obj = atlas_1l1t_objects(ev)
    lep, t = ev.lep, ev.trk
    idx, ok = first_selected(obj.lepton, 1)
    il, n1 = idx[:, 0], ok[:, 0]
    idx, ok = first_selected(obj.track, 1)
    it, has_t = idx[:, 0], ok[:, 0]
    lpt, leta, lphi = take(lep.pt, il, n1), take(lep.eta, il, n1), take(lep.phi, il, n1)
    lflav = np.abs(take(lep.pdg, il, n1))
    lq = take(lep.charge, il, n1)
    tpt, teta, tphi = take(t.pt, it, has_t), take(t.eta, it, has_t), take(t.phi, it, has_t)
    tq = take(t.charge, it, has_t)
    tflav = take(obj.track_flavour, it, has_t)
    mass = np.where(lflav == 11, M_E, M_MU)
    m_lt = invariant_mass(lpt, leta, lphi, mass, tpt, teta, tphi, mass)
    dr_lt = delta_r(leta, lphi, teta, tphi)
    jet = (ev.jet_pt > 30.0) & (np.abs(ev.jet_eta) < 2.8)  # signal jet
    dphi_j = np.abs(delta_phi(ev.jet_phi, ev.met_phi))
    with np.errstate(divide="ignore", invalid="ignore"):
        met_ht = ev.met / ht_lep(lpt, tpt)
    f = CutFlow(ev.weight, lumi_fb, title="ATLAS SR-E-1l1T (arXiv:1911.12606)")
    f.add("MET trigger efficiency (weight)", weight_factor=atlas_met_trigger_efficiency(ev.met))
    f.extend([
        ("MET > 200 GeV", ev.met > 200.0),
        (">= 1 signal jet (pT > 30, |eta| < 2.8)", jet),
        ("leading jet pT > 100 GeV", jet & (ev.jet_pt > 100.0)),
        ("min dphi(signal jets, MET) > 0.4", ~jet | (dphi_j > 0.4)),
        ("dphi(j1, MET) >= 2.0", dphi_j >= 2.0),
        ("exactly 1 signal lepton", obj.lepton.sum(axis=1) == 1),
        ("lepton pT < 10 GeV", lpt < 10.0),
        (">= 1 signal track (pT > 1 GeV)", has_t),
        # the leading signal track is taken first and then required to be soft (GAMBIT's
        # SR-E-1l1T order), so a harder leading track is not replaced by a softer one
        ("leading track pT < 5 GeV", tpt < 5.0),
        ("leading track same flavour as the lepton", tflav == lflav),
        ("lepton-track opposite charge", lq * tq < 0),
        ("0.5 < m(l t) < 5 GeV", (m_lt > 0.5) & (m_lt < 5.0)),
        ("m(l t) outside 3.0-3.2 GeV", ~((m_lt >= 3.0) & (m_lt <= 3.2))),
        ("0.05 < dR(l, t) < 1.5", (dr_lt > 0.05) & (dr_lt < 1.5)),
        ("MET / HT_lep > 30", met_ht > 30.0),
        ("dphi(l, MET) < 1.0", np.abs(delta_phi(lphi, ev.met_phi)) < 1.0),
    ])
    sr = np.full(ev.n, -1, dtype=np.int8)
    for i, (lo, hi) in enumerate(SR_EDGES):
        sr[f.passed & (m_lt >= lo) & (m_lt < hi)] = i
    return Atlas1l1tResult(f, m_lt, sr, obj)
