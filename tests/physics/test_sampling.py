"""The unweighted sample against an independent weighted integration of the same |M|^2
with a different phase-space mapping (no adaptive map, other power laws): the jet-pT
(recoil), chi-chi mass and jet-rapidity spectra and the cross section must agree. A wrong
Jacobian, a biased unweighting or a broken adaptive map shows up here."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from higgsino_sim.decays import decay_model, kernel_tables
from higgsino_sim.generate import GenerateOptions, _Sampler, run_generate
from higgsino_sim.kernels import hard_process as hp
from higgsino_sim.output import read_metadata
from higgsino_sim.processes import PROCESSES, build_subprocess, pack
from higgsino_sim.rng import PHASE_GENERATION
from higgsino_sim.spectrum import higgsino_spectrum
from higgsino_sim.validation.stats import chi2_shapes
from higgsino_sim.xsec import cross_sections

BINS = {
    "jet_pt": np.array([100.0, 115.0, 135.0, 160.0, 200.0, 260.0, 350.0, 500.0, 6500.0]),
    "chichi_m": np.array([230.0, 260.0, 300.0, 350.0, 420.0, 520.0, 700.0, 13000.0]),
    "jet_eta": np.linspace(-4.0, 4.0, 9),
}


@pytest.mark.physics
@pytest.mark.slow
def test_unweighted_matches_independent_weighted_integration(tmp_path, pdf) -> None:
    n_unw = 20_000
    out = tmp_path / "u.parquet"
    run_generate(GenerateOptions(mass=115.0, dm=1.5, n_events=n_unw, seed=99, output=out))
    unw = pq.read_table(out)
    md = read_metadata(out)

    spec = higgsino_spectrum(115.0, 1.5)
    xs = cross_sections(spec, PROCESSES, pdf, 13_000.0, entropy=99)
    kfac = np.array([r.k_factor for r in xs])
    prob = np.full(len(PROCESSES), 1.0 / len(PROCESSES))  # other process mix, too
    tables = pack(tuple(build_subprocess(k, spec) for k in PROCESSES))
    sampler = _Sampler(tables, pdf, GenerateOptions(mass=115.0, dm=1.5, threads=2), prob,
                       kfac, entropy=12345, decays=kernel_tables(decay_model(spec)))
    sampler.params = np.array([1.6, 1.6, 7.0])  # flatter power laws, wider rapidity range
    n_blocks = 24
    fs, ws = [], []
    blocks = sampler.blocks(PHASE_GENERATION, 0.0)
    for _ in range(n_blocks):
        piece, w, _, _ = next(blocks)
        fs.append(piece.f)
        ws.append(w)
    sampler.close()
    f = np.concatenate(fs)
    n_trials = sum(w.size for w in ws)
    wt = f[:, hp.F_WEIGHT] / n_trials
    sig_w = wt.sum()
    sig_w_err = np.sqrt(np.concatenate(ws).var(ddof=1) / n_trials)
    # cross sections: 5 combined standard errors
    sig_u, sig_u_err = md["sigma_normalised_cut_fb"], md["sigma_normalised_cut_err_fb"]
    assert abs(sig_u - sig_w) < 5 * np.hypot(sig_u_err, sig_w_err), (sig_u, sig_w, sig_w_err)

    jet = f[:, hp.F_J : hp.F_J + 4]
    pair = f[:, hp.F_A : hp.F_A + 4] + f[:, hp.F_B : hp.F_B + 4]
    weighted_vars = {
        "jet_pt": np.hypot(jet[:, 1], jet[:, 2]),
        "chichi_m": np.sqrt(pair[:, 0] ** 2 - (pair[:, 1:] ** 2).sum(axis=1)),
        "jet_eta": np.arcsinh(jet[:, 3] / np.hypot(jet[:, 1], jet[:, 2])),
    }
    for name, edges in BINS.items():
        # unweighted: multinomial counts; weighted: sum w and sum w^2 per bin
        n_u, _ = np.histogram(unw.column(name).to_numpy(), edges)
        s_w, _ = np.histogram(weighted_vars[name], edges, weights=wt)
        s_w2, _ = np.histogram(weighted_vars[name], edges, weights=wt**2)
        shape = chi2_shapes(n_u, s_w, s_w2)
        assert shape.chi2.passed, (name, shape.chi2, shape.frac_unweighted, shape.frac_weighted)
