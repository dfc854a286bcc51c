"""Benchmark of `hsim generate` against Pythia 8 on this machine (issue 8, docs/performance.md).

Reports, in one run:
* the JIT warm-up: wall time of ``hsim generate -n 1`` (the command's first event) with a
  cold numba cache (compilation) and with a warm one;
* end to end, ``--mass 115 --dm 1.5`` with the cms-phase1 card (hard process + decays +
  detector response), in memory (``run_generate(write=False)``: no table) and with the
  Parquet table written to local disk, on one generation thread and on all cores; without a
  card with Parquet. Each as events per wall second and per CPU second (the per-core
  throughput: CPU time of all the process's threads over the generation phase), with the
  thread time per stage from the run's ``timing_seconds.stages`` (hard process, decays,
  detector, Arrow columns, Parquet encoding and writing) and the peak resident memory;
* scaling: all cores / one thread, and whether the two runs' tables hold the same events;
* the decay and detector stages alone (``kernels.decays.decay_block``,
  ``kernels.detector.respond_block``) on a generated sample tiled to a large batch;
* peak resident memory of a large run (``--big-events``; streaming keeps it flat);
* Pythia 8 (``pythia8mc``) generating the same process at the same spectrum in the same
  run (``benchmarks/pythia_rate.py``): hard process only, and with the parton shower; and
  the ratios of hsim's in-memory per-core rate (with the card) to both.

Usage: python benchmarks/run.py [--quick] [--events N] [--big-events N] [--decay-events N]
       [--pythia-events N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MASS, DM = 115.0, 1.5
HSIM = [sys.executable, "-m", "higgsino_sim", "generate", "--mass", f"{MASS:g}", "--dm",
        f"{DM:g}", "--seed", "1"]
CARD = "cms-phase1"

#: the end-to-end configurations: key -> (card, write the table)
CONFIGS = {"memory_card": (CARD, False), "parquet_card": (CARD, True),
           "parquet_truth": (None, True)}

#: What each number is (printed with the results; the JSON keys are kept stable).
LABELS = {
    "first_event_cold_cache_s": "`hsim generate -n 1` wall s, cold numba cache (compiles)",
    "first_event_warm_cache_s": "`hsim generate -n 1` wall s, warm cache (the first event)",
    "memory_card_events_per_cpu_s_one_thread": "in memory, cms-phase1: events per CPU s "
                                               "(per core), one generation thread",
    "memory_card_events_per_s_all_cores": "in memory, cms-phase1: events per wall s, all cores",
    "memory_card_scaling": "in memory, cms-phase1: all cores / one thread (wall rates)",
    "parquet_card_events_per_cpu_s_one_thread": "Parquet, cms-phase1: events per CPU s (per "
                                                "core), one generation thread",
    "parquet_card_events_per_s_one_thread": "Parquet, cms-phase1: events per wall s, one "
                                            "generation thread (+ the writing thread)",
    "parquet_card_events_per_s_all_cores": "Parquet, cms-phase1: events per wall s, all cores",
    "parquet_card_scaling": "Parquet, cms-phase1: all cores / one thread (wall rates)",
    "parquet_card_same_events": "Parquet, cms-phase1: one thread and all cores give the same "
                                "table",
    "parquet_truth_events_per_cpu_s_one_thread": "Parquet, no card: events per CPU s, one "
                                                 "generation thread",
    "decay_events_per_s_one_core": "decay_block alone: events/s (both legs), physical BRs",
    "decay_events_per_s_one_core_cms": "decay_block alone: events/s, cms-sus-24-003 preset",
    "detector_events_per_s_one_core": "respond_block alone (cms-phase1): events/s, one core",
    "pythia_hard_process_events_per_s_one_core": "Pythia 8, same process and spectrum, hard "
                                                 "process (+ chi decays) only, events/s",
    "pythia_shower_events_per_s_one_core": "Pythia 8, with parton shower, MPI and "
                                           "hadronisation, events/s",
    "hsim_over_pythia_hard_process": "ratio: hsim in memory with cms-phase1, per core / "
                                     "Pythia hard process",
    "hsim_over_pythia_shower": "ratio: hsim in memory with cms-phase1, per core / Pythia "
                               "with shower",
    "hsim_parquet_over_pythia_hard_process": "ratio: hsim with cms-phase1 and the Parquet "
                                             "table, per core / Pythia hard process",
}

#: The child process of one end-to-end run: generates with the package's Python API (the
#: path of `hsim generate`, including its start-up settings) and prints the metadata and
#: its own peak resident memory as JSON.
_CHILD = """
import json, resource, sys
from pathlib import Path
from higgsino_sim.startup import skip_numba_extensions
skip_numba_extensions()
from higgsino_sim.generate import GenerateOptions, run_generate
a = json.loads(sys.argv[1])
opts = GenerateOptions(mass=a["mass"], dm=a["dm"], n_events=a["n"], seed=1,
                       threads=a["threads"], card=a["card"], output=Path(a["out"]))
md = run_generate(opts, write=a["write"]).metadata
try:  # this image's high-water mark (ru_maxrss keeps the forking parent's across exec)
    with open("/proc/self/status") as fh:
        hwm = next(line for line in fh if line.startswith("VmHWM:"))
    md["peak_rss_mib"] = int(hwm.split()[1]) / 1024.0
except (OSError, StopIteration):  # not Linux: ru_maxrss (an upper bound)
    md["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps(md))
"""


def _hsim_wall(args: list[str], env: dict[str, str], cwd: Path) -> float:
    """Wall time [s] of an `hsim generate` command (interpreter start included)."""
    t = time.perf_counter()
    # cwd: never the repository root, whose source folder would shadow the installed package
    subprocess.run(HSIM + args, check=True, env=env, stdout=subprocess.DEVNULL, cwd=cwd)
    return time.perf_counter() - t


def _end_to_end(n: int, threads: int, card: str | None, write: bool, out: Path,
                env: dict[str, str]) -> dict[str, object]:
    """One end-to-end run in a child process; its metadata with ``peak_rss_mib``."""
    arg = json.dumps({"mass": MASS, "dm": DM, "n": n, "threads": threads, "card": card,
                      "write": write, "out": str(out)})
    res = subprocess.run([sys.executable, "-c", _CHILD, arg], check=True, env=env,
                         capture_output=True, text=True, cwd=out.parent)
    return json.loads(res.stdout)


def _rates(md: dict[str, object], n: int) -> dict[str, object]:
    timing = md["timing_seconds"]
    return {"events_per_s": round(n / timing["generation_and_write"]),  # type: ignore[index]
            "events_per_cpu_s": round(n / timing["generation_and_write_cpu"]),  # type: ignore[index]
            "stage_us_per_event": {k: round(1e6 * v / n, 3)
                                   for k, v in timing["stages"].items()},  # type: ignore[index]
            "peak_rss_mib": round(md["peak_rss_mib"]),  # type: ignore[arg-type]
            "unweighting_efficiency": md["unweighting_efficiency"]}


def _legs(path: Path, n_events: int):
    """PDG ids [n, 2] and four-momenta [n, 2, 4] of the produced pairs of an event file,
    tiled to ``n_events`` rows."""
    import numpy as np
    import pyarrow.parquet as pq

    legs = ("chi_a", "chi_b")
    comps = ("e", "px", "py", "pz")
    t = pq.read_table(path, columns=[f"{leg}_{c}" for leg in legs for c in ("pdg", *comps)])
    pdg = np.stack([t[f"{leg}_pdg"].to_numpy() for leg in legs], axis=1).astype(np.int64)
    mom = np.stack([np.stack([t[f"{leg}_{c}"].to_numpy() for c in comps], axis=1)
                    for leg in legs], axis=1)
    reps = -(-n_events // pdg.shape[0])
    return (np.ascontiguousarray(np.tile(pdg, (reps, 1))[:n_events]),
            np.ascontiguousarray(np.tile(mom, (reps, 1, 1))[:n_events]))


def _decay_rate(path: Path, n_events: int, preset: str, repeats: int = 3
                ) -> tuple[float, float]:
    """Time ``decay_block`` alone on one core; return (legs decayed/s, events/s), best of
    ``repeats`` after a warm-up call (JIT compile or cache load)."""
    import numpy as np

    from higgsino_sim.decays import decay_model, kernel_tables
    from higgsino_sim.generate import DEFAULT_BFIELD_T
    from higgsino_sim.spectrum import higgsino_spectrum

    leg_pdg, leg_mom = _legs(path, n_events)
    tables = kernel_tables(decay_model(higgsino_spectrum(MASS, DM), preset))
    leg_i = np.empty(0)

    def run(n: int, seed: int) -> float:
        nonlocal leg_i
        t = time.perf_counter()
        out = tables.decay(np.random.default_rng(seed), leg_pdg[:n], leg_mom[:n],
                           DEFAULT_BFIELD_T)
        elapsed = time.perf_counter() - t
        leg_i = out.leg_i
        return elapsed

    run(min(n_events, 1000), 0)  # warm-up
    best = min(run(n_events, seed) for seed in range(1, repeats + 1))
    n_decayed = int(np.count_nonzero(leg_i >= 0))
    return n_decayed / best, n_events / best


def _detector_rate(path: Path, n_events: int, card_name: str, repeats: int = 3) -> float:
    """Time ``respond_block`` alone on one core on decayed events; return events/s (best of
    ``repeats`` after a warm-up call)."""
    import numpy as np
    import pyarrow.parquet as pq

    from higgsino_sim.cards import load_card
    from higgsino_sim.decays import decay_model, kernel_tables
    from higgsino_sim.detector import respond
    from higgsino_sim.spectrum import higgsino_spectrum

    card = load_card(card_name)
    leg_pdg, leg_mom = _legs(path, n_events)
    t = pq.read_table(path, columns=["jet_pdg", "jet_e", "jet_px", "jet_py", "jet_pz"])
    reps = -(-n_events // t.num_rows)
    jet_pdg = np.tile(t["jet_pdg"].to_numpy().astype(np.int64), reps)[:n_events]
    jet_mom = np.tile(np.stack([t[c].to_numpy() for c in ("jet_e", "jet_px", "jet_py",
                                                          "jet_pz")], axis=1), (reps, 1))
    jet_mom = np.ascontiguousarray(jet_mom[:n_events])
    tables = kernel_tables(decay_model(higgsino_spectrum(MASS, DM)))
    dec = tables.decay(np.random.default_rng(0), leg_pdg, leg_mom, card.bfield)

    def run(n: int, seed: int) -> float:
        t0 = time.perf_counter()
        respond(card, np.random.default_rng(seed), jet_pdg[:n], jet_mom[:n], dec.slot_i[:n],
                dec.slot_f[:n])
        return time.perf_counter() - t0

    run(min(n_events, 1000), 0)  # warm-up
    return n_events / min(run(n_events, seed) for seed in range(1, repeats + 1))


def _same_events(a: Path, b: Path) -> bool:
    """Whether two tables hold the same events bit for bit (NaN included; the footers
    differ: timings)."""
    import numpy as np
    import pyarrow.parquet as pq

    ta, tb = pq.read_table(a), pq.read_table(b)
    if ta.schema != tb.schema or ta.num_rows != tb.num_rows:
        return False
    for name in ta.column_names:
        x = ta[name].to_numpy(zero_copy_only=False)
        y = tb[name].to_numpy(zero_copy_only=False)
        if x.dtype.kind == "f":  # compare the bits: NaN == NaN, -0.0 != 0.0
            x, y = x.view(f"u{x.itemsize}"), y.view(f"u{y.itemsize}")
        if not np.array_equal(x, y):
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny configuration (smoke test)")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--big-events", type=int, default=10_000_000,
                    help="events of the memory run (Parquet, cms-phase1, all cores)")
    ap.add_argument("--decay-events", type=int, default=200_000,
                    help="events per timed decay_block / respond_block call")
    ap.add_argument("--pythia-events", type=int, default=20_000,
                    help="Pythia 8 events, hard process only (a tenth with the shower)")
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = ap.parse_args(argv)
    if args.quick:
        args.events, args.big_events, args.decay_events = 2_000, 4_000, 2_000
        args.pythia_events = 200
    cores = os.cpu_count() or 1
    results: dict[str, object] = {"cores": cores, "load_average_at_start": os.getloadavg()[0],
                                  "events": args.events}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp / "numba-cache"))
        # the in-process stage timings load the cache the subprocesses wrote
        os.environ["NUMBA_CACHE_DIR"] = env["NUMBA_CACHE_DIR"]
        small = tmp / "s.parquet"
        one = ["-n", "1", "-o", str(small), "--card", CARD]
        results["first_event_cold_cache_s"] = round(_hsim_wall(one, env, tmp), 2)
        results["first_event_warm_cache_s"] = round(_hsim_wall(one, env, tmp), 2)
        _hsim_wall(["-n", "1000", "-o", str(small)], env, tmp)  # a sample for the stages
        for preset, suffix in (("physical", ""), ("cms-sus-24-003", "_cms")):
            legs_s, events_s = _decay_rate(small, args.decay_events, preset)
            results[f"decays_per_s_one_core{suffix}"] = round(legs_s)
            results[f"decay_events_per_s_one_core{suffix}"] = round(events_s)
        results["detector_events_per_s_one_core"] = round(
            _detector_rate(small, args.decay_events, CARD))
        for key, (card, write) in CONFIGS.items():
            runs = {}
            for threads, label in ((1, "one_thread"), (0, "all_cores")):
                out = tmp / f"{key}_{label}.parquet"
                md = _end_to_end(args.events, threads, card, write, out, env)
                runs[label] = _rates(md, args.events)
                results[f"{key}_events_per_s_{label}"] = runs[label]["events_per_s"]
                results[f"{key}_events_per_cpu_s_{label}"] = runs[label]["events_per_cpu_s"]
            results[f"{key}_runs"] = runs
            results[f"{key}_scaling"] = round(results[f"{key}_events_per_s_all_cores"]  # type: ignore[operator]
                                              / results[f"{key}_events_per_s_one_thread"], 2)
            if write:
                a, b = (tmp / f"{key}_{x}.parquet" for x in ("one_thread", "all_cores"))
                results[f"{key}_same_events"] = _same_events(a, b)
                a.unlink()
                b.unlink()
        md = _end_to_end(args.big_events, 0, CARD, True, tmp / "big.parquet", env)
        results[f"peak_rss_mib_{args.events}_events"] = results["parquet_card_runs"][  # type: ignore[index]
            "all_cores"]["peak_rss_mib"]
        results[f"peak_rss_mib_{args.big_events}_events"] = round(md["peak_rss_mib"])  # type: ignore[arg-type]
        (tmp / "big.parquet").unlink()
    # Pythia 8 on the same process and spectrum, on this machine, in this run
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import pythia_rate

    hsim = results["memory_card_events_per_cpu_s_one_thread"]
    hsim_parquet = results["parquet_card_events_per_cpu_s_one_thread"]
    for shower, key in ((False, "hard_process"), (True, "shower")):
        n = args.pythia_events if not shower else max(args.pythia_events // 10, 20)
        rate = pythia_rate.pythia_rate(MASS, DM, n, shower=shower)["events_per_s"]
        results[f"pythia_{key}_events_per_s_one_core"] = round(rate)  # type: ignore[arg-type]
        results[f"hsim_over_pythia_{key}"] = round(hsim / rate, 2)  # type: ignore[operator]
        results[f"hsim_parquet_over_pythia_{key}"] = round(hsim_parquet / rate, 2)  # type: ignore[operator]
    _print(results)
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


def _print(results: dict[str, object]) -> None:
    """The human-readable summary (stderr): labelled numbers and the stage tables."""
    for key, label in LABELS.items():
        print(f"{label}: {results[key]}", file=sys.stderr)
    for key in CONFIGS:
        for label, run in results[f"{key}_runs"].items():  # type: ignore[union-attr]
            stages = run["stage_us_per_event"]
            total = sum(stages.values())
            print(f"{key}, {label}: {run['events_per_s']:,} events/s, "
                  f"{run['events_per_cpu_s']:,} per CPU s, peak {run['peak_rss_mib']} MiB; "
                  "thread time per stage (us per event, events/s, share):", file=sys.stderr)
            for name, us in stages.items():
                rate = f"{1e6 / us:12,.0f}" if us > 0 else f"{'-':>12s}"
                print(f"  {name:15s} {us:8.3f} {rate} {100 * us / total:6.1f} %",
                      file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
