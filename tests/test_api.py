"""The public API is pinned: additions and removals are deliberate."""

from __future__ import annotations

import higgsino_sim


def test_dir_is_the_public_api() -> None:
    assert dir(higgsino_sim) == [
        "PROCESSES",
        "HsimError",
        "Spectrum",
        "UsageError",
        "__version__",
        "cross_sections",
        "generate",
        "higgsino_spectrum",
        "read_metadata",
    ]


def test_lazy_attributes_resolve() -> None:
    assert callable(higgsino_sim.generate)
    assert callable(higgsino_sim.cross_sections)
    assert callable(higgsino_sim.read_metadata)
