"""Shared fixtures: the default PDF set and small generated samples (cached per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from higgsino_sim.generate import GenerateOptions, run_generate
from higgsino_sim.pdf import PdfSet, load_pdf


@pytest.fixture(scope="session")
def pdf() -> PdfSet:
    return load_pdf()


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3000 unweighted events at the README benchmark point, seed 7."""
    out = tmp_path_factory.mktemp("gen") / "small.parquet"
    run_generate(GenerateOptions(mass=115.0, dm=1.5, n_events=3000, seed=7, output=out))
    return out
