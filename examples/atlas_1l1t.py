"""ATLAS SR-E-1l1T (one soft lepton + one track, arXiv:1911.12606) on generated signal.

    hsim generate --mass 115 --dm 1.5 -n 100000 --min-recoil 180 --card atlas-run2 -o atlas.parquet
    python examples/atlas_1l1t.py atlas.parquet [--lumi 139]

Prints the cut flow (the MET trigger efficiency enters as an event weight), the yield in
the six m(l, track) bins of the signal region, and the efficiency. The selection lives in
`higgsino_sim.analysis`; docs/analysis.md lists the cuts and their sources.
"""

from __future__ import annotations

import argparse
import sys

from higgsino_sim.analysis import ATLAS_LUMI_FB, SR_EDGES, load_events, select_atlas_1l1t
from higgsino_sim.errors import UsageError

CARD = "atlas-run2"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("table", help="table generated with --card atlas-run2")
    ap.add_argument("--lumi", type=float, default=ATLAS_LUMI_FB,
                    help="integrated luminosity [fb^-1] (default %(default)g)")
    ap.add_argument("--any-card", action="store_true",
                    help=f"accept a table made with another card than {CARD}")
    args = ap.parse_args(argv)
    try:
        events = load_events(args.table)
        if events.card != CARD and not args.any_card:
            raise UsageError(f"{args.table}: made with card {events.card!r}, expected {CARD!r} "
                             "(or pass --any-card)")
        res = select_atlas_1l1t(events, args.lumi)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    spec = events.metadata.get("spectrum", {})
    print(f"{args.table}: card {events.card}, {events.n} events, m(chi1+-) = "
          f"{spec.get('m_chi1pm_gev')} GeV, dm = {spec.get('dm_gev')} GeV")
    print(res.flow.table())
    print()
    print(f"signal region bins in m(l, track) [GeV], yield for {args.lumi:g} fb^-1:")
    for (lo, hi), y in zip(SR_EDGES, res.bin_yields(), strict=True):
        print(f"  [{lo:3.1f}, {hi:3.1f}]  {y:10.4g}")
    flow = res.flow
    print(f"total {flow.yield_events:.4g} events; efficiency (sigma x eff / sigma) "
          f"{flow.sigma_fb / flow.steps[0].sigma_fb:.3e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
