"""Throughput of Pythia 8 on the process of ``hsim generate`` (the reference of issue 8).

Same physics as ``hsim generate --mass M --dm D``: pure-Higgsino chi1+- chi20, chi1+- chi10,
chi20 chi10 and chi1+ chi1- production in pp collisions at 13 TeV, with Pythia's SUSY
electroweakino processes (``SUSY:qqbar2chi+-chi0``, ``SUSY:qqbar2chi0chi0``,
``SUSY:qqbar2chi+chi-``, codes 1201-1244; N. Desai and P. Skands, Eur. Phys. J. C 72 (2012)
2238, arXiv:1109.5852) restricted to the Higgsino states with ``SUSY:idVecA`` and
``SUSY:idVecB`` (Pythia 8.3 manual, "SUSY Processes"). chi10 chi10 and chi20 chi20 are in the
selection but have no Z coupling for a pure Higgsino (only decoupled-squark exchange), so they
are negligible, as in hsim, which leaves them out.

Spectrum and decays: the file written by :func:`higgsino_sim.slha.write_slha` (masses and the
DECAY tables of chi20 and chi1+ that hsim uses), plus the blocks Pythia's SUSY couplings need
and hsim does not write (Pythia keeps SUSY off without MODSEL): MODSEL, the 4x4 NMIX and 2x2
UMIX/VMIX of the pure-Higgsino limit (the same mixing as ``Spectrum.n_mix``, bino and wino in
rows 3 and 4), HMIX/ALPHA (mu = m(chi1+-), tan(beta) = 10, decoupling limit; Pythia warns
without them) and masses of 5.000-5.027 TeV (distinct, for Pythia's ordering checks) for every
decoupled state (bino, wino, sfermions, gluino, heavy Higgs bosons), so that t-channel sfermion
exchange plays no role. ``SUSY:sin2thetaWMode = 3`` takes sin^2(theta_W) = 1 - m_W^2 / m_Z^2
as hsim does; alpha_EM is Pythia's running one (~1/128 at the hard scale, hsim: G_mu scheme,
~1/132), so Pythia's LO cross section is ~7 % above hsim's.

PDF: the hard process uses Pythia's internal NNPDF3.1 QCD LO, alpha_s(m_Z) = 0.130
(``PDF:useHard = on``, ``PDF:pHardSet = 17``), the set hsim uses by default; the shower and
multiparton interactions keep the default tune's PDF (NNPDF2.3 QCD+QED LO, ``PDF:pSet = 13``,
Monash 2013). Scales, couplings and alpha_EM are Pythia's defaults.

Modes:

* ``shower=False``, hard process only: ``PartonLevel:all = off``, ``HadronLevel:all = off``
  (no ISR/FSR, MPI, hadronisation or hadron decays); the resonance decays of chi20 and chi1+-
  into chi10 + X by Pythia stay on (``ProcessLevel:resonanceDecays``, default), because they
  belong to hsim's chain too; ``Check:event = off`` (a debugging check of each event record that
  changes no event; it only makes Pythia faster, i.e. the comparison more conservative).
* ``shower=True``: Pythia's defaults (ISR, FSR, MPI, beam remnants, hadronisation and hadron
  decays, event check on).

Usage: python benchmarks/pythia_rate.py [--mass 115] [--dm 1.5] [--events 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

ECM_GEV = 13000.0
#: mass of the decoupled states (bino, wino, sfermions, gluino, heavy Higgs bosons) [GeV]
HEAVY_GEV = 5000.0
#: Higgsino multiplet: chi10, chi20, chi1+
HIGGSINOS = "1000022,1000023,1000024"
#: tan(beta): needed by Pythia's SUSY couplings, irrelevant for pure-Higgsino pair production
TAN_BETA = 10.0
_SQUARKS_SLEPTONS = [*range(1000001, 1000007), *range(2000001, 2000007),
                     *range(1000011, 1000017), 2000011, 2000013, 2000015]
WARMUP_EVENTS = 100


def _matrix(name: str, rows: list[list[float]]) -> list[str]:
    out = [f"BLOCK {name}"]
    out += [f"  {i + 1} {j + 1}   {v:+.16e}" for i, row in enumerate(rows)
            for j, v in enumerate(row)]
    return out


def pythia_slha(mass: float, dm: float, path: Path) -> Path:
    """Write the SLHA file Pythia reads: hsim's :func:`write_slha` plus the SUSY blocks.

    Parameters
    ----------
    mass, dm : float
        m(chi1+-) and m(chi1+-) - m(chi10) [GeV], as for ``hsim generate``.
    path : Path
        Output file (hsim's own file is written next to it, with suffix ``.hsim.slha``).

    Returns
    -------
    Path
        ``path``.
    """
    from higgsino_sim.decays import decay_model
    from higgsino_sim.slha import write_slha
    from higgsino_sim.spectrum import higgsino_spectrum

    spec = higgsino_spectrum(mass, dm)
    own = path.with_suffix(".hsim.slha")
    write_slha(spec, decay_model(spec), own,
               source=f"benchmarks/pythia_rate.py --mass {mass:g} --dm {dm:g}")
    heavy = [f"   {pdg:>8d}   {HEAVY_GEV + k:+.16e}   # decoupled" for k, pdg in enumerate(
        [1000025, 1000035, 1000037, 1000021, 35, 36, 37, *_SQUARKS_SLEPTONS])]
    lines = []
    for line in own.read_text().splitlines():
        lines.append(line)
        if line.upper().startswith("BLOCK MASS"):
            lines += heavy
    # pure Higgsino (rows chi10, chi20 as Spectrum.n_mix, basis B, W3, Hd, Hu), then the bino
    # (chi30) and the wino (chi40); light chargino = charged Higgsino (U, V rows 1: (0, 1))
    n_mix = [[float(v) for v in row] for row in spec.n_mix]
    n_mix += [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]
    uv = [[float(v) for v in spec.u_mix], [1.0, 0.0]]
    lines += ["BLOCK MODSEL", "    1    0   # general MSSM at the low scale",
              "BLOCK MINPAR", f"    3   {TAN_BETA:+.16e}   # tan(beta)",
              f"BLOCK HMIX Q= {mass:+.16e}", f"    1   {mass:+.16e}   # mu",
              f"    2   {TAN_BETA:+.16e}   # tan(beta)",
              f"    4   {HEAVY_GEV**2:+.16e}   # m_A^2",
              # decoupling limit alpha = beta - pi/2 (Higgs couplings play no role here)
              "BLOCK ALPHA", f"   {math.atan(TAN_BETA) - math.pi / 2:+.16e}",
              *_matrix("NMIX", n_mix), *_matrix("UMIX", uv), *_matrix("VMIX", uv),
              *_matrix("STOPMIX", [[1.0, 0.0], [0.0, 1.0]]),
              *_matrix("SBOTMIX", [[1.0, 0.0], [0.0, 1.0]]),
              *_matrix("STAUMIX", [[1.0, 0.0], [0.0, 1.0]])]
    path.write_text("\n".join(lines) + "\n")
    return path


def _settings(slha: Path, shower: bool, seed: int) -> list[str]:
    out = [
        "Print:quiet = on",
        "SLHA:verbose = 0",
        f"Beams:eCM = {ECM_GEV:g}",
        f"SLHA:file = {slha}",
        "SUSY:qqbar2chi+-chi0 = on",
        "SUSY:qqbar2chi0chi0 = on",
        "SUSY:qqbar2chi+chi- = on",
        f"SUSY:idVecA = {HIGGSINOS}",
        f"SUSY:idVecB = {HIGGSINOS}",
        "SUSY:sin2thetaWMode = 3",  # 1 - m_W^2 / m_Z^2, as in hsim (higgsino_sim/constants.py)
        "PDF:useHard = on",
        "PDF:pHardSet = 17",  # NNPDF3.1 QCD LO, alpha_s(m_Z) = 0.130 (hsim's default)
        "Random:setSeed = on",
        f"Random:seed = {seed}",
    ]
    if not shower:
        out += ["PartonLevel:all = off", "HadronLevel:all = off", "Check:event = off"]
    return out


def pythia_rate(mass: float, dm: float, n_events: int, shower: bool, seed: int = 1,
                workdir: Path | None = None) -> dict[str, float | str]:
    """Time Pythia 8 generating the Higgsino pair production of ``hsim generate``.

    Parameters
    ----------
    mass, dm : float
        m(chi1+-) and m(chi1+-) - m(chi10) [GeV].
    n_events : int
        Events timed (calls of ``Pythia.next``), after ``init`` and 100 warm-up events.
    shower : bool
        False: hard process and chi decays only; True: parton shower, MPI and hadronisation
        (Pythia defaults). See the module docstring for the settings.
    seed : int
        Pythia's random seed.
    workdir : Path, optional
        Where the SLHA files go (a temporary directory by default).

    Returns
    -------
    dict
        ``events_per_s`` (timed events / wall s, one thread), ``init_s`` (wall s of
        ``Pythia.init``), ``n_events``, ``failures`` (``next()`` returning False),
        ``sigma_pb`` (Pythia's estimate of the selected processes' cross section at the end of
        the run [pb]) and ``processes`` (``code name`` of each process with non-zero cross
        section, ``;``-separated).
    """
    import pythia8mc as pythia8

    with tempfile.TemporaryDirectory() as tmp:
        slha = pythia_slha(mass, dm, Path(workdir or tmp) / "pythia_higgsino.slha")
        pythia = pythia8.Pythia("", False)
        for line in _settings(slha, shower, seed):
            if not pythia.readString(line):
                raise RuntimeError(f"Pythia rejected the setting {line!r}")
        t0 = time.perf_counter()
        if not pythia.init():
            raise RuntimeError("Pythia.init failed (run with Print:quiet = off to see why)")
        init_s = time.perf_counter() - t0
    for _ in range(WARMUP_EVENTS):
        pythia.next()
    failures = 0
    t0 = time.perf_counter()
    for _ in range(n_events):
        if not pythia.next():
            failures += 1
    wall = time.perf_counter() - t0
    info = pythia.infoPython()
    mb_to_pb = 1e9
    processes = "; ".join(f"{c} {info.nameProc(c)}" for c in info.codesHard()
                          if info.sigmaGen(c) > 0)
    return {"events_per_s": n_events / wall if wall > 0 else math.nan, "init_s": init_s,
            "n_events": n_events, "failures": failures,
            "sigma_pb": info.sigmaGen() * mb_to_pb, "sigma_err_pb": info.sigmaErr() * mb_to_pb,
            "processes": processes}


def main() -> None:
    """Print both modes as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mass", type=float, default=115.0, help="m(chi1+-) [GeV]")
    ap.add_argument("--dm", type=float, default=1.5, help="m(chi1+-) - m(chi10) [GeV]")
    ap.add_argument("--events", type=int, default=2000, help="timed events per mode")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    res = {mode: pythia_rate(args.mass, args.dm, args.events, shower, args.seed)
           for mode, shower in (("hard_process", False), ("shower", True))}
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
