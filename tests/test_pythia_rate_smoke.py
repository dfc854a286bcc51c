"""The Pythia 8 reference of the benchmark runs (20 events per mode; no timing assertions)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("pythia8mc")

ROOT = Path(__file__).resolve().parents[1]
#: the six hsim processes as Pythia names them (chi10 chi10, chi20 chi20: no Z coupling for
#: a pure Higgsino, so zero cross section and left out of the list)
PROCESSES = {"1552", "1571", "1572", "1575", "1576", "1591"}


def _module():
    spec = importlib.util.spec_from_file_location("pythia_rate",
                                                  ROOT / "benchmarks" / "pythia_rate.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("shower", [False, True])
def test_pythia_rate_runs(shower: bool, tmp_path: Path) -> None:
    res = _module().pythia_rate(115.0, 1.5, 20, shower, seed=3, workdir=tmp_path)
    assert res["n_events"] == 20
    assert res["events_per_s"] > 0
    assert res["failures"] == 0
    assert res["init_s"] > 0
    # the SLHA file Pythia read holds hsim's spectrum, and Pythia selected exactly the six
    # Higgsino pair processes of hsim with a positive cross section
    assert "-1.1650000000000000e+02" in (tmp_path / "pythia_higgsino.slha").read_text()
    assert {p.split()[0] for p in str(res["processes"]).split("; ")} == PROCESSES
    assert res["sigma_pb"] > 0
