"""Hand-made truth events for the detector response: chosen particles in the decay-product
slots (``kernels.decays`` layout) and an ISR parton, fed straight to
``higgsino_sim.detector.respond``.

Used by the detector tests (``tests/unit/test_detector.py``,
``tests/physics/test_detector_closure.py``, through the re-export ``tests/detector_events.py``)
and by the card validation panels (``higgsino_sim.validation.card_panels``), which push
single particles through the real response and compare the measured efficiencies and
resolutions with the card's functions.

``run`` reconstructs ``n`` copies of one event; ``run_single`` reconstructs one particle per
event with per-event (pdg, pT, eta, r, d0, dz), so that a whole scan of (pT, |eta|) points
goes through the kernel in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from higgsino_sim import constants as sm
from higgsino_sim.cards import Card
from higgsino_sim.detector import respond
from higgsino_sim.kernels import decays as kd
from higgsino_sim.kernels.detector import column_names

CHUNK = 50_000  # events per kernel call in run_single (~100 MB of slot and reco arrays)

__all__ = ["Particle", "jet", "run", "run_single", "slots", "slots_single"]


@dataclass(frozen=True)
class Particle:
    """A truth particle: PDG id, pT [GeV], eta, phi, production radius along x [mm],
    truth d0 and dz [mm]."""

    pdg: int
    pt: float
    eta: float
    phi: float = 0.0
    r: float = 0.0
    d0: float = 0.0
    dz: float = 0.0


def _mass(pdg: int) -> float:
    """Mass [GeV] of a Standard-Model particle (100 GeV stand-in for a chi)."""
    return sm.mass(abs(pdg)) if abs(pdg) < 1_000_000 else 100.0


def slots_single(pdg: np.ndarray, pt: np.ndarray, eta: np.ndarray, phi: np.ndarray | float = 0.0,
                 r: np.ndarray | float = 0.0, d0: np.ndarray | float = 0.0,
                 dz: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Slot arrays with one particle per event (slot 0), per-event properties.

    Parameters
    ----------
    pdg : ndarray of int, shape (n,)
        PDG ids.
    pt : ndarray, shape (n,)
        Transverse momenta [GeV].
    eta : ndarray, shape (n,)
        Pseudorapidities.
    phi : ndarray or float
        Azimuths [rad].
    r : ndarray or float
        Production radius along x [mm].
    d0, dz : ndarray or float
        Truth impact parameters [mm].

    Returns
    -------
    slot_i, slot_f : ndarray
        ``kernels.decays`` layout, slots 1.. empty.
    """
    pdg = np.asarray(pdg, dtype=np.int64)
    n = pdg.size
    pt, eta, phi, r, d0, dz = (np.broadcast_to(np.asarray(a, float), (n,))
                               for a in (pt, eta, phi, r, d0, dz))
    slot_i = np.zeros((n, kd.N_SLOTS, kd.N_SI), dtype=np.int64)
    slot_i[:, :, kd.SI_MOTHER] = kd.MOTHER_NONE
    slot_f = np.full((n, kd.N_SLOTS, kd.N_SF), np.nan)
    masses = {int(p): (_mass(int(p)) if p != 0 else 0.0) for p in np.unique(pdg)}
    m = np.array([masses[int(p)] for p in pdg]) if n else np.zeros(0)
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    slot_i[:, 0, kd.SI_PDG] = pdg
    slot_i[:, 0, kd.SI_MOTHER] = np.where(pdg != 0, kd.MOTHER_CHI_A, kd.MOTHER_NONE)
    slot_f[:, 0, kd.SF_E] = np.sqrt(px * px + py * py + pz * pz + m * m)
    slot_f[:, 0, kd.SF_PX] = px
    slot_f[:, 0, kd.SF_PY] = py
    slot_f[:, 0, kd.SF_PZ] = pz
    slot_f[:, 0, kd.SF_VX] = r
    slot_f[:, 0, kd.SF_VY] = 0.0
    slot_f[:, 0, kd.SF_VZ] = 0.0
    slot_f[:, 0, kd.SF_D0] = d0
    slot_f[:, 0, kd.SF_DZ] = dz
    return slot_i, slot_f


def slots(n: int, particles: Sequence[Particle]) -> tuple[np.ndarray, np.ndarray]:
    """Slot arrays for ``n`` identical events holding ``particles``."""
    slot_i = np.zeros((n, kd.N_SLOTS, kd.N_SI), dtype=np.int64)
    slot_i[:, :, kd.SI_MOTHER] = kd.MOTHER_NONE
    slot_f = np.full((n, kd.N_SLOTS, kd.N_SF), np.nan)
    for s, p in enumerate(particles):
        m = _mass(p.pdg)
        px, py, pz = p.pt * np.cos(p.phi), p.pt * np.sin(p.phi), p.pt * np.sinh(p.eta)
        slot_i[:, s, kd.SI_PDG] = p.pdg
        slot_i[:, s, kd.SI_MOTHER] = kd.MOTHER_CHI_A
        slot_f[:, s, kd.SF_E] = np.sqrt(px * px + py * py + pz * pz + m * m)
        slot_f[:, s, kd.SF_PX] = px
        slot_f[:, s, kd.SF_PY] = py
        slot_f[:, s, kd.SF_PZ] = pz
        slot_f[:, s, kd.SF_VX] = p.r
        slot_f[:, s, kd.SF_VY] = 0.0
        slot_f[:, s, kd.SF_VZ] = 0.0
        slot_f[:, s, kd.SF_D0] = p.d0
        slot_f[:, s, kd.SF_DZ] = p.dz
    return slot_i, slot_f


def jet(n: int, pt: float | np.ndarray = 300.0, eta: float | np.ndarray = 0.0,
        phi: float | np.ndarray = np.pi, pdg: int | np.ndarray = 21
        ) -> tuple[np.ndarray, np.ndarray]:
    """ISR parton arrays (massless) for ``n`` events: (PDG ids, four-momenta [GeV]).

    ``pt`` [GeV], ``eta``, ``phi`` [rad] and ``pdg`` are scalars or per-event arrays; a
    parton with pt = 0 is no parton (no jet, nothing in the soft term).
    """
    pt, eta, phi = (np.broadcast_to(np.asarray(a, float), (n,)) for a in (pt, eta, phi))
    mom = np.empty((n, 4))
    mom[:, 1] = pt * np.cos(phi)
    mom[:, 2] = pt * np.sin(phi)
    mom[:, 3] = pt * np.sinh(eta)
    mom[:, 0] = pt * np.cosh(eta)
    return np.broadcast_to(np.asarray(pdg, dtype=np.int64), (n,)).copy(), mom


def _columns(card: Card, seed: int, jet_pdg: np.ndarray, jet_mom: np.ndarray,
             slot_i: np.ndarray, slot_f: np.ndarray) -> dict[str, np.ndarray]:
    reco = respond(card, np.random.default_rng(seed), jet_pdg, jet_mom, slot_i, slot_f)
    names_f, names_i = column_names()
    out = {name: reco.f[:, c] for c, name in enumerate(names_f)}
    out.update({name: reco.i[:, c] for c, name in enumerate(names_i)})
    return out


def run(card: Card, n: int, particles: Sequence[Particle], seed: int = 1,
        jet_kw: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """Reconstruct ``n`` copies of one event; returns the reco columns by name.

    ``jet_kw`` are the keyword arguments of :func:`jet` (default: a 300 GeV gluon at
    eta = 0, phi = pi).
    """
    jet_pdg, jet_mom = jet(n, **(jet_kw or {}))
    slot_i, slot_f = slots(n, particles)
    return _columns(card, seed, jet_pdg, jet_mom, slot_i, slot_f)


def run_single(card: Card, pdg: np.ndarray, pt: np.ndarray, eta: np.ndarray, seed: int,
               columns: Sequence[str], r: np.ndarray | float = 0.0,
               d0: np.ndarray | float = 0.0, dz: np.ndarray | float = 0.0,
               phi: np.ndarray | float = 0.0,
               jet_kw: dict[str, float | np.ndarray] | None = None,
               chunk: int = CHUNK) -> dict[str, np.ndarray]:
    """Reconstruct one particle per event (see :func:`slots_single`; PDG id 0 = no
    particle) and return the requested reco ``columns`` by name.

    Without ``jet_kw`` the events have no ISR parton (pt = 0); its entries (arguments of
    :func:`jet`) may be per-event arrays. The events go through the kernel in chunks of
    ``chunk`` on one stream seeded with ``seed``, so memory stays bounded.
    """
    pdg = np.asarray(pdg, dtype=np.int64)
    n = pdg.size
    per_event = {"pt": pt, "eta": eta, "r": r, "d0": d0, "dz": dz, "phi": phi}
    per_event = {k: np.broadcast_to(np.asarray(v, float), (n,)) for k, v in per_event.items()}
    jkw = {k: (np.broadcast_to(np.asarray(v), (n,)) if np.ndim(v) else v)
           for k, v in (jet_kw or {"pt": 0.0}).items()}
    names_f, names_i = column_names()
    where = {name: ("f", c) for c, name in enumerate(names_f)}
    where.update({name: ("i", c) for c, name in enumerate(names_i)})
    out = {c: np.empty(n, dtype=float if where[c][0] == "f" else np.int64) for c in columns}
    rng = np.random.default_rng(seed)
    for lo in range(0, n, chunk):
        sl = slice(lo, min(lo + chunk, n))
        m = sl.stop - sl.start
        jet_pdg, jet_mom = jet(m, **{k: (v[sl] if np.ndim(v) else v) for k, v in jkw.items()})
        slot_i, slot_f = slots_single(pdg[sl], *(per_event[k][sl] for k in
                                                 ("pt", "eta", "phi", "r", "d0", "dz")))
        reco = respond(card, rng, jet_pdg, jet_mom, slot_i, slot_f)
        for c in columns:
            kind, col = where[c]
            out[c][sl] = (reco.f if kind == "f" else reco.i)[:, col]
    return out
