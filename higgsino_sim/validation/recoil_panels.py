"""Validation panel of the ISR recoil spectrum: an unweighted ``hsim generate`` sample
against an independent weighted integration of the same |M|^2 with a different
phase-space mapping (no adaptive map, flatter power laws, another subprocess mix), the
method of tests/physics/test_sampling.py. A wrong Jacobian, a biased unweighting or a
broken adaptive map shows up as a shape difference.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from higgsino_sim.validation.panel import Panel
from higgsino_sim.validation.stats import Chi2, chi2_shapes, combine

SECTION = "ISR recoil"
SECTIONS = (SECTION,)

MASS, DM = 115.0, 1.5  # GeV, the README benchmark point
BINS = {
    "jet_pt": np.array([100.0, 115.0, 135.0, 160.0, 200.0, 260.0, 350.0, 500.0, 6500.0]),
    "chichi_m": np.array([230.0, 260.0, 300.0, 350.0, 420.0, 520.0, 700.0, 13000.0]),
}
LABELS = {"jet_pt": "jet pT [GeV]", "chichi_m": "m(chi chi) [GeV]"}


def _weighted(seed: int, n_blocks: int) -> tuple[dict[str, np.ndarray], np.ndarray, float, float]:
    """Weighted trial points with the independent mapping: variables, weights [fb],
    sigma and its error [fb]."""
    from higgsino_sim.decays import decay_model, kernel_tables
    from higgsino_sim.generate import GenerateOptions, _Sampler
    from higgsino_sim.kernels import hard_process as hp
    from higgsino_sim.pdf import load_pdf
    from higgsino_sim.processes import PROCESSES, build_subprocess, pack
    from higgsino_sim.rng import PHASE_GENERATION
    from higgsino_sim.spectrum import higgsino_spectrum
    from higgsino_sim.xsec import cross_sections

    pdf = load_pdf()
    spec = higgsino_spectrum(MASS, DM)
    xs = cross_sections(spec, PROCESSES, pdf, 13_000.0, entropy=seed)
    kfac = np.array([r.k_factor for r in xs])
    prob = np.full(len(PROCESSES), 1.0 / len(PROCESSES))  # another process mix, too
    tables = pack(tuple(build_subprocess(k, spec) for k in PROCESSES))
    sampler = _Sampler(tables, pdf, GenerateOptions(mass=MASS, dm=DM, threads=2), prob, kfac,
                       entropy=seed + 12345, decays=kernel_tables(decay_model(spec)))
    sampler.params = np.array([1.6, 1.6, 7.0])  # flatter power laws, wider rapidity range
    fs, ws = [], []
    try:
        blocks = sampler.blocks(PHASE_GENERATION, 0.0)
        for _ in range(n_blocks):
            piece, w, _, _ = next(blocks)
            fs.append(piece.f)
            ws.append(w)
    finally:
        sampler.close()
    f = np.concatenate(fs)
    n_trials = sum(w.size for w in ws)
    wt = f[:, hp.F_WEIGHT] / n_trials
    sig = float(wt.sum())
    sig_err = float(np.sqrt(np.concatenate(ws).var(ddof=1) / n_trials))
    jet = f[:, hp.F_J : hp.F_J + 4]
    pair = f[:, hp.F_A : hp.F_A + 4] + f[:, hp.F_B : hp.F_B + 4]
    var = {
        "jet_pt": np.hypot(jet[:, 1], jet[:, 2]),
        "chichi_m": np.sqrt(np.maximum(pair[:, 0] ** 2 - (pair[:, 1:] ** 2).sum(axis=1), 0)),
    }
    return var, wt, sig, sig_err


def panels(quick: bool, seed: int) -> list[Panel]:
    """Jet-pT and m(chi chi) shapes and sigma(cut): unweighted vs independent weighted."""
    import pyarrow.parquet as pq

    from higgsino_sim.generate import GenerateOptions, run_generate
    from higgsino_sim.output import read_metadata

    n_unw = 10_000 if quick else 100_000
    n_blocks = 12 if quick else 96
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "u.parquet"
        run_generate(GenerateOptions(mass=MASS, dm=DM, n_events=n_unw, seed=seed, output=out,
                                     threads=2))
        unw = pq.read_table(out, columns=list(BINS))
        md = read_metadata(out)
    var_w, wt, sig_w, sig_w_err = _weighted(seed, n_blocks)
    sig_u, sig_u_err = md["sigma_normalised_cut_fb"], md["sigma_normalised_cut_err_fb"]
    pull_sigma = (sig_u - sig_w) / float(np.hypot(sig_u_err, sig_w_err))

    fig = Figure(figsize=(5.0, 3.5), layout="constrained")
    parts: list[Chi2] = []
    for k, (name, edges) in enumerate(BINS.items()):
        ax = fig.add_subplot(2, 2, k + 1)
        axr = fig.add_subplot(2, 2, k + 3, sharex=ax)
        # unweighted: multinomial counts; weighted: sum w and sum w^2 per bin
        n_u, _ = np.histogram(unw.column(name).to_numpy(), edges)
        s_w, _ = np.histogram(var_w[name], edges, weights=wt)
        s_w2, _ = np.histogram(var_w[name], edges, weights=wt**2)
        shape = chi2_shapes(n_u, s_w, s_w2)
        frac_u, var_u = shape.frac_unweighted, shape.var_unweighted
        frac_w, var_w2 = shape.frac_weighted, shape.var_weighted
        chi2, ndf = shape.chi2.chi2, shape.chi2.ndf
        parts.append(shape.chi2)
        plot_edges = edges.copy()
        plot_edges[-1] = 2 * edges[-2] - edges[-3]  # draw the overflow bin narrow
        centres = 0.5 * (plot_edges[1:] + plot_edges[:-1])
        width = np.diff(plot_edges)
        ax.stairs(frac_w / width, plot_edges, label="weighted (independent)")
        ax.errorbar(centres, frac_u / width, yerr=np.sqrt(var_u) / width, fmt="o", ms=2.5,
                    label="unweighted")
        ax.set(yscale="log", ylabel="fraction / GeV")
        ax.set_title(f"{chi2:.1f}/{ndf}", fontsize=8)
        ax.tick_params(labelsize=6, labelbottom=False)
        sd = np.sqrt(var_u + var_w2)
        axr.errorbar(centres, (frac_u - frac_w) / np.where(frac_w > 0, frac_w, 1), fmt="o",
                     yerr=sd / np.where(frac_w > 0, frac_w, 1), ms=2.5)
        axr.axhline(0, color="grey", lw=0.5)
        axr.set(xlabel=LABELS[name] + " (last bin: overflow)", ylabel="unw/w - 1")
        axr.tick_params(labelsize=6)
    fig.axes[0].legend(fontsize=5)
    tot = combine(parts)
    passed = tot.passed and abs(pull_sigma) < 4.0
    return [Panel(
        key="isr_recoil",
        section=SECTION,
        title="ISR jet pT and m(chi chi): unweighted sample vs independent weighted integration",
        reference=("the same |M|^2 integrated with another phase-space mapping (no VEGAS map, "
                   "power laws pT^-3.2 and Q^-3.2 instead of pT^-4, |Delta y| < 7, equal "
                   "subprocess mix; tests/physics/test_sampling.py), weighted; m(chi1+-) = 115 "
                   "GeV, Delta m = 1.5 GeV, jet pT > 100 GeV; chi2 of the normalised shapes "
                   "with the variances of both samples"),
        n_events=n_unw + int(wt.size),
        statistic=(f"{tot} (jet pT + m(chi chi)); sigma(cut) unweighted {sig_u:.2f} +- "
                   f"{sig_u_err:.2f} fb vs weighted {sig_w:.2f} +- {sig_w_err:.2f} fb, pull "
                   f"{pull_sigma:+.2f}"),
        passed=passed,
        figure=fig,
    )]
