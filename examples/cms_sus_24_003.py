"""CMS SUS-24-003 selection (low-momentum lepton + track search) on generated signal.

Make one table per detector phase (the search uses 2016 = Phase-0 and 2017-18 = Phase-1
data), then run the preselection and the dimuon, muon + track and electron + track
categories of seed 001 section 3.1:

    hsim generate --mass 115 --dm 1.5 -n 100000 --min-recoil 180 --card cms-phase0 -o p0.parquet
    hsim generate --mass 115 --dm 1.5 -n 100000 --min-recoil 180 --card cms-phase1 -o p1.parquet
    python examples/cms_sus_24_003.py --phase0 p0.parquet --phase1 p1.parquet [--lumi0 36 --lumi1 101]

The cut flows list raw events, sigma x efficiency [fb] and the yield for each phase's
luminosity; they stop before the event BDT, which cannot be reproduced (docs/analysis.md).
The selection itself lives in `higgsino_sim.analysis`; this script only calls and prints.
"""

from __future__ import annotations

import argparse
import sys

from higgsino_sim.analysis import (
    CATEGORIES,
    NOT_REPRODUCED,
    PHASE_CARDS,
    PHASE_LUMI_FB,
    category_table,
    load_events,
    select_cms_sus_24_003,
)
from higgsino_sim.errors import UsageError


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phase0", help="table generated with --card cms-phase0 (2016)")
    ap.add_argument("--phase1", help="table generated with --card cms-phase1 (2017-18)")
    ap.add_argument("--lumi0", type=float, default=PHASE_LUMI_FB["Phase-0"],
                    help="Phase-0 luminosity [fb^-1] (default %(default)g)")
    ap.add_argument("--lumi1", type=float, default=PHASE_LUMI_FB["Phase-1"],
                    help="Phase-1 luminosity [fb^-1] (default %(default)g)")
    ap.add_argument("--any-card", action="store_true",
                    help="accept tables made with another card than the phase's")
    args = ap.parse_args(argv)
    inputs = {"Phase-0": (args.phase0, args.lumi0), "Phase-1": (args.phase1, args.lumi1)}
    try:
        if args.phase0 is None and args.phase1 is None:
            raise UsageError("give at least one of --phase0 TABLE and --phase1 TABLE")
        results = {}
        for phase, (path, lumi) in inputs.items():
            if path is None:
                continue
            events = load_events(path)
            if events.card != PHASE_CARDS[phase] and not args.any_card:
                raise UsageError(f"{path}: made with card {events.card!r}, expected "
                                 f"{PHASE_CARDS[phase]!r} for {phase} (or pass --any-card)")
            results[phase] = (events, select_cms_sus_24_003(events, lumi, title=f"{phase}: "))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    for phase, (events, res) in results.items():
        spec = events.metadata.get("spectrum", {})
        print(f"=== {phase}: {inputs[phase][0]} (card {events.card}, {events.n} events, "
              f"m(chi1+-) = {spec.get('m_chi1pm_gev')} GeV, dm = {spec.get('dm_gev')} GeV)")
        for cat in CATEGORIES:
            print(res.flows[cat].table())
            print()
    print(NOT_REPRODUCED)
    print()
    print("signal yield per category (after the last reproduced cut):")
    print(category_table({p: r.flows for p, (_, r) in results.items()}))
    print()
    print("efficiency per category (sigma x eff / sigma of the table):")
    for phase, (_, res) in results.items():
        effs = ", ".join(f"{c} {f.sigma_fb / f.steps[0].sigma_fb:.3e}"
                         for c, f in res.flows.items())
        print(f"  {phase}: {effs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
