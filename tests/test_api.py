"""The public API is pinned: additions and removals are deliberate."""

from __future__ import annotations

import higgsino_sim


def test_dir_is_the_public_api() -> None:
    assert dir(higgsino_sim) == [
        "GenerateOptions",
        "HsimError",
        "PROCESSES",
        "Spectrum",
        "UsageError",
        "__version__",
        "cross_sections",
        "decay_model",
        "generate_events",
        "higgsino_spectrum",
        "load_card",
        "read_metadata",
    ]


def test_lazy_attributes_resolve() -> None:
    assert callable(higgsino_sim.generate_events)
    assert callable(higgsino_sim.GenerateOptions)
    assert callable(higgsino_sim.cross_sections)
    assert callable(higgsino_sim.read_metadata)
    assert callable(higgsino_sim.decay_model)
    assert callable(higgsino_sim.load_card)
