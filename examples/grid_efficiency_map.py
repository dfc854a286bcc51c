"""Signal efficiency and expected yield of a selection over a (m(chi1+-), Delta m+-) grid.

For every grid point this generates a sample with a detector card, applies a paper
selection from `higgsino_sim.analysis`, and draws the efficiency (selected sigma over the
total NLO+NLL sigma of all produced pairs) and the expected signal yield in the
(m(chi1+-), Delta m+-) plane, the way the CMS and ATLAS papers present their results.

    python examples/grid_efficiency_map.py --selection cms-phase1 \
        --masses 100,115,130,150 --dms 1,1.5,2,3 --events 20000 --output map.png

Samples are written to --workdir (default: a temporary directory) and reused when the
file is already there with the same options (delete them to regenerate). The generation
cut on the ISR parton (--min-recoil, default 150 GeV) sits well below the selections'
thresholds (hard MET >= 220 GeV for CMS, MET > 200 GeV for ATLAS) so that jet-energy
smearing migrates events across the thresholds in both directions.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from higgsino_sim import GenerateOptions, HsimError, generate_events
from higgsino_sim.analysis import (
    ATLAS_LUMI_FB,
    PHASE_LUMI_FB,
    load_events,
    select_atlas_1l1t,
    select_cms_sus_24_003,
)

if TYPE_CHECKING:
    from higgsino_sim.analysis import Events

DEFAULT_MASSES = "100,115,130"
DEFAULT_DMS = "1,1.5,2"


def _floats(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("empty list")
    return values


class Selection(NamedTuple):
    """A paper selection: the card its samples need, its luminosity, and what passes."""

    card: str
    lumi_fb: float
    title: str
    passing: Callable[[Events], np.ndarray]  # final weight [fb] per event, 0 if rejected


def _cms(events: Events) -> np.ndarray:
    # the three categories are exclusive (2 muons vs exactly 1 lepton), so their sum is the signal
    flows = select_cms_sus_24_003(events, lumi_fb=1.0).flows.values()
    return np.sum([f.final_weight for f in flows], axis=0)


def _atlas(events: Events) -> np.ndarray:
    return select_atlas_1l1t(events).flow.final_weight  # includes the MET-trigger weight


SELECTIONS = {
    "cms-phase0": Selection("cms-phase0", PHASE_LUMI_FB["Phase-0"],
                            "CMS SUS-24-003, Phase-0 (all categories, before the event BDT)", _cms),
    "cms-phase1": Selection("cms-phase1", PHASE_LUMI_FB["Phase-1"],
                            "CMS SUS-24-003, Phase-1 (all categories, before the event BDT)", _cms),
    "atlas-1l1t": Selection("atlas-run2", ATLAS_LUMI_FB, "ATLAS arXiv:1911.12606 SR-E-1l1T", _atlas),
}


def sample(workdir: Path, selection: str, mass: float, dm: float, events: int, seed: int,
           min_recoil: float) -> Path:
    """Generate (or reuse) the sample of one grid point; return its path."""
    card = SELECTIONS[selection].card
    path = workdir / f"{card}_m{mass:g}_dm{dm:g}_n{events}_s{seed}_r{min_recoil:g}.parquet"
    if not path.exists():
        generate_events(GenerateOptions(mass=mass, dm=dm, n_events=events, seed=seed, card=card,
                                        min_recoil=min_recoil, output=path))
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--selection", choices=sorted(SELECTIONS), default="cms-phase1")
    ap.add_argument("--masses", type=_floats, default=_floats(DEFAULT_MASSES),
                    help=f"m(chi1+-) values [GeV] (default {DEFAULT_MASSES})")
    ap.add_argument("--dms", type=_floats, default=_floats(DEFAULT_DMS),
                    help=f"Delta m+- = m(chi1+-) - m(chi10) values [GeV] (default {DEFAULT_DMS})")
    ap.add_argument("--events", type=int, default=20_000, help="events per grid point")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-recoil", type=float, default=150.0, help="generation cut [GeV]")
    ap.add_argument("--lumi", type=float, default=None,
                    help="integrated luminosity [fb^-1] (default: the selection's)")
    ap.add_argument("--workdir", type=Path, default=None, help="where the samples go")
    ap.add_argument("--output", type=Path, default=Path("efficiency_map.png"))
    args = ap.parse_args(argv)

    sel = SELECTIONS[args.selection]
    lumi = args.lumi if args.lumi is not None else sel.lumi_fb
    problem = _check_paths(args.output, args.workdir)
    if not (np.isfinite(lumi) and lumi > 0):
        problem = f"--lumi must be a positive number of fb^-1, got {lumi:g}"
    if problem:
        print(f"grid_efficiency_map: error: {problem}", file=sys.stderr)
        return 2
    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory()
        workdir = Path(tmp.name)
    else:
        workdir = args.workdir
        workdir.mkdir(parents=True, exist_ok=True)
    masses, dms = sorted(args.masses), sorted(args.dms)
    eff = np.full((len(dms), len(masses)), np.nan)
    eff_err = np.full_like(eff, np.nan)
    yields = np.full_like(eff, np.nan)
    try:
        for j, dm in enumerate(dms):
            for i, mass in enumerate(masses):
                path = sample(workdir, args.selection, mass, dm, args.events, args.seed,
                              args.min_recoil)
                events = load_events(path)
                w = sel.passing(events)
                sigma_total = events.metadata["cross_sections_inclusive_total"]["nlo_nll_fb"]
                # efficiency relative to all produced pairs (the papers' acceptance x efficiency);
                # its statistical error from the selected weights (sqrt(sum w^2))
                eff[j, i] = w.sum() / sigma_total
                eff_err[j, i] = np.sqrt(np.sum(w**2)) / sigma_total
                yields[j, i] = w.sum() * lumi
                print(f"m = {mass:6.1f} GeV  dm = {dm:4.2f} GeV  sigma = {sigma_total:8.1f} fb  "
                      f"eff = {100 * eff[j, i]:.4f} +- {100 * eff_err[j, i]:.4f} %  "
                      f"({np.count_nonzero(w)} of {events.n} events)  "
                      f"yield = {yields[j, i]:.2f} in {lumi:g} fb^-1")
    except (HsimError, ValueError) as exc:  # bad grid point: outside the tables, threshold, ...
        print(f"grid_efficiency_map: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if tmp is not None:
            tmp.cleanup()
    draw(args.output, masses, dms, eff, yields, sel.title, lumi)
    print(f"wrote {args.output}")
    return 0


def _check_paths(output: Path, workdir: Path | None) -> str | None:
    """A one-line problem with the output file or the sample folder, checked before any work."""
    parent = output.parent if str(output.parent) else Path(".")
    if output.is_dir():
        return f"--output {output} is a directory; give a file name"
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        return f"--output: directory {parent} does not exist or is not writable"
    if workdir is not None and workdir.exists() and not workdir.is_dir():
        return f"--workdir {workdir} exists and is not a directory"
    return None


def _edges(centres: list[float]) -> np.ndarray:
    """Cell edges half-way between grid values (one-point grids get a +-5 % cell)."""
    c = np.asarray(centres, float)
    if c.size == 1:
        return np.array([0.95 * c[0], 1.05 * c[0]])
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def draw(path: Path, masses: list[float], dms: list[float], eff: np.ndarray,
         yields: np.ndarray, title: str, lumi: float) -> None:
    """Two maps side by side: efficiency [%] and expected yield, values written in the cells."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4), dpi=100)
    axes = fig.subplots(1, 2)
    x, y = _edges(masses), _edges(dms)
    for ax, values, label, fmt in ((axes[0], 100 * eff, "efficiency [%]", "{:.3g}"),
                                   (axes[1], yields, f"signal events in {lumi:g} fb$^{{-1}}$",
                                    "{:.3g}")):
        mesh = ax.pcolormesh(x, y, values, cmap="viridis", shading="flat")
        fig.colorbar(mesh, ax=ax, label=label)
        for j, dm in enumerate(dms):
            for i, mass in enumerate(masses):
                ax.text(mass, dm, fmt.format(values[j, i]), ha="center", va="center",
                        color="white", fontsize=8)
        ax.set(xlabel=r"$m(\tilde\chi_1^\pm)$ [GeV]", ylabel=r"$\Delta m^\pm$ [GeV]")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)


if __name__ == "__main__":
    raise SystemExit(main())
