"""higgsino-sim: fast simulation and signal generation for compressed Higgsino searches.

The public API: the spectrum, its decays, the cross sections, the generator and the
detector cards (docs/).
"""

from __future__ import annotations

from higgsino_sim._version import __version__
from higgsino_sim.errors import HsimError, UsageError
from higgsino_sim.processes import PROCESSES
from higgsino_sim.spectrum import Spectrum, higgsino_spectrum

__all__ = [
    "PROCESSES",
    "GenerateOptions",
    "HsimError",
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


def __dir__() -> list[str]:
    return __all__


def __getattr__(name: str) -> object:
    # numba-heavy modules load on first use, so `import higgsino_sim` and `hsim --help` stay fast
    if name == "GenerateOptions":
        from higgsino_sim.generate import GenerateOptions

        return GenerateOptions
    if name == "generate_events":
        from higgsino_sim.generate import run_generate

        return run_generate
    if name == "cross_sections":
        from higgsino_sim.xsec import cross_sections

        return cross_sections
    if name == "decay_model":
        from higgsino_sim.decays import decay_model

        return decay_model
    if name == "load_card":
        from higgsino_sim.cards import load_card

        return load_card
    if name == "read_metadata":
        from higgsino_sim.output import read_metadata

        return read_metadata
    raise AttributeError(f"module 'higgsino_sim' has no attribute {name!r}")
