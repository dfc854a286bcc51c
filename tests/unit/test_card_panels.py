"""Detector-card validation panels (``higgsino_sim.validation.card_panels``) and the loader of
the published tables they compare with (``higgsino_sim.validation.published``).

The numbers asserted for the loaders are the first rows of each vendored table, quoted from
the source named on its ``#`` line (also in higgsino_sim/data/README.md). The panel tests
use fixed seeds; a closure passes at p > 1e-3 / |pull| < 4 (panel.P_MIN, PULL_MAX), so a
failure of a correct card is a 1e-3-level accident and reproducible.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from higgsino_sim.cards import card_text, load_card, shipped_cards
from higgsino_sim.kernels import detector as kdet
from higgsino_sim.kernels.response_functions import eval_fn
from higgsino_sim.validation import card_panels as cp
from higgsino_sim.validation import published as pub
from higgsino_sim.validation.panel import Panel

TABLES = ("cms2016_soft_lepton_eff_SUS16048.csv", "atlas_1911_12606_fig3_eff.csv",
          "atlas_muon_eff_lowpt.csv", "delphes_d0_resolution_CMS.csv",
          "delphes_d0_resolution_ATLAS.csv", "jet_energy_resolution.csv", "delphes_tracking.csv")


@pytest.mark.parametrize("name", TABLES)
def test_tables_keep_their_source_line(name: str) -> None:
    t = pub.read_table(name)
    assert t.source.startswith("source: github ")
    assert all(c.size > 0 for c in t.columns.values())


def test_loaders_return_the_source_numbers() -> None:
    mu = pub.cms_sus16048("mu")  # SUS-16-048 muons |eta| < 0.9: 0 below 3.5, 0.647 at 3.5-10
    assert mu.value[:2].tolist() == [0.0, 0.647]
    assert (mu.pt_lo[1], mu.pt_hi[1], mu.abs_eta_hi[1]) == (3.5, 10.0, 0.9)
    assert pub.cms_sus16048("e").value.size == 30
    el = pub.atlas_1911_12606_fig3("electron")  # 1911.12606 fig. 3: 4.5-5 GeV 0.230245
    assert (el.pt_lo[0], el.value[0]) == (4.5, 0.230245)
    assert np.isinf(el.pt_hi[-1])
    assert el.value[-1] == 1.0
    assert pub.atlas_1911_12606_fig3("isolated_track_1l1T").value[4] == 0.7706
    assert pub.atlas_muon_eff_lowpt().value.tolist() == [0.0, 0.76, 0.94, 0.97, 0.98, 0.98,
                                                          0.98, 0.99]
    d0 = pub.delphes_d0_resolution("CMS")  # 34 pT bins x 3 |eta| bins, 354.3 um first
    assert d0.value.size == 102
    assert d0.value[0] == 0.3543
    assert pub.delphes_d0_resolution("ATLAS").value[-1] == 0.0115
    assert pub.jet_energy_resolution("CMS").value[0] == 0.3
    assert pub.jet_energy_resolution("ATLAS").value[-1] == 0.04
    assert pub.delphes_tracking_efficiency("hadron").value.tolist() == [0.70, 0.95, 0.60, 0.85]
    _, _lo, _hi, a, b = pub.delphes_pt_resolution("muon")
    assert a.tolist() == [0.01, 0.015, 0.025]
    assert b[2] == 3.5e-4


def test_bin_centres() -> None:
    t = pub.atlas_muon_eff_lowpt()
    c = t.pt_centre()
    assert c[0] == 1.75  # bin from 0: arithmetic
    assert c[1] == pytest.approx(np.sqrt(3.5 * 4.0))
    assert c[-1] == 15.0  # open bin: 1.5 x the lower edge


def test_phase1_d0_is_the_phase0_table_times_the_stated_factor() -> None:
    """The cms-phase1 comment: Phase-0 table x sqrt(a^2 + (0.75 b/pT)^2)/sqrt(a^2 + (b/pT)^2)
    at the geometric bin centre (lower edge for the open bin), printed to 1e-5 mm."""
    t = pub.delphes_d0_resolution("CMS")
    card = load_card("cms-phase1")
    pc = np.where(np.isfinite(t.pt_hi), np.sqrt(t.pt_lo * t.pt_hi), t.pt_lo)
    k = np.searchsorted(np.unique(t.eta_centre()), t.eta_centre())
    a, b = np.array(cp._CMS_D0_FITS)[k].T
    want = t.value * np.hypot(a, 0.75 * b / pc) / np.hypot(a, b / pc)
    got = [eval_fn(card.pool, int(card.fn[kdet.FS_TRK_D0_RES]), x, y)
           for x, y in zip(t.pt_centre(), t.eta_centre(), strict=True)]
    np.testing.assert_allclose(got, want, atol=0.5e-5 + 1e-12)  # rounding to 5 decimals


def _check(panels: list[Panel], card: str) -> None:
    keys = [p.key for p in panels]
    assert len(set(keys)) == len(keys)
    for p in panels:
        assert p.section == f"Detector: {card}"
        assert isinstance(p.figure, Figure)
        assert p.figure.axes
        assert p.reference
        assert p.statistic


def test_one_card_quick_all_pass_or_informational() -> None:
    panels = cp.card_panels(load_card("atlas-run2"), quick=True, seed=5)
    _check(panels, "atlas-run2")
    failed = [(p.key, p.statistic) for p in panels if p.passed is False]
    assert not failed
    kinds = {p.key.removeprefix("atlas_run2_") for p in panels}
    assert {"trk_eff_closure", "res_closure", "lep_eff_closure", "jet_met_closure",
            "btag_closure", "trk_eff_source", "pt_res_source", "d0_source", "lep_eff_source",
            "jer_source", "met_source"} == kinds
    info = {p.key for p in panels if p.passed is None}
    assert info == {"atlas_run2_d0_source", "atlas_run2_met_source"}  # fit / floor: no criterion
    assert all(p.n_events > 0 for p in panels if p.key.endswith("closure"))


def test_a_wrong_card_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """cms-phase0 with the muon:id_iso |eta| < 0.9, 3.5-10 GeV efficiency 0.647 -> 0.347: the
    source panel sees 0.3 against the SUS-16-048 map; the closure of the edited response
    against the shipped card's numbers fails (one point off by 0.3 at n = 600: chi2 ~ 240
    on ~110 points)."""
    text = card_text("cms-phase0")
    assert text.count("[0.647, 0.718") == 1  # the id_iso row only (the soft row differs)
    path = tmp_path / "wrong.toml"
    path.write_text(text.replace("[0.647, 0.718", "[0.347, 0.718"), encoding="utf-8")
    monkeypatch.setattr(cp, "N_QUICK", 600)
    panels = cp.card_panels(load_card(path), quick=True, seed=3, expected=load_card("cms-phase0"))
    failed = {p.key for p in panels if p.passed is False}
    assert failed == {"cms_phase0_lep_eff_closure", "cms_phase0_lep_eff_source"}
    src = next(p for p in panels if p.key == "cms_phase0_lep_eff_source")
    assert "= 0.3 " in src.statistic


@pytest.mark.slow
def test_all_shipped_cards_quick() -> None:
    panels = cp.panels(quick=True, seed=11)
    for card in shipped_cards():
        _check([p for p in panels if p.section == f"Detector: {card}"], card)
    assert not [(p.key, p.statistic) for p in panels if p.passed is False]
