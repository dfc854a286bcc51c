"""Synthetic truth events for detector-response tests: chosen particles in the decay-product
slots (kernels.decays layout) and an ISR parton, fed straight to ``detector.respond``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from higgsino_sim import constants as sm
from higgsino_sim.cards import Card
from higgsino_sim.detector import respond
from higgsino_sim.kernels import decays as kd
from higgsino_sim.kernels.detector import column_names


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


def slots(n: int, particles: Sequence[Particle]) -> tuple[np.ndarray, np.ndarray]:
    """Slot arrays for ``n`` identical events holding ``particles``."""
    slot_i = np.zeros((n, kd.N_SLOTS, kd.N_SI), dtype=np.int64)
    slot_i[:, :, kd.SI_MOTHER] = kd.MOTHER_NONE
    slot_f = np.full((n, kd.N_SLOTS, kd.N_SF), np.nan)
    for s, p in enumerate(particles):
        m = sm.mass(abs(p.pdg)) if abs(p.pdg) < 1_000_000 else 100.0
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


def jet(n: int, pt: float = 300.0, eta: float = 0.0, phi: float = np.pi, pdg: int = 21
        ) -> tuple[np.ndarray, np.ndarray]:
    """ISR parton arrays (massless) for ``n`` events."""
    mom = np.empty((n, 4))
    mom[:, 1] = pt * np.cos(phi)
    mom[:, 2] = pt * np.sin(phi)
    mom[:, 3] = pt * np.sinh(eta)
    mom[:, 0] = pt * np.cosh(eta)
    return np.full(n, pdg, dtype=np.int64), mom


def run(card: Card, n: int, particles: Sequence[Particle], seed: int = 1,
        jet_kw: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """Reconstruct ``n`` copies of one event; returns the reco columns by name."""
    jet_pdg, jet_mom = jet(n, **(jet_kw or {}))
    slot_i, slot_f = slots(n, particles)
    reco = respond(card, np.random.default_rng(seed), jet_pdg, jet_mom, slot_i, slot_f)
    names_f, names_i = column_names()
    out = {name: reco.f[:, c] for c, name in enumerate(names_f)}
    out.update({name: reco.i[:, c] for c, name in enumerate(names_i)})
    return out
