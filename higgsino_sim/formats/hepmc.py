"""HepMC3 ASCII event files from a Parquet event table (docs/formats.md, "HepMC3").

One GenEvent per event (pyhepmc, the Python bindings of HepMC3; Buckley et al.,
arXiv:1912.08005): two beam protons (status 4) at sqrt(s)/2, each with one incoming
parton (status 21, as Pythia 8 marks the incoming partons of the hard process) meeting
at the hard vertex at the origin; chi_a, chi_b and the ISR parton out of it; every
decayed chi (status 2) ends in its decay vertex at the displaced position [mm] with
t = c t [mm] in the lab; undecayed particles have status 1 (partons included: no shower).
Units: GEV, MM. Cross section (GenCrossSection) in pb; event weight [pb] = N x table weight
[fb] x 1e-3 (average = sigma, as in the LHE file).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from higgsino_sim.formats.record import BATCH_EVENTS, COLUMNS, PB_PER_FB, ROW_A, build_record

M_PROTON_GEV = 0.93827208816  # PDG 2022
STATUS_BEAM, STATUS_INCOMING = 4, 21


def write_hepmc(table: Path, out: Path) -> None:
    """Write the events of a Parquet event table as a HepMC3 ASCII file.

    Parameters
    ----------
    table : Path
        Parquet event table (docs/output.md).
    out : Path
        Output file (HepMC3 ASCII; pyhepmc compresses when the name ends with .gz).

    Raises
    ------
    UsageError
        If pyhepmc is not installed.
    """
    from higgsino_sim.errors import UsageError
    from higgsino_sim.formats import atomic_output, table_batches
    from higgsino_sim.output import read_metadata

    try:
        import pyhepmc
    except ImportError:
        raise UsageError("--format hepmc needs pyhepmc: pip install 'higgsino-sim[io]'"
                         ) from None

    table, out = Path(table), Path(out)
    md = read_metadata(table)
    pf = pq.ParquetFile(table)
    n_total = pf.metadata.num_rows
    scale_w = n_total * PB_PER_FB
    sqrt_s = float(md["sqrt_s_gev"])
    sigma = float(md["sigma_normalised_cut_fb"]) * PB_PER_FB
    sigma_err = float(md["sigma_normalised_cut_err_fb"]) * PB_PER_FB
    run_info = pyhepmc.GenRunInfo()
    run_info.tools = [pyhepmc.GenRunInfo.ToolInfo("higgsino-sim", str(md.get("version", "")),
                                                  "parton-level chi chi + jet with decays")]
    run_info.weight_names = ["Default"]

    e_beam = 0.5 * sqrt_s
    pz_beam = math.sqrt(max(e_beam * e_beam - M_PROTON_GEV**2, 0.0))
    number = 0
    with atomic_output(out) as part, pyhepmc.open(part, "w", format="HepMC3") as fh:
        for batch in table_batches(pf, BATCH_EVENTS, columns=COLUMNS):
            rec = build_record(batch, sqrt_s)
            wt = rec.weight * scale_w
            for i in range(rec.n.size):
                n = int(rec.n[i]) + 2
                sl = slice(0, n - 2)
                px = np.empty(n)
                py = np.empty(n)
                pz = np.empty(n)
                en = np.empty(n)
                mm = np.empty(n)
                px[:2], py[:2], pz[:2], en[:2], mm[:2] = 0.0, 0.0, (pz_beam, -pz_beam), e_beam, \
                    M_PROTON_GEV
                px[2:], py[2:], pz[2:] = rec.px[i, sl], rec.py[i, sl], rec.pz[i, sl]
                en[2:], mm[2:] = rec.e[i, sl], rec.m[i, sl]
                pid = np.empty(n, dtype=np.int32)
                pid[:2] = 2212
                pid[2:] = rec.pdg[i, sl]
                status = np.empty(n, dtype=np.int32)
                status[:2] = STATUS_BEAM
                status[2:] = np.where(rec.status[i, sl] == -1, STATUS_INCOMING,
                                      rec.status[i, sl])
                # parents, 0-based rows of this array (beams: none; parton k: beam k)
                parents = np.full((n, 2), -1, dtype=np.int32)
                parents[2:4, 0] = parents[2:4, 1] = (0, 1)
                m1 = rec.mother1[i, sl]
                m2 = rec.mother2[i, sl]
                rows = slice(2 + ROW_A, n)
                parents[rows, 0] = m1[ROW_A:] + 2
                parents[rows, 1] = m2[ROW_A:] + 2
                vx = np.zeros(n)
                vy = np.zeros(n)
                vz = np.zeros(n)
                vt = np.zeros(n)
                vx[2:], vy[2:], vz[2:], vt[2:] = (rec.vx[i, sl], rec.vy[i, sl], rec.vz[i, sl],
                                                  rec.vt[i, sl])
                evt = pyhepmc.GenEvent(pyhepmc.Units.GEV, pyhepmc.Units.MM)
                evt.from_hepevt(number, px, py, pz, en, mm, pid, status, parents=parents,
                                vx=vx, vy=vy, vz=vz, vt=vt, fortran=False)
                evt.run_info = run_info
                evt.weights = [float(wt[i])]
                cs = pyhepmc.GenCrossSection()
                cs.set_cross_section(sigma, sigma_err, number + 1, number + 1)
                evt.cross_section = cs
                evt.set_units(pyhepmc.Units.GEV, pyhepmc.Units.MM)
                fh.write(evt)
                number += 1


__all__ = ["write_hepmc"]
