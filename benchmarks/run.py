"""Benchmark of the hard-process stage of `hsim generate` (issue 2).

Reports, on this machine:
* unweighted events per second per core (generation phase, after JIT warm-up, one thread);
* the same with all cores (scaling);
* the JIT warm-up: wall time of a small run with a cold numba cache and with a warm one;
* the peak resident memory of a large run (streaming keeps it flat in the number of events).

Usage: python benchmarks/run.py [--quick] [--events N] [--big-events N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN = [sys.executable, "-m", "higgsino_sim", "generate", "--mass", "115", "--dm", "1.5",
       "--seed", "1"]


def _run(args: list[str], env: dict[str, str]) -> tuple[float, dict[str, object], float]:
    """Run hsim in a subprocess; return (wall s, metadata, child peak RSS in MiB)."""
    from higgsino_sim.output import read_metadata

    out = Path(args[args.index("-o") + 1])
    t = time.perf_counter()
    # cwd: never the repository root, whose source folder would shadow the installed package
    subprocess.run(RUN + args, check=True, env=env, stdout=subprocess.DEVNULL, cwd=out.parent)
    wall = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    md = read_metadata(out)
    out.unlink()
    return wall, md, rss


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny configuration (smoke test)")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--big-events", type=int, default=10_000_000)
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = ap.parse_args(argv)
    if args.quick:
        args.events, args.big_events = 2_000, 4_000
    results: dict[str, object] = {"cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=str(Path(tmp) / "numba-cache"))
        small = ["-n", "1000", "-o", str(Path(tmp) / "s.parquet")]
        cold, _, _ = _run(small, env)
        warm, md_warm, _ = _run(small, env)
        results["first_run_cold_cache_s"] = round(cold, 2)
        results["first_run_warm_cache_s"] = round(warm, 2)
        results["warm_run_timing_s"] = md_warm["timing_seconds"]
        for threads in (1, 0):
            wall, md, _ = _run(["-n", str(args.events), "--threads", str(threads), "-o",
                                str(Path(tmp) / "t.parquet")], env)
            gen = md["timing_seconds"]["generation_and_write"]  # type: ignore[index]
            key = "one_core" if threads == 1 else "all_cores"
            results[f"unweighted_events_per_s_{key}"] = round(args.events / gen)
            results[f"unweighting_efficiency_{key}"] = md["unweighting_efficiency"]
            results[f"wall_s_{key}"] = round(wall, 1)
        _, _, rss = _run(["-n", str(args.big_events), "-o", str(Path(tmp) / "b.parquet")], env)
        results[f"peak_rss_mib_{args.big_events}_events"] = round(rss)
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
