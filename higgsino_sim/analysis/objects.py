"""Reconstructed objects of an event table as numpy struct-of-arrays.

``load_events`` reads the reco columns written by ``hsim generate --card`` (docs/output.md,
"Reconstructed objects") into padded (n_events, k) arrays: NaN for missing floats, -1 for
missing integers, 0 for missing working-point masks. Working points are resolved by name
from the table metadata (``detector.working_points``), never by a hard-coded bit.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from higgsino_sim.errors import UsageError

__all__ = ["M_E", "M_MU", "Events", "Leptons", "Tracks", "first_selected", "load_events",
           "take"]

M_MU = 0.1056583755  # muon mass [GeV] (PDG 2024), for pair masses of reconstructed leptons
M_E = 0.51099895e-3  # electron mass [GeV] (PDG 2024)


def first_selected(mask: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices of the first ``k`` True entries per row of a (n_events, slots) mask
    (objects are pT-ordered, so: the k leading selected objects) and whether each exists;
    missing ones point at column 0. Both arrays have shape (n_events, k)."""
    _n, m = mask.shape
    if m < k:
        mask = np.pad(mask, ((0, 0), (0, k - m)))
    order = np.argsort(~mask, axis=1, kind="stable")[:, :k]
    ok = np.take_along_axis(mask, order, axis=1)
    return np.where(ok, order, 0), ok


def take(a: np.ndarray, idx: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """``a[row, idx[row]]`` per row as float, NaN where ``ok`` is False."""
    v = np.take_along_axis(a, idx[:, None], axis=1)[:, 0].astype(float)
    return np.where(ok, v, np.nan)


_RECO_PREFIXES = ("lep", "trk", "jet0_", "met", "hard_met")


@dataclass(frozen=True, slots=True)
class Leptons:
    """Identified leptons, shape (n_events, k) each, highest pT first (docs/output.md).

    pt [GeV], eta, phi [rad], d0, dz [mm], rel_iso (track isolation / pT), pdg (signed PDG
    id), charge (+1/-1), wp (working-point bit mask), jet_iso (1: CMS jet-isolated).
    Padding: NaN (floats), -1 (pdg, charge, jet_iso), 0 (wp).
    """

    pt: np.ndarray
    eta: np.ndarray
    phi: np.ndarray
    d0: np.ndarray
    dz: np.ndarray
    rel_iso: np.ndarray
    pdg: np.ndarray
    charge: np.ndarray
    wp: np.ndarray
    jet_iso: np.ndarray


@dataclass(frozen=True, slots=True)
class Tracks:
    """Reconstructed tracks (identified leptons included), shape (n_events, k) each.

    pt [GeV], eta, phi [rad], d0, dz [mm], rel_iso, lep_wp (OR of the working-point masks
    of identified leptons within Delta R 0.01; 0: not a lepton), charge.
    Padding: NaN (floats), -1 (charge), 0 (lep_wp).
    """

    pt: np.ndarray
    eta: np.ndarray
    phi: np.ndarray
    d0: np.ndarray
    dz: np.ndarray
    rel_iso: np.ndarray
    lep_wp: np.ndarray
    charge: np.ndarray


@dataclass(frozen=True, slots=True)
class Events:
    """The reconstructed objects of one table (all arrays have n_events rows).

    Attributes
    ----------
    lep : Leptons
    trk : Tracks
    jet_pt, jet_eta, jet_phi : ndarray, shape (n,)
        The stored jet ``jet0`` (the ISR jet; NaN if none) [GeV, rad].
    jet_btag : ndarray of int8, shape (n,)
        b-tag flag of jet0 (-1 if no jet).
    met, met_phi, hard_met, hard_met_phi : ndarray, shape (n,)
        Missing transverse momentum and hard missing transverse momentum [GeV, rad].
    weight : ndarray, shape (n,)
        Event weight [fb].
    process : ndarray of str, shape (n,)
    working_points : dict of str to int
        Working-point name (e.g. ``"muon:soft"``) -> bit.
    card : str
        Name of the detector card that made the table (metadata ``detector.name``).
    metadata : dict
        The full table metadata.
    """

    lep: Leptons
    trk: Tracks
    jet_pt: np.ndarray
    jet_eta: np.ndarray
    jet_phi: np.ndarray
    jet_btag: np.ndarray
    met: np.ndarray
    met_phi: np.ndarray
    hard_met: np.ndarray
    hard_met_phi: np.ndarray
    weight: np.ndarray
    process: np.ndarray
    working_points: dict[str, int]
    card: str
    metadata: dict[str, Any] = field(repr=False)

    @property
    def n(self) -> int:
        """Number of events."""
        return int(self.weight.size)

    def wp_mask(self, *names: str) -> int:
        """Bit mask (OR) of the named working points.

        Raises
        ------
        UsageError
            If the card of the table has no working point of that name.
        """
        mask = 0
        for name in names:
            if name not in self.working_points:
                have = ", ".join(sorted(self.working_points))
                raise UsageError(f"detector card {self.card!r} has no working point {name!r} "
                                 f"(it has: {have}); generate with a card that defines it")
            mask |= 1 << int(self.working_points[name])
        return mask


def _metadata(source: pa.Table | str | os.PathLike[str],
              metadata: dict[str, Any] | None) -> dict[str, Any]:
    from higgsino_sim.output import METADATA_KEY, read_metadata

    if metadata is not None:
        return metadata
    if isinstance(source, pa.Table):
        raw = (source.schema.metadata or {}).get(METADATA_KEY.encode())
        if raw is None:
            raise UsageError("table has no higgsino_sim metadata: pass metadata= "
                             "(read_metadata(path)) or load the Parquet file by path")
        return json.loads(raw)
    try:
        return read_metadata(source)
    except pa.ArrowInvalid as exc:
        raise UsageError(f"{source}: not a readable Parquet table ({exc})") from None
    except (ValueError, OSError) as exc:
        raise UsageError(str(exc)) from None


def _count(names: list[str], prefix: str) -> int:
    k = 0
    while f"{prefix}{k}_pt" in names:
        k += 1
    return k


def _stack(t: pa.Table, prefix: str, k: int, q: str, dtype: type) -> np.ndarray:
    if k == 0:
        return np.empty((t.num_rows, 0), dtype=dtype)
    return np.stack([t.column(f"{prefix}{i}_{q}").to_numpy(zero_copy_only=False).astype(dtype)
                     for i in range(k)], axis=1)


def load_events(source: pa.Table | str | os.PathLike[str],
                metadata: dict[str, Any] | None = None) -> Events:
    """Read the reconstructed objects of an ``hsim generate --card`` table.

    Parameters
    ----------
    source : pyarrow.Table or path
        The table, or the path of the Parquet file.
    metadata : dict, optional
        The table metadata (``higgsino_sim.read_metadata``); read from the file (or the
        table's schema metadata) when not given.

    Returns
    -------
    Events

    Raises
    ------
    UsageError
        Missing file, no metadata, or no reconstructed columns (one-line message).
    """
    if not isinstance(source, pa.Table):
        path = Path(source)
        if not path.is_file():
            what = "not a file" if path.exists() else "no such file"
            raise UsageError(f"{path}: {what}")
    md = _metadata(source, metadata)
    det = md.get("detector")
    label = "table" if isinstance(source, pa.Table) else str(source)
    if not det:
        raise UsageError(f"{label}: no reconstructed objects (was it generated with --card?)")
    if isinstance(source, pa.Table):
        t = source
    else:
        try:
            names = pq.read_schema(source).names
            keep = [c for c in names if c in ("weight", "process")
                    or c.startswith(_RECO_PREFIXES)]
            t = pq.read_table(source, columns=keep)
        except (OSError, pa.ArrowInvalid) as exc:
            raise UsageError(f"{label}: cannot read as Parquet ({exc})") from None
    names = t.column_names
    if "met" not in names or "lep0_pt" not in names or "trk0_pt" not in names:
        raise UsageError(f"{label}: no reconstructed objects (was it generated with --card?)")
    nl, nt = _count(names, "lep"), _count(names, "trk")
    f8 = np.float64
    lep = Leptons(*(_stack(t, "lep", nl, q, f8) for q in ("pt", "eta", "phi", "d0", "dz",
                                                            "rel_iso")),
                  pdg=_stack(t, "lep", nl, "pdg", np.int32),
                  charge=_stack(t, "lep", nl, "charge", np.int8),
                  wp=_stack(t, "lep", nl, "wp", np.int64),
                  jet_iso=_stack(t, "lep", nl, "jet_iso", np.int8))
    trk = Tracks(*(_stack(t, "trk", nt, q, f8) for q in ("pt", "eta", "phi", "d0", "dz",
                                                           "rel_iso")),
                 lep_wp=_stack(t, "trk", nt, "lep_wp", np.int64),
                 charge=_stack(t, "trk", nt, "charge", np.int8))

    def col(name: str, dtype: type = f8) -> np.ndarray:
        return t.column(name).to_numpy(zero_copy_only=False).astype(dtype)

    return Events(lep=lep, trk=trk, jet_pt=col("jet0_pt"), jet_eta=col("jet0_eta"),
                  jet_phi=col("jet0_phi"), jet_btag=col("jet0_btag", np.int8),
                  met=col("met"), met_phi=col("met_phi"), hard_met=col("hard_met"),
                  hard_met_phi=col("hard_met_phi"), weight=col("weight"),
                  process=np.asarray(t.column("process").to_pylist(), dtype=object),
                  working_points={str(k): int(v) for k, v in det["working_points"].items()},
                  card=str(det.get("name", "?")), metadata=md)
