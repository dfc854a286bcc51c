"""Published detector-performance numbers the shipped cards cite, read from the vendored
tables in ``higgsino_sim.data`` (provenance: ``higgsino_sim/data/README.md``).

Every table starts with one ``#`` line naming its source, then a CSV header whose columns
carry their unit in brackets (``pt_lo [GeV]``); :func:`read_table` returns the source line
and the columns (floats where every entry parses, ``inf`` allowed; strings otherwise).
The accessors below select the rows of one object and return them as a :class:`BinnedTable`
(bins in pT and |eta|, value per bin).

Tables:

- ``cms2016_soft_lepton_eff_SUS16048.csv``: CMS SUS-16-048 (arXiv:1801.01846) soft-lepton
  ID+iso+IP efficiency maps (GAMBIT digitisation).
- ``atlas_1911_12606_fig3_eff.csv``: ATLAS arXiv:1911.12606 fig. 3 signal-lepton and 1l1T
  track efficiencies (GAMBIT digitisation).
- ``atlas_muon_eff_lowpt.csv``: GAMBIT ``applyMuonEffR2`` (ATLAS Run 2 low-pT muons).
- ``delphes_d0_resolution_{CMS,ATLAS}.csv``: Delphes ``trackResolution{CMS,ATLAS}.tcl``.
- ``jet_energy_resolution.csv``: GAMBIT ``smearJets`` (ATLAS, CMS).
- ``delphes_tracking.csv``: Delphes CMS-card tracking efficiencies and e/mu momentum
  resolutions.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources

import numpy as np

__all__ = [
    "BinnedTable",
    "Table",
    "atlas_1911_12606_fig3",
    "atlas_muon_eff_lowpt",
    "cms_sus16048",
    "delphes_d0_resolution",
    "delphes_pt_resolution",
    "delphes_tracking_efficiency",
    "jet_energy_resolution",
    "read_table",
]

_PACKAGE = "higgsino_sim.data"


@dataclass(frozen=True, slots=True)
class Table:
    """A vendored table: its file name, ``#`` source line (without the ``#``) and columns
    by header name (float arrays, or arrays of str for text columns)."""

    name: str
    source: str
    columns: dict[str, np.ndarray]

    def __getitem__(self, column: str) -> np.ndarray:
        return self.columns[column]


@dataclass(frozen=True, slots=True)
class BinnedTable:
    """Values per (|eta|, pT) bin; the x variable is pT [GeV] unless stated.

    ``abs_eta_lo/hi`` are 0 / inf for |eta|-independent tables. ``source`` is the table's
    source line.
    """

    source: str
    abs_eta_lo: np.ndarray
    abs_eta_hi: np.ndarray
    pt_lo: np.ndarray
    pt_hi: np.ndarray
    value: np.ndarray

    def pt_centre(self) -> np.ndarray:
        """Geometric bin centre [GeV] (arithmetic if the bin starts at 0; 1.5 x the lower
        edge for the open last bin)."""
        lo, hi = self.pt_lo, self.pt_hi
        with np.errstate(invalid="ignore"):
            c = np.where(lo > 0.0, np.sqrt(lo * hi), 0.5 * hi)
        return np.where(np.isfinite(hi), c, 1.5 * lo)

    def eta_centre(self) -> np.ndarray:
        """|eta| bin centre (0.5 for |eta|-independent tables)."""
        return np.where(np.isfinite(self.abs_eta_hi), 0.5 * (self.abs_eta_lo + self.abs_eta_hi), 0.5)

    def select(self, mask: np.ndarray) -> BinnedTable:
        """The rows where ``mask`` is true."""
        return BinnedTable(self.source, self.abs_eta_lo[mask], self.abs_eta_hi[mask],
                           self.pt_lo[mask], self.pt_hi[mask], self.value[mask])


def _column(values: list[str]) -> np.ndarray:
    try:
        return np.array([float(v) if v != "" else np.nan for v in values])
    except ValueError:
        return np.array(values)


def read_table(name: str) -> Table:
    """Read ``higgsino_sim/data/NAME``: the ``#`` source line and the columns.

    Parameters
    ----------
    name : str
        File name in the package data folder, e.g. ``"atlas_muon_eff_lowpt.csv"``.

    Raises
    ------
    ValueError
        If the first line is not a ``#`` source line.
    """
    text = (resources.files(_PACKAGE) / name).read_text(encoding="utf-8")
    first, _, body = text.partition("\n")
    if not first.startswith("#"):
        raise ValueError(f"{name}: the first line must be the '#' source line")
    rows = list(csv.reader(io.StringIO(body)))
    header, data = rows[0], [r for r in rows[1:] if r]
    cols = {h.strip(): _column([r[k].strip() for r in data]) for k, h in enumerate(header)}
    return Table(name, first.lstrip("#").strip(), cols)


def _binned(t: Table, mask: np.ndarray, value: str) -> BinnedTable:
    n = int(mask.sum())
    eta_lo = t["abs_eta_lo"][mask] if "abs_eta_lo" in t.columns else np.zeros(n)
    eta_hi = t["abs_eta_hi"][mask] if "abs_eta_hi" in t.columns else np.full(n, np.inf)
    return BinnedTable(t.source, eta_lo, eta_hi, t["pt_lo [GeV]"][mask], t["pt_hi [GeV]"][mask],
                       t[value][mask])


def cms_sus16048(lepton: str) -> BinnedTable:
    """CMS SUS-16-048 efficiency map of ``lepton`` ("e" or "mu") in (pT, |eta|) bins.

    The efficiency is 0 below the first pT bin's upper edge where the table says so, and 0
    beyond the last |eta| bin (table note).
    """
    t = read_table("cms2016_soft_lepton_eff_SUS16048.csv")
    return _binned(t, t["lepton"] == lepton, "efficiency")


def atlas_1911_12606_fig3(obj: str) -> BinnedTable:
    """arXiv:1911.12606 fig. 3 efficiency of ``obj`` ("electron", "muon",
    "isolated_track_1l1T") vs pT, |eta|-independent (GAMBIT digitisation; its last,
    open bin is GAMBIT's convention above the digitised range, not a digitised value)."""
    t = read_table("atlas_1911_12606_fig3_eff.csv")
    return _binned(t, t["object"] == obj, "efficiency")


def atlas_muon_eff_lowpt() -> BinnedTable:
    """GAMBIT ``applyMuonEffR2``: ATLAS Run-2 muon efficiency vs pT, |eta| < 2.7."""
    t = read_table("atlas_muon_eff_lowpt.csv")
    return _binned(t, np.ones(t["efficiency"].size, bool), "efficiency")


def delphes_d0_resolution(detector: str) -> BinnedTable:
    """Delphes ``trackResolution{CMS,ATLAS}.tcl`` sigma(d0) [mm] in (pT, |eta|) bins."""
    t = read_table(f"delphes_d0_resolution_{detector}.csv")
    return _binned(t, np.ones(t["sigma_d0 [mm]"].size, bool), "sigma_d0 [mm]")


def jet_energy_resolution(detector: str) -> BinnedTable:
    """GAMBIT ``smearJets`` fractional jet pT resolution of ``detector`` ("ATLAS", "CMS")."""
    t = read_table("jet_energy_resolution.csv")
    return _binned(t, t["detector"] == detector, "sigma_pT/pT")


def delphes_tracking_efficiency(species: str) -> BinnedTable:
    """Delphes CMS-card tracking efficiency of ``species`` ("hadron", "electron", "muon")."""
    t = read_table("delphes_tracking.csv")
    return _binned(t, (t["quantity"] == "efficiency") & (t["species"] == species), "value")


def delphes_pt_resolution(species: str) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Delphes sigma(pT)/pT = sqrt(a^2 + (b pT)^2) of ``species`` ("electron", "muon").

    Returns
    -------
    source : str
    abs_eta_lo, abs_eta_hi, a, b : ndarray
        Per |eta| bin; b in 1/GeV.
    """
    t = read_table("delphes_tracking.csv")
    m = (t["quantity"] == "pt_resolution") & (t["species"] == species)
    return t.source, t["abs_eta_lo"][m], t["abs_eta_hi"][m], t["a"][m], t["b [1/GeV]"][m]
