"""The truth event record of a Parquet event table, built per record batch (docs/formats.md).

One event = the incoming partons, the two chis, the ISR parton and the decay products of
the ``dau{k}`` slots, in this order (row ``5 + k`` is slot ``k``; the slots are packed, so
the valid rows of an event are its first ``n`` rows). Everything is vectorised over the
events of a batch: arrays of shape ``(n_events, N_ROWS)``, padded beyond ``n``.

Conventions (Les Houches Accord, Boos et al., hep-ph/0109068, Sec. 2; LHEF, Alwall et
al., hep-ph/0609017):

- rows 0, 1: incoming partons (status -1) along +z / -z, massless, ``E = x sqrt(s) / 2``;
- rows 2, 3, 4: chi_a, chi_b and the ISR parton, mothers (0, 1);
- rows 5 ...: decay products, mother = the row of chi_a (``dau_mother = -1``), chi_b (-2)
  or of slot ``j`` (``j``);
- status 2 for a chi that decayed, 1 for every other outgoing particle (chi10 included);
- colour tags (``col``, ``acol``; 0 = none) for the hard process: ``q qbar -> chi chi g``
  (q: 501; qbar: anticolour 502; g: 501, 502), ``q g -> chi chi q'`` (q: 501; g: 502, 501;
  q': 502) and ``qbar g -> chi chi qbar'`` (qbar: anticolour 501; g: 501, 502; qbar':
  anticolour 502), with either beam order; a quark-antiquark pair from one chi decay is a
  colour singlet with its own tag ``TAG_DECAY0 + row of the mother``;
- production vertices ``(vx, vy, vz)`` [mm] (the pair at the origin) and times ``vt`` =
  c t [mm] in the lab (c t of a decay vertex = |displacement| E / |p| of the parent);
- ``ctau`` [mm]: the proper decay length of a decayed chi (the table's ``chi_*_decay_ct``;
  for an intermediate chi of a cascade |displacement| m / |p|), 0 otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from higgsino_sim import constants as sm
from higgsino_sim.errors import HsimError
from higgsino_sim.kernels.decays import N_SLOTS

#: rows of the hard process
ROW_P1, ROW_P2, ROW_A, ROW_B, ROW_JET = range(5)
#: first row of the decay slots; total rows per event
ROW_DAU0 = 5
N_ROWS = ROW_DAU0 + N_SLOTS
#: event weights and cross sections of the LHE and HepMC3 files are in pb, the table's in fb
PB_PER_FB = 1e-3
#: events per record batch of the converters (one row group at a time, docs/formats.md)
BATCH_EVENTS = 20_000
#: colour tags of the hard process and the base of the tags of decay quark pairs
TAG_1, TAG_2 = 501, 502
TAG_DECAY0 = 511

_MASSLESS = (21, 22, 12, 14, 16)
#: decay products with the PDG mass (quarks, leptons, pi0, pi+-, K+-; kernels' decays)
_NOMINAL = (1, 2, 3, 4, 5, 11, 13, 15, 111, 211, 321)
_COMPONENTS = ("e", "px", "py", "pz")

#: Parquet columns the record needs
COLUMNS: tuple[str, ...] = (
    "process", "weight", "parton1_pdg", "parton2_pdg", "x1", "x2", "scale_gev", "alpha_s",
    *(f"{p}_{c}" for p in ("chi_a", "chi_b", "jet") for c in ("pdg", *_COMPONENTS)),
    *(f"{leg}_{c}" for leg in ("chi_a", "chi_b")
      for c in ("decay_x", "decay_y", "decay_z", "decay_ct")),
    *(f"dau{k}_{c}" for k in range(N_SLOTS)
      for c in ("pdg", "mother", *_COMPONENTS, "vx", "vy", "vz")),
)


@dataclass(frozen=True, slots=True)
class Record:
    """Truth records of a batch of events; per-particle arrays have shape (events, N_ROWS).

    Indices (``mother1``, ``mother2``) are 0-based rows of the same event, -1 for none.
    Units: GeV, mm.
    """

    n: np.ndarray  # (events,) number of valid rows
    process: np.ndarray  # (events,) process key index in higgsino_sim.processes.PROCESSES
    weight: np.ndarray  # (events,) [fb]
    scale: np.ndarray  # (events,) mu_F = mu_R [GeV]
    alpha_s: np.ndarray  # (events,)
    x1: np.ndarray
    x2: np.ndarray
    pdg: np.ndarray  # int32
    status: np.ndarray  # int32, LHE convention (-1 incoming, 1 final, 2 decayed)
    mother1: np.ndarray  # int32
    mother2: np.ndarray  # int32
    col: np.ndarray  # int32
    acol: np.ndarray  # int32
    e: np.ndarray
    px: np.ndarray
    py: np.ndarray
    pz: np.ndarray
    m: np.ndarray
    vx: np.ndarray
    vy: np.ndarray
    vz: np.ndarray
    vt: np.ndarray
    ctau: np.ndarray

    @property
    def valid(self) -> np.ndarray:
        """(events, N_ROWS) mask of the rows that hold a particle."""
        return np.arange(N_ROWS)[None, :] < self.n[:, None]


def _quark(pdg: np.ndarray) -> np.ndarray:
    return (np.abs(pdg) >= 1) & (np.abs(pdg) <= 6)


def _hard_colours(p1: np.ndarray, p2: np.ndarray, jet: np.ndarray) -> np.ndarray:
    """Colour tags (col, acol) of rows 0, 1, 4, shape (events, 3, 2); see the module doc."""
    n = p1.size
    tags = np.zeros((n, 3, 2), dtype=np.int32)
    q1, q2 = _quark(p1), _quark(p2)
    g1, g2 = p1 == 21, p2 == 21
    done = np.zeros(n, dtype=bool)
    # q qbar -> g: the quark's colour and the antiquark's anticolour pass to the gluon
    for a, b in ((0, 1), (1, 0)):
        pa_, pb_ = (p1, p2) if a == 0 else (p2, p1)
        qa, qb = (q1, q2) if a == 0 else (q2, q1)
        sel = qa & qb & (pa_ > 0) & (pb_ < 0) & (jet == 21)
        tags[sel, a, 0] = TAG_1
        tags[sel, b, 1] = TAG_2
        tags[sel, 2] = (TAG_1, TAG_2)
        done |= sel
        # q g -> q': the gluon's anticolour annihilates the quark's colour, its colour goes
        # out with q'; qbar g -> qbar' is the mirror image
        ga = g2 if a == 0 else g1
        sel = qa & ga & (pa_ > 0) & _quark(jet) & (jet > 0)
        tags[sel, a, 0] = TAG_1
        tags[sel, b] = (TAG_2, TAG_1)
        tags[sel, 2, 0] = TAG_2
        done |= sel
        sel = qa & ga & (pa_ < 0) & _quark(jet) & (jet < 0)
        tags[sel, a, 1] = TAG_1
        tags[sel, b] = (TAG_1, TAG_2)
        tags[sel, 2, 1] = TAG_2
        done |= sel
    if not done.all():
        k = int(np.flatnonzero(~done)[0])
        raise HsimError(f"no colour flow for the parton channel {p1[k]} {p2[k]} -> chi chi "
                        f"{jet[k]} (not a q qbar' -> g, q g -> q' or qbar g -> qbar' channel)")
    return tags


def _col(batch: pa.RecordBatch, name: str) -> np.ndarray:
    return batch.column(batch.schema.get_field_index(name)).to_numpy(zero_copy_only=False)


def build_record(batch: pa.RecordBatch, sqrt_s: float) -> Record:
    """The truth record of the events of a record batch of an event table.

    Parameters
    ----------
    batch : pyarrow.RecordBatch
        Rows of a Parquet event table (docs/output.md) with at least :data:`COLUMNS`.
    sqrt_s : float
        Collider energy [GeV] (metadata ``sqrt_s_gev``).

    Returns
    -------
    Record

    Raises
    ------
    HsimError
        If the slots are not packed or a mother index is invalid (not an hsim table), or
        a parton channel has no colour flow.
    """
    from higgsino_sim.processes import PROCESSES

    n_ev = batch.num_rows
    shape = (n_ev, N_ROWS)
    f = {c: np.full(shape, np.nan) for c in (*_COMPONENTS, "vx", "vy", "vz")}
    pdg = np.zeros(shape, dtype=np.int32)
    mother = np.full(shape, -1, dtype=np.int32)

    p1, p2 = _col(batch, "parton1_pdg"), _col(batch, "parton2_pdg")
    x1, x2 = _col(batch, "x1"), _col(batch, "x2")
    pdg[:, ROW_P1], pdg[:, ROW_P2] = p1, p2
    half = 0.5 * sqrt_s
    for row, x, sign in ((ROW_P1, x1, 1.0), (ROW_P2, x2, -1.0)):
        f["e"][:, row] = x * half
        f["px"][:, row] = 0.0
        f["py"][:, row] = 0.0
        f["pz"][:, row] = sign * x * half
    for row, name in ((ROW_A, "chi_a"), (ROW_B, "chi_b"), (ROW_JET, "jet")):
        pdg[:, row] = _col(batch, f"{name}_pdg")
        for c in _COMPONENTS:
            f[c][:, row] = _col(batch, f"{name}_{c}")
    for c in ("vx", "vy", "vz"):
        f[c][:, :ROW_DAU0] = 0.0
    dmother = np.empty((n_ev, N_SLOTS), dtype=np.int32)
    for k in range(N_SLOTS):
        row = ROW_DAU0 + k
        pdg[:, row] = _col(batch, f"dau{k}_pdg")
        dmother[:, k] = _col(batch, f"dau{k}_mother")
        for c in (*_COMPONENTS, "vx", "vy", "vz"):
            f[c][:, row] = _col(batch, f"dau{k}_{c}")

    n_dau = (pdg[:, ROW_DAU0:] != 0).sum(axis=1)
    filled = pdg[:, ROW_DAU0:] != 0
    if np.any(filled != (np.arange(N_SLOTS)[None, :] < n_dau[:, None])):
        raise HsimError("decay slots are not packed (dau{k}_pdg = 0 before a filled slot)")
    # mother rows: -1 -> chi_a, -2 -> chi_b, j -> slot j (always an earlier slot)
    slot_idx = np.arange(N_SLOTS)[None, :]
    m_row = np.where(dmother == -1, ROW_A, np.where(dmother == -2, ROW_B, ROW_DAU0 + dmother))
    bad = filled & ~((dmother == -1) | (dmother == -2) | ((dmother >= 0) & (dmother < slot_idx)))
    if bad.any():
        raise HsimError("invalid dau{k}_mother code in the event table")
    mother[:, ROW_DAU0:] = np.where(filled, m_row, -1)
    mother[:, ROW_A:ROW_DAU0] = ROW_P1
    mother2 = mother.copy()
    mother2[:, ROW_A:ROW_DAU0] = ROW_P2

    # status: 2 if some row has this row as mother
    valid = np.arange(N_ROWS)[None, :] < (ROW_DAU0 + n_dau)[:, None]
    has_children = np.zeros(shape, dtype=bool)
    ev = np.repeat(np.arange(n_ev), N_SLOTS).reshape(n_ev, N_SLOTS)
    has_children[ev[filled], mother[:, ROW_DAU0:][filled]] = True
    status = np.where(has_children, 2, 1).astype(np.int32)
    status[:, :ROW_A] = -1
    status[~valid] = 0

    # masses: the table's float32 four-momenta give sqrt(E^2 - p^2) only to ~2^-24 E^2 / m
    # (docs/output.md, storage and precision): meaningless for an electron (Pythia then
    # resets its mass and reshuffles the decay). So the decay products get the PDG mass
    # the kernels gave them (constants.mass); 0 for massless ids and the incoming partons;
    # the four-momentum's for the chis (<~1e-4 relative) and the ISR parton
    e, px, py, pz = f["e"], f["px"], f["py"], f["pz"]
    p = np.sqrt(px * px + py * py + pz * pz)
    with np.errstate(invalid="ignore"):
        m = np.sqrt(np.maximum((e - p) * (e + p), 0.0))
    apdg = np.abs(pdg)
    dau_m, dau_id = m[:, ROW_DAU0:], apdg[:, ROW_DAU0:]  # views
    for q in _NOMINAL:
        dau_m[dau_id == q] = sm.mass(q)
    m[np.isin(apdg, _MASSLESS)] = 0.0
    m[:, :ROW_A] = 0.0
    m[:, ROW_JET] = 0.0  # massless in the hard process (float32 E, p would give ~2^-12 E)

    # colours
    col = np.zeros(shape, dtype=np.int32)
    acol = np.zeros(shape, dtype=np.int32)
    tags = _hard_colours(p1, p2, pdg[:, ROW_JET])
    for j, row in enumerate((ROW_P1, ROW_P2, ROW_JET)):
        col[:, row], acol[:, row] = tags[:, j, 0], tags[:, j, 1]
    dq = _quark(pdg[:, ROW_DAU0:]) & filled
    tag = TAG_DECAY0 + mother[:, ROW_DAU0:]
    col[:, ROW_DAU0:] = np.where(dq & (pdg[:, ROW_DAU0:] > 0), tag, 0)
    acol[:, ROW_DAU0:] = np.where(dq & (pdg[:, ROW_DAU0:] < 0), tag, 0)

    # decay times and proper decay lengths of the decayed rows; children vertex = the
    # production vertex of the first row whose mother is this row
    vt = np.zeros(shape)
    ctau = np.zeros(shape)
    decay_t = np.zeros(shape)  # lab c t of the decay of each decayed row
    rows = np.arange(n_ev)
    for leg, row in (("chi_a", ROW_A), ("chi_b", ROW_B)):
        dx, dy, dz = (_col(batch, f"{leg}_decay_{c}") for c in "xyz")
        decayed = status[:, row] == 2
        dist = np.sqrt(dx * dx + dy * dy + dz * dz)
        decay_t[:, row] = np.where(decayed, dist * e[:, row] / p[:, row], 0.0)
        ctau[:, row] = np.where(decayed, _col(batch, f"{leg}_decay_ct"), 0.0)
    for k in range(N_SLOTS):
        row = ROW_DAU0 + k
        mrow = np.where(filled[:, k], mother[:, row], 0)
        vt[:, row] = np.where(filled[:, k], decay_t[rows, mrow], 0.0)
        decayed = status[:, row] == 2
        if decayed.any():
            first = np.argmax(dmother == k, axis=1)  # first child slot (if any)
            crow = ROW_DAU0 + first
            dist = np.sqrt(sum((f[c][rows, crow] - f[c][:, row]) ** 2 for c in ("vx", "vy", "vz")))
            with np.errstate(invalid="ignore", divide="ignore"):
                decay_t[:, row] = np.where(decayed, vt[:, row] + dist * e[:, row] / p[:, row],
                                           0.0)
                ctau[:, row] = np.where(decayed, dist * m[:, row] / p[:, row], 0.0)

    proc = batch.column(batch.schema.get_field_index("process"))
    if isinstance(proc, pa.DictionaryArray):
        keys = np.array([PROCESSES.index(s) for s in proc.dictionary.to_pylist()], dtype=np.int32)
        process = keys[proc.indices.to_numpy(zero_copy_only=False)]
    else:
        process = np.array([PROCESSES.index(s) for s in proc.to_pylist()], dtype=np.int32)

    return Record(
        n=(ROW_DAU0 + n_dau).astype(np.int32), process=process, weight=_col(batch, "weight"),
        scale=_col(batch, "scale_gev"), alpha_s=_col(batch, "alpha_s"), x1=x1, x2=x2,
        pdg=pdg, status=status, mother1=np.where(valid, mother, -1),
        mother2=np.where(valid, mother2, -1), col=col, acol=acol, e=e, px=px, py=py, pz=pz,
        m=m, vx=f["vx"], vy=f["vy"], vz=f["vz"], vt=vt, ctau=ctau,
    )


__all__ = ["COLUMNS", "N_ROWS", "ROW_DAU0", "Record", "build_record"]
