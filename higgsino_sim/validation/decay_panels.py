"""Validation panels of the decays: m_ll shapes, chargino widths, c tau and branching
fractions, decay lengths and impact parameters.

The decays are sampled with the generator's kernel (``decays.kernel_tables(...).decay``,
the code path of ``hsim generate``) on legs with isotropic momenta, and compared with the
independent calculations of ``higgsino_sim.validation.references``.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from matplotlib.figure import Figure

from higgsino_sim import constants as sm
from higgsino_sim import decays
from higgsino_sim.spectrum import PDG_C1, PDG_N1, PDG_N2, Spectrum, higgsino_spectrum
from higgsino_sim.validation import references as ref
from higgsino_sim.validation.panel import Panel
from higgsino_sim.validation.stats import Chi2, chi2_counts, combine, pulls

SECTION_MLL = "Decays: m_ll"
SECTION_CHARGINO = "Decays: chargino widths and branching fractions"
SECTION_FLIGHT = "Decays: decay length and d0"
SECTIONS = (SECTION_MLL, SECTION_CHARGINO, SECTION_FLIGHT)

FIGSIZE = (5.0, 3.5)
M_C1 = 115.0  # GeV, chargino mass of the chargino panels (the README benchmark)
BFIELD_T = 3.8


def _rng(seed: int, tag: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, 5, tag]))


def isotropic_momenta(rng: np.random.Generator, n: int, mass: float, p_max: float) -> np.ndarray:
    """Four-momenta [n, 4] with |p| uniform in [0, p_max] and isotropic directions."""
    p = rng.uniform(0.0, p_max, n)
    cth = rng.uniform(-1.0, 1.0, n)
    phi = rng.uniform(0.0, 2 * math.pi, n)
    sth = np.sqrt(1 - cth**2)
    mom = np.empty((n, 4))
    mom[:, 1] = p * sth * np.cos(phi)
    mom[:, 2] = p * sth * np.sin(phi)
    mom[:, 3] = p * cth
    mom[:, 0] = np.sqrt(p**2 + mass**2)
    return mom


def decay_sample(model: decays.DecayModel, pdg: np.ndarray | int, n: int,
                 rng: np.random.Generator, p_max: float = 0.0,
                 bfield: float = BFIELD_T) -> dict[str, np.ndarray]:
    """Decay ``n`` legs of PDG id ``pdg`` (scalar or per leg; the partner leg is a stable
    chi10) with momenta up to ``p_max`` [GeV] through the generator's decay kernel."""
    spec = model.spectrum
    pdg_a = np.broadcast_to(np.asarray(pdg, dtype=np.int64), (n,))
    mass = np.where(np.abs(pdg_a) == PDG_N2, spec.m_n2, spec.m_c1)
    leg_pdg = np.zeros((n, 2), dtype=np.int64)
    leg_pdg[:, 0] = pdg_a
    leg_pdg[:, 1] = PDG_N1
    leg_mom = np.zeros((n, 2, 4))
    leg_mom[:, 0] = isotropic_momenta(rng, n, 1.0, p_max)
    leg_mom[:, 0, 0] = np.sqrt((leg_mom[:, 0, 1:] ** 2).sum(axis=1) + mass**2)
    leg_mom[:, 1] = isotropic_momenta(rng, n, spec.m_n1, p_max)
    tables = decays.kernel_tables(model)
    out = tables.decay(rng, leg_pdg, leg_mom, bfield)
    if out.counters[1] != 0:
        msg = f"decay sampling envelope violated {out.counters[1]} times"
        raise RuntimeError(msg)
    return {"leg_pdg": leg_pdg, "leg_mom": leg_mom, "leg_f": out.leg_f, "leg_i": out.leg_i,
            "slot_i": out.slot_i, "slot_f": out.slot_f, "labels": np.array(tables.labels)}


def _pair_mass(out: dict[str, np.ndarray], s1: int, s2: int) -> np.ndarray:
    p = out["slot_f"][:, s1, :4] + out["slot_f"][:, s2, :4]
    return np.sqrt(np.maximum(p[:, 0] ** 2 - (p[:, 1:] ** 2).sum(axis=1), 0.0))


def _figure(ncols: int = 1) -> tuple[Figure, list]:
    fig = Figure(figsize=FIGSIZE, layout="constrained")
    axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    return fig, axes


# --------------------------------------------------------------------------- m_ll

# (label, m_n1, m_n2, lepton, m_lepton [GeV], lower histogram edge / dm0)
_MLL_CASES = (
    ("e e", 113.5, 116.5, "chi10 e e", ref.M_E_PDG, 0.0),
    ("mu mu", 100.0, 130.0, "chi10 mu mu", ref.M_MU_PDG, 0.1),
)
_MLL_BINS = 20


def _mll_case(sign: float, case: tuple, n: int, rng: np.random.Generator, ax
              ) -> tuple[Chi2, float, float, float]:
    """One flavour at one eigenvalue sign: chi2 of the histogram, max m_ll, end point and
    the estimated chi2 bias of the massless-lepton reference."""
    label, m_n1, m_n2, channel, m_l, lo_frac = case
    spec = Spectrum(m_c1=0.5 * (m_n1 + m_n2), m_n1=m_n1, m_n2=m_n2, sign_n2=sign)
    model = decays.decay_model(spec, overrides=[f"chi20:{channel}=1"])
    out = decay_sample(model, PDG_N2, n, rng, p_max=300.0)
    mll = _pair_mass(out, 1, 2)
    end = spec.dm0  # kinematic end point |m2| - |m1|
    lo = max(lo_frac * end, 2 * m_l)
    edges = np.linspace(lo, end, _MLL_BINS + 1)
    obs, _ = np.histogram(mll, edges)
    cdf = ref.cdf_from_density(lambda m: ref.mll_density(m, spec.signed_n1, spec.signed_n2),
                               2 * m_l, end)
    frac = np.diff(cdf(edges))
    exp_ = obs.sum() * frac / frac.sum()
    # lepton-mass corrections to the massless formula: O(6 m_l^2 / m_ll^2) per bin (the
    # beta^3 of the dominant axial Z coupling); their expected chi2 contribution
    delta = 6 * m_l**2 / (0.5 * (edges[1:] + edges[:-1])) ** 2
    bias = float(np.sum(exp_ * delta**2))
    res = chi2_counts(obs, exp_, n_fitted=1)
    centres = 0.5 * (edges[1:] + edges[:-1])
    width = edges[1] - edges[0]
    ax.errorbar(centres, obs / width, yerr=np.sqrt(obs) / width, fmt="o", ms=2.5,
                label=f"sampled ({n})")
    grid = np.linspace(lo, end, 400)
    for s1, s2, style, name in ((spec.signed_n1, spec.signed_n2, "-", "analytic"),
                                (spec.signed_n1, -spec.signed_n2, ":", "other sign")):
        dens = ref.mll_density(grid, s1, s2)
        ax.plot(grid, obs.sum() * dens / np.trapezoid(dens, grid), style, lw=1, label=name)
    ax.axvline(end, color="grey", lw=0.5)
    ax.set_xlabel(f"m({label}) [GeV]")
    ax.set_title(f"dm0 = {end:g} GeV: {res.chi2:.1f}/{res.ndf}", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=6)
    return res, float(mll.max()), end, bias


def mll_panels(quick: bool, seed: int) -> list[Panel]:
    """m_ll of chi20 -> chi10 l l (e e and mu mu) for both relative eigenvalue signs."""
    n = 20_000 if quick else 200_000
    out = []
    for tag, (sign, name) in enumerate(((-1.0, "opposite"), (1.0, "same"))):
        fig, axes = _figure(2)
        parts, notes, ok_end = [], [], True
        for k, case in enumerate(_MLL_CASES):
            res, mmax, end, bias = _mll_case(sign, case, n, _rng(seed, 10 * tag + k), axes[k])
            parts.append(res)
            # kinematic end point: never exceeded; approached (P(no event above 0.95 of
            # it) < e^-50 for these N)
            ok_end &= mmax <= end * (1 + 1e-9) and mmax > 0.95 * end
            notes.append(f"{case[0]}: max m_ll = {mmax:.4f} GeV, end point {end:g} GeV, "
                         f"expected chi2 bias of the massless formula {bias:.2f}")
        axes[0].set_ylabel("events / GeV")
        tot = combine(parts)
        hino = " (Higgsino)" if sign < 0 else " (wino/bino-like)"
        fig.suptitle(f"chi20 -> chi10 l l, {name}-sign eigenvalues{hino}", fontsize=9)
        out.append(Panel(
            key=f"mll_{name}_sign",
            section=SECTION_MLL,
            title=f"m_ll of chi20 -> chi10 l+ l-, {name}-sign eigenvalues{hino}",
            reference=("analytic dGamma/dm_ll for signed eigenvalues, massless leptons "
                       "(reference README sec. 3.2; Nojiri-Yamada PRD 60 (1999) 015006, "
                       "ATLAS arXiv:1712.08119); e e at (m1, m2) = (113.5, 116.5) GeV, mu mu "
                       "at (100, 130) GeV above 0.1 dm0 (muon-mass terms negligible); dotted: "
                       "the other sign, for contrast. " + "; ".join(notes)),
            n_events=len(_MLL_CASES) * n,
            statistic=f"{tot} (e e + mu mu, shapes); end points respected: {ok_end}",
            passed=tot.passed and ok_end,
            figure=fig,
        ))
    return out


# ------------------------------------------------------------ chargino widths, c tau


def _widths(dm: float) -> dict[str, float]:
    spec = higgsino_spectrum(M_C1, dm)
    return decays.decay_model(spec).tables["chi1pm"].partial_widths


def _equal_mass_pipi_width(dm: float) -> float:
    """The product's pi pi0 width evaluated with equal pion masses (the CDG formula's
    assumption) over the same q range."""
    spec = higgsino_spectrum(M_C1, dm)
    mode = next(m for m in decays._chi1_modes(spec) if m.channel == "chi10 pi pi0")
    mode = replace(mode, m1=ref.M_PI_PDG, m2=ref.M_PI_PDG,
                   q_range=(2 * ref.M_PI_PDG, mode.q_range[1]))
    return float(decays.mode_widths([mode])[0]) if mode.q_range[1] > mode.q_range[0] else 0.0


#: Relative numerical precision of the exact comparisons (one standard deviation of a
#: pull): double-precision rounding of the mass differences near thresholds (eps m / (2
#: (dm - m_pi)) <~ 1e-13), the reference's quadrature (1e-11) and the product's 256-point
#: Gauss-Legendre rule (converged to 1e-12 for the pion modes,
#: tests/physics/test_decay_widths.py::test_width_integration_converged); G_F is the same
#: CODATA 2018 / PDG value in both. 1e-9 leaves a margin of 10-100.
PREC_PI = 1e-9
PREC_K = 1e-9
PREC_PIPI = 1e-9


def chargino_width_panels(quick: bool, seed: int) -> list[Panel]:  # noqa: ARG001, RUF100
    """Exclusive hadronic widths (exact references), leptonic widths (heavy limit) and
    c tau / branching fractions vs Delta m (deterministic: ``quick`` sets the grid)."""
    dms = np.geomspace(0.2, 5.0, 12 if quick else 30)
    v_ud, v_us = sm.V_CKM[0, 0], sm.V_CKM[0, 1]
    m_k = 0.493677  # GeV, PDG 2024
    rows = []
    for dm in dms:
        spec = higgsino_spectrum(M_C1, dm)
        w = _widths(dm)
        mc, mn = spec.m_c1, spec.m_n1
        rows.append({
            "dm": dm, "w": w,
            "pi_ref": ref.single_pion_width(mc, mn, sm.F_PI, v_ud),
            "k_ref": ref.single_pion_width(mc, mn, sm.F_K, v_us, m_pi=m_k),
            "pipi_ref": ref.two_pion_width(mc, mn, decays.Q_HADRON, v_ud, sm.M_W, sm.GAMMA_W),
            "pipi_eq": _equal_mass_pipi_width(dm),
            "e_ref": ref.lepton_width_heavy_limit(dm, ref.M_E_PDG),
            "mu_ref": ref.lepton_width_heavy_limit(dm, ref.M_MU_PDG),
        })
    # --- exact hadronic comparisons
    got, want, sig, xs, which = [], [], [], [], []
    for r in rows:
        for ch, key, prec, tag in (("chi10 pi", "pi_ref", PREC_PI, "pi"),
                                   ("chi10 K", "k_ref", PREC_K, "K")):
            if r[key] > 0:
                got.append(r["w"][ch])
                want.append(r[key])
                sig.append(prec * r[key])
                xs.append(r["dm"])
                which.append(tag)
        if r["pipi_ref"] > 0:
            got.append(r["pipi_eq"])
            want.append(r["pipi_ref"])
            sig.append(PREC_PIPI * r["pipi_ref"])
            xs.append(r["dm"])
            which.append("pi pi0")
    pl = pulls(np.array(got), np.array(want), np.array(sig))
    fig, (ax, axr) = _figure(2)
    for tag, colour in (("pi", "C0"), ("K", "C1"), ("pi pi0", "C2")):
        sel = np.array(which) == tag
        ax.plot(np.array(xs)[sel], np.array(got)[sel], "-", color=colour, lw=1,
                label=f"model {tag}")
        ax.plot(np.array(xs)[sel], np.array(want)[sel], "o", color=colour, ms=3, mfc="none")
        axr.plot(np.array(xs)[sel], pl.values[sel], "o-", color=colour, ms=3, lw=0.8,
                 label=tag)
    ax.set(xscale="log", yscale="log", xlabel="Delta m [GeV]", ylabel="Gamma [GeV]")
    ax.legend(fontsize=6, title="lines: model, o: CDG", title_fontsize=6)
    axr.axhspan(-4, 4, color="0.9")
    axr.set(xscale="log", xlabel="Delta m [GeV]", ylabel="pull (rel. diff / precision)")
    axr.legend(fontsize=6)
    for a in (ax, axr):
        a.tick_params(labelsize=7)
    panels = [Panel(
        key="chargino_hadronic_widths",
        section=SECTION_CHARGINO,
        title="chi1+ -> chi10 pi+, K+, pi+ pi0 partial widths vs Delta m (exact references)",
        reference=("Chen-Drees-Gunion hep-ph/9902309 (reference README sec. 2.1): two-body "
                   "pi+ (F_pi) and K+ (F_K, |V_us|) widths; pi+ pi0 integral with the "
                   "Kuhn-Santamaria form factor (Z. Phys. C48 (1990) 445) and equal pion "
                   "masses (the formula's assumption, also imposed on the model for this "
                   "comparison), q < 1 GeV; scipy quadrature. m(chi1+-) = 115 GeV. Pull = "
                   f"relative difference / numerical precision ({PREC_PI:g}: rounding and "
                   "quadrature)"),
        n_events=0,
        statistic=(f"{pl}; max |relative difference| = "
                   f"{np.max(np.abs(np.array(got) / np.array(want) - 1)):.1e}"),
        passed=pl.passed,
        figure=fig,
    )]
    # --- leptonic widths vs the heavy-chargino limit (approximation: informational)
    fig, (ax, axr) = _figure(2)
    ratios = []
    for ch, key, colour in (("chi10 e nu", "e_ref", "C0"), ("chi10 mu nu", "mu_ref", "C1")):
        x = np.array([r["dm"] for r in rows if r[key] > 0])
        g = np.array([r["w"][ch] for r in rows if r[key] > 0])
        h = np.array([r[key] for r in rows if r[key] > 0])
        ax.plot(x, g, "-", color=colour, lw=1, label=f"model {ch[6:]}")
        ax.plot(x, h, "o", color=colour, ms=3, mfc="none")
        axr.plot(x, (g / h - 1) / (x / M_C1), "o-", color=colour, ms=3, lw=0.8,
                 label=ch[6:])
        ratios.append(np.abs(g / h - 1) / (x / M_C1))
    worst = float(np.max(np.concatenate(ratios)))
    ax.set(xscale="log", yscale="log", xlabel="Delta m [GeV]", ylabel="Gamma [GeV]")
    ax.legend(fontsize=6, title="lines: model, o: heavy limit", title_fontsize=6)
    axr.set(xscale="log", xlabel="Delta m [GeV]", ylabel="(model/ref - 1) / (dm/m)")
    axr.legend(fontsize=6)
    for a in (ax, axr):
        a.tick_params(labelsize=7)
    panels.append(Panel(
        key="chargino_leptonic_widths",
        section=SECTION_CHARGINO,
        title="chi1+ -> chi10 l+ nu partial widths vs Delta m (heavy-chargino limit)",
        reference=("G_F^2/pi^3 Int E sqrt(E^2 - m_l^2)(dm - E)^2 dE, pure Higgsino, m_chi >> "
                   "dm (reference README sec. 2.3); an approximation with O(dm/m) corrections "
                   "(checked to 3 dm/m at m = 1e5 GeV in tests/physics/test_decay_widths.py), "
                   "so informational at m = 115 GeV"),
        n_events=0,
        statistic=f"max |model/ref - 1| = {worst:.2f} dm/m over {len(rows)} splittings",
        passed=None,
        figure=fig,
    ))
    # --- c tau and branching fractions where the independent channels are complete
    sel = [r for r in rows if r["dm"] < decays.Q_HADRON]
    fig, (ax, axb) = _figure(2)
    x_all = np.array([r["dm"] for r in rows])
    ctau_model = np.array([decays.decay_model(higgsino_spectrum(M_C1, d)).tables["chi1pm"]
                           .ctau_mm for d in x_all])
    x = np.array([r["dm"] for r in sel])
    gam = {
        "chi10 pi": np.array([r["pi_ref"] for r in sel]),
        "chi10 K": np.array([r["k_ref"] for r in sel]),
        "chi10 pi pi0": np.array([r["pipi_ref"] for r in sel]),
        "chi10 e nu": np.array([r["e_ref"] for r in sel]),
        "chi10 mu nu": np.array([r["mu_ref"] for r in sel]),
    }
    total = sum(gam.values())
    ctau_ref = sm.HBARC_GEV_MM / total
    ax.plot(x_all, ctau_model, "-", lw=1, label="model")
    ax.plot(x, ctau_ref, "o", ms=3, mfc="none", label="independent sum")
    ax.set(xscale="log", yscale="log", xlabel="Delta m [GeV]", ylabel="c tau(chi1+-) [mm]")
    ax.legend(fontsize=6)
    dev_br = 0.0
    for k, (ch, g) in enumerate(gam.items()):
        br_model = np.array([r["w"].get(ch, 0.0) / sum(r["w"].values()) for r in rows])
        axb.plot(x_all, br_model, "-", color=f"C{k}", lw=1, label=ch[6:])
        axb.plot(x, g / total, "o", color=f"C{k}", ms=3, mfc="none")
        dev_br = max(dev_br, float(np.max(np.abs(br_model[: x.size] - g / total))))
    axb.set(xscale="log", xlabel="Delta m [GeV]", ylabel="branching fraction", ylim=(0, 1))
    axb.legend(fontsize=6)
    for a in (ax, axb):
        a.tick_params(labelsize=7)
    dev_ct = float(np.max(np.abs(ctau_model[: x.size] / ctau_ref - 1)))
    panels.append(Panel(
        key="chargino_ctau_br",
        section=SECTION_CHARGINO,
        title="chi1+- c tau and branching fractions vs Delta m",
        reference=("hbar c / sum of the independent widths above (CDG pi, K, pi pi0 with "
                   "equal pion masses; heavy-limit e nu, mu nu) for Delta m < 1 GeV, where "
                   "these are all the open channels (above: quark level, model only); "
                   "approximate (O(dm/m) leptonic, pi+ pi0 vs pi+ pi+ threshold), so "
                   "informational. m(chi1+-) = 115 GeV"),
        n_events=0,
        statistic=(f"max |c tau ratio - 1| = {dev_ct:.3f}, max |BR difference| = "
                   f"{dev_br:.3f} over {x.size} splittings < 1 GeV"),
        passed=None,
        figure=fig,
    ))
    return panels


def sampled_br_panel(quick: bool, seed: int) -> Panel:
    """Branching fractions of sampled chi1+- and chi20 decays vs the model."""
    n = 20_000 if quick else 200_000
    dms = (0.3, 0.7, 1.5, 3.0) if quick else (0.25, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0)
    parts = []
    fig, axes = _figure(2)
    for s, (state, pdg) in enumerate((("chi1pm", PDG_C1), ("chi20", PDG_N2))):
        ax = axes[s]
        # x positions: every channel of the state's table (the same list at all splittings)
        order = list(decays.decay_model(higgsino_spectrum(M_C1, max(dms))).tables[state]
                     .branching)
        for k, dm in enumerate(dms):
            model = decays.decay_model(higgsino_spectrum(M_C1, dm))
            br = model.tables[state].branching
            names = [c for c in br if br[c] > 0]
            rng = _rng(seed, 100 + 10 * s + k)
            # both chargino charges (charge-conjugate channels share a label)
            legs = np.where(rng.random(n) < 0.5, pdg, -pdg) if state == "chi1pm" else pdg
            out = decay_sample(model, legs, n, rng)
            labels = out["labels"][out["leg_i"][:, 0]]
            counts = np.array([np.sum(labels == f"{state}:{c}") for c in names])
            expected = np.array([br[c] for c in names]) * n
            parts.append(chi2_counts(counts, expected, n_fitted=1))
            x = np.array([order.index(c) for c in names]) + 0.8 * (k / len(dms) - 0.4)
            pull = (counts - expected) / np.sqrt(np.maximum(expected, 1e-300))
            ax.plot(x, pull, "o", ms=2.5, label=f"{dm:g}")
        ax.axhspan(-4, 4, color="0.9")
        ax.set_title(state, fontsize=8)
        ax.set_xticks(range(len(order)))
        ax.set_xticklabels([c.replace("chi10 ", "").replace("chi1pm ", "C1 ") for c in order],
                           rotation=60, fontsize=6)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("(N - N BR) / sqrt(N BR)")
    axes[1].legend(fontsize=5, title="Delta m [GeV]", title_fontsize=5, ncol=2)
    tot = combine(parts)
    return Panel(
        key="sampled_branching_fractions",
        section=SECTION_CHARGINO,
        title="Sampled decay channels of chi1+- and chi20 vs the model branching fractions",
        reference=("multinomial: the decay kernel's channel choice against the model BRs at "
                   f"Delta m = {', '.join(f'{d:g}' for d in dms)} GeV (chi20 at 2 Delta m), "
                   "m(chi1+-) = 115 GeV, both chargino charges; chi2 with expectations < 5 "
                   "merged; 1 fitted parameter (the total) per multinomial"),
        n_events=2 * n * len(dms),
        statistic=f"{tot} ({len(parts)} multinomials)",
        passed=tot.passed,
        figure=fig,
    )


# ------------------------------------------------------------- decay length and d0


def decay_length_panel(quick: bool, seed: int) -> Panel:
    """Lab decay length of charginos vs the exponential mixture with mean beta gamma c tau."""
    n = 20_000 if quick else 200_000
    edges = np.geomspace(1e-2, 3e3, 31)
    parts = []
    fig, (ax, axr) = _figure(2)
    for k, dm in enumerate((0.35, 0.5)):
        model = decays.decay_model(higgsino_spectrum(M_C1, dm))
        ctau = model.tables["chi1pm"].ctau_mm
        out = decay_sample(model, PDG_C1, n, _rng(seed, 200 + k), p_max=400.0)
        mom = out["leg_mom"][:, 0]
        length = np.linalg.norm(out["leg_f"][:, 0, :3], axis=1)
        lam = np.linalg.norm(mom[:, 1:], axis=1) / M_C1 * ctau  # beta gamma c tau
        # expectation per bin: sum over the legs of P(a < L < b) for an exponential of
        # mean lambda_i (the first and last bin extend to 0 and infinity)
        ext = edges.copy()
        ext[0], ext[-1] = 0.0, np.inf
        cdf = 1.0 - np.exp(-ext[None, :] / lam[:, None])
        expected = np.diff(cdf, axis=1).sum(axis=0)
        obs, _ = np.histogram(np.clip(length, edges[0], edges[-1] * (1 - 1e-12)), edges)
        parts.append(chi2_counts(obs, expected))
        centres = np.sqrt(edges[1:] * edges[:-1])
        ax.plot(centres, obs, "o", ms=2.5, color=f"C{k}",
                label=f"dm = {dm:g} GeV, c tau = {ctau:.3g} mm")
        ax.plot(centres, expected, "-", lw=1, color=f"C{k}")
        good = expected > 5
        axr.plot(centres[good], (obs[good] - expected[good]) / np.sqrt(expected[good]), "o-",
                 ms=2.5, lw=0.6, color=f"C{k}")
    ax.set(xscale="log", yscale="log", xlabel="lab decay length [mm]", ylabel="charginos")
    ax.legend(fontsize=6)
    axr.axhspan(-4, 4, color="0.9")
    axr.set(xscale="log", xlabel="lab decay length [mm]", ylabel="(N - exp) / sqrt(exp)")
    for a in (ax, axr):
        a.tick_params(labelsize=7)
    tot = combine(parts)
    return Panel(
        key="decay_length",
        section=SECTION_FLIGHT,
        title="chi1+- lab decay length vs exponential with mean beta gamma c tau",
        reference=("sum over the charginos of exponentials with mean beta gamma c tau (c tau "
                   "of the decay model; |p| uniform in 0-400 GeV, isotropic), m(chi1+-) = "
                   "115 GeV, Delta m = 0.35 and 0.5 GeV; 30 log bins 0.01-3000 mm"),
        n_events=2 * n,
        statistic=str(tot),
        passed=tot.passed,
        figure=fig,
    )


def d0_panel(quick: bool, seed: int) -> Panel:
    """d0 and dz of the chargino's pion vs the independent helix minimisation."""
    n = 500 if quick else 5000
    model = decays.decay_model(higgsino_spectrum(M_C1, 0.35), preset="cms-sus-24-003")
    rng = _rng(seed, 300)
    legs = np.where(rng.random(n) < 0.5, PDG_C1, -PDG_C1)
    out = decay_sample(model, legs, n, rng, p_max=400.0)
    from higgsino_sim.kernels import decays as kd

    sf = out["slot_f"][:, 1]
    pdg = out["slot_i"][:, 1, kd.SI_PDG]
    if not np.all(np.abs(pdg) == 211):
        msg = "the cms-sus-24-003 preset must give one charged pion per chargino"
        raise RuntimeError(msg)
    d0_ref = np.empty(n)
    dz_ref = np.empty(n)
    for j in range(n):
        d0_ref[j], dz_ref[j] = ref.reference_impact_parameters(
            *sf[j, kd.SF_VX:kd.SF_VZ + 1], *sf[j, kd.SF_PX:kd.SF_PZ + 1],
            float(np.sign(pdg[j])), BFIELD_T)
    diff_d0 = np.abs(sf[:, kd.SF_D0] - d0_ref)
    diff_dz = np.abs(sf[:, kd.SF_DZ] - dz_ref)
    worst = max(float(diff_d0.max()), float(diff_dz.max()))
    fig, (ax, axr) = _figure(2)
    edges = np.linspace(-3.0, 3.0, 41)
    ax.hist(np.clip(sf[:, kd.SF_D0], -3, 3), edges, histtype="step", label="generator")
    ax.hist(np.clip(d0_ref, -3, 3), edges, histtype="step", ls="--", label="helix reference")
    ax.set(xlabel="pion d0 [mm] (clipped to +-3)", ylabel="pions", yscale="log")
    ax.legend(fontsize=6)
    r = np.hypot(sf[:, kd.SF_VX], sf[:, kd.SF_VY])
    axr.plot(np.maximum(r, 1e-4), np.maximum(diff_d0, 1e-18), ".", ms=2, label="|d0 - ref|")
    axr.plot(np.maximum(r, 1e-4), np.maximum(diff_dz, 1e-18), ".", ms=2, label="|dz - ref|")
    axr.axhline(ref.HELIX_TOL_MM, color="r", lw=0.8, label="tolerance")
    axr.set(xscale="log", yscale="log", xlabel="decay radius [mm]", ylabel="|difference| [mm]")
    axr.legend(fontsize=6)
    for a in (ax, axr):
        a.tick_params(labelsize=7)
    return Panel(
        key="pion_d0",
        section=SECTION_FLIGHT,
        title="Pion d0 and dz from chi1+- decays vs an independent helix computation",
        reference=("event by event: numerical minimisation of the distance to the beam line "
                   "along the helix from the stored decay vertex and pion momentum (Karimaki "
                   "NIM A305 (1991) 187 parametrisation; scipy Brent + root polish), B = 3.8 "
                   "T, Delta m = 0.35 GeV (c tau = 13 mm), both chargino charges; tolerance "
                   f"{ref.HELIX_TOL_MM:g} mm = the reference's numerical precision with a "
                   "factor 100 margin"),
        n_events=n,
        statistic=(f"max |d0 - ref| = {diff_d0.max():.2e} mm, max |dz - ref| = "
                   f"{diff_dz.max():.2e} mm over {n} pions (tolerance {ref.HELIX_TOL_MM:g})"),
        passed=worst < ref.HELIX_TOL_MM,
        figure=fig,
    )


def panels(quick: bool, seed: int) -> list[Panel]:
    """All decay panels (``hsim validate``)."""
    return [
        *mll_panels(quick, seed),
        *chargino_width_panels(quick, seed),
        sampled_br_panel(quick, seed),
        decay_length_panel(quick, seed),
        d0_panel(quick, seed),
    ]
