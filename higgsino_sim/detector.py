"""Detector response of a block of events through a card (docs/detector.md).

The numba kernel (``kernels.detector.respond_block``) does the work; this wrapper
allocates its outputs, so the generator, the tests and the benchmark call one function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from higgsino_sim.kernels import detector as kdet

if TYPE_CHECKING:
    from higgsino_sim.cards import Card


class Reco(NamedTuple):
    """Reconstructed objects of a block: float and int columns in the layout of
    ``kernels.detector`` (names from ``kernels.detector.column_names``), and the overflow
    counters (leptons, tracks beyond the stored multiplicity)."""

    f: np.ndarray
    i: np.ndarray
    counters: np.ndarray


def respond(card: Card, rng: np.random.Generator, jet_pdg: np.ndarray, jet_mom: np.ndarray,
            slot_i: np.ndarray, slot_f: np.ndarray) -> Reco:
    """Reconstruct the events of one block.

    Parameters
    ----------
    card : Card
        The compiled detector card.
    rng : numpy.random.Generator
        The block's stream (consumed in event order).
    jet_pdg : ndarray, shape (n,)
        PDG id of the ISR parton.
    jet_mom : ndarray, shape (n, 4)
        Its four-momentum [GeV].
    slot_i, slot_f : ndarray
        Decay products (``kernels.decays`` layout: ids, four-momenta [GeV], production
        vertices [mm], truth d0 and dz [mm]).
    """
    n = jet_pdg.shape[0]
    reco_f = np.empty((n, kdet.N_RF))
    reco_i = np.empty((n, kdet.N_RI), dtype=np.int64)
    counters = np.zeros(kdet.N_COUNTERS, dtype=np.int64)
    kdet.respond_block(rng, np.ascontiguousarray(jet_pdg, dtype=np.int64),
                       np.ascontiguousarray(jet_mom), slot_i, slot_f, *card.kernel_args(),
                       reco_f, reco_i, counters)
    return Reco(reco_f, reco_i, counters)
