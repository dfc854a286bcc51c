"""Trigger efficiencies applied as event weights."""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["atlas_met_trigger_efficiency"]


@cache
def _atlas_met_table() -> tuple[np.ndarray, np.ndarray]:
    text = resources.files("higgsino_sim.data").joinpath("atlas_met_trigger_eff.csv").read_text()
    rows = [r for r in csv.reader(io.StringIO(text)) if r and not r[0].startswith("#")][1:]
    lo = np.array([float(r[0]) for r in rows])
    eff = np.array([float(r[2]) for r in rows])
    return lo, eff


def atlas_met_trigger_efficiency(met: ArrayLike) -> NDArray[np.float64]:
    """ATLAS E_T^miss trigger efficiency at the offline E_T^miss (binned lookup).

    Source: ATLAS arXiv:1611.09661 (CERN-EP-2016-241) as tabulated by GAMBIT
    ColliderBit @65717f6 (``eff1DMET_CERN_EP_2015_241``), used there for arXiv:1911.12606;
    package data ``higgsino_sim/data/atlas_met_trigger_eff.csv`` (README there).

    Parameters
    ----------
    met : array_like
        Offline missing transverse momentum [GeV].

    Returns
    -------
    ndarray
        Efficiency in [0, 1] of the bin holding ``met`` (bins are [lo, hi)); 0 for NaN or
        negative input.
    """
    lo, eff = _atlas_met_table()
    met = np.asarray(met, dtype=float)
    idx = np.searchsorted(lo, met, side="right") - 1
    ok = np.isfinite(met) & (idx >= 0)
    return np.where(ok, eff[np.clip(idx, 0, eff.size - 1)], 0.0)
