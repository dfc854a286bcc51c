"""CMS SUS-24-003 and ATLAS 1l1T selections on hand-made tables.

Each table holds one event passing every cut followed by one event per cut that fails
exactly that cut (and passes every earlier one), so the cut flow must lose exactly one
event per step: every requirement is exercised both ways. Object definitions are checked
the same way on single-object variations.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from scipy.optimize import brentq

from higgsino_sim.analysis import (
    CutFlow,
    atlas_1l1t_objects,
    atlas_met_trigger_efficiency,
    category_table,
    cms_objects,
    d0_resolution,
    load_events,
    select_atlas_1l1t,
    select_cms_sus_24_003,
)
from higgsino_sim.analysis.variables import invariant_mass
from higgsino_sim.cards import load_card
from higgsino_sim.errors import UsageError

M_MU = 0.1056583755
CMS_WP = {"muon:id_iso": 0, "muon:soft": 1, "electron:standard": 2, "electron:low_pt": 3}
ATLAS_WP = {"muon:signal": 0, "muon:lowpt_run2": 1, "muon:low_momentum": 2,
            "electron:signal": 3, "electron:low_momentum": 4}
SOFT, STD = 1 << 1, 1 << 2
MU_SIG, MU_LOW, E_SIG, E_LOW = 1 << 0, 1 << 2, 1 << 3, 1 << 4

LEP_F = ("pt", "eta", "phi", "d0", "dz", "rel_iso")
LEP_I = {"pdg": -1, "charge": -1, "wp": 0, "jet_iso": -1, "truth": -1}
TRK_I = {"lep_wp": 0, "charge": -1, "truth": -1}


def lep(pt, eta, phi, pdg, wp, charge=None, jet_iso=1, d0=0.0, dz=0.0, rel_iso=0.0):
    q = charge if charge is not None else (-1 if pdg > 0 else 1)
    return {"pt": pt, "eta": eta, "phi": phi, "d0": d0, "dz": dz, "rel_iso": rel_iso,
            "pdg": pdg, "charge": q, "wp": wp, "jet_iso": jet_iso}


def trk(pt, eta, phi, charge, lep_wp=0, d0=0.0, dz=0.0, rel_iso=0.0):
    return {"pt": pt, "eta": eta, "phi": phi, "d0": d0, "dz": dz, "rel_iso": rel_iso,
            "charge": charge, "lep_wp": lep_wp}


def make_events(events: list[dict[str, Any]], card: str, wps: dict[str, int]):
    """A table with the reco columns of docs/output.md and its metadata -> Events."""
    cols: dict[str, list[Any]] = {"weight": [], "process": []}
    for prefix, n, ints in (("lep", 4, LEP_I), ("trk", 8, TRK_I)):
        for k in range(n):
            for q in LEP_F:
                cols[f"{prefix}{k}_{q}"] = []
            for q in ints:
                cols[f"{prefix}{k}_{q}"] = []
    for q in ("jet0_pt", "jet0_eta", "jet0_phi", "jet0_btag", "met", "met_phi", "hard_met",
              "hard_met_phi"):
        cols[q] = []
    for ev in events:
        cols["weight"].append(ev.get("weight", 1.0))
        cols["process"].append("c1p_n2")
        for prefix, n, ints, key in (("lep", 4, LEP_I, "lep"), ("trk", 8, TRK_I, "trk")):
            objs = sorted(ev.get(key, []), key=lambda o: -o["pt"])
            for k in range(n):
                o = objs[k] if k < len(objs) else None
                for q in LEP_F:
                    cols[f"{prefix}{k}_{q}"].append(np.nan if o is None else o[q])
                for q, pad in ints.items():
                    cols[f"{prefix}{k}_{q}"].append(pad if o is None else o.get(q, pad))
        jet = ev.get("jet")
        cols["jet0_pt"].append(np.nan if jet is None else jet["pt"])
        cols["jet0_eta"].append(np.nan if jet is None else jet["eta"])
        cols["jet0_phi"].append(np.nan if jet is None else jet["phi"])
        cols["jet0_btag"].append(-1 if jet is None else jet.get("btag", 0))
        for q in ("met", "met_phi", "hard_met", "hard_met_phi"):
            cols[q].append(ev[q])
    c = load_card(card)
    md = {"detector": {"name": card, "source_file": f"builtin:{card}", "sha256": c.sha256,
                       "working_points": wps}}
    table = pa.table(cols).replace_schema_metadata({"higgsino_sim": json.dumps(md)})
    return load_events(table)


def phi_for_mass(target, pt1, eta1, phi1, pt2, eta2, m=M_MU):
    """Azimuth of object 2 giving m(1, 2) = target."""
    return brentq(lambda d: invariant_mass(pt1, eta1, phi1, m, pt2, eta2, phi1 + d, m) - target,
                  1e-6, np.pi)


# ----------------------------------------------------------------------------- CMS
def cms_base() -> dict[str, Any]:
    # jet at phi 0, hard MET and MET opposite; muons near phi 2 (Delta R to the jet ~2)
    return {"jet": {"pt": 300.0, "eta": 0.0, "phi": 0.0, "btag": 0},
            "met": 290.0, "met_phi": np.pi, "hard_met": 300.0, "hard_met_phi": np.pi,
            "lep": [lep(5.0, 0.5, 2.0, 13, SOFT), lep(3.0, 0.6, 2.3, -13, SOFT)],
            "trk": [trk(5.0, 0.5, 2.0, -1, SOFT), trk(3.0, 0.6, 2.3, 1, SOFT)]}


def with_(base, **kw):
    ev = copy.deepcopy(base)
    ev.update(kw)
    return ev


def set_lep(base, i, **kw):
    ev = copy.deepcopy(base)
    ev["lep"][i].update(kw)
    return ev


def set_trk(base, i, **kw):
    ev = copy.deepcopy(base)
    ev["trk"][i].update(kw)
    return ev


def presel_failures(b):
    jet = b["jet"]
    extra = copy.deepcopy(b)
    extra["lep"].append(lep(40.0, -1.0, -2.0, 11, STD))
    return [
        with_(b, hard_met=200.0),
        with_(b, met=130.0),
        with_(b, jet=dict(jet, eta=2.6)),
        with_(b, jet=dict(jet, btag=1)),
        with_(b, hard_met_phi=0.2),
        extra,
    ]


def assert_one_lost_per_step(flow: CutFlow, first: int = 1) -> None:
    """Step j (from ``first``) removes exactly event j - first + 1, nothing else."""
    n = flow.steps[0].n_raw
    for j in range(first, len(flow.steps)):
        lost = flow.step_masks[j - 1] & ~flow.step_masks[j]
        assert lost.nonzero()[0].tolist() == [j - first + 1], (flow.steps[j].name, flow.table())
    assert flow.steps[-1].n_raw == n - (len(flow.steps) - first)


def test_cms_dimuon_every_cut_both_ways() -> None:
    b = cms_base()
    phi_jpsi = 0.5 + phi_for_mass(3.1, 5.0, 0.5, 0.5, 3.0, 0.5)
    events = [b, *presel_failures(b),
              set_lep(b, 1, wp=0),  # N_mu = 2 fails: second muon not soft-ID
              set_lep(b, 1, pdg=13, charge=-1),  # same sign
              set_lep(b, 1, pt=4.0, phi=2.5),  # pT(mu2) > 3.5 and dR = 0.51
              set_lep(b, 1, eta=0.5, phi=2.05),  # m(mu mu) < 0.4
              {**b, "lep": [lep(5.0, 0.5, 0.5, 13, SOFT), lep(3.0, 0.5, phi_jpsi, -13, SOFT)],
               "jet": dict(b["jet"], phi=-2.5)}]  # J/psi veto
    ev = make_events(events, "cms-phase1", CMS_WP)
    res = select_cms_sus_24_003(ev, lumi_fb=101.0)
    flow = res.flows["dimuon"]
    assert_one_lost_per_step(flow)
    assert res.pair_mass["dimuon"][-2] < 0.4
    assert res.pair_mass["dimuon"][-1] == pytest.approx(3.1, abs=1e-9)
    # yield = sum(weight) x lumi of the passing event(s)
    assert flow.yield_events == pytest.approx(ev.weight[flow.passed].sum() * 101.0)
    assert flow.passed.tolist() == [True] + [False] * (len(events) - 1)


def test_cms_lepton_track_every_cut_both_ways() -> None:
    for flav in ("mu", "e"):
        pdg, wp, pt = (13, SOFT, 5.0) if flav == "mu" else (11, STD, 7.0)
        m = M_MU if flav == "mu" else 0.51099895e-3
        b = cms_base()
        b["lep"] = [lep(pt, 0.5, 2.0, pdg, wp)]
        b["trk"] = [trk(pt, 0.5, 2.0, -1, wp), trk(3.0, 0.6, 2.3, 1)]
        second = copy.deepcopy(b)
        second["lep"].append(lep(8.0, -0.5, 1.0, 24 - pdg, STD if flav == "mu" else SOFT))
        phi_jpsi = 2.0 + phi_for_mass(3.1, pt, 0.5, 2.0, 3.0, 0.5, m)
        events = [b, *presel_failures(b),
                  second,  # a second selected lepton (of the other flavour)
                  set_trk(b, 1, charge=-1),  # same-sign track only
                  set_trk(b, 1, eta=0.5, phi=2.02),  # m(l t) < 0.4
                  set_trk(b, 1, eta=0.5, phi=phi_jpsi)]  # J/psi veto
        ev = make_events(events, "cms-phase0", CMS_WP)
        res = select_cms_sus_24_003(ev, lumi_fb=36.0)
        cat = f"{flav}+track"
        assert_one_lost_per_step(res.flows[cat])
        assert res.pair_mass[cat][-1] == pytest.approx(3.1, abs=1e-9)
        # the other flavour's category selects nothing, the dimuon category neither
        other = "e+track" if flav == "mu" else "mu+track"
        assert res.flows[other].steps[-1].n_raw == 0
        assert res.flows["dimuon"].steps[-1].n_raw == 0


def test_cms_track_picked_by_smallest_delta_r() -> None:
    b = cms_base()
    b["lep"] = [lep(5.0, 0.5, 2.0, 13, SOFT)]
    near, far = trk(2.5, 0.6, 2.2, 1), trk(4.0, 0.2, 2.9, 1)
    b["trk"] = [trk(5.0, 0.5, 2.0, -1, SOFT), near, far]
    res = select_cms_sus_24_003(make_events([b], "cms-phase1", CMS_WP), lumi_fb=1.0)
    want = invariant_mass(5.0, 0.5, 2.0, M_MU, 2.5, 0.6, 2.2, M_MU)
    assert res.pair_mass["mu+track"][0] == pytest.approx(want, rel=1e-12)


def test_cms_object_definitions() -> None:
    b = cms_base()
    variants = [{}, {"pt": 1.9}, {"pt": 15.5}, {"eta": 2.45}, {"jet_iso": 0},
                {"eta": 0.1, "phi": 0.3},  # Delta R(mu, jet) = 0.32
                {"wp": 1 << 0},  # only muon:id_iso
                {"pdg": 11, "wp": SOFT}]  # not a muon
    ev = make_events([set_lep(b, 1, **v) for v in variants], "cms-phase1", CMS_WP)
    sel = cms_objects(ev).muon
    # the muon is the 2nd lepton by pT except when its pT is raised to 15.5
    got = [bool(sel[i].sum() == 2) for i in range(len(variants))]
    assert got == [True] + [False] * (len(variants) - 1)
    el_variants = [{}, {"pt": 4.9}, {"pt": 15.5}, {"eta": 2.55}, {"wp": 1 << 3}]
    el = [set_lep(b, 1, pdg=11, **{"wp": STD, "pt": 7.0, **v}) for v in el_variants]
    sel = cms_objects(make_events(el, "cms-phase1", CMS_WP)).electron
    assert sel.any(axis=1).tolist() == [True] + [False] * (len(el_variants) - 1)
    # track 1 moved away from both muons (exclusive), then each requirement broken; the last
    # two variants put it within Delta R 0.01 of the selected muon 1 (0.6, 2.3)
    t_variants = [{}, {"pt": 1.8}, {"eta": 2.45}, {"rel_iso": 0.15}, {"d0": 0.25},
                  {"dz": -0.25}, {"eta": 0.6, "phi": 2.3}, {"eta": 0.605, "phi": 2.305}]
    tr = [set_trk(b, 1, **{"eta": -0.5, "phi": 1.0, "lep_wp": 0, **v}) for v in t_variants]
    sel = cms_objects(make_events(tr, "cms-phase1", CMS_WP)).track
    assert sel[:, 1].tolist() == [True] + [False] * (len(t_variants) - 1)
    # on top of a lepton that is identified but not selected (muon above 15 GeV, or an
    # electron:low_pt-only electron) the track stays exclusive
    for kw in ({"pt": 16.0}, {"pdg": 11, "wp": 1 << 3}):
        ev = make_events([set_lep(b, 1, **kw)], "cms-phase1", CMS_WP)
        obj = cms_objects(ev)
        assert (obj.muon | obj.electron)[0].sum() == 1  # only the 5 GeV muon is selected
        assert obj.track[0, 1]


def test_missing_working_point_and_missing_reco_columns() -> None:
    with pytest.raises(UsageError, match="no working point 'muon:soft'"):
        select_cms_sus_24_003(make_events([cms_base()], "atlas-run2", ATLAS_WP), 1.0)
    table = pa.table({"weight": [1.0]}).replace_schema_metadata(
        {"higgsino_sim": json.dumps({"detector": None})})
    with pytest.raises(UsageError, match="generated with --card"):
        load_events(table)


# ----------------------------------------------------------------------------- ATLAS
def atlas_base() -> dict[str, Any]:
    lphi, tphi = np.pi - 0.2, np.pi - 0.5
    return {"jet": {"pt": 300.0, "eta": 0.0, "phi": 0.0, "btag": 0},
            "met": 300.0, "met_phi": np.pi, "hard_met": 300.0, "hard_met_phi": np.pi,
            "lep": [lep(5.0, 0.3, lphi, 13, MU_SIG | MU_LOW)],
            "trk": [trk(5.0, 0.3, lphi, -1, MU_SIG | MU_LOW), trk(2.0, 0.5, tphi, 1, MU_LOW)]}


def test_atlas_1l1t_every_cut_both_ways() -> None:
    b = atlas_base()
    jet = b["jet"]
    second = copy.deepcopy(b)
    second["lep"].append(lep(6.0, -1.0, -1.0, 11, E_SIG | E_LOW))
    high = set_lep(b, 0, pt=12.0)
    high["trk"][0]["pt"] = 12.0
    phi_jpsi = (np.pi - 0.2) - phi_for_mass(3.1, 5.0, 0.3, np.pi - 0.2, 2.0, 0.3)
    ht = set_lep(b, 0, pt=9.0)
    ht["trk"][0]["pt"] = 9.0
    ht["trk"][1]["pt"] = 4.9
    hard_track = copy.deepcopy(b)  # leading signal track at 6 GeV: not replaced by the 2 GeV one
    hard_track["trk"].insert(1, trk(6.0, -0.8, np.pi - 0.5, 1, MU_LOW))
    rot = copy.deepcopy(b)
    rot["lep"][0]["phi"] -= 1.2
    rot["trk"][0]["phi"] -= 1.2
    rot["trk"][1]["phi"] -= 1.2
    events = [b,
              with_(b, met=190.0),
              with_(b, jet=dict(jet, eta=3.0)),
              with_(b, jet=dict(jet, pt=90.0)),
              with_(b, jet=dict(jet, phi=np.pi - 0.3)),  # dphi(j, MET) = 0.3
              with_(b, jet=dict(jet, phi=np.pi - 1.5)),  # dphi(j1, MET) = 1.5
              second, high,
              set_trk(b, 1, pt=0.9),  # no signal track
              hard_track,
              set_trk(b, 1, lep_wp=E_LOW),  # track is an electron candidate
              set_trk(b, 1, charge=-1),
              set_trk(b, 1, eta=0.3, phi=np.pi - 0.25),  # m(l t) < 0.5
              set_trk(b, 1, eta=0.3, phi=phi_jpsi),  # J/psi veto
              set_trk(b, 1, eta=0.3, phi=np.pi - 1.8),  # dR = 1.6, m = 4.5
              ht,  # MET / HT_lep = 300 / 13.9
              rot]  # dphi(l, MET) = 1.4
    ev = make_events(events, "atlas-run2", ATLAS_WP)
    res = select_atlas_1l1t(ev, lumi_fb=139.0)
    # the trigger step is a weight, not a cut; every later step removes its event
    assert res.flow.steps[1].n_raw == len(events)
    assert_one_lost_per_step(res.flow, first=2)
    assert res.m_lt[-4] == pytest.approx(3.1, abs=1e-9)
    assert res.m_lt[-3] < 5.0
    eff = atlas_met_trigger_efficiency(ev.met)
    assert res.flow.steps[1].sigma_fb == pytest.approx(np.sum(ev.weight * eff))
    # the passing event: MET 300 GeV -> trigger efficiency 1.0 (table bin 300-400 GeV)
    assert res.flow.yield_events == pytest.approx(1.0 * 139.0)
    m0 = res.m_lt[0]
    assert 1.0 <= m0 < 1.5
    assert res.sr_bin.tolist() == [1] + [-1] * (len(events) - 1)
    assert res.bin_yields() == pytest.approx([0.0, 139.0, 0.0, 0.0, 0.0, 0.0])


def test_atlas_signal_track_definition() -> None:
    b = atlas_base()
    sigma = float(d0_resolution(make_events([b], "atlas-run2", ATLAS_WP),
                                np.array([2.0]), np.array([0.5]))[0])
    assert 0.005 < sigma < 0.2  # tens of micrometres at 2 GeV (card atlas-run2)
    iso_trk = trk(0.6, 0.55, np.pi - 0.6, 1)
    dz_fail = 0.55 * np.cosh(0.5)  # |z0 sin theta| = 0.55 mm
    variants = [{}, {"pt": 0.9}, {"eta": 2.6}, {"lep_wp": 0},
                {"lep_wp": MU_LOW | MU_SIG}, {"d0": 3.5 * sigma}, {"dz": dz_fail},
                {"rel_iso": 0.6 / 2.0}]  # 0.6 GeV of unidentified tracks within 0.3
    events = [set_trk(b, 1, **v) for v in variants]
    events[-1]["trk"].append(iso_trk)
    near_jet = set_trk(b, 1, eta=0.0, phi=0.45)  # dR(track, jet) = 0.45
    # an identified lepton's track within 0.3 does not count in the isolation
    lep_near = set_trk(b, 1, rel_iso=0.6 / 2.0)
    lep_near["trk"].append(trk(0.6, 0.55, np.pi - 0.6, 1, lep_wp=E_LOW))
    ev = make_events([*events, near_jet, lep_near], "atlas-run2", ATLAS_WP)
    obj = atlas_1l1t_objects(ev)
    got = obj.track.any(axis=1).tolist()
    assert got == [True] + [False] * (len(variants) - 1) + [False, True]
    assert obj.track_iso_gev[-1, 1] == pytest.approx(0.0, abs=1e-12)
    # the lepton with only low-momentum bits is not a signal lepton
    ev = make_events([set_lep(b, 0, wp=MU_LOW)], "atlas-run2", ATLAS_WP)
    assert not atlas_1l1t_objects(ev).lepton.any()


def test_atlas_met_trigger_table_edges() -> None:
    # bins of higgsino_sim/data/atlas_met_trigger_eff.csv (GAMBIT, from arXiv:1611.09661)
    got = atlas_met_trigger_efficiency([0.0, 99.9, 100.0, 145.0, 299.9, 300.0, 1e4, np.nan])
    np.testing.assert_allclose(got, [0.01, 0.30, 0.47, 0.90, 0.99, 1.0, 1.0, 0.0])


def test_cutflow_table_and_categories() -> None:
    w = np.array([1.0, 2.0, 3.0])
    cf = CutFlow(w, lumi_fb=10.0, title="t").add("a", np.array([True, True, False]))
    cf.add("eff", weight_factor=np.array([0.5, 1.0, 1.0])).add("b", np.array([False, True, True]))
    assert [s.n_raw for s in cf.steps] == [3, 2, 2, 1]
    assert [s.sigma_fb for s in cf.steps] == [6.0, 3.0, 2.5, 2.0]
    assert cf.yield_events == 20.0
    text = cf.table()
    assert "yield (10/fb)" in text
    assert len({len(line) for line in text.splitlines()[1:]}) <= 2  # aligned rows
    summary = category_table({"P0": {"x": cf}, "P1": {"x": cf, "y": cf}})
    assert "40" in summary.splitlines()[2]  # x summed over both columns
    with pytest.raises(ValueError, match="mask shape"):
        cf.add("bad", np.array([True]))
