"""Deterministic random streams: one numpy Generator per (phase, block).

A block's stream depends only on the master seed and the block's coordinates, never on
how blocks are grouped into chunks or which thread runs them, so the output is the same
for any chunk size and thread count (house style section 3).
"""

from __future__ import annotations

import numpy as np

#: Phases of a run, each with its own family of streams.
PHASE_LO_INCLUSIVE = 0
PHASE_INTEGRATION = 1
PHASE_GENERATION = 2
PHASE_ADAPTATION = 3
PHASE_DECAY = 4
PHASE_DETECTOR = 5


def master_entropy(seed: int | None) -> int:
    """The entropy of the run: ``seed`` itself, or fresh entropy when it is None."""
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    return int(seed)


def block_rng(entropy: int, *key: int) -> np.random.Generator:
    """The Generator (PCG64) of the block with coordinates ``key``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=key)))
