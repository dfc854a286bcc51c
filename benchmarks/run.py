"""Benchmark of `hsim generate`: hard process, decays, detector, Parquet (issues 2-4).

Reports, on this machine:
* unweighted events per second per core, end to end (hard process + decays + Parquet
  write, after JIT warm-up, one thread);
* the same with all cores (scaling);
* the decay stage alone: ``kernels.decays.decay_block`` on one core, on the legs of a
  generated sample (default spectrum, realistic momenta and process mix) tiled to a large
  batch: legs decayed per second and events per second, for the physical branching
  fractions and the cms-sus-24-003 preset;
* the detector stage alone: ``kernels.detector.respond_block`` with the cms-phase1 card on
  one core, on the decayed events of the same sample: events per second;
* end to end with ``--card cms-phase1`` (hard process + decays + detector + Parquet), one
  thread and all cores;
* the JIT warm-up: wall time of a small run with a cold numba cache and with a warm one;
* the peak resident memory of a large run (streaming keeps it flat in the number of events);
* Pythia 8 (``pythia8mc``) generating the same process at the same spectrum in the same
  run (``benchmarks/pythia_rate.py``): hard process only, and with the parton shower; and
  the ratios of hsim's one-thread end-to-end rate (with the cms-phase1 card) to both;
* where the time goes: thread time per stage of the one-thread runs (hard process, decays,
  detector, Arrow columns, Parquet encoding and writing), from the run's
  ``timing_seconds.stages`` metadata.

Usage: python benchmarks/run.py [--quick] [--events N] [--big-events N] [--decay-events N]
       [--pythia-events N]
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

MASS, DM = 115.0, 1.5
RUN = [sys.executable, "-m", "higgsino_sim", "generate", "--mass", f"{MASS:g}", "--dm",
       f"{DM:g}", "--seed", "1"]

#: What each number is (printed with the results; the JSON keys are kept stable).
LABELS = {
    "unweighted_events_per_s_one_core": "end to end (hard process + decays + Parquet write), "
                                        "unweighted events/s, one thread",
    "unweighted_events_per_s_all_cores": "end to end (hard process + decays + Parquet write), "
                                         "unweighted events/s, all cores",
    "decays_per_s_one_core": "decay_block alone: legs decayed/s (cascades count once), "
                             "physical BRs, one core",
    "decay_events_per_s_one_core": "decay_block alone: events/s (both legs), physical BRs",
    "decays_per_s_one_core_cms": "decay_block alone: legs decayed/s, cms-sus-24-003 preset",
    "decay_events_per_s_one_core_cms": "decay_block alone: events/s, cms-sus-24-003 preset",
    "decay_share_of_end_to_end_one_core": "fraction of the one-thread end-to-end time spent "
                                          "in decay_block (physical BRs)",
    "detector_events_per_s_one_core": "respond_block alone (cms-phase1): events/s, one core",
    "card_unweighted_events_per_s_one_core": "end to end with --card cms-phase1 (hard process "
                                             "+ decays + detector + Parquet), events/s, one "
                                             "thread",
    "card_unweighted_events_per_s_all_cores": "end to end with --card cms-phase1, events/s, "
                                              "all cores",
    "pythia_hard_process_events_per_s_one_core": "Pythia 8, same process and spectrum, hard "
                                                 "process (+ chi decays) only, events/s",
    "pythia_shower_events_per_s_one_core": "Pythia 8, with parton shower, MPI and "
                                           "hadronisation, events/s",
    "hsim_card_over_pythia_hard_process": "ratio: hsim end to end with cms-phase1 (one thread) "
                                          "/ Pythia hard process",
    "hsim_card_over_pythia_shower": "ratio: hsim end to end with cms-phase1 / Pythia with "
                                    "shower",
}


def _run(args: list[str], env: dict[str, str], keep: bool = False
         ) -> tuple[float, dict[str, object], float]:
    """Run hsim in a subprocess; return (wall s, metadata, child peak RSS in MiB)."""
    from higgsino_sim.output import read_metadata

    out = Path(args[args.index("-o") + 1])
    t = time.perf_counter()
    # cwd: never the repository root, whose source folder would shadow the installed package
    subprocess.run(RUN + args, check=True, env=env, stdout=subprocess.DEVNULL, cwd=out.parent)
    wall = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    md = read_metadata(out)
    if not keep:
        out.unlink()
    return wall, md, rss


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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny configuration (smoke test)")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--big-events", type=int, default=10_000_000)
    ap.add_argument("--decay-events", type=int, default=200_000,
                    help="events per timed decay_block call")
    ap.add_argument("--pythia-events", type=int, default=20_000,
                    help="Pythia 8 events, hard process only (a tenth with the shower)")
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = ap.parse_args(argv)
    if args.quick:
        args.events, args.big_events, args.decay_events = 2_000, 4_000, 2_000
        args.pythia_events = 200
    results: dict[str, object] = {"cores": os.cpu_count(),
                                  "load_average_at_start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=str(Path(tmp) / "numba-cache"))
        # the in-process decay timing loads the cache the subprocesses wrote
        os.environ["NUMBA_CACHE_DIR"] = env["NUMBA_CACHE_DIR"]
        small = ["-n", "1000", "-o", str(Path(tmp) / "s.parquet")]
        cold, _, _ = _run(small, env)
        warm, md_warm, _ = _run(small, env, keep=True)
        for preset, suffix in (("physical", ""), ("cms-sus-24-003", "_cms")):
            legs_s, events_s = _decay_rate(Path(tmp) / "s.parquet", args.decay_events, preset)
            results[f"decays_per_s_one_core{suffix}"] = round(legs_s)
            results[f"decay_events_per_s_one_core{suffix}"] = round(events_s)
        results["detector_events_per_s_one_core"] = round(
            _detector_rate(Path(tmp) / "s.parquet", args.decay_events, "cms-phase1"))
        results["first_run_cold_cache_s"] = round(cold, 2)
        results["first_run_warm_cache_s"] = round(warm, 2)
        results["warm_run_timing_s"] = md_warm["timing_seconds"]
        for card, prefix in (([], ""), (["--card", "cms-phase1"], "card_")):
            for threads in (1, 0):
                wall, md, _ = _run(["-n", str(args.events), "--threads", str(threads), "-o",
                                    str(Path(tmp) / "t.parquet"), *card], env)
                gen = md["timing_seconds"]["generation_and_write"]  # type: ignore[index]
                key = "one_core" if threads == 1 else "all_cores"
                results[f"{prefix}unweighted_events_per_s_{key}"] = round(args.events / gen)
                results[f"{prefix}unweighting_efficiency_{key}"] = md["unweighting_efficiency"]
                results[f"{prefix}wall_s_{key}"] = round(wall, 1)
                if threads == 1:  # the profile: thread time per stage (timing_seconds.stages)
                    stages = md["timing_seconds"]["stages"]  # type: ignore[index]
                    results[f"{prefix}stage_us_per_event_one_core"] = {
                        k: round(1e6 * v / args.events, 3) for k, v in stages.items()}
        _, _, rss = _run(["-n", str(args.big_events), "-o", str(Path(tmp) / "b.parquet")], env)
        results[f"peak_rss_mib_{args.big_events}_events"] = round(rss)
    # Pythia 8 on the same process and spectrum, on this machine, in this run
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import pythia_rate

    for shower, key in ((False, "hard_process"), (True, "shower")):
        n = args.pythia_events if not shower else max(args.pythia_events // 10, 20)
        rate = pythia_rate.pythia_rate(MASS, DM, n, shower=shower)["events_per_s"]
        results[f"pythia_{key}_events_per_s_one_core"] = round(rate)  # type: ignore[arg-type]
        results[f"hsim_card_over_pythia_{key}"] = round(
            results["card_unweighted_events_per_s_one_core"] / rate, 2)  # type: ignore[operator]
    results["decay_share_of_end_to_end_one_core"] = round(
        results["unweighted_events_per_s_one_core"]  # type: ignore[operator]
        / results["decay_events_per_s_one_core"], 3)  # type: ignore[operator]
    for key, label in LABELS.items():
        print(f"{label}: {results[key]}", file=sys.stderr)
    for prefix, what in (("", "no card"), ("card_", "--card cms-phase1")):
        stages = results[f"{prefix}stage_us_per_event_one_core"]
        total = sum(stages.values())  # type: ignore[union-attr]
        print(f"where the time goes, one thread, {what} (us per event, events/s, share):",
              file=sys.stderr)
        for name, us in stages.items():  # type: ignore[union-attr]
            rate = f"{1e6 / us:12,.0f}" if us > 0 else f"{'-':>12s}"
            print(f"  {name:15s} {us:8.3f} {rate} {100 * us / total:6.1f} %", file=sys.stderr)
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
