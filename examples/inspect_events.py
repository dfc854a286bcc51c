"""Read an `hsim generate` table: cross sections from the metadata, yields and the recoil
spectrum per subprocess, and a plot of the jet pT.

    hsim generate --mass 115 --dm 1.5 -o events.parquet
    python examples/inspect_events.py events.parquet [--lumi 138] [--plot recoil.png]
"""

from __future__ import annotations

import argparse

import numpy as np
import pyarrow.parquet as pq

from higgsino_sim import read_metadata


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("table")
    ap.add_argument("--lumi", type=float, default=138.0, help="integrated luminosity [fb^-1]")
    ap.add_argument("--plot", default=None, help="write a jet-pT plot (PNG) here")
    args = ap.parse_args(argv)

    md = read_metadata(args.table)
    events = pq.read_table(args.table)
    weight = events.column("weight").to_numpy()
    process = events.column("process").to_pylist()
    spec = md["spectrum"]
    print(f"m(chi1+-) = {spec['m_chi1pm_gev']} GeV, dm = {spec['dm_gev']} GeV, "
          f"{md['n_events']} events, seed {md['seed']}")
    print(f"sigma(normalised, jet pT > {md['min_recoil_gev']} GeV) = "
          f"{md['sigma_normalised_cut_fb']:.4g} fb -> {weight.sum() * args.lumi:.4g} events "
          f"in {args.lumi:g} fb^-1")
    keys = sorted(set(process))
    proc = np.array(process)
    for key in keys:
        sel = proc == key
        print(f"  {key:8s} {weight[sel].sum():9.4g} fb  ({sel.mean():.3f} of the events)")
    pt = events.column("jet_pt").to_numpy()
    for cut in (150.0, 220.0, 300.0):
        print(f"  sigma(jet pT > {cut:g} GeV) = {weight[pt > cut].sum():.4g} fb")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 4))
        bins = np.geomspace(md["min_recoil_gev"], 1.001 * pt.max(), 30)
        sigma, _ = np.histogram(pt, bins=bins, weights=weight)
        ax.stairs(sigma / np.diff(bins), bins)
        ax.set(xscale="log", yscale="log", xlabel="jet pT [GeV]", ylabel="dsigma/dpT [fb/GeV]")
        fig.tight_layout()
        fig.savefig(args.plot)
        print(f"wrote {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
