"""Detector response with the perfect test card (no smearing, full efficiency): exact
identities of missing pT, hard missing pT, isolation and track exclusivity; and the
generator with a card (columns, metadata, determinism, option errors)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from detector_events import Particle, run
from tables import assert_identical

from higgsino_sim.cards import Card, load_card
from higgsino_sim.cli import main
from higgsino_sim.errors import UsageError
from higgsino_sim.generate import GenerateOptions, run_generate
from higgsino_sim.kernels import detector as kdet
from higgsino_sim.output import read_metadata

PERFECT = Path(__file__).parents[1] / "data" / "cards" / "perfect.toml"


@pytest.fixture(scope="module")
def perfect() -> Card:
    return load_card(PERFECT)


@pytest.fixture(scope="module")
def perfect_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("det") / "perfect.parquet"
    run_generate(GenerateOptions(mass=115.0, dm=1.5, n_events=2000, seed=3, output=out,
                                 card=str(PERFECT)))
    return out


def _col(t, name: str) -> np.ndarray:
    """A column in float64 (the momenta are stored as float32)."""
    return t.column(name).to_numpy().astype(np.float64)


def _sum_pt(t, mask) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y of the pT sum of the selected products and the sum of their |px| + |py|."""
    x = np.zeros(t.num_rows)
    y = np.zeros(t.num_rows)
    size = np.zeros(t.num_rows)
    for k in range(12):
        pdg = np.abs(t.column(f"dau{k}_pdg").to_numpy())
        sel = mask(pdg)
        px = np.where(sel, np.nan_to_num(_col(t, f"dau{k}_px")), 0.0)
        py = np.where(sel, np.nan_to_num(_col(t, f"dau{k}_py")), 0.0)
        x += px
        y += py
        size += np.abs(px) + np.abs(py)
    return x, y, size


def test_perfect_card_met_is_the_invisible_pt_and_hard_met_the_recoil(perfect_sample: Path) -> None:
    # the identities are exact up to float64 rounding of sums of a dozen terms of up to ~1e3
    # GeV (~1e-13 relative: 1e-9 of the jet pT leaves ample margin) and the float32 rounding
    # of the stored columns (round to nearest, <= 2^-24 of each value): of the MET (2^-24
    # met), of each summed momentum component (2^-24 sum |p_i|; the vector sum moves by at
    # most that) and of the angles (2^-24 pi); a direction moves by <= |delta p| / pT
    u = 2.0**-24
    t = pq.read_table(perfect_sample)
    # hard MET: the jet is the only object above 30 GeV here (all products are soft)
    legs = [(_col(t, f"{leg}_px"), _col(t, f"{leg}_py")) for leg in ("chi_a", "chi_b")]
    recoil_x, recoil_y = legs[0][0] + legs[1][0], legs[0][1] + legs[1][1]
    size = sum(np.abs(px) + np.abs(py) for px, py in legs)
    hard = _col(t, "hard_met")
    scale = _col(t, "jet_pt")
    recoil = np.hypot(recoil_x, recoil_y)
    assert np.all(np.abs(hard - recoil) <= u * (hard + size) + 1e-9 * scale)
    phi = _col(t, "hard_met_phi")
    dphi = np.abs(np.angle(np.exp(1j * (phi - np.arctan2(recoil_y, recoil_x)))))
    assert np.all(dphi <= u * (np.pi + size / recoil) + 1e-9)
    # MET: the vector sum of the invisible particles (chi10 and neutrinos), every event
    ix, iy, size = _sum_pt(t, lambda a: (a == 1000022) | (a == 12) | (a == 14) | (a == 16))
    for leg in ("chi_a", "chi_b"):  # an undecayed leg (chi10) is invisible itself
        stable = t.column(f"{leg}_decay").is_null().to_numpy(zero_copy_only=False)
        px, py = (np.where(stable, _col(t, f"{leg}_{c}"), 0.0) for c in ("px", "py"))
        ix, iy, size = ix + px, iy + py, size + np.abs(px) + np.abs(py)
    met = _col(t, "met")
    assert np.all(np.abs(met - np.hypot(ix, iy)) <= u * (met + size) + 1e-9 * scale)
    # every true electron and muon is an identified lepton (and a track); every pion and kaon
    # a track; the tracks not matched to a lepton are the hadrons
    n_lep = sum(np.isin(np.abs(t.column(f"dau{k}_pdg").to_numpy()), (11, 13)) for k in range(12))
    n_had = sum(np.isin(np.abs(t.column(f"dau{k}_pdg").to_numpy()), (211, 321)) for k in range(12))
    assert np.array_equal(t.column("n_lep").to_numpy(), n_lep)
    assert np.array_equal(t.column("n_trk").to_numpy(), n_lep + n_had)
    n_excl = sum((t.column(f"trk{k}_lep_wp").to_numpy() == 0)
                 & (t.column(f"trk{k}_truth").to_numpy() >= 0) for k in range(kdet.N_TRK))
    assert np.array_equal(n_excl, n_had)
    assert n_lep.sum() > 100
    assert n_had.sum() > 100
    # reco = truth for the leading lepton, and its truth index points at it
    has = n_lep > 0
    truth = t.column("lep0_truth").to_numpy()[has]
    rows = np.nonzero(has)[0]
    d0_true = np.array([t.column(f"dau{s}_d0")[r].as_py() for r, s in zip(rows, truth, strict=True)])
    assert np.allclose(t.column("lep0_d0").to_numpy()[has], d0_true, rtol=0, atol=1e-15)
    md = read_metadata(perfect_sample)
    assert md["detector"]["name"] == "perfect"
    assert len(md["detector"]["sha256"]) == 64
    assert md["detector"]["lepton_overflow"] == 0


def test_track_isolation_sums_neighbours_and_the_jet(perfect: Card) -> None:
    cone = perfect.par[kdet.P_ISO_CONE]
    a = Particle(211, 2.0, 0.5, 0.0)
    b = Particle(-211, 1.0, 0.5 + 0.5 * cone, 0.0)  # inside the cone of a
    c = Particle(211, 3.0, -1.5, 1.0)  # far away
    cols = run(perfect, 3, [a, b, c])
    assert np.all(cols["n_trk"] == 3)
    # ordered by pT: c, a, b
    assert np.array_equal(cols["trk0_pt"], [3.0] * 3)
    assert np.allclose(cols["trk1_rel_iso"], 1.0 / 2.0, rtol=1e-14)
    assert np.allclose(cols["trk2_rel_iso"], 2.0 / 1.0, rtol=1e-14)
    assert np.all(cols["trk0_rel_iso"] == 0.0)
    assert np.array_equal(cols["trk0_charge"], [1] * 3)
    assert np.array_equal(cols["trk2_charge"], [-1] * 3)
    # a jet inside the cone adds its charged share of the pT
    cols = run(perfect, 1, [a], jet_kw={"pt": 50.0, "eta": 0.5 + 0.5 * cone, "phi": 0.0})
    frac = perfect.par[kdet.P_ISO_JET_CHARGED_FRACTION]
    assert cols["trk0_rel_iso"][0] == pytest.approx(frac * 50.0 / 2.0, rel=1e-14)


def test_tracks_carry_the_working_points_of_matched_leptons(perfect: Card) -> None:
    """Seed 001 section 3: a track within Delta R 0.01 of a selected lepton is not exclusive;
    trk_lep_wp says which working points veto it (0: exclusive for every selection)."""
    dr = perfect.par[kdet.P_TRK_LEP_MATCH_DR]
    cols = run(perfect, 2, [Particle(13, 5.0, 0.3), Particle(-11, 4.0, -0.2, 2.0),
                            Particle(211, 3.0, 0.3 + 0.5 * dr),  # inside the muon's cone
                            Particle(211, 1.0, 0.3 + 1.5 * dr)])  # outside
    assert np.all(cols["n_lep"] == 2)
    assert np.all(cols["n_trk"] == 4)
    assert np.array_equal(cols["lep0_pdg"], [13, 13])
    assert np.array_equal(cols["lep0_charge"], [-1, -1])
    assert np.array_equal(cols["lep1_charge"], [1, 1])
    mu_wp, el_wp = cols["lep0_wp"][0], cols["lep1_wp"][0]
    assert mu_wp > 0
    assert el_wp > 0
    assert mu_wp & el_wp == 0  # flavours have their own bits
    # by pT: muon 5, electron 4, pion 3 (in the cone), pion 1 (outside)
    assert np.array_equal(cols["trk0_lep_wp"], [mu_wp] * 2)
    assert np.array_equal(cols["trk1_lep_wp"], [el_wp] * 2)
    assert np.array_equal(cols["trk2_lep_wp"], [mu_wp] * 2)
    assert np.array_equal(cols["trk3_lep_wp"], [0] * 2)
    assert np.array_equal(cols["trk3_truth"], [3, 3])
    # padding: no lepton -> wp 0, no track -> lep_wp 0, truth -1, pT NaN
    assert np.all(cols["lep2_wp"] == 0)
    assert np.all(cols["trk4_lep_wp"] == 0)
    assert np.all(cols["trk4_truth"] == -1)
    assert np.all(np.isnan(cols["trk4_pt"]))


def test_hard_met_counts_objects_above_30_gev_only(perfect: Card) -> None:
    # a 40 GeV muon at phi = 0 and a 25 GeV jet at phi = pi: hard MET is the muon's recoil;
    # MET is the recoil of both (perfect card: no soft-term smearing)
    cols = run(perfect, 1, [Particle(13, 40.0, 0.1)], jet_kw={"pt": 25.0, "phi": np.pi})
    assert cols["hard_met"][0] == pytest.approx(40.0, rel=1e-14)
    assert abs(abs(cols["hard_met_phi"][0]) - np.pi) < 1e-12
    assert cols["met"][0] == pytest.approx(15.0, rel=1e-12)


def test_jet_based_lepton_isolation(perfect: Card) -> None:
    """Seed 001 section 3: not isolated if a jet with 10 < pT < 30 GeV is within 0.6."""
    lo, hi = perfect.par[kdet.P_LEPJET_ISO_JET_PT_MIN], perfect.par[kdet.P_LEPJET_ISO_JET_PT_MAX]
    dr = perfect.par[kdet.P_LEPJET_ISO_DR]
    mu = Particle(13, 5.0, 0.0, 0.0)
    for pt, eta, iso in ((0.5 * (lo + hi), 0.5 * dr, 0), (0.5 * (lo + hi), 1.5 * dr, 1),
                         (hi + 5.0, 0.5 * dr, 1), (lo - 1.0, 0.5 * dr, 1)):
        cols = run(perfect, 1, [mu], jet_kw={"pt": pt, "eta": eta, "phi": 0.0})
        assert cols["lep0_jet_iso"][0] == iso, (pt, eta)


def test_jet_isolation_sees_jets_below_the_output_threshold(tmp_path: Path) -> None:
    # the same card with jets written only above 20 GeV: a 15 GeV jet is not output but
    # still spoils the lepton's jet-based isolation (the search clusters jets from 10 GeV)
    text = PERFECT.read_text()
    old = '[jets]\nsource = "test card"\npt_min_gev = 0.0\n'
    assert text.count(old) == 1
    card_path = tmp_path / "jets20.toml"
    card_path.write_text(text.replace(old, old.replace("0.0", "20.0")))
    card = load_card(card_path)
    cols = run(card, 1, [Particle(13, 5.0, 0.0, 0.0)], jet_kw={"pt": 15.0, "eta": 0.3,
                                                            "phi": 0.0})
    assert cols["n_jet"][0] == 0
    assert cols["lep0_jet_iso"][0] == 0


def test_generate_with_card_is_deterministic_and_documents_the_card(tmp_path: Path) -> None:
    kw = {"mass": 115.0, "dm": 1.0, "n_events": 1500, "seed": 9, "card": "cms-phase1"}
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    run_generate(GenerateOptions(output=a, threads=1, chunk_events=100_000, **kw))
    run_generate(GenerateOptions(output=b, threads=2, chunk_events=257, **kw))
    ta, tb = pq.read_table(a), pq.read_table(b)
    assert_identical(ta, tb)
    names_f, names_i = kdet.column_names()
    assert set(names_f + names_i) <= set(ta.column_names)
    md = read_metadata(a)
    card = load_card("cms-phase1")
    assert md["detector"]["sha256"] == card.sha256
    assert md["bfield_t"] == card.bfield
    assert md["detector"]["working_points"] == {n: k for k, n in enumerate(card.wp_names)}


def test_bfield_contradicting_the_card_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="contradicts"):
        run_generate(GenerateOptions(mass=115.0, dm=1.5, output=tmp_path / "x.parquet",
                                     card="atlas-run2", bfield=3.8))


@pytest.mark.parametrize("args", [["--card", "cms-phase7"], ["--card", "nofile.toml"],
                                  ["--card", "cms-phase0", "--bfield", "2.0"]])
def test_cli_card_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                args: list[str]) -> None:
    out = tmp_path / "x.parquet"
    code = main(["generate", "--mass", "115", "--dm", "1.5", "-n", "10", "-o", str(out), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not out.exists()
