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
    for key in ("memory_card", "parquet_card", "parquet_truth"):
        for label in ("one_thread", "all_cores"):
            run = res[f"{key}_runs"][label]
            assert run["events_per_s"] > 0
            assert run["events_per_cpu_s"] > 0
            assert run["peak_rss_mib"] > 0
            assert all(v >= 0 for v in run["stage_us_per_event"].values())
    stages = res["parquet_card_runs"]["one_thread"]["stage_us_per_event"]
    assert set(stages) == {"hard_process", "decays", "detector", "arrow_columns",
                           "parquet_write"}
    assert all(v > 0 for v in stages.values())
    # the tables of one thread and of all cores hold the same events (bit for bit)
    assert res["parquet_card_same_events"] is True
    assert res["parquet_truth_same_events"] is True
    assert res["first_event_cold_cache_s"] > 0
    assert res["first_event_warm_cache_s"] > 0
    assert res["peak_rss_mib_4000_events"] > 0
    assert res["detector_events_per_s_one_core"] > 0
    assert res["pythia_hard_process_events_per_s_one_core"] > 0
    assert res["pythia_shower_events_per_s_one_core"] > 0
