"""numba kernels of higgsino-sim, installed as ``higgsino_sim.kernels``.

Pure functions over struct-of-arrays chunks with explicit RNG state; no I/O, no module
state. Orchestration lives in ``higgsino_sim``.
"""
