"""HepMC3 writer: read back with pyhepmc equals the Parquet truth of the same run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from higgsino_sim.generate import GenerateOptions, run_generate
from higgsino_sim.output import read_metadata

pyhepmc = pytest.importorskip("pyhepmc")


def test_hepmc_round_trip(tmp_path: Path) -> None:
    from higgsino_sim.formats.hepmc import write_hepmc

    table = tmp_path / "t.parquet"
    run_generate(GenerateOptions(mass=150.0, dm=5.0, n_events=300, seed=5, output=table))
    out = tmp_path / "t.hepmc3"
    write_hepmc(table, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.hepmc3", "t.parquet"]
    t = pq.read_table(table)
    md = read_metadata(table)
    with pyhepmc.open(out) as f:
        events = list(f)
    assert len(events) == t.num_rows
    w = t["weight"].to_numpy()
    for i, ev in enumerate(events):
        assert ev.length_unit == pyhepmc.Units.MM
        assert ev.momentum_unit == pyhepmc.Units.GEV
        assert ev.weights[0] == pytest.approx(w.size * w[i] * 1e-3, rel=1e-15)
        assert ev.cross_section.xsec() == pytest.approx(md["sigma_normalised_cut_fb"] * 1e-3,
                                                       rel=1e-8)  # printed: 9 digits
        beams = [p for p in ev.particles if p.status == 4]
        assert [p.pid for p in beams] == [2212, 2212]
        hard = next(v for v in ev.vertices if len(v.particles_in) == 2)
        assert hard.position.x == hard.position.y == hard.position.z == 0.0
        assert sorted(p.pid for p in hard.particles_in) == sorted(
            (t["parton1_pdg"][i].as_py(), t["parton2_pdg"][i].as_py()))
        outs = {p.pid: p for p in hard.particles_out}
        for leg in ("chi_a", "chi_b", "jet"):
            p = [q for q in hard.particles_out if q.pid == t[f"{leg}_pdg"][i].as_py()]
            assert p, leg
            mom = p[0].momentum
            # ASCII HepMC3 writes 16 significant digits: 1e-15 relative
            np.testing.assert_allclose((mom.e, mom.px, mom.py, mom.pz),
                                       [t[f"{leg}_{c}"][i].as_py() for c in ("e", "px", "py", "pz")],
                                       rtol=1e-15, atol=1e-15 * mom.e)
        del outs
        # decay products: ids, momenta and production vertices equal the slots
        record = list(ev.particles)[5:]  # beams, partons, chi_a, chi_b, jet first
        record = sorted(ev.particles, key=lambda p: p.id)[7:]
        nd = sum(t[f"dau{k}_pdg"][i].as_py() != 0 for k in range(12))
        assert len(record) == nd
        for k, p in enumerate(record):
            assert p.pid == t[f"dau{k}_pdg"][i].as_py()
            m = p.momentum
            np.testing.assert_allclose((m.e, m.px, m.py, m.pz),
                                       [t[f"dau{k}_{c}"][i].as_py() for c in ("e", "px", "py", "pz")],
                                       rtol=1e-15, atol=1e-15 * m.e)
            v = p.production_vertex.position
            np.testing.assert_allclose((v.x, v.y, v.z),
                                       [t[f"dau{k}_{c}"][i].as_py() for c in ("vx", "vy", "vz")],
                                       rtol=1e-15, atol=0)
            assert v.t >= np.sqrt(v.x**2 + v.y**2 + v.z**2) * (1 - 1e-15)  # timelike
            mother = t[f"dau{k}_mother"][i].as_py()
            parent = p.production_vertex.particles_in[0]
            if mother >= 0:
                assert parent.id == record[mother].id
            else:
                assert parent.pid == t[("chi_a", "chi_b")[-mother - 1] + "_pdg"][i].as_py()
            assert p.status == (2 if p.end_vertex is not None else 1)
