"""Synthetic truth events for detector-response tests: a re-export of
``higgsino_sim.validation.single_particles`` (one copy, shared with the card validation
panels)."""

from __future__ import annotations

from higgsino_sim.validation.single_particles import Particle, jet, run, slots

__all__ = ["Particle", "jet", "run", "slots"]
