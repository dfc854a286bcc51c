"""Pythia 8 showers the LHE file without event-record errors or warnings; the chi decay
products and the invisible momentum survive."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from higgsino_sim.formats.lhe import write_lhe
from higgsino_sim.generate import GenerateOptions, run_generate

pythia8 = pytest.importorskip("pythia8mc")

INVISIBLE = (1000022, 12, 14, 16)


def _shower(lhe: Path, extra: tuple[str, ...]) -> tuple[object, list[np.ndarray]]:
    p = pythia8.Pythia("", False)
    for s in ("Beams:frameType = 4", f"Beams:LHEF = {lhe}", "PartonLevel:MPI = off",
              "HadronLevel:all = on", "Next:numberCount = 0", "Next:numberShowEvent = 0",
              "Next:numberShowProcess = 0", "Next:numberShowInfo = 0", "Check:event = on",
              # our decays are unpolarised (docs/decays.md): say so, instead of Pythia's
              # warning that it cannot find the tau production mechanism
              "TauDecays:mode = 3", "TauDecays:tauPolarization = 0", *extra):
        assert p.readString(s)
    assert p.init()
    finals = []
    while p.next():
        ev = p.event
        finals.append(np.array([(ev[j].id(), ev[j].e(), ev[j].px(), ev[j].py(), ev[j].pz())
                                for j in range(ev.size()) if ev[j].isFinal()]))
    return p, finals


@pytest.mark.physics
def test_pythia_shower(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "t.parquet"
    run_generate(GenerateOptions(mass=150.0, dm=5.0, n_events=300, seed=21, output=table))
    lhe = tmp_path / "t.lhe"
    write_lhe(table, lhe)
    t = pq.read_table(table)
    capfd.readouterr()
    # full shower: no error or warning apart from the end of the file
    p, finals = _shower(lhe, ())
    assert len(finals) == t.num_rows
    p.stat()
    out = capfd.readouterr().out
    msgs = re.findall(r"\|\s+\d+\s+((?:Error|Warning|Abort)[^|]*)\|", out)
    # "weight above unity" is the ISR veto algorithm's overestimate being exceeded (Pythia's
    # own sampling, emitted for any input now and then; nothing about the event record)
    msgs = [m.strip() for m in msgs
            if "SimpleSpaceShower::pT2nextQCD: weight above unity" not in m]
    assert msgs == [("Abort from Pythia::next: reached end of Les Houches "
                     "Events File")], out[-3000:]
    # without ISR, primordial kT, QED radiation off leptons, radiation off the hard-process
    # parton (its recoil goes to the rest of the final state, e.g. a stable chi10) and
    # hadronisation (a low-mass string from chi -> chi10 q q' takes recoil from neighbours),
    # and Pythia's reshuffling of c quarks to its own mass (LesHouches:setQuarkMass; our
    # decays use m_c = 1.27 GeV, and the shuffle moves the chi10 of that decay at the 1e-5
    # level), nothing recoils against the chi system: leptons, pions and chi10s come out
    # unchanged; radiation inside the chi decays stays on
    _, finals = _shower(lhe, ("PartonLevel:ISR = off", "BeamRemnants:primordialKT = off",
                              "TimeShower:QEDshowerByL = off",
                              "PartonLevel:FSRinProcess = off", "HadronLevel:Hadronize = off",
                              "LesHouches:setQuarkMass = 0"))
    pdg = np.stack([t[f"dau{k}_pdg"].to_numpy() for k in range(12)], axis=1)
    mom = np.stack([np.stack([t[f"dau{k}_{c}"].to_numpy() for c in ("e", "px", "py", "pz")],
                             axis=1) for k in range(12)], axis=1)
    n_matched = 0
    for i, fin in enumerate(finals):
        for k in np.flatnonzero(np.isin(np.abs(pdg[i]), (11, 13, 211))):
            cand = fin[fin[:, 0] == pdg[i, k], 1:]
            # 1e-6 relative: Pythia stores the LHE momenta in double precision; the margin
            # covers its E = sqrt(p^2 + m^2) recomputation with its own masses
            close = np.all(np.abs(cand - mom[i, k]) <= 1e-6 * mom[i, k, 0], axis=1)
            assert close.any(), (i, pdg[i, k])
            n_matched += 1
        chi10 = fin[fin[:, 0] == 1000022, 1:]
        table_chi10 = mom[i][pdg[i] == 1000022]
        chi_b_stable = t["chi_b_pdg"][i].as_py() == 1000022
        if chi_b_stable:
            table_chi10 = np.vstack([table_chi10, [[t[f"chi_b_{c}"][i].as_py()
                                                   for c in ("e", "px", "py", "pz")]]])
        np.testing.assert_allclose(chi10[:, 1:3].sum(axis=0), table_chi10[:, 1:3].sum(axis=0),
                                   rtol=1e-6, atol=1e-6)
    assert n_matched > 50  # ~ 0.3 leptons or pions per event in this sample
