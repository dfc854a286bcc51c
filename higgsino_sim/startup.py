"""Start-up cost of the `hsim` processes (docs/performance.md, "first event").

numba runs every installed ``numba_extensions`` entry point at the first call of a jitted
function. pylhe, a dependency, pulls in ``vector`` and ``awkward``, whose numba extensions
take ~1.9 s to import (measured with cProfile on the 2-core VM: 1.88 s of a 6.8 s
one-event run); hsim's kernels use neither. The command-line processes (``hsim`` and the
grid workers) therefore mark the extensions as loaded before any kernel runs. Library
users (``import higgsino_sim``) keep numba's default, so their own awkward/vector kernels
work as usual.
"""

from __future__ import annotations


def skip_numba_extensions() -> None:
    """Do not import the third-party numba extensions in this process (kernels unaffected).

    Uses numba's own once-only flag (``numba.core.entrypoints._already_initialized``); if
    a numba release renames it, this does nothing and only the start-up is slower.
    """
    from numba.core import entrypoints

    entrypoints._already_initialized = True
