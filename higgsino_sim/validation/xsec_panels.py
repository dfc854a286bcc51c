"""Validation panels of the cross sections vs mass.

The generator normalises every subprocess to the NLO+NLL table: K = sigma_table /
sigma_LO,MC and the events carry K (higgsino_sim.xsec, docs/cross_sections.md). So the
normalised inclusive cross section *equals* the table by construction, and comparing the
two tests nothing but the interpolation. The panels therefore show

(a) the LO Monte Carlo inclusive sigma (the quantity the normalisation divides by, and the
    one the event weights are built from) against an independent scipy quadrature of the
    analytic partonic sigma-hat: statistical pulls;
(b) K = NLO+NLL / LO vs mass per subprocess (informational: the size and process
    independence of the QCD correction);
(c) the normalised cross sections vs mass on the tables' curves with their uncertainty
    bands (informational, equal by construction: stated as such).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from higgsino_sim.validation.panel import Panel

SECTION = "Cross sections"
SECTIONS = (SECTION,)

DM = 1.0  # GeV, m(chi1+-) - m(chi10); m(chi20) - m(chi10) = 2 DM
SQRT_S = 13_000.0
LABELS = {"c1p_n2": "C1+ N2", "c1m_n2": "C1- N2", "c1p_n1": "C1+ N1", "c1m_n1": "C1- N1",
          "n2_n1": "N2 N1", "c1p_c1m": "C1+ C1-"}


def _rows(masses: tuple[float, ...], seed: int) -> list[dict[str, object]]:
    from higgsino_sim.pdf import load_pdf
    from higgsino_sim.processes import PROCESSES
    from higgsino_sim.spectrum import higgsino_spectrum
    from higgsino_sim.validation.references import lo_sigma_quadrature
    from higgsino_sim.xsec import cross_sections

    pdf = load_pdf()
    out = []
    for k, m in enumerate(masses):
        spec = higgsino_spectrum(m, DM)
        for r in cross_sections(spec, PROCESSES, pdf, SQRT_S, entropy=seed * 1000 + k):
            out.append({"mass": m, "process": r.process, "lo": r.lo_inclusive_fb,
                        "lo_err": r.lo_inclusive_err_fb, "nlo": r.nlo_nll_fb,
                        "nlo_err": r.nlo_nll_err_fb, "k": r.k_factor,
                        "quad": lo_sigma_quadrature(r.process, spec, pdf, SQRT_S)})
    return out


def _series(rows: list[dict[str, object]], process: str, key: str) -> np.ndarray:
    return np.array([r[key] for r in rows if r["process"] == process], dtype=float)


def panels(quick: bool, seed: int) -> list[Panel]:
    """Cross-section panels (a), (b), (c) of the module docstring."""
    from higgsino_sim.processes import PROCESSES
    from higgsino_sim.validation.stats import pulls
    from higgsino_sim.xsec import LO_BLOCK, LO_BLOCKS

    masses = (100.0, 150.0, 250.0) if quick else (100.0, 125.0, 150.0, 200.0, 250.0, 300.0,
                                                  400.0, 500.0, 700.0)
    rows = _rows(masses, seed)
    m = np.array(masses)
    # (a) LO MC vs quadrature
    pl = pulls([r["lo"] for r in rows], [r["quad"] for r in rows],
               [r["lo_err"] for r in rows])
    fig = Figure(figsize=(5.0, 3.5), layout="constrained")
    ax = fig.add_subplot(1, 2, 1)
    axp = fig.add_subplot(1, 2, 2)
    for j, p in enumerate(PROCESSES):
        ax.plot(m, _series(rows, p, "quad"), "-", color=f"C{j}", lw=1, label=LABELS[p])
        ax.plot(m, _series(rows, p, "lo"), "o", color=f"C{j}", ms=3, mfc="none")
        pp = (_series(rows, p, "lo") - _series(rows, p, "quad")) / _series(rows, p, "lo_err")
        axp.plot(m * (1 + 0.01 * (j - 2.5)), pp, "o", color=f"C{j}", ms=3)
    ax.set(yscale="log", xlabel="m(chi1+-) [GeV]", ylabel="sigma LO inclusive [fb]")
    ax.legend(fontsize=6, title="lines: quadrature, o: MC", title_fontsize=6)
    axp.axhspan(-4, 4, color="0.9")
    axp.set(xlabel="m(chi1+-) [GeV]", ylabel="(MC - quadrature) / sigma_MC")
    for a in (ax, axp):
        a.tick_params(labelsize=7)
    n_mc = LO_BLOCK * LO_BLOCKS
    out = [Panel(
        key="xsec_lo_vs_quadrature",
        section=SECTION,
        title="LO inclusive sigma vs mass: generator Monte Carlo vs quadrature of sigma-hat",
        reference=("analytic partonic sigma-hat (gamma/Z/W s-channel) integrated over the "
                   "same PDF (NNPDF3.1 LO) with scipy adaptive quadrature, relative "
                   "precision 1e-6, scale (|m_a| + |m_b|)/2 (validation.references."
                   f"lo_sigma_quadrature); 13 TeV, Delta m = {DM:g} GeV, six subprocesses; "
                   "pull = difference / MC standard error"),
        n_events=n_mc * len(rows),
        statistic=str(pl) + f" ({len(PROCESSES)} subprocesses x {len(masses)} masses)",
        passed=pl.passed,
        figure=fig,
    )]
    # (b) K-factors
    fig = Figure(figsize=(5.0, 3.5), layout="constrained")
    ax = fig.add_subplot()
    ks = np.array([r["k"] for r in rows])
    for j, p in enumerate(PROCESSES):
        k = _series(rows, p, "k")
        ek = k * np.hypot(_series(rows, p, "nlo_err") / _series(rows, p, "nlo"),
                          _series(rows, p, "lo_err") / _series(rows, p, "lo"))
        ax.errorbar(m * (1 + 0.01 * (j - 2.5)), k, yerr=ek, fmt="o-", ms=3, lw=0.8,
                    color=f"C{j}", label=LABELS[p])
    ax.set(xlabel="m(chi1+-) [GeV]", ylabel="K = NLO+NLL / LO")
    ax.legend(fontsize=6, ncol=2)
    ax.tick_params(labelsize=7)
    spread = max(float(np.max(np.abs(ks[[r["mass"] == x for r in rows]]
                                      / np.median(ks[[r["mass"] == x for r in rows]]) - 1)))
                 for x in masses)
    out.append(Panel(
        key="xsec_k_factors",
        section=SECTION,
        title="K-factor NLO+NLL / LO vs mass per subprocess",
        reference=("LHC SUSY XS WG NLO+NLL tables (Resummino; CTEQ6.6 / envelope) over the "
                   "generator's LO (NNPDF3.1 LO, mu = mean mass). Expected nearly "
                   "process-independent (colour-singlet Drell-Yan-like production; the 8 % "
                   "spread allowed in tests/physics/test_lo_cross_sections.py at 115 GeV). "
                   "K is not the pure QCD correction: numerator and denominator use "
                   "different PDF sets (CTEQ6.6/MSTW2008 NLO vs NNPDF3.1 LO), which "
                   "plausibly (not verified) makes K fall below 1 at high mass. "
                   "Error bars: table uncertainty (scale + PDF) and MC error"),
        n_events=n_mc * len(rows),
        statistic=(f"K = {ks.min():.3f}-{ks.max():.3f}; max spread around the median at "
                   f"one mass {100 * spread:.1f} %"),
        passed=None,
        figure=fig,
    ))
    # (c) normalised sigma on the table curve (equal by construction)
    from higgsino_sim import nlo_tables
    from higgsino_sim.spectrum import higgsino_spectrum

    fig = Figure(figsize=(5.0, 3.5), layout="constrained")
    ax = fig.add_subplot()
    grid = np.geomspace(min(masses), max(masses), 60)
    for j, p in enumerate(PROCESSES):
        tv = [nlo_tables.nlo_nll(p, m_c1=s.m_c1, m_n1=s.m_n1, m_n2=s.m_n2, sqrt_s=SQRT_S)
              for s in (higgsino_spectrum(x, DM) for x in grid)]
        c = np.array([t.sigma_fb for t in tv])
        e = np.array([t.err_fb for t in tv])
        ax.fill_between(grid, c - e, c + e, color=f"C{j}", alpha=0.25, lw=0)
        ax.plot(grid, c, "-", color=f"C{j}", lw=0.8, label=LABELS[p])
        ax.plot(m, _series(rows, p, "k") * _series(rows, p, "lo"), "o", color=f"C{j}", ms=3,
                mfc="none")
    ax.set(xscale="log", yscale="log", xlabel="m(chi1+-) [GeV]",
           ylabel="sigma inclusive [fb]")
    ax.legend(fontsize=6, ncol=2, title="band: table +- 1 sigma; o: generator",
              title_fontsize=6)
    ax.tick_params(labelsize=7)
    dev = float(np.max(np.abs(np.array([r["k"] * r["lo"] / r["nlo"] - 1 for r in rows]))))
    out.append(Panel(
        key="xsec_normalised_vs_table",
        section=SECTION,
        title="Normalised inclusive sigma vs mass on the NLO+NLL table curves",
        reference=("LHC SUSY XS WG NLO+NLL tables as vendored in higgsino_sim/data "
                   "(hinosplit grid where it applies, else the degenerate tables at the mean "
                   "mass; docs/cross_sections.md). Equal by construction (K = table / LO): "
                   "shown for orientation, not as evidence; the table values themselves are "
                   "checked against the published numbers in tests/unit/test_nlo_tables.py"),
        n_events=0,
        statistic=f"by construction: max |K sigma_LO / table - 1| = {dev:.1e}",
        passed=None,
        figure=fig,
    ))
    return out
