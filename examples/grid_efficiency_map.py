"""Signal efficiency and expected yield of a selection over a (m(chi1+-), Delta m+-) grid.

The analysis step after the grid step: `hsim grid` generates one table per point with a
detector card (docs/grid.md); this reads the grid directory, applies a paper selection from
`higgsino_sim.analysis` to every complete point, and draws the efficiency (selected sigma
over the total NLO+NLL sigma of all produced pairs) and the expected signal yield in the
(m(chi1+-), Delta m+-) plane, the way the CMS and ATLAS papers present their results.

    hsim grid --mass 100,115,130 --dm 1,1.5,2 --events 20000 --min-recoil 150 \
        --card cms-phase1 --out grid/
    python examples/grid_efficiency_map.py grid/ --selection cms-phase1 --output map.png

The grid must be made with the card the selection needs (cms-phase0, cms-phase1, or
atlas-run2 for atlas-1l1t) and have one dm0 = m(chi20) - m(chi10) per (m, dm). Points that
are not done (failed, pending) or whose table does not match the manifest's checksum are
skipped with a warning and drawn as empty cells, as are (m, dm) cells the grid lacks.
The generation cut on the ISR parton (--min-recoil 150 GeV above) sits well below the
selections' thresholds (hard MET >= 220 GeV for CMS, MET > 200 GeV for ATLAS) so that
jet-energy smearing migrates events across the thresholds in both directions
(docs/analysis.md).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from higgsino_sim import HsimError
from higgsino_sim.analysis import (
    ATLAS_LUMI_FB,
    PHASE_LUMI_FB,
    load_events,
    select_atlas_1l1t,
    select_cms_sus_24_003,
)
from higgsino_sim.errors import UsageError
from higgsino_sim.formats import check_output_path
from higgsino_sim.grid.manifest import MANIFEST_JSON, PointRecord, read_manifest, verify

if TYPE_CHECKING:
    from higgsino_sim.analysis import Events

PROG = "grid_efficiency_map"


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
    "atlas-1l1t": Selection("atlas-run2", ATLAS_LUMI_FB, "ATLAS arXiv:1911.12606 SR-E-1l1T",
                            _atlas),
}


class GridCells(NamedTuple):
    """The usable points of a grid, placed on the (mass, dm) rectangle."""

    masses: list[float]  # m(chi1+-) values of the grid [GeV], ascending
    dms: list[float]  # Delta m+- values of the grid [GeV], ascending
    points: dict[tuple[float, float], PointRecord]  # (mass, dm) -> done and verified record


def read_grid(grid: Path, card: str, warn: Callable[[str], None]) -> GridCells:
    """Read the manifest of ``grid`` and keep the points a map over (mass, dm) can use.

    Parameters
    ----------
    grid : Path
        A directory written by ``hsim grid``.
    card : str
        The detector card the selection needs.
    warn : callable
        Called with a one-line message for every skipped point.

    Returns
    -------
    GridCells
        The rectangle spanned by every point of the manifest (so that skipped points show
        as empty cells) and the done, checksum-verified records by (mass, dm) [GeV].

    Raises
    ------
    UsageError
        No manifest, a manifest that cannot be read, a grid made with another card, two
        dm0 values for one (mass, dm), or no usable point.
    """
    found = read_manifest(grid) if grid.is_dir() else None
    if found is None:
        raise UsageError(f"{grid} is not a grid directory (no {MANIFEST_JSON}); make one with "
                         f"'hsim grid --mass ... --dm ... --card {card} --out {grid}'")
    settings, records = found
    grid_card = settings.get("card")
    if grid_card != card or any(r.card not in (None, card) for r in records.values()):
        have = grid_card if grid_card is not None else "no card (generator level)"
        raise UsageError(f"{grid} was made with card {have}, the selection needs card {card}; "
                         f"make a grid with 'hsim grid ... --card {card}'")
    by_cell: dict[tuple[float, float], PointRecord] = {}
    for rec in records.values():
        cell = (rec.mass_gev, rec.dm_gev)
        other = by_cell.setdefault(cell, rec)
        if other is not rec:
            raise UsageError(f"{grid} has several dm0 values at m = {cell[0]:g}, dm = {cell[1]:g} "
                             f"GeV ({other.name} and {rec.name}); the map is over (m, dm) and "
                             "needs one dm0 per cell: use a grid with a single dm0")
    usable = {}
    for cell, rec in by_cell.items():
        problem = verify(grid, rec)
        if problem is None:
            usable[cell] = rec
        elif rec.status != "done":
            why = f": {rec.error}" if rec.error else ""
            warn(f"skipping {rec.name}: status {rec.status}{why}")
        else:
            warn(f"skipping {rec.name}: {rec.file}: {problem}; rerun hsim grid to "
                 "regenerate it")
    if not usable:
        raise UsageError(f"{grid}: no point is done and verified ({len(records)} in the "
                         "manifest); run (or rerun) the hsim grid command that made it")
    return GridCells(sorted({m for m, _ in by_cell}), sorted({d for _, d in by_cell}), usable)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    ap.add_argument("grid", type=Path, metavar="GRID", help="a directory written by hsim grid")
    ap.add_argument("--selection", choices=sorted(SELECTIONS), default="cms-phase1")
    ap.add_argument("--lumi", type=float, default=None,
                    help="integrated luminosity [fb^-1] (default: the selection's)")
    ap.add_argument("-o", "--output", type=Path, default=Path("efficiency_map.png"),
                    help="the PNG to write (its directory must exist)")
    args = ap.parse_args(argv)

    sel = SELECTIONS[args.selection]
    lumi = args.lumi if args.lumi is not None else sel.lumi_fb
    try:
        if not (np.isfinite(lumi) and lumi > 0):
            raise UsageError(f"--lumi must be a positive number of fb^-1, got {lumi:g}")
        check_output_path(args.output)
        cells = read_grid(args.grid, sel.card,
                          lambda msg: print(f"{PROG}: warning: {msg}", file=sys.stderr))
        masses, dms = cells.masses, cells.dms
        eff = np.full((len(dms), len(masses)), np.nan)  # cells without a usable point stay NaN
        eff_err = np.full_like(eff, np.nan)
        yields = np.full_like(eff, np.nan)
        for (mass, dm), rec in cells.points.items():
            j, i = dms.index(dm), masses.index(mass)
            path = args.grid / rec.file
            events = load_events(path)
            sigma_total = rec.sigma_nlo_nll_fb
            in_table = events.metadata["cross_sections_inclusive_total"]["nlo_nll_fb"]
            # the manifest copies the table's number and JSON round-trips floats exactly; the
            # tolerance only allows for rounding, a real difference means a foreign table
            if sigma_total is None or not math.isclose(sigma_total, in_table, rel_tol=1e-12):
                raise UsageError(f"{path}: NLO+NLL sigma {in_table!r} fb in the table, "
                                 f"{sigma_total!r} fb in the manifest; rerun hsim grid")
            w = sel.passing(events)
            # efficiency relative to all produced pairs (the papers' acceptance x efficiency);
            # its statistical error from the selected weights (sqrt(sum w^2))
            eff[j, i] = w.sum() / sigma_total
            eff_err[j, i] = np.sqrt(np.sum(w**2)) / sigma_total
            yields[j, i] = w.sum() * lumi
            print(f"m = {mass:6.1f} GeV  dm = {dm:4.2f} GeV  sigma = {sigma_total:8.1f} fb  "
                  f"eff = {100 * eff[j, i]:.4f} +- {100 * eff_err[j, i]:.4f} %  "
                  f"({np.count_nonzero(w)} of {events.n} events)  "
                  f"yield = {yields[j, i]:.2f} in {lumi:g} fb^-1")
    except (HsimError, ValueError) as exc:  # UsageError is both; bad tables raise HsimError
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    draw(args.output, masses, dms, eff, yields, sel.title, lumi)
    print(f"wrote {args.output}")
    return 0


def _edges(centres: list[float]) -> np.ndarray:
    """Cell edges half-way between grid values (one-point grids get a +-5 % cell)."""
    c = np.asarray(centres, float)
    if c.size == 1:
        return np.array([0.95 * c[0], 1.05 * c[0]])
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def draw(path: Path, masses: list[float], dms: list[float], eff: np.ndarray,
         yields: np.ndarray, title: str, lumi: float) -> None:
    """Two maps side by side: efficiency [%] and expected yield, values written in the cells
    (NaN cells, points the grid lacks or skipped, are left empty)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4), dpi=100)
    axes = fig.subplots(1, 2)
    x, y = _edges(masses), _edges(dms)
    for ax, values, label, fmt in ((axes[0], 100 * eff, "efficiency [%]", "{:.3g}"),
                                   (axes[1], yields, f"signal events in {lumi:g} fb$^{{-1}}$",
                                    "{:.3g}")):
        mesh = ax.pcolormesh(x, y, np.ma.masked_invalid(values), cmap="viridis", shading="flat")
        fig.colorbar(mesh, ax=ax, label=label)
        for j, dm in enumerate(dms):
            for i, mass in enumerate(masses):
                if np.isfinite(values[j, i]):
                    ax.text(mass, dm, fmt.format(values[j, i]), ha="center", va="center",
                            color="white", fontsize=8)
        ax.set(xlabel=r"$m(\tilde\chi_1^\pm)$ [GeV]", ylabel=r"$\Delta m^\pm$ [GeV]")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)


if __name__ == "__main__":
    raise SystemExit(main())
