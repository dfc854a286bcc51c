"""Validation panel of the analysis layer: the ATLAS 1l1T signal-track efficiency.

The efficiency for a lepton from chi20 -> chi10 l+ l- (l = e, mu) to become a 1l1T
*signal track* (``higgsino_sim.analysis.atlas_1l1t``: 1 < pT < 5 GeV, matched to a
low-momentum lepton candidate that fails the signal-lepton working points, isolated,
impact-parameter requirements) vs the truth lepton pT, with the ``atlas-run2`` card,
compared with the isolated-track efficiency of ATLAS arXiv:1911.12606 fig. 3 as digitised
by GAMBIT (``higgsino_sim/data/atlas_1911_12606_fig3_eff.csv``). Informational: the
digitised curve has no uncertainties and belongs to the full ATLAS simulation, with
pile-up in the isolation.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from higgsino_sim.validation.panel import Panel
from higgsino_sim.validation.stats import chi2_binomial

SECTION = "Analysis: ATLAS 1l1T"
SECTIONS = (SECTION,)
MASS, DM = 150.0, 4.0  # dm0 = 8 GeV: leptons up to ~8 GeV cover the figure's pT range
CHI20 = 1000023


def _lepton_truth(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(n, 12) masks of the chi20 -> chi10 l l leptons and their truth pT [GeV]."""
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    slots = sorted({c.split("_")[0] for c in names if c.startswith("dau") and
                    c.endswith("_mother")}, key=lambda s: int(s[3:]))
    cols = ["chi_a_pdg", "chi_b_pdg", "chi_a_decay", "chi_b_decay"]
    cols += [f"{s}_{q}" for s in slots for q in ("pdg", "mother", "px", "py")]
    t = pq.read_table(path, columns=cols)

    def stack(q: str) -> np.ndarray:
        return np.stack([t.column(f"{s}_{q}").to_numpy() for s in slots], axis=1)

    pdg, mother = stack("pdg"), stack("mother")
    pt = np.hypot(stack("px"), stack("py"))
    is_lep = np.isin(np.abs(pdg), (11, 13))
    from_n2 = np.zeros_like(is_lep)
    for code, leg in ((-1, "chi_a"), (-2, "chi_b")):
        chan = np.asarray(t.column(f"{leg}_decay").to_pylist(), dtype=object)
        ok = (t.column(f"{leg}_pdg").to_numpy() == CHI20) & np.isin(
            chan, ["chi10 e e", "chi10 mu mu"])
        from_n2 |= (mother == code) & ok[:, None]
    return is_lep & from_n2, pt


def panels(quick: bool, seed: int) -> list[Panel]:
    """The 1l1T signal-track efficiency vs truth lepton pT (one informational panel)."""
    import pyarrow.parquet as pq

    from higgsino_sim.analysis import atlas_1l1t_objects, load_events
    from higgsino_sim.generate import GenerateOptions, run_generate
    from higgsino_sim.validation.published import atlas_1911_12606_fig3

    n_events = 20_000 if quick else 200_000
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "atlas.parquet"
        # only leptonic chi20 decays (the other channels do not enter the efficiency)
        run_generate(GenerateOptions(
            mass=MASS, dm=DM, n_events=n_events, seed=seed, output=out, card="atlas-run2",
            threads=2, br=("chi20:chi10 mu mu=0.5", "chi20:chi10 e e=0.5")))
        lep_mask, lep_pt = _lepton_truth(out)
        ev = load_events(out)
        trk_truth = np.stack([pq.read_table(out, columns=[f"trk{k}_truth"]).column(0).to_numpy()
                              for k in range(ev.trk.pt.shape[1])], axis=1)
    obj = atlas_1l1t_objects(ev)
    # truth slots that are a signal track
    n_slots = lep_mask.shape[1]
    is_sig = np.zeros_like(lep_mask)
    rows, cols = np.nonzero(obj.track & (trk_truth >= 0))
    slot = trk_truth[rows, cols].astype(int)
    keep = slot < n_slots
    is_sig[rows[keep], slot[keep]] = True
    ref = atlas_1911_12606_fig3("isolated_track_1l1T")
    use = (ref.pt_lo >= 1.0) & np.isfinite(ref.pt_hi)
    lo, hi, p_ref = ref.pt_lo[use], ref.pt_hi[use], ref.value[use]
    edges = np.append(lo, hi[-1])
    n, _ = np.histogram(lep_pt[lep_mask], edges)
    k, _ = np.histogram(lep_pt[lep_mask & is_sig], edges)
    eff = k / np.maximum(n, 1)
    err = np.sqrt(np.maximum(eff * (1 - eff), 1.0 / np.maximum(n, 1) ** 2) / np.maximum(n, 1))
    live = n > 0
    chi2 = chi2_binomial(k[live], n[live], p_ref[live])
    ratio = k[live].sum() / np.sum(n[live] * p_ref[live])  # overall scale of the difference

    fig = Figure(figsize=(5.0, 3.5), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    ax.stairs(p_ref, edges, label="ATLAS 1911.12606 fig. 3 (GAMBIT digitisation)")
    centres = 0.5 * (edges[1:] + edges[:-1])
    ax.errorbar(centres[live], eff[live], yerr=err[live], fmt="o", ms=3,
                label="higgsino-sim, atlas-run2 card")
    ax.set(xlabel="truth lepton pT [GeV] (chi20 -> chi10 l l)",
           ylabel="signal-track efficiency", ylim=(0, 1))
    ax.legend(fontsize=6)
    return [Panel(
        key="atlas_1l1t_track_eff",
        section=SECTION,
        title="1l1T signal-track efficiency vs truth lepton pT (e and mu from chi20 decays)",
        reference=("ATLAS arXiv:1911.12606 fig. 3, isolated-track efficiency of the 1l1T "
                   "region, digitised by GAMBIT ColliderBit @65717f6 (ATLASEfficiencies.hpp); "
                   f"m(chi1+-) = {MASS:g} GeV, Delta m = {DM:g} GeV, B(chi20 -> chi10 e e) = "
                   "B(chi20 -> chi10 mu mu) = 0.5, jet pT > 100 GeV; informational (digitised "
                   "curve without uncertainties, full ATLAS simulation with pile-up; the "
                   "card's lepton-candidate working points are ASSUMPTIONs, see "
                   "docs/analysis.md)"),
        n_events=n_events,
        statistic=(f"ours / published, summed over the bins: {ratio:.2f}; {chi2} (binomial "
                   f"errors of our sample only) over {int(live.sum())} pT bins; "
                   f"{int(n.sum())} leptons, {int(k.sum())} signal tracks"),
        passed=None,
        figure=fig,
    )]
