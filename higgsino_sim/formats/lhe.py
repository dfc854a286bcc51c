"""Les Houches Event files (LHEF 3.0) from a Parquet event table (docs/formats.md, "LHE").

Format: Alwall et al., "A standard format for Les Houches Event Files", hep-ph/0609017
(LHEF), with the common block fields of Boos et al., hep-ph/0109068 (HEPRUP/HEPEUP).
Written directly as text (momenta with 17 significant digits, so they read back exactly);
read back with ``pylhe.LHEFile.fromfile``. Weight convention: IDWTUP = 3 for an
unweighted table, 4 for a weighted one; XWGTUP [pb] = N x (table weight [fb]) x 1e-3, so
that the *average* of the event weights is the cross section (the meaning of IDWTUP = 4
in Pythia 8, and MadGraph's ``event_norm = average``).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from higgsino_sim.formats.record import BATCH_EVENTS, COLUMNS, PB_PER_FB, build_record

#: LHAPDF ids written to PDFSUP. Empty on purpose: the LHAPDF index is not shipped with the
#: grid we read (pythia8mc's pdfdata has no .info file), and an id quoted from memory could
#: be wrong; 0 means "not given" (the PDF set name is in the header's metadata comment)
LHAPDF_IDS: dict[str, int] = {}
_PDG = {"chi10": 1000022, "chi20": 1000023, "chi1pm": 1000024}
#: daughter ids of each channel for the chi1+ / chi20 parent (docs/output.md); the
#: inclusive quark channels are written with one representative flavour pair
_DAUGHTERS = {
    "chi1pm": {
        "chi10 pi": (1000022, 211), "chi10 K": (1000022, 321),
        "chi10 pi pi0": (1000022, 211, 111), "chi10 e nu": (1000022, 12, -11),
        "chi10 mu nu": (1000022, 14, -13), "chi10 tau nu": (1000022, 16, -15),
        "chi10 hadrons": (1000022, 2, -1),
    },
    "chi20": {
        "chi10 pi0": (1000022, 111), "chi10 gamma": (1000022, 22),
        "chi10 pi pi": (1000022, 211, -211), "chi10 e e": (1000022, 11, -11),
        "chi10 mu mu": (1000022, 13, -13), "chi10 tau tau": (1000022, 15, -15),
        "chi10 nu nu": (1000022, 12, -12), "chi10 hadrons": (1000022, 1, -1),
        "chi1pm f f": (1000024, 1, -2),
    },
}


def slha_text(metadata: dict) -> str:
    """SLHA MASS and DECAY blocks (Skands et al., hep-ph/0311123) from the run metadata.

    Signed masses; total widths [GeV]; one line per channel with a nonzero branching
    fraction. Inclusive channels (``chi10 hadrons``, ``chi1pm f f``, the nu nu sum over
    flavours) carry one representative set of daughter ids (commented).
    """
    dec = metadata["decays"]
    masses = dec["signed_masses_gev"]
    lines = ["BLOCK MASS  # signed masses [GeV] (higgsino-sim)"]
    lines += [f"   {_PDG[s]:8d}   {masses[s]: .10e}   # {s}" for s in ("chi10", "chi20", "chi1pm")]
    for state in ("chi10", "chi20", "chi1pm"):
        width = dec["widths_gev"][state]
        lines.append(f"DECAY {_PDG[state]:8d}   {width: .10e}   # {state}")
        for ch, br in dec["branching_fractions"].get(state, {}).items():
            if br <= 0.0:
                continue
            ids = _DAUGHTERS[state][ch]
            lines.append(f"   {br: .10e}   {len(ids)}   " + "   ".join(f"{i:8d}" for i in ids)
                         + f"   # {ch}")
    return "\n".join(lines) + "\n"


def _comment_json(metadata: dict) -> str:
    """The metadata as JSON that may sit in an XML comment: '-' inside strings is written
    as the JSON escape \\u002d where it would form '--' (same decoded object)."""
    text = json.dumps(metadata, indent=1)
    while "--" in text:
        text = text.replace("--", "-\\u002d")
    return text


def _open(path: Path, gz: bool) -> IO[str]:
    if gz:
        return gzip.open(path, "wt", encoding="utf-8", compresslevel=6)  # type: ignore[return-value]
    return open(path, "w", encoding="utf-8")


_PARTICLE_FMT = ("%9d %4d %4d %4d %4d %4d %+.16e %+.16e %+.16e %+.16e %+.16e %.10e %.1f")


def write_lhe(table: Path, out: Path) -> None:
    """Write the events of a Parquet event table as an LHEF 3.0 file (``.gz``: gzipped).

    Parameters
    ----------
    table : Path
        Parquet event table (docs/output.md).
    out : Path
        Output file; gzip-compressed when the name ends with ``.gz``.

    Notes
    -----
    ``<init>``: beams 2212 2212 at sqrt(s)/2, PDF = LHAPDF id of the table's PDF (-1 if
    unknown), one process line per subprocess with its normalised cross section [pb]
    and error, LPRUP = 1 + index in ``higgsino_sim.processes.PROCESSES``. Events: NUP
    IDPRUP XWGTUP SCALUP (= mu_F) AQEDUP (-1: not used) AQCDUP (alpha_s(mu_R)); particles
    from :func:`higgsino_sim.formats.record.build_record`; VTIMUP = proper decay length
    c tau [mm] of a decayed chi (0 otherwise); SPINUP = 9 (unpolarised / unknown).
    """
    from higgsino_sim.formats import atomic_output, table_batches
    from higgsino_sim.output import read_metadata
    from higgsino_sim.processes import PROCESSES

    table, out = Path(table), Path(out)
    md = read_metadata(table)
    pf = pq.ParquetFile(table)
    n_total = pf.metadata.num_rows
    pw = pq.read_table(table, columns=["process", "weight"])
    weights = pw["weight"]
    w_min = pc.min(weights).as_py() if n_total else 0.0
    w_max = pc.max(weights).as_py() if n_total else 0.0
    weighted = bool(md.get("weighted", False))
    idwtup = (4 if weighted else 3) * (-1 if (w_min is not None and w_min < 0) else 1)
    scale_w = n_total * PB_PER_FB
    sqrt_s = float(md["sqrt_s_gev"])
    pdf_name = md["pdf"]["name"] if isinstance(md.get("pdf"), dict) else str(md.get("pdf"))
    pdf_id = LHAPDF_IDS.get(pdf_name, 0)
    # per-process sigma and error [fb]: the metadata (unweighted runs), else the weight sums
    xsecs = {p: (v["sigma_normalised_cut_fb"], v["sigma_normalised_cut_err_fb"])
             for p, v in (md.get("cross_sections_cut") or {}).items()}
    if not xsecs:
        proc_col = np.asarray(pw["process"].to_pylist(), dtype=object)
        w_all = weights.to_numpy()
        for p in PROCESSES:
            w_p = w_all[proc_col == p]
            if w_p.size:
                xsecs[p] = (float(w_p.sum()), float(np.sqrt(np.sum(w_p * w_p))))
    procs = [p for p in PROCESSES if p in xsecs]

    with atomic_output(out) as part, _open(part, out.name.lower().endswith(".gz")) as fh:
        fh.write('<LesHouchesEvents version="3.0">\n<header>\n')
        fh.write(f"<!-- higgsino-sim {md.get('version', '')}: parton-level events with the chi "
                 "decays; run metadata (JSON, the Parquet footer of the source table):\n")
        fh.write(_comment_json(md))
        fh.write("\n-->\n<slha>\n")
        fh.write(slha_text(md))
        fh.write("</slha>\n</header>\n<init>\n")
        e_beam = 0.5 * sqrt_s
        fh.write(f" 2212 2212 {e_beam:.10e} {e_beam:.10e} 0 0 {pdf_id} {pdf_id} {idwtup} "
                 f"{len(procs)}\n")
        for p in procs:
            sig, err = (v * PB_PER_FB for v in xsecs[p])
            xmax = abs(w_max) * scale_w if weighted else sig
            fh.write(f" {sig:.10e} {err:.10e} {xmax:.10e} {PROCESSES.index(p) + 1}\n")
        fh.write(f"<generator name='higgsino-sim' version='{md.get('version', '')}'>"
                 f"seed {md.get('seed')}</generator>\n</init>\n")
        for batch in table_batches(pf, BATCH_EVENTS, columns=COLUMNS):
            _write_events(fh, build_record(batch, sqrt_s), scale_w)
        fh.write("</LesHouchesEvents>\n")


def _write_events(fh: IO[str], rec, scale_w: float) -> None:
    """Format the events of a :class:`Record` (one LHE line per particle)."""
    valid = rec.valid
    cols = np.stack([
        rec.pdg, rec.status, rec.mother1 + 1, rec.mother2 + 1, rec.col, rec.acol,
        rec.px, rec.py, rec.pz, rec.e, rec.m, rec.ctau, np.full(rec.pdg.shape, 9.0),
    ], axis=-1)[valid]
    lines = [_PARTICLE_FMT % tuple(row) for row in cols.tolist()]
    ends = np.cumsum(rec.n)
    starts = ends - rec.n
    wt = rec.weight * scale_w
    for i in range(rec.n.size):
        head = (f"{rec.n[i]} {rec.process[i] + 1} {wt[i]:+.16e} {rec.scale[i]:.16e} "
                f"-1.0 {rec.alpha_s[i]:.16e}")
        fh.write("<event>\n" + head + "\n" + "\n".join(lines[starts[i]:ends[i]])
                 + "\n</event>\n")


__all__ = ["slha_text", "write_lhe"]
