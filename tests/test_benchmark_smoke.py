"""The benchmark script runs (tiny configuration; no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_benchmark_quick_runs(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--json",
                    str(out)], check=True, capture_output=True)
    res = json.loads(out.read_text())
    assert res["unweighted_events_per_s_one_core"] > 0
    assert res["card_unweighted_events_per_s_one_core"] > 0
    assert res["detector_events_per_s_one_core"] > 0
    assert "first_run_cold_cache_s" in res
    assert "peak_rss_mib_4000_events" in res
    stages = res["card_stage_us_per_event_one_core"]
    assert set(stages) == {"hard_process", "decays", "detector", "arrow_columns",
                           "parquet_write"}
    assert all(v > 0 for v in stages.values())
    assert res["pythia_hard_process_events_per_s_one_core"] > 0
    assert res["pythia_shower_events_per_s_one_core"] > 0
